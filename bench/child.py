"""One benchmark step in its own process (so peak memory is its own); prints one JSON line.

  python -m bench.child load DB PATH...
  python -m bench.child search DB
  python -m bench.child scale DB XML_ZIP JSON_ZIP N
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import sys
import time
from collections.abc import Iterator

from cleartrial.loader import default_workers, load_paths, load_records
from cleartrial.search import SearchQuery, search
from cleartrial.sources import RawRecord
from cleartrial.sources.files import iter_records
from cleartrial.store import Store

WORKERS = int(os.environ.get("BENCH_WORKERS", default_workers()))

# Ten realistic searches a patient or caregiver would run, with the filters they would set.
QUERIES: list[tuple[str, SearchQuery]] = [
    ("breast cancer, recruiting, 45, female, near 10001 500mi",
     SearchQuery("breast cancer", statuses=["RECRUITING"], age=45, sex="female", near="10001", radius_miles=500)),
    ("dermatomyositis", SearchQuery("dermatomyositis")),
    ("type 2 diabetes, 60, recruiting or not yet",
     SearchQuery("type 2 diabetes", age=60, statuses=["RECRUITING", "NOT_YET_RECRUITING"])),
    ("lung cancer, phase 3", SearchQuery("lung cancer", phases=["3"])),
    ("asthma, age 10", SearchQuery("asthma", age=10)),
    ("heart attack (MeSH synonym)", SearchQuery("heart attack")),
    ("HIV near San Francisco, CA 100mi", SearchQuery("HIV", near="San Francisco, CA", radius_miles=100)),
    ("depression, male, 30, interventional",
     SearchQuery("depression", sex="male", age=30, study_types=["interventional"])),
    ("alzheimer* page 2", SearchQuery("alzheimer*", page=2)),
    ("(no text) recruiting near Boston, MA 50mi by distance",
     SearchQuery("", statuses=["RECRUITING"], near="Boston, MA", radius_miles=50, sort="distance")),
]
RUNS = int(os.environ.get("BENCH_SEARCH_RUNS", "30"))


def _peak_mb() -> dict:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_mb": own, "worker_peak_mb": workers, "workers": WORKERS}


def cmd_load(db: str, *paths: str) -> dict:
    store = Store(db)
    t = time.perf_counter()
    report = load_paths(store, paths, workers=WORKERS)
    store.optimize()
    seconds = time.perf_counter() - t
    store.close()
    c = report.counts
    return {"studies": c.total, "new": c.new, "quarantined": c.quarantined, "seconds": seconds, **_peak_mb()}


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def cmd_search(db: str) -> dict:
    store = Store(db, readonly=True)
    out, every = [], []
    for label, q in QUERIES:
        result = search(store, q)  # warm-up (caches, gazetteer)
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            search(store, q)
            times.append((time.perf_counter() - t) * 1000)
        every += times
        out.append({"label": label, "total": result.total, "p50_ms": _pct(times, 50), "p95_ms": _pct(times, 95)})
    return {"queries": out, "p50_ms": _pct(every, 50), "p95_ms": _pct(every, 95), "runs": len(every),
            "mean_ms": statistics.fmean(every)}


_NCT = re.compile(rb"NCT\d{8}")


def scaled_records(xml_zip: str, json_zip: str, n: int) -> Iterator[RawRecord]:
    """The real records again and again with new ids (NCT9xxxxxxx) until n studies."""
    base = [r for path in (xml_zip, json_zip) for r in iter_records(path) if not r.error]
    for r in base:
        r.parsed = None
    made = 0
    copy = 0
    while made < n:
        for i, r in enumerate(base):
            if made >= n:
                return
            m = _NCT.search(r.data)
            if m is None:
                continue
            new_id = b"NCT%08d" % (90_000_000 + copy * 100_000 + i)
            yield RawRecord(r.fmt, f"scaled:{new_id.decode()}", r.data.replace(m.group(), new_id))
            made += 1
        copy += 1


def cmd_scale(db: str, xml_zip: str, json_zip: str, n: str) -> dict:
    store = Store(db)
    t = time.perf_counter()
    report = load_records(store, scaled_records(xml_zip, json_zip, int(n)), workers=WORKERS)
    store.optimize()
    seconds = time.perf_counter() - t
    store.close()
    return {"studies": report.counts.total, "new": report.counts.new, "seconds": seconds, **_peak_mb()}


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    result = {"load": cmd_load, "search": cmd_search, "scale": cmd_scale}[cmd](*args)
    print(json.dumps(result))
