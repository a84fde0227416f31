"""Load bulk files into the store: stream records, parse, upsert in batches, quarantine failures.

Parsing and preparing rows (serialising, compressing, placing sites) is CPU work done in
worker processes when more than one core is available; the one SQLite writer only writes.
Each batch is one transaction, so stopping a load half-way keeps every trial whole, and
loading the same file again reports its trials as unchanged.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import orjson

from .errors import RecordError
from .sources import RawRecord, parse_record, utc_now
from .sources.files import iter_records
from .store import IngestCounts, PreparedTrial, Quarantined, Store, prepare

BATCH = 250  # records per worker task and per transaction
MAX_PENDING = 8  # batches in flight: bounds memory whatever the input size


@dataclass
class LoadReport:
    counts: IngestCounts = field(default_factory=IngestCounts)
    skipped_files: list[str] = field(default_factory=list)  # not records (Contents.txt…)
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (origin, reason)

    def as_dict(self) -> dict:
        return {
            **self.counts.as_dict(),
            "skipped_files": self.skipped_files,
            "quarantined_records": [{"origin": o, "reason": r} for o, r in self.quarantined],
        }


def default_workers() -> int:
    return max(1, min(4, (os.cpu_count() or 1)))


def load_paths(
    store: Store,
    paths: Iterable[str | os.PathLike],
    *,
    progress: Callable[[int, str], None] | None = None,
    workers: int | None = None,
) -> LoadReport:
    """Load every study under ``paths``; ``progress(n_done, origin)`` is called per batch."""
    paths = list(paths)
    report = LoadReport()
    records = (rec for path in paths for rec in iter_records(path, on_skip=report.skipped_files.append))
    load_records(store, records, report=report, progress=progress, workers=workers)
    store.set_meta(
        "last_load",
        orjson.dumps({"finished_at": utc_now(), "paths": [str(p) for p in paths], **report.counts.as_dict()}).decode(),
    )
    return report


def load_records(
    store: Store,
    records: Iterable[RawRecord],
    *,
    report: LoadReport | None = None,
    progress: Callable[[int, str], None] | None = None,
    workers: int | None = None,
) -> LoadReport:
    """Parse, prepare and store a stream of raw records (files or generated), then rebuild
    the spelling vocabulary (Store.refresh_spelling)."""
    report = report if report is not None else LoadReport()
    workers = default_workers() if workers is None else workers
    done = 0
    for batch in _prepared_batches(records, workers):
        for item in batch:
            if isinstance(item, Quarantined):
                report.quarantined.append((item.origin, item.reason))
        report.counts += store.ingest(batch)
        done += len(batch)
        if progress:
            progress(done, batch[-1].origin if isinstance(batch[-1], Quarantined) else batch[-1].source_file or "")
    # Once per load, not per batch: the spelling vocabulary is rebuilt whole (half a second
    # at registry size), and a search meanwhile corrects words against the previous one.
    store.refresh_spelling()
    return report


def _chunks(records: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    batch: list[RawRecord] = []
    for rec in records:
        # The stream step's decoded JSON is cheaper to re-parse in the worker than to pickle.
        rec.parsed = None
        batch.append(rec)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _prepared_batches(records: Iterable[RawRecord], workers: int) -> Iterator[list[PreparedTrial | Quarantined]]:
    if workers <= 1:
        for chunk in _chunks(records, BATCH):
            yield prepare_batch(chunk)
        return
    _warm_up()  # load the gazetteer once, before forking, so every worker shares it
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        pending: deque = deque()
        for chunk in _chunks(records, BATCH):
            pending.append(pool.apply_async(prepare_batch, (chunk,)))
            if len(pending) >= MAX_PENDING:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def prepare_batch(records: list[RawRecord]) -> list[PreparedTrial | Quarantined]:
    out: list[PreparedTrial | Quarantined] = []
    for rec in records:
        try:
            out.append(prepare(parse_record(rec), rec.data))
        except RecordError as exc:
            out.append(Quarantined(rec.origin, rec.fmt, str(exc), rec.data))
    return out


def _warm_up() -> None:
    from .errors import UnknownPlace
    from .geo import geocode

    try:
        geocode("10001")
    except UnknownPlace:
        pass
