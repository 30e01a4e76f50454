"""One error model for every stage: the issue codes, the Issue record and the Report.

Validation never raises for bad *content*: it returns a Report whose issues carry a stable code,
a severity and where the problem is (file, sheet, cell). The CLI, the data-quality sheet and the
Word appendix all render that same Report. `XlplanError` is only for usage and configuration
errors that stop a command (no plan file, a bad --period).

Codes are the `Code` enum below, one section per stage. A member's value is its dotted slug
(`<area>.<what>`): what stored issues, JSON output and tests carry, and what never changes once
released (`Code` is a `StrEnum`, so `i.code == "cell.not-a-number"` holds). Each member also
carries its severity, title, message template and hint.

Every member is also a module-level name here, and call sites import the ones they raise:
`from xlplan.errors import CELL_NOT_A_NUMBER, issue` then `issue(CELL_NOT_A_NUMBER, key=..., ...)`.
The import list says which codes a module can raise, and a misspelt code is an ImportError when
the module is imported, not a KeyError on the one path that raises it. `issue()` refuses a plain
string, so a slug cannot slip past that check. tests/core/test_errors.py walks every module's
calls that name a code and checks that each passes the fields its template and hint use (the
safety stage's zip findings, which carry their code as data, are exercised in
tests/safety/test_findings.py).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field, replace
from enum import Enum, StrEnum, unique
from typing import Iterable, Iterator


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO


@unique
class Code(StrEnum):
    """A kind of issue: its value is the stable slug; `severity`, `title`, `template` (the message)
    and `hint` are fixed per member. Template and hint are `str.format` strings over the fields
    `issue()` is given; the hint is "" only for info codes, where there is nothing to do."""

    severity: Severity
    title: str
    template: str
    hint: str

    def __new__(cls, slug: str, severity: Severity, title: str, template: str, hint: str) -> "Code":
        member = str.__new__(cls, slug)
        member._value_ = slug
        member.severity, member.title, member.template, member.hint = severity, title, template, hint
        return member

    @property
    def fields(self) -> frozenset[str]:
        """The fields the message template and the hint use (`{length:,}` uses `length`)."""
        return template_fields(self.template) | template_fields(self.hint)

    # --- plan workbook (xlplan/plan/reader.py, sheet.py) --------------------------------------------
    PLAN_NOT_A_WORKBOOK = ("plan.not-a-workbook", E, "Plan is not a workbook",
        "{file} could not be opened as an Excel workbook: {reason}",
        "Save the plan as an .xlsx workbook and try again.")
    PLAN_MISSING_SHEET = ("plan.missing-sheet", E, "Sheet missing",
        "The plan has no sheet named '{sheet}'{suggestion}",
        "Add the sheet or rename the existing one; `xlplan init` writes a starter plan.")
    PLAN_MISSING_COLUMN = ("plan.missing-column", E, "Column missing",
        "Sheet '{sheet}' has no '{column}' column{suggestion}",
        "Add the column to the header row (row 1); header case and order do not matter.")
    PLAN_UNKNOWN_COLUMN = ("plan.unknown-column", W, "Column not recognised",
        "Sheet '{sheet}' has a column headed '{column}' that xlplan does not read{suggestion}; "
        "it is kept and ignored",
        "Correct the heading if you meant one of xlplan's columns.")
    PLAN_DUPLICATE_COLUMN = ("plan.duplicate-column", E, "Column repeated",
        "Sheet '{sheet}' has the column '{column}' twice (cells {cells})",
        "Keep one of them.")
    PLAN_REQUIRED_VALUE = ("plan.required-value", E, "Value required",
        "{column} is empty in {sheet} row {row}",
        "Fill in the {column}.")
    PLAN_DUPLICATE_KEY = ("plan.duplicate-key", E, "Duplicate code",
        "{column} '{value}' is used twice: {sheet} rows {first} and {row}",
        "Each {column} must be unique; rename one of them.")
    PLAN_UNKNOWN_SERVICE = ("plan.unknown-service", E, "Unknown service",
        "Service '{value}' in {sheet} row {row} is not on the Services sheet{suggestion}",
        "Add the service to the Services sheet or correct the spelling.")
    PLAN_UNKNOWN_THEME = ("plan.unknown-theme", E, "Unknown theme",
        "Theme '{value}' in {sheet} row {row} is not on the Themes sheet{suggestion}",
        "Add the theme to the Themes sheet or correct the spelling.")
    PLAN_UNKNOWN_WORD = ("plan.unknown-word", E, "Word not recognised",
        "{column} '{value}' in {sheet} row {row} is not one of: {allowed}",
        "Pick one of the listed words (the cell has a dropdown in a plan from `xlplan init`).")
    PLAN_BAD_TARGET = ("plan.bad-target", E, "Target not understood",
        "Target '{value}' for {code} ({sheet} row {row}) is not understood: {reason}",
        "Type a figure such as 75%, £175k or 2,500, a direction (Increase, Reduce, Maintain) or TBC.")
    PLAN_POLARITY_CONFLICT = ("plan.polarity-conflict", W, "Polarity contradicts the target",
        "Polarity '{value}' for {code} ({sheet} row {row}) contradicts its target '{target}'; "
        "it is read as {direction} is better",
        "Make the Polarity {direction}, or change the target.")
    PLAN_ASSUMED_POLARITY = ("plan.assumed-polarity", W, "Polarity missing",
        "Polarity is empty for {code} ({sheet} row {row}); it is read as Higher is better",
        "Fill in Higher, Lower or Monitor.")
    PLAN_BAD_VALUE = ("plan.bad-value", E, "Value not understood",
        "{column} '{value}' in {sheet} row {row} is not understood: {reason}",
        "Type a figure in the measure's unit, or leave it blank.")
    PLAN_BAD_SETTING = ("plan.bad-setting", E, "Setting not understood",
        "Setting '{setting}' has the value '{value}', which is not understood: {reason}",
        "{expected}")
    PLAN_MISSING_SETTING = ("plan.missing-setting", W, "Setting missing",
        "Setting '{setting}' is not set; {consequence}",
        "Add a row '{setting}' to the Settings sheet.")
    PLAN_UNKNOWN_SETTING = ("plan.unknown-setting", W, "Setting not recognised",
        "Setting '{setting}' on row {row} is not one xlplan uses{suggestion}; it is kept and ignored",
        "Check the spelling if you meant one of xlplan's settings.")
    PLAN_UNKNOWN_ACTION_MEASURE = ("plan.unknown-action-measure", W, "Action refers to an unknown measure",
        "Action {ref} ({sheet} row {row}) lists measure code '{value}', which is not on the Measures sheet",
        "Correct the code, or leave the Measures column as free text without codes.")
    PLAN_NO_YEAR_TARGET = ("plan.no-year-target", W, "No target for the plan's year",
        "{code} ({sheet} row {row}) has targets for {years} but none for the plan's year {year}, and no Target",
        "Fill in Target {year} (or Target) in {cell}; until then the measure has no target this year.")
    PLAN_BAD_AGGREGATE = ("plan.bad-aggregate", E, "Aggregate does not fit the measure",
        "Aggregate '{value}' for {code} ({sheet} row {row}) {reason}",
        "Use {allowed}.")
    PLAN_AGGREGATE_IGNORED = ("plan.aggregate-ignored", W, "Aggregate on a measure that is not monthly",
        "Aggregate '{value}' for {code} ({sheet} row {row}) is ignored: its Frequency is {frequency}, not Monthly",
        "Clear the Aggregate cell, or make the measure's Frequency Monthly.")
    PLAN_MONTHLY_CUMULATIVE = ("plan.monthly-cumulative", W, "Monthly sum against a cumulative target",
        "{code} ({sheet} row {row}) is Monthly with its months summed, but its Profile is Cumulative: the quarter "
        "figure is the sum of that quarter's three months, while the target accrues over the year",
        "Give it a Level profile with a target per quarter, or four quarterly targets, or make its Aggregate Last "
        "with months reported as year-to-date figures.")
    PLAN_BAD_DATE = ("plan.bad-date", E, "Date not understood",
        "{column} '{value}' in {sheet} row {row} is not a date",
        "Type a date such as 31/03/2024 or 'March 2024'.")
    PLAN_EMPTY_SERVICE = ("plan.empty-service", W, "Service with nothing to report",
        "Service '{value}' has no measures and no actions; no return template will be made for it",
        "Assign measures or actions to it, or remove it from the Services sheet.")
    PLAN_BAD_EMAIL = ("plan.bad-email", W, "Email address looks wrong",
        "Email '{value}' for {service} (Services row {row}) does not look like an email address",
        "Correct the address so that `xlplan send` can reach the manager.")
    PLAN_NO_DEPARTMENT = ("plan.no-department", W, "Service without a department",
        "Service '{value}' (Services row {row}, cell {cell}) has no Department while other services have one: "
        "no `xlplan collect --department` collects its return",
        "Name its department in {cell} (one of: {departments}), or collect it with a collect of the whole plan.")
    PLAN_DEPARTMENT_SPELLING = ("plan.department-spelling", W, "Department spelt two ways",
        "Department '{value}' in {cell} (Services row {row}) is taken as '{first}', spelt so in row {first_row}",
        "Spell each department the same way on every row.")
    PLAN_SOURCE_SPELLING = ("plan.source-spelling", W, "Source spelt two ways",
        "Source '{value}' for {code} in {cell} (Measures row {row}) is taken as '{first}', spelt so in row {first_row}",
        "Spell each system the same way on every row: `xlplan import` lists figures by their Source.")
    PLAN_NOTHING_RETURNED = ("plan.nothing-returned", W, "Return with nothing to fill in",
        "Every measure of service '{value}' comes from a system (Source) and it has no actions: its return "
        "has nothing for the manager to fill in",
        "Clear the Source of the measures the manager reports, or give the service its actions.")
    PLAN_BAD_CARRIED_STATUS = ("plan.bad-carried-status", W, "Carried status not understood",
        "Carried status '{value}' for action {ref} ({sheet} row {row}) is not one of: {allowed}",
        "Correct {cell}, or clear it (it only records where the action stood at the end of last year).")
    PLAN_BUDGET_BAD_FIGURE = ("plan.budget-bad-figure", E, "Budget figure not understood",
        "{column} '{value}' for budget line {line} ({sheet} row {row}) is not understood: {reason}",
        "Type an amount such as 2,362,957, £165k or £1.44 million (FTE: a number such as 58.2).")
    PLAN_BUDGET_NET_MISMATCH = ("plan.budget-net-mismatch", E, "Net budget does not add up",
        "Net {value} for budget line {line} ({sheet} row {row}) is not Expenditure − Income: "
        "{expenditure} − {income} = {expected}",
        "Correct the Net in {cell}, or the Expenditure or Income beside it (or leave Net blank: it is worked out).")
    PLAN_BUDGET_SHEET_NAME = ("plan.budget-sheet-name", W, "Budget sheet misnamed",
        "Sheet '{value}' looks like the optional Budget sheet, but only a sheet named 'Budget' is read",
        "Rename the sheet to Budget if it holds the activity budget; otherwise ignore this.")
    PLAN_BUDGET_BAD_PROFILE = ("plan.budget-bad-profile", E, "Budget profile not understood",
        "Profile '{value}' for budget line {line} ({sheet} row {row}) is not understood: {reason}",
        "Type Even, or four quarter shares or amounts separated by ; that add up to the year, "
        "e.g. 20%; 25%; 25%; 30%.")

    # the risk register (xlplan/plan/risks.py)
    PLAN_BAD_RISK_SCORE = ("plan.bad-risk-score", E, "Risk score not understood",
        "{column} '{value}' for {code} ({sheet} row {row}) is not a whole number from {low} to {high}",
        "Score it on the plan's Risk scale ({scale}), or change the Risk scale setting.")
    PLAN_BAD_RISK_BANDS = ("plan.bad-risk-bands", E, "Risk bands do not fit the scale",
        "Setting '{setting}' ('{value}') {reason}",
        "Give every score the scale can give one band of Green, Amber or Red, e.g. {example}.")
    PLAN_UNKNOWN_SHEET = ("plan.unknown-sheet", W, "Sheet not recognised",
        "The plan has a sheet named '{value}' that xlplan does not read{suggestion}; it is kept and ignored",
        "Rename it if you meant one of xlplan's sheets.")

    # --- templates (xlplan/templates/build.py) ----------------------------------------------------
    TEMPLATE_UNKNOWN_SERVICE = ("template.unknown-service", E, "No such service",
        "There is no return for service '{value}': {reason}{suggestion}",
        "Services with a return: {services}.")
    TEMPLATE_NOTHING_TO_RETURN = ("template.nothing-to-return", E, "Nothing to return",
        "No service in the plan has any measures or actions, so there are no return templates to make",
        "Give each service its measures and actions on the plan's Measures and Actions sheets.")
    TEMPLATE_PERIOD_OUTSIDE_PLAN = ("template.period-outside-plan", E, "Period outside the plan's year",
        "The period {period} is not in the plan's year {year}",
        "Use a quarter of {year} (e.g. {year}-Q1), or the plan for that year.")

    # --- returns and collect (xlplan/collect/) ----------------------------------------------------
    # the file as a whole: each rejection is one line a manager or officer can act on
    RETURN_NOT_A_WORKBOOK = ("return.not-a-workbook", E, "Not a workbook",
        "{file} could not be read as a spreadsheet: {reason}",
        "Ask the manager to send the return again as the .xlsx workbook they were sent.")
    RETURN_PASSWORD_PROTECTED = ("return.password-protected", E, "Password-protected",
        "{file} is password-protected, so it cannot be read",
        "Ask the manager to remove the password (File › Info › Protect Workbook) and send it again.")
    RETURN_TOO_LARGE = ("return.too-large", E, "File too large",
        "{file} is too large to be a return ({reason})",
        "Ask the manager to send the return template they were sent, filled in.")
    RETURN_NO_IDENTITY = ("return.no-identity", E, "Not an xlplan return",
        "{file} is not a return made by xlplan: it has no hidden '{sheet}' sheet",
        "Ask the manager to fill in the return template they were sent (not a copy of its sheets) "
        "and send it again.")
    RETURN_BAD_IDENTITY = ("return.bad-identity", E, "Identity sheet damaged",
        "{file}: the hidden identity sheet has been changed or damaged ({reason})",
        "Ask the manager to fill in a fresh copy of the return template and send it again.")
    RETURN_WRONG_PERIOD = ("return.wrong-period", E, "Return for another quarter",
        "{file} is the return for {found}, not {expected}",
        "If this is last quarter's return, ask the manager for the {expected} return; "
        "otherwise collect it with --period {found}.")
    RETURN_WRONG_PLAN = ("return.wrong-plan", E, "Return for another plan",
        "{file} belongs to another plan ({found}), not {expected}",
        "Ask the manager to use the return template sent for {expected}.")
    RETURN_UNKNOWN_SERVICE = ("return.unknown-service", E, "Service not in the plan",
        "{file} is a return for the service '{service}', which is not on the plan's Services sheet{suggestion}",
        "Add the service to the plan, or ask the manager to use their own service's template.")
    RETURN_MISSING_SHEET = ("return.missing-sheet", E, "Sheet missing",
        "{file} has no '{sheet}' sheet{suggestion}",
        "Ask the manager to send the whole return template back without renaming or deleting sheets.")
    RETURN_MISSING_COLUMN = ("return.missing-column", E, "Column missing",
        "Sheet '{sheet}' has no '{column}' column{suggestion}",
        "Ask the manager to put the column back (or fill in a fresh copy of the template).")
    RETURN_STALE_TEMPLATE = ("return.stale-template", W, "Template from an earlier version of the plan",
        "{file} was made from an earlier version of the plan; targets and names are taken from "
        "the current plan",
        "Nothing to do unless the plan's measures changed a lot; then send the new template.")
    RETURN_SUPERSEDED = ("return.superseded", I, "Replaced by a newer return",
        "{file} is replaced by {newer}, a newer return for {service}",
        "Only the newer return counts; both are kept in the archive.")
    RETURN_DUPLICATE = ("return.duplicate", I, "Same file twice",
        "{file} is byte for byte the same as {other}; it is counted once",
        "")
    # locked content: targets and names always come from the plan
    RETURN_LOCKED_EDITED = ("return.locked-edited", W, "Locked cells edited",
        "{what} was changed in the return ({found}); the plan's {column} ({expected}) is used",
        "The manager should only type in the To date, Status and Comments/Progress columns.")
    RETURN_ROW_EDITED = ("return.row-edited", W, "Locked row edited",
        "The locked cells of {key} (row {row}) were changed in the return; the plan's values are used",
        "The manager should only type in the To date, Status and Comments/Progress columns.")
    RETURN_ROW_DELETED = ("return.row-deleted", W, "Row deleted",
        "The row for {key} ({name}) was deleted from the return, so it has no {what} this quarter",
        "Ask the manager to fill in a fresh copy of the template if {key} should be reported.")
    RETURN_ROW_INSERTED = ("return.row-inserted", W, "Row added",
        "Row {row} ({key}) was added to the return and is not in the plan; it is ignored",
        "New measures and actions are added to the plan workbook by the performance officer.")
    RETURN_ROW_MOVED = ("return.row-moved", I, "Rows reordered",
        "The row for {key} has moved from row {was} to row {row}; it is matched by its code",
        "")
    # cell values
    CELL_NOT_A_NUMBER = ("cell.not-a-number", E, "Figure not understood",
        "{key}: '{found}' is not {expected}{hint_text}",
        "Type the figure alone (e.g. {example}) or a no-data word such as Report later; "
        "put any explanation in Comments/Progress.")
    CELL_OUT_OF_RANGE = ("cell.out-of-range", E, "Figure out of range",
        "{key}: {reason}",
        "Check the figure; percentages are between 0% and 100%.")
    CELL_FORMULA_NO_VALUE = ("cell.formula-no-value", E, "Formula without a value",
        "{key}: the To date cell holds a formula ({formula}) with no calculated value, or an error for one",
        "Type the figure itself rather than a formula, or open and save the workbook in Excel so the "
        "value is calculated.")
    CELL_FORMULA_USED = ("cell.formula-used", I, "Formula's value used",
        "{key}: the cell holds a formula; its calculated value {found} is used",
        "")
    CELL_FORMULA_IN_TEXT = ("cell.formula-in-text", W, "Formula in a comment",
        "{key}: the comment is a formula ({formula}), not text; it is kept as the text “{kept}”",
        "Start the comment with a letter or an apostrophe (') so that Excel keeps it as typed; "
        "the reports show it as text, never as a formula.")
    STATUS_FORMULA_NO_VALUE = ("status.formula-no-value", E, "Status is a formula without a value",
        "{key}: the Status cell holds a formula ({formula}) with no calculated value, or an error for one",
        "Pick the status from the cell's dropdown ({allowed}) instead of typing a formula.")
    CELL_NO_DATA = ("cell.no-data", I, "No figure yet",
        "{key}: '{found}' means there is no figure yet; shown as Report later",
        "")
    CELL_READ_AS = ("cell.read-as", I, "Figure read as",
        "{key}: {note}",
        "Type percentages with a % sign to be sure how they are read.")
    STATUS_UNKNOWN_WORD = ("status.unknown-word", E, "Status not recognised",
        "{key}: Status '{found}' is not one of {allowed}",
        "Pick one of the words in the cell's dropdown.")
    STATUS_DIFFERS = ("status.differs", I, "Status differs from the figure",
        "{key}: the return says {found} but {figure} against the target {target} is {computed}; "
        "the report shows {computed}",
        "Check the figure, or explain in Comments/Progress.")
    COMMENT_MISSING_FOR_RED = ("comment.missing-for-red", W, "No comment for Red or Amber",
        "{key} is {status} but has no comment",
        "Ask the manager to say in Comments/Progress why, and what is being done.")
    COMMENT_UNCHANGED = ("comment.unchanged", W, "Comment not updated",
        "{key}: the comment is the same as last quarter's",
        "Ask the manager to update Comments/Progress for this quarter.")
    COMMENT_TOO_LONG = ("comment.too-long", W, "Comment very long",
        "{key}: the comment is {length:,} characters; reports show the first {limit:,}",
        "Ask the manager for a shorter comment.")
    RETURN_FIGURE_FROM_SYSTEM = ("return.figure-from-system", W, "Figure for a measure fed by a system",
        "{key}: '{found}' in {sheet}!{cell} is ignored: {key}'s figures come from {source}",
        "The officer imports {key} with `xlplan import`; nothing needs typing in the return for it.")
    ACTION_COMPLETE_BEFORE_START = ("action.complete-before-start", W, "Complete before it started",
        "{key} is marked Complete but does not start until {start}",
        "Check the status: an action cannot be complete before it starts.")
    BUDGET_NOT_A_FIGURE = ("budget.not-a-figure", E, "Budget figure not understood",
        "{key}: {column} '{found}' is not an amount of money",
        "Type the amount alone, e.g. 1250000 or £1.25 million (leave it blank if not known yet); "
        "put any explanation in Comments.")
    BUDGET_NEGATIVE = ("budget.negative", E, "Budget figure below zero",
        "{key}: {column} is {found}; spend and income are typed as amounts of 0 or more",
        "Type the amount without a minus sign or brackets; explain a refund in Comments.")
    BUDGET_NO_COMMENT = ("budget.no-comment", W, "No comment on a budget variance",
        "{key} is {status} ({variance}) but has no comment",
        "Ask the manager to say in Comments why, and what is being done.")

    # --- reports (xlplan/reports/) ----------------------------------------------------------------
    REPORT_TEMPLATE_MISSING = ("report.template-missing", E, "Report template not found",
        "The report template {file} was not found in your templates folder or xlplan's defaults",
        "Copy it from xlplan's templates/report/ folder, or delete your templates folder's copy of the set.")
    REPORT_TEMPLATE_ERROR = ("report.template-error", E, "Report template has a mistake",
        "The report template {file} (line {row}) could not be used: {reason}",
        "Correct the template, or delete your copy to use xlplan's default, and run `xlplan report` again.")
    REPORT_TOTALS_MISMATCH = ("report.totals-mismatch", E, "Table totals do not add up",
        "The resources table for {key} does not add up: its {column} total is {total} but its lines sum to {sum}",
        "This is a fault in xlplan, not in the returns: report it; the report was not written.")

    # --- benchmarks (xlplan/benchmarks/) -----------------------------------------------------------
    BENCHMARK_UNREADABLE = ("benchmark.unreadable", E, "Benchmark file not readable",
        "{file} could not be read as a CSV or xlsx file: {reason}",
        "Save the download as CSV (comma separated) or as an .xlsx workbook and import it again.")
    BENCHMARK_MISSING_COLUMN = ("benchmark.missing-column", E, "Benchmark column missing",
        "{file} has no column for {column}{suggestion}; its headers are: {headers}",
        "Name the column as the LGBF download does (Code, Scottish average, Family group average, "
        "Best in class, Rank), in any case, then import again.")
    BENCHMARK_UNMATCHED = ("benchmark.unmatched", W, "Benchmark row matches no measure",
        "{file} row {row}: '{value}' matches no measure of the plan{suggestion}; the row is not imported",
        "Put the LGBF code in the plan's Measures sheet (Code or Links), or ignore rows for other services.")
    BENCHMARK_BAD_FIGURE = ("benchmark.bad-figure", E, "Benchmark figure not understood",
        "{file} row {row}: {column} '{value}' for {key} is not understood: {reason}",
        "Correct the figure in the file (a figure in the measure's unit, or blank), then import again.")

    # --- mail (xlplan/mail/send.py) ---------------------------------------------------------------
    MAIL_NO_TEMPLATE = ("mail.no-template", E, "Template not found",
        "No return template for {key}: {path} does not exist",
        "Run `xlplan templates --period {period}` first, or pass --templates with the folder that holds them.")
    MAIL_NO_ADDRESS = ("mail.no-address", E, "No email address",
        "{key} has no manager email address on the plan's Services sheet",
        "Add the manager's email address to the Services sheet.")
    MAIL_BAD_ADDRESS = ("mail.bad-address", E, "Email address looks wrong",
        "Email '{value}' for {key} (Services row {row}) does not look like an email address",
        "Correct the address on the plan's Services sheet and send again.")
    MAIL_REFUSED = ("mail.refused", E, "Message refused",
        "The mail server refused the message to {address} for {key}: {reason}",
        "Check the address on the Services sheet; the other services were still sent.")
    MAIL_FAILED = ("mail.failed", E, "Message not sent",
        "The message to {address} for {key} could not be sent: {reason}",
        "Check the mail server and send again; services already sent are not sent twice.")
    MAIL_ALREADY_SENT = ("mail.already-sent", I, "Already sent",
        "The template for {key} was already {how} on {when}; not sent again",
        "Use --resend to send it again.")
    MAIL_ALREADY_REMINDED = ("mail.already-reminded", I, "Already reminded today",
        "{key} was already reminded today ({how} at {when}); not reminded again",
        "Use --resend to send another reminder today.")

    # --- hostile files (xlplan/safety/) ------------------------------------------------------------
    # Judged before any spreadsheet library opens the file. Also used from here: RETURN_NOT_A_WORKBOOK,
    # RETURN_PASSWORD_PROTECTED, RETURN_TOO_LARGE and RETURN_DUPLICATE (collect's section above).
    RETURN_EMPTY_FILE = ("return.empty-file", E, "Empty file",
        "{file} is empty (0 bytes): the attachment was not saved properly",
        "Save the attachment from the email again, or ask the manager to send it again.")
    RETURN_TRUNCATED = ("return.truncated", E, "File cut short",
        "{file} is incomplete: it stops after {size:,} bytes, part way through the workbook",
        "Save the attachment from the email again; if it is still cut short, ask the manager to send it again.")
    RETURN_CORRUPT = ("return.corrupt", E, "Workbook damaged",
        "{file} is damaged and cannot be read safely: {reason}",
        "Ask the manager to open the return in Excel, save it, and send it again.")
    RETURN_NOT_A_ZIP = ("return.not-a-zip", E, "Not a workbook",
        "{file} is named {ext} but is not a workbook: its contents are not any kind of spreadsheet",
        "Ask the manager to send the filled-in return template (.xlsx) again.")
    RETURN_LEGACY_XLS = ("return.legacy-xls", E, "Old Excel format",
        "{file} is an old-style Excel 97-2003 workbook (.xls), not the .xlsx return template",
        "Ask the manager to fill in the .xlsx template they were sent (or use Save As › Excel Workbook) "
        "and send it again.")
    RETURN_WRONG_FORMAT = ("return.wrong-format", E, "Other spreadsheet format",
        "{file} is {what}, not the Excel .xlsx return template",
        "Ask the manager to use Save As › Excel Workbook (.xlsx) and send it again.")
    RETURN_CSV_RENAMED = ("return.csv-renamed", E, "CSV, not a workbook",
        "{file} is a CSV text file, not the return workbook (the name ends {ext})",
        "Ask the manager to fill in the .xlsx return template they were sent and send that back.")
    RETURN_HTML_RENAMED = ("return.html-renamed", E, "Web page, not a workbook",
        "{file} is a web page (HTML), not the return workbook (the name ends {ext})",
        "Ask the manager to use Save As › Excel Workbook (.xlsx) and send it again.")
    RETURN_MACRO_ENABLED = ("return.macro-enabled", W, "Contains macros",
        "{file} contains macros ({parts}); xlplan never runs them and read only the values typed in",
        "Ask the manager to save the return as an Excel Workbook (.xlsx), without macros, next time.")
    RETURN_EXTERNAL_LINKS = ("return.external-links", W, "Links to other workbooks",
        "{file} links to {count} other workbook(s) or data source(s) ({targets}); the links were not "
        "followed and the values saved in the file were used",
        "Ask the manager to type the figures rather than link to other workbooks.")
    RETURN_XML_ENTITIES = ("return.xml-entities", E, "Unsafe XML",
        "{file} contains {what} in {part}, which Excel never writes; the file was not read",
        "Ask the manager to copy the figures into a fresh copy of the return template and send that.")
    RETURN_ZIP_BOMB = ("return.zip-bomb", E, "Expands to an impossible size",
        "{file} would expand to {expanded} when opened ({part}, {ratio} times its stored size); "
        "the file was not opened",
        "A return is a few hundred KB; ask the manager to send the return template again, filled in.")
    RETURN_TOO_MANY_PARTS = ("return.too-many-parts", E, "Too many parts",
        "{file} holds {parts:,} internal parts, more than the {limit:,} a return can have",
        "Ask the manager to send the return template again, filled in.")
    RETURN_SHEET_TOO_LARGE = ("return.sheet-too-large", E, "Sheet far too large",
        "{file}: sheet '{sheet}' has data out to {extent}; a return is read only up to "
        "{max_rows:,} rows, {max_cols:,} columns and {max_area:,} cells in all",
        "Ask the manager to delete the stray cells beyond the table and send the return again.")
    RETURN_STILL_BEING_WRITTEN = ("return.still-being-written", E, "Still being written",
        "{file} changed while it was being checked: it is still being copied or saved",
        "Wait until the file has finished saving, then run collect again.")
    RETURN_SYMLINK = ("return.symlink", I, "A link, not a file",
        "{file} is a link to {target}, not a file; links are never followed, so it was skipped",
        "Save the returned workbook itself into the returns folder.")
    RETURN_UNREADABLE = ("return.unreadable", E, "Cannot be read",
        "{file} could not be read: {reason}",
        "Check the file's permissions, or save the attachment again.")
    RETURN_NOT_A_FILE = ("return.not-a-file", I, "Not a file",
        "{file} is a {what}, not an ordinary file; skipped",
        "")
    RETURN_LOCK_FILE = ("return.lock-file", I, "Lock file",
        "{file} is a lock file left by Excel or LibreOffice while a workbook was open; skipped",
        "")
    RETURN_NOT_A_SPREADSHEET = ("return.not-a-spreadsheet", I, "Not a spreadsheet",
        "{file} is {what}, not a spreadsheet; skipped",
        "")
    RETURN_TEXT_CLEANED = ("return.text-cleaned", W, "Hidden characters removed",
        "{key}: {removed} hidden character(s) (control characters, zero-width spaces or text-direction "
        "overrides) were taken out of the comment",
        "Nothing to do unless the text looks wrong in the report.")

    # --- corrections to last quarter's figures (xlplan/collect/corrections.py) ---------------------
    CORRECTION_NO_REASON = ("correction.no-reason", E, "Correction without a reason",
        "{key}: the {quarter} figure is corrected from {reported} to {corrected} in {corrected_cell} but "
        "{sheet}!{cell} gives no reason; the correction is not used",
        "Ask the manager to say in Reason for correction why the {quarter} figure changed, and collect again.")
    CORRECTION_NO_FIGURE = ("correction.no-figure", W, "Reason without a corrected figure",
        "{key}: {sheet}!{cell} gives a reason for correcting {quarter} but there is no corrected figure "
        "in {corrected_cell}; nothing is corrected",
        "Ask the manager to type the corrected figure, or to clear the reason if nothing changed.")


    # --- the risk register in a return (xlplan/collect/risks.py) ----------------------------------
    RISK_BAD_RATING = ("risk.bad-rating", E, "Risk rating not understood",
        "{key}: {column} '{found}' in {sheet}!{cell} is not a whole number from {low} to {high}; the risk is "
        "not assessed this quarter",
        "Ask the risk owner to score {column} from {low} to {high} (the cell has a dropdown), and collect again.")
    RISK_NOT_ASSESSED = ("risk.not-assessed", W, "Risk not assessed",
        "{key}: no current {missing} in {sheet}!{cell}; the risk is reported as not assessed this quarter",
        "Ask the risk owner for the current likelihood and impact.")
    RISK_COMMENT_UNCHANGED = ("risk.comment-unchanged", W, "Risk went up, commentary not updated",
        "{key}: the risk score went up from {before} to {after} but the commentary in {sheet}!{cell} is unchanged "
        "from last quarter",
        "Ask the risk owner what changed and what is being done about it.")
    RISK_NO_COMMENT = ("risk.no-comment", W, "Risk went up without commentary",
        "{key}: the risk score went up from {before} to {after} with no commentary in {sheet}!{cell}",
        "Ask the risk owner what changed and what is being done about it.")

del E, W, I
globals().update(Code.__members__)     # CELL_NOT_A_NUMBER etc.: the names call sites import


def template_fields(template: str) -> frozenset[str]:
    """The field names a `str.format` template uses (`{a.b}` and `{a[0]}` use `a`)."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name:
            names.add(name.split(".", 1)[0].split("[", 1)[0])
    return frozenset(names)


