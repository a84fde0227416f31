"""Web speed: ``cleartrial serve`` as a real process, driven over HTTP.

  python -m bench web                 (part of ``make bench``: the real corpus, and the
                                       registry-size corpus when bench/out holds it)
  python -m bench.web DB [DB ...]     (any databases)

For each database and each worker count (``BENCH_WEB_WORKERS``, default "1,2") this starts
``cleartrial --db DB serve --port P --workers W`` on a free port, waits until it answers,
warms it up (every worker: gazetteer, spelling corrector, database pages), then measures five
kinds of page:

* trial page ``/trials/{id}``, first visits: trials this server has not shown before;
* trial page, visited again: 200 trials shown during the warm-up (the server keeps rendered
  trial pages, cleartrial.web.speed.PageCache);
* its JSON twin ``/trials/{id}.json``, first visits;
* home ``/``;
* search page ``/search?…``, the ten searches of ``bench/child.py`` (``QUERIES``) as the
  search form would send them.

Latency (p50/p95, "server time"): one request at a time over a keep-alive connection
(concurrency 1), timed at the client from sending the request to the last byte; on
localhost this is the server's time plus ~0.1 ms of client and loopback.
Throughput (requests/s): ``wrk -t2 -c16`` for ``BENCH_WEB_SECONDS`` (default 10) per page
kind, cycling through that kind's addresses (first visits: up to 20,000 trials; a smaller
corpus comes round again); wrk comes from Debian (``apt-get install wrk``). Without wrk, a
Python load loop (16 threads, one keep-alive connection each) stands in; it needs far more
CPU per request than wrk, so it understates the server on few cores.
CPU ms/req: the server's CPU time (all its processes) during the throughput run divided by the
requests answered, which holds up better than wall-clock figures on a shared machine.
Errors: any response that is not 200, and any connection error or timeout. Between runs the
benchmark waits until the server is idle (slow searches may still be queued).

Settings: BENCH_WEB_WORKERS ("1,2"), BENCH_WEB_SECONDS (10), BENCH_WEB_CONNECTIONS (16),
BENCH_WEB_REQUESTS (sequential requests per page kind for latency, 300),
BENCH_WEB_SEARCH_RUNS (sequential runs of each search, 10), BENCH_WEB_DBS (databases,
separated by ":", instead of the defaults). The load generator runs on the same machine
as the server and takes CPU from it: on 2 cores, wrk uses a good part of one.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.child import QUERIES, _pct

WORKERS = [int(w) for w in os.environ.get("BENCH_WEB_WORKERS", "1,2").split(",") if w.strip()]
SECONDS = float(os.environ.get("BENCH_WEB_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_WEB_CONNECTIONS", "16"))
REQUESTS = int(os.environ.get("BENCH_WEB_REQUESTS", "300"))
SEARCH_RUNS = int(os.environ.get("BENCH_WEB_SEARCH_RUNS", "10"))
THROUGHPUT_IDS = 20_000  # distinct trials cycled through while measuring throughput
HOST = "127.0.0.1"

KINDS = ("trial", "trial_again", "trial_json", "home", "search")  # search last: at registry size a
# search can take seconds, and the server finishes every queued request before the next kind
KIND_LABELS = {"trial": "trial page, first visits", "trial_again": "trial page, visited again",
               "trial_json": "trial page JSON twin", "search": "search page", "home": "home"}
AGAIN = 200  # trials visited during the warm-up and then again (the server keeps rendered pages)

# -- URLs -----------------------------------------------------------------------------------


def search_url(q) -> str:
    """A bench.child SearchQuery as the address the search form would send.

    The page shows recruiting trials unless told otherwise; a query without statuses (any
    status, in search()) is sent as status=any so that the page runs the same search."""
    pairs: list[tuple[str, str]] = []
    if q.text:
        pairs.append(("q", q.text))
    if q.near:
        pairs += [("near", str(q.near)), ("radius_miles", f"{q.radius_miles:g}")]
    pairs += [("status", s.lower()) for s in q.statuses] if q.statuses else [("status", "any")]
    if q.age is not None:
        pairs.append(("age", f"{q.age:g}"))
    if q.sex:
        pairs.append(("sex", q.sex))
    pairs += [("phase", p) for p in q.phases or []]
    if q.study_types:
        pairs.append(("study_type", q.study_types[0]))
    if q.sort != "relevance":
        pairs.append(("sort", q.sort))
    if q.page != 1:
        pairs.append(("page", str(q.page)))
    return "/search?" + urlencode(pairs)


SEARCHES = [(label, search_url(q)) for label, q in QUERIES]


def sample_ids(db: Path, n: int, seed: int = 20261128) -> list[str]:
    """n different NCT ids spread over the whole database, the same ones on every run."""
    conn = sqlite3.connect(Path(db).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        lo, hi = conn.execute("SELECT min(id), max(id) FROM trials").fetchone()
        total = conn.execute("SELECT count(*) FROM trials").fetchone()[0]
        rng = random.Random(seed)
        if total <= n * 2:
            ids = [r[0] for r in conn.execute("SELECT nct_id FROM trials ORDER BY id")]
            rng.shuffle(ids)
            return ids[:n]
        picked = rng.sample(range(lo, hi + 1), min(hi - lo + 1, n * 2))
        ids = []
        for start in range(0, len(picked), 500):
            chunk = picked[start:start + 500]
            rows = dict(conn.execute(f"SELECT id, nct_id FROM trials WHERE id IN ({','.join('?' * len(chunk))})",
                                     chunk).fetchall())
            ids += [rows[i] for i in chunk if i in rows]
        return ids[:n]
    finally:
        conn.close()


def count_trials(db: Path) -> int:
    conn = sqlite3.connect(Path(db).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM trials").fetchone()[0]
    finally:
        conn.close()


# -- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """``cleartrial serve`` in a subprocess on a free port; stopped with SIGINT on exit."""

    def __init__(self, db: Path, workers: int):
        self.db, self.workers = db, workers
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile("w+", prefix="bench-web-", suffix=".log", delete=False)

    def __enter__(self) -> Server:
        cmd = [sys.executable, "-m", "cleartrial.cli", "--db", str(self.db), "serve", "--host", HOST,
               "--port", str(self.port), "--workers", str(self.workers)]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
        deadline = time.monotonic() + 300  # the first open of an older database migrates it
        while True:
            try:
                status, _ = Client(self.port).get("/")
                if status == 200:
                    return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit("the server did not start:\n" + Path(self.log.name).read_text()[-3000:])
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) used so far by a process and all its descendants (Linux)."""
    try:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
        total, todo = 0, [pid]
        while todo:
            p = todo.pop()
            todo += children.get(p, [])
            try:
                fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
        return total / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None


