"""The floors: the least work each stage must do, on the same data, each timed in one process.

(a) `read`     python-calamine reading every cell of every sheet of every return.
(b) `write`    xlsxwriter (in_memory) writing the same workbooks as `xlplan templates` wrote: the
               same cells and formulas, number formats and unlocked cells, data validations,
               conditional formats, merged cells, widths, frozen panes, sheet protection and
               hidden sheets (replayed from the templates' XML; fonts and fills kept, print setup not).
(c) `docx`     the Word report's document.xml written by string templating (the report's tables
               and rows: theme summaries, measure tables per theme/outcome, action tables), zipped
               into a minimal .docx (in floor_docx.py).
(d) `values`   xlsxwriter writing the cells of the summary workbook `xlplan report` wrote, values only.

Run as `python floors.py NAME INPUT OUTPUT`; prints one JSON line {"seconds", "cpu_seconds",
"files", "cells"} where seconds (wall) and cpu_seconds cover the timed work only (interpreter
start and loading the prepared input excluded, so the floor is a lower bound). `extract_spec`,
`values_spec` and report_rows.report_tables prepare the inputs (setup).
"""

from __future__ import annotations

import json
import pickle
import re
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# --- (a) read every cell ---------------------------------------------------------------------


def floor_read(returns: Path) -> dict:
    from python_calamine import CalamineWorkbook
    files = sorted(p for p in returns.iterdir() if p.suffix == ".xlsx" and not p.name.startswith(("~$", ".~lock")))
    start, cpu = time.perf_counter(), time.process_time()
    cells = 0
    for path in files:
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            for row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False):
                cells += len(row)
        wb.close()
    return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu, "files": len(files), "cells": cells}


# --- (b) replay a workbook's cells, formats, validations and protection with xlsxwriter ----------

_BUILTIN_FORMATS_MAX = 163
_OPERATORS = {None: "between", "between": "between", "notBetween": "not between", "equal": "==",
              "notEqual": "!=", "greaterThan": ">", "lessThan": "<", "greaterThanOrEqual": ">=",
              "lessThanOrEqual": "<="}
_DV_TYPES = {"whole": "integer", "decimal": "decimal", "list": "list", "date": "date", "time": "time",
             "textLength": "length", "custom": "custom"}
_PROTECT_OPTIONS = {"objects": "objects", "scenarios": "scenarios", "formatCells": "format_cells",
                    "formatColumns": "format_columns", "formatRows": "format_rows",
                    "insertColumns": "insert_columns", "insertRows": "insert_rows",
                    "insertHyperlinks": "insert_hyperlinks", "deleteColumns": "delete_columns",
                    "deleteRows": "delete_rows", "selectLockedCells": "select_locked_cells",
                    "sort": "sort", "autoFilter": "autofilter", "pivotTables": "pivot_tables",
                    "selectUnlockedCells": "select_unlocked_cells"}


def _rgb(el) -> str | None:
    if el is None or not el.get("rgb"):
        return None
    return "#" + el.get("rgb")[-6:]


