"""openFDA answers in the store (table ``fda_drugs``, schema version 4), with a time-to-live.

Labels and FAERS counts change at most every few months (FAERS is published quarterly), so
an answer is kept :data:`TTL_FOUND` days; "no label under this name" for less, since a new
approval should show up sooner. An expired answer is not deleted: pages keep showing it, with
its date, until a fresh one replaces it (an old label beats none when the FDA is down).

Reads work on any connection, including the web app's read-only ones (a database opened
before this table existed simply has nothing cached); writes take a short-lived connection of
their own, so the read-only web process can still keep what it fetched.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import orjson

from ..store.codec import pack, unpack

TTL_FOUND = timedelta(days=90)
TTL_NOT_FOUND = timedelta(days=30)


@dataclass(slots=True)
class Entry:
    """One cached answer: ``record`` is :func:`fda.lookup.fetch`'s dict, or None (no label)."""

    name: str
    record: dict | None
    fetched_at: str
    expires_at: str

    @property
    def found(self) -> bool:
        return self.record is not None

    def expired(self, now: datetime | None = None) -> bool:
        now = now or datetime.now(timezone.utc)
        return _parse(self.expires_at) <= now


def _parse(iso: str) -> datetime:
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)  # unreadable: treat as expired
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def make_entry(name: str, record: dict | None, now: datetime | None = None) -> Entry:
    now = now or datetime.now(timezone.utc)
    ttl = TTL_FOUND if record is not None else TTL_NOT_FOUND
    return Entry(name, record, _iso(now), _iso(now + ttl))


def get_many(conn: sqlite3.Connection, names: Iterable[str]) -> dict[str, Entry]:
    wanted = sorted(set(names))
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    try:
        rows = conn.execute(
            f"SELECT name, found, data, fetched_at, expires_at FROM fda_drugs WHERE name IN ({marks})", wanted
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return {}  # a database older than schema version 4, opened read-only
        raise
    out = {}
    for name, found, data, fetched_at, expires_at in rows:
        record = orjson.loads(unpack(data)) if found and data is not None else None
        out[name] = Entry(name, record, fetched_at, expires_at)
    return out


def put(conn: sqlite3.Connection, entry: Entry) -> None:
    data = pack(orjson.dumps(entry.record)) if entry.record is not None else None
    with conn:
        conn.execute(
            "INSERT OR REPLACE INTO fda_drugs(name, found, data, fetched_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (entry.name, int(entry.found), data, entry.fetched_at, entry.expires_at),
        )


def put_to_file(path: str, entry: Entry, *, timeout: float = 5.0) -> None:
    """Write one answer through a connection of its own (waits ``timeout`` s for a busy database)."""
    conn = sqlite3.connect(path, timeout=timeout)
    try:
        put(conn, entry)
    finally:
        conn.close()


def stamp(conn: sqlite3.Connection) -> tuple:
    """Changes whenever an answer is written: lets a page cache notice new FDA data."""
    try:
        return tuple(conn.execute("SELECT count(*), max(fetched_at) FROM fda_drugs").fetchone())
    except sqlite3.OperationalError:
        return (0, None)


def names_due(conn: sqlite3.Connection, names: Iterable[str], now: datetime | None = None) -> list[str]:
    """The names with no answer yet or an expired one, in the order given."""
    have = get_many(conn, names)
    return [n for n in dict.fromkeys(names) if n not in have or have[n].expired(now)]
