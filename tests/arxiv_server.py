"""A local stand-in for the arXiv API on 127.0.0.1 that replays recorded answers, so the
real `arxiv` client runs end to end without the network.

Answers come from two folders, each with a `manifest.json` in the format of
`tests/fixtures/arxiv-recorded/manifest.json` (`file`, `request_url`, `http_status`): the
real recordings there, and ours in `tests/fixtures/arxiv/` (see its README). A request is
matched on its `id_list` parameter. Our manifest may add `headers` and `delay_seconds`, and
may name the same `id_list` several times: those answers are served in order, one per
request, the last one repeating (a 429, then the feed). An `id_list` with no recording gets
a 404, so a test that asks for something unrecorded fails loudly. A test may add hostile
answers of its own to `.routes` (a `Reply` that drips, a gzip bomb, odd headers).

Searches (`search_query=`) are answered from `SearchArchive`: the entries of the real
search responses in `tests/fixtures/arxiv-recorded/` and of our synthetic feed in
`tests/fixtures/arxiv-search/` (see its README),
filtered by a small evaluator of arXiv's query syntax, sorted as asked, paged by `start`
and `max_results`, in the layout of the real search response there. A test can publish
new entries, queue canned answers (a 429, a 5xx, an HTML page), refuse a query as arXiv
refuses one it cannot read (HTTP 400 with an `Error` entry), slow or hold requests,
and overstate `totalResults` (arXiv's totals are estimates: the last page comes back
empty).

Use the `arxiv_api` fixture: it points `LRMKB_ARXIV_API` at the server, keeps retries
short, sets no politeness delay, and records every `id_list` asked for in `.requests`
and every search in `.searches`."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

try:
    import pytest
except ImportError:  # run by hand after `make demo`, which installs no test tools
    pytest = None  # type: ignore[assignment]

# (conftest.FIXTURES, which needs pytest: this file also runs without it)
FIXTURES = Path(__file__).resolve().parent / "fixtures"
OURS = FIXTURES / "arxiv"
RECORDED = FIXTURES / "arxiv-recorded"
SEARCH_FEEDS = FIXTURES / "arxiv-search"
_ID_LIST_RE = re.compile(r"id_list=([^&\s]*)")
_CONTENT_TYPES = {".xml": "application/atom+xml; charset=UTF-8", ".html": "text/html"}


@dataclass
class Reply:
    """One answer. A hostile one may `delay` before it starts, or `drip` its body one
    byte every `drip` seconds (headers first), as a server that never quite stalls."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float = 0.0


def load_replies(*folders: Path) -> dict[str, list[Reply]]:
    """id_list → the answers to give, in order, from each folder's manifest."""
    routes: dict[str, list[Reply]] = defaultdict(list)
    for folder in folders:
        for item in json.loads((folder / "manifest.json").read_text(encoding="utf-8")):
            found = _ID_LIST_RE.search(item["request_url"])
            if not found or not found[1]:
                continue  # a search query, not an id lookup
            source = next(p for p in (folder / item["file"], RECORDED / item["file"]) if p.exists())
            content_type = _CONTENT_TYPES.get(source.suffix, "text/plain")
            routes[unquote(found[1])].append(
                Reply(
                    item["http_status"],
                    source.read_bytes(),
                    {"Content-Type": content_type, **item.get("headers", {})},
                    item.get("delay_seconds", 0.0),
                )
            )
    return routes


class ArxivReplay:
    """The server's state: what to answer, and what was asked."""

    def __init__(self, routes: dict[str, list[Reply]]) -> None:
        self.routes = routes
        self.requests: list[str] = []
        self.served: Counter[str] = Counter()
        self.stopping = threading.Event()
        self.url = ""
        self.search = SearchArchive(self.stopping)

    def reply_for(self, id_list: str) -> Reply:
        self.requests.append(id_list)
        replies = self.routes.get(id_list)
        if not replies:
            return Reply(404, f"no recorded answer for id_list={id_list}".encode())
        n = self.served[id_list]
        self.served[id_list] += 1
        return replies[min(n, len(replies) - 1)]


def _handler(replay: ArxivReplay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            if query.get("search_query", [""])[0]:
                reply = replay.search.answer({k: v[0] for k, v in query.items()}, self.headers)
            else:
                reply = replay.reply_for(query.get("id_list", [""])[0])
            if reply.delay and replay.stopping.wait(reply.delay):
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            # the client may have given up waiting: that is what the timeout test wants
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                if not reply.drip:
                    self.wfile.write(reply.body)
                for n in range(len(reply.body) if reply.drip else 0):
                    self.wfile.write(reply.body[n : n + 1])
                    self.wfile.flush()
                    if replay.stopping.wait(reply.drip):
                        return

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def start(port: int = 0) -> tuple[ArxivReplay, ThreadingHTTPServer]:
    """The stand-in, serving on 127.0.0.1:`port` (0: any free port) from a thread."""
    replay = ArxivReplay(load_replies(RECORDED, OURS))
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(replay))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    replay.url = f"http://127.0.0.1:{server.server_address[1]}/api/query"
    return replay, server


