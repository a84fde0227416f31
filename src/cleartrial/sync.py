"""Resumable sync from the live ClinicalTrials.gov API into the store.

Each page of studies is written by **one** :meth:`Store.ingest` call together with a
checkpoint naming the next page token, so after a crash, a kill or a lost connection the
database holds whole pages only and the next run with the same parameters picks up after the
last committed page. Upserts are idempotent (same raw hash → "unchanged"), so repeating a page
is harmless, which is what makes restarting from the first page a safe fallback when the
registry no longer accepts an old page token.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson

from .errors import CtgovAPIError, InvalidQuery, RecordError
from .model import Trial
from .sources import FORMAT_JSON, stamp_provenance, utc_now
from .sources.ctgov_api import MAX_PAGE_SIZE, Page, last_update_filter, normalize_statuses, parse_since
from .sources.ctgov_json import parse_json_study
from .store import IngestCounts, Quarantined, Store

CHECKPOINT_PREFIX = "ctgov-sync:"
LAST_SYNC_META = "last_sync"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")

Progress = Callable[[int, "int | None"], None]


@dataclass(slots=True)
class SyncResult:
    counts: IngestCounts  # what the whole sync did to the store (across resumed runs)
    studies: int  # studies received and written, whole sync
    pages: int  # pages fetched by this run
    total: int | None  # studies the API said match (None if it never said)
    resumed: bool  # this run continued from a saved checkpoint
    restarted: bool  # …whose page token was refused, so it began again at page 1
    stopped_early: bool  # max_studies reached while more studies remained
    checkpoint_key: str
    params: dict[str, Any]
    started_at: str
    finished_at: str
    notes: list[str] = field(default_factory=list)  # plain-words remarks for the CLI

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts.as_dict(),
            "studies": self.studies,
            "pages": self.pages,
            "total": self.total,
            "resumed": self.resumed,
            "restarted": self.restarted,
            "stopped_early": self.stopped_early,
            "checkpoint_key": self.checkpoint_key,
            "params": self.params,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "notes": list(self.notes),
        }


def sync_params(
    *,
    condition: str | None = None,
    term: str | None = None,
    statuses: Iterable[str] | str | None = None,
    since: date | datetime | str | None = None,
) -> dict[str, Any]:
    """The canonical form of what a sync asks for (validated). Equal requests give equal
    dicts, whatever the spelling: statuses are upper-cased and sorted, since is a date."""
    return {
        "condition": _clean(condition),
        "term": _clean(term),
        "statuses": sorted(normalize_statuses(statuses)),
        "since": parse_since(since).isoformat() if since is not None and since != "" else None,
    }


def checkpoint_key(params: dict[str, Any]) -> str:
    """A stable key for a sync's parameters. ``max_studies`` is deliberately not part of it:
    it is a cap on one run, not a different query, so a capped run that was killed can be
    finished by an uncapped one."""
    digest = hashlib.sha256(orjson.dumps(params, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return CHECKPOINT_PREFIX + digest[:20]


def run_sync(
    store: Store,
    client: Any,
    *,
    condition: str | None = None,
    term: str | None = None,
    statuses: Iterable[str] | str | None = None,
    since: date | datetime | str | None = None,
    max_studies: int | None = None,
    progress: Progress | None = None,
    page_size: int | None = None,
) -> SyncResult:
    """Page through ``/studies`` for these parameters into ``store``; resumable.

    ``page_size`` defaults to the API maximum (1000), or ``max_studies`` when smaller;
    a resumed sync keeps the page size it started with.

    Raises what the client raises (:class:`~cleartrial.errors.CtgovAPIError`,
    :class:`~cleartrial.errors.NoNetwork`) after committing every page it did get; running
    again with the same parameters continues from there.
    """
    if max_studies is not None and (
        isinstance(max_studies, bool) or not isinstance(max_studies, int) or max_studies < 1
    ):
        raise InvalidQuery(f"max studies must be a whole number of at least 1, got {max_studies!r}")
    if page_size is not None and (
        isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE
    ):
        raise InvalidQuery(f"page size must be a whole number from 1 to {MAX_PAGE_SIZE}, got {page_size!r}")
    params = sync_params(condition=condition, term=term, statuses=statuses, since=since)
    key = checkpoint_key(params)
    # No guessing of `since` from an earlier sync: the caller says what it wants.
    advanced = last_update_filter(params["since"]) if params["since"] else None

    state = store.get_checkpoint(key)
    resumed = state is not None
    notes: list[str] = []
    if state is None:
        state = _fresh_state(params, max_studies, page_size)
    else:
        notes.append(
            f"Resumed an interrupted sync started {state.get('started_at')} "
            f"({state.get('done', 0):,} studies already stored)."
        )
    # A page token may be tied to the page size it was minted with, so a resumed walk
    # keeps the size it started with.
    size = int(state.get("page_size") or _page_size(max_studies, page_size))
    counts = _counts(state.get("counts"))
    restarted = False
    stopped_early = False
    pages_run = 0
    source = f"{client.studies_url}" if hasattr(client, "studies_url") else "ctgov-api"

    def report() -> None:
        if progress is not None:
            total = state.get("total")
            if max_studies is not None:
                total = max_studies if total is None else min(total, max_studies)
            progress(int(state["done"]), total)

    def pages_from(token: str | None) -> Iterator[Page]:
        return iter(client.iter_pages(
            condition=params["condition"], term=params["term"], statuses=params["statuses"] or None,
            advanced=advanced, page_size=size, page_token=token,
        ))

    done_already = state.get("complete") or (max_studies is not None and state["done"] >= max_studies)
    if not done_already:
        resume_token = state.get("next_page_token")
        pages = pages_from(resume_token)
        while True:
            try:
                page = next(pages)
            except StopIteration:
                break
            except CtgovAPIError as exc:
                if resume_token and pages_run == 0 and not restarted and _token_refused(exc):
                    # The registry refreshes its data daily and old tokens can die with it.
                    # Starting over is safe (upserts are idempotent), merely slower.
                    restarted = True
                    notes.append(
                        f"The saved position was refused by the API ({exc}); started again from "
                        "the first page. Studies already stored are counted as unchanged."
                    )
                    state = _fresh_state(params, max_studies, page_size)
                    size = int(state["page_size"])
                    counts = IngestCounts()
                    pages = pages_from(None)
                    continue
                raise
            pages_run += 1
            studies = page.studies
            if max_studies is not None:
                studies = studies[: max(0, max_studies - int(state["done"]))]
            if page.total_count is not None:
                state["total"] = page.total_count
            fetched_at = utc_now()
            items = [_to_item(obj, source, fetched_at) for obj in studies]
            done = int(state["done"]) + len(studies)
            capped = max_studies is not None and done >= max_studies
            last = not page.next_page_token or not page.studies or capped
            state = {
                **state,
                "next_page_token": None if last else page.next_page_token,
                "done": done,
                "pages": int(state.get("pages", 0)) + 1,
                "complete": last,
            }
            # The page and the checkpoint after it commit together (one transaction).
            page_counts = store.ingest(items, checkpoint=(key, state))
            counts = counts + page_counts
            # The counts of that page are only known after it committed; record them in a
            # second, tiny transaction so a resumed sync reports the whole sync's numbers.
            # Losing this one (killed in between) would only skew the report, never the data.
            state = {**state, "counts": counts.as_dict()}
            store.ingest((), checkpoint=(key, state))
            report()
            if capped:
                total = state.get("total")
                if total is not None:
                    stopped_early = done < total
                else:  # no total: a cut page or a further token means more was there
                    stopped_early = len(studies) < len(page.studies) or bool(page.next_page_token)
                break
            if last:
                break
    elif resumed:
        notes.append("Every page was already stored; only finishing up.")

    # New trials bring new words: rebuild the spelling vocabulary once, after the last page.
    store.refresh_spelling()
    finished_at = utc_now()
    result = SyncResult(
        counts=counts,
        studies=int(state["done"]),
        pages=pages_run,
        total=state.get("total"),
        resumed=resumed,
        restarted=restarted,
        stopped_early=stopped_early,
        checkpoint_key=key,
        params=params,
        started_at=state["started_at"],
        finished_at=finished_at,
        notes=notes,
    )
    # Meta first, checkpoint last: if we die in between, the next run sees a complete
    # checkpoint and only finishes up again.
    store.set_meta(LAST_SYNC_META, orjson.dumps({
        "finished_at": finished_at,
        "started_at": result.started_at,
        "params": params,
        "max_studies": max_studies,
        "complete": not stopped_early,
        "studies": result.studies,
        "counts": counts.as_dict(),
    }).decode())
    store.delete_checkpoint(key)
    return result


# -- helpers -------------------------------------------------------------------------------


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(str(text).split())
    return text or None


def _counts(saved: Any) -> IngestCounts:
    names = set(IngestCounts().as_dict())
    if not isinstance(saved, dict):
        return IngestCounts()
    return IngestCounts(**{k: int(v) for k, v in saved.items() if k in names})


def _page_size(max_studies: int | None, page_size: int | None) -> int:
    size = page_size or MAX_PAGE_SIZE
    return min(size, max_studies) if max_studies else size


def _fresh_state(params: dict[str, Any], max_studies: int | None, page_size: int | None) -> dict[str, Any]:
    return {
        "params": params,
        "next_page_token": None,
        "done": 0,
        "pages": 0,
        "total": None,
        "page_size": _page_size(max_studies, page_size),
        "counts": IngestCounts().as_dict(),
        "complete": False,
        "started_at": utc_now(),
    }


def _token_refused(exc: CtgovAPIError) -> bool:
    code = exc.status_code
    # 408/429 are "not now", not "bad token"; they were already retried by the client.
    return code is not None and 400 <= code < 500 and code not in (408, 429)


def _study_origin(obj: Any, source: str, raw: bytes) -> str:
    """A stable name for one study from the API: its API URL (``…/studies/NCT01234567``).

    The store clears a quarantined record when a good copy arrives with the same origin, so
    the same study must get the same origin on every sync; a study without a usable id gets
    a content hash instead of a page position (positions shift from day to day)."""
    nct = None
    if isinstance(obj, dict):
        nct = ((obj.get("protocolSection") or {}).get("identificationModule") or {}).get("nctId")
    if isinstance(nct, str) and _SAFE_ID.match(nct.strip()):
        return f"{source}/{nct.strip()}"
    return f"{source}#sha256:{hashlib.sha256(raw).hexdigest()[:16]}"


def _to_item(obj: Any, source: str, fetched_at: str) -> tuple[Trial, bytes] | Quarantined:
    # The API sends one big JSON page, so a study's own bytes are its compact re-encoding;
    # orjson keeps key order, so an unchanged study hashes the same on every sync.
    raw = orjson.dumps(obj)
    origin = _study_origin(obj, source, raw)
    try:
        trial = parse_json_study(obj, origin=origin)
    except RecordError as exc:
        return Quarantined(origin=origin, fmt=FORMAT_JSON, reason=str(exc), data=raw)
    stamp_provenance(trial, raw, FORMAT_JSON, source_file=origin, fetched_at=fetched_at)
    return (trial, raw)