class Client:
    """One keep-alive HTTP/1.1 connection; reconnects after an error."""

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, int]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        try:
            self.conn.request("GET", path)
            resp = self.conn.getresponse()
            body = resp.read()
            return resp.status, len(body)
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise


# -- measuring ------------------------------------------------------------------------------


def sequential(port: int, paths: list[str]) -> dict:
    """Each path once, one at a time: per-request latency, errors."""
    client = Client(port)
    times, errors, size = [], 0, 0
    for path in paths:
        t = time.perf_counter()
        try:
            status, n = client.get(path)
        except (OSError, http.client.HTTPException):
            errors += 1
            continue
        times.append((time.perf_counter() - t) * 1000)
        size += n
        if status != 200:
            errors += 1
    return {"requests": len(paths), "errors": errors, "p50_ms": _pct(times, 50) if times else None,
            "p95_ms": _pct(times, 95) if times else None, "mean_kb": size / max(1, len(times)) / 1024,
            "times": times}


_WRK_SCRIPT = r"""
local n = 0
function setup(thread)
  thread:set("id", n)
  n = n + 1
end
function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = ((id or 0) * math.floor(#paths / 2)) % #paths
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nBENCH {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


def load_wrk(port: int, paths: list[str], seconds: float, connections: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        script, urls = Path(tmp) / "cycle.lua", Path(tmp) / "paths.txt"
        script.write_text(_WRK_SCRIPT)
        urls.write_text("\n".join(paths) + "\n")
        proc = subprocess.run(
            ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
             "-s", str(script), f"http://{HOST}:{port}", "--", str(urls)],
            capture_output=True, text=True,
        )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed:\n{proc.stdout}\n{proc.stderr}")
    r = json.loads(line[6:])
    errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return {"tool": "wrk", "requests": r["requests"], "seconds": r["duration_us"] / 1e6,
            "rps": r["requests"] / (r["duration_us"] / 1e6), "errors": errors,
            "loaded_p50_ms": r["p50_us"] / 1000, "loaded_p95_ms": r["p95_us"] / 1000}


def load_python(port: int, paths: list[str], seconds: float, connections: int) -> dict:
    """The fallback load generator: `connections` threads, each a keep-alive client."""
    stop_at = time.perf_counter() + seconds
    counts = [[0, 0] for _ in range(connections)]  # requests, errors
    times: list[list[float]] = [[] for _ in range(connections)]

    def run(k: int) -> None:
        client = Client(port, timeout=10)
        i = k * len(paths) // connections
        while time.perf_counter() < stop_at:
            i = (i + 1) % len(paths)
            t = time.perf_counter()
            try:
                status, _ = client.get(paths[i])
                ok = status == 200
            except (OSError, http.client.HTTPException):
                ok = False
            times[k].append((time.perf_counter() - t) * 1000)
            counts[k][0] += 1
            counts[k][1] += 0 if ok else 1

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(k,)) for k in range(connections)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - started
    every = [t for ts in times for t in ts]
    n = sum(c[0] for c in counts)
    return {"tool": "python", "requests": n, "seconds": elapsed, "rps": n / elapsed, "errors": sum(c[1] for c in counts),
            "loaded_p50_ms": _pct(every, 50) if every else None, "loaded_p95_ms": _pct(every, 95) if every else None}


def load(port: int, paths: list[str], seconds: float, connections: int = CONNECTIONS) -> dict:
    if shutil.which("wrk"):
        return load_wrk(port, paths, seconds, connections)
    return load_python(port, paths, seconds, connections)


def warm_up(port: int, paths: list[str], connections: int) -> None:
    """Each of `connections` clients requests every path once (in its own order), so that every
    worker process has loaded its gazetteer and spelling corrector and opened its database."""

    def run(k: int) -> None:
        client, order = Client(port, timeout=600), list(paths)
        random.Random(k).shuffle(order)
        for path in order:
            try:
                client.get(path)
            except (OSError, http.client.HTTPException):
                pass

    threads = [threading.Thread(target=run, args=(k,)) for k in range(connections)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()


def settle(pid: int, limit: float = 600) -> None:
    """Wait until the server is idle: after a load run it may still be working through queued
    requests (slow searches), which would count against the next measurement."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(0.5)
        after = cpu_seconds(pid)
        if before is None or after is None or after - before < 0.05:
            return


