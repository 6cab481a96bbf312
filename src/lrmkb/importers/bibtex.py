"""BibTeX → paper fields. Shared by the seeds builder (`paper_fields`) and `lrmkb import`
(`read_bib`, then `parse_bib`, which decodes LaTeX to Unicode with `latex.decode_latex`).

`parse_bib` runs bibtexparser without its default middlewares (it resolves `@string`s and
removes enclosing braces itself, and only in the fields lrmkb reads) and, for a big file
on a machine with several cores, in several processes at once: see `BibParse`."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import BadInput, UsageError
from ..ids import parse_arxiv_id, parse_doi
from .latex import decode_latex

VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "howpublished", "school", "institution")
"""Where a paper appeared, in order of preference (`journaltitle` is BibLaTeX's `journal`)."""
USED_FIELDS = frozenset(
    [
        "author",
        "editor",
        "title",
        "year",
        "date",
        "eprint",
        "archiveprefix",
        "eprinttype",
        "volume",
        "pages",
        "publisher",
        "note",
        "doi",
        "url",
        "code",
        "shortname",
        "abstract",
        "idsource",
    ]
).union(VENUE_FIELDS)  # what `paper_fields` reads; the rest of an entry is not decoded
_AND_RE = re.compile(r"\s+and\s+", re.I)
_BRACE_OR_AND_RE = re.compile(r"[{}]|\s+and\s+", re.I)
_CASE_BRACE_RE = re.compile(r"(?<!\\)[{}]")
_SPACE_MAKERS_RE = re.compile(r"[~$]|\\[ ,;]")  # LaTeX that decodes to a space


def split_authors(value: str, *, latex: bool = False) -> tuple[list[str], bool]:
    """Split a BibTeX name list on top-level `and`; a final `others` becomes a flag.
    With `latex`, each name is also decoded to Unicode."""
    if latex and _SPACE_MAKERS_RE.search(value):  # decoding could make an `and` of these
        value, latex = decode_latex(value, keep_braces=True), False
    # without braces a plain split is the common case, and gives what the walk gives
    names = _split_grouped(value) if "{" in value else _AND_RE.split(value)
    names = [(_latex_name if latex else normalise_name)(n) for n in names if n.strip()]
    more = bool(names) and names[-1].lower() == "others"
    return (names[:-1] if more else names), more


def _split_grouped(value: str) -> list[str]:
    """Split on `and` outside braces: `{Barnes and Noble}` is one name."""
    names, depth, start = [], 0, 0
    for m in _BRACE_OR_AND_RE.finditer(value):
        token = m.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            names.append(value[start : m.start()])
            start = m.end()
    names.append(value[start:])
    return names


@lru_cache(maxsize=4096)
def normalise_name(name: str) -> str:
    """`Last, First` → `First Last`; whitespace folded; protective braces dropped.
    (Cached: a bibliography names the same people entry after entry.)"""
    name = " ".join(name.split())
    parts = [p.strip() for p in _top_level_split(name, ",")] if "," in name else []
    if len(parts) == 2:
        name = f"{parts[1]} {parts[0]}"
    elif len(parts) == 3:  # von Last, Jr, First
        name = f"{parts[2]} {parts[0]} {parts[1]}"
    return strip_braces(name).strip()


@lru_cache(maxsize=4096)
def _latex_name(name: str) -> str:
    """One name decoded and normalised: split first, decoded after, each person once."""
    return normalise_name(decode_latex(name, keep_braces=True))


def _top_level_split(text: str, sep: str) -> list[str]:
    """Split on `sep` outside braces: `{Barnes and Noble, Inc.}` is one corporate name,
    while `{\\c{C}}elik, Ayşe` is `Last, First`."""
    if "{" not in text:
        return text.split(sep)
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def strip_braces(text: str) -> str:
    """Remove the braces BibTeX uses for case protection (`{LLM}s` → `LLMs`)."""
    return _CASE_BRACE_RE.sub("", text) if "{" in text or "}" in text else text


# --- entries → paper fields -----------------------------------------------------------------


_YEAR_RE = re.compile(r"\d{4}")


def _same(text: str) -> str:
    return text


def paper_fields(fields: dict[str, str], entry_type: str, *, latex: bool = False) -> dict[str, Any]:
    """Map a BibTeX entry's fields onto `Paper` columns.

    The seeds are plain Unicode already (`latex=False`: only case braces are stripped
    from title and venue); an imported file's text is decoded from LaTeX (`latex=True`)
    and its title as written is kept in `title_latex` for export."""
    return _paper({k.lower(): " ".join(v.split()) for k, v in fields.items()}, entry_type, latex)


def _paper(f: dict[str, str], entry_type: str, latex: bool) -> dict[str, Any]:
    """`paper_fields` for fields already keyed in lower case, whitespace folded."""
    text: Callable[[str], str] = decode_latex if latex else strip_braces
    prose: Callable[[str], str] = decode_latex if latex else _same
    names = f.get("author", "") or f.get("editor", "")
    authors, more = split_authors(names, latex=latex)
    title_raw = f.get("title", "")
    title = text(title_raw)
    if title is not title_raw:  # decoding can leave doubled spaces; the input has none
        title = " ".join(title.split())
    year_match = _YEAR_RE.search(f.get("year") or f.get("date", ""))  # BibLaTeX: date
    arxiv = None
    archive = f.get("archiveprefix") or f.get("eprinttype") or "arxiv"  # BibTeX, BibLaTeX
    if f.get("eprint") and archive.lower() == "arxiv":
        arxiv = parse_arxiv_id(f["eprint"])
    venue = next(filter(None, map(f.get, VENUE_FIELDS)), None)
    return {
        "title": title,
        "title_latex": title_raw if title_raw != title else None,
        "authors": authors,
        "authors_more": more,
        "year": int(year_match.group()) if year_match else None,
        "venue": text(venue) if venue else None,
        "entry_type": entry_type.lower(),
        "volume": _opt(prose, f.get("volume")),
        "pages": _opt(prose, f.get("pages")),
        "publisher": _opt(prose, f.get("publisher")),
        "note": _opt(prose, f.get("note")),
        "arxiv_id": arxiv.id if arxiv else None,
        "arxiv_version": arxiv.version if arxiv else None,
        "doi": parse_doi(f["doi"]) if f.get("doi") else None,
        "url": f.get("url"),
        "code_url": f.get("code"),
        "short_name": _opt(prose, f.get("shortname")),
        "abstract": _opt(prose, f.get("abstract")),
        "id_source": f.get("idsource"),
    }


def _opt(convert: Callable[[str], str], value: str | None) -> str | None:
    return convert(value) if value else None


# --- reading a user's .bib file -------------------------------------------------------------


@dataclass(slots=True)
class BibEntry:
    """One usable entry: where it is in the file and its paper fields."""

    line: int  # 1-based line of the `@type{key,`
    bibkey: str
    fields: dict[str, Any]


@dataclass(slots=True)
class BibProblem:
    """An entry that cannot be used, with the line where it starts and why."""

    line: int
    bibkey: str | None
    reason: str


def read_bib(path: Path) -> tuple[str, str]:
    """The file's text and the encoding it was read with.

    UTF-8 (with or without BOM) is expected; Windows-1252, then Latin-1, is the fallback
    older exports need. UTF-16 and binary files are refused: decoding them as
    Latin-1 would import garbage."""
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:65536]:
        raise BadInput(
            f"{path} is not a text BibTeX file (UTF-16 or binary)",
            "export it again as UTF-8 and retry",
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding.removesuffix("-sig")
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


MAX_FIELD_CHARS = 200_000  # ten times a long abstract; more is a broken file, not metadata
PARTS_PER_JOB = 6
COUNTER_WAIT_S = 10.0  # an update of the shared chunk counter takes microseconds
PARALLEL_MIN_CHARS = 1_000_000
"""A file this big (about 3,000 entries) is parsed by several processes when the machine
has the cores: starting one costs ~5 ms, parsing a million characters ~0.2 s."""
MAX_JOBS = 4
_KEY_IN_RAW_RE = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s]+)")
_BLOCK_START_RE = re.compile(r"\n(@\w*[ \t]*[{(])")  # as bibtexparser's, at a line start
_STRING_START_RE = re.compile(r"@[sS][tT][rR][iI][nN][gG][ \t]*[{(]")  # re.I: 15× slower
Item = tuple[str, int, str | None, Any]
"""One block of a file in `parse_bib`'s terms: (kind, line, key, payload) — an "entry" with
its `BibEntry` or the reason it cannot be used, a "string" with its raw value, or a
"problem" (a block bibtexparser could not split) with its `BibProblem`."""


