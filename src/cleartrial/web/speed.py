"""Two things that keep pages fast without changing a byte of them.

* :class:`DictFirstEnvironment`: Jinja looks up ``t.header.title`` as an attribute first and
  only then as a key; on the plain dicts the views build, that first try raises (and catches)
  an AttributeError at every dot. Looking up the key first, for a name that is not an
  attribute of ``dict`` anyway, gives the same value without the exception: the trial page
  renders about a third faster.
* :class:`PageCache`: rendered trial pages (HTML and JSON twin), per process, least recently
  used first out, bounded in bytes. An entry is used only while the stored trial is the one it
  was rendered from (its row's last update, load time and raw-record hash, read in one indexed
  lookup before the trial itself) and while the page's one time-dependent phrase ("our copy
  is 3 days old") still reads the same; otherwise the page is rendered again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from jinja2 import Environment

_DICT_ATTRS = frozenset(dir(dict))


class DictFirstEnvironment(Environment):
    def getattr(self, obj, attribute):  # Jinja's name for the lookup behind "a.b"
        # For a dict, getattr(obj, attribute) can only succeed for dict's own attributes, so
        # for any other name trying the key first returns exactly what Jinja would.
        if type(obj) is dict and attribute not in _DICT_ATTRS:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


MAX_BYTES = 32 * 1024 * 1024  # per server process
MAX_ENTRY_BYTES = 1024 * 1024  # a trial with thousands of sites, all listed: not kept


class PageCache:
    """Rendered pages by key, each with the trial version and the time words it was made with."""

    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[tuple, str | None, str | None, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: tuple | None, age_words: Callable[[str | None], str | None]) -> bytes | None:
        if version is None:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
        _, copied_at, words, body = entry
        if age_words(copied_at) != words:
            return None  # a day has passed since it was rendered
        self.hits += 1
        return body

    def put(self, key: Hashable, version: tuple | None, copied_at: str | None, words: str | None, body: bytes) -> None:
        if version is None or len(body) > MAX_ENTRY_BYTES:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= len(old[3])
            self._entries[key] = (version, copied_at, words, body)
            self.size += len(body)
            while self.size > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self.size -= len(dropped[3])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0


def trial_version(store, nct_id: str) -> tuple | None:
    """What identifies the stored copy of a trial (None: no trial has exactly this id)."""
    return store.conn.execute(
        "SELECT id, last_update, loaded_at, raw_sha256 FROM trials WHERE nct_id = ?", (nct_id,)
    ).fetchone()
