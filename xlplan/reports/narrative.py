"""The words of the committee cover report: what the figures say, rendered from Jinja2 templates.

`cover_context(results)` gathers the facts a narrative needs (counts by status, what moved since
last quarter, each Red measure with its comment). `render_section(name, context)` renders
`templates/report/<name>.txt.j2` and returns `Block`s (paragraphs, bullets, table markers) that
`word.py` writes as plain text runs.

Text from returns is data, never template source: comments only ever reach a template as values.
Every value a template prints is wrapped in private-use delimiters, so the small layout markup of
the templates (a blank line between paragraphs, `- ` for a bullet, `**bold**`, `[[table]]`,
`Label | text` rows) is only recognised in the template's own text, never inside a value: a
comment holding `- `, `**`, `|`, `[[…]]` or `{{ … }}` prints literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from xlplan.errors import REPORT_TEMPLATE_ERROR, REPORT_TEMPLATE_MISSING, XlplanError, issue
from xlplan.store import MeasureResult, PeriodResults
from xlplan.status import ACTION_STATUS_ORDER, MEASURE_STATUS_ORDER, ActionStatus, Status, Trend

_OPEN, _CLOSE = "\ue000", "\ue001"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff\ue000\ue001]")
_RANK = {Status.GREEN: 3, Status.AMBER: 2, Status.RED: 1}
COMMENT_LIMIT = 600  # characters of a comment quoted in the cover report; the appendix has it all


def sentence(text: str) -> str:
    """`text` ending with one full stop: none is added after a reason typed in a return that ends
    with its own (".", "!", "?" or "…"), so the report never says "posted to Q1.."."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "\u2026")) else text + "."


def xml_safe(text: object, *, keep_newlines: bool = True) -> str:
    """Text that can go into Word XML: control characters removed, tabs as spaces, CR LF as LF."""
    s = "" if text is None else str(text)
    if s.isprintable():     # the common case: nothing to remove (isprintable is False for every
        return s            # character removed or replaced below, and for line breaks)
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    s = _INVALID_XML.sub("", s)
    if not keep_newlines:
        s = re.sub(r"\s*\n\s*", " ", s)
    return s


