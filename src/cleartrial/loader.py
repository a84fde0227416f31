"""Load bulk files into the store: stream records, parse, upsert in batches, quarantine failures.

Each batch is one transaction, so stopping a load half-way keeps every trial whole; loading the
same file again reports its trials as unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import orjson

from .errors import RecordError
from .sources import RawRecord, parse_record, utc_now
from .sources.files import iter_records
from .store import IngestCounts, Quarantined, Store

BATCH = 500


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


def load_paths(
    store: Store,
    paths: Iterable[str | os.PathLike],
    *,
    progress: Callable[[int, str], None] | None = None,
) -> LoadReport:
    """Load every study under ``paths``; ``progress(n_done, origin)`` is called per record."""
    paths = list(paths)
    report = LoadReport()
    batch: list = []
    done = 0

    def flush() -> None:
        if batch:
            report.counts += store.ingest(batch)
            batch.clear()

    for path in paths:
        for rec in iter_records(path, on_skip=report.skipped_files.append):
            batch.append(_parse_or_quarantine(rec, report))
            done += 1
            if progress:
                progress(done, rec.origin)
            if len(batch) >= BATCH:
                flush()
    flush()
    store.set_meta(
        "last_load",
        orjson.dumps({"finished_at": utc_now(), "paths": [str(p) for p in paths], **report.counts.as_dict()}).decode(),
    )
    return report


def _parse_or_quarantine(rec: RawRecord, report: LoadReport):
    try:
        return parse_record(rec), rec.data
    except RecordError as exc:
        report.quarantined.append((rec.origin, str(exc)))
        return Quarantined(rec.origin, rec.fmt, str(exc), rec.data)
