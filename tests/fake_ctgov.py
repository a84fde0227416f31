"""A fake ClinicalTrials.gov API v2 on pytest-httpserver, serving the real shared records.

Pages are built from the 174 studies of ``ctg-studies-sample.json.zip`` (read in place from
the shared folder, never copied) by splicing each study's exact bytes into the page body, so
what the client receives is byte-for-byte the registry's own study JSON.

It behaves like the real service where our code depends on it:

* ``GET /api/v2/studies`` with ``pageSize`` (default 10, 1..1000), ``pageToken`` (opaque,
  tied to the query; an unknown or expired one gets a 400), ``countTotal=true`` →
  ``totalCount``, ``filter.overallStatus``, ``filter.advanced``
  (``AREA[LastUpdatePostDate]RANGE[a,b]`` only), ``query.cond`` / ``query.term`` (crude
  case-insensitive substring match); unknown parameters get a 400 like the real API.
* Like the real API it mints a ``nextPageToken`` whenever a page is *full*, even when no
  study follows, so clients must cope with a trailing empty page.
* ``GET /api/v2/studies/<nctId>`` → the study, or 404.

Faults are scripted with :meth:`FakeCtgov.add_fault`, optionally aimed at one page number.
``closed_port_url()`` gives a URL where nothing listens (connection refused).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
import socket
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

API_PREFIX = "/api/v2"
KNOWN_PARAMS = {
    "format", "pageSize", "pageToken", "countTotal", "query.cond", "query.term", "query.locn",
    "filter.overallStatus", "filter.geo", "filter.advanced", "markupFormat",
}
FAULT_KINDS = {"429", "500", "503", "truncated", "invalid_json", "slow", "400"}
_ADVANCED_RE = re.compile(r"^AREA\[LastUpdatePostDate\]RANGE\[([^,\]]+),([^\]]+)\]$")


def shared_json_zip() -> Path:
    """Same rule as tests/conftest.py: $CLEARTRIAL_SHARED_DATA, else ../shared/data."""
    repo = Path(__file__).resolve().parent.parent
    base = Path(os.environ.get("CLEARTRIAL_SHARED_DATA", repo.parent / "shared" / "data"))
    return base / "ctgov" / "ctg-studies-sample.json.zip"


@dataclass(frozen=True, slots=True)
class SampleStudy:
    name: str  # member name in the zip
    raw: bytes  # the exact bytes
    obj: dict
    nct_id: str | None
    overall_status: str | None
    last_update: str | None
    conditions: tuple[str, ...]


@functools.lru_cache(maxsize=4)
def load_sample(zip_path: str | Path) -> tuple[SampleStudy, ...]:
    out = []
    with zipfile.ZipFile(zip_path) as zf:
        for name in sorted(zf.namelist()):
            if not name.endswith(".json"):
                continue
            raw = zf.read(name)
            obj = orjson.loads(raw)
            ps = obj.get("protocolSection") or {}
            status = ps.get("statusModule") or {}
            out.append(SampleStudy(
                name=name,
                raw=raw,
                obj=obj,
                nct_id=(ps.get("identificationModule") or {}).get("nctId"),
                overall_status=status.get("overallStatus"),
                last_update=(status.get("lastUpdatePostDateStruct") or {}).get("date"),
                conditions=tuple((ps.get("conditionsModule") or {}).get("conditions") or ()),
            ))
    return tuple(out)


def start_server() -> HTTPServer:
    """A threaded server on 127.0.0.1 (loopback only). Threaded so that a deliberately slow
    answer does not hold up the client's retry behind it."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    return server


