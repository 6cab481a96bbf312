"""What any command-line tool researchers know does: `--version`, help a person reads
(with an example for every command), the docs reachable from an installed copy, a
command reference that cannot drift, and maintainer tools out of the user's way."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import BUNDLED_DB, ROOT
from lrmkb import __version__
from lrmkb.migrations import SCHEMA_VERSION
from reliability_fixtures import lrmkb_process, process_env

sys.path.insert(0, str(ROOT / "tools"))
import docgen  # tools/ is not a package

# a Python type where a person expects a word: `<str>`, `<list[str]>`, `<path>`, `{QUERY}`
TYPE_MARKERS = re.compile(r"<(str|int|path|list\[[^\]]*\]|float|bool)>|\{[A-Z_]+\}")


def survey_counts() -> str:
    """What the bundled database holds, as `--version` words it."""
    with sqlite3.connect(BUNDLED_DB) as db:
        papers, nodes, findings = (
            db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("paper", "taxonomy_node", "finding")
        )
    assert papers >= 128 and nodes == 46 and findings > 100
    return f"({papers} papers, {nodes} taxonomy nodes, {findings} findings)"


def test_version_names_the_package_the_schema_and_the_survey_data() -> None:
    result = lrmkb_process("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"lrmkb {__version__}, database schema {SCHEMA_VERSION}, survey data "
        f"arXiv:2601.19928 {survey_counts()}\n"
    )
    assert result.stderr == ""


def test_the_package_version_has_one_source() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and "\nversion =" not in pyproject
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


@pytest.mark.parametrize(("path", "hidden"), list(docgen.commands()))
def test_help_shows_words_not_types_and_an_example(path: list[str], hidden: bool) -> None:
    text = docgen.help_text(path)
    assert not TYPE_MARKERS.search(text), text
    assert "Example" in text, f"lrmkb {' '.join(path)} --help has no example"


def test_usage_lines_read_as_people_write_them() -> None:
    usage = {
        tuple(path): docgen.help_text(path).splitlines()[0]
        for path in (["search"], ["show"], ["import"], ["tag"], ["docs"], ["rm"], ["edit"], [])
    }
    assert usage == {
        ("search",): "Usage: lrmkb search [OPTIONS] [QUERY...]",
        ("show",): "Usage: lrmkb show [OPTIONS] KEY",
        ("import",): "Usage: lrmkb import [OPTIONS] FILE",
        ("tag",): "Usage: lrmkb tag [OPTIONS] [KEY TAG...]",
        ("docs",): "Usage: lrmkb docs [OPTIONS] [TOPIC]",
        ("rm",): "Usage: lrmkb rm [OPTIONS] KEY...",  # once KEY......
        ("edit",): "Usage: lrmkb edit [OPTIONS] KEY [FIELD=VALUE...]",  # once [[FIELD=VALUE]......]
        (): "Usage: lrmkb [OPTIONS] COMMAND [ARGS]...",
    }
    assert "  --db PATH " in docgen.help_text([])


def test_the_command_reference_is_generated_from_help() -> None:
    """docs/cli.md is what `make docs` writes: run it after changing a command."""
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == docgen.cli_reference(), (
        "docs/cli.md is stale: run `make docs`"
    )


@pytest.mark.parametrize("path", docgen.EXAMPLE_FILES, ids=lambda p: p.name)
def test_examples_are_real_runs(path: Path) -> None:
    """Every console block is what its commands print now (`make docs` rewrites them)."""
    text = path.read_text(encoding="utf-8")
    assert text.count("```console") >= 4
    assert docgen.regenerate_examples(text) == text, f"{path.name} is stale: run `make docs`"


def test_readme_shows_each_example_once() -> None:
    """The `show` example used to be there twice."""
    commands = re.findall(r"^\$ (.*)$", (ROOT / "README.md").read_text(encoding="utf-8"), re.M)
    assert len(commands) == len(set(commands)) >= 15
    assert "…" not in "".join(docgen.CONSOLE_BLOCK.findall(ROOT.joinpath("README.md").read_text()))


def test_maintainer_commands_are_hidden_from_users() -> None:
    top = docgen.help_text([])
    assert "\n  dev " not in top and "build" not in top
    db = docgen.help_text(["db"])
    assert "build" not in db and "--seeds" not in docgen.help_text(["db", "check"])
    assert "--seeds" not in docgen.help_text(["doctor"])
    assert [p for p, hidden in docgen.commands() if hidden] == [
        ["dev"],
        ["dev", "build"],
        ["dev", "check"],
        ["dev", "doctor"],
    ]


def test_dev_build_outside_a_checkout_says_what_to_do(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lrmkb", "dev", "build"],
        cwd=tmp_path,
        env=process_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "Error: no seeds at seeds (no papers.bib there) — run this in a checkout of lrmkb's "
        "repository, or pass --seeds DIR\n"
    )
    assert not (tmp_path / "data").exists()


def test_docs_lists_the_topics_and_prints_one(cli) -> None:
    listing = cli("docs")
    topics = dict(line.split("\t") for line in listing.stdout.splitlines())
    assert {"readme", "cli", "output", "search", "export", "add-import", "guarantees"} <= set(
        topics
    )
    assert topics["output"] == "What each command prints: the output contract"
    page = cli("docs", "output")
    assert page.stdout == (ROOT / "docs" / "output.md").read_text(encoding="utf-8")
    missing = cli("docs", "nosuch")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("Error: no docs topic 'nosuch' — use one of: readme, ")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheel and the sdist, built from this checkout by hatchling (the build backend),
    without the network."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return {"wheel": next(out.glob("*.whl")), "sdist": next(out.glob("*.tar.gz"))}


def test_the_wheel_carries_the_licence_the_docs_and_the_survey(built: dict[str, Path]) -> None:
    names = set(zipfile.ZipFile(built["wheel"]).namelist())
    assert f"lrmkb-{__version__}.dist-info/licenses/LICENSE" in names
    assert "lrmkb/_data/survey.db" in names
    docs = {Path(n).name for n in names if n.startswith("lrmkb/_docs/")}
    assert docs == {"README.md"} | {p.name for p in (ROOT / "docs").glob("*.md")}
    metadata = zipfile.ZipFile(built["wheel"]).read(f"lrmkb-{__version__}.dist-info/METADATA")
    assert b"License-Expression: MIT" in metadata and b"License-File: LICENSE" in metadata


def test_the_sdist_carries_what_make_test_needs(built: dict[str, Path]) -> None:
    with tarfile.open(built["sdist"]) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {"LICENSE", "Makefile", "README.md", "pyproject.toml", "data/survey.db"} <= names
    assert "tests/fixtures/bib/glottolog-zurich.bib.gz" in names
    assert "tests/fixtures/arxiv-recorded/manifest.json" in names
    assert "tools/docgen.py" in names and "docs/output.md" in names


def test_an_installed_wheel_prints_its_docs_and_version(
    built: dict[str, Path], tmp_path: Path
) -> None:
    """Installed without the checkout: docs and survey data come from inside the wheel."""
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index"]
    subprocess.run([*pip, "--target", str(target), str(built["wheel"])], check=True)
    env = process_env({"PYTHONPATH": str(target)})  # the installed copy, not src/

    def python(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], env=env, cwd=tmp_path, capture_output=True, text=True
        )

    where = python("-c", "import lrmkb.about as a; print(a.docs_dir())")
    assert where.stdout.strip() == str(target / "lrmkb" / "_docs"), where.stderr
    result = python("-m", "lrmkb", "docs", "export")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "docs" / "export.md").read_text(encoding="utf-8")
    version = python("-m", "lrmkb", "--version")
    assert version.stdout.endswith(f"{survey_counts()}\n")


def test_source_date_epoch_fixes_the_time_records_get(cli, monkeypatch) -> None:
    """What makes the docs' examples repeatable: the edit log's time is the one given."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1769904000")
    assert cli("edit", "chen2024think", "year=2025").exit_code == 0
    [edit] = json.loads(cli("show", "chen2024think", "--json").stdout)["edits"]
    assert edit["at"] == "2026-02-01T00:00:00Z"
