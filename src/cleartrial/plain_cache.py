"""Plain-English criteria for pages, and the batch that precomputes LLM rewrites.

This sits beside ``search.py``, above both ``explain/`` and ``store/``: the explain layer never
touches the store, so the two meet here.

* :func:`plain_for_page` is what a page (or ``cleartrial explain NCT``) calls. It never sends a
  request: it returns the rule-based result, with the rewrites of a cached, accepted LLM answer
  put in when there is one. A page therefore costs the same with or without an LLM.
* :func:`precompute_all` is what ``cleartrial explain --all`` runs: for each trial not yet cached
  for (criteria text, model, prompt version) it asks the model, checks every rewrite, and stores
  the result, one trial per transaction, so an interrupted run resumes where it stopped.

The cache key is the SHA-256 of the criteria text as stored: an updated record with new
criteria misses the cache (and shows the rule-based version until recomputed), while a record
updated elsewhere (sites, status) keeps its rewrite.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .explain import llm, plain
from .model import Trial
from .store import Store

__all__ = ["BatchReport", "plain_for_page", "precompute", "precompute_all", "source_hash"]


def source_hash(trial: Trial) -> str | None:
    """The cache key of a trial's criteria text; None when it has none."""
    text = trial.eligibility.criteria
    if not text or not text.strip():
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plain_for_page(store: Store, trial: Trial, *, model: str | None = None) -> dict:
    """The plain-English criteria to show for ``trial``: the cached LLM version
    (``engine: "llm:<model>"``) when an accepted one exists for the current prompt version,
    else the rule-based ``explain_trial`` result (``engine: "rules"``). Never calls the LLM.

    ``model`` picks whose rewrite to show; by default the configured ``CLEARTRIAL_LLM_MODEL``,
    and when none is configured the newest cached rewrite of any model."""
    base = plain.explain_trial(trial)
    key = source_hash(trial)
    if key is None:
        return base
    if model is None:
        model = (os.environ.get(llm.ENV_MODEL) or "").strip() or None
    entry = store.get_llm_plain(key, llm.PROMPT_VERSION, model)
    if entry is None or entry.accepted == 0:
        return base
    return llm.overlay(base, entry.result, entry.model)


@dataclass(slots=True)
class BatchReport:
    """What one ``explain --all`` run did. ``accepted`` / ``rejected`` count criteria (of the
    trials computed in this run); the rest count trials."""

    considered: int = 0  # trials looked at
    cached: int = 0  # already had a rewrite for this model and prompt version: skipped
    no_criteria: int = 0  # nothing to rewrite: no request
    computed: int = 0  # answered, checked and stored
    failed: int = 0  # the server failed or its answer could not be used: nothing stored
    accepted: int = 0
    rejected: int = 0
    stopped: str | None = None  # why the run stopped early (the server refused us), if it did
    failures: list[tuple[str, str]] = field(default_factory=list)  # (NCT id, reason), first 50

    def as_dict(self) -> dict:
        return {
            "considered": self.considered,
            "cached": self.cached,
            "no_criteria": self.no_criteria,
            "computed": self.computed,
            "failed": self.failed,
            "criteria_accepted": self.accepted,
            "criteria_rejected": self.rejected,
            "stopped": self.stopped,
            "failures": [{"nct_id": n, "reason": r} for n, r in self.failures],
        }


def precompute(store: Store, trial: Trial, client: llm.LLMClient) -> tuple[str, llm.LLMRun | None]:
    """Make sure ``trial`` has a cached rewrite from ``client``'s model.

    Returns ``("cached", None)``, ``("no_criteria", None)`` or ``("computed", run)``; raises an
    :class:`~cleartrial.explain.llm.LLMError` when the model could not give a usable answer
    (nothing is stored then, so the next run tries again)."""
    key = source_hash(trial)
    if key is None:
        return "no_criteria", None
    if store.get_llm_plain(key, llm.PROMPT_VERSION, client.model) is not None:
        return "cached", None
    base = plain.explain_trial(trial)
    if not llm.items_for(base):
        return "no_criteria", None
    run = llm.rewrite_trial(trial, client, base=base)
    # Stored even when every rewrite was rejected: asking again would get the same answer
    # (temperature 0) and the same verdict. A new prompt version is the way to retry.
    store.put_llm_plain(key, client.model, llm.PROMPT_VERSION, run.as_cache(),
                        accepted=len(run.accepted), rejected=len(run.rejected))
    return "computed", run


def precompute_all(
    store: Store,
    client: llm.LLMClient,
    nct_ids: Iterable[str],
    *,
    limit: int | None = None,
    progress: Callable[[BatchReport], None] | None = None,
) -> BatchReport:
    """Precompute every trial of ``nct_ids`` that is not cached yet. ``limit`` caps how many
    trials are *sent to the model* (cached ones do not count), so repeated runs with a limit
    make progress. ``progress`` is called after each trial. A refusal that would repeat for
    every trial (wrong URL, key or model; nothing listening) stops the run."""
    report = BatchReport()
    for nct in nct_ids:
        if limit is not None and report.computed + report.failed >= limit:
            break
        trial = store.get_trial(nct)
        report.considered += 1
        if trial is None:  # deleted or merged since the list was made
            report.no_criteria += 1
        else:
            try:
                outcome, run = precompute(store, trial, client)
            except llm.LLMRefused as exc:
                report.failed += 1
                report.stopped = str(exc)
                _note(report, nct, str(exc))
                if progress:
                    progress(report)
                break
            except llm.LLMError as exc:
                report.failed += 1
                _note(report, nct, str(exc))
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
                if run is not None:
                    report.accepted += len(run.accepted)
                    report.rejected += len(run.rejected)
        if progress:
            progress(report)
    return report


def _note(report: BatchReport, nct: str, reason: str) -> None:
    if len(report.failures) < 50:
        report.failures.append((nct, reason))
