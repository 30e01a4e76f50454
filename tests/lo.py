"""LibreOffice helpers for tests: re-save, render to PDF, and type into cells as a person would.

Every soffice run gets its own profile folder (-env:UserInstallation) so parallel runs never
collide, and a timeout. Tests using these are marked `@pytest.mark.libreoffice` and skip cleanly
where soffice is not installed (`needs_lo`).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import textwrap
import uuid
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice")
UNO_PYTHON = "/usr/bin/python3"   # the system Python has LibreOffice's `uno` module
TIMEOUT = 120

needs_lo = [pytest.mark.libreoffice,
            pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")]


def _profile() -> str:
    return Path(tempfile.mkdtemp(prefix="xlplan-lo-")).as_uri()


def _convert(path: Path | list[Path], out_dir: Path, target: str) -> Path | list[Path]:
    """Convert one file (or several in one soffice run, which saves its start-up time)."""
    paths = [Path(p) for p in path] if isinstance(path, (list, tuple)) else [Path(path)]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = _profile()
    try:
        done = subprocess.run(
            [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nologo",
             "--convert-to", target, "--outdir", str(out_dir), *map(str, paths)],
            capture_output=True, text=True, timeout=TIMEOUT)
    finally:
        shutil.rmtree(profile.removeprefix("file://"), ignore_errors=True)
    ext = target.split(":")[0]
    outs = [out_dir / (p.stem + "." + ext) for p in paths]
    if done.returncode != 0 or not all(o.exists() for o in outs):
        raise AssertionError(f"soffice could not convert {path} to {ext}:\n{done.stdout}\n{done.stderr}")
    return outs if isinstance(path, (list, tuple)) else outs[0]


def resave(path, out_dir: str | Path):
    """Open `path` (or a list of paths) in LibreOffice and save as .xlsx in `out_dir` (same names)."""
    return _convert(path, Path(out_dir), 'xlsx:Calc MS Excel 2007 XML')


def to_pdf(path, out_dir: str | Path):
    """Render `path` (or a list of paths) to PDF in `out_dir` (all printable sheets)."""
    return _convert(path, Path(out_dir), "pdf")


_TYPE_SCRIPT = textwrap.dedent('''
    import json, sys, time
    import uno
    from com.sun.star.beans import PropertyValue

    def prop(name, value):
        p = PropertyValue(); p.Name = name; p.Value = value; return p

    pipe, src, dst, entries = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for attempt in range(240):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.25)
    else:
        sys.exit("could not connect to soffice")
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
    results = {}
    for sheet, cell, text in entries:
        target = doc.Sheets.getByName(sheet).getCellRangeByName(cell)
        target.setFormula(text)
    doc.calculateAll()
    doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", "Calc MS Excel 2007 XML"),))
    doc.close(True)
    print("XLPLAN-SAVED", flush=True)
    try:
        desktop.terminate()
    except Exception:
        pass
    import os
    os._exit(0)   # skip interpreter teardown: pyuno can crash (SIGSEGV) once soffice has gone
''')


def lo_type(path: str | Path, out: str | Path, entries: dict[tuple[str, str], str]) -> Path:
    """Open `path` in LibreOffice, type each text into its (sheet, cell) with `setFormula` (as a
    person entering it), recalculate and store as .xlsx at `out`."""
    import json
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    profile = _profile()
    pipe = f"xlplan_{uuid.uuid4().hex}"
    office = subprocess.Popen(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--invisible", "--norestore", "--nologo",
         "--nodefault", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        payload = json.dumps([[s, c, t] for (s, c), t in entries.items()])
        done = subprocess.run([UNO_PYTHON, "-c", _TYPE_SCRIPT, pipe, str(Path(path).resolve()), str(out), payload],
                              capture_output=True, text=True, timeout=TIMEOUT)
        saved = "XLPLAN-SAVED" in done.stdout and out.exists()
        if not saved:   # a crash after the save (seen in pyuno's shutdown) does not spoil the file
            raise AssertionError(f"typing into {path} with LibreOffice failed:\n{done.stdout}\n{done.stderr}")
    finally:
        try:
            office.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(office.pid, signal.SIGKILL)
            office.wait(timeout=10)
        shutil.rmtree(profile.removeprefix("file://"), ignore_errors=True)
    return out
