"""The issue catalogue: every code is complete, and every place that raises one gives its message
and hint the fields they use.

The field check reads xlplan's source (the AST of every module): for each call that names a code,
the keyword fields given must cover the code's `{fields}`. A code may reach `issue()` through a
wrapper (`lookup`, `_message`, `Inspection._add`, …): the wrapper's own keywords count, and its
`**params` stand for its caller's keywords. `**where` built elsewhere counts with the keys every
`where = dict(...)` in that module gives. The zip findings, whose codes travel as data, are
exercised instead (tests/safety/test_findings.py).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import xlplan
from xlplan import errors
from xlplan.errors import CELL_NO_DATA, Code, Severity, issue, template_fields

PACKAGE = Path(xlplan.__file__).parent
DEFAULTED = {"suggestion"}        # issue() fills it with "" when it is not given
# calls whose code is data rather than a name, each covered by a test that exercises every code it can carry
EXERCISED = {
    ("safety/container.py", "add"): "tests/safety/test_findings.py",
    ("safety/container.py", "_Refused"): "tests/safety/test_findings.py",
    ("safety/inspection.py", "_report_zip"): "tests/safety/test_findings.py",
}


# --- the catalogue ---------------------------------------------------------------------------------


def test_every_code_has_a_title_a_template_and_a_hint():
    for code in Code:
        assert code.title.strip() and code.template.strip(), code
        # an info code may have nothing for anyone to do; every error and warning says what to do
        assert code.hint.strip() or code.severity is Severity.INFO, code
        assert isinstance(code.severity, Severity), code


def test_slugs_are_unique_and_named_after_their_member():
    slugs = [c.value for c in Code]
    assert len(slugs) == len(set(slugs)) == len(Code.__members__)    # no aliases (@unique, at import)
    for code in Code:
        assert re.fullmatch(r"[a-z]+\.[a-z]+(-[a-z]+)*", code.value), code
        assert code.name == code.value.upper().replace(".", "_").replace("-", "_"), code
        assert getattr(errors, code.name) is code                      # importable by that name


def test_a_code_is_its_slug_wherever_it_goes():
    found = issue(CELL_NO_DATA, key="SW01", found="tbc")
    assert found.code == "cell.no-data" and str(found).endswith("[cell.no-data]")
    assert found.to_dict()["code"] == "cell.no-data" and type(found.to_dict()["code"]) is str
    assert Code("cell.no-data") is CELL_NO_DATA


def test_a_plain_string_or_a_misspelt_name_is_refused():
    with pytest.raises(TypeError, match="takes a Code"):
        issue("cell.no-data", key="SW01", found="tbc")
    with pytest.raises(ImportError):
        exec("from xlplan.errors import CELL_NO_DATTA", {})


def test_template_fields_are_the_root_names():
    assert template_fields("{key}: {length:,} of {limit!r} {a.b} {c[0]} {{literal}}") == {"key", "length", "limit",
                                                                                         "a", "c"}


# --- the call sites --------------------------------------------------------------------------------


class Source:
    """Every module of the package, parsed: its functions by name and the names it imports."""

    def __init__(self) -> None:
        self.modules: dict[str, ast.Module] = {}
        self.defs: dict[tuple[str, str], tuple[ast.FunctionDef, bool]] = {}   # (module, name) → (def, method)
        self.imported: dict[tuple[str, str], str] = {}                        # (module, name) → defining module
        for path in sorted(PACKAGE.rglob("*.py")):
            rel = path.relative_to(PACKAGE).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"), rel)
            self.modules[rel] = tree
            methods = {id(f) for c in ast.walk(tree) if isinstance(c, ast.ClassDef) for f in c.body}
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef):
                    self.defs.setdefault((rel, node.name), (node, id(node) in methods))
                elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("xlplan."):
                    target = node.module.removeprefix("xlplan.").replace(".", "/") + ".py"
                    for alias in node.names:
                        self.imported[(rel, alias.asname or alias.name)] = target

    def resolve(self, rel: str, name: str) -> tuple[str, ast.FunctionDef, bool] | None:
        """The function `name` means in module `rel`: its own, or one it imports from xlplan."""
        home = rel if (rel, name) in self.defs else self.imported.get((rel, name))
        if home is None or (home, name) not in self.defs:
            return None
        return (home, *self.defs[(home, name)])

    def calls(self):
        """(module, enclosing function or None, call) for every call in the package but errors.py."""
        for rel, tree in self.modules.items():
            if rel == "errors.py":
                continue
            yield from _calls_in(rel, tree, None)


def _calls_in(rel, node, func):
    for child in ast.iter_child_nodes(node):
        inner = child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else func
        if isinstance(child, ast.Call):
            yield rel, func, child
        yield from _calls_in(rel, child, inner)


def callee(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def codes_named(node: ast.AST) -> list[Code]:
    """The codes an argument names: CELL_NO_DATA, Code.CELL_NO_DATA, or either branch of an `… if … else …`."""
    if isinstance(node, ast.Name) and node.id in Code.__members__:
        return [Code[node.id]]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Code":
        return [Code[node.attr]]
    if isinstance(node, ast.IfExp):
        return codes_named(node.body) + codes_named(node.orelse)
    return []


def code_argument(call: ast.Call):
    """(position or keyword, expression) of each argument of `call`, positional first."""
    yield from enumerate(call.args)
    yield from ((k.arg, k.value) for k in call.keywords if k.arg)


def params_of(func: ast.FunctionDef, method: bool) -> list[str]:
    names = [a.arg for a in func.args.posonlyargs + func.args.args]
    return names[1:] if method else names


def dict_keys(tree: ast.Module, name: str) -> set[str] | None:
    """The keys every `name = dict(k=…)` / `name = {"k": …}` in the module gives (None when there is none)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            v = node.value
            if isinstance(v, ast.Call) and callee(v) == "dict" and not v.args:
                found.append({k.arg for k in v.keywords if k.arg})
            elif isinstance(v, ast.Dict) and all(isinstance(k, ast.Constant) for k in v.keys):
                found.append({k.value for k in v.keys})
    return set.intersection(*found) if found else None


