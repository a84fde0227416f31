"""Optional LLM backend: plain-English criteria from any OpenAI-compatible chat server.

The rule-based rewriter (:mod:`.plain`) is the default and always runs. When
``CLEARTRIAL_LLM_URL`` is set, ``cleartrial explain --all`` can also ask a chat-completions
server (a hosted API, or a local Ollama, vLLM or llama.cpp server) for rewrites, and keep the
ones that pass the same faithfulness check as the rules. Without that setting nothing here
sends a request.

Design points, each for a reason:

* **Guarded output.** A language model can drop a "not" or change a number while sounding
  fluent. Every rewrite goes through :func:`.faithful.check` against its own source criterion;
  one that fails is rejected and that criterion keeps the rule-based rewrite. An answer whose
  numbering does not match the question (an item dropped, merged, or invented) cannot be
  trusted to pair each rewrite with its source, so the whole answer is rejected.
* **Versioned prompt.** :data:`PROMPT_VERSION` is part of the cache key; changing the prompt
  text (or how answers are read) without bumping it would serve answers to an old question.
* **Bounded time.** Connect and read timeouts for each attempt, retries with backoff on 429,
  5xx, timeouts and broken connections, and one *deadline* over all attempts of one trial:
  a server that trickles its answer byte by byte cannot hold a batch run for ever.
* **Never crash on an answer.** Garbage, truncated bodies, answers cut off at the model's
  length limit and non-JSON replies are :class:`LLMBadAnswer` / :class:`LLMUnavailable`,
  counted as failures by the caller; they never reach a page.
* **No store here.** This module reads a Trial and talks HTTP; caching lives above it
  (``cleartrial.plain_cache``), so the explain layer stays free of the store.
"""

from __future__ import annotations

import email.utils
import math
import os
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx
import orjson

from .. import __version__
from ..errors import CleartrialError, InvalidQuery
from ..model import Trial
from . import faithful, plain
from .readability import grade_words, readability

__all__ = [
    "ENV_API_KEY",
    "ENV_MODEL",
    "ENV_TIMEOUT",
    "ENV_URL",
    "PROMPT_VERSION",
    "SYSTEM_PROMPT",
    "Item",
    "LLMBadAnswer",
    "LLMClient",
    "LLMConfigError",
    "LLMError",
    "LLMRefused",
    "LLMRun",
    "LLMSettings",
    "LLMUnavailable",
    "LLMUnreachable",
    "build_user_prompt",
    "items_for",
    "overlay",
    "parse_rewrites",
    "rewrite_trial",
]

ENV_URL = "CLEARTRIAL_LLM_URL"
ENV_MODEL = "CLEARTRIAL_LLM_MODEL"
ENV_API_KEY = "CLEARTRIAL_LLM_API_KEY"
ENV_TIMEOUT = "CLEARTRIAL_LLM_TIMEOUT"  # optional: the per-trial deadline, seconds

USER_AGENT = f"cleartrial/{__version__}"

# A local model on a CPU can take minutes for a long criteria list, so reading gets a generous
# timeout; connecting gets a short one so a server that is not running is noticed at once.
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 120.0
DEFAULT_DEADLINE = 300.0  # all requests and retries for one trial
DEFAULT_MAX_RETRIES = 3
# Criteria per request: a long list in one answer risks the model's output limit (the answer
# is then cut off and wasted) and makes it more likely to lose count of the numbering.
DEFAULT_BATCH_SIZE = 40
# Far above any honest answer (a trial's criteria are a few KB): a runaway server or a wrong
# URL serving a big file must not fill memory.
MAX_BODY_BYTES = 4 * 1024 * 1024
_MAX_ERROR_TEXT = 300

# Bump whenever SYSTEM_PROMPT, build_user_prompt or parse_rewrites change what is asked or how
# the answer is read: cached answers are keyed by it, so a new version recomputes them all.
PROMPT_VERSION = "criteria-v1"

# The label each item gets in the question: a top-level condition carries its framing.
_FRAME_LABEL = {"inclusion": "can join", "exclusion": "cannot join"}

