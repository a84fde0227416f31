"""Sources: everything that reads ClinicalTrials.gov records from outside.

Readers are split in two steps so that nothing is silently lost:

1. a *stream* step walks files, zips, directories and JSON containers and yields one
   :class:`RawRecord` per study with its exact bytes (constant memory);
2. a *parse* step (:func:`parse_record`) turns one RawRecord into a :class:`~cleartrial.model.Trial`
   or raises :class:`~cleartrial.errors.RecordError`, whose message becomes the quarantine reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FORMAT_JSON = "ctgov-json-v2"
FORMAT_XML = "ctgov-xml"


@dataclass(slots=True)
class RawRecord:
    fmt: str  # FORMAT_JSON or FORMAT_XML
    origin: str  # where it came from: "file.zip!NCT0000xxxx/NCT00000102.xml", "page.json[3]"
    data: bytes  # the record's exact bytes (hashed, kept, and quarantined on failure)
    parsed: Any = None  # for JSON: the object the stream step already decoded (saves a 2nd parse)
    error: str | None = None  # set when the stream step itself could not read this piece