def _styles(parts: dict[str, bytes]) -> tuple[list[dict], list[dict]]:
    """(cell formats by xf index, differential formats by dxf index) as xlsxwriter format dicts."""
    from lxml import etree
    from fill_fast import _q
    if "xl/styles.xml" not in parts:
        return [], []
    root = etree.fromstring(parts["xl/styles.xml"])
    numfmts = {int(n.get("numFmtId")): n.get("formatCode") for n in root.iter(_q("numFmt"))}

    def font(f) -> dict:
        d = {}
        if f is None:
            return d
        if f.find(_q("b")) is not None:
            d["bold"] = True
        if f.find(_q("i")) is not None:
            d["italic"] = True
        if _rgb(f.find(_q("color"))):
            d["font_color"] = _rgb(f.find(_q("color")))
        if f.find(_q("sz")) is not None:
            d["font_size"] = float(f.find(_q("sz")).get("val"))
        return d

    def fill(f) -> dict:
        if f is None:
            return {}
        pf = f.find(_q("patternFill"))
        if pf is None:
            return {}
        color = _rgb(pf.find(_q("fgColor"))) or _rgb(pf.find(_q("bgColor")))
        return {"pattern": 1, "bg_color": color} if color else {}

    fonts = [font(f) for f in root.iter(_q("font")) if f.getparent().tag == _q("fonts")]
    fills = [fill(f) for f in root.iter(_q("fill")) if f.getparent().tag == _q("fills")]
    xfs = []
    for xf in (x for x in root.iter(_q("xf")) if x.getparent().tag == _q("cellXfs")):
        d: dict = {}
        nid = int(xf.get("numFmtId") or 0)
        if nid:
            d["num_format"] = numfmts.get(nid, nid) if nid > _BUILTIN_FORMATS_MAX else nid
        fid, flid = int(xf.get("fontId") or 0), int(xf.get("fillId") or 0)
        if fid < len(fonts):
            d.update(fonts[fid])
        if 1 < flid < len(fills):
            d.update(fills[flid])
        prot = xf.find(_q("protection"))
        if prot is not None and prot.get("locked") == "0":
            d["locked"] = False
        if prot is not None and prot.get("hidden") == "1":
            d["hidden"] = True
        al = xf.find(_q("alignment"))
        if al is not None:
            if al.get("wrapText") == "1":
                d["text_wrap"] = True
            if al.get("vertical"):
                d["valign"] = {"center": "vcenter"}.get(al.get("vertical"), al.get("vertical"))
            if al.get("horizontal"):
                d["align"] = al.get("horizontal")
        xfs.append(d)
    dxfs = []
    for dxf in root.iter(_q("dxf")):
        d = font(dxf.find(_q("font")))
        f = dxf.find(_q("fill"))
        if f is not None and f.find(_q("patternFill")) is not None:
            pf = f.find(_q("patternFill"))
            color = _rgb(pf.find(_q("bgColor"))) or _rgb(pf.find(_q("fgColor")))
            if color:
                d["bg_color"] = color
        dxfs.append(d)
    return xfs, dxfs


def extract_spec(path: Path) -> dict:
    """What xlsxwriter needs to write `path` again: per sheet, cells, formats, validations, protection."""
    from lxml import etree
    from fill_fast import SharedStrings, _q, cell_text, col_index, sheet_parts, _CELL_REF
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sst = SharedStrings(parts.get("xl/sharedStrings.xml"))
    xfs, dxfs = _styles(parts)
    sheets = []
    for name, (part, state) in sheet_parts(parts).items():
        root = etree.fromstring(parts[part])
        cells = []
        for c in root.iter(_q("c")):
            m = _CELL_REF.fullmatch(c.get("r"))
            f = c.find(_q("f"))
            cells.append((int(m.group(2)) - 1, col_index(m.group(1)) - 1, cell_text(c, sst),
                          f.text if f is not None and f.text else None, int(c.get("s") or 0)))
        validations = []
        for dv in root.iter(_q("dataValidation")):
            f1, f2 = dv.find(_q("formula1")), dv.find(_q("formula2"))
            validations.append({**dict(dv.attrib), "formula1": f1.text if f1 is not None else None,
                                "formula2": f2.text if f2 is not None else None})
        conditional = []
        for cf in root.iter(_q("conditionalFormatting")):
            for rule in cf.iter(_q("cfRule")):
                conditional.append((cf.get("sqref"), dict(rule.attrib),
                                    [f.text for f in rule.iter(_q("formula"))]))
        prot = root.find(_q("sheetProtection"))
        cols = [(int(c.get("min")), int(c.get("max")), float(c.get("width") or 8.43), c.get("hidden") == "1")
                for c in root.iter(_q("col"))]
        pane = root.find(f"{_q('sheetViews')}/{_q('sheetView')}/{_q('pane')}")
        merges = [m.get("ref") for m in root.iter(_q("mergeCell"))]
        sheets.append({"name": name, "state": state, "cells": cells, "validations": validations,
                       "conditional": conditional, "protection": dict(prot.attrib) if prot is not None else None,
                       "cols": cols, "merges": merges,
                       "freeze": (int(float(pane.get("ySplit") or 0)), int(float(pane.get("xSplit") or 0)))
                       if pane is not None and pane.get("state") == "frozen" else None})
    return {"name": path.name, "xfs": xfs, "dxfs": dxfs, "sheets": sheets}


