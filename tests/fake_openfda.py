"""A fake openFDA on pytest-httpserver, answering with the real shared responses.

Labels are the four real ``/drug/label.json`` answers in ``openfda/label/`` (aspirin, Sudafed,
Ambien, Vyvanse), read in place from the shared folder and sent byte for byte; the error
bodies are the real ones in ``openfda/errors/``; a FAERS total (``search=…&limit=1``) is one of
the real ``openfda/event/`` answers. openFDA's *count* answers are not in the shared data, so
they are built here to the documented shape (``{"meta": {disclaimer, terms, license,
last_updated}, "results": [{"term", "count"}]}``, https://open.fda.gov/apis/drug/label/
understanding-the-api-results/), with the terms taken from the real labels and made-up
reaction counts (marked as such below).

Searches are understood the way openFDA reads them, as far as our client uses them:
``field:"phrase"`` matches a value holding those words in a row (any case), ``field.exact:"X"``
matches a value equal to X, and ``count=field.exact`` lists values with counts.
"""

from __future__ import annotations

import functools
import os
import re
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

LABEL_FILES = ("aspirin", "sudafed", "ambien", "vyvanse")
# Made-up reaction counts (openFDA's count answers are not in the shared data); the terms are
# real MedDRA preferred terms, in capitals as openFDA sends them.
REACTIONS = {
    "ZOLPIDEM TARTRATE": [("SOMNAMBULISM", 1311), ("AMNESIA", 1220), ("DRUG INEFFECTIVE", 1190),
                          ("HALLUCINATION", 904), ("FALL", 880), ("INSOMNIA", 812), ("SOMNOLENCE", 650),
                          ("CONFUSIONAL STATE", 601), ("DIZZINESS", 566), ("OFF LABEL USE", 502),
                          ("NAUSEA", 480)],
    "LISDEXAMFETAMINE DIMESYLATE": [("DRUG INEFFECTIVE", 3020), ("INSOMNIA", 1401), ("DECREASED APPETITE", 1222),
                                    ("HEADACHE", 900), ("IRRITABILITY", 850), ("ANXIETY", 803)],
}  # other generic names: FAERS answers NOT_FOUND (no reports)
# Which real event answer stands for a FAERS total (its meta.results.total), per generic name.
TOTALS = {"ZOLPIDEM TARTRATE": "50242-051-death.json",
          "LISDEXAMFETAMINE DIMESYLATE": "65862-659-seriousnesscongenitalanomali.json"}
COUNT_META = {
    "disclaimer": "Do not rely on openFDA to make decisions regarding medical care.",
    "terms": "https://open.fda.gov/terms/",
    "license": "https://open.fda.gov/license/",
    "last_updated": "2015-01-21",
}
_PHRASE = re.compile(r'^([a-z_.]+?)(\.exact)?:"([^"]*)"$')


def shared_openfda() -> Path:
    repo = Path(__file__).resolve().parent.parent
    base = Path(os.environ.get("CLEARTRIAL_SHARED_DATA", repo.parent / "shared" / "data"))
    return base / "openfda"


@functools.lru_cache(maxsize=2)
def labels(root: str) -> dict[str, tuple[bytes, dict]]:
    """name → (exact bytes, the one label result in it)."""
    out = {}
    for name in LABEL_FILES:
        raw = (Path(root) / "label" / f"{name}.json").read_bytes()
        out[name] = (raw, orjson.loads(raw)["results"][0])
    return out


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _phrase_in(phrase: str, value: str) -> bool:
    p, v = _words(phrase), _words(value)
    return bool(p) and any(v[i:i + len(p)] == p for i in range(len(v) - len(p) + 1))


@dataclass
class Fault:
    kind: str  # "slow", "500", "429", "404-html", "empty", "missingopenfda", "missingresults", "garbage"
    endpoint: str | None = None  # "label" or "event"; None: both
    times: int | None = None  # None: every request
    delay: float = 2.0


