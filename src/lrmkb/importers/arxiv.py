"""Paper metadata from the arXiv API, through the `arxiv` package: `ArxivSource` gives the
`Record`s of the ids asked for, for `ingest`; one `Client` per command is shared by
everything the command asks (`lrmkb add` looks ids up, `lrmkb watch run` pages through
searches).

The package blurs what a user must tell apart: it has no request timeout, and it returns
an empty list both for an id arXiv does not know and for a body that is not a feed at
all. So this module gives its `Client` a bounded transport, does its own retries with
backoff, and checks that every body really is an Atom feed:

- not known to arXiv (empty feed, or arXiv's HTTP 400 "Error" entry) → `NotFound`
- garbage body, truncated XML, an entry the package cannot read (a bad date), 5xx,
  timeout — after the retries → `ServiceError`
- an answer larger than `MAX_RESPONSE_BYTES`, on the wire or decompressed (a gzip
  bomb) → `ServiceError` at once, having read no more than that

Each request ends within its timeout in all — connecting, waiting, reading — not only
between two packets: a server that sends a byte every half second still fails in time.

arXiv's terms of use (https://info.arxiv.org/help/api/tou.html) ask for no more than one
request every three seconds from one client and a User-Agent that says who is asking:
the package's own rate limit spaces every request of a command, retries included, by
`LRMKB_ARXIV_DELAY` seconds, and every request carries `USER_AGENT`.

Settings (environment): `LRMKB_ARXIV_API` (API endpoint, for mirrors and tests),
`LRMKB_ARXIV_TIMEOUT` (seconds per request, default 15), `LRMKB_ARXIV_RETRIES` (default 3),
`LRMKB_ARXIV_BACKOFF` (first retry delay in seconds, doubled each time; default 3),
`LRMKB_ARXIV_DELAY` (seconds between two requests, default 3), `LRMKB_ARXIV_DEADLINE`
(seconds one command may spend on arXiv in all, default 900). A value outside `LIMITS`
— `nan`, `inf`, a negative number, a timeout of 0 — is a usage error (exit 2)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import NotFound, ServiceError, UsageError
from ..ids import ACCEPTED_ARXIV_FORMS, ArxivId, parse_arxiv_id, parse_doi
from ..records import Failure, Paper, Record

if TYPE_CHECKING:
    import arxiv
    import requests

DEFAULT_API = "https://export.arxiv.org/api/query"
PAGE_SIZE = 100
"""Results per search request: arXiv's manual suggests small pages over huge ones."""
USER_AGENT = (
    f"lrmkb/{__version__} (command-line knowledge base of research on large reasoning "
    "models; arXiv look-ups and saved searches run by its user)"
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0
_ATOM = "{http://www.w3.org/2005/Atom}"
_TOTAL = "{http://a9.com/-/spec/opensearch/1.1/}totalResults"
_FAILED_HINT = "try again later or set LRMKB_ARXIV_API to a mirror"
MAX_RESPONSE_BYTES = 32 * 2**20
"""The most lrmkb reads of one answer, as sent and once decompressed (gzip, deflate):
arXiv's answer for the 2,000 ids it allows per request is about 8 MB."""
LIMITS = {  # name: (default, lowest, highest, whole number)
    "LRMKB_ARXIV_TIMEOUT": (15.0, 0.001, 3600.0, False),
    "LRMKB_ARXIV_RETRIES": (3, 0, 20, True),
    "LRMKB_ARXIV_BACKOFF": (3.0, 0.0, 600.0, False),
    "LRMKB_ARXIV_DELAY": (3.0, 0.0, 600.0, False),
    "LRMKB_ARXIV_DEADLINE": (900.0, 0.001, 86400.0, False),
}


@dataclass(frozen=True)
class Settings:
    api: str
    timeout: float
    retries: int
    backoff: float
    delay: float = 3.0
    deadline: float = 900.0

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            api=os.environ.get("LRMKB_ARXIV_API") or DEFAULT_API,
            timeout=_env_number("LRMKB_ARXIV_TIMEOUT"),
            retries=int(_env_number("LRMKB_ARXIV_RETRIES")),
            backoff=_env_number("LRMKB_ARXIV_BACKOFF"),
            delay=_env_number("LRMKB_ARXIV_DELAY"),
            deadline=_env_number("LRMKB_ARXIV_DEADLINE"),
        )