def shorten(text: str, limit: int = COMMENT_LIMIT) -> str:
    """`text` cut at a word boundary near `limit` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,;:.") + " …"


# --- the facts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Movement:
    measure: MeasureResult
    before: Status
    after: Status


def movements(results: PeriodResults) -> dict[str, list[Movement]]:
    """Measures whose status changed since last quarter: improved, declined, now reported, not reported."""
    out: dict[str, list[Movement]] = {"improved": [], "declined": [], "now_reported": [], "no_longer_reported": []}
    for m in results.measures:
        before, after = m.previous_status, m.status
        if before is None or before is after:
            continue
        mv = Movement(m, before, after)
        if before in _RANK and after in _RANK:
            out["improved" if _RANK[after] > _RANK[before] else "declined"].append(mv)
        elif before is Status.REPORT_LATER:
            out["now_reported"].append(mv)
        elif after is Status.REPORT_LATER:
            out["no_longer_reported"].append(mv)
    return out


def cover_context(results: PeriodResults) -> dict:
    """Everything the cover templates may use (see templates/report/README.md)."""
    plan, period = results.plan, results.period
    s = plan.settings
    counts = results.measure_counts()
    action_counts = results.action_counts()
    trends = {t: sum(1 for m in results.measures if m.trend_quarter is t) for t in Trend}
    red = [m for m in results.measures if m.status is Status.RED]
    received = [r for r in results.returns if r.outcome == "accepted"]
    return {
        "organisation": s.organisation, "plan_title": s.plan, "committee": s.committee,
        "report_by": s.report_by, "contact": s.contact, "settings": dict(s.extra),
        "year": period.year.label, "quarter": period.quarter, "period_id": period.id,
        "period_label": period.label, "period_end": period.end, "months": period.months_text,
        "report_date": results.generated_at.date(),
        "measure_total": len(results.measures), "action_total": len(results.actions),
        "counts": {st.value: counts[st] for st in [*MEASURE_STATUS_ORDER, Status.NOT_DUE]},
        "action_counts": {st.value: action_counts[st] for st in ACTION_STATUS_ORDER},
        "trends": {t.value: n for t, n in trends.items()},
        "moves": movements(results),
        "compared": any(m.previous_status is not None for m in results.measures),
        "red_measures": red,
        "overdue_actions": [a for a in results.actions if a.overdue],
        "red_actions": [a for a in results.actions if a.status is ActionStatus.RED],
        "themes": list(plan.themes),
        "services_expected": len(results.expected_services),
        "services_received": len({r.service for r in received if r.service}),
        "missing_services": results.missing_services,
        "Status": Status, "ActionStatus": ActionStatus,
    }


# --- rendering ---------------------------------------------------------------------------------


@dataclass
class Block:
    """A unit of cover text: a paragraph, a bullet, a table marker or an implications row."""

    kind: str                                         # "p" | "bullet" | "table" | "row"
    runs: list[tuple[str, bool]] = field(default_factory=list)   # (text, bold)
    name: str = ""                                    # table marker name, or the row's label

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.runs)


def _finalize(value: object) -> str:
    if value is None:
        return ""
    text = xml_safe(value, keep_newlines=False)
    return f"{_OPEN}{text}{_CLOSE}"


_ENVIRONMENTS: dict[tuple, jinja2.Environment] = {}


def environment(templates_dir: str | Path | None = None) -> jinja2.Environment:
    """The report templates' Jinja2 environment (one per search path; an edited template is
    reloaded; compiled templates are cached per user so each run need not recompile them)."""
    from xlplan.resources import jinja_env, search_path
    key = tuple(str(d.resolve()) for d in search_path(templates_dir))
    if key in _ENVIRONMENTS:
        return _ENVIRONMENTS[key]
    env = jinja_env(templates_dir)
    try:
        env.bytecode_cache = jinja2.FileSystemBytecodeCache()   # a private folder of this user's
    except (OSError, RuntimeError):
        pass
    _ENVIRONMENTS[key] = env
    env.finalize = _finalize
    env.filters["shorten"] = shorten
    env.filters["plural"] = lambda n, one="", many="s": one if n == 1 else many
    env.filters["date"] = lambda d: f"{d.day} {d:%B %Y}" if d else ""
    return env


def render_section(name: str, context: dict, env: jinja2.Environment, *, rows: bool = False) -> list[Block]:
    """Render `report/<name>.txt.j2` into blocks (`rows`: read `Label | text` lines as table rows);
    a template mistake is an XlplanError naming the template."""
    return parse_blocks(_rendered_lines(name, context, env), rows=rows)


def _rendered_lines(name: str, context: dict, env: jinja2.Environment):
    """The lines of the rendered template, as Jinja2 generates them (a national plan's cover report
    lists thousands of measures: its text is never held whole)."""
    template_name = f"report/{name}.txt.j2"
    try:
        line = ""
        for chunk in env.get_template(template_name).generate(**context):
            if "\n" in chunk:
                *lines, line = (line + chunk).split("\n")
                yield from lines
            else:
                line += chunk
        yield line
    except jinja2.TemplateNotFound:
        raise XlplanError(str(issue(REPORT_TEMPLATE_MISSING, file=template_name))) from None
    except jinja2.TemplateSyntaxError as e:
        raise XlplanError(str(issue(REPORT_TEMPLATE_ERROR, file=e.filename or template_name,
                                    row=e.lineno, reason=e.message))) from None
    except (jinja2.UndefinedError, TypeError, ValueError, AttributeError, ZeroDivisionError) as e:
        raise XlplanError(str(issue(REPORT_TEMPLATE_ERROR, file=_template_file(env, template_name),
                                    row=_template_line(e, template_name), reason=str(e)))) from None


def _template_file(env: jinja2.Environment, name: str) -> str:
    try:
        return env.get_template(name).filename or name
    except jinja2.TemplateError:
        return name


def _template_line(error: Exception, name: str) -> int | str:
    """The template line an error was raised at (Jinja puts template frames in the traceback)."""
    import traceback
    lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(name)]
    return lines[-1] if lines else "?"


_TABLE = re.compile(r"^\[\[\s*([\w -]+?)\s*\]\]$")
_VALUE = re.compile(f"{_OPEN}.*?{_CLOSE}")             # a value the template printed
_VALUE_SPLIT = re.compile(f"({_OPEN}.*?{_CLOSE})")


def parse_blocks(text, *, rows: bool = False) -> list[Block]:
    """Split rendered template text (a string, or its lines) into blocks (markup recognised
    outside values only)."""
    blocks: list[Block] = []
    current: Block | None = None
    for line in text.split("\n") if isinstance(text, str) else text:
        stripped = line.strip()
        if not stripped:
            current = None
            continue
        # the template's own text, a value as \x00: needed only for a row's "|" (a line holding a
        # value is never a table marker, and starts with a bullet's "- " exactly when the line does)
        literal = _VALUE.sub("\x00", line) if rows and _OPEN in line else line
        table = _TABLE.match(stripped) if _OPEN not in line else None
        if table:
            blocks.append(Block("table", name=table.group(1).lower()))
            current = None
            continue
        if line.lstrip().startswith("- "):
            current = Block("bullet", _runs(line.lstrip()[2:]))
            blocks.append(current)
            continue
        if rows and "|" in literal:
            label, rest = _split_outside(line, "|")
            blocks.append(Block("row", _runs(rest.strip()), name=_strip(label).strip()))
            current = None
            continue
        if current is not None and current.kind in ("p", "bullet"):
            current.runs.extend(_runs(" " + stripped))
            continue
        current = Block("p", _runs(stripped))
        blocks.append(current)
    for b in blocks:
        b.runs = _merge(b.runs)
    return blocks


def _split_outside(line: str, sep: str) -> tuple[str, str]:
    depth = 0
    for i, ch in enumerate(line):
        if ch == _OPEN:
            depth += 1
        elif ch == _CLOSE:
            depth -= 1
        elif ch == sep and depth == 0:
            return line[:i], line[i + 1:]
    return line, ""


def _strip(text: str) -> str:
    return text.replace(_OPEN, "").replace(_CLOSE, "")


def _runs(line: str) -> list[tuple[str, bool]]:
    """(text, bold) runs: `**` toggles bold in the template's own text only (adjacent runs of the
    same weight are joined later, by _merge)."""
    runs: list[tuple[str, bool]] = []
    bold = False
    texts: list[str] = []               # the run being read
    for part in _VALUE_SPLIT.split(line):
        if part.startswith(_OPEN):
            texts.append(part[1:-1])
        elif "**" not in part:
            texts.append(part)
        else:
            first, *pieces = part.split("**")
            texts.append(first)
            for piece in pieces:
                run = "".join(texts)
                if run:
                    runs.append((run, bold))
                texts = [piece]
                bold = not bold
    run = "".join(texts)
    if run:
        runs.append((run, bold))
    return runs


def _merge(runs: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for text, bold in runs:
        if out and out[-1][1] == bold:
            out[-1] = (out[-1][0] + text, bold)
        elif text:
            out.append((text, bold))
    return out
