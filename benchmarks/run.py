"""The xlplan benchmark: each stage as its own process against its floor, on the same data.

    python benchmarks/run.py --services 10 100 1000 [--out benchmarks/results/latest.json] [--jobs N]

For each S it builds a synthetic plan (S services × 50 measures + 30 actions; see synth.py),
writes the templates with `xlplan templates`, fills the returns as managers would (fill_fast.py),
then times `xlplan templates`, `xlplan collect --no-report` and `xlplan report`, each as its own
process (wall seconds, peak memory), and the floors of floors.py on the same data; then collect
again: without its cache, re-run on the same folder, and re-run after 2% of the returns were
corrected (the officer's day). Every collect is run three times, each round after its own run of
floor (a), and reported as medians against the floor's median (issue #19's bars, printed last).
Where a collect's bar is not met, the same collect is then run once more in one process with each
step timed (profile_collect.py): where each millisecond per file goes, printed under the bars.
Prints a table and saves JSON. A stage whose command does not exist yet is "not available"; one that fails is
"failed" with the end of its log — never a made-up figure. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from multiprocessing import Pool
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fill_fast  # noqa: E402
import floors  # noqa: E402
import measure  # noqa: E402
import synth  # noqa: E402
from report_rows import report_tables  # noqa: E402

XLPLAN = [sys.executable, "-c", "from xlplan.cli import run; run()"]     # what the `xlplan` script runs
SECRET = "xlplan-benchmark-secret"     # a fixed key so every stage and run agree (not a real secret)
RERUNS = ("collect nocache", "collect rerun", "collect rerun 2%")   # timed after the report, against floor (a)
ROUNDS = 3                       # each collect is timed this often, alternating with floor (a): medians
# issue #19's bars: ratios to floor (a) (the first collect has the cold collect's), peak memory, and a
# whole `xlplan collect` process at a council's scale
GOALS = {"templates": 1.0, "collect": 3.0, "report": None, "collect nocache": 3.0, "collect rerun": 1.2,
         "collect rerun 2%": 1.3}
PEAK_MB_BAR = 500
COUNCIL = 10                     # returns: a council's quarter
COUNCIL_PROCESS_S = 0.4          # a whole `xlplan collect` process at COUNCIL returns
NATIONAL = 1000                  # returns: where the ratio bars are set (below, start-up costs dominate)
STAGE_FLOOR = {"templates": ["write"], "collect": ["read"], "report": ["docx", "values"],
               **{name: ["read"] for name in RERUNS}}
LABELS = {"collect": "collect --no-report", "collect nocache": "collect, no cache",
          "collect rerun": "collect re-run, unchanged", "collect rerun 2%": "collect re-run, 2% corrected"}
# the collects a bar not met is explained for, with profile_collect.py's options for the same collect
# (the 2% re-run has no such profile: its changed files are examined as a cold collect's are)
BREAKDOWNS = {"collect": [], "collect nocache": ["--no-cache"], "collect rerun": ["--rerun"]}
CORRECTED_SHARE = 0.02           # of the returns re-filled with other values before the last re-run
FLOOR_TITLES = {"read": "floor (a) calamine read", "write": "floor (b) xlsxwriter write",
                "docx": "floor (c) docx xml", "values": "floor (d) summary xlsxwriter"}


def _env(**extra: str) -> dict:
    env = dict(os.environ)
    env["XLPLAN_SECRET"] = SECRET
    env.setdefault("PYTHONHASHSEED", "0")
    env.pop("XLPLAN_NO_CACHE", None)       # stages that must run without the cache say so
    # An installed xlplan runs from compiled bytecode; with PYTHONDONTWRITEBYTECODE (set in some
    # shells and CI images) every stage would compile xlplan's modules afresh (~0.1 s a process).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    return env


def command_help(name: str) -> str | None:
    """The --help text of `xlplan NAME`, or None when the command does not exist (yet)."""
    r = subprocess.run([*XLPLAN, name, "--help"], capture_output=True, text=True, env=_env(), timeout=120)
    return r.stdout if r.returncode == 0 else None


def _fill_one(job: tuple[Path, Path, dict, dict, dict | None, dict | None]) -> tuple[int, int]:
    return fill_fast.fill(*job)


def corrected(answers: dict, round_: int = 1) -> dict:
    """Other values for a return the manager corrects: figures changed, comments amended; each
    round of corrections (1, 2, …) gives other values than the others."""
    def figure(v):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return v
        return v + round_ if isinstance(v, int) else round(v * (1 - 0.1 * round_), 6)

    prefix = "Corrected: " if round_ == 1 else f"Corrected ({round_}): "

    def amend(row: dict) -> dict:
        out = dict(row)
        if "To date" in out:
            out["To date"] = figure(out["To date"])
        if out.get("Comments/Progress"):
            out["Comments/Progress"] = prefix + out["Comments/Progress"]
        return out

    def spend(row: dict) -> dict:
        return {**row, "Spend to date": figure(row["Spend to date"])}

    return {"measures": {k: amend(v) for k, v in answers["measures"].items()},
            "actions": {k: amend(v) for k, v in answers["actions"].items()},
            "risks": {k: {**v, "Commentary": prefix + v["Commentary"]} for k, v in answers.get("risks", {}).items()},
            "budget": {k: spend(v) for k, v in answers.get("budget", {}).items()}}


def _returned_name(i: int, template_name: str) -> str:
    """What comes back by email: mostly the template's name, some renamed as managers do."""
    if i % 7 == 3:
        return f"Copy of {Path(template_name).stem} FINAL.xlsx"
    if i % 11 == 5:
        return f"{Path(template_name).stem} (2).xlsx"
    return template_name


