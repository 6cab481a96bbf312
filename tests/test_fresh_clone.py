"""The repository alone is enough: every fixture the tests read is inside it, third-party
data says where it comes from, and no test depends on a path of one machine."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, GLOTTOLOG, ROOT, glottolog_text

# Folders whose files a fresh clone must not depend on: an absolute path of one machine, or
# a sibling of the checkout (the only exception is conftest's survey folder, see below).
MACHINE_PATH = re.compile(r"""["'`(\s](/work/|/home/|/Users/|/opt/|\.\./shared)""")
THIS = Path(__file__).name


def tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "--", *patterns], cwd=ROOT, capture_output=True, text=True
    )
    if out.returncode != 0:  # an sdist has no .git: look at the files themselves
        return [p for pattern in patterns for p in ROOT.glob(pattern) if p.is_file()]
    return [ROOT / line for line in out.stdout.splitlines()]


def test_no_test_or_build_file_reads_outside_the_repository() -> None:
    files = tracked("tests/*.py", "bench/*.py", "Makefile", ".ci/*", "pyproject.toml")
    assert len(files) > 10
    offenders = []
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # the one exception: where the survey's text is, for the maintainer checks
            if MACHINE_PATH.search(line) and "LRMKB_SURVEY_DIR" not in line and path.name != THIS:
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []
    conftest = (ROOT / "tests" / "conftest.py").read_text(encoding="utf-8")
    assert "/work/" not in conftest and conftest.count('"shared"') == 1  # the survey folder only


def test_every_fixture_folder_says_where_its_data_comes_from() -> None:
    folders = [p for p in FIXTURES.iterdir() if p.is_dir()]
    assert {p.name for p in folders} >= {"arxiv", "arxiv-recorded", "bib", "awesome"}
    for folder in folders:
        readme = (folder / "README.md").read_text(encoding="utf-8")
        assert re.search(r"licen[cs]e|written by us", readme, re.I), folder


def test_recorded_arxiv_answers_are_the_bytes_arxiv_sent() -> None:
    folder = FIXTURES / "arxiv-recorded"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest) >= 9
    for item in manifest:
        body = (folder / item["file"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == item["sha256"], item["file"]
        assert len(body) == item["bytes"]


def test_the_glottolog_file_decompresses_to_the_source_file() -> None:
    text = glottolog_text()
    data = text.encode("utf-8")
    assert GLOTTOLOG.stat().st_size < 1_000_000  # stored compressed
    assert len(data) == 2_992_146
    assert hashlib.sha256(data).hexdigest() == (
        "fd1615aad66ce56c459e0bff44215bc39593436dc185172c74d4a4e1463c96fd"
    )
    assert len(re.findall(r"^@\w+\{", text, re.M)) == 8_744


def test_survey_checks_skip_with_the_reason_when_the_survey_is_absent(tmp_path: Path) -> None:
    """LRMKB_SURVEY_DIR names the survey's folder; without it there, the maintainer checks
    that compare against the survey's text are skipped and say why — nothing fails."""
    env = {**os.environ, "LRMKB_SURVEY_DIR": str(tmp_path / "no-survey")}
    tests = ["tests/test_membership.py", "tests/test_seeds.py::test_seeds_are_in_our_own_words"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", *tests],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    summary = run.stdout.strip().splitlines()[-1]
    assert "skipped" in summary and "passed" not in summary and "failed" not in summary
    assert f"the survey text ({tmp_path / 'no-survey' / 'survey.md'}) is not here" in run.stdout
    assert "LRMKB_SURVEY_DIR" in run.stdout


@pytest.mark.parametrize(
    ("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_a_missing_program_skips_with_the_reason_but_fails_on_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    """pdflatex, biber, pandoc and dot: skipped where they are not installed, never on CI."""
    from export_fixtures import need

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match=r"dot not installed \(\.ci/run installs it on CI\)"):
        need("dot")


# `python tests/arxiv_server.py` as `make demo` leaves it: lrmkb's own dependencies, no
# pytest (blocked here, as a venv without it would refuse it)
WITHOUT_TEST_TOOLS = (
    "import runpy, sys; sys.modules['pytest'] = None; "
    "runpy.run_path('tests/arxiv_server.py', run_name='__main__')"
)


def test_the_arxiv_stand_in_runs_on_a_fresh_clone_without_the_test_tools(db_file: Path) -> None:
    """README's watch flow by hand: after `make demo`, `.venv/bin/python
    tests/arxiv_server.py` prints the `export LRMKB_ARXIV_API=…` line to paste, and a
    watch run against it fills the inbox (it needed pytest, which `make demo` does not
    install: it stopped with a ModuleNotFoundError)."""
    import signal

    from reliability_fixtures import lrmkb_process

    server = subprocess.Popen(
        [sys.executable, "-c", WITHOUT_TEST_TOOLS],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline() if server.stdout else ""
        found = re.fullmatch(
            r"export LRMKB_ARXIV_API=(http://127\.0\.0\.1:\d+/api/query) LRMKB_ARXIV_DELAY=0\n",
            line,
        )
        assert found, (line, server.stderr.read() if server.poll() is not None else "")
        env = {"LRMKB_ARXIV_API": found[1], "LRMKB_ARXIV_DELAY": "0"}
        run = lrmkb_process("--db", str(db_file), "watch", "run", "--since", "2026-02-01", env=env)
        assert run.returncode == 0, run.stderr
        assert "added 9 paper(s) to the inbox from 41 watch queries" in run.stderr
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C stops it
        _, err = server.communicate(timeout=30)
    assert server.returncode == 0 and "Traceback" not in err, err
