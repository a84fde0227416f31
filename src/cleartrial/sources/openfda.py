"""A small, polite client for openFDA (``/drug/label.json`` and ``/drug/event.json``).

It follows the ClinicalTrials.gov client's rules (``ctgov_api``), for the same reasons, and adds
what openFDA documents on top:

* **Limits.** openFDA allows 240 requests a minute, and 1,000 a day per address without an API
  key (120,000 with one). Every attempt waits for a slot from a minimum-interval limiter, and a
  per-day count refuses the request that would pass the daily allowance with
  :class:`~cleartrial.errors.FdaLimitReached`, so a batch stops with a message instead of
  being cut off mid-way. The count lives in this process only (the server cannot tell us).
* **"No matches" is an answer.** openFDA says "nothing found" with HTTP 404 and the body
  ``{"error": {"code": "NOT_FOUND"}}``: that returns None, not an error. A 404 without that
  body (a wrong base URL, a proxy page) is an error, because caching it as "no FDA label"
  would hide a real drug for months.
* **Retries.** 429, 5xx, timeouts, broken connections and bodies that are not JSON are retried
  with exponential backoff plus jitter, honouring ``Retry-After``; any other 4xx means our
  query is wrong and stops at once with openFDA's own message.
* **No network, fast.** If the very first request cannot connect, :class:`FdaNoNetwork` is
  raised at once (short connect timeout): a person without internet learns it in seconds.
* **The key stays secret.** ``api_key`` goes in the query string (openFDA's way), so error
  messages name the endpoint only, never the full URL.

Queries only ever carry a drug name, already normalised to letters, digits, spaces and hyphens
(:mod:`cleartrial.fda.names`), so nothing a person typed reaches openFDA's query language.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

import httpx
import orjson

from .. import __version__
from ..errors import FdaAPIError, FdaLimitReached, FdaNoNetwork
from .ctgov_api import RateLimiter, _describe, _retry_after_seconds

DEFAULT_BASE_URL = "https://api.fda.gov"
ENV_BASE_URL = "CLEARTRIAL_OPENFDA_URL"
ENV_API_KEY = "CLEARTRIAL_OPENFDA_KEY"
# CLEARTRIAL_OPENFDA_URL=off: never ask openFDA (pages show only what is already cached).
OFF_VALUES = frozenset({"off", "none", "0", "false", "no"})
USER_AGENT = f"cleartrial/{__version__} (+https://github.com/cleartrial/cleartrial)"

RATE_PER_MINUTE = 240  # openFDA's documented per-minute limit, with or without a key
DAILY_LIMIT_WITHOUT_KEY = 1_000
DAILY_LIMIT_WITH_KEY = 120_000
# Label and event answers are small (a few labels, or a count list), so reads are quick; a
# batch can afford retries, a page cannot (fda.service uses shorter settings for pages).
DEFAULT_TIMEOUT = 20.0
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_MAX_RETRIES = 4
MAX_RETRY_AFTER = 120.0
_MAX_ERROR_TEXT = 300


def configured_base_url() -> str | None:
    """The openFDA base URL from the settings, or None when requests are turned off."""
    value = (os.environ.get(ENV_BASE_URL) or "").strip()
    if value.lower() in OFF_VALUES:
        return None
    return (value or DEFAULT_BASE_URL).rstrip("/")


def configured_api_key() -> str | None:
    return (os.environ.get(ENV_API_KEY) or "").strip() or None


class DailyBudget:
    """Requests left today (UTC), counted in this process."""

    def __init__(self, limit: int | None, *, keyless: bool = True,
                 today: Callable[[], date] = lambda: datetime.now(timezone.utc).date()):
        self.limit = limit
        self.keyless = keyless
        self._today = today
        self._day: date | None = None
        self.used = 0

    def take(self) -> None:
        if self.limit is None:
            return
        day = self._today()
        if day != self._day:
            self._day, self.used = day, 0
        if self.used >= self.limit:
            raise FdaLimitReached(
                f"openFDA allows {self.limit:,} requests a day from one address"
                + (" without an API key (set CLEARTRIAL_OPENFDA_KEY for more)" if self.keyless else "")
                + ", and this process has used them all today. Try again tomorrow (UTC)."
            )
        self.used += 1


class _Transient(Exception):
    def __init__(self, message: str, *, status_code: int | None = None, wait: float | None = None,
                 connect: bool = False) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.wait = wait
        self.connect = connect


def _error_body(response: httpx.Response) -> tuple[str | None, str]:
    """openFDA's error ``code`` and message (``{"error": {"code", "message"}}``), else the text."""
    try:
        obj = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        obj = None
    if isinstance(obj, dict) and isinstance(obj.get("error"), dict):
        err = obj["error"]
        code = err.get("code") if isinstance(err.get("code"), str) else None
        message = err.get("message") if isinstance(err.get("message"), str) else ""
        return code, message.strip()[:_MAX_ERROR_TEXT] or (code or "")
    text = response.text.strip() if response.content else ""
    return None, text[:_MAX_ERROR_TEXT] or response.reason_phrase or "no explanation given"


