"""Sources: everything that reads ClinicalTrials.gov records from outside.

Readers are split in two steps so that nothing is silently lost:

1. a *stream* step walks files, zips, directories and JSON containers and yields one
   :class:`RawRecord` per study with its exact bytes (constant memory);
2. a *parse* step (:func:`parse_record`) turns one RawRecord into a :class:`~cleartrial.model.Trial`
   or raises :class:`~cleartrial.errors.RecordError`, whose message becomes the quarantine reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import orjson

from ..errors import RecordError
from ..model import Provenance, Trial

FORMAT_JSON = "ctgov-json-v2"
FORMAT_XML = "ctgov-xml"


@dataclass(slots=True)
class RawRecord:
    fmt: str  # FORMAT_JSON or FORMAT_XML
    origin: str  # where it came from: "file.zip!NCT0000xxxx/NCT00000102.xml", "page.json[3]"
    data: bytes  # the record's exact bytes (hashed, kept, and quarantined on failure)
    parsed: Any = None  # for JSON: the object the stream step already decoded (saves a 2nd parse)
    error: str | None = None  # set when the stream step itself could not read this piece


def parse_record(rec: RawRecord) -> Trial:
    """Turn one RawRecord into a Trial with its provenance; raise RecordError if we cannot."""
    if rec.error:
        raise RecordError(rec.error)
    if rec.fmt == FORMAT_JSON:
        from .ctgov_json import parse_json_study

        obj = rec.parsed
        if obj is None:
            try:
                obj = orjson.loads(rec.data)
            except orjson.JSONDecodeError as exc:
                raise RecordError(f"invalid JSON: {exc}") from exc
        trial = parse_json_study(obj, origin=rec.origin)
    elif rec.fmt == FORMAT_XML:
        from .ctgov_xml import parse_xml_study

        trial = parse_xml_study(rec.data, origin=rec.origin)
    else:
        raise RecordError(f"unknown record format {rec.fmt!r}")
    stamp_provenance(trial, rec.data, rec.fmt, source_file=rec.origin)
    return trial


def stamp_provenance(
    trial: Trial, raw: bytes, fmt: str, *, source_file: str | None, fetched_at: str | None = None
) -> Trial:
    """Record where a trial came from, when, and a hash of its exact source bytes."""
    trial.provenance = Provenance(
        source_format=fmt,
        source_file=source_file,
        loaded_at=utc_now(),
        fetched_at=fetched_at,
        record_last_update=trial.last_update,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
    )
    return trial


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