class Unchecked(Exception):
    """A call naming a code whose fields the AST cannot follow (and no test is declared to exercise)."""


def supplied(src: Source, rel: str, func, call: ast.Call, binding, forwarded: set[str] | None,
             depth: int = 0) -> set[str] | None:
    """The fields that reach issue() when `call` passes a code at `binding` (a position or keyword),
    or None when the code goes to a call a declared test exercises (EXERCISED).

    `forwarded` is what the enclosing wrapper's `**params` hold (its caller's keywords)."""
    if depth > 5:
        raise Unchecked(f"{rel}: wrappers nested too deep at line {call.lineno}")
    name = callee(call)
    if (rel, name) in EXERCISED:
        return None                          # checked by the declared test instead
    fields = {k.arg for k in call.keywords if k.arg}
    for k in call.keywords:
        if k.arg is None:
            splat = k.value.id if isinstance(k.value, ast.Name) else None
            if func is not None and func.args.kwarg is not None and splat == func.args.kwarg.arg:
                if forwarded is None:
                    raise Unchecked(f"{rel}:{call.lineno}: **{splat} forwarded from an unknown caller")
                fields |= forwarded
            else:
                keys = dict_keys(src.modules[rel], splat) if splat else None
                if keys is None:
                    raise Unchecked(f"{rel}:{call.lineno}: cannot tell what **{ast.unparse(k.value)} holds")
                fields |= keys
    if name == "issue":
        return fields
    found = src.resolve(rel, name)
    if found is None:
        raise Unchecked(f"{rel}:{call.lineno}: a code passed to {name}(), which is not a function of xlplan")
    inner_rel, inner, method = found
    params = params_of(inner, method and isinstance(call.func, ast.Attribute))
    param = params[binding] if isinstance(binding, int) and binding < len(params) else binding
    if not isinstance(param, str):
        raise Unchecked(f"{rel}:{call.lineno}: {name}() has no parameter {binding}")
    reaching = []
    for _, _, inner_call in _calls_in(inner_rel, inner, inner):
        for where, arg in code_argument(inner_call):
            if isinstance(arg, ast.Name) and arg.id == param:
                reaching.append(supplied(src, inner_rel, inner, inner_call, where, fields, depth + 1))
    if not reaching:
        raise Unchecked(f"{rel}:{call.lineno}: {name}() does not pass its {param} on to issue()")
    if None in reaching:
        return None
    return set.intersection(*reaching)


