"""FDA answers for pages: from the cache at once, missing ones fetched in the background.

A page must never wait long on the FDA. So a page asks :meth:`FdaService.answers` for its
drugs and gets, for each, the cached answer (even an expired one: it is shown with its date
and refreshed behind the scenes), or a fetch is started on a small thread pool and the page
waits for it at most ``wait`` seconds (1.5 by default; 0 where waiting would block other
requests). What has not arrived by then is "pending": the page says so and offers to check
again, and the answer lands in the cache for the next view.

When openFDA cannot be reached or keeps failing, new fetches pause for a minute (an hour
after the daily allowance is used up): a down FDA costs one short timeout a minute, not one
per page. Fetches are shared: two pages asking for "zolpidem" at once wait on one request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass

from ..errors import FdaAPIError, FdaLimitReached
from ..sources.openfda import OpenFDAClient, configured_api_key, configured_base_url
from . import cache, lookup

log = logging.getLogger("cleartrial.fda")

PAGE_WAIT = 1.5  # seconds a page may wait for a drug it has never seen
PAGE_TIMEOUT = 5.0  # one request from the web process (the page stopped waiting long before)
PAGE_CONNECT_TIMEOUT = 2.0
PAUSE_WHEN_DOWN = 60.0
PAUSE_WHEN_LIMITED = 3600.0
MEMO_SIZE = 2000  # answers kept in memory too (a read-only or in-memory database)


@dataclass(slots=True)
class Answer:
    """What a page can say about one drug (one chain of names to try, see fda.names.Mention).

    ``status``: ``found`` (``entry`` holds the label), ``no_label`` (openFDA has none under any
    of the names), ``pending`` (asked just now, no answer yet), ``unavailable`` (openFDA could
    not be reached or failed), ``off`` (this server never asks openFDA)."""

    status: str
    entry: cache.Entry | None = None
    stale: bool = False  # the answer is past its time-to-live; a fresh one is on its way
    reason: str | None = None


class FdaService:
    def __init__(
        self,
        db_path: str | None,
        *,
        base_url: str | None = ...,  # type: ignore[assignment]  (... = from the settings)
        api_key: str | None = ...,  # type: ignore[assignment]
        wait: float = PAGE_WAIT,
        client_factory: Callable[[], OpenFDAClient] | None = None,
        workers: int = 2,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.db_path = db_path if db_path and db_path != ":memory:" else None
        self.base_url = configured_base_url() if base_url is ... else base_url
        self.api_key = configured_api_key() if api_key is ... else api_key
        self.wait = wait
        self.on_change = on_change
        self._client_factory = client_factory or self._page_client
        self._client: OpenFDAClient | None = None
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._inflight: dict[tuple[str, ...], Future] = {}
        self._memo: OrderedDict[str, cache.Entry] = OrderedDict()
        self._paused_until = 0.0
        self._closed = False
        self.last_error: str | None = None

    @property
    def enabled(self) -> bool:
        return self.base_url is not None

    def _page_client(self) -> OpenFDAClient:
        # One retry at most: a page's visitor has gone long before a patient batch would give up.
        return OpenFDAClient(self.base_url, api_key=self.api_key, timeout=PAGE_TIMEOUT,
                             connect_timeout=PAGE_CONNECT_TIMEOUT, max_retries=1, backoff_base=0.5, max_backoff=2.0)

    def close(self) -> None:
        """Stop: queued lookups are dropped and running ones end at their next request."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            client, self._client = self._client, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if client is not None:
            client.close()

    # -- reading ---------------------------------------------------------------------------

    def answers(self, conn, chains: Iterable[tuple[str, ...]], *, wait: float | None = None) -> dict[tuple[str, ...], Answer]:
        """An answer per chain of names, fetching missing ones for at most ``wait`` seconds."""
        chains = [c for c in dict.fromkeys(chains) if c]
        if not chains:
            return {}
        names = {n for c in chains for n in c}
        stored = cache.get_many(conn, names) if conn is not None else {}
        futures = []
        for chain in chains:
            _, missing, refresh = self._walk(chain, stored)
            if missing or refresh:
                future = self._start(missing or refresh)
                if missing and future is not None:
                    futures.append(future)
        budget = self.wait if wait is None else wait
        if futures and budget > 0:
            wait_for(futures, timeout=budget)
        return {chain: self._walk(chain, stored)[0] for chain in chains}

    def _known(self, name: str, stored: dict[str, cache.Entry]) -> cache.Entry | None:
        with self._lock:
            memo = self._memo.get(name)
        entry = stored.get(name)
        if memo is not None and (entry is None or memo.fetched_at >= entry.fetched_at):
            return memo
        return entry

    def _walk(self, chain: tuple[str, ...], stored: dict[str, cache.Entry]):
        """(answer so far, names still to fetch, names to refresh): the first name with a
        label wins; a name without an answer stops the walk (the rest depend on it)."""
        stale = False
        for i, name in enumerate(chain):
            entry = self._known(name, stored)
            if entry is None:
                return self._not_yet(chain[i:]), chain[i:], ()
            expired = entry.expired()
            if entry.found:
                return Answer("found", entry, stale=expired), (), (chain[i:] if expired else ())
            stale = stale or expired
        answer = Answer("no_label", stale=stale)
        return answer, (), (chain if stale else ())

    def _not_yet(self, rest: tuple[str, ...]) -> Answer:
        if not self.enabled:
            return Answer("off", reason="This server does not ask the FDA.")
        with self._lock:
            future = self._inflight.get(rest)
        if future is not None and not future.done():
            return Answer("pending")
        if future is not None and future.exception() is not None:
            return Answer("unavailable", reason=str(future.exception()))
        if time.monotonic() < self._paused_until:
            return Answer("unavailable", reason=self.last_error)
        return Answer("pending")

    # -- fetching --------------------------------------------------------------------------

    def _start(self, chain: tuple[str, ...]) -> Future | None:
        if not self.enabled or self._closed or time.monotonic() < self._paused_until:
            return None
        with self._lock:
            future = self._inflight.get(chain)
            if future is not None and not future.done():
                return future
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="openfda")
            future = self._pool.submit(self._fetch_chain, chain)
            self._inflight[chain] = future
        return future

    def _fetch_chain(self, chain: tuple[str, ...]) -> None:
        try:
            for name in chain:
                with self._lock:
                    if self._closed:
                        return
                    if self._client is None:
                        self._client = self._client_factory()
                    client = self._client
                entry = cache.make_entry(name, lookup.fetch(client, name))
                self._remember(entry)
                if entry.found:
                    return
        except FdaAPIError as exc:
            pause = PAUSE_WHEN_LIMITED if isinstance(exc, FdaLimitReached) else PAUSE_WHEN_DOWN
            self._paused_until = time.monotonic() + pause
            self.last_error = str(exc)
            log.warning("openFDA: %s (new lookups paused for %d s)", exc, pause)
            raise
        finally:
            if self.on_change is not None:
                try:
                    self.on_change()
                except Exception:  # a page cache that cannot be cleared must not lose the answer
                    log.exception("openFDA: on_change failed")

    def _remember(self, entry: cache.Entry) -> None:
        with self._lock:
            self._memo[entry.name] = entry
            self._memo.move_to_end(entry.name)
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        if self.db_path is None:
            return
        try:
            cache.put_to_file(self.db_path, entry)
        except Exception as exc:  # read-only file, busy database: the memo still has it
            log.warning("openFDA: could not cache %r in %s: %s", entry.name, self.db_path, exc)