class Bench:
    def __init__(self, services: int, workdir: Path, jobs: int | None, timeout: float, helps: dict,
                 check_jobs: bool = False, breakdown: str = "missed"):
        self.check_jobs, self.breakdown = check_jobs, breakdown
        self.s, self.dir, self.jobs, self.timeout, self.helps = services, workdir / f"S{services}", jobs, timeout, helps
        self.result: dict = {"services": services, "measures": services * synth.MEASURES_PER_SERVICE,
                             "actions": services * synth.ACTIONS_PER_SERVICE, "setup": {}, "stages": {},
                             "floors": {}, "checks": {}}

    # -- helpers ----------------------------------------------------------------------------
    def say(self, text: str) -> None:
        print(f"[S={self.s}] {text}", flush=True)

    def _run(self, name: str, cmd: list[str], env: dict | None = None) -> dict:
        self.say(f"{name} …")
        log = self.dir / "logs" / f"{''.join(c for c in name if c.isalnum() or c in '-_.') or 'stage'}.log"
        r = measure.run(cmd, cwd=self.dir, log=log, env=env or _env(), timeout=self.timeout)
        r["log"] = str(log)
        self.say(f"{name}: exit {r['rc']} in {r['wall_s']:.2f} s, peak {r['tree_peak_mb']:.0f} MB")
        return r

    def stage(self, name: str, args: list[str], *, ok_codes=(0,), needs: str | None = None,
              env: dict | None = None, log_name: str | None = None) -> dict:
        command = name.split()[0]
        if self.helps.get(command) is None:
            res = {"status": "not available", "note": f"`xlplan {name}` does not exist yet"}
        elif needs and self.result["stages"].get(needs, {}).get("status") != "ok":
            res = {"status": "not available", "note": f"needs {needs}, which did not run"}
        else:
            if self.jobs and "--jobs" in self.helps[command] and "--jobs" not in args:
                args = [*args, "--jobs", str(self.jobs)]
            res = self._run(log_name or name.replace(" ", ""), [*XLPLAN, command, *args], env)
            res["status"] = ("timed out" if res["timed_out"] else "ok" if res["rc"] in ok_codes else "failed")
            if res["timed_out"]:
                res["note"] = f"stopped after {self.timeout:g} s (the stage takes longer; no figure recorded)"
            if res["status"] == "failed" or res["rc"]:
                res["log_tail"] = measure.tail(Path(res["log"]))
        self.result["stages"][name] = res
        return res

    def floor(self, name: str, *args: Path, log_name: str | None = None, keep: bool = True) -> dict:
        r = self._run(log_name or f"floor-{name}", [sys.executable, str(HERE / "floors.py"), name, *map(str, args)])
        if r["rc"] == 0:
            r.update(json.loads(Path(r["log"]).read_text().strip().splitlines()[-1]))
            r["status"] = "ok"
        else:
            r["status"], r["log_tail"] = "failed", measure.tail(Path(r["log"]))
        if keep:
            self.result["floors"][name] = r
        return r

    def rounds(self, name: str, args_for, *, env: dict | None = None, before=None) -> dict:
        """Run collect stage `name` ROUNDS times, each round after `before(k)` (untimed) and its own
        run of floor (a); the stage's figures are the rounds' medians (peak memory their largest),
        its floor the floor runs' median, both kept per round in `runs` and `floor_runs`."""
        runs, floor_runs = [], []
        for k in range(1, ROUNDS + 1):
            if before is not None:
                before(k)
            fl = self.floor("read", self.dir / "returns", log_name=f"floor-read-{name.replace(' ', '')}-{k}",
                            keep=False)
            st = self.stage(name, args_for(k), ok_codes=(0, 1), env=env, log_name=f"{name.replace(' ', '')}-{k}")
            if st["status"] != "ok":
                return st
            runs.append(st)
            if fl["status"] == "ok":
                floor_runs.append(fl)
        med = lambda key, rs=runs: round(statistics.median(r[key] for r in rs), 3)   # noqa: E731
        res = {**runs[-1], "wall_s": med("wall_s"), "cpu_s": med("cpu_s"),
               "peak_mb": max(r["peak_mb"] for r in runs), "tree_peak_mb": max(r["tree_peak_mb"] for r in runs),
               "tree_rss_peak_mb": max(r.get("tree_rss_peak_mb", 0) for r in runs),
               "load_before": med("load_before"),
               "runs": [{k: r[k] for k in ("wall_s", "cpu_s", "tree_peak_mb", "load_before", "rc")} for r in runs],
               "floor_runs": [{k: f[k] for k in ("seconds", "cpu_seconds", "load_before")} for f in floor_runs]}
        if len(floor_runs) == len(runs):
            res["floor_s"] = med("seconds", floor_runs)
            res["floor_cpu_s"] = med("cpu_seconds", floor_runs)
        self.result["stages"][name] = res
        return res

    def timed(self, what: str, fn, *args):
        start = time.perf_counter()
        out = fn(*args)
        self.result["setup"][what] = round(time.perf_counter() - start, 2)
        self.say(f"setup {what}: {self.result['setup'][what]:.1f} s")
        return out

    # -- the run ------------------------------------------------------------------------------
    def run(self) -> dict:
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        plan_path = self.dir / "plan.xlsx"
        data = self.timed("synthesise", synth.build, self.s)
        self.timed("write plan", self.plan, data, plan_path)
        period = synth.PERIOD
        tdir, rdir = self.dir / "templates", self.dir / "returns"
        out, rep, db = self.dir / "collect-out", self.dir / "reports", f"sqlite:///{self.dir / 'xlplan.db'}"
        common = ["--plan", str(plan_path), "--period", period]

        db_arg = ["--db", db] if "--db" in (self.helps.get("templates") or "") else []
        self.stage("templates", [*common, "--out", str(tdir), *db_arg])
        templates = sorted(tdir.glob("*.xlsx")) if self.result["stages"]["templates"]["status"] == "ok" else []
        if templates:
            self.timed("fill returns", self.fill, data, tdir, rdir)
            self.timed("prepare floor (b)", self.specs, templates, self.dir / "floor-write.pkl")
            self.floor("write", self.dir / "floor-write.pkl", self.dir / "floor-write")
            self.floor("read", rdir)
        else:
            for f in ("write", "read"):
                self.result["floors"][f] = {"status": "not available", "note": "no templates to fill"}

        if templates:
            self.first_collects(common, rdir, out, db)
        else:
            self.result["stages"]["collect"] = {"status": "not available", "note": "no returns (templates did not run)"}
        tables = self.timed("prepare floor (c)", report_tables, data, period)
        if self.result["stages"]["collect"].get("status") == "ok":
            self.result["checks"]["statuses"] = check_statuses(self.dir / "xlplan.db", tables["statuses"])
        self.stage("report", [*common, "--db", db, "--out", str(rep)], needs="collect")

        (self.dir / "floor-docx.pkl").write_bytes(pickle.dumps(tables))
        self.floor("docx", self.dir / "floor-docx.pkl", self.dir / "floor-docx" / "report.docx")
        if self.result["stages"]["report"].get("status") == "ok":
            self.report_parts(plan_path, db, period)
        summaries = sorted(rep.glob("*.xlsx")) if rep.exists() else []
        if summaries:
            (self.dir / "floor-values.pkl").write_bytes(pickle.dumps([floors.values_spec(p) for p in summaries]))
            self.floor("values", self.dir / "floor-values.pkl", self.dir / "floor-values")
        else:
            self.result["floors"]["values"] = {"status": "not available", "note": "no summary workbook to mirror"}
        if self.result["stages"]["collect"].get("status") == "ok":
            self.reruns(data, common, tdir, rdir, db)
        self.ratios()
        self.breakdowns(period)
        return self.result

    def first_collects(self, common: list[str], rdir: Path, out: Path, db: str) -> None:
        """The first collect of the quarter, ROUNDS times: each into a fresh store (and so a fresh
        archive), with `.xlplan-cache/` as `xlplan templates` left it (the parsed plan, no return).
        The last round's store is the one the report and the re-runs use."""
        cache = self.dir / ".xlplan-cache"
        kept = self.dir / "cache-after-templates"
        if cache.exists():
            shutil.rmtree(kept, ignore_errors=True)
            shutil.copytree(cache, kept)

        def fresh(k: int) -> None:
            if kept.exists():
                shutil.rmtree(cache, ignore_errors=True)
                shutil.copytree(kept, cache)
            shutil.rmtree(self.dir / f"first-{k}", ignore_errors=True)

        def store(k: int) -> str:
            return db if k == ROUNDS else f"sqlite:///{self.dir / f'first-{k}' / 'xlplan.db'}"

        self.rounds("collect", lambda k: [*common, "--returns", str(rdir), "--out", str(out), "--db", store(k),
                                          "--no-report"], before=fresh)

    def reruns(self, data: synth.Synthetic, common: list[str], tdir: Path, rdir: Path, db: str) -> None:
        """Collect without the cache (a fresh store and archive each round), re-run on the same
        folder and store, and re-run after correcting 2% of the returns (other values each round);
        with --check-jobs, collect the corrected folder with --jobs 1 and no cache into a second
        store, which must hold the rows the cached re-run stored."""
        args = [*common, "--returns", str(rdir), "--out", str(self.dir / "collect-out"), "--no-report"]

        def cold(k: int) -> None:
            shutil.rmtree(self.dir / f"cold-{k}", ignore_errors=True)

        self.rounds("collect nocache", lambda k: [*args, "--db", f"sqlite:///{self.dir / f'cold-{k}' / 'xlplan.db'}"],
                    env=_env(XLPLAN_NO_CACHE="1"), before=cold)
        self.rounds("collect rerun", lambda k: [*args, "--db", db])
        # the last round makes the corrections `corrected(answers)` describes (tests check the files)
        order = [*range(2, ROUNDS + 1), 1]
        self.rounds("collect rerun 2%", lambda k: [*args, "--db", db],
                    before=lambda k: self.timed(f"correct 2% of returns ({k})", self.correct, data, tdir, rdir,
                                                order[k - 1]))
        if self.check_jobs:
            self.stage("collect --jobs 1", [*common, "--returns", str(rdir), "--out", str(self.dir / "out-1"),
                                             "--db", f"sqlite:///{self.dir / 'jobs1.db'}", "--no-report",
                                             "--jobs", "1"], ok_codes=(0, 1), env=_env(XLPLAN_NO_CACHE="1"))
            if self.result["stages"]["collect --jobs 1"].get("status") == "ok":
                self.result["checks"]["jobs"] = compare_stores(self.dir / "xlplan.db", self.dir / "jobs1.db")

    def correct(self, data: synth.Synthetic, tdir: Path, rdir: Path, round_: int = 1) -> None:
        """Re-fill every 50th return (2%, at least one) with other values, received a moment ago."""
        from xlplan.contract.layout import template_filename
        from xlplan.periods import Period
        period = Period.parse(synth.PERIOD)
        step = max(1, round(1 / CORRECTED_SHARE))
        picked = list(range(0, len(data.services), step))
        when = time.time() - 2        # new, and past the still-being-written watch
        for i in picked:
            svc = data.services[i]["Service"]
            name = template_filename(period, svc)
            out = rdir / _returned_name(i, name)
            fill_fast.fill(tdir / name, out, **corrected(data.answers[svc], round_))
            os.utime(out, (when, when))
        self.result["setup"]["corrected"] = len(picked)

    def plan(self, data: synth.Synthetic, path: Path) -> None:
        """Write the plan, or copy the one an earlier run wrote from the same synth.py and plan writer
        (writing 80,000 rows with openpyxl takes a minute or more)."""
        import hashlib
        import xlplan.plan.writer  # moved
        basis = b"".join(Path(f).read_bytes() for f in (synth.__file__, xlplan.plan.writer.__file__))
        cached = self.dir.parent / "plans" / f"S{self.s}-{hashlib.sha256(basis).hexdigest()[:12]}.xlsx"
        if not cached.exists():
            synth.write(data, cached.with_suffix(".tmp.xlsx"))
            cached.with_suffix(".tmp.xlsx").rename(cached)
        shutil.copyfile(cached, path)

    def report_parts(self, plan_path: Path, db: str, period: str) -> None:
        """Word report and summary workbook timed apart (library calls, after an untimed load)."""
        r = self._run("report-parts", [sys.executable, str(HERE / "report_parts.py"), str(plan_path), db, period,
                                       str(self.dir / "report-parts")])
        if r["rc"] != 0:
            self.result["report_parts"] = {"status": "not available", "note": measure.tail(Path(r["log"]), 3)}
            return
        parts = json.loads(Path(r["log"]).read_text().strip().splitlines()[-1])
        self.result["report_parts"] = {name: {**t, "status": "ok"} for name, t in parts.items()}

    def fill(self, data: synth.Synthetic, tdir: Path, rdir: Path) -> None:
        from xlplan.contract.layout import template_filename
        from xlplan.periods import Period
        period = Period.parse(synth.PERIOD)
        jobs = []
        for i, svc in enumerate(data.services):
            name = template_filename(period, svc["Service"])
            if not (tdir / name).exists():
                raise SystemExit(f"no template {name} in {tdir} for service {svc['Service']}")
            answers = data.answers[svc["Service"]]
            jobs.append((tdir / name, rdir / _returned_name(i, name), answers["measures"], answers["actions"],
                         answers.get("risks"), answers.get("budget")))
        with Pool(os.cpu_count()) as pool:
            counts = pool.map(_fill_one, jobs, chunksize=max(1, len(jobs) // (4 * (os.cpu_count() or 1))))
        expected = (synth.MEASURES_PER_SERVICE, synth.ACTIONS_PER_SERVICE)
        short = [j[0].name for j, c in zip(jobs, counts) if c != expected]
        if short:
            raise SystemExit(f"filling found fewer rows than the plan has in {short[:3]}: {counts[:3]}")
        self.result["setup"]["returns"] = len(jobs)

    def specs(self, templates: list[Path], out: Path) -> None:
        """Each template's spec for floor (b), pickled one after another into `out`."""
        with Pool(os.cpu_count()) as pool, open(out, "wb") as f:
            for spec in pool.imap(floors.extract_spec, templates, chunksize=16):
                pickle.dump(spec, f, protocol=pickle.HIGHEST_PROTOCOL)

    def breakdowns(self, period: str) -> None:
        """Time each step of the collects whose bar was not met (every one in BREAKDOWNS with
        --breakdown always), once, in one process: profile_collect.py's figures in
        result["breakdown"][stage]."""
        for stage, flags in BREAKDOWNS.items():
            st = self.result["stages"].get(stage, {})
            if st.get("status") != "ok" or self.breakdown == "never":
                continue
            if self.breakdown == "missed" and not missed(self.result, stage):
                continue
            out = self.dir / "logs" / f"breakdown-{stage.replace(' ', '')}.json"
            out.unlink(missing_ok=True)
            r = self._run(f"breakdown {stage}", [sys.executable, str(HERE / "profile_collect.py"), str(self.dir),
                                                 "--period", period, "--repeat", "3", *flags, "--json", str(out)])
            self.result.setdefault("breakdown", {})[stage] = json.loads(out.read_text()) \
                if r["rc"] == 0 and out.exists() else {"status": "failed", "note": measure.tail(Path(r["log"]))}

    def ratios(self) -> None:
        for stage, names in STAGE_FLOOR.items():
            st = self.result["stages"].get(stage, {})
            fl = [self.result["floors"].get(n, {}) for n in names]
            if st.get("status") == "ok" and "floor_runs" in st:       # timed in rounds with its own floor runs
                if st.get("floor_s"):
                    st["ratio"] = round(st["wall_s"] / st["floor_s"], 2)
                    st["cpu_ratio"] = round(st["cpu_s"] / st["floor_cpu_s"], 2) if st["floor_cpu_s"] > 0 else None
                    st["goal"] = GOALS[stage]
            elif st.get("status") == "ok" and all(f.get("status") == "ok" for f in fl):
                st["floor_s"] = round(sum(f["seconds"] for f in fl), 3)
                st["floor_cpu_s"] = round(sum(f["cpu_seconds"] for f in fl), 3)
                st["ratio"] = round(st["wall_s"] / st["floor_s"], 2) if st["floor_s"] > 0 else None
                st["cpu_ratio"] = round(st["cpu_s"] / st["floor_cpu_s"], 2) if st["floor_cpu_s"] > 0 else None
                st["goal"] = GOALS[stage]
        for part, floor_name, goal in (("word", "docx", 2.0), ("summary", "values", 1.5)):
            pt = self.result.get("report_parts", {}).get(part)
            fl = self.result["floors"].get(floor_name, {})
            if pt and fl.get("status") == "ok" and fl["seconds"] > 0:
                pt.update(floor_s=round(fl["seconds"], 3), ratio=round(pt["seconds"] / fl["seconds"], 2),
                          cpu_ratio=round(pt["cpu_seconds"] / fl["cpu_seconds"], 2), goal=goal)


def check_statuses(db: Path, expected: dict[str, str]) -> dict:
    """Compare the statuses collect stored with those xlplan's status engine gives for what was typed."""
    import sqlite3
    with sqlite3.connect(db) as con:
        stored = dict(con.execute("select code, status from measure_values where period = ?", (synth.PERIOD,)))
    wrong = {c: (stored.get(c), s) for c, s in expected.items() if stored.get(c) != s}
    return {"checked": len(expected), "stored": len(stored), "mismatches": len(wrong),
            "examples": [f"{c}: stored {got}, expected {want}" for c, (got, want) in list(wrong.items())[:5]]}


def compare_stores(a: Path, b: Path) -> dict:
    """Whether two stores of the same collect (e.g. --jobs N and --jobs 1) hold the same rows."""
    import sqlite3
    differ = {}
    for table_name in ("returns", "measure_values", "action_updates", "issues", "budget_lines"):
        rows = []
        for db in (a, b):
            with sqlite3.connect(db) as con:
                cur = con.execute(f"select * from {table_name}")
                cols = [d[0] for d in cur.description]
                keep = [i for i, c in enumerate(cols) if c not in ("seq",)]
                rows.append(sorted((tuple(str(r[i]) for i in keep) for r in cur), key=repr))
        if rows[0] != rows[1]:
            differ[table_name] = f"{len(set(rows[0]) ^ set(rows[1]))} rows differ"
    return {"same": not differ, "differences": differ}


def table(results: list[dict]) -> str:
    """The results as a text table: stages with their floors and ratios, then the floors themselves."""
    head = (f"{'stage':<29} {'S':>5} {'wall s':>8} {'cpu s':>8} {'peak MB':>7} {'floor s':>7} {'ratio':>7} "
            f"{'cpu ratio':>9} {'goal':>5}  note")
    lines = [head, "-" * len(head)]

    def row(label, s, d, floor_s="", ratio="", cpu_ratio="", goal="", note=""):
        return (f"{label:<29} {s:>5} {d['wall_s']:>8.2f} {d['cpu_s']:>8.2f} {d['tree_peak_mb']:>7.0f} {floor_s:>7} "
                f"{ratio:>7} {cpu_ratio:>9} {goal:>5}  {note}").rstrip()

    for res in results:
        s = res["services"]
        for name, st in res["stages"].items():
            label = LABELS.get(name, name)
            if st.get("status") != "ok":
                lines.append(f"{label:<29} {s:>5} {st.get('status', '')}: {st.get('note', 'see ' + st.get('log', ''))}")
                continue
            has = "floor_s" in st
            goal = f"≤{st['goal']:g}×" if st.get("goal") else ("c+d" if name == "report" else "")
            note = (f"exit {st['rc']}; " if st.get("rc") else "") + f"load {st['load_before']:.1f}"
            if st.get("runs"):
                loads = [r["load_before"] for r in st["runs"]]
                note = (f"median of {' '.join(format(r['wall_s'], '.2f') for r in st['runs'])} s; floor "
                        f"{' '.join(format(f['seconds'], '.2f') for f in st['floor_runs'])}; "
                        f"load {min(loads):.1f}–{max(loads):.1f}")
            lines.append(row(label, s, st, f"{st['floor_s']:.2f}" if has else "–",
                             f"{st['ratio']:.2f}×" if has and st.get("ratio") else "–",
                             f"{st['cpu_ratio']:.2f}×" if has and st.get("cpu_ratio") else "–", goal, note))
        for name, fl in res["floors"].items():
            label = FLOOR_TITLES[name]
            if fl.get("status") != "ok":
                lines.append(f"{label:<29} {s:>5} {fl.get('status', '')}: {fl.get('note', '')}")
                continue
            lines.append(row(label, s, fl, f"{fl['seconds']:.2f}",
                             note=f"{fl['files']} files, {fl['cells']:,} cells; load {fl['load_before']:.1f}"))
        for part, pt in res.get("report_parts", {}).items():
            if isinstance(pt, dict) and "ratio" in pt:
                lines.append(f"{'  report: ' + ('Word' if part == 'word' else 'summary') + ' part':<29} {s:>5} "
                             f"{pt['seconds']:>8.2f} {pt['cpu_seconds']:>8.2f} {'':>7} {pt['floor_s']:>7.2f} "
                             f"{pt['ratio']:>6.2f}× {pt['cpu_ratio']:>8.2f}× {'≤' + format(pt['goal'], 'g') + '×':>5}"
                             f"  timed inside one process")
        checks = res.get("checks", {})
        if "statuses" in checks:
            c = checks["statuses"]
            lines.append(f"  S={s}: stored statuses equal the status engine's for what was typed: "
                         + ("yes" if not c["mismatches"] else f"NO, {c['mismatches']} of {c['checked']} differ "
                            f"(e.g. {'; '.join(c['examples'][:2])})"))
        if "jobs" in checks:
            lines.append(f"  S={s}: collect --jobs 1 without the cache and the 2% re-run with it store the same rows: "
                         + ("yes" if checks["jobs"]["same"] else f"NO ({checks['jobs']['differences']})"))
        lines.extend(f"  S={s}: {line}" for line in bars(res))
        lines.extend(f"  S={s}: {line}" for line in breakdown_lines(res))
    return "\n".join(lines)


def missed(res: dict, stage: str) -> bool:
    """Whether one of issue #19's time bars is set for `stage` at this S and was not met."""
    st = res["stages"].get(stage, {})
    returns = res.get("setup", {}).get("returns", 0)
    if st.get("ratio") and st.get("goal") and returns >= NATIONAL and st["ratio"] > st["goal"]:
        return True
    return stage == "collect" and returns == COUNCIL and st.get("wall_s", 0) > COUNCIL_PROCESS_S


def breakdown_lines(res: dict) -> list[str]:
    """Where the time of each collect in res["breakdown"] goes, step by step, per file."""
    lines = []
    for stage, b in res.get("breakdown", {}).items():
        head = f"where the time of {LABELS.get(stage, stage)} goes"
        if b.get("status") == "failed":
            lines.append(f"{head}: the timed run failed: {b.get('note', '')}")
            continue
        lines.append(f"{head} (timed in one process, --jobs 1, {b['files']} files, {b['total_ms']:,.0f} ms; "
                     f"load {b['load_before']:.1f}; a pool spreads the per-file steps over the cores):")
        start = sum(ms for _, ms in b["imports"])
        lines.append(f"    {'start-up: interpreter and imports':<62} {start:9.1f} ms")
        lines.extend(f"      {name:<60} {ms:9.1f} ms" for name, ms in b["imports"])
        for step in b["steps"]:
            if step["calls"]:
                lines.append(f"    {('  ' if step['per_file'] else '') + step['step']:<62} {step['ms']:9.1f} ms"
                             f" {step['ms_per_file']:8.2f} ms/file")
    return lines


def bars(res: dict) -> list[str]:
    """Issue #19's bars for one S, each with its figure and whether it is met."""
    out = []

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT MET"

    stages = res["stages"]
    for name in ("collect nocache", "collect rerun", "collect rerun 2%", "collect"):
        st = stages.get(name, {})
        if st.get("ratio") and res.get("setup", {}).get("returns", 0) >= NATIONAL:
            out.append(f"bar {LABELS.get(name, name)} ≤ {st['goal']:g}× floor (a), medians of {len(st['runs'])}: "
                       f"{st['ratio']:.2f}× ({st['wall_s']:.2f} s against {st['floor_s']:.2f} s; CPU "
                       f"{st['cpu_ratio']:.2f}×) {verdict(st['ratio'] <= st['goal'])}")
    collects = [st for name, st in stages.items() if name.startswith("collect") and st.get("status") == "ok"]
    if collects:
        peak = max(st["tree_peak_mb"] for st in collects)
        out.append(f"bar collect peak memory ≤ {PEAK_MB_BAR} MB (PSS over the process tree, every round): "
                   f"{peak:.0f} MB {verdict(peak <= PEAK_MB_BAR)}")
    first = stages.get("collect", {})
    if res.get("setup", {}).get("returns") == COUNCIL and first.get("runs"):
        out.append(f"bar a whole `xlplan collect` process at {COUNCIL} returns ≤ {COUNCIL_PROCESS_S} s, median of "
                   f"{len(first['runs'])}: {first['wall_s']:.2f} s {verdict(first['wall_s'] <= COUNCIL_PROCESS_S)}"
                   f" (no cache: {stages.get('collect nocache', {}).get('wall_s', float('nan')):.2f} s, re-run "
                   f"{stages.get('collect rerun', {}).get('wall_s', float('nan')):.2f} s)")
    return out


def machine() -> dict:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = ""
    try:
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "xlplan", "templates"], cwd=HERE.parent,
                               capture_output=True, text=True).stdout.split("\n")
    except OSError:
        dirty = []
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "commit": commit, "uncommitted": [line[3:] for line in dirty if line.strip()],
            "when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "speed": speed()}


