"""Templates to test against, shared by the template, fill and LibreOffice tests: a plan with every
kind of target, and readers that look at a written template as collect would."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from python_calamine import CalamineWorkbook

from builders import action, build_plan, measure
from xlplan.contract import layout
from xlplan.contract.identity import Identity, content_hash, row_digest
from xlplan.periods import Period

Q2 = Period.parse("2023-24-Q2")
ISSUED = datetime(2023, 10, 2, 9, 30, tzinfo=timezone.utc)


def varied_plan(path: Path, **settings) -> Path:
    """A plan with every kind of target: level %, cumulative £, quarterly, directional, ratio, none."""
    return build_plan(path, settings=settings or None, measures=[
        measure("SW01", Measure="Percentage of case conferences held within 21 days",
                **{"2020/21": 0.7, "2021/22": 0.72, "2022/23": 0.74}),
        measure("SW02", Unit="£", Target="£200,000", Profile="Cumulative", Measure="+ Income from charges"),
        measure("SW03", Unit="number", Target="Reduce", Polarity="Lower", Outcome="Outcome two",
                Measure="- Children on the child protection register", **{"2022/23": 75}),
        measure("SW04", Unit="ratio", Target="70/30", Theme="Improve health, care and wellbeing",
                Measure="@home: planned to unplanned care"),
        measure("SW05", Unit="number", Target="", Polarity="Higher", Measure="Carers supported"),
        measure("SW06", Unit="%", Target="", Polarity="Monitor", Measure="Staff turnover"),
        measure("SW07", Unit="%", Target="80%", Profile="20%; 40%; 60%; 80%",
                Measure="Reviews completed"),
        measure("SW08", Unit="number", Target="TBC", Measure="Referrals"),
        measure("AO01", Service="Adult and Older People", Measure="Adult measure"),
    ], actions=[
        action("A1", Action="Roll out the Safe and Together model", Due="31/03/2024"),
        action("A3", Action="Review kinship care", Due="30/06/2023", Outcome="Outcome two"),
        action("A2", Service="Adult and Older People"),
    ])


def read_sheet(path: Path, sheet: str) -> tuple[int, list[str], list[tuple[int, dict]]]:
    """(1-based header row, headers, [(excel row, {header: value})]) as collect reads a sheet."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    key = "Code" if sheet == layout.MEASURES_SHEET else "Ref"
    h = next(i for i, r in enumerate(rows[:layout.HEADER_SEARCH_ROWS]) if key in r)
    headers = [str(x) for x in rows[h]]
    data = [(i + 1, dict(zip(headers, r))) for i, r in enumerate(rows) if i > h]
    return h + 1, headers, data


def data_rows(path: Path, sheet: str) -> dict[str, tuple[int, dict]]:
    """Data rows (non-empty Code/Ref) by key."""
    key = "Code" if sheet == layout.MEASURES_SHEET else "Ref"
    _, _, data = read_sheet(path, sheet)
    return {str(v[key]): (r, v) for r, v in data if v.get(key) not in (None, "")}


def read_identity(path: Path) -> Identity:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(layout.IDENTITY_SHEET).to_python()
    return Identity.from_rows([(r[0], r[1]) for r in rows[1:]])


def digest_failures(path: Path, key: bytes) -> list[str]:
    """Keys of rows whose digest does not match the cells read back (recomputed as collect would),
    plus 'content_hash' when the identity's content hash does not verify."""
    ident = read_identity(path)
    failures, headers = [], {}
    for sheet in (layout.MEASURES_SHEET, layout.ACTIONS_SHEET):
        _, h, _ = read_sheet(path, sheet)
        headers[sheet] = h
        rows = data_rows(path, sheet)
        for entry in (e for e in ident.rows if e.sheet == sheet):
            r, values = rows[entry.key]
            cells = [values[c] for c in layout.hashed_columns(h)]
            if r != entry.row or row_digest(key, sheet, entry.key, cells) != entry.digest:
                failures.append(entry.key)
    if content_hash(key, ident.fields, headers, ident.rows) != ident["content_hash"]:
        failures.append("content_hash")
    return failures