@contextlib.contextmanager
def serving() -> Iterator[ArxivReplay]:
    """A replaying arXiv API on 127.0.0.1 while the block runs (its URL in `.url`)."""
    replay, server = start()
    try:
        yield replay
    finally:
        replay.stopping.set()
        replay.search.release()
        server.shutdown()
        server.server_close()


# quick retries, no politeness delay, so that the tests of failures do not wait
CLIENT_SETTINGS = {
    "LRMKB_ARXIV_BACKOFF": "0.01",
    "LRMKB_ARXIV_RETRIES": "2",
    "LRMKB_ARXIV_TIMEOUT": "5",
    "LRMKB_ARXIV_DEADLINE": "900",  # a loaded machine is slow
    "LRMKB_ARXIV_DELAY": "0",
}


def _arxiv_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[ArxivReplay]:
    """A replaying arXiv API on 127.0.0.1 for the duration of one test."""
    with serving() as replay:
        monkeypatch.setenv("LRMKB_ARXIV_API", replay.url)
        for name, value in CLIENT_SETTINGS.items():
            monkeypatch.setenv(name, value)
        yield replay


if pytest is not None:
    arxiv_api = pytest.fixture(name="arxiv_api")(_arxiv_api)


# --- searches --------------------------------------------------------------------------------

_ENTRY_RE = re.compile(rb"  <entry>.*?</entry>\n", re.S)
_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_QUERY_TOKEN = re.compile(r'\s*(\(|\)|[A-Za-z]+:"[^"]*"|[A-Za-z]+:[^\s()]+|"[^"]*"|[^\s()]+)')
_PREFIXES = {"ti", "au", "abs", "co", "jr", "cat", "rn", "id", "all"}


@dataclass
class Entry:
    """One `<entry>` as arXiv sent it (bytes kept as they are) and what a search matches."""

    xml: bytes
    arxiv_id: str
    published: str
    updated: str
    fields: dict[str, str]


def parse_entries(feed: bytes) -> list[Entry]:
    from lxml import etree

    entries = []
    head = feed[: feed.index(b"<entry>")]
    declared = dict(re.findall(rb'(xmlns(?::\w+)?)="([^"]*)"', head))
    namespaces = b" ".join(k + b'="' + v + b'"' for k, v in declared.items())
    for raw in _ENTRY_RE.findall(feed):
        # parsed inside a copy of the feed's root, so its namespaces resolve
        root = etree.fromstring(b"<feed " + namespaces + b">" + raw + b"</feed>")
        node = root[0]
        text = {
            "ti": node.findtext(_ATOM + "title") or "",
            "abs": node.findtext(_ATOM + "summary") or "",
            "au": " ".join(a.findtext(_ATOM + "name") or "" for a in node.iter(_ATOM + "author")),
            "cat": " ".join(c.get("term", "") for c in node.iter(_ATOM + "category")),
            "co": node.findtext(_ARXIV + "comment") or "",
            "jr": node.findtext(_ARXIV + "journal_ref") or "",
        }
        arxiv_id = (node.findtext(_ATOM + "id") or "").rsplit("/abs/", 1)[-1]
        text["id"] = arxiv_id
        text["all"] = " ".join(text.values())
        entries.append(
            Entry(
                raw,
                arxiv_id,
                node.findtext(_ATOM + "published") or "",
                node.findtext(_ATOM + "updated") or "",
                text,
            )
        )
    return entries


def _words(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9@.]+", text.lower().replace("-", " "))
    words = [w.strip(".") for w in words if w.strip(".")]
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words]


def matches(query: str, entry: Entry) -> bool:
    """arXiv's query syntax, evaluated left to right with parentheses: `field:word`,
    `field:"a phrase"` (words in a row), a bare word (`all:`), AND, OR, ANDNOT. Words
    are compared in lower case with a final plural s dropped; `cat:` compares whole
    category names."""
    tokens = [t for t in _QUERY_TOKEN.findall(query) if t.strip()]
    position = 0

    def term() -> bool:
        nonlocal position
        token = tokens[position]
        position += 1
        if token == "(":
            value = expression()
            position += 1  # ")"
            return value
        prefix, _, value = token.partition(":") if ":" in token else ("all", "", token)
        if prefix not in _PREFIXES:
            raise ValueError(f"unknown field {prefix}")
        value = value.strip('"')
        if prefix == "cat":
            return value.lower() in entry.fields["cat"].lower().split()
        haystack = f" {' '.join(_words(entry.fields[prefix]))} "
        return f" {' '.join(_words(value))} " in haystack

    def expression() -> bool:
        nonlocal position
        value = term()
        while position < len(tokens) and tokens[position] in ("AND", "OR", "ANDNOT"):
            operator = tokens[position]
            position += 1
            right = term()
            value = {
                "AND": value and right,
                "OR": value or right,
                "ANDNOT": value and not right,
            }[operator]
        return value

    return expression()


