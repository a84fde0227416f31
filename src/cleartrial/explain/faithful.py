"""The faithfulness check: does a plain-English rewrite keep everything its criterion says?

Every rewrite a person may read — from the rules or from a language model — goes through
:func:`check` against its own source criterion. A rewrite that fails is never shown: the
criterion keeps the registry's wording, flagged. So the check must be strict where meaning
lives and loose where only wording changes. It compares five things:

1. **Numbers**, each with its **unit** and **comparison direction** (``_quantities``): "≥ 18
   years", "at least 18 years" and "18 or older" agree; "below 18", "18 months or older" and
   "18" do not. A number the source does not have is an invented number.
2. **Time windows**: "within 6 months", "4 weeks before", "since" must keep their number, unit
   and relation ("within 6 months" → "6 months after" fails).
3. **Negations and exceptions**, counted by class: *no, not, n't, never, none, without,
   cannot, unable, non-, absence of, free of, negative …* and *except, unless, other than …*.
   Negative words that belong to a comparison ("no more than") are that comparison's business.
4. **Named things**: every lay-glossary term of the source (a drug, condition, test, score …)
   must be in the rewrite as written or as its glossary ``plain`` term; every other technical
   token (an acronym, a name mid-sentence, a word that looks like a drug or disease: "-mab",
   "-itis", "-oma") must be in the rewrite.
5. **Framing**: given the section, "You can join if" under exclusion (or the reverse) fails.

Glossary terms are masked before numbers and negations are read, on both sides: "stage IV" →
"stage 4", "untreated" → "not treated" and "HbA1c" → "average blood sugar over 2 to 3 months
(HbA1c)" are the glossary's words, checked as terms (point 4), not new numbers or negations.

:func:`check_structure` is the other half of the guarantee: each source criterion has exactly
one rewritten item, none dropped, none invented.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from . import _quantities as qty
from ._aliases import SAYS_SECTION
from ._signals import (
    CAPITAL_START,
    CUES,
    ENDINGS,
    NOT_NAMES,
    SAYS_HINT,
    TOKEN,
    WORD_START,
    alias_present,
    at_start,
    cues,
    glossary_masks,
    glossary_matches,
    is_comparison,
    label,
    looks_technical,
    mask,
    present,
)
from .criteria import Criterion, ParsedCriteria

__all__ = ["Check", "check", "check_structure"]


@dataclass(slots=True)
class Check:
    ok: bool
    problems: list[str] = field(default_factory=list)  # plain reasons, one per problem


# ---------------------------------------------------------------------------------------------
# Framing

_INCLUDE_FRAME = re.compile(r"\s*you\s+(?:can|may)\s+(?:be\s+able\s+to\s+)?join\s+if\s+", re.I)
_EXCLUDE_FRAME = re.compile(
    r"\s*you\s+(?:cannot|can\s*not|can't|may\s+not|might\s+not)\s+(?:be\s+able\s+to\s+)?join\s+if\s+", re.I
)


def _strip_frame(rewrite: str, section: str | None, problems: list[str]) -> str:
    inc, exc = _INCLUDE_FRAME.match(rewrite), _EXCLUDE_FRAME.match(rewrite)
    if section == "inclusion":
        if exc:
            problems.append('framing "you cannot join" on a criterion for who can join')
        elif inc:
            return rewrite[inc.end() :]
    elif section == "exclusion":
        if inc:
            problems.append('framing "you can join" on a criterion for who cannot join')
        elif exc:
            return rewrite[exc.end() :]
    elif inc or exc:
        problems.append("framing about joining added to a criterion that is neither inclusion nor exclusion")
    return rewrite


# ---------------------------------------------------------------------------------------------
# The check


def check(source: str, rewrite: str, *, section: str | None = None) -> Check:
    """Does ``rewrite`` keep every number, unit, comparison, time window, negation and named
    thing of ``source``? ``section`` ("inclusion" / "exclusion" / "other") lets a rule-based
    rewrite start with its framing ("You can join if …"); without it, framing is content."""
    if not isinstance(rewrite, str):
        return Check(False, ["the rewrite is empty"])
    if " ".join(rewrite.split()) == " ".join((source or "").split()):
        return Check(True, [])  # the original itself (even an empty one) says what it says
    if not rewrite.strip():
        return Check(False, ["the rewrite is empty"])
    return _check(source or "", rewrite, section)


@lru_cache(maxsize=32768)
def _check(source: str, rewrite: str, section: str | None) -> Check:
    problems: list[str] = []
    src = qty.fold(source)
    stripped = _strip_frame(rewrite, section, problems)
    rw = qty.fold(stripped)
    src_low, rw_low = qty.lower(src), qty.lower(rw)
    said_span = None
    if section in SAYS_SECTION and stripped is not rewrite and SAYS_HINT.search(src_low):
        says = SAYS_SECTION[section]
        said = says.search(src_low)
        if said and not says.search(rw_low):
            said_span = (said.start(), said.end())
            src_low = mask(src_low, [said_span])
            src = mask(src, [said_span])
    terms = glossary_matches(src)
    if said_span:
        terms = tuple(m for m in terms if m.end <= said_span[0] or m.start >= said_span[1])

    # Glossary words to mask before numbers and negations are read (see the module doc).
    src_masks, rw_masks = glossary_masks(terms, rw_low)

    # 1–2. Numbers, units, comparisons, time windows.
    if qty.NUMBER.search(src_low) or qty.NUMBER.search(rw_low):
        # Case kept (lowered inside), so messages quote units as written: "x ULN", "mg/dL".
        src_q = qty.quantities(mask(src, src_masks) if src_masks else src)
        rw_q = qty.quantities(mask(rw, rw_masks) if rw_masks else rw)
        _compare_numbers(src, src_q, rw, rw_q, problems)
    else:
        src_q = rw_q = []

    # 4. Named things: glossary terms, then other technical tokens (units are numbers' business).
    covered = sorted([(m.start, m.end) for m in terms] + [(q.num_start, q.end) for q in src_q] + ([said_span] if said_span else []))
    for m in terms:
        e = m.entry
        if e.kind == "unit" or is_comparison(e.term) or e.term.lower() in NOT_NAMES:
            continue
        said = (m.text.lower(), e.term.lower(), e.plain.lower())
        if not (any(p in rw_low for p in said) or any(present(rw_low, p) for p in said)
                or alias_present(rw_low, e.term)):
            problems.append(f'{label(e.kind)} "{m.text}" missing')
    # Capitals carry no information in Title Case Text or a shouted line.
    title_case = len(CAPITAL_START.findall(src)) >= 0.6 * len(WORD_START.findall(src))
    j = 0
    for t in TOKEN.finditer(src):
        tok = t.group()
        # Only a token with a capital or a digit, or a drug or disease ending, can be a name.
        if tok.islower() and not tok.endswith(ENDINGS) and not tok.removesuffix("'s").endswith(ENDINGS):
            continue
        while j < len(covered) and covered[j][1] <= t.start():
            j += 1
        if j < len(covered) and covered[j][0] <= t.start() < covered[j][1]:
            continue
        kind = looks_technical(tok, tok[0].isupper() and at_start(src, t.start()), title_case)
        if kind and not (present(rw_low, tok.removesuffix("'s")) or alias_present(rw_low, tok)):
            problems.append(f'{kind} "{tok}" missing')

    # 3. Negations and exceptions, with comparison words masked ("no more than").
    src_hide = src_masks + [q.cmp_span for q in src_q if q.cmp_span]
    rw_hide = rw_masks + [q.cmp_span for q in rw_q if q.cmp_span]
    _comparecues(cues(mask(src_low, src_hide) if src_hide else src_low),
                  cues(mask(rw_low, rw_hide) if rw_hide else rw_low), problems)
    return Check(not problems, problems)


def _unit_ok(s: qty.Quantity, r: qty.Quantity) -> bool:
    return s.unit == r.unit


def _lost(src: str, s: qty.Quantity) -> str:
    if s.rels:
        return f'time window "{qty.describe(src, s)}" missing'
    if s.unit:
        return f'number "{s.text}" with unit "{s.unit_text or s.unit}" missing'
    return f'number "{s.text}" missing'


def _compare_numbers(src: str, src_q: list[qty.Quantity], rw: str, rw_q: list[qty.Quantity], problems: list[str]) -> None:
    used = [False] * len(rw_q)
    for s in src_q:
        best, best_score = -1, -1
        for i, r in enumerate(rw_q):
            if used[i] or r.value != s.value:
                continue
            score = 4 * _unit_ok(s, r) + 2 * (r.cmp == s.cmp) + (s.rels <= r.rels)
            if score > best_score:
                best, best_score = i, score
        if best < 0:
            problems.append(_lost(src, s))
            continue
        used[best] = True
        r = rw_q[best]
        if not _unit_ok(s, r):
            if s.rels or (s.unit in qty.TIME_UNITS and r.unit in qty.TIME_UNITS):
                problems.append(f'time window "{qty.describe(src, s)}" missing')
            elif s.unit:
                problems.append(f'number "{s.text}" with unit "{s.unit_text or s.unit}" missing')
            else:
                problems.append(f'number "{s.text}" got a unit "{r.unit_text}"')
        if r.cmp != s.cmp:
            shown = qty.describe(rw, r) if r.cmp else f"{r.text} (no comparison)"
            problems.append(f'comparison "{qty.describe(src, s)}" became "{shown}"')
        elif _unit_ok(s, r) and not s.rels <= r.rels:
            problems.append(f'time window "{qty.describe(src, s)}" missing')
    for i, r in enumerate(rw_q):
        if not used[i]:
            problems.append(f'number "{r.text}" added')


def _comparecues(src: dict[str, list[str]], rw: dict[str, list[str]], problems: list[str]) -> None:
    for name, _ in CUES:
        if len(src.get(name, ())) == len(rw.get(name, ())):
            continue
        s = Counter(" ".join(f.split()) for f in src.get(name, ()))
        r = Counter(" ".join(f.split()) for f in rw.get(name, ()))
        ns, nr = sum(s.values()), sum(r.values())
        if ns > nr:
            lost = [w for w in s if s[w] > r.get(w, 0)] or list(s)
            problems.append(f'{name} "{lost[0]}" lost')
        else:
            added = [w for w in r if r[w] > s.get(w, 0)] or list(r)
            problems.append(f'{name} "{added[0]}" added')


# ---------------------------------------------------------------------------------------------
# Structure


def check_structure(parsed: ParsedCriteria, items: list[dict]) -> Check:
    """Each criterion of ``parsed`` has exactly one item in ``items`` (the ``criteria`` of an
    :func:`~cleartrial.explain.plain.explain_trial` result), in the same tree shape, with the
    same source text and a rewrite to show: none dropped, none invented, none empty."""
    problems: list[str] = []

    def walk(crit: list[Criterion], got: list[dict], where: str) -> None:
        for k, c in enumerate(crit):
            if k >= len(got):
                problems.append(f'criterion "{_short(c.source)}" dropped{where}')
                continue
            item = got[k]
            if item.get("source") != c.source or item.get("section") != c.section:
                problems.append(f'criterion "{_short(c.source)}" does not match item "{_short(item.get("source"))}"')
            shown = item.get("plain")
            if not isinstance(shown, str) or (c.source.strip() and not shown.strip()):
                problems.append(f'criterion "{_short(c.source)}" has no text to show')
            walk(c.children, item.get("children") or [], " (under another criterion)")
        for item in got[len(crit) :]:
            problems.append(f'item "{_short(item.get("source"))}" invented{where}')

    walk(parsed.criteria, items, "")
    return Check(not problems, problems)


def _short(text: object, n: int = 60) -> str:
    s = " ".join(str(text or "").split())
    return s if len(s) <= n else s[: n - 1] + "…"