class FakeOpenFDA:
    def __init__(self, server: HTTPServer, root: Path):
        self.server = server
        self.root = root
        self.labels = labels(str(root))
        self.faults: list[Fault] = []
        self.seen: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        server.expect_request("/drug/label.json").respond_with_handler(self._label)
        server.expect_request("/drug/event.json").respond_with_handler(self._event)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def add_fault(self, kind: str, **kw) -> None:
        self.faults.append(Fault(kind, **kw))

    def _error(self, name: str, status: int) -> Response:
        return Response((self.root / "errors" / name).read_bytes(), status=status, content_type="application/json")

    def _fault(self, endpoint: str) -> Response | None:
        with self._lock:
            for f in self.faults:
                if f.endpoint in (None, endpoint) and (f.times is None or f.times > 0):
                    if f.times is not None:
                        f.times -= 1
                    break
            else:
                return None
        if f.kind == "slow":
            time.sleep(f.delay)
            return None
        if f.kind == "500":
            return self._error("500.json", 500)
        if f.kind == "429":
            return Response(b'{"error": {"code": "TOO_MANY_REQUESTS"}}', status=429, headers={"Retry-After": "0"},
                            content_type="application/json")
        if f.kind == "404-html":
            return Response(b"<html>Not here</html>", status=404, content_type="text/html")
        if f.kind == "garbage":
            return Response(b"{not json", status=200, content_type="application/json")
        return self._error(f"{f.kind}.json", 200)  # empty / missingopenfda / missingresults

    def _record(self, request: Request) -> dict[str, str]:
        args = {k: request.args[k] for k in request.args}
        with self._lock:
            self.seen.append((request.path, args))
        return args

    def _label(self, request: Request) -> Response:
        args = self._record(request)
        fault = self._fault("label")
        if fault is not None:
            return fault
        m = _PHRASE.match(args.get("search", ""))
        if not m:
            return Response(b'{"error": {"code": "BAD_REQUEST", "message": "Syntax error"}}', status=400,
                            content_type="application/json")
        field, exact, value = m.group(1), bool(m.group(2)), m.group(3)
        key = field.removeprefix("openfda.")
        hits = []
        for raw, result in self.labels.values():
            values = result.get("openfda", {}).get(key, [])
            if any((v == value) if exact else _phrase_in(value, v) for v in values):
                hits.append((raw, result))
        if not hits:
            return self._error("404.json", 404)
        if "count" in args:
            counted = args["count"].removeprefix("openfda.").removesuffix(".exact")
            totals: dict[str, int] = {}
            for raw, result in hits:
                for term in result["openfda"].get(counted, []):
                    totals[term] = totals.get(term, 0) + orjson.loads(raw)["meta"]["results"]["total"]
            rows = [{"term": t, "count": c} for t, c in sorted(totals.items(), key=lambda kv: -kv[1])]
            return self._json({"meta": COUNT_META, "results": rows[: int(args.get("limit", 100))]})
        return Response(hits[0][0], content_type="application/json")  # the real answer, as sent

    def _event(self, request: Request) -> Response:
        args = self._record(request)
        fault = self._fault("event")
        if fault is not None:
            return fault
        m = _PHRASE.match(args.get("search", ""))
        if not m or m.group(1) != "patient.drug.openfda.generic_name" or not m.group(2):
            return self._error("404.json", 404)
        generic = m.group(3)
        if "count" in args:
            rows = REACTIONS.get(generic)
            if not rows:
                return self._error("404.json", 404)
            limit = int(args.get("limit", 100))
            return self._json({"meta": COUNT_META, "results": [{"term": t, "count": c} for t, c in rows[:limit]]})
        name = TOTALS.get(generic)
        if name is None:
            return self._error("404.json", 404)
        return Response((self.root / "event" / name).read_bytes(), content_type="application/json")

    @staticmethod
    def _json(obj: dict) -> Response:
        return Response(orjson.dumps(obj), content_type="application/json")


def closed_port_url() -> str:
    """A loopback URL nobody listens on: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def openfda_server():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def fda(openfda_server, shared_data) -> FakeOpenFDA:
    openfda_server.clear()
    return FakeOpenFDA(openfda_server, shared_data / "openfda")