def _number_or_formula(text: str | None):
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return "=" + text


def _validation(dv: dict) -> dict:
    kind = _DV_TYPES.get(dv.get("type"), "any")
    opts: dict = {"validate": kind, "ignore_blank": dv.get("allowBlank") == "1",
                  "show_input": dv.get("showInputMessage") == "1", "show_error": dv.get("showErrorMessage") == "1"}
    if kind == "list":
        f1 = dv["formula1"] or ""
        opts["source"] = f1[1:-1].split(",") if f1.startswith('"') else "=" + f1
    elif kind == "custom":
        opts["value"] = "=" + (dv["formula1"] or "TRUE")
    elif kind != "any":
        opts["criteria"] = _OPERATORS.get(dv.get("operator"), "between")
        if opts["criteria"] in ("between", "not between"):
            opts["minimum"], opts["maximum"] = _number_or_formula(dv["formula1"]), _number_or_formula(dv["formula2"])
        else:
            opts["value"] = _number_or_formula(dv["formula1"])
    for key, attr in (("input_title", "promptTitle"), ("input_message", "prompt"),
                      ("error_title", "errorTitle"), ("error_message", "error")):
        if dv.get(attr):
            opts[key] = dv[attr]
    if dv.get("errorStyle") in ("warning", "information"):
        opts["error_type"] = dv["errorStyle"]
    if len(dv["sqref"].split()) > 1:
        opts["multi_range"] = dv["sqref"]
    return opts


def _conditional(rule: dict, formulas: list[str], fmt) -> dict:
    kind = rule.get("type")
    if kind == "cellIs":
        d = {"type": "cell", "criteria": _OPERATORS.get(rule.get("operator"), "=="), "format": fmt}
        if d["criteria"] in ("between", "not between"):
            d["minimum"], d["maximum"] = formulas[0], formulas[1]
        else:
            d["value"] = formulas[0] if formulas else 0
        return d
    if kind == "containsText":
        return {"type": "text", "criteria": "containing", "value": rule.get("text", ""), "format": fmt}
    return {"type": "formula", "criteria": "=" + (formulas[0] if formulas else "TRUE"), "format": fmt}


# The functions xlsxwriter always rewrites with an `_xlfn.` prefix (dynamic arrays; the other ~100
# only with use_future_functions). A formula naming none of them comes out of xlsxwriter's ~30
# regex substitutions unchanged, so the floor skips them: the least work for the same file.
_DYNAMIC = re.compile(r"\b(?:ANCHORARRAY|BYCOL|BYROW|CHOOSECOLS|CHOOSEROWS|DROP|EXPAND|FILTER|HSTACK|LAMBDA|"
                      r"MAKEARRAY|MAP|RANDARRAY|REDUCE|SCAN|SINGLE|SEQUENCE|SORT|SORTBY|SWITCH|TAKE|TEXTSPLIT|"
                      r"TOCOL|TOROW|UNIQUE|VSTACK|WRAPCOLS|WRAPROWS|XLOOKUP)\(")


def _fast_workbook_class():
    import xlsxwriter
    from xlsxwriter.worksheet import Worksheet

    class FastWorksheet(Worksheet):
        def _prepare_formula(self, formula, expand_future_functions=False):
            text = formula[1:] if formula.startswith("{") else formula
            text = text[1:] if text.startswith("=") else text
            text = text[:-1] if text.endswith("}") else text
            if not (self.use_future_functions or expand_future_functions) and not _DYNAMIC.search(text):
                return text
            return super()._prepare_formula(formula, expand_future_functions)

    class FastWorkbook(xlsxwriter.Workbook):
        worksheet_class = FastWorksheet

    return FastWorkbook


def write_spec(spec: dict, path: Path) -> int:
    """Write one workbook from its spec with xlsxwriter (in_memory); returns cells written."""
    wb = _fast_workbook_class()(str(path), {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    formats = [wb.add_format(d) if d else None for d in spec["xfs"]]
    dxfs = [wb.add_format(d) for d in spec["dxfs"]]
    n = 0
    for sh in spec["sheets"]:
        ws = wb.add_worksheet(sh["name"])
        for first, last, width, hidden in sh["cols"]:
            ws.set_column(first - 1, last - 1, width, None, {"hidden": hidden} if hidden else None)
        for r, c, value, formula, xf in sh["cells"]:
            fmt = formats[xf] if xf < len(formats) else None
            if formula is not None:
                ws.write_formula(r, c, "=" + formula, fmt, value if value is not None else 0)
            elif isinstance(value, str):
                ws.write_string(r, c, value, fmt)
            elif value is None:
                ws.write_blank(r, c, None, fmt)
            else:
                ws.write_number(r, c, value, fmt)
            n += 1
        for ref in sh["merges"]:
            ws.merge_range(ref, "", None)
        for dv in sh["validations"]:
            first = dv["sqref"].split()[0]
            ws.data_validation(first if ":" in first else f"{first}:{first}", _validation(dv))
        for sqref, rule, formulas in sh["conditional"]:
            dxf = dxfs[int(rule["dxfId"])] if rule.get("dxfId") and int(rule["dxfId"]) < len(dxfs) else None
            ws.conditional_format(sqref.split()[0] if ":" in sqref.split()[0] else f"{sqref}:{sqref}",
                                  _conditional(rule, formulas, dxf))
        if sh["freeze"]:
            ws.freeze_panes(*sh["freeze"])
        if sh["protection"] is not None:
            opts = {key: sh["protection"].get(attr) == "0" for attr, key in _PROTECT_OPTIONS.items()
                    if attr in sh["protection"]}
            ws.protect("", opts)
        if sh["state"] == "hidden":
            ws.hide()
        elif sh["state"] == "veryHidden":
            ws.very_hidden()
    wb.close()
    return n


def floor_write(spec_file: Path, out: Path) -> dict:
    """`spec_file` holds one pickled spec after another (read one at a time, so memory stays small);
    only the writing is timed."""
    out.mkdir(parents=True, exist_ok=True)
    seconds = cpu = 0.0
    files = cells = 0
    with open(spec_file, "rb") as f:
        while True:
            try:
                spec = pickle.load(f)
            except EOFError:
                break
            start, cpu0 = time.perf_counter(), time.process_time()
            cells += write_spec(spec, out / spec["name"])
            seconds += time.perf_counter() - start
            cpu += time.process_time() - cpu0
            files += 1
    return {"seconds": seconds, "cpu_seconds": cpu, "files": files, "cells": cells}


# --- (d) the summary workbook's cells, values only ---------------------------------------------


def values_spec(path: Path) -> dict:
    from python_calamine import CalamineWorkbook
    wb = CalamineWorkbook.from_path(str(path))
    return {"name": path.name, "sheets": [(n, wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names]}


def floor_values(spec_file: Path, out: Path) -> dict:
    import xlsxwriter
    specs = pickle.loads(spec_file.read_bytes())
    out.mkdir(parents=True, exist_ok=True)
    start, cpu = time.perf_counter(), time.process_time()
    cells = 0
    for spec in specs:
        wb = xlsxwriter.Workbook(str(out / spec["name"]), {"in_memory": True, "strings_to_formulas": False,
                                                           "strings_to_urls": False})
        for name, rows in spec["sheets"]:
            ws = wb.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value == "" or value is None:
                        continue
                    ws.write_string(r, c, value) if isinstance(value, str) else ws.write(r, c, value)
                    cells += 1
        wb.close()
    return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu, "files": len(specs), "cells": cells}


from floor_docx import floor_docx  # noqa: E402  (c) lives in its own module

FLOORS = {"read": floor_read, "write": floor_write, "docx": floor_docx, "values": floor_values}

if __name__ == "__main__":
    name, *args = sys.argv[1:]
    result = FLOORS[name](*(Path(a) for a in args))
    print(json.dumps(result))