@dataclass(frozen=True)
class Issue:
    """One problem found, with where it is. `cell` is an A1 reference within `sheet`."""

    code: str           # a Code; an issue read back from the store carries the slug itself
    severity: Severity
    message: str
    hint: str = ""
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None
    key: str | None = None  # the measure code / action ref / service the issue is about

    @property
    def location(self) -> str:
        """Human location such as `return.xlsx › Measures!K7` (parts omitted when unknown)."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet and self.cell:
            parts.append(f"{self.sheet}!{self.cell}")
        elif self.sheet and self.row:
            parts.append(f"{self.sheet} row {self.row}")
        elif self.sheet:
            parts.append(self.sheet)
        return " › ".join(parts)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict:
        return {
            "code": str(self.code), "severity": self.severity.value, "message": self.message,
            "hint": self.hint, "file": self.file, "sheet": self.sheet, "cell": self.cell,
            "row": self.row, "key": self.key,
        }

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.severity.value}: {self.message} [{self.code}]"


def issue(code: Code, /, *, file: str | None = None, sheet: str | None = None, cell: str | None = None,
          row: int | None = None, key: str | None = None, severity: Severity | None = None,
          **params) -> Issue:
    """Build an Issue of `code`, filling its message template and hint with `params`.

    `file`, `sheet`, `row`, `cell` and `key` are also available to the template, and `suggestion`
    defaults to "". A plain string is refused (TypeError): codes come from the `Code` enum, so a
    misspelling fails where the name is imported.
    """
    if not isinstance(code, Code):
        raise TypeError(f"issue() takes a Code from xlplan.errors, not {code!r}")
    values = {"file": file, "sheet": sheet, "cell": cell, "row": row, "key": key, "suggestion": "", **params}
    return Issue(
        code=code,
        severity=severity or code.severity,
        message=code.template.format(**values),
        hint=code.hint.format(**values) if code.hint else "",
        file=file, sheet=sheet, cell=cell, row=row, key=key,
    )


@dataclass
class Report:
    """An ordered collection of issues; `valid` means no errors (warnings are allowed)."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, item: Issue) -> Issue:
        self.issues.append(item)
        return item

    def extend(self, items: Iterable[Issue]) -> None:
        self.issues.extend(items)

    def __iter__(self) -> Iterator[Issue]:
        return iter(self.issues)

    def __len__(self) -> int:
        return len(self.issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.WARNING]

    @property
    def valid(self) -> bool:
        return not self.errors

    def codes(self) -> list[tuple[str, str | None]]:
        """(code, Sheet!cell-or-row) pairs: what tests assert on."""
        return [(i.code, _where(i)) for i in self.issues]

    def with_file(self, file: str) -> "Report":
        return Report([replace(i, file=file) if i.file is None else i for i in self.issues])


def _where(i: Issue) -> str | None:
    if i.sheet and i.cell:
        return f"{i.sheet}!{i.cell}"
    if i.sheet and i.row:
        return f"{i.sheet}:{i.row}"
    return i.sheet


class XlplanError(Exception):
    """A usage or configuration error that stops a command (exit code 2 in the CLI)."""


def did_you_mean(word: str, choices: Iterable[str], max_distance: int = 2) -> str | None:
    """The closest choice within `max_distance` edits (case-insensitive), for 'did you mean' hints."""
    best, best_d = None, max_distance + 1
    w = word.strip().lower()
    for c in choices:
        d = _edit_distance(w, c.strip().lower())
        if d < best_d:
            best, best_d = c, d
    return best if best_d <= max_distance else None


def suggestion(word: str, choices: Iterable[str]) -> str:
    """' (did you mean "X"?)' or '' — ready to drop into a message template's {suggestion}."""
    near = did_you_mean(word, choices)
    return f' (did you mean "{near}"?)' if near else ""


def _edit_distance(a: str, b: str) -> int:
    if a == b:
        return 0
    if abs(len(a) - len(b)) > 3:
        return 99
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
