"""Find the user-editable templates (Jinja2 text, Word reference document, email bodies).

Lookup order for a template name such as `report/cover.md.j2`:
1. an explicit folder (`--templates-dir` / the plan's `Templates folder` setting), if given;
2. `templates/` in the current working folder (an officer's own copy);
3. the defaults shipped with xlplan (`templates/` of the repo; a wheel carries a copy, see setup.py).
So xlplan finds its defaults whether run from the repo or installed with pip, and an officer
overrides any one file by copying it into their own `templates/` folder.
"""

from __future__ import annotations

from pathlib import Path

from xlplan.errors import XlplanError

_PACKAGE = Path(__file__).resolve().parent


def shipped(folder: str) -> Path:
    """The repo's top-level `templates/` or `examples/`: copied into a wheel as xlplan/_shipped/,
    found beside the package in a source tree or an editable install (no symlinks: Windows)."""
    inside = _PACKAGE / "_shipped" / folder
    return inside if inside.is_dir() else _PACKAGE.parent / folder


PACKAGE_DEFAULTS = shipped("templates")


def search_path(override: str | Path | None = None) -> list[Path]:
    dirs = []
    if override:
        dirs.append(Path(override))
    dirs.append(Path.cwd() / "templates")
    dirs.append(PACKAGE_DEFAULTS)
    return [d for d in dirs if d.is_dir()]


def template_path(name: str, override: str | Path | None = None) -> Path:
    """The first `name` found along the search path; XlplanError naming where it looked."""
    for d in search_path(override):
        p = d / name
        if p.is_file():
            return p
    looked = ", ".join(str(d) for d in search_path(override)) or "(no template folders)"
    raise XlplanError(f"Template '{name}' not found; looked in {looked}")


def jinja_env(override: str | Path | None = None, autoescape: bool = False):
    """A Jinja2 environment over the search path (StrictUndefined: a typo in a template fails loudly)."""
    import jinja2
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in search_path(override)]),
        undefined=jinja2.StrictUndefined, autoescape=autoescape, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
    )
