"""Templates written by a process pool are the same files one process writes (issue #8)."""

from __future__ import annotations

import zipfile

from click.testing import CliRunner

from builders import SERVICES, action, build_plan, measure
from template_cases import ISSUED, Q2
from xlplan.cli import main
from xlplan.plan import read_plan
from xlplan.templates.build import POOL_MIN_SERVICES, write_templates

NAMES = [f"Service {i:02d}" for i in range(POOL_MIN_SERVICES + 2)]


def many_services(tmp_path):
    services = [*SERVICES, *({"Service": n, "Manager": f"Manager {n}", "Email": f"s{i}@anytown.gov.uk"}
                             for i, n in enumerate(NAMES))]
    measures = [measure(f"M{i:02d}{j}", Service=n, Unit=("%", "£", "number", "ratio")[j % 4],
                        Target=("80%", "£1,000", "Reduce", "60/40")[j % 4],
                        Polarity="Lower" if j % 4 == 2 else "Higher")
                for i, n in enumerate(NAMES) for j in range(4)]
    actions = [action(f"A{i:02d}", Service=n) for i, n in enumerate(NAMES)]
    return build_plan(tmp_path / "plan.xlsx", services=services, measures=measures, actions=actions)


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_pool_writes_the_same_files_as_one_process(tmp_path):
    plan_path = many_services(tmp_path)
    plan = read_plan(plan_path)
    one = write_templates(plan, Q2, tmp_path / "one", plan_path=plan_path, issued_at=ISSUED, jobs=1)
    pool = write_templates(plan, Q2, tmp_path / "pool", plan_path=plan_path, issued_at=ISSUED, jobs=2)
    assert [p.name for p in one] == [p.name for p in pool] == [f"2023-24-Q2 {n} return.xlsx" for n in NAMES]
    for a, b in zip(one, pool):
        assert parts(a) == parts(b), a.name


def test_cli_jobs_option(tmp_path):
    plan_path = many_services(tmp_path)
    result = CliRunner().invoke(main, ["templates", "--plan", str(plan_path), "--period", "2023-24-Q2",
                                       "--out", str(tmp_path / "t"), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert f"{len(NAMES)} return templates" in result.output
    assert len(list((tmp_path / "t").glob("*.xlsx"))) == len(NAMES)
    bad = CliRunner().invoke(main, ["templates", "--plan", str(plan_path), "--period", "2023-24-Q2",
                                    "--jobs", "0"])
    assert bad.exit_code == 2


def test_progress_is_told_of_each_template_once_it_is_written(tmp_path):
    from xlplan.contract.layout import template_filename
    plan_path = many_services(tmp_path)
    plan = read_plan(plan_path)
    for jobs in (1, 2):
        out, seen = tmp_path / f"jobs{jobs}", []

        def progress(done, total, service):
            assert (out / template_filename(Q2, service)).stat().st_size > 0      # written before it is told
            seen.append((done, total, service))

        write_templates(plan, Q2, out, plan_path=plan_path, issued_at=ISSUED, jobs=jobs, progress=progress)
        assert seen == [(k, len(NAMES), name) for k, name in enumerate(NAMES, 1)], jobs
