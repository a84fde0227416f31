"""A small, polite client for the ClinicalTrials.gov Data API v2.

Design points, each for a reason:

* **Rate limit.** The registry asks clients to stay around 50 requests a minute per IP and
  sends no rate-limit headers, so we never learn we are close until we are cut off. Every
  request attempt (retries included) therefore waits for a slot from a minimum-interval
  limiter. Clock and sleep are injectable so tests run in microseconds.
* **Retries.** 429, 5xx, timeouts, connections dropped mid-body and bodies that are not
  valid JSON are transient on a big public service: we retry them with exponential backoff
  plus jitter (so many clients do not retry in lock step), honouring ``Retry-After``.
  Any other 4xx means *our* request is wrong; retrying would only repeat it, so we stop at
  once and show the API's own message.
* **No network.** Someone without internet should learn that in a second or two, not after
  minutes of retries: if the very first request cannot even connect (DNS failure, refused,
  no route) we raise :class:`~cleartrial.errors.NoNetwork` straight away, with a short
  connect timeout. Later connection failures (after the host has answered once) are treated
  as transient and retried.
"""

from __future__ import annotations

import email.utils
import math
import os
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import httpx
import orjson

from .. import __version__
from ..errors import CtgovAPIError, InvalidQuery, NoNetwork
from ..model import NCT_ID_RE, parse_statuses

DEFAULT_BASE_URL = "https://clinicaltrials.gov/api/v2"
ENV_BASE_URL = "CLEARTRIAL_CTGOV_URL"
USER_AGENT = f"cleartrial/{__version__} (+https://github.com/cleartrial/cleartrial)"
MAX_PAGE_SIZE = 1000  # the API's own maximum for pageSize
DEFAULT_RATE_PER_MINUTE = 50

# A page of 1000 full studies can be tens of MB and take a while to produce, so reading gets
# a generous timeout; connecting gets a short one so an offline machine fails fast.
DEFAULT_TIMEOUT = 60.0
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_MAX_RETRIES = 5
# Never sleep longer than this on a server's Retry-After; past it we give up with a message
# rather than freeze a terminal for an hour.
MAX_RETRY_AFTER = 300.0

_GEO_RE = re.compile(
    r"^distance\(\s*-?\d+(?:\.\d+)?\s*,\s*-?\d+(?:\.\d+)?\s*,\s*\d+(?:\.\d+)?\s*(?:mi|km|m|ft)?\s*\)$"
)
_MAX_ERROR_TEXT = 500  # keep API error bodies readable in a terminal


class StudyNotFound(CtgovAPIError):
    """``get_study`` asked for an NCT id the registry does not have (HTTP 404)."""


@dataclass(slots=True)
class Page:
    """One page of ``/studies``: the studies as decoded JSON objects, the token for the next
    page (None on the last one), the total (only on the first page, where we ask for it) and
    the token that fetched this page (None for the first page) — a resumable sync stores it."""

    studies: list[dict]
    next_page_token: str | None
    total_count: int | None
    token_used: str | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)  # top-level keys other than studies