SOURCE = Source()


def code_uses():
    for rel, func, call in SOURCE.calls():
        for binding, arg in code_argument(call):
            for code in codes_named(arg):
                yield rel, func, call, binding, code


def test_every_call_naming_a_code_gives_its_template_and_hint_their_fields():
    uses, problems = 0, []
    for rel, func, call, binding, code in code_uses():
        uses += 1
        try:
            given = supplied(SOURCE, rel, func, call, binding, None)
        except Unchecked as e:
            problems.append(str(e))
            continue
        if given is None:
            continue
        missing = code.fields - given - DEFAULTED
        if missing:
            problems.append(f"{rel}:{call.lineno}: {code.name} needs {sorted(missing)}")
    assert not problems, "\n".join(problems)
    assert uses > 100        # the walk does find the call sites


# declared but raised nowhere: listed so that a code left behind by a change shows up here
NOT_RAISED: set = set()


def test_every_code_is_named_somewhere_in_the_package():
    named = set()
    for rel, tree in SOURCE.modules.items():
        if rel != "errors.py":
            named |= {Code[n.id] for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in Code.__members__}
    assert set(Code) - named == NOT_RAISED


def _wrappers() -> set[tuple[str, str]]:
    """(module, name) of each function that passes one of its parameters on as the code."""
    found: set[tuple[str, str]] = set()
    changed = True
    while changed:
        changed = False
        for rel, func, call in SOURCE.calls():
            if func is None or (rel, func.name) in found or not _calls_wrapper(rel, call, found):
                continue
            arg = _code_arg(call)
            if isinstance(arg, ast.Name) and arg.id in params_of(func, False):
                found.add((rel, func.name))
                changed = True
    return found


def _calls_wrapper(rel: str, call: ast.Call, wrappers: set[tuple[str, str]]) -> bool:
    name = callee(call)
    if name == "issue" and SOURCE.imported.get((rel, name)) == "errors.py":
        return True
    target = SOURCE.resolve(rel, name)
    return target is not None and (target[0], name) in wrappers


def _code_arg(call: ast.Call) -> ast.AST | None:
    """The argument a wrapper call passes as the code: issue()'s first; a wrapper's that names a
    code or a parameter (its first positional argument, or the one a code is passed in)."""
    for _, arg in code_argument(call):
        if codes_named(arg):
            return arg
    return call.args[0] if call.args else None


def test_a_code_reaches_issue_only_by_name_or_through_wrappers_whose_callers_name_it():
    """A code held in any other variable would slip past the field check above, so each call of
    issue() or of a wrapper passes a code by name, or its own caller's code (it is a wrapper too),
    or sits in a function whose codes a declared test exercises."""
    wrappers = _wrappers()
    assert {("plan/sheet.py", "lookup"), ("templates/build.py", "_message"), ("safety/inspection.py", "_add"),
            ("safety/inspection.py", "_issue")} <= wrappers      # the walk does find them
    problems = []
    for rel, func, call in SOURCE.calls():
        if not _calls_wrapper(rel, call, wrappers):
            continue
        arg = _code_arg(call)
        if arg is None or codes_named(arg):
            continue
        if func is not None and ((rel, func.name) in wrappers or (rel, func.name) in EXERCISED):
            continue
        problems.append(f"{rel}:{call.lineno}: {ast.unparse(call)[:80]}")
    assert not problems, "\n".join(problems)
