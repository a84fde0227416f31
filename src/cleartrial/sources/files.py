"""Walk files, directories and zips and yield one :class:`RawRecord` per study, streaming.

Shapes read (by content, not only by file name):

* legacy XML: one ``clinical_study`` per ``.xml`` file, in a directory or the AllPublicXML zip;
* API v2 JSON: one study object, an array of studies (the site's "download as JSON"), an API
  page ``{"studies": [...], "nextPageToken": ...}``, JSON Lines / concatenated values, a zip of
  per-study files (the registry's bulk JSON download), or a directory of any of these.

Memory stays constant whatever the file size: JSON is decoded one top-level value (or one
array element) at a time from a sliding text buffer, and zip members are read one by one.
"""

from __future__ import annotations

import codecs
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from ..errors import SourceError
from . import FORMAT_JSON, FORMAT_XML, RawRecord

_CHUNK = 1 << 20  # 1 MiB of text per read
_MAX_QUARANTINE_TAIL = 16 << 20  # keep at most this much of an unreadable tail
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
XML_SUFFIXES = (".xml",)

_decoder = json.JSONDecoder()
_WS = " \t\n\r\ufeff"


def iter_records(path: str | os.PathLike, *, on_skip: Callable[[str], None] | None = None) -> Iterator[RawRecord]:
    """Yield every study found at ``path`` (file, zip or directory).

    Files that are not records (``Contents.txt`` in AllPublicXML, a README…) are passed to
    ``on_skip`` so that callers can report them; they are never read as studies.
    """
    p = Path(path)
    if p.is_dir():
        for root, dirs, files in os.walk(p):
            dirs.sort()
            for name in sorted(files):
                yield from _iter_file(Path(root) / name, on_skip)
    elif p.is_file():
        yield from _iter_file(p, on_skip, explicit=True)
    else:
        raise SourceError(f"{path}: no such file or directory")


def _iter_file(p: Path, on_skip, explicit: bool = False) -> Iterator[RawRecord]:
    suffix = p.suffix.lower()
    if suffix == ".zip" or (explicit and zipfile.is_zipfile(p)):
        yield from _iter_zip(p, on_skip)
    elif suffix in JSON_SUFFIXES:
        with open(p, "rb") as fh:
            yield from iter_json_stream(fh, str(p))
    elif suffix in XML_SUFFIXES:
        yield RawRecord(FORMAT_XML, str(p), p.read_bytes())
    elif explicit:
        # The person named this file: sniff it rather than refuse it for its name.
        with open(p, "rb") as fh:
            head = fh.read(512).lstrip()
            fh.seek(0)
            if head.startswith((b"{", b"[", b"\xef\xbb\xbf")):
                yield from iter_json_stream(fh, str(p))
            elif head.startswith(b"<"):
                yield RawRecord(FORMAT_XML, str(p), fh.read())
            else:
                raise SourceError(f"{p}: not a ClinicalTrials.gov JSON, XML or zip file")
    elif on_skip:
        on_skip(str(p))


def _iter_zip(p: Path, on_skip) -> Iterator[RawRecord]:
    try:
        zf = zipfile.ZipFile(p)
    except zipfile.BadZipFile as exc:
        raise SourceError(f"{p}: not a readable zip file ({exc})") from exc
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = info.filename
            origin = f"{p}!{name}"
            lower = name.lower()
            if lower.endswith(XML_SUFFIXES):
                yield _read_member(zf, info, FORMAT_XML, origin)
            elif lower.endswith(JSON_SUFFIXES):
                try:
                    with zf.open(info) as fh:
                        yield from iter_json_stream(fh, origin)
                except (zipfile.BadZipFile, OSError, EOFError) as exc:
                    yield RawRecord(FORMAT_JSON, origin, b"", error=f"zip member unreadable: {exc}")
            elif on_skip:
                on_skip(origin)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, fmt: str, origin: str) -> RawRecord:
    try:
        return RawRecord(fmt, origin, zf.read(info))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:  # CRC error, truncated zip
        return RawRecord(fmt, origin, b"", error=f"zip member unreadable: {exc}")