def _env_number(name: str) -> float:
    """The setting `name` from the environment, within `LIMITS`; `UsageError` if not."""
    default, lowest, highest, whole = LIMITS[name]
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value) if whole else float(value)
    except ValueError:
        number = None
    if number is None or not (lowest <= number <= highest):  # also refuses nan
        what = "a whole number" if whole else "a number of seconds"
        raise UsageError(
            f"{name} must be {what} from {lowest:g} to {highest:g}, not {value!r}",
            "fix or unset it",
        )
    return number


class ArxivSource:
    """The papers behind `sources` (arXiv ids in any accepted spelling), as records.

    Made, it has checked every id (`UsageError` for one that is not an id, nothing
    fetched); iterated, it fetches them all in one request and yields, in the order
    given, a `Record` for each id arXiv knows. An id arXiv does not know raises
    `NotFound` — or, with `keep_going`, is yielded as a `Failure`."""

    def __init__(
        self, sources: Sequence[str], *, keep_going: bool = False, settings: Settings | None = None
    ) -> None:
        self.sources = list(sources)
        self.ids = parse_sources(self.sources)
        self.keep_going = keep_going
        self.settings = settings

    def __iter__(self) -> Iterator[Record | Failure]:
        fetched = fetch(self.ids, self.settings)
        if fetched.missing and not self.keep_going:
            missing = ", ".join(str(i) for i in fetched.missing)
            raise NotFound(f"not found on arXiv: {missing}", "check the id (nothing was written)")
        for source, arxiv_id in zip(self.sources, self.ids, strict=True):
            if arxiv_id in fetched.found:
                yield Record(source, "arxiv", fetched.found[arxiv_id], {"arxiv_id": str(arxiv_id)})
            else:
                yield Failure(source, f"{arxiv_id} not found on arXiv")


def parse_sources(sources: Sequence[str]) -> list[ArxivId]:
    """Every source as an arXiv id; one malformed source is a usage error for all."""
    ids = []
    for source in sources:
        arxiv_id = parse_arxiv_id(source)
        if arxiv_id is None:
            raise UsageError(
                f"{source!r} is not an arXiv id", f"accepted forms: {ACCEPTED_ARXIV_FORMS}"
            )
        ids.append(arxiv_id)
    return ids


@dataclass
class Fetched:
    """What arXiv said about the ids asked for: paper fields per requested id, and the
    ids it does not know."""

    found: dict[ArxivId, Paper] = field(default_factory=dict)
    missing: list[ArxivId] = field(default_factory=list)


@dataclass
class Page:
    """One page of a search: `entries` (`entry_fields` of each result, in arXiv's order)
    from position `start`, and `total`, arXiv's count of all matches — an estimate: a
    page inside it may come back empty (`Client.search` retries it, then returns it)."""

    start: int
    entries: list[dict[str, Any]]
    total: int


def fetch(ids: Sequence[ArxivId], settings: Settings | None = None) -> Fetched:
    """Look all `ids` up in one batched request (retried as a whole when arXiv fails)."""
    return Client(settings).fetch(ids)


