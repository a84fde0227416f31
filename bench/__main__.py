"""cleartrial benchmarks: ``make bench`` (or ``python -m bench [part ...]``).

Parts (all by default):
  load    load throughput (studies/s) and peak memory for the shared XML zip and JSON zip
  search  search latency p50/p95 for ten realistic queries on the real corpus
  scale   the same at registry size: ~560,000 studies made from the real ones (new ids,
          same text), loaded through the real pipeline; database size and peak memory
  web     `cleartrial serve` (1 and 2 workers) under load: trial page, its JSON twin,
          search page, home: p50/p95 latency, requests/s, errors (bench/web.py); on the real
          corpus and, when bench/out holds it, the registry-size corpus

Settings: CLEARTRIAL_SHARED_DATA (default ../shared/data), BENCH_SCALE (studies in the scaled
corpus, default 560000), BENCH_OUT (default bench/out), BENCH_WORKERS (loader workers),
BENCH_WEB_* (bench/web.py).
Each load runs in a fresh subprocess so that its peak memory is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = Path(os.environ.get("CLEARTRIAL_SHARED_DATA", REPO.parent / "shared" / "data"))
OUT = Path(os.environ.get("BENCH_OUT", HERE / "out"))
SCALE = int(os.environ.get("BENCH_SCALE", "560000"))
XML_ZIP = SHARED / "ctgov" / "AllPublicXML-sample.zip"
JSON_ZIP = SHARED / "ctgov" / "ctg-studies-sample.json.zip"


def _run_child(*args: str) -> dict:
    """Run a bench.child command in a fresh process; return its JSON line plus peak RSS."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.child", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"benchmark step failed: {' '.join(args)}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def bench_load() -> Path:
    print("\n== Load throughput (real shared files, fresh database each) ==")
    print(f"{'file':32} {'studies':>8} {'seconds':>8} {'studies/s':>10} {'peak MB':>8}")
    for label, path in (("AllPublicXML-sample.zip", XML_ZIP), ("ctg-studies-sample.json.zip", JSON_ZIP)):
        db = _fresh(OUT / f"load-{path.stem}.db")
        r = _run_child("load", str(db), str(path))
        print(f"{label:32} {r['studies']:>8,} {r['seconds']:>8.2f} {r['studies'] / r['seconds']:>10,.0f} {r['peak_mb']:>8.0f}")
    db = _fresh(OUT / "real.db")
    r = _run_child("load", str(db), str(XML_ZIP), str(JSON_ZIP))
    print(f"{'both (6,680 records)':32} {r['studies']:>8,} {r['seconds']:>8.2f} {r['studies'] / r['seconds']:>10,.0f} {r['peak_mb']:>8.0f}")
    return db


def bench_search(db: Path, label: str) -> None:
    print(f"\n== Search latency, {label} ==")
    r = _run_child("search", str(db))
    print(f"{'query':58} {'total':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for q in r["queries"]:
        print(f"{q['label'][:58]:58} {q['total']:>7,} {q['p50_ms']:>7.2f} {q['p95_ms']:>7.2f}")
    print(f"{'ALL QUERIES':58} {'':>7} {r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f}   ({r['runs']} timed runs)")


def bench_scale() -> Path:
    print(f"\n== Registry-size corpus: {SCALE:,} studies made from the real ones ==")
    db = _fresh(OUT / f"scaled-{SCALE}.db")
    r = _run_child("scale", str(db), str(XML_ZIP), str(JSON_ZIP), str(SCALE))
    size = sum(Path(str(db) + s).stat().st_size for s in ("", "-wal") if Path(str(db) + s).exists())
    print(f"loaded {r['studies']:,} studies in {r['seconds']:.0f} s: {r['studies'] / r['seconds']:,.0f} studies/s; "
          f"peak memory {r['peak_mb']:.0f} MB; database {size / 1e9:.2f} GB")
    return db


def main(argv: list[str]) -> None:
    parts = argv or ["load", "search", "scale", "web"]
    for p in (XML_ZIP, JSON_ZIP):
        if not p.exists():
            raise SystemExit(f"{p} not found: set CLEARTRIAL_SHARED_DATA to the shared data folder")
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"cleartrial benchmarks — {time.strftime('%Y-%m-%d %H:%M')} — {os.cpu_count()} cores")
    real_db = OUT / "real.db"
    if "load" in parts:
        real_db = bench_load()
    if "search" in parts:
        if not real_db.exists():
            _run_child("load", str(real_db), str(XML_ZIP), str(JSON_ZIP))
        bench_search(real_db, "real corpus (6,679 trials)")
    scaled = OUT / f"scaled-{SCALE}.db"
    if "scale" in parts:
        scaled = bench_scale()
        bench_search(scaled, f"registry-size corpus ({SCALE:,} trials)")
    if "web" in parts:
        from bench.web import bench_web, label_for

        if os.environ.get("BENCH_WEB_DBS"):
            dbs = [Path(p) for p in os.environ["BENCH_WEB_DBS"].split(":") if p]
        else:
            if not real_db.exists():
                _run_child("load", str(real_db), str(XML_ZIP), str(JSON_ZIP))
            dbs = [real_db] + ([scaled] if scaled.exists() else [])
        bench_web([(db, label_for(db)) for db in dbs], out=OUT)


if __name__ == "__main__":
    main(sys.argv[1:])
