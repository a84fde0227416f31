"""A trial's eligibility criteria in plain English, checked: the stable JSON shape.

:func:`explain_trial` parses the criteria (:mod:`.criteria`), rewrites each criterion with
the rules (:mod:`.rewrite`) and shows a rewrite only when :func:`.faithful.check` passes;
otherwise the criterion shows its original text, flagged ``faithful: false`` with the reasons,
and the failure is counted. The tree keeps the parser's shape exactly, so every piece of the
original text is in exactly one ``source`` (or in ``headings`` / a ``marker``)::

    {"nct_id": "NCT…", "engine": "rules",
     "reading_level": {"source": 13.9, "plain": 7.4, "source_words": "college",
                       "plain_words": "grade 7", "source_coleman_liau": …, "plain_coleman_liau": …,
                       "source_word_count": 412, "plain_word_count": 455},
     "criteria": [{"section": "inclusion", "kind": "item", "marker": "*",
                   "source": "Age ≥ 18 years", "plain": "You can join if you are 18 or older.",
                   "faithful": true, "problems": [], "children": [...same shape...]}, …],
     "headings": ["Inclusion Criteria:", …],
     "glossary": [{"term": "ECOG", "explanation": "…"}, …],
     "failures": 0}

The optional LLM backend (:mod:`.llm`) starts from this result and puts in its own checked
rewrites; pages show this one until it has.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..model import Trial
from . import faithful
from ._terms import TermState
from .criteria import Criterion, parse_criteria
from .glossary import record_abbreviations
from .readability import grade_words, readability
from .rewrite import group_lead, rewrite_criterion, simplify

__all__ = ["explain_criteria", "explain_texts", "explain_trial"]

_HAS_WORD = re.compile(r"[^\W_]")


def explain_trial(trial: Trial) -> dict:
    """The plain-English criteria of ``trial`` in the stable JSON shape (see the module doc)."""
    result = explain_criteria(trial.eligibility.criteria)
    return {"nct_id": trial.nct_id, **result}


def explain_criteria(text: str | None) -> dict:
    """:func:`explain_trial` for a criteria text alone (no ``nct_id``)."""
    text = text or ""
    parsed = parse_criteria(text)
    state = TermState.for_record(record_abbreviations(text))
    counts = {"failures": 0}
    criteria = [_item(c, 0, state, counts) for c in parsed.criteria]
    sources: list[str] = []
    plains: list[str] = []
    _collect(criteria, sources, plains)
    src, pln = readability("\n".join(sources)), readability("\n".join(plains))
    return {
        "engine": "rules",
        "reading_level": {
            "source": round(src.fk_grade, 1) if src else None,
            "plain": round(pln.fk_grade, 1) if pln else None,
            "source_words": grade_words(src.fk_grade if src else None),
            "plain_words": grade_words(pln.fk_grade if pln else None),
            "source_coleman_liau": round(src.coleman_liau, 1) if src else None,
            "plain_coleman_liau": round(pln.coleman_liau, 1) if pln else None,
            "source_word_count": src.words if src else 0,
            "plain_word_count": pln.words if pln else 0,
        },
        "criteria": criteria,
        "headings": list(parsed.headings),
        "glossary": [{"term": t, "explanation": e} for t, e in state.explained.items()],
        "failures": counts["failures"],
    }


def _item(c: Criterion, depth: int, state: TermState, counts: dict) -> dict:
    # Only a top-level criterion of a known section says "You can / cannot join if": a
    # sub-item reads under its lead-in, a note or a paragraph of prose is not a condition.
    framed = depth == 0 and c.section in ("inclusion", "exclusion") and c.kind in ("item", "group")
    item = {"section": c.section, "kind": c.kind, "marker": c.marker, "source": c.source}
    if not _HAS_WORD.search(c.source):
        item.update(plain=c.source, faithful=True, problems=[])
    else:
        own = tuple(sorted((k, v) for k, v in state.abbreviations.items() if k in c.source))
        proposed, ok, problems, explained = _rewrite_one(c.source, c.section, framed, c.kind == "group", own)
        for term, why in explained:
            state.explain(term, why)
        if ok:
            item.update(plain=proposed, faithful=True, problems=[])
        else:
            counts["failures"] += 1
            item.update(plain=c.source, faithful=False, problems=list(problems))
    item["children"] = [_item(ch, depth + 1, state, counts) for ch in c.children]
    return item


# Registry criteria repeat a lot (old records share whole lists of stock items), and a
# criterion's rewrite depends only on its text, its place and the record's abbreviations it
# uses: computed once per process.
@lru_cache(maxsize=65536)
def _rewrite_one(source: str, section: str, framed: bool, group: bool,
                 abbreviations: tuple[tuple[str, str], ...]) -> tuple[str, bool, tuple[str, ...], tuple[tuple[str, str], ...]]:
    state = TermState(abbreviations=dict(abbreviations))
    proposed = group_lead(source, section if framed else "other") if group else None
    if proposed is None:
        proposed = rewrite_criterion(source, section, frame=framed, state=state)
    verdict = faithful.check(source, proposed, section=section if framed else None)
    shown = proposed.lower()
    # List only the terms the reader will see (a replaced term needs no explanation).
    explained = tuple((t, e) for t, e in state.explained.items() if t.lower() in shown or not verdict.ok)
    return proposed, verdict.ok, tuple(verdict.problems), explained


def _collect(items: list[dict], sources: list[str], plains: list[str]) -> None:
    for it in items:
        if it["source"].strip():
            sources.append(it["source"])
            plains.append(it["plain"])
        _collect(it["children"], sources, plains)


def explain_texts(trial: Trial) -> dict:
    """The brief summary, intervention descriptions and outcome names in plain words, each
    checked like a criterion (a text that fails keeps its original, ``faithful: false``)."""
    state = TermState.for_record(record_abbreviations(trial.brief_summary or ""))

    def one(text: str | None) -> dict | None:
        if not text or not text.strip():
            return None
        proposed = simplify(text, state=state)
        verdict = faithful.check(text, proposed)
        return {"source": text, "plain": proposed if verdict.ok else text, "faithful": verdict.ok,
                "problems": list(verdict.problems)}

    interventions = [{"name": i.name, "description": one(i.description)} for i in trial.interventions]
    outcomes = [{"measure": one(o.measure), "time_frame": o.time_frame}
                for o in trial.primary_outcomes + trial.secondary_outcomes if o.measure]
    return {
        "summary": one(trial.brief_summary),
        "interventions": interventions,
        "outcomes": outcomes,
        "glossary": [{"term": t, "explanation": e} for t, e in state.explained.items()],
    }