def closed_port_url() -> str:
    """A loopback URL nobody listens on: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{API_PREFIX}"


@dataclass
class Fault:
    kind: str
    page: int | None = None  # 1-based page of /studies to hit; None = any request
    times: int | None = 1  # how many matching requests to fail; None = every one
    retry_after: str | None = None
    delay: float = 1.0  # for "slow"
    message: str = "Invalid request"  # for "400"


@dataclass
class SeenRequest:
    path: str
    args: dict[str, str]
    page: int | None  # page number of a /studies request (None if the token was bad)
    offset: int | None
    fault: str | None  # the fault served instead of the real answer, if any
    status: int
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def token(self) -> str | None:
        return self.args.get("pageToken")


class FakeCtgov:
    def __init__(self, httpserver, studies: tuple[SampleStudy, ...] | list[SampleStudy]) -> None:
        self.server = httpserver
        self.studies = list(studies)
        self.by_id = {s.nct_id: s for s in self.studies if s.nct_id}
        self.requests: list[SeenRequest] = []
        self.faults: list[Fault] = []
        self.epoch = 1  # bump to make every earlier page token invalid
        self._lock = threading.Lock()
        httpserver.expect_request(f"{API_PREFIX}/studies").respond_with_handler(self._list)
        httpserver.expect_request(re.compile(rf"^{API_PREFIX}/studies/[^/]+$")).respond_with_handler(self._one)

    # -- test controls ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.server.url_for(API_PREFIX).rstrip("/")

    def add_fault(self, kind: str, **kwargs) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}")
        fault = Fault(kind, **kwargs)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def invalidate_tokens(self) -> None:
        """Simulate the registry expiring page tokens (e.g. after a data refresh)."""
        self.epoch += 1

    def list_requests(self) -> list[SeenRequest]:
        return [r for r in self.requests if r.path == f"{API_PREFIX}/studies"]

    def matching(self, args: dict[str, str]) -> list[SampleStudy]:
        return self._filter(args)

    # -- tokens ----------------------------------------------------------------------------

    @staticmethod
    def _fingerprint(args: dict[str, str]) -> str:
        keep = sorted((k, v) for k, v in args.items() if k not in ("pageToken", "countTotal"))
        return hashlib.sha1(repr(keep).encode()).hexdigest()[:10]

    def _make_token(self, offset: int, args: dict[str, str]) -> str:
        text = f"{self.epoch}:{offset}:{self._fingerprint(args)}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def _read_token(self, token: str, args: dict[str, str]) -> int | None:
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            epoch, offset, fp = text.split(":")
        except Exception:
            return None
        if int(epoch) != self.epoch or fp != self._fingerprint(args):
            return None
        return int(offset)

    def token_for_page(self, page: int, args: dict[str, str]) -> str:
        return self._make_token((page - 1) * int(args.get("pageSize", 10)), args)

    # -- request handling ------------------------------------------------------------------

    def _take_fault(self, page: int | None) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.page is not None and fault.page != page:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    def _log(self, request: Request, page, offset, fault, status) -> None:
        self.requests.append(SeenRequest(
            path=request.path, args=dict(request.args.items()), page=page, offset=offset,
            fault=fault.kind if fault else None, status=status, headers=dict(request.headers.items()),
        ))

    def _serve(self, request: Request, page: int | None, offset: int | None, body: bytes,
               status: int = 200) -> Response:
        """The normal answer (``body`` with ``status``) unless a scripted fault applies."""
        fault = self._take_fault(page)
        if fault is None:
            self._log(request, page, offset, None, status)
            ctype = "application/json" if status == 200 else "text/plain"
            return Response(body, status=status, content_type=ctype)
        kind = fault.kind
        if kind == "slow":
            # Logged on arrival (the test may look before we wake). The client times out
            # first; what we send after that goes nowhere.
            self._log(request, page, offset, fault, 200)
            time.sleep(fault.delay)
            return Response(body, status=200, content_type="application/json")
        elif kind == "truncated":
            # Half the body with the full Content-Length: the connection closes short.
            resp = Response(body[: len(body) // 2], status=200, content_type="application/json")
            resp.headers["Content-Length"] = str(len(body))
        elif kind == "invalid_json":
            resp = Response(b"<html><body>Service temporarily unavailable</body></html>",
                            status=200, content_type="application/json")
        elif kind == "429":
            resp = Response("Too Many Requests", status=429, content_type="text/plain")
            if fault.retry_after is not None:
                resp.headers["Retry-After"] = fault.retry_after
        elif kind in ("500", "503"):
            resp = Response("Internal Server Error", status=int(kind), content_type="text/plain")
        elif kind == "400":
            resp = Response(fault.message, status=400, content_type="text/plain")
        else:  # pragma: no cover
            raise AssertionError(kind)
        self._log(request, page, offset, fault, resp.status_code)
        return resp

    def _bad_request(self, request: Request, message: str) -> Response:
        self._log(request, None, None, None, 400)
        return Response(message, status=400, content_type="text/plain")

    def _filter(self, args: dict[str, str]) -> list[SampleStudy]:
        studies = self.studies
        if "filter.overallStatus" in args:
            wanted = set(args["filter.overallStatus"].split(","))
            studies = [s for s in studies if s.overall_status in wanted]
        if "filter.advanced" in args:
            m = _ADVANCED_RE.match(args["filter.advanced"])
            lo, hi = m.group(1), m.group(2)  # type: ignore[union-attr]  (checked by caller)
            studies = [
                s for s in studies
                if s.last_update and (lo == "MIN" or s.last_update >= lo) and (hi == "MAX" or s.last_update <= hi)
            ]
        if "query.cond" in args:
            q = args["query.cond"].lower()
            studies = [s for s in studies if any(q in c.lower() for c in s.conditions)]
        if "query.term" in args:
            q = args["query.term"].lower().encode()
            studies = [s for s in studies if q in s.raw.lower()]
        return studies

    def _list(self, request: Request) -> Response:
        args = dict(request.args.items())
        unknown = sorted(set(args) - KNOWN_PARAMS)
        if unknown:
            return self._bad_request(request, f"Unknown parameter(s): {', '.join(unknown)}")
        try:
            size = int(args.get("pageSize", "10"))
        except ValueError:
            size = 0
        if not 1 <= size <= 1000:
            return self._bad_request(request, "pageSize must be between 1 and 1000")
        if "filter.advanced" in args and not _ADVANCED_RE.match(args["filter.advanced"]):
            return self._bad_request(request, f"Unsupported filter.advanced: {args['filter.advanced']}")
        offset = 0
        if "pageToken" in args:
            got = self._read_token(args["pageToken"], args)
            if got is None:
                return self._bad_request(request, "Invalid pageToken")
            offset = got
        page = offset // size + 1
        matching = self._filter(args)
        chunk = matching[offset: offset + size]
        parts = [b'{']
        if args.get("countTotal") == "true":
            parts.append(b'"totalCount":%d,' % len(matching))
        parts.append(b'"studies":[' + b",".join(s.raw for s in chunk) + b"]")
        if len(chunk) == size:  # full page → a token, even if nothing follows (real quirk)
            parts.append(b',"nextPageToken":' + orjson.dumps(self._make_token(offset + size, args)))
        parts.append(b"}")
        return self._serve(request, page, offset, b"".join(parts))

    def _one(self, request: Request) -> Response:
        nct = request.path.rsplit("/", 1)[1]
        study = self.by_id.get(nct)
        if study is None:
            return self._serve(request, None, None, f"Study {nct} not found".encode(), status=404)
        return self._serve(request, None, None, study.raw)


# -- fixtures (imported by the test modules that use the fake) ----------------------------


@pytest.fixture(scope="module")
def ctgov_server():
    server = start_server()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def fake(ctgov_server, json_zip) -> FakeCtgov:
    ctgov_server.clear()  # handlers and log from the previous test
    return FakeCtgov(ctgov_server, load_sample(json_zip))


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """A proxy from the environment would swallow loopback requests; tests talk direct."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("CLEARTRIAL_CTGOV_URL", raising=False)


class FakeTime:
    """Injectable clock and sleep: sleeping advances the clock instantly and is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds
