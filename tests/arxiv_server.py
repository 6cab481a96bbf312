"""A local stand-in for the arXiv API on 127.0.0.1 that replays recorded answers, so the
real `arxiv` client runs end to end without the network.

Answers come from two folders, each with a `manifest.json` in the format of
`tests/fixtures/arxiv-recorded/manifest.json` (`file`, `request_url`, `http_status`): the
real recordings there, and ours in `tests/fixtures/arxiv/` (see its README). A request is
matched on its `id_list` parameter. Our manifest may add `headers` and `delay_seconds`, and
may name the same `id_list` several times: those answers are served in order, one per
request, the last one repeating (a 429, then the feed). An `id_list` with no recording gets
a 404, so a test that asks for something unrecorded fails loudly.

Use the `arxiv_api` fixture: it points `LRMKB_ARXIV_API` at the server, keeps retries
short, and records every `id_list` asked for in `.requests`."""

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
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from conftest import FIXTURES

OURS = FIXTURES / "arxiv"
RECORDED = FIXTURES / "arxiv-recorded"
_ID_LIST_RE = re.compile(r"id_list=([^&\s]*)")
_CONTENT_TYPES = {".xml": "application/atom+xml; charset=UTF-8", ".html": "text/html"}


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


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
                self.wfile.write(reply.body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def arxiv_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[ArxivReplay]:
    """A replaying arXiv API on 127.0.0.1 for the duration of one test."""
    replay = ArxivReplay(load_replies(RECORDED, OURS))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(replay))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    replay.url = f"http://127.0.0.1:{server.server_address[1]}/api/query"
    monkeypatch.setenv("LRMKB_ARXIV_API", replay.url)
    monkeypatch.setenv("LRMKB_ARXIV_BACKOFF", "0.01")
    monkeypatch.setenv("LRMKB_ARXIV_RETRIES", "2")
    monkeypatch.setenv("LRMKB_ARXIV_TIMEOUT", "5")
    try:
        yield replay
    finally:
        replay.stopping.set()
        server.shutdown()
        server.server_close()