def parse_bib(text: str, *, jobs: int | None = None) -> tuple[list[BibEntry], list[BibProblem]]:
    """Every entry of a .bib text, split into usable ones and problems (never raises
    for bad entries: one broken entry must not cost the user the rest)."""
    parse = BibParse(text, jobs)
    for _ in parse.batches():
        pass
    return parse.result()


class BibParse:
    """A .bib text parsed in parts, by `jobs` processes at once for a big file (default
    `import_jobs`; bibtexparser is pure Python, so threads would only take turns).

    `batches()` yields the usable entries of each part as soon as it is parsed, in file
    order, so that a caller can work on them while the rest is parsed; `result()` gives
    the whole file's entries and problems — exactly what one process parsing the whole
    file finds. When the two differ (`revised` after the batches: a key used again in a
    later part, an `@string` the read-ahead missed, a worker that died), a caller that
    acted on the batches starts again from `result()`."""

    def __init__(self, text: str, jobs: int | None = None) -> None:
        self.text = text
        self.jobs = import_jobs(len(text)) if jobs is None else jobs
        self.revised = False
        self._result: tuple[list[BibEntry], list[BibProblem]] | None = None

    def batches(self) -> Iterator[list[BibEntry]]:
        chunks = [Chunk(self.text)]
        if self.jobs > 1 and _can_fork():
            chunks = cut(self.text, self.jobs * PARTS_PER_JOB)
        strings = string_definitions(self.text) if len(chunks) > 1 else None
        resolver = Resolver()
        with _quiet_splitter():
            try:
                for items in _parse_chunks(chunks, strings, self.jobs):
                    yield resolver.add(items)
            except EOFError:  # a worker ended without an answer: `result()` parses alone
                self.revised = True
                return
        entries, problems, found = resolver.finish()
        self.revised = resolver.revised or (strings is not None and found != strings)
        if strings is None or found == strings:
            self._result = entries, problems

    def result(self) -> tuple[list[BibEntry], list[BibProblem]]:
        if self._result is None:
            with _quiet_splitter():
                items = read_chunk(Chunk(self.text))
            resolver = Resolver()
            resolver.add(items)
            self._result = resolver.finish()[:2]
        return self._result


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def import_jobs(size: int) -> int:
    """How many processes parse a file of `size` characters: `LRMKB_IMPORT_JOBS` if set,
    else one per core (at most `MAX_JOBS`, one per half `PARALLEL_MIN_CHARS`) — where
    forking is safe: on Linux, with no other thread running."""
    import threading

    value = os.environ.get("LRMKB_IMPORT_JOBS", "").strip()
    if value and not (value.isdigit() and 1 <= int(value) <= 64):
        raise UsageError(
            f"LRMKB_IMPORT_JOBS must be a number of processes (1-64), not {value!r}",
            "fix or unset it",
        )
    if sys.platform != "linux" or threading.active_count() > 1:
        return 1
    if value:
        return int(value)
    if size < PARALLEL_MIN_CHARS:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_JOBS, 2 * size // PARALLEL_MIN_CHARS))