class Client:
    """One `arxiv.Client` for a whole command: a request timeout, our User-Agent, the
    politeness delay between all its requests, retries with backoff, and a deadline
    for everything the command asks. Its own retries are off (ours tell a 400 from a
    503) and a hook keeps each response, so its body can be checked."""

    def __init__(self, settings: Settings | None = None) -> None:
        import arxiv
        from requests.adapters import HTTPAdapter

        self.settings = settings = settings or Settings.from_env()
        self.requests = 0
        self._ends = time.monotonic() + settings.deadline
        self._responses: list[requests.Response] = []
        client = self._client = arxiv.Client(
            page_size=PAGE_SIZE, delay_seconds=settings.delay, num_retries=0
        )
        limits = self

        class Adapter(HTTPAdapter):
            def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:
                # the package sets its own User-Agent per request: ours says who asks
                request.headers["User-Agent"] = f"{USER_AGENT} {request.headers['User-Agent']}"
                limits.requests += 1
                return _bounded_send(super().send, request, limits.timeout(), kwargs)

        client.query_url_format = settings.api + "?{}"
        adapter = Adapter(max_retries=0)
        client._session.mount("http://", adapter)
        client._session.mount("https://", adapter)
        client._session.hooks["response"] = [lambda r, *a, **k: self._responses.append(r)]
        client._session.headers["Accept-Encoding"] = "gzip, deflate"  # what _read_body bounds
        # the package logs what it skips ("Malformed feed") to stderr; lrmkb reports it itself
        logging.getLogger("arxiv").addHandler(logging.NullHandler())

    def timeout(self) -> float:
        """Seconds the next request may take: the per-request timeout, or what is left
        of the deadline when that is shorter."""
        left = self._ends - time.monotonic()
        if left <= 0:
            raise self._over_deadline()
        return min(self.settings.timeout, left)

    def _over_deadline(self) -> ServiceError:
        return ServiceError(
            f"arXiv took longer than the deadline of {self.settings.deadline:g} s in all",
            "try again later (LRMKB_ARXIV_DEADLINE sets the deadline in seconds)",
        )

    def fetch(self, ids: Sequence[ArxivId]) -> Fetched:
        """Look all `ids` up in one batched request."""
        import arxiv

        wanted = list(dict.fromkeys(ids))
        self._client.page_size = max(len(wanted), 1)
        search = arxiv.Search(id_list=[str(i) for i in wanted], max_results=len(wanted))
        results, _ = self._run(lambda: list(self._client.results(search)))
        fetched = Fetched()
        for arxiv_id in wanted:
            result = _pick(results, arxiv_id)
            if result is None:
                fetched.missing.append(arxiv_id)
            else:
                fetched.found[arxiv_id] = paper_fields(result)
        return fetched

    def search(self, query: str, start: int = 0, size: int = PAGE_SIZE) -> Page:
        """One page of `query` (arXiv's search syntax), newest submissions first: the
        `size` results from position `start`, in one request."""
        import arxiv

        self._client.page_size = size
        search = arxiv.Search(
            query=query,
            max_results=start + size,
            sort_by=arxiv.SortCriterion.SubmittedDate,
            sort_order=arxiv.SortOrder.Descending,
        )

        def one_page() -> list[arxiv.Result]:
            results: list[arxiv.Result] = []
            expected = 0
            for result in self._client.results(search, offset=start):
                results.append(result)
                expected = expected or _count_entries(self._responses[0].content)
                # the package would ask for the next page after a short one: we do not
                if len(results) >= expected:
                    break
            return results

        for attempt in range(self.settings.retries + 1):
            if attempt:  # arXiv sometimes answers a page inside its total with no entries
                self._pause(self.settings.backoff * 2 ** (attempt - 1))
            results, root = self._run(one_page)
            total = int(root.findtext(_TOTAL) or 0)
            if results or start == 0 or start >= total:
                break
        return Page(start, [entry_fields(r) for r in results], total)

    def _pause(self, seconds: float) -> None:
        """Sleep before a retry, unless that would pass the deadline."""
        if time.monotonic() + seconds >= self._ends:
            raise self._over_deadline()
        time.sleep(seconds)

    def _run(self, request: Callable[[], list[arxiv.Result]]) -> tuple[list[arxiv.Result], Any]:
        """Run one request, retrying with exponential backoff on what may pass (429, 5xx,
        timeouts, connection errors, garbage bodies) and never on what will not (400).
        Returns the results and the parsed feed."""
        import arxiv
        import requests

        attempt = 0
        while True:
            self._responses.clear()
            retry_after: float | None = None
            try:
                results = request()
                root = _parse_xml(self._responses[-1].content) if self._responses else None
                if root is not None and root.tag == _ATOM + "feed":
                    return results, root
                problem = "its answer was not an arXiv Atom feed"
            except arxiv.HTTPError as exc:
                body = self._responses[-1].content if self._responses else b""
                if exc.status == 400 and (reason := _error_entry(body)):
                    raise NotFound(f"arXiv rejected the request: {reason}", "check the id") from exc
                if exc.status not in RETRY_STATUSES:
                    raise _failed(f"HTTP {exc.status}") from exc
                problem = f"HTTP {exc.status}"
                retry_after = _retry_after(self._responses[-1] if self._responses else None)
            except requests.Timeout:
                problem = f"no answer within {self.settings.timeout:g} s"
            except requests.RequestException as exc:
                problem = f"cannot connect ({type(exc).__name__})"
            except (ValueError, TypeError, AttributeError, OverflowError) as exc:
                # the package met a field it cannot read (a `<published>` that is no date):
                # the feed is arXiv's, not lrmkb's, so this is a bad answer, not a bug
                raise _failed(f"an entry it cannot read: {exc}") from exc
            if attempt >= self.settings.retries:
                raise _failed(f"{problem}, {attempt + 1} tries")
            self._pause(
                retry_after if retry_after is not None else self.settings.backoff * 2**attempt
            )
            attempt += 1


