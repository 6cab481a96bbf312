"""Paper metadata from the arXiv API, through the `arxiv` package: `ArxivSource` gives the
`Record`s of the ids asked for, for `ingest`.

The package blurs what a user must tell apart: it has no request timeout, and it returns
an empty list both for an id arXiv does not know and for a body that is not a feed at
all. So this module gives its `Client` a timeout, does its own retries with backoff, and
checks that every body really is an Atom feed:

- not known to arXiv (empty feed, or arXiv's HTTP 400 "Error" entry) → `NotFound`
- garbage body, truncated XML, 5xx, timeout — after the retries → `ServiceError`

Settings (environment): `LRMKB_ARXIV_API` (API endpoint, for mirrors and tests),
`LRMKB_ARXIV_TIMEOUT` (seconds per request, default 15), `LRMKB_ARXIV_RETRIES` (default 3),
`LRMKB_ARXIV_BACKOFF` (first retry delay in seconds, doubled each time; default 3, the
pause arXiv's terms of use ask for)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import BadInput, NotFound, ServiceError, UsageError
from ..ids import ACCEPTED_ARXIV_FORMS, ArxivId, parse_arxiv_id, parse_doi
from ..records import Failure, PaperFields, Record

if TYPE_CHECKING:
    import arxiv
    import requests

DEFAULT_API = "https://export.arxiv.org/api/query"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0
_ATOM_FEED = "{http://www.w3.org/2005/Atom}feed"
_ATOM_ENTRY = "{http://www.w3.org/2005/Atom}entry"
_FAILED_HINT = "try again later or set LRMKB_ARXIV_API to a mirror"


@dataclass(frozen=True)
class Settings:
    api: str
    timeout: float
    retries: int
    backoff: float

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            api=os.environ.get("LRMKB_ARXIV_API") or DEFAULT_API,
            timeout=_env_number("LRMKB_ARXIV_TIMEOUT", 15.0),
            retries=int(_env_number("LRMKB_ARXIV_RETRIES", 3)),
            backoff=_env_number("LRMKB_ARXIV_BACKOFF", 3.0),
        )


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if number < 0:
        raise BadInput(f"{name}={value!r} is not a number", f"set {name} to a number or unset it")
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

    found: dict[ArxivId, PaperFields] = field(default_factory=dict)
    missing: list[ArxivId] = field(default_factory=list)


def fetch(ids: Sequence[ArxivId], settings: Settings | None = None) -> Fetched:
    """Look all `ids` up in one batched request (retried as a whole when arXiv fails)."""
    import arxiv

    settings = settings or Settings.from_env()
    wanted = list(dict.fromkeys(ids))
    client, responses = _client(settings, len(wanted))
    search = arxiv.Search(id_list=[str(i) for i in wanted], max_results=len(wanted))
    results = _run(client, search, responses, settings)
    fetched = Fetched()
    for arxiv_id in wanted:
        result = _pick(results, arxiv_id)
        if result is None:
            fetched.missing.append(arxiv_id)
        else:
            fetched.found[arxiv_id] = paper_fields(result)
    return fetched


def _client(settings: Settings, batch: int) -> tuple[arxiv.Client, list[requests.Response]]:
    """One `arxiv.Client` with a request timeout, no retries of its own (ours tell a
    400 from a 503) and a hook that keeps each response, so its body can be checked."""
    import arxiv
    from requests.adapters import HTTPAdapter

    class TimeoutAdapter(HTTPAdapter):
        def send(self, request: Any, **kwargs: Any) -> Any:
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = settings.timeout
            return super().send(request, **kwargs)

    client = arxiv.Client(page_size=max(batch, 1), delay_seconds=0, num_retries=0)
    client.query_url_format = settings.api + "?{}"
    adapter = TimeoutAdapter(max_retries=0)
    client._session.mount("http://", adapter)
    client._session.mount("https://", adapter)
    responses: list[requests.Response] = []
    client._session.hooks["response"] = [lambda r, *args, **kwargs: responses.append(r)]
    return client, responses


def _run(
    client: arxiv.Client,
    search: arxiv.Search,
    responses: list[requests.Response],
    settings: Settings,
) -> list[arxiv.Result]:
    """Run the search, retrying with exponential backoff on what may pass (429, 5xx,
    timeouts, connection errors, garbage bodies) and never on what will not (400)."""
    import arxiv
    import requests

    attempt = 0
    while True:
        responses.clear()
        retry_after: float | None = None
        try:
            results = list(client.results(search))
            body = responses[-1].content if responses else b""
            if _is_atom_feed(body):
                return results
            problem = "its answer was not an arXiv Atom feed"
        except arxiv.HTTPError as exc:
            body = responses[-1].content if responses else b""
            if exc.status == 400 and (reason := _error_entry(body)):
                raise NotFound(f"arXiv rejected the request: {reason}", "check the id") from exc
            if exc.status not in RETRY_STATUSES:
                raise _failed(f"HTTP {exc.status}") from exc
            problem = f"HTTP {exc.status}"
            retry_after = _retry_after(responses[-1] if responses else None)
        except requests.Timeout:
            problem = f"no answer within {settings.timeout:g} s"
        except requests.RequestException as exc:
            problem = f"cannot connect ({type(exc).__name__})"
        if attempt >= settings.retries:
            raise _failed(f"{problem}, {attempt + 1} tries")
        time.sleep(retry_after if retry_after is not None else settings.backoff * 2**attempt)
        attempt += 1


def _failed(problem: str) -> ServiceError:
    return ServiceError(f"arXiv did not answer properly ({problem})", _FAILED_HINT)


def _retry_after(response: requests.Response | None) -> float | None:
    """Honour a numeric Retry-After (capped): arXiv sends one with its 429s."""
    value = response.headers.get("Retry-After", "") if response is not None else ""
    try:
        return min(float(value), MAX_RETRY_AFTER)
    except ValueError:
        return None


def _parse_xml(body: bytes) -> Any:
    """Strict parse (the `arxiv` package recovers from broken XML; we must not)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        return etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        return None