@dataclass(slots=True)
class Chunk:
    """A run of whole blocks of a file. All but the last end with the opening `@type{` of
    the next chunk's first block: a block left open before it then fails exactly as it
    does in the whole file, where bibtexparser gives up on it at that line-start `@`."""

    text: str
    first_line: int = 0  # lines of the file before it
    next_line: int | None = None  # its own line of the next chunk's `@type{`, if any


def cut(text: str, parts: int) -> list[Chunk]:
    """`text` in up to `parts` chunks of similar size, cut before blocks that start a
    line (where bibtexparser starts a new block whatever it was doing)."""
    starts, marks = [0], []
    for k in range(1, parts):
        m = _BLOCK_START_RE.search(text, max(len(text) * k // parts, starts[-1]))
        if m is None:
            break
        starts.append(m.start(1))
        marks.append(m.group(1))
    chunks, first_line = [], 0
    for start, end, mark in zip(starts[:-1], starts[1:], marks, strict=True):
        body = text[start:end]
        chunks.append(Chunk(body + mark, first_line, body.count("\n")))
        first_line += chunks[-1].next_line or 0
    return [*chunks, Chunk(text[starts[-1] :], first_line)]


def _parse_chunks(
    chunks: list[Chunk], strings: dict[str, str] | None, jobs: int
) -> Iterator[list[Item]]:
    """The items of each chunk, in order. `jobs - 1` forked workers take chunks in turn
    and send them back as each is done; this process parses the first chunk, and while
    it waits for one a worker is still parsing, it takes the next free chunk itself — so
    that however long the caller takes with each batch, no process waits while there is
    parsing left."""
    if len(chunks) == 1:
        yield read_chunk(chunks[0], strings)
        return
    import multiprocessing
    import pickle

    context = multiprocessing.get_context("fork")
    taken = context.Value("i", 1)  # chunks before this one are taken (0 by this process)
    workers, receivers = [], []
    try:
        for _ in range(min(jobs - 1, len(chunks) - 1)):
            receiver, sender = context.Pipe(duplex=False)
            receivers.append(receiver)
            # the worker closes its copies of the read ends: a dead parent then breaks the pipe
            args = (sender, list(receivers), chunks, taken, strings)
            worker = context.Process(target=_work, args=args)
            worker.daemon = True
            worker.start()
            sender.close()
            workers.append(worker)
        yield read_chunk(chunks[0], strings)
        ready: dict[int, list[Item] | bytes] = {}  # parsed here, or pickled by a worker
        for n in range(1, len(chunks)):
            while n not in ready:
                _collect(receivers, ready, block=False)
                if n in ready:
                    break
                if (m := _next(taken, len(chunks))) is not None:  # work ahead, not wait
                    ready[m] = read_chunk(chunks[m], strings)
                elif not receivers:
                    raise EOFError(f"the worker that took part {n} ended without it")
                else:
                    _collect(receivers, ready, block=True)
            done = ready.pop(n)
            yield pickle.loads(done) if isinstance(done, bytes) else done
    finally:
        for worker in workers:
            if worker.exitcode is None:
                worker.terminate()
            worker.join()


def _collect(receivers: list[Any], ready: dict[int, Any], *, block: bool) -> None:
    """Read what the workers have sent (waiting for something when `block`); a worker
    whose pipe closed has ended — done with its chunks, or dead."""
    from multiprocessing.connection import wait

    for receiver in wait(receivers, None if block else 0):
        try:
            n = int(receiver.recv_bytes())
            ready[n] = receiver.recv_bytes()
        except EOFError:
            receivers.remove(receiver)


def _work(
    sender: Any,
    receivers: list[Any],
    chunks: list[Chunk],
    taken: Any,
    strings: dict[str, str] | None,
) -> None:
    """A worker process: take the next chunk nobody has taken, parse it, hand it to a
    thread that sends it while the next is parsed (the parent reads when it is ready),
    until none is left or the parent is gone; then end at once — without the clean-up of
    an ordinary exit, which would flush the parent's output buffers a second time. On
    any failure it just ends: the parent then parses the file alone (and meets the
    failure itself, if it is a bug)."""
    import pickle
    import queue
    import threading

    for receiver in receivers:
        receiver.close()
    parent = os.getppid()
    outbox: queue.Queue[tuple[int, bytes] | None] = queue.Queue()

    def send() -> None:
        with contextlib.suppress(OSError):  # the parent is gone
            while (message := outbox.get()) is not None:
                sender.send_bytes(str(message[0]).encode())
                sender.send_bytes(message[1])

    thread = threading.Thread(target=send)
    thread.start()
    try:
        while thread.is_alive() and os.getppid() == parent:
            n = _next(taken, len(chunks))
            if n is None:
                break
            items = read_chunk(chunks[n], strings)
            outbox.put((n, pickle.dumps(items, pickle.HIGHEST_PROTOCOL)))
        outbox.put(None)
        thread.join()
    finally:
        os._exit(0)  # the pipe closes with the process


def _next(taken: Any, count: int) -> int | None:
    """Take the next chunk nobody has taken, if any. A process killed while it held the
    counter's lock would leave the others waiting forever: they give up instead."""
    lock = taken.get_lock()
    if not lock.acquire(timeout=COUNTER_WAIT_S):
        raise EOFError("a parse process died holding the chunk counter")
    try:
        n = taken.value
        if n >= count:
            return None
        taken.value = n + 1
        return n
    finally:
        lock.release()


def string_definitions(text: str) -> dict[str, str]:
    """The `@string`s of a file, found before it is parsed, as `resolve` reads them from
    the parse (each block from its `@string` to the next line-start block)."""
    starts = [
        m.start()
        for m in _STRING_START_RE.finditer(text)
        if not text[text.rfind("\n", 0, m.start()) + 1 : m.start()].strip(" \t")
    ]
    if not starts:
        return {}
    blocks = []
    for start in starts:
        end = _BLOCK_START_RE.search(text, start + 1)
        blocks.append(text[start : end.start() if end else len(text)])
    return _string_values(_split("\n".join(blocks)))


def read_chunk(chunk: Chunk, strings: dict[str, str] | None = None) -> list[Item]:
    """The blocks of one chunk as `Item`s, entries converted with `strings` (default: the
    chunk's own `@string`s — right when the chunk is the whole file)."""
    library = _split(chunk.text)
    blocks = library.blocks
    while chunk.next_line is not None and blocks and blocks[-1].start_line >= chunk.next_line:
        blocks = blocks[:-1]  # the next chunk's `@type{`: parsed there
    with collector_paused():
        return _items(blocks, _string_values(library) if strings is None else strings, chunk)


def _split(text: str) -> Any:
    """bibtexparser's split. A block it gave up on keeps the exception, whose traceback
    holds the parse's frames and through them the whole library: a reference cycle,
    which only the garbage collector would free — and an import pauses it."""
    import bibtexparser

    library = bibtexparser.parse_string(text, parse_stack=[])
    for block in library.failed_blocks:
        if isinstance(error := getattr(block, "error", None), BaseException):
            error.__traceback__ = None
    return library


def _string_values(library: Any) -> dict[str, str]:
    """`@string` names (case-insensitive) → raw values, as bibtexparser's middleware reads
    them: the first definition of a name counts."""
    return {key.lower(): s.value for key, s in library.strings_dict.items()}


def _items(blocks: list[Any], strings: dict[str, str], chunk: Chunk) -> list[Item]:
    from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock, String

    items: list[Item] = []
    for block in blocks:
        if isinstance(block, DuplicateBlockKeyBlock):  # `resolve` finds duplicates file-wide
            block = block.ignore_error_block
        line = block.start_line + 1 + chunk.first_line
        if isinstance(block, Entry):
            items.append(("entry", line, block.key, _entry(block, line, strings)))
        elif isinstance(block, String):
            items.append(("string", line, block.key, block.value))
        elif isinstance(block, ParsingFailedBlock):
            items.append(("problem", line, None, _problem(block, line)))
    return items


def _entry(entry: Any, line: int, strings: dict[str, str]) -> BibEntry | str:
    """An entry's paper fields, or why they cannot be used."""
    fields, reason = _usable_fields(entry.fields, strings)
    if reason is not None:
        return reason
    paper = _paper(fields, entry.entry_type, latex=True)
    return BibEntry(line, entry.key, paper) if paper["title"] else "no title"


class Resolver:
    """A file's items, part after part, registered as bibtexparser's `Library` registers
    keys: the first entry (or `@string`) of a key counts, a later one is a duplicate —
    and then neither is used, since which of the two the user's citations mean is
    unknown. `add` returns the entries usable so far; `revised` says that one of them
    later turned out to share its key."""

    def __init__(self) -> None:
        self.entries: dict[str, Item] = {}  # key → its first entry
        self.string_keys: set[str] = set()
        self.strings: dict[str, str] = {}
        self.problems: list[BibProblem] = []
        self.duplicated: dict[str, int] = {}  # key → line of its last duplicate
        self.given: set[str] = set()  # keys of the entries `add` returned
        self.revised = False

    def add(self, items: list[Item]) -> list[BibEntry]:
        usable = []
        for item in items:  # in file order
            kind, line, key, payload = item
            if kind == "problem":
                self.problems.append(payload)
            elif key in (self.entries if kind == "entry" else self.string_keys):
                self.problems.append(BibProblem(line, key, f"duplicate key {key!r} in the file"))
                if kind == "entry":
                    self.duplicated[key] = line
                    self.revised |= key in self.given
            elif kind == "entry":
                self.entries[key] = item
                if isinstance(payload, BibEntry):
                    usable.append(payload)
            else:
                self.string_keys.add(key)
                self.strings[key.lower()] = payload
        usable = [e for e in usable if e.bibkey not in self.duplicated]
        self.given.update(e.bibkey for e in usable)
        return usable

    def finish(self) -> tuple[list[BibEntry], list[BibProblem], dict[str, str]]:
        """Usable entries, problems (by line) and `@string` values of the whole file."""
        entries, problems = [], list(self.problems)
        for key, (_, line, _, payload) in self.entries.items():
            if key in self.duplicated:
                reason = f"duplicate key {key!r} in the file (again at line {self.duplicated[key]})"
                problems.append(BibProblem(line, key, reason))
            elif isinstance(payload, BibEntry):
                entries.append(payload)
            else:
                problems.append(BibProblem(line, key, payload))
        problems.sort(key=lambda p: p.line)
        return entries, problems, self.strings


def _usable_fields(fields: list[Any], strings: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """The fields lrmkb reads — `@string`s resolved, unenclosed, keyed in lower case,
    whitespace folded — or why the entry cannot be trusted: a bare word is an `@string`
    the file never defines, and a field of megabytes is not metadata."""
    usable = {}
    for f in fields:
        name = f.key.lower()
        if name not in USED_FIELDS:
            continue
        value = f.value  # stripped by the splitter
        bare = not value or value[0] not in '{"'
        if bare and strings:
            # as `ResolveStringReferencesMiddleware` does: a name never starts with { or "
            value = strings.get(value.lower(), value).strip()
            bare = not value or value[0] not in '{"'
        if len(value) > MAX_FIELD_CHARS:
            return {}, f"field {f.key} is too long ({len(value):,} characters)"
        if bare and value and not value.isdigit():
            return {}, f"{f.key} uses an undefined @string: {value[:40]}"
        usable[name] = " ".join(unenclose(value).split())
    return usable, None


@contextmanager
def _quiet_splitter() -> Iterator[None]:
    """bibtexparser logs a warning for each block it gives up on; lrmkb reports those
    itself, and the warnings would otherwise reach the user's terminal."""
    splitter_log = logging.getLogger("bibtexparser.splitter")
    level = splitter_log.level
    splitter_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        splitter_log.setLevel(level)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused, as bulk loaders do. What an import builds
    after the parse (a few objects per entry) lives until the import ends and holds no
    reference cycles, yet every 25% of growth makes the collector walk the whole heap again
    (0.05-0.15 s each time, once or twice in a 10,000-entry import) to free nothing. Memory
    is still freed as usual, and the collector runs again afterwards unless the caller had
    paused it. (bibtexparser's parse runs outside the pause, as it would on its own.)"""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def unenclose(value: str) -> str:
    """A field value without the `{…}` or `"…"` around the whole of it (`{A} and {B}` keeps
    its braces: they are two groups, not one enclosing pair)."""
    value = value.strip()
    if len(value) < 2:
        return value
    if value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    if value[0] != "{" or value[-1] != "}":
        return value
    if value.count("{") == 1:
        return value[1:-1]
    depth = 0
    for m in _CASE_BRACE_RE.finditer(value, 0, len(value) - 1):
        depth += 1 if m.group() == "{" else -1
        if depth == 0:
            return value  # the first group closes before the end
    return value[1:-1]


def _problem(block: Any, line: int) -> BibProblem:
    """Say why bibtexparser gave up on a block, in the user's terms."""
    from bibtexparser.model import DuplicateFieldKeyBlock

    if isinstance(block, DuplicateFieldKeyBlock):
        inner = block.ignore_error_block
        dupes = ", ".join(sorted(block.duplicate_keys))
        return BibProblem(line, getattr(inner, "key", None), f"duplicate field(s): {dupes}")
    key_match = _KEY_IN_RAW_RE.match(block.raw or "")
    message = " ".join(str(getattr(block.error, "abort_reason", block.error)).split())
    if "closing" in message:
        reason = "unbalanced braces or quotes"
    elif "comma after entry key" in message:
        reason = "no comma after the entry key"
    else:
        reason = message.split(":", 1)[-1].strip() or "cannot be parsed"
    return BibProblem(line, key_match[1] if key_match else None, reason)