class _TextBuffer:
    """A sliding window of decoded text over a binary stream."""

    def __init__(self, fh: IO[bytes]):
        self.fh = fh
        # Invalid UTF-8 bytes become lone surrogates ("surrogateescape") instead of failing
        # the whole chunk: the record holding them is quarantined with its exact bytes and
        # every other record in the chunk still loads.
        self.dec = codecs.getincrementaldecoder("utf-8-sig")(errors="surrogateescape")
        self.in_array = False  # inside a list of studies: a syntax error cannot resync
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.consumed = 0  # characters dropped from the front (for offsets in messages)
        self.keep_from: int | None = None  # absolute index that must stay in the buffer

    def fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.fh.read(_CHUNK)
        if not chunk:
            self.buf += self.dec.decode(b"", final=True)
            self.eof = True
            return False
        self.buf += self.dec.decode(chunk)
        return True

    def compact(self) -> None:
        cut = self.pos if self.keep_from is None else min(self.pos, self.keep_from - self.consumed)
        if cut > _CHUNK:
            self.buf = self.buf[cut:]
            self.pos -= cut
            self.consumed += cut

    def skip_ws(self) -> str | None:
        """Skip whitespace; return the next character, or None at the end of the stream."""
        while True:
            buf, pos, n = self.buf, self.pos, len(self.buf)
            while pos < n and buf[pos] in _WS:
                pos += 1
            self.pos = pos
            if pos < n:
                return buf[pos]
            if not self.fill():
                return None

    def decode_value(self) -> tuple[object, int, int]:
        """Decode one JSON value at pos; return (value, start, end) as buffer indexes."""
        while True:
            start = self.pos
            try:
                value, end = _decoder.raw_decode(self.buf, start)
            except json.JSONDecodeError:
                if self.fill():
                    continue
                raise
            # A value that ends exactly at the end of the buffer may be cut short (a number).
            if end == len(self.buf) and self.fill():
                continue
            self.pos = end
            return value, start, end

    def expect(self, chars: str) -> str:
        c = self.skip_ws()
        if c is None or c not in chars:
            got = "end of file" if c is None else repr(c)
            raise json.JSONDecodeError(f"expected one of {chars!r}, found {got}", self.buf, self.pos)
        self.pos += 1
        return c

    def offset(self) -> int:
        return self.consumed + self.pos

    def tail_bytes(self) -> bytes:
        """The unread rest of the stream (bounded), for quarantine after a syntax error."""
        out = _bytes(self.buf[self.pos :])
        while not self.eof and len(out) < _MAX_QUARANTINE_TAIL:
            chunk = self.fh.read(_CHUNK)
            if not chunk:
                break
            out += chunk
        return out[:_MAX_QUARANTINE_TAIL]


def iter_json_stream(fh: IO[bytes], origin: str) -> Iterator[RawRecord]:
    """Yield the studies in one JSON (or JSON Lines) stream, whatever its container shape."""
    tb = _TextBuffer(fh)
    index = 0
    while True:
        c = tb.skip_ws()  # never a decoding error: invalid bytes are kept as surrogates
        if c is None:
            return
        try:
            if c == "[":
                tb.pos += 1
                for rec in _iter_array(tb, origin, index):
                    index += 1
                    yield rec
            elif c == "{":
                for rec in _iter_object(tb, origin, index):
                    index += 1
                    yield rec
            else:
                raise json.JSONDecodeError(f"unexpected {c!r} where a study or list of studies should start", tb.buf, tb.pos)
        except json.JSONDecodeError as exc:
            where = f"{origin} at character {tb.offset()}"
            msg = exc.msg
            # JSON Lines can resume at the next line; inside one big value we cannot resync.
            bad_start = tb.pos if tb.keep_from is None else tb.keep_from - tb.consumed
            line_end = tb.buf.find("\n", tb.pos)
            if not tb.in_array and line_end != -1 and tb.buf[line_end + 1 : line_end + 2] == "{":
                bad = _bytes(tb.buf[bad_start:line_end])
                tb.pos = line_end + 1
                tb.keep_from = None
                yield RawRecord(FORMAT_JSON, where, bad, error=f"invalid JSON: {msg}")
                continue
            tb.pos = bad_start
            yield RawRecord(FORMAT_JSON, where, tb.tail_bytes(), error=f"invalid JSON: {msg}; the rest of this file was not read")
            return


def _bytes(text: str) -> bytes:
    """Text back to the exact bytes it was decoded from (invalid bytes included)."""
    return text.encode("utf-8", "surrogateescape")


def _record(tb: _TextBuffer, origin: str, value: object, start: int, end: int) -> RawRecord:
    text = tb.buf[start:end]
    try:
        return RawRecord(FORMAT_JSON, origin, text.encode("utf-8"), parsed=value)
    except UnicodeEncodeError as exc:  # a lone surrogate: bytes that were not UTF-8
        offset = len(_bytes(text[: exc.start]))
        return RawRecord(FORMAT_JSON, origin, _bytes(text),
                         error=f"not valid UTF-8 text (byte {offset} of the record)")


def _iter_array(tb: _TextBuffer, origin: str, index: int) -> Iterator[RawRecord]:
    if tb.skip_ws() == "]":
        tb.pos += 1
        return
    tb.in_array = True
    while True:
        tb.skip_ws()
        value, start, end = tb.decode_value()
        yield _record(tb, f"{origin}[{index}]", value, start, end)
        index += 1
        tb.compact()
        if tb.expect(",]") == "]":
            tb.in_array = False
            return


def _iter_object(tb: _TextBuffer, origin: str, index: int) -> Iterator[RawRecord]:
    """A top-level object is either one study or an API page holding ``studies``."""
    start_abs = tb.offset()
    tb.keep_from = start_abs
    tb.pos += 1  # past "{"
    fields: dict[str, object] = {}
    page = False
    if tb.skip_ws() == "}":
        tb.pos += 1
    else:
        while True:
            tb.skip_ws()
            key, _, _ = tb.decode_value()
            tb.expect(":")
            if key == "studies" and tb.skip_ws() == "[":
                page = True
                tb.keep_from = None  # the page object itself is not a record: let it slide
                tb.pos += 1
                for rec in _iter_array(tb, f"{origin}:studies", index):
                    index += 1
                    yield rec
            else:
                tb.skip_ws()
                fields[str(key)], _, _ = tb.decode_value()
            if tb.expect(",}") == "}":
                break
    if not page:
        start = start_abs - tb.consumed
        yield _record(tb, origin if index == 0 else f"{origin}[{index}]", fields, start, tb.pos)
    tb.keep_from = None
    tb.compact()