def _failed(problem: str) -> ServiceError:
    return ServiceError(f"arXiv did not answer properly ({problem})", _FAILED_HINT)


def _retry_after(response: requests.Response | None) -> float | None:
    """Honour a Retry-After (seconds, or an HTTP date; RFC 9110 §10.2.3), within 0 to
    `MAX_RETRY_AFTER` seconds: arXiv sends one with its 429s. Anything else (`nan`,
    `-5`, garbage) is ignored and the usual backoff applies."""
    from email.utils import parsedate_to_datetime

    value = response.headers.get("Retry-After", "").strip() if response is not None else ""
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), MAX_RETRY_AFTER)


def _bounded_send(
    send: Callable[..., requests.Response], request: Any, timeout: float, kwargs: Any
) -> requests.Response:
    """`send(request)` (a requests transport's) ended within `timeout` seconds in all —
    connecting, waiting, reading — and reading at most `MAX_RESPONSE_BYTES`.

    requests has only a socket timeout, which a server that sends a byte now and then
    never triggers; so the request runs in a thread that the caller stops waiting for at
    the deadline (a daemon thread: it cannot keep lrmkb alive), and the body is read in
    bounded pieces, decompressed by urllib3 no more than a piece at a time (urllib3 ≥ 2.6,
    see CVE-2025-66471)."""
    import threading

    import requests

    kwargs.update(timeout=timeout, stream=True)
    deadline = time.monotonic() + timeout
    outcome: list[requests.Response | BaseException] = []

    def fetch() -> None:
        try:
            response = send(request, **kwargs)
            try:
                response._content = _read_body(response.raw, deadline)
            finally:
                response.close()
            outcome.append(response)
        except BaseException as exc:  # handed to the waiting thread
            outcome.append(exc)

    worker = threading.Thread(target=fetch, name="arxiv-request", daemon=True)
    worker.start()
    worker.join(max(deadline - time.monotonic(), 0))
    if not outcome:
        raise requests.Timeout(f"no complete answer within {timeout:g} s")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _read_body(raw: Any, deadline: float) -> bytes:
    """The decoded body of a urllib3 response, read piece by piece until it ends, the
    deadline passes (`requests.Timeout`) or it grows past a size limit (`ServiceError`)."""
    import requests

    declared = raw.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise _too_large(f"{int(declared):,} bytes announced")
    pieces, size = [], 0
    while piece := raw.read1(1 << 20, decode_content=True):
        size += len(piece)
        if size > MAX_RESPONSE_BYTES or raw.tell() > MAX_RESPONSE_BYTES:
            raise _too_large(f"more than {MAX_RESPONSE_BYTES:,} bytes")
        if time.monotonic() > deadline:
            raise requests.Timeout("the answer did not end in time")
        pieces.append(piece)
    return b"".join(pieces)


