"""xlplan: a council's quarterly performance cycle around Excel and Word.

Data flows one way: plan workbook → return templates → returned workbooks → collected results
(store) → reports. Each stage is a folder whose `__init__` names its library API (`xlplan.plan`,
`xlplan.templates`, `xlplan.collect`, `xlplan.store`, `xlplan.reports`, `xlplan.mail`); `xlplan.cli`
is a thin layer over them. The contracts in pyproject.toml ([tool.importlinter]) keep imports
flowing that way.
"""


def __getattr__(name: str) -> str:
    """`__version__`, from the installed package's metadata when first asked for (looking it up
    is a few milliseconds every command would otherwise pay, --version or not)."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version
    try:
        found = version("xlplan")
    except PackageNotFoundError:  # running from a source tree without installing
        found = "0.0.0+source"
    globals()["__version__"] = found
    return found