SYSTEM_PROMPT = """\
You rewrite the eligibility criteria of a clinical trial in plain English for patients and \
their families.

Rules:
1. Write at a grade 6 to 8 reading level: short sentences and everyday words. If a medical \
term must stay, explain it in a few plain words.
2. Rewrite each numbered criterion on its own, under its own number. Never merge, split, skip \
or add criteria. Items shown indented belong to the item above them; rewrite them separately \
anyway.
3. Keep the meaning exactly. Keep every number with its unit, every comparison (at least, \
more than, less than, up to, between), every time window (for example "within 4 weeks", "in \
the past 6 months"), every negation (not, no, without, never, unless) and every name of a \
drug, test, score, condition or procedure, spelled as in the original.
4. Add nothing that is not in the criterion: no advice, no examples, and never say whether \
the reader can take part.
5. Start each item marked [can join] with "You can join if" and each item marked [cannot \
join] with "You cannot join if". Items marked [inclusion], [exclusion] or [other] are details \
of the item above them, notes or general text: rewrite them as plain statements and never \
start them with "You can join" or "You cannot join".
6. If an item cannot be made simpler without changing its meaning, copy it unchanged (after \
the opening words of rule 5, where they apply).

Answer with JSON only, no other text, in exactly this form, one entry for every numbered \
criterion, using the numbers given:
{"rewrites": [{"n": 1, "plain": "..."}, {"n": 2, "plain": "..."}]}"""


# -- errors -------------------------------------------------------------------------------------