class OpenFDAClient:
    """Synchronous openFDA client. Use as a context manager or call :meth:`close`."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        rate_per_minute: float | None = RATE_PER_MINUTE,
        daily_limit: int | None = -1,  # -1: openFDA's documented limit for this key (or none)
        backoff_base: float = 1.0,
        max_backoff: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.base_url = (base_url or configured_base_url() or DEFAULT_BASE_URL).rstrip("/")
        self.api_key = api_key if api_key is not None else configured_api_key()
        if daily_limit == -1:
            daily_limit = DAILY_LIMIT_WITH_KEY if self.api_key else DAILY_LIMIT_WITHOUT_KEY
        self.budget = DailyBudget(daily_limit, keyless=not self.api_key)
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._limiter = RateLimiter(rate_per_minute, clock=clock, sleep=sleep)
        self._rng = random.Random()
        self._reached = False  # has the host ever answered? decides FdaNoNetwork vs retry
        self.requests_made = 0
        self._http = httpx.Client(
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=min(connect_timeout, timeout)),
            transport=transport,
            follow_redirects=True,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OpenFDAClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API ------------------------------------------------------------------------

    def search(self, endpoint: str, search: str, *, limit: int = 1) -> dict | None:
        """``/{endpoint}.json?search=…&limit=…``: the answer (``meta``, ``results``), or None
        when openFDA has no match."""
        return self._get(endpoint, {"search": search, "limit": str(limit)})

    def count(self, endpoint: str, search: str, field: str, *, limit: int = 100) -> dict | None:
        """``/{endpoint}.json?search=…&count=field``: ``results`` is a list of ``{term, count}``,
        most frequent first; None when nothing matches."""
        return self._get(endpoint, {"search": search, "count": field, "limit": str(limit)})

    # -- internals -------------------------------------------------------------------------

    def _get(self, endpoint: str, params: dict[str, str]) -> dict | None:
        url = f"{self.base_url}/{endpoint.strip('/')}.json"
        if self.api_key:
            params = {**params, "api_key": self.api_key}
        last: _Transient | None = None
        for attempt in range(self.max_retries + 1):
            if attempt:
                assert last is not None
                cap = min(self.max_backoff, self.backoff_base * (2 ** (attempt - 1)))
                delay = cap / 2 + self._rng.uniform(0, cap / 2)  # "equal jitter", as in ctgov_api
                if last.wait is not None:
                    delay = max(delay, last.wait)
                self._sleep(delay)
            try:
                return self._attempt(url, params)
            except _Transient as exc:
                last = exc
                if exc.wait is not None and exc.wait > MAX_RETRY_AFTER:
                    raise FdaAPIError(f"openFDA asks us to wait {exc.wait:.0f} seconds (HTTP {exc.status_code}); "
                                      "please try again later", status_code=exc.status_code, url=url) from None
        assert last is not None
        tries = self.max_retries + 1
        message = f"{url}: gave up after {tries} attempt{'s' if tries != 1 else ''}: {last}"
        if last.connect:
            raise FdaNoNetwork(message, url=url)
        raise FdaAPIError(message, status_code=last.status_code, url=url)

    def _attempt(self, url: str, params: dict[str, str]) -> dict | None:
        self.budget.take()
        self._limiter.wait()
        self.requests_made += 1
        try:
            response = self._http.get(url, params=params)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            if not self._reached:
                raise FdaNoNetwork(f"cannot reach openFDA at {self.base_url} ({_describe(exc)}); "
                                   "check the internet connection or CLEARTRIAL_OPENFDA_URL", url=url) from exc
            raise _Transient(f"connection failed ({_describe(exc)})", connect=True) from exc
        except httpx.TimeoutException as exc:
            raise _Transient(f"timed out ({_describe(exc)})") from exc
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.CloseError) as exc:
            raise _Transient(f"connection broke while reading the answer ({_describe(exc)})") from exc
        except httpx.HTTPError as exc:
            raise FdaAPIError(f"{url}: request failed: {_describe(exc)}", url=url) from exc
        self._reached = True

        status = response.status_code
        if status == 404:
            code, message = _error_body(response)
            if code == "NOT_FOUND":
                return None
            raise FdaAPIError(f"{url} answered 404 without openFDA's NOT_FOUND body ({message}); "
                              "check CLEARTRIAL_OPENFDA_URL", status_code=404, url=url)
        if status == 429 or status >= 500:
            wait = _retry_after_seconds(response.headers.get("Retry-After"), lambda: datetime.now(timezone.utc))
            _, message = _error_body(response)
            raise _Transient(f"HTTP {status}: {message}", status_code=status, wait=wait)
        if status >= 400:
            _, message = _error_body(response)
            raise FdaAPIError(f"openFDA refused the request (HTTP {status}): {message}", status_code=status, url=url)
        if status != 200:
            raise FdaAPIError(f"{url}: unexpected HTTP {status}", status_code=status, url=url)
        try:
            obj: Any = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise _Transient(f"the answer was not valid JSON ({exc})", status_code=status) from exc
        if not isinstance(obj, dict) or not isinstance(obj.get("results"), list):
            # A 200 without a results list is not "no match": never cache it as one.
            raise FdaAPIError(f"{url}: openFDA answered without a results list", status_code=status, url=url)
        return obj
