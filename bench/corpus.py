"""Synthetic libraries of 1k, 10k and 100k papers, built the way a user builds one.

The papers: the survey's own (seeds/papers.bib) plus generated ones that look like a
machine-learning researcher's export — common surnames as often as in the field (Wang, Li,
Zhang, Liu, Chen… share a fifth of all authors, which is what crowds a duplicate check
keyed on first author and year), 1 to 12 authors with LaTeX accents in some names, titles
of 5 to 14 words with `{Protected}` acronyms, years weighted to the last five, arXiv
eprints on 60 %, DOIs on 45 %, abstracts on 60 %, and 1 % second records of an earlier
paper (its published version: the title recased, a DOI instead of the eprint, a year later)
for the duplicate check to find. Everything follows from one seed.

The libraries (cached under bench/out/scale/v{CORPUS_VERSION}-{size}/, rebuilt when the
corpus changes; lrmkb's also when its schema does):

- lrmkb: a copy of the bundled survey database, then `lrmkb import` of the generated
  papers in three files — most with nothing more, 10 % with `--tag to-read --section 4.3`,
  5 % with `--tag reading-group --section 3.1.2` — so tags and sections hold some of the
  user's papers;
- pubs: `pubs init` + `pubs import` of the same papers with the survey's (one .bib);
- papis: one folder per paper with its `info.yaml`, as `papis add` writes, and a
  configuration naming it the default library (given through `PAPIS_CONFIG_DIR`).

    python bench/corpus.py 1000 --peers      # build (or reuse) one size, print its paths"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from harness import LRMKB, OUT, ROOT, SURVEY_DB, peer_bin, private_env, run

CORPUS_VERSION = 2  # bump when the generator changes: cached libraries are rebuilt
WORK = OUT / "scale"
SEED = 17
TAGGED = (("to-read", "4.3", 0.10), ("reading-group", "3.1.2", 0.05))
"""(tag, section, share of the generated papers) for the imports after the first."""

# Word lists are easier to read as sentences than as quoted words.
COMMON_SURNAMES = (  # noqa: SIM905 - the most frequent author surnames in ML papers
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo "
    "Kim Lee Park Singh Kumar Smith Nguyen"
).split()
ACCENTED = [r"M{\"u}ller", r"Garc{\'\i}a", r"{\c{C}}elik", r"J{\o}rgensen", r"Erd{\H{o}}s"]
ACCENTED += [r"Nov{\'a}k", r"Mart{\'\i}nez", r"Sch{\"o}lkopf", r"Bj{\"o}rk", r"L{\'o}pez"]
GIVEN = (  # noqa: SIM905
    "Wei Jing Xin Yu Hao Yi Jun Ming Lei Tao Ana Ben Clara David Elena Farid Grace Hugo "
    "Ines Jonas Kai Lena Marco Nadia Omar Priya Ravi Sofia Tomas Uma Victor Yuki Zoe"
).split()
ML_WORDS = (  # noqa: SIM905 - from the most common in titles to the rarest
    "learning models language large neural training reinforcement efficient graph "
    "representations attention transformer generation evaluation benchmark robust vision "
    "multimodal diffusion optimization policy alignment preference reasoning adaptive "
    "inference scaling retrieval augmented agents planning tool use contrastive decoding "
    "tokens emergent abilities mathematical analysis structure evidence mechanisms latent "
    "features sparse probing interpretability circuits distillation calibration safety "
    "reward verification hallucination budget chain thought self-consistency steering "
    "vectors entropy collapse backtracking faithfulness overthinking"
).split()
ML_WEIGHTS = list(itertools.accumulate((rank + 1) ** -1.5 for rank in range(len(ML_WORDS))))
"""Zipf weights: "learning" is in many titles, "overthinking" in few (as in the field)."""
ACRONYMS = ("{LLM}s", "{RL}", "{GRPO}", "{PPO}", "{CoT}", "{SFT}", "{DeepSeek-R1}", "{RLHF}")
VENUES = (
    ("inproceedings", "booktitle", "Advances in Neural Information Processing Systems"),
    ("inproceedings", "booktitle", "International Conference on Machine Learning"),
    ("inproceedings", "booktitle", "International Conference on Learning Representations"),
    ("inproceedings", "booktitle", "Proceedings of the Annual Meeting of the ACL"),
    ("article", "journal", "Transactions on Machine Learning Research"),
    ("article", "journal", "Nature Machine Intelligence"),
    ("article", "journal", "CoRR"),
    ("misc", "howpublished", "arXiv preprint"),
)


class Corpus:
    """Deterministic generated papers as BibTeX entries (key, type, fields in order)."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"] + ["an", "er", "is"]
        made_up = {
            "".join(self.rng.choice(syllables) for _ in range(self.rng.randint(2, 4)))
            for _ in range(40_000)
        }
        self.words = sorted(made_up)[:30_000]
        self.rng.shuffle(self.words)
        self.rare_surnames = [w.capitalize() for w in self.words[:20_000]] + ACCENTED
        self.keys: set[str] = set()

    def entries(self, count: int) -> Iterator[dict[str, Any]]:
        """`count` entries; every hundredth is a later record of an earlier paper."""
        made: list[dict[str, Any]] = []
        for i in range(count):
            if i % 100 == 99 and made:
                entry = self._published_version(self.rng.choice(made), i)
            else:
                entry = self._paper(i)
                if len(made) < 5000:
                    made.append(entry)
            yield entry

    def _surname(self) -> str:
        if self.rng.random() < 0.22:
            return self.rng.choice(COMMON_SURNAMES)
        return self.rng.choice(self.rare_surnames)

    def _ml_word(self) -> str:
        return self.rng.choices(ML_WORDS, cum_weights=ML_WEIGHTS)[0]

    def _title(self) -> str:
        words = [
            self._ml_word() if self.rng.random() < 0.6 else self.rng.choice(self.words)
            for _ in range(self.rng.randint(5, 14))
        ]
        if self.rng.random() < 0.3:
            words.insert(self.rng.randrange(len(words)), self.rng.choice(ACRONYMS))
        words[0] = words[0][0].upper() + words[0][1:]
        return " ".join(words)

    def _key(self, surname: str, year: int, title: str) -> str:
        """`surname` + year + first title word, lettered on a clash (as Better BibTeX)."""
        base = re.sub(r"[^a-z]", "", surname.lower()) + str(year)
        base += re.sub(r"[^a-z]", "", title.split()[0].lower())
        key, n = base, 0
        while key in self.keys:
            key, n = base + "abcdefghijklmnopqrstuvwxyz"[n % 26] + str(n // 26 or ""), n + 1
        self.keys.add(key)
        return key

    def _paper(self, i: int) -> dict[str, Any]:
        rng = self.rng
        authors = [
            f"{self._surname()}, {rng.choice(GIVEN)}"
            for _ in range(min(12, rng.randint(1, 7) + rng.randint(0, 5)))
        ]
        title = self._title()
        year = rng.choice([2016, 2017, 2018, 2019, 2020, 2021] + [2022, 2023, 2024, 2025] * 3)
        kind, venue_field, venue = rng.choice(VENUES)
        fields: dict[str, str] = {
            "author": " and ".join(authors),
            "title": title,
            "year": str(year),
            venue_field: venue,
        }
        if kind != "misc":
            fields["pages"] = f"{rng.randint(1, 300)}--{rng.randint(301, 600)}"
        if rng.random() < 0.6:
            fields["eprint"] = f"{year % 100:02d}{rng.randint(1, 12):02d}.{i % 100_000:05d}"
            fields["archiveprefix"] = "arXiv"
            fields["primaryclass"] = rng.choice(("cs.CL", "cs.LG", "cs.AI", "stat.ML"))
        if rng.random() < 0.45:
            fields["doi"] = f"10.{rng.randint(1000, 9999)}/scale.{i}"
        if rng.random() < 0.6:
            words = [
                self._ml_word() if rng.random() < 0.25 else rng.choice(self.words)
                for _ in range(rng.randint(80, 220))
            ]
            fields["abstract"] = (
                "We study " + " ".join(words) + r", improving 12\% over prior work."
            )
        key = self._key(authors[0].split(",")[0], year, title)
        return {"key": key, "type": kind, "fields": fields}

    def _published_version(self, earlier: dict[str, Any], i: int) -> dict[str, Any]:
        """The same paper as recorded again: recased title, a DOI, the next year."""
        fields = {
            k: v for k, v in earlier["fields"].items() if k not in ("eprint", "archiveprefix")
        }
        fields.pop("primaryclass", None)
        fields["title"] = fields["title"].lower().replace("{", "").replace("}", "")
        fields["year"] = str(int(fields["year"]) + 1)
        fields["doi"] = f"10.1000/published.{i}"
        surname = fields["author"].split(",")[0]
        key = self._key(surname, int(fields["year"]), fields["title"])
        return {"key": key, "type": "article", "fields": fields}


def bibtex(entry: dict[str, Any]) -> str:
    fields = "".join(f"  {k} = {{{v}}},\n" for k, v in entry["fields"].items())
    return f"@{entry['type']}{{{entry['key']},\n{fields}}}\n"


def survey_bib() -> str:
    """The survey's own papers, as seeds/papers.bib has them."""
    return (ROOT / "seeds" / "papers.bib").read_text(encoding="utf-8")


def survey_keys() -> list[str]:
    return re.findall(r"^@\w+\{([^,]+),", survey_bib(), re.M)


# --- the libraries -----------------------------------------------------------------------


def home(size: int) -> Path:
    return WORK / f"v{CORPUS_VERSION}-{size}"


def generated_bibs(size: int) -> list[tuple[Path, list[str]]]:
    """The generated papers of a `size`-paper library as .bib files, each with the extra
    `lrmkb import` options it is imported with (the survey's papers make up the rest)."""
    where = home(size)
    count = size - len(survey_keys())
    shares = [(None, None, 1 - sum(s for *_, s in TAGGED)), *TAGGED]
    parts = [where / f"part{n}.bib" for n in range(len(shares))]
    if not all(p.exists() for p in parts):
        where.mkdir(parents=True, exist_ok=True)
        entries = list(Corpus().entries(count))
        start = 0
        for n, (_, _, share) in enumerate(shares):
            end = count if n == len(shares) - 1 else start + round(count * share)
            tmp = parts[n].with_suffix(".tmp")
            tmp.write_text("\n".join(bibtex(e) for e in entries[start:end]), encoding="utf-8")
            tmp.replace(parts[n])
            start = end
    options = [[] if tag is None else ["--tag", tag, "--section", code] for tag, code, _ in shares]
    return list(zip(parts, options, strict=True))


def lrmkb_library(size: int) -> Path:
    """The lrmkb database of `size` papers (the survey's + generated), built once per
    schema: a library migrated from an older schema would measure the upgrade, not lrmkb."""
    with closing(sqlite3.connect(f"file:{SURVEY_DB}?mode=ro", uri=True)) as survey:
        schema = survey.execute("PRAGMA user_version").fetchone()[0]
    db = home(size) / f"lrmkb-schema{schema}.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    if size == 0:  # a fresh copy: the bundled database changes with the seeds
        shutil.copyfile(SURVEY_DB, db)
        return db
    if db.exists():
        return db
    tmp = db.with_suffix(".tmp")
    shutil.copyfile(SURVEY_DB, tmp)
    start = time.perf_counter()
    for bib, options in generated_bibs(size):
        run([str(LRMKB), "--db", str(tmp), "import", str(bib), *options])
    (home(size) / f"{db.stem}-import-seconds").write_text(f"{time.perf_counter() - start:.1f}")
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    tmp.replace(db)
    return db


def all_bib(size: int) -> Path:
    """The survey's papers and the generated ones in one .bib, for the peers."""
    path = home(size) / "all.bib"
    if not path.exists():
        text = survey_bib() + "\n" + "\n".join(p.read_text() for p, _ in generated_bibs(size))
        path.write_text(text, encoding="utf-8")
    return path


def pubs_library(size: int) -> dict[str, Any]:
    """`pubs import` of the whole library, once; the command line and environment."""
    where = home(size) / "pubs"
    env = private_env(where / "home")
    cmd = [str(peer_bin("pubs")), "-c", str(where / "pubsrc")]
    if not (where / "done").exists():
        shutil.rmtree(where, ignore_errors=True)
        where.mkdir(parents=True)
        run([*cmd, "init", "-p", str(where / "repo")], env=env)
        run([*cmd, "import", str(all_bib(size))], env=env)
        (where / "done").touch()
    return {"cmd": cmd, "env": env}


def papis_library(size: int) -> dict[str, Any]:
    """A papis library of the same papers: one folder per paper with its `info.yaml` (JSON
    is YAML), made once; the configuration is found through `PAPIS_CONFIG_DIR`."""
    where = home(size) / "papis"
    config = where / "config"
    env = private_env(where / "home", PAPIS_CONFIG_DIR=str(config))
    if not (where / "done").exists():
        shutil.rmtree(where, ignore_errors=True)
        library = where / "library"
        for entry in _bib_entries(all_bib(size)):
            folder = library / entry["ref"]
            folder.mkdir(parents=True)
            (folder / "info.yaml").write_text(json.dumps(entry, ensure_ascii=False))
        config.mkdir(parents=True)
        (config / "config").write_text(
            f"[settings]\ndefault-library = bench\n\n[bench]\ndir = {library}\n"
        )
        (where / "done").touch()
    return {"cmd": [str(peer_bin("papis"))], "env": env}


def _bib_entries(path: Path) -> Iterator[dict[str, Any]]:
    """A .bib as papis documents (`ref`, `type`, fields), read by bibtexparser."""
    import bibtexparser

    for entry in bibtexparser.parse_string(path.read_text(encoding="utf-8")).entries:
        doc: dict[str, Any] = {"ref": entry.key, "type": entry.entry_type}
        yield doc | {f.key.lower(): f.value for f in entry.fields}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int, help="papers in the library (0: the survey alone)")
    parser.add_argument("--peers", action="store_true", help="also the pubs and papis libraries")
    args = parser.parse_args()
    built: dict[str, Any] = {"lrmkb": str(lrmkb_library(args.size))}
    if args.peers:
        built["pubs"] = pubs_library(args.size)["cmd"]
        built["papis"] = papis_library(args.size)["env"]["PAPIS_CONFIG_DIR"]
    json.dump(built, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
