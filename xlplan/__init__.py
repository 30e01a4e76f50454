"""xlplan: a council's quarterly performance cycle around Excel and Word.

Data flows one way: plan workbook → return templates → returned workbooks → collected results
(store) → reports. Each stage is a folder whose `__init__` names its library API (`xlplan.plan`,
`xlplan.templates`, `xlplan.collect`, `xlplan.store`, `xlplan.reports`, `xlplan.mail`); `xlplan.cli`
is a thin layer over them. The contracts in pyproject.toml ([tool.importlinter]) keep imports
flowing that way.
"""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("xlplan")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"