class LLMError(CleartrialError):
    """The LLM backend could not give a usable answer."""

    def __init__(self, message: str, *, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


class LLMConfigError(LLMError, InvalidQuery):
    """The settings are incomplete or malformed (the CLI exits 2)."""


class LLMRefused(LLMError):
    """The server refused our request for a reason that will not go away by itself (a wrong
    URL, model or API key): a batch run stops instead of failing every trial the same way."""


class LLMUnreachable(LLMRefused):
    """Nothing answers at the configured URL (server not running, wrong host or port) and
    nothing ever has in this run: retrying every trial would only repeat that."""


class LLMUnavailable(LLMError):
    """The server could not be reached, kept failing, or missed the deadline."""


class LLMBadAnswer(LLMError):
    """The server answered, but not with something we can use: not JSON, cut short, wrong
    numbering. Counted as a failed trial; nothing is cached."""


class _Transient(Exception):
    """Internal: worth another attempt. ``wait`` is a delay the server asked for."""

    def __init__(self, message: str, *, status_code: int | None = None, wait: float | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.wait = wait


# -- settings -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LLMSettings:
    url: str  # base URL ending before /chat/completions, e.g. http://localhost:11434/v1
    model: str
    api_key: str | None = None
    deadline: float = DEFAULT_DEADLINE

    def __repr__(self) -> str:  # never print the key into a log or a traceback
        key = "set" if self.api_key else "none"
        return f"LLMSettings(url={self.url!r}, model={self.model!r}, api_key={key}, deadline={self.deadline})"

    @property
    def endpoint(self) -> str:
        return self.url.rstrip("/") + "/chat/completions"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> LLMSettings | None:
        """The settings from the environment, or None when no LLM is configured (unset URL).
        Raises :class:`LLMConfigError` for a URL without a model or a malformed value."""
        env = os.environ if environ is None else environ
        url = (env.get(ENV_URL) or "").strip()
        if not url:
            return None
        if not re.match(r"^https?://[^/\s]+", url):
            raise LLMConfigError(f"{ENV_URL}={url!r} is not an http(s) URL; use e.g. http://localhost:11434/v1")
        if url.rstrip("/").endswith("/chat/completions"):
            # A common slip: the setting is the base URL, we add the path ourselves.
            url = url.rstrip("/")[: -len("/chat/completions")]
        model = (env.get(ENV_MODEL) or "").strip()
        if not model:
            raise LLMConfigError(f"{ENV_URL} is set but {ENV_MODEL} is not: name the model to use (e.g. llama3.1:8b)")
        deadline = DEFAULT_DEADLINE
        raw = (env.get(ENV_TIMEOUT) or "").strip()
        if raw:
            try:
                deadline = float(raw)
            except ValueError:
                deadline = -1.0
            if not (math.isfinite(deadline) and deadline > 0):
                raise LLMConfigError(f"{ENV_TIMEOUT}={raw!r} must be a number of seconds above 0")
        key = (env.get(ENV_API_KEY) or "").strip() or None
        return cls(url=url, model=model, api_key=key, deadline=deadline)


# -- what is asked ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """One criterion put to the model: its number in the question, section, depth, text, and
    whether its rewrite opens with "You can / cannot join if" (``framed``)."""

    n: int
    section: str
    depth: int
    source: str
    framed: bool = False

    @property
    def check_section(self) -> str | None:
        """The section to give :func:`.faithful.check`: only a framed rewrite may carry the
        framing; on any other item "you can join if" would be added content."""
        return self.section if self.framed else None


_HAS_WORD = re.compile(r"[^\W_]", re.UNICODE)


def _walk(criteria: list[dict], depth: int = 0) -> Iterator[tuple[dict, int]]:
    """Criterion dicts of an ``explain_trial`` result, depth-first in document order."""
    for c in criteria:
        yield c, depth
        yield from _walk(c.get("children") or [], depth + 1)


def is_framed(criterion: dict, depth: int) -> bool:
    """Whether a criterion's rewrite says "You can / cannot join if": the same rule as the
    rule-based rewriter (plain._item), so both engines read alike on one page. A sub-item
    reads under its lead-in; a note or a paragraph of prose is not a condition."""
    return (depth == 0 and criterion.get("section") in _FRAME_LABEL
            and criterion.get("kind", "item") in ("item", "group"))


def items_for(result: dict) -> list[Item]:
    """The criteria of a rule-based result worth rewriting, numbered 1… in document order.
    A source with no letter or digit (a bare marker, punctuation) has nothing to rewrite."""
    items = []
    for c, depth in _walk(result.get("criteria") or []):
        source = c.get("source") or ""
        if _HAS_WORD.search(source):
            items.append(Item(len(items) + 1, c.get("section") or "other", depth, source, is_framed(c, depth)))
    return items


def build_user_prompt(items: list[Item]) -> str:
    lines = [f"Rewrite these {len(items)} criteria. Keep their numbers.", ""]
    for it in items:
        # One line each: a criterion's own line breaks would read as new items.
        text = " ".join(it.source.split())
        label = _FRAME_LABEL[it.section] if it.framed else it.section
        lines.append(f"{'  ' * it.depth}{it.n}. [{label}] {text}")
    return "\n".join(lines)


def messages_for(items: list[Item]) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": build_user_prompt(items)}]


# -- reading the answer -------------------------------------------------------------------------

_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```\s*$", re.DOTALL)


def _json_text(content: str) -> str:
    """The JSON inside a model's reply. Models asked for "JSON only" still wrap it in a
    Markdown fence or add a sentence before it; the object itself is what we read."""
    text = content.strip()
    m = _FENCE.match(text)
    if m:
        text = m.group(1).strip()
    if not text.startswith(("{", "[")):
        start, end = text.find("{"), text.rfind("}")
        if start != -1 and end > start:
            text = text[start : end + 1]
    return text


def _as_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*\.?\s*", value):
        return int(value.strip().rstrip("."))
    return None


def parse_rewrites(content: str | None, expected: list[int]) -> dict[int, str]:
    """Number → rewrite from a model's reply; raises :class:`LLMBadAnswer` unless it holds
    exactly one non-empty rewrite for each expected number.

    Accepted forms: ``{"rewrites": [{"n": 1, "plain": "…"}, …]}`` (what the prompt asks for),
    the same list without the wrapper, or ``{"1": "…", "2": "…"}``. Nothing else is guessed
    at: a reply we would have to interpret is a reply we cannot check."""
    if not isinstance(content, str) or not content.strip():
        raise LLMBadAnswer("the model's answer was empty")
    try:
        obj = orjson.loads(_json_text(content))
    except orjson.JSONDecodeError as exc:
        raise LLMBadAnswer(f"the model's answer is not JSON ({exc}): {_clip(content)}") from None
    if isinstance(obj, dict) and "rewrites" in obj:
        obj = obj["rewrites"]
    pairs: list[tuple[Any, Any]]
    if isinstance(obj, list):
        pairs = []
        for entry in obj:
            if not isinstance(entry, dict):
                raise LLMBadAnswer(f"an entry of the answer is not an object: {_clip(repr(entry))}")
            pairs.append((entry.get("n", entry.get("number")), entry.get("plain", entry.get("text"))))
    elif isinstance(obj, dict):
        pairs = list(obj.items())
    else:
        raise LLMBadAnswer(f"the answer is JSON but not a list of rewrites: {_clip(content)}")
    out: dict[int, str] = {}
    for raw_n, text in pairs:
        n = _as_number(raw_n)
        if n is None:
            raise LLMBadAnswer(f"an entry of the answer has no usable number: {raw_n!r}")
        if n in out:
            raise LLMBadAnswer(f"the answer has criterion {n} twice")
        if not isinstance(text, str) or not text.strip():
            raise LLMBadAnswer(f"the answer's rewrite of criterion {n} is empty or not text")
        out[n] = text.strip()
    want = set(expected)
    dropped, invented = sorted(want - out.keys()), sorted(out.keys() - want)
    if dropped or invented:
        parts = []
        if dropped:
            parts.append("left out " + _numbers(dropped))
        if invented:
            parts.append("added " + _numbers(invented))
        raise LLMBadAnswer(f"the answer does not match the criteria asked about: it {' and '.join(parts)}")
    return out


def _numbers(ns: list[int]) -> str:
    shown = ", ".join(map(str, ns[:10])) + (" …" if len(ns) > 10 else "")
    return f"criteri{'a' if len(ns) > 1 else 'on'} {shown}"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_ERROR_TEXT else text[:_MAX_ERROR_TEXT] + "…"


# -- HTTP ---------------------------------------------------------------------------------------


def _retry_after(value: str | None) -> float | None:
    """Retry-After: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _error_text(body: bytes) -> str:
    """The server's own explanation, trimmed. OpenAI-style errors are
    ``{"error": {"message": …}}``; Ollama and llama.cpp use ``{"error": "…"}``."""
    text = body.decode("utf-8", "replace").strip()
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        obj = None
    if isinstance(obj, dict):
        err = obj.get("error", obj)
        if isinstance(err, dict):
            err = err.get("message") or err.get("detail")
        if isinstance(err, str) and err.strip():
            text = err.strip()
    return _clip(text) or "no explanation given"


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class LLMClient:
    """A synchronous chat-completions client. Use as a context manager or call :meth:`close`.

    ``transport``, ``sleep`` and ``clock`` are injectable so tests run without waiting."""

    def __init__(
        self,
        settings: LLMSettings,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff_base: float = 1.0,
        max_backoff: float = 30.0,
        batch_size: int = DEFAULT_BATCH_SIZE,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        if batch_size < 1:
            raise ValueError("batch_size must be 1 or more")
        self.settings = settings
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self.batch_size = batch_size
        self._sleep = sleep
        self._clock = clock
        self._rng = random.Random()
        # Some servers reject response_format; after one such refusal we stop sending it.
        self._json_mode = True
        self.requests_made = 0  # attempts, retries included (for logs and tests)
        self._reached = False  # has the server ever answered? (unreachable vs. a blip)
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if settings.api_key:
            headers["Authorization"] = f"Bearer {settings.api_key}"
        self._http = httpx.Client(headers=headers, transport=transport, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def model(self) -> str:
        return self.settings.model

    # -- public ---------------------------------------------------------------------------------

    def rewrite(self, items: list[Item]) -> dict[int, str]:
        """Number → rewrite for every item, in as many requests as ``batch_size`` needs, all
        within one deadline. Raises an :class:`LLMError` if any request fails: a partial
        answer would be cached as if it were whole."""
        deadline_at = self._clock() + self.settings.deadline
        out: dict[int, str] = {}
        for start in range(0, len(items), self.batch_size):
            batch = items[start : start + self.batch_size]
            content = self.complete(messages_for(batch), deadline_at=deadline_at)
            out.update(parse_rewrites(content, [it.n for it in batch]))
        return out

    def complete(self, messages: list[dict[str, str]], *, deadline_at: float | None = None) -> str:
        """The text of the first choice of one chat completion, with retries."""
        if deadline_at is None:
            deadline_at = self._clock() + self.settings.deadline
        last: _Transient | None = None
        for attempt in range(self.max_retries + 1):
            if attempt:
                assert last is not None
                delay = self._backoff(attempt - 1)
                if last.wait is not None:
                    delay = max(delay, last.wait)  # never sooner than the server asked
                if self._clock() + delay >= deadline_at:
                    raise LLMUnavailable(
                        f"{self.settings.endpoint}: out of time for this trial "
                        f"({self.settings.deadline:g} s) after {attempt} attempt{'s' if attempt > 1 else ''}: {last}",
                        status_code=last.status_code,
                    )
                self._sleep(delay)
            try:
                envelope = self._attempt(messages, deadline_at)
            except _Transient as exc:
                last = exc
                continue
            return self._content(envelope)
        assert last is not None
        tries = self.max_retries + 1
        raise LLMUnavailable(
            f"{self.settings.endpoint}: gave up after {tries} attempt{'s' if tries != 1 else ''}: {last}",
            status_code=last.status_code,
        )

    # -- internals ------------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        # Equal jitter, as in the ClinicalTrials.gov client: waits grow, clients spread out.
        cap = min(self.max_backoff, self.backoff_base * (2**attempt))
        return cap / 2 + self._rng.uniform(0, cap / 2)

    def _payload(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.settings.model,
            "messages": messages,
            # Deterministic as far as the server allows: the same criteria should get the
            # same rewrite, and a faithful wording is wanted, not a creative one.
            "temperature": 0,
            "stream": False,
        }
        if self._json_mode:
            payload["response_format"] = {"type": "json_object"}
        return payload

    def _attempt(self, messages: list[dict[str, str]], deadline_at: float) -> Any:
        remaining = deadline_at - self._clock()
        if remaining <= 0:
            raise LLMUnavailable(f"{self.settings.endpoint}: out of time for this trial ({self.settings.deadline:g} s)")
        # No single wait may outlast the deadline; the body loop below checks it between reads.
        timeout = httpx.Timeout(
            min(self.read_timeout, remaining),
            connect=min(self.connect_timeout, remaining),
        )
        self.requests_made += 1
        url = self.settings.endpoint
        try:
            with self._http.stream("POST", url, json=self._payload(messages), timeout=timeout) as response:
                body = self._read_body(response, deadline_at)
        except LLMError:
            raise
        except httpx.TimeoutException as exc:
            if self._clock() >= deadline_at:
                raise LLMUnavailable(
                    f"{url}: no complete answer within the deadline ({self.settings.deadline:g} s)"
                ) from None
            raise _Transient(f"timed out ({_describe(exc)})") from None
        except httpx.ConnectError as exc:
            if not self._reached:
                raise LLMUnreachable(
                    f"cannot reach the LLM server at {self.settings.url} ({_describe(exc)}); is it "
                    f"running? check {ENV_URL}"
                ) from None
            raise _Transient(f"connection failed ({_describe(exc)})") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError,
                httpx.CloseError) as exc:
            # A body cut short or a connection dropped mid-answer: usually passes with a retry.
            raise _Transient(f"connection failed or broke ({_describe(exc)})") from None
        except httpx.HTTPError as exc:  # unsupported scheme, bad proxy…: retrying will not help
            raise LLMRefused(f"{url}: request failed: {_describe(exc)}") from None
        self._reached = True
        status = response.status_code
        if status == 429 or status == 408 or status >= 500:
            raise _Transient(f"HTTP {status}: {_error_text(body)}", status_code=status,
                             wait=_retry_after(response.headers.get("Retry-After")))
        if status == 400 and self._json_mode:
            # Older llama.cpp / vLLM builds refuse response_format; the prompt asks for JSON
            # anyway, so try once more without it (not counted as a retry).
            self._json_mode = False
            return self._attempt(messages, deadline_at)
        if status in (401, 403):
            raise LLMRefused(f"{url} refused the request (HTTP {status}): {_error_text(body)}; "
                             f"check {ENV_API_KEY}", status_code=status)
        if status == 404:
            raise LLMRefused(f"{url} answered 404 ({_error_text(body)}): check {ENV_URL} "
                             f"(the base URL, e.g. http://localhost:11434/v1) and {ENV_MODEL}", status_code=status)
        if status >= 400:
            raise LLMRefused(f"{url} refused the request (HTTP {status}): {_error_text(body)}", status_code=status)
        if status != 200:
            raise LLMBadAnswer(f"{url}: unexpected HTTP {status}", status_code=status)
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            # A body cut short with a matching length, or a proxy's error page: try again.
            raise _Transient(f"the server's reply was not valid JSON ({exc})", status_code=status) from None

    def _read_body(self, response: httpx.Response, deadline_at: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise LLMBadAnswer(f"the server's reply is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB")
            chunks.append(chunk)
            if self._clock() >= deadline_at:
                # Each read is bounded by the read timeout, but a server that trickles a byte
                # at a time would never trip it.
                raise LLMUnavailable(
                    f"{self.settings.endpoint}: no complete answer within the deadline ({self.settings.deadline:g} s)"
                )
        return b"".join(chunks)

    @staticmethod
    def _content(envelope: Any) -> str:
        choices = envelope.get("choices") if isinstance(envelope, dict) else None
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise LLMBadAnswer(f"the reply has no choices: {_clip(repr(envelope))}")
        choice = choices[0]
        message = choice.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if choice.get("finish_reason") == "length":
            raise LLMBadAnswer("the model's answer was cut off at its length limit")
        if not isinstance(content, str) or not content.strip():
            raise LLMBadAnswer("the reply's message has no text")
        return content


# -- a trial --------------------------------------------------------------------------------------


@dataclass(slots=True)
class LLMRun:
    """What the model wrote for one trial, after the faithfulness check."""

    model: str
    prompt_version: str
    accepted: list[dict] = field(default_factory=list)  # {"n", "section", "source", "plain"}
    rejected: list[dict] = field(default_factory=list)  # … and "problems"

    def as_cache(self) -> dict:
        """What the cache keeps: the accepted rewrites (to show), and why the others were
        rejected (to report); never a rejected text as if it could be shown."""
        return {
            "model": self.model,
            "prompt_version": self.prompt_version,
            "rewrites": self.accepted,
            "rejected": [{k: r[k] for k in ("n", "section", "source", "problems")} for r in self.rejected],
        }


def rewrite_trial(trial: Trial, client: LLMClient, *, base: dict | None = None) -> LLMRun:
    """Ask the model for every criterion of ``trial`` and keep the faithful rewrites.

    Raises an :class:`LLMError` when the server fails or its answer cannot be paired with
    the criteria; a trial with no criteria makes no request."""
    base = plain.explain_trial(trial) if base is None else base
    run = LLMRun(client.model, PROMPT_VERSION)
    items = items_for(base)
    if not items:
        return run
    rewrites = client.rewrite(items)
    for it in items:
        text = rewrites[it.n]
        verdict = faithful.check(it.source, text, section=it.check_section)
        entry = {"n": it.n, "section": it.section, "source": it.source, "plain": text}
        if verdict.ok:
            run.accepted.append(entry)
        else:
            run.rejected.append({**entry, "problems": list(verdict.problems)})
    return run


def overlay(base: dict, cached: dict, model: str) -> dict:
    """The rule-based ``base`` result with the cached accepted rewrites put in.

    A rewrite is used where a criterion has the same section and source text as the one it
    was written for (so a parser change never pairs a rewrite with another criterion), and
    only if it still passes the faithfulness check (so a stricter check also applies to
    rewrites cached before it). The result says ``engine: "llm:<model>"`` when at least one
    rewrite was used, and each criterion says which engine its ``plain`` came from."""
    by_source: dict[tuple[str, str], str] = {}
    for r in cached.get("rewrites") or []:
        if isinstance(r, dict) and isinstance(r.get("source"), str) and isinstance(r.get("plain"), str):
            by_source.setdefault((r.get("section") or "other", r["source"]), r["plain"])
    result = dict(base)
    used = 0

    def apply(criteria: list[dict], depth: int) -> list[dict]:
        nonlocal used
        out = []
        for c in criteria:
            c = dict(c)
            c.setdefault("engine", "rules")
            text = by_source.get((c.get("section") or "other", c.get("source") or ""))
            if text is not None:
                section = c.get("section") if is_framed(c, depth) else None
                verdict = faithful.check(c["source"], text, section=section)
                if verdict.ok:
                    c.update(plain=text, faithful=True, problems=[], engine="llm")
                    used += 1
            c["children"] = apply(c.get("children") or [], depth + 1)
            out.append(c)
        return out

    result["criteria"] = apply(base.get("criteria") or [], 0)
    if used:
        result["engine"] = f"llm:{model}"
        result["llm"] = {"model": model, "prompt_version": cached.get("prompt_version", PROMPT_VERSION),
                         "criteria_rewritten": used}
        result["reading_level"] = {**(result.get("reading_level") or {}), **_plain_level(result["criteria"])}
    return result


def _plain_level(criteria: list[dict]) -> dict:
    """The "plain" half of ``reading_level``, measured the way plain.explain_criteria does
    (the shown text of every criterion that has a source), now over the rewrites shown."""
    r = readability("\n".join(c.get("plain") or "" for c, _ in _walk(criteria) if (c.get("source") or "").strip()))
    return {
        "plain": round(r.fk_grade, 1) if r else None,
        "plain_words": grade_words(r.fk_grade if r else None),
        "plain_coleman_liau": round(r.coleman_liau, 1) if r else None,
        "plain_word_count": r.words if r else 0,
    }