def _is_atom_feed(body: bytes) -> bool:
    root = _parse_xml(body) if body else None
    return root is not None and root.tag == _ATOM_FEED


def _error_entry(body: bytes) -> str | None:
    """arXiv's answer to an id it cannot use: a feed whose one entry is titled `Error`."""
    root = _parse_xml(body)
    if root is None or root.tag != _ATOM_FEED:
        return None
    for entry in root.iter(_ATOM_ENTRY):
        entry_id = entry.findtext("{http://www.w3.org/2005/Atom}id") or ""
        if "/api/errors" in entry_id:
            return entry.findtext("{http://www.w3.org/2005/Atom}summary") or "error"
    return None


def _pick(results: list[arxiv.Result], wanted: ArxivId) -> arxiv.Result | None:
    """The result for `wanted`: the same version when one was asked for, else any."""
    for result in results:
        got = parse_arxiv_id(result.entry_id)
        if got and got.id == wanted.id and wanted.version in (None, got.version):
            return result
    return None


def paper_fields(result: arxiv.Result) -> PaperFields:
    """An arXiv entry → `Paper` columns. A preprint is cited as the survey cites one:
    `@article` in `CoRR`."""
    got = parse_arxiv_id(result.entry_id)
    return {
        "title": " ".join(result.title.split()),
        "authors": [" ".join(a.name.split()) for a in result.authors],
        "authors_more": False,
        "year": result.published.year,
        "venue": "CoRR",
        "entry_type": "article",
        "arxiv_id": got.id if got else None,
        "arxiv_version": got.version if got else None,
        "doi": parse_doi(result.doi) if result.doi else None,
        "abstract": " ".join(result.summary.split()) or None,
        "primary_category": result.primary_category or None,
        "categories": list(result.categories) or None,
        "published": result.published.date().isoformat(),
    }