class RateLimiter:
    """Minimum spacing between request starts: ``60 / rate_per_minute`` seconds.

    A strict interval (a token bucket of size one) rather than a burst-allowing bucket: the
    registry publishes no burst allowance, and one page request already moves up to 1000
    studies, so bursts buy nothing. ``rate_per_minute`` of None or 0 turns it off."""

    def __init__(
        self,
        rate_per_minute: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 60.0 / rate_per_minute if rate_per_minute else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None

    def wait(self) -> float:
        """Block until a request may start; returns the seconds slept."""
        if not self.interval:
            return 0.0
        now = self._clock()
        waited = 0.0
        if self._next is not None and now < self._next:
            waited = self._next - now
            self._sleep(waited)
            now = self._next
        self._next = now + self.interval
        return waited


def geo_filter(lat: float, lon: float, radius: float, unit: str = "mi") -> str:
    """``filter.geo`` text for a circle: ``geo_filter(39.0, -77.1, 50)`` →
    ``distance(39.0,-77.1,50mi)``."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidQuery(f"coordinates ({lat}, {lon}) are outside the globe")
    if not radius > 0 or not math.isfinite(radius):
        raise InvalidQuery(f"search radius must be a positive number, got {radius}")
    if unit not in ("mi", "km"):
        raise InvalidQuery(f"distance unit must be 'mi' or 'km', got {unit!r}")
    r = int(radius) if float(radius).is_integer() else radius
    return f"distance({lat},{lon},{r}{unit})"


def last_update_filter(since: date | datetime | str) -> str:
    """``filter.advanced`` text for "last updated on or after ``since``"."""
    return f"AREA[LastUpdatePostDate]RANGE[{parse_since(since).isoformat()},MAX]"


def parse_since(since: date | datetime | str) -> date:
    """A date from a date, a datetime or an ISO string (``2024-01-31`` or a full timestamp)."""
    if isinstance(since, datetime):
        return since.date()
    if isinstance(since, date):
        return since
    if isinstance(since, str):
        text = since.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise InvalidQuery(f"'since' must be a date like 2024-01-31, got {since!r}")


def normalize_nct_id(nct_id: str) -> str:
    if not isinstance(nct_id, str):
        raise InvalidQuery(f"an NCT id is text like NCT01234567, got {type(nct_id).__name__}")
    value = nct_id.strip().upper()
    if not NCT_ID_RE.match(value):
        raise InvalidQuery(
            f"{nct_id!r} is not a ClinicalTrials.gov id (NCT followed by 8 digits, e.g. NCT01234567)"
        )
    return value


# One parser for statuses everywhere (CLI, search, sync): see model.parse_statuses.
normalize_statuses = parse_statuses


def _retry_after_seconds(value: str | None, now: Callable[[], datetime]) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now()).total_seconds())


def _error_text(response: httpx.Response) -> str:
    """The API's own explanation of a refusal, trimmed. v2 answers errors in plain text; a
    JSON body with a message field is handled too in case that changes."""
    try:
        text = response.text
    except Exception:  # an undecodable body must not hide the status code
        text = ""
    text = text.strip()
    if text.startswith("{"):
        try:
            obj = orjson.loads(text)
        except orjson.JSONDecodeError:
            obj = None
        if isinstance(obj, dict):
            for key in ("message", "error", "detail", "title"):
                if isinstance(obj.get(key), str) and obj[key].strip():
                    text = obj[key].strip()
                    break
    if len(text) > _MAX_ERROR_TEXT:
        text = text[:_MAX_ERROR_TEXT] + "…"
    return text or response.reason_phrase or "no explanation given"


class _Transient(Exception):
    """Internal: a failure worth another attempt. ``wait`` is a server-requested delay."""

    def __init__(self, message: str, *, status_code: int | None = None, wait: float | None = None,
                 connect: bool = False) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.wait = wait
        self.connect = connect


class CtgovClient:
    """Synchronous client for ``/studies`` and ``/studies/{nctId}``. Use as a context
    manager or call :meth:`close`."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        user_agent: str = USER_AGENT,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        rate_per_minute: float | None = DEFAULT_RATE_PER_MINUTE,
        backoff_base: float = 1.0,
        max_backoff: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        base = base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
        self.base_url = base.rstrip("/")
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._limiter = RateLimiter(rate_per_minute, clock=clock, sleep=sleep)
        self._rng = random.Random()
        self._reached = False  # has the host ever answered? decides NoNetwork vs retry
        self.requests_made = 0  # attempts, retries included (handy in logs and tests)
        self._http = httpx.Client(
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=min(connect_timeout, timeout)),
            transport=transport,
            follow_redirects=True,
        )

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CtgovClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def studies_url(self) -> str:
        return f"{self.base_url}/studies"

    # -- public API ------------------------------------------------------------------------

    def get_study(self, nct_id: str) -> dict:
        """One study as the API's JSON object. Raises :class:`StudyNotFound` for an unknown id."""
        nct = normalize_nct_id(nct_id)
        url = f"{self.studies_url}/{nct}"
        try:
            obj = self._get_json(url, {})
        except CtgovAPIError as exc:
            if exc.status_code == 404 and not isinstance(exc, NoNetwork):
                raise StudyNotFound(
                    f"{nct} was not found on ClinicalTrials.gov (check the id)",
                    status_code=404, url=url,
                ) from exc
            raise
        if not isinstance(obj, dict):
            raise CtgovAPIError(f"{url}: expected a study object, got {type(obj).__name__}", url=url)
        return obj

    def iter_pages(
        self,
        *,
        condition: str | None = None,
        term: str | None = None,
        location: str | None = None,
        statuses: Iterable[str] | str | None = None,
        geo: str | None = None,
        advanced: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        page_token: str | None = None,
    ) -> Iterator[Page]:
        """Every page of a ``/studies`` search, following ``nextPageToken``.

        Parameters are validated here, before the first request, so a bad query raises
        :class:`~cleartrial.errors.InvalidQuery` at the call rather than at the first
        ``next()``. ``page_token`` resumes a previous walk."""
        params = self.search_params(
            condition=condition, term=term, location=location, statuses=statuses, geo=geo,
            advanced=advanced, page_size=page_size,
        )
        if page_token is not None and not isinstance(page_token, str):
            raise InvalidQuery(f"page token must be text, got {type(page_token).__name__}")
        return self._walk(params, page_token or None)

    def _walk(self, params: dict[str, str], token: str | None) -> Iterator[Page]:
        while True:
            query = dict(params)
            if token is None:
                # Counting costs the server work, so ask once, on the first page only.
                query["countTotal"] = "true"
            else:
                query["pageToken"] = token
            obj = self._get_json(self.studies_url, query)
            page = self._to_page(obj, token)
            yield page
            # The API mints a next token whenever a page is full, even if nothing follows;
            # an empty page therefore ends the walk too (and guards against a token loop).
            if not page.next_page_token or not page.studies or page.next_page_token == token:
                return
            token = page.next_page_token

    @staticmethod
    def search_params(
        *,
        condition: str | None = None,
        term: str | None = None,
        location: str | None = None,
        statuses: Iterable[str] | str | None = None,
        geo: str | None = None,
        advanced: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> dict[str, str]:
        """The query parameters for a search, validated (raises InvalidQuery)."""
        if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidQuery(f"page size must be a whole number from 1 to {MAX_PAGE_SIZE}, got {page_size!r}")
        params: dict[str, str] = {"format": "json", "pageSize": str(page_size)}
        for key, value in (("query.cond", condition), ("query.term", term), ("query.locn", location),
                           ("filter.advanced", advanced)):
            if value is not None and str(value).strip():
                params[key] = str(value).strip()
        status_list = normalize_statuses(statuses)
        if status_list:
            params["filter.overallStatus"] = ",".join(status_list)
        if geo is not None and geo.strip():
            if not _GEO_RE.match(geo.strip()):
                raise InvalidQuery(
                    f"geo filter {geo!r} must look like distance(39.0035707,-77.1013313,50mi)"
                )
            params["filter.geo"] = geo.strip().replace(" ", "")
        return params

    # -- internals -------------------------------------------------------------------------

    def _to_page(self, obj: Any, token: str | None) -> Page:
        if not isinstance(obj, dict) or not isinstance(obj.get("studies", []), list):
            raise CtgovAPIError(
                f"{self.studies_url}: the API answered with an unexpected shape (no 'studies' list)",
                url=self.studies_url,
            )
        total = obj.get("totalCount")
        nxt = obj.get("nextPageToken")
        return Page(
            studies=obj.get("studies") or [],
            next_page_token=nxt if isinstance(nxt, str) and nxt else None,
            total_count=total if isinstance(total, int) and not isinstance(total, bool) else None,
            token_used=token,
            raw={k: v for k, v in obj.items() if k != "studies"},
        )

    def _backoff(self, attempt: int) -> float:
        # "Equal jitter": half fixed, half random, so waits still grow but clients spread out.
        cap = min(self.max_backoff, self.backoff_base * (2 ** attempt))
        return cap / 2 + self._rng.uniform(0, cap / 2)

    def _get_json(self, url: str, params: dict[str, str]) -> Any:
        last: _Transient | None = None
        for attempt in range(self.max_retries + 1):
            if attempt:
                assert last is not None
                delay = self._backoff(attempt - 1)
                if last.wait is not None:
                    delay = max(delay, last.wait)  # honour Retry-After, never retry sooner
                self._sleep(delay)
            try:
                return self._attempt(url, params)
            except _Transient as exc:
                last = exc
                if exc.wait is not None and exc.wait > MAX_RETRY_AFTER:
                    raise CtgovAPIError(
                        f"ClinicalTrials.gov asks us to wait {exc.wait:.0f} seconds before trying "
                        f"again (HTTP {exc.status_code}); please try again later",
                        status_code=exc.status_code, url=url,
                    ) from None
        assert last is not None
        tries = self.max_retries + 1
        message = f"{url}: gave up after {tries} attempt{'s' if tries != 1 else ''}: {last}"
        if last.connect:
            raise NoNetwork(message, url=url)
        raise CtgovAPIError(message, status_code=last.status_code, url=url)

    def _attempt(self, url: str, params: dict[str, str]) -> Any:
        self._limiter.wait()
        self.requests_made += 1
        try:
            response = self._http.get(url, params=params)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            if not self._reached:
                # Never reached the host: almost surely offline, DNS broken or a wrong URL.
                # Retrying for minutes would only delay telling the person.
                raise NoNetwork(
                    f"cannot reach ClinicalTrials.gov at {self.base_url} ({_describe(exc)}); "
                    "check the internet connection, or load a downloaded bulk file instead",
                    url=url,
                ) from exc
            raise _Transient(f"connection failed ({_describe(exc)})", connect=True) from exc
        except httpx.TimeoutException as exc:
            raise _Transient(f"timed out ({_describe(exc)})") from exc
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.CloseError) as exc:
            # Typically a body cut short (connection closed before Content-Length was met).
            raise _Transient(f"connection broke while reading the answer ({_describe(exc)})") from exc
        except httpx.HTTPError as exc:  # unsupported scheme, bad proxy…: not worth retrying
            raise CtgovAPIError(f"{url}: request failed: {_describe(exc)}", url=url) from exc
        self._reached = True

        status = response.status_code
        if status == 429:
            wait = _retry_after_seconds(response.headers.get("Retry-After"),
                                        lambda: datetime.now(timezone.utc))
            raise _Transient("rate limited (HTTP 429)", status_code=429, wait=wait)
        if status >= 500:
            wait = _retry_after_seconds(response.headers.get("Retry-After"),
                                        lambda: datetime.now(timezone.utc))
            raise _Transient(f"server error HTTP {status}: {_error_text(response)}",
                             status_code=status, wait=wait)
        if status >= 400:
            raise CtgovAPIError(
                f"ClinicalTrials.gov refused the request (HTTP {status}): {_error_text(response)}",
                status_code=status, url=str(response.request.url),
            )
        if status != 200:
            raise CtgovAPIError(f"{url}: unexpected HTTP {status}", status_code=status, url=url)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            # A proxy error page or a body cut short with a matching length: try again.
            raise _Transient(f"the answer was not valid JSON ({exc})", status_code=status) from exc


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