# -- one database, one worker count ---------------------------------------------------------


def run(db: Path, workers: int) -> dict:
    ids = sample_ids(db, THROUGHPUT_IDS + 2 * REQUESTS + AGAIN)
    # First visits: trials never requested before from this server, for latency, then a cycle
    # through up to 20,000 more for throughput (on a small corpus the cycle comes round again).
    # Visited again: 200 trials requested in the warm-up, requested again.
    again_ids, html_ids = ids[:AGAIN], ids[AGAIN:AGAIN + REQUESTS]
    json_ids = ids[AGAIN + REQUESTS:AGAIN + 2 * REQUESTS]
    cycle_ids = ids[AGAIN + 2 * REQUESTS:] or ids
    search_paths = [url for _, url in SEARCHES]
    results: dict = {"db": str(db), "workers": workers, "kinds": {}, "searches": [],
                     "loadavg": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    with Server(db, workers) as server:
        port = server.port
        warm_up(port, [f"/trials/{i}" for i in again_ids] + search_paths + ["/"] * 10, connections=2 * workers)
        settle(server.proc.pid)

        seq = {
            "trial": sequential(port, [f"/trials/{i}" for i in html_ids]),
            "trial_again": sequential(port, [f"/trials/{i}" for i in again_ids]),
            "trial_json": sequential(port, [f"/trials/{i}.json" for i in json_ids]),
            "home": sequential(port, ["/"] * REQUESTS),
        }
        per_query = []
        search_times: list[float] = []
        search_errors = 0
        for label, url in SEARCHES:
            r = sequential(port, [url] * SEARCH_RUNS)
            per_query.append({"label": label, "url": url, "p50_ms": r["p50_ms"], "p95_ms": r["p95_ms"],
                              "errors": r["errors"], "kb": r["mean_kb"]})
            search_times += r["times"]
            search_errors += r["errors"]
        seq["search"] = {"requests": len(search_times) + search_errors, "errors": search_errors,
                         "p50_ms": _pct(search_times, 50), "p95_ms": _pct(search_times, 95),
                         "mean_kb": sum(q["kb"] for q in per_query) / len(per_query)}
        results["searches"] = per_query

        cycles = {
            "trial": [f"/trials/{i}" for i in cycle_ids],
            "trial_again": [f"/trials/{i}" for i in again_ids],
            "trial_json": [f"/trials/{i}.json" for i in cycle_ids],
            "search": search_paths,
            "home": ["/"],
        }
        for kind in KINDS:
            settle(server.proc.pid)
            cpu0 = cpu_seconds(server.proc.pid)
            thr = load(port, cycles[kind], SECONDS)
            cpu1 = cpu_seconds(server.proc.pid)  # CPU used while loaded / requests answered
            cpu_ms = (cpu1 - cpu0) * 1000 / max(1, thr["requests"]) if cpu0 is not None and cpu1 is not None else None
            s = seq[kind]
            results["kinds"][kind] = {
                "p50_ms": s["p50_ms"], "p95_ms": s["p95_ms"], "sequential_requests": s["requests"],
                "kb": s["mean_kb"], "rps": thr["rps"], "loaded_requests": thr["requests"],
                "loaded_p50_ms": thr["loaded_p50_ms"], "loaded_p95_ms": thr["loaded_p95_ms"],
                "distinct_urls": len(set(cycles[kind])), "errors": s["errors"] + thr["errors"], "tool": thr["tool"],
                "server_cpu_ms": cpu_ms,
            }
    return results


def print_run(r: dict, label: str) -> None:
    k0 = next(iter(r["kinds"].values()))
    print(f"\n== Web, {label}, {r['workers']} worker{'s' if r['workers'] > 1 else ''} "
          f"(latency: one request at a time; req/s: {k0['tool']}, {CONNECTIONS} connections, {SECONDS:g} s) ==")
    print(f"{'page':28} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>8} {'errors':>7} {'CPU ms/req':>10} {'KB':>6}  "
          f"{'loaded p50/p95 ms':>17}")
    for kind in KINDS:
        k = r["kinds"][kind]
        cpu = f"{k['server_cpu_ms']:.2f}" if k["server_cpu_ms"] is not None else "-"
        print(f"{KIND_LABELS[kind]:28} {k['p50_ms']:>7.2f} {k['p95_ms']:>7.2f} {k['rps']:>8,.0f} {k['errors']:>7,} "
              f"{cpu:>10} {k['kb']:>6.1f}  {k['loaded_p50_ms']:>8.1f}/{k['loaded_p95_ms']:<8.1f}")
    kinds = r["kinds"]
    errors = sum(x["errors"] for x in kinds.values())

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(f"  targets: trial page p95 <= 10 ms {verdict(kinds['trial']['p95_ms'] <= 10)}; "
          f"search page p95 <= 50 ms {verdict(kinds['search']['p95_ms'] <= 50)}; "
          f">= 500 trial pages/s {verdict(kinds['trial']['rps'] >= 500)} (first visits), "
          f"{verdict(kinds['trial_again']['rps'] >= 500)} (visited again); 0 errors {verdict(errors == 0)}")
    print(f"  (load average before this run: {r['loadavg']})")
    print("  search page, per query:")
    for q in r["searches"]:
        print(f"    {q['label'][:56]:56} {q['p50_ms']:>7.2f} {q['p95_ms']:>7.2f}")


def bench_web(dbs: list[tuple[Path, str]], out: Path | None = None) -> list[dict]:
    if not shutil.which("wrk"):
        print("(wrk not found, `apt-get install wrk`: using the Python load loop, which needs more CPU per request)")
    every = []
    for db, label in dbs:
        for w in WORKERS:
            r = run(db, w)
            r["label"] = label
            print_run(r, label)
            every.append(r)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "web.json").write_text(json.dumps(every, indent=1))
    return every


def label_for(db: Path) -> str:
    return f"{db.name} ({count_trials(db):,} trials)"


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]]
    if not paths:
        raise SystemExit(__doc__)
    print(f"cleartrial web benchmark — {time.strftime('%Y-%m-%d %H:%M')} — {os.cpu_count()} cores")
    bench_web([(p, label_for(p)) for p in paths])