# a fixed pure-Python workload: how fast this machine runs Python today, so that runs on different
# days can be told apart from changes (on unchanged code the same kind of machine has run a
# 10-return collect in 0.41 s one day and 0.55 s another)
SPEED_LOOP = "s = 0\nfor i in range(10_000_000):\n    s += i"


def speed(runs: int = 5) -> dict:
    """This machine's speed, as the medians of `runs` fresh interpreters: starting one and doing
    nothing, running SPEED_LOOP, and importing SQLAlchemy (the store's library, which a collect
    must load): seconds each, the start-up taken off the other two."""
    def median_s(code: str) -> float:
        walls = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], env=_env(), check=True)
            walls.append(time.perf_counter() - start)
        return statistics.median(walls)

    start = median_s("pass")
    return {"python_start_s": round(start, 3), "loop_s": round(median_s(SPEED_LOOP) - start, 3),
            "import_sqlalchemy_s": round(median_s("import sqlalchemy") - start, 3)}


def speed_line(m: dict) -> str:
    """The machine's speed (machine()["speed"]) as a sentence; empty for a run saved without it."""
    sp = m.get("speed")
    if not sp:
        return ""
    return (f"machine speed: Python starts in {sp['python_start_s']:.3f} s, runs the fixed loop in "
            f"{sp['loop_s']:.2f} s, imports SQLAlchemy in {sp['import_sqlalchemy_s']:.3f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--services", type=int, nargs="+", default=[10], help="S values to run (default 10)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "latest.json", help="JSON results file")
    ap.add_argument("--jobs", type=int, default=None, help="pass --jobs N to stages that take it")
    ap.add_argument("--workdir", type=Path, default=HERE / "work", help="scratch folder (default benchmarks/work)")
    ap.add_argument("--check-jobs", action="store_true",
                    help="also collect the corrected returns with --jobs 1 and no cache into a second store "
                         "and compare it with the store of the cached re-run")
    ap.add_argument("--breakdown", choices=("missed", "always", "never"), default="missed",
                    help="time each step of a collect whose bar was not met (default), of every collect, or none")
    ap.add_argument("--timeout", type=float, default=900, help="seconds before a stage is stopped (default 900)")
    ap.add_argument("--show", type=Path, metavar="JSON", help="print the table of a saved run and stop")
    args = ap.parse_args(argv)
    if args.show:
        doc = json.loads(args.show.read_text())
        m = doc["machine"]
        print(f"{m['when']}, commit {m['commit']}, {m['cpus']} CPUs, Python {m['python']}, jobs {doc['jobs'] or 'default'}")
        if speed_line(m):
            print(speed_line(m))
        print(table(doc["results"]))
        return 0

    started = machine()       # the tree as it was when the run began
    helps = {name: command_help(name) for name in ("templates", "collect", "report")}
    results = []
    for s in args.services:
        results.append(Bench(s, args.workdir.resolve(), args.jobs, args.timeout, helps, args.check_jobs,
                             args.breakdown).run())
    doc = {"machine": started, "jobs": args.jobs, "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print()
    if speed_line(started):
        print(speed_line(started))
    print(table(results))
    print(f"\nSaved {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