def _too_large(what: str) -> ServiceError:
    return ServiceError(f"arXiv's answer is too large ({what})", _FAILED_HINT)


def _parse_xml(body: bytes) -> Any:
    """Strict parse (the `arxiv` package recovers from broken XML; we must not)."""
    from lxml import etree

    if not body:
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        return etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        return None


def _count_entries(body: bytes) -> int:
    root = _parse_xml(body)
    return len(root.findall(_ATOM + "entry")) if root is not None else 0


def _error_entry(body: bytes) -> str | None:
    """arXiv's answer to an id it cannot use: a feed whose one entry is titled `Error`."""
    root = _parse_xml(body)
    if root is None or root.tag != _ATOM + "feed":
        return None
    for entry in root.iter(_ATOM + "entry"):
        entry_id = entry.findtext(_ATOM + "id") or ""
        if "/api/errors" in entry_id:
            return entry.findtext(_ATOM + "summary") or "error"
    return None


def _pick(results: list[arxiv.Result], wanted: ArxivId) -> arxiv.Result | None:
    """The result for `wanted`: the same version when one was asked for, else any."""
    for result in results:
        got = parse_arxiv_id(result.entry_id)
        if got and got.id == wanted.id and wanted.version in (None, got.version):
            return result
    return None


def paper_fields(result: arxiv.Result) -> Paper:
    """An arXiv entry → `Paper` columns. A preprint is cited as the survey cites one:
    `@article` in `CoRR`. arXiv's titles and abstracts are LaTeX as their authors typed
    it (`K\\"{a}hler`, `$O(n^2)$`): they are decoded exactly as an imported .bib title is
    (`latex.decode_latex`), the title as written kept in `title_latex` for export; names
    are split into BibTeX's parts (a `Jr.` is a suffix, `van der` a particle)."""
    from ..names import parse_display_name
    from .latex import decode_latex

    got = parse_arxiv_id(result.entry_id)
    written = " ".join(result.title.split())
    title = " ".join(decode_latex(written).split())
    abstract = " ".join(decode_latex(" ".join(result.summary.split())).split())
    authors = [" ".join(decode_latex(a.name).split()) for a in result.authors]
    return {
        "title": title,
        "title_latex": written if written != title else None,
        "authors": authors,
        "author_names": [parse_display_name(a).csl() for a in authors],
        "authors_more": False,
        "year": result.published.year,
        "venue": "CoRR",
        "entry_type": "article",
        "arxiv_id": got.id if got else None,
        "arxiv_version": got.version if got else None,
        "doi": parse_doi(result.doi) if result.doi else None,
        "abstract": abstract or None,
        "primary_category": result.primary_category or None,
        "categories": list(result.categories),
        "published": result.published.date().isoformat(),
    }


def entry_fields(result: arxiv.Result) -> dict[str, Any]:
    """`paper_fields`, plus what the entry says beyond the `Paper` columns: when it was
    last `updated`, its `journal_ref` and the authors' `comment`."""
    return paper_fields(result) | {
        "updated": result.updated.date().isoformat(),
        "journal_ref": " ".join((result.journal_ref or "").split()) or None,
        "comment": " ".join((result.comment or "").split()) or None,
    }
