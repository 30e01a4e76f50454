"""xlplan: a council's quarterly performance cycle around Excel and Word.

Data flows one way: plan workbook → return templates → returned workbooks → collected results
(store) → reports. Each stage is a module with a library API; `xlplan.cli` is a thin layer over it.
"""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("xlplan")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"