class SearchArchive:
    """What the stand-in's search knows: entries, and the faults a test asked for."""

    def __init__(self, stopping: threading.Event) -> None:
        self.stopping = stopping
        self.entries: list[Entry] = []
        self.feed_head = b""
        feeds = [*sorted(RECORDED.glob("*search-*.atom.xml")), *sorted(SEARCH_FEEDS.glob("*.xml"))]
        for path in feeds:
            self.entries += parse_entries(path.read_bytes())
        real = (RECORDED / "search-testing-m10.atom.xml").read_bytes()
        self.feed_head = real[: real.index(b"  <entry>")]  # the real response's layout
        self.searches: list[dict[str, str]] = []  # every search request, in order
        self.user_agents: list[str] = []
        self.times: list[float] = []
        self.canned: list[Reply] = []  # served first, one per request
        self.failing: tuple[int, Reply] | None = None  # from request n on, this answer
        self.refusing: dict[str, Reply] = {}  # search_query → the answer to it (a 400)
        self.overstate = 0  # totalResults says this many more than there are
        self.slow_from: int | None = None  # requests from this number on are held …
        self.release_event = threading.Event()  # … until this is set
        self.held = threading.Event()  # set when a request is being held

    def publish(
        self, template: str, arxiv_id: str, published: str, title: str, author: str = ""
    ) -> None:
        """A new submission: entry `template` (an id) again, as `arxiv_id` (with its
        version), submitted at `published` (ISO timestamp), titled `title`, and with
        `author` as its first author if given."""
        source = next(e for e in self.entries if e.arxiv_id.startswith(template + "v"))
        xml = source.xml.replace(source.arxiv_id.encode(), arxiv_id.encode())
        xml = xml.replace(source.published.encode(), published.encode())
        xml = xml.replace(source.updated.encode(), published.encode())
        old_title = re.search(rb"<title>(.*?)</title>", xml, re.S)
        assert old_title is not None
        xml = xml.replace(old_title[0], f"<title>{escape(title)}</title>".encode(), 1)
        if author:
            name = f"<name>{escape(author)}</name>".encode()
            xml = re.sub(rb"<name>.*?</name>", name, xml, count=1)
        fields = dict(source.fields, ti=title, id=arxiv_id)
        self.entries.append(Entry(xml, arxiv_id, published, published, fields))

    def release(self) -> None:
        self.slow_from = None
        self.release_event.set()

    def answer(self, params: dict[str, str], headers: Any) -> Reply:
        import time

        self.searches.append(params)
        self.user_agents.append(headers.get("User-Agent", ""))
        self.times.append(time.monotonic())
        if self.slow_from is not None and len(self.searches) >= self.slow_from:
            self.held.set()
            self.release_event.wait(30)
        if self.canned:
            return self.canned.pop(0)
        if self.failing and len(self.searches) >= self.failing[0]:
            return self.failing[1]
        query = params["search_query"]
        if query in self.refusing:
            return self.refusing[query]
        start, size = int(params.get("start", 0)), int(params.get("max_results", 10))
        found = [e for e in self.entries if matches(query, e)]
        key = {"submittedDate": "published", "lastUpdatedDate": "updated"}.get(
            params.get("sortBy", "")
        )
        if key:
            found.sort(
                key=lambda e: getattr(e, key), reverse=params.get("sortOrder") != "ascending"
            )
        page = found[start : start + size]
        return Reply(200, self._feed(params, len(found) + self.overstate, page), _ATOM_HEADERS)

    def _feed(self, params: dict[str, str], total: int, page: list[Entry]) -> bytes:
        query, start, size = (
            params["search_query"],
            params.get("start", "0"),
            params.get("max_results", "10"),
        )
        asked = escape(f"search_query={query}&id_list=&start={start}&max_results={size}")
        link = escape(
            f"https://arxiv.org/api/query?search_query={query}&start={start}&max_results={size}&id_list="
        )
        head = self.feed_head.decode()
        head = re.sub(r"<title>.*?</title>", f"<title>arXiv Query: {asked}</title>", head)
        head = re.sub(r'<link href="[^"]*"', f'<link href="{link}"', head)
        head = re.sub(r"(<opensearch:itemsPerPage>)\d+", rf"\g<1>{size}", head)
        head = re.sub(r"(<opensearch:totalResults>)\d+", rf"\g<1>{total}", head)
        head = re.sub(r"(<opensearch:startIndex>)\d+", rf"\g<1>{start}", head)
        return head.encode() + b"".join(e.xml for e in page) + b"</feed>\n"


_ATOM_HEADERS = {"Content-Type": "application/atom+xml; charset=UTF-8"}


def escape(text: str) -> str:
    from xml.sax.saxutils import escape as xml_escape

    return xml_escape(text, {'"': "&quot;"})


def main() -> None:
    """`python tests/arxiv_server.py [PORT]`: the stand-in until Ctrl-C, to try `lrmkb
    add` and `lrmkb watch` by hand on a fresh clone without the network (after `make
    demo`: it needs lrmkb's own dependencies only)."""
    import sys

    replay, server = start(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(f"export LRMKB_ARXIV_API={replay.url} LRMKB_ARXIV_DELAY=0", flush=True)
    print("# serving the recorded and synthetic arXiv answers; Ctrl-C stops", file=sys.stderr)
    try:
        replay.stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        replay.stopping.set()
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
