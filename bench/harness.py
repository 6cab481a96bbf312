"""Timing whole processes, as a user waits for them, and the peers lrmkb is compared with.

- `measure(cmd)`: wall seconds and peak RSS of one process (and the processes it waits
  for), started from a small launcher so the harness's own memory never counts;
- `Samples`: repeated measurements, reported as median and range;
- `peer(name)`: papis or pubs, each in its own virtual environment under bench/.venvs/
  (installed from PyPI on first use), with a private HOME so no user setting changes what
  is measured. papis 0.16 ignores `--config FILE` for the library it lists, so its
  configuration goes where papis reads it: the folder named by `PAPIS_CONFIG_DIR`.

Every script under bench/ that runs processes uses these; none imports lrmkb."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
OUT = BENCH / "out"
VENVS = BENCH / ".venvs"
LRMKB = ROOT / ".venv" / "bin" / "lrmkb"
PYTHON = ROOT / ".venv" / "bin" / "python"
SURVEY_DB = ROOT / "data" / "survey.db"
FLOOR = [str(PYTHON), "-c", "import sqlite3"]
"""The Python floor: the least any Python command-line tool pays before its first line of
work (the interpreter, `site`, and sqlite3)."""

PARSE = "import sys, bibtexparser; bibtexparser.parse_string(open(sys.argv[1], encoding='utf-8').read())"
"""A process that only parses a .bib file (`python -c PARSE FILE`), next to which an
import is timed."""

PEER_PACKAGES = {"papis": ["papis"], "pubs": ["pubs", "bibtexparser<2"]}

# Runs one command and prints its wall seconds, peak RSS (KB) and exit status. A child's
# peak RSS starts at its parent's, so this launcher (python -S, ~8 MB) stands between the
# harness and the tool; it also keeps the harness's own start-up out of the timing. The
# command's stdin is empty and its output goes nowhere (a pipe that is never read could
# block it; a terminal would change what lrmkb draws).
LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
cpu = usage.ru_utime + usage.ru_stime
print(time.perf_counter() - start, cpu, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


class BenchError(Exception):
    """A benchmark could not be run as designed (a command failed, a peer found nothing)."""


def measure(
    cmd: Sequence[str], env: dict[str, str] | None = None, ok: Sequence[int] = (0,)
) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one whole process.
    `ok` lists the exit codes that mean it did its job (`doctor` exits 1 when it finds
    problems); any other is an error. Peak RSS is the largest process of the command's
    tree (Linux `ru_maxrss`), not a sum. CPU time is reported beside wall time because a
    shared machine stretches the wall time of whatever waits for a core."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, *cmd], env=env, capture_output=True, text=True
    )
    seconds, cpu, rss_kb, code = done.stdout.split()
    if int(code) not in ok:
        raise BenchError(f"exit {code}: {' '.join(cmd)}")
    return float(seconds), float(cpu), int(rss_kb) / 1024


@dataclass
class Samples:
    """Repeated measurements of one command: wall and CPU seconds, peak RSS (MB)."""

    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)

    def add(self, sample: tuple[float, float, float]) -> None:
        self.seconds.append(sample[0])
        self.cpu.append(sample[1])
        self.rss_mb.append(sample[2])

    def summary(self) -> dict[str, float]:
        """Median and range of the wall time in milliseconds, the median CPU time, and
        the largest peak RSS in MB."""
        ms = sorted(s * 1000 for s in self.seconds)
        return {
            "ms": round(statistics.median(ms), 1),
            "ms_min": round(ms[0], 1),
            "ms_max": round(ms[-1], 1),
            "cpu_ms": round(statistics.median(self.cpu) * 1000, 1),
            "rss_mb": round(max(self.rss_mb), 1),
            "runs": len(ms),
        }


def run(
    cmd: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a set-up step; its failure stops the benchmark with the step's error output."""
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(
            f"failed ({done.returncode}): {' '.join(map(str, cmd))}\n{done.stderr[-2000:]}"
        )
    return done


def fresh_copy(source: Path, target: Path) -> None:
    """Copy a database, never letting an old `-wal` log of `target` replay onto the copy."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)


def private_env(home: Path, **extra: str) -> dict[str, str]:
    """A private HOME, config and cache, so no user setting changes what is measured."""
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / "config"))
    env["XDG_CACHE_HOME"] = str(home / "cache")
    env["XDG_DATA_HOME"] = str(home / "data")
    for name in ("LRMKB_DB", "PAPIS_CONFIG_DIR", "PAPIS_DEBUG", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    env.update(extra)
    return env


def peer_bin(name: str) -> Path:
    """bench/.venvs/NAME/bin/NAME, the virtual environment created from PyPI on first use."""
    venv = VENVS / name
    exe = venv / "bin" / name
    if not exe.exists():
        print(f"installing {name} into {venv} (PyPI)…", file=sys.stderr)
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(venv / "bin" / "pip"), "install", "--quiet", *PEER_PACKAGES[name]])
    return exe


def version(name: str) -> str:
    """The installed version of a peer."""
    code = f"import importlib.metadata as m; print(m.version({name!r}))"
    return run([str(VENVS / name / "bin" / "python"), "-c", code]).stdout.strip()
