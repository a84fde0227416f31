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
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from . import _quantities as qty
from ._aliases import ALIASES, SAYS_SECTION
from .criteria import Criterion, ParsedCriteria
from .glossary import Match, find_terms

__all__ = ["Check", "check", "check_structure"]


@dataclass(slots=True)
class Check:
    ok: bool
    problems: list[str] = field(default_factory=list)  # plain reasons, one per problem


# ---------------------------------------------------------------------------------------------
# Negations

_NEG = re.compile(
    r"(?<![a-z])(?:no|not|never|none|neither|nor|without|cannot|unable|unwilling|inability|unwillingness|"
    r"absence|absent|lack|lacks|lacking|negative|ineligible|exclude|excluded|excludes|free\s+of)(?![a-z])"
    r"|n't(?![a-z])|(?<![a-z])non(?:-|\s)(?=[a-z])|(?<=[a-z])-free(?![a-z])"
)
_EXCEPT = re.compile(
    r"(?<![a-z])(?:except|excepting|excluding|unless|other\s+than|apart\s+from|besides|with\s+the\s+exception\s+of)(?![a-z])"
)
_POSITIVE = re.compile(r"(?<![a-z])positive(?![a-z])")
_CUES = (("negation", _NEG), ("exception", _EXCEPT), ("result", _POSITIVE))


_CUE_TOKEN = re.compile(r"[a-z]+(?:n't)?|(?<=[a-z])-free")
_NEG_WORDS = frozenset(
    """no not never none neither nor without cannot unable unwilling inability unwillingness absence absent lack
    lacks lacking negative ineligible exclude excluded excludes non -free""".split()
)
_EXCEPT_WORDS = frozenset("except excepting excluding unless besides".split())
_PAIRS = {("free", "of"): "negation", ("other", "than"): "exception", ("apart", "from"): "exception",
          ("exception", "of"): "exception"}


def _cues(low: str) -> dict[str, list[str]]:
    """Negation, exception and result words by class (the words of _NEG, _EXCEPT and
    _POSITIVE, read token by token: much faster than the patterns on long criteria)."""
    out: dict[str, list[str]] = {}
    toks = _CUE_TOKEN.findall(low)
    for i, w in enumerate(toks):
        if w in _NEG_WORDS or w.endswith("n't"):
            out.setdefault("negation", []).append(w)
        elif w in _EXCEPT_WORDS:
            out.setdefault("exception", []).append(w)
        elif w == "positive":
            out.setdefault("result", []).append(w)
        elif i + 1 < len(toks) and (w, toks[i + 1]) in _PAIRS:
            out.setdefault(_PAIRS[(w, toks[i + 1])], []).append(f"{w} {toks[i + 1]}")
    return out


# ---------------------------------------------------------------------------------------------
# Named things

# Words that are never names even when capitalised or typed in capitals ("PATIENTS MUST HAVE").
_NOT_NAMES = frozenset(
    """a an the and or nor but of in on at to for from by with without within into onto over under
    no not none any all each every some other others both either neither only also than then as
    is are was were be been being am has have had having do does did will would shall should
    may might can could must need needs who whom whose which that this these those there here
    it its he she they them their his her you your we our i me my if unless when while where
    patient patients subject subjects participant participants individual individuals person
    persons people volunteer volunteers woman women man men child children adult adults
    female females male males girl girls boy boys candidate candidates case cases
    note notes see yes et al etc eg ie vs per via e.g i.e greater less more fewer higher lower evidence
    signs presence absence recovered adequate measurable evaluable""".split()
)
_DRUG_ENDINGS = (
    "mab", "nib", "cillin", "mycin", "micin", "oxacin", "cycline", "azole", "vir", "platin", "taxel",
    "rubicin", "statin", "pril", "sartan", "olol", "parin", "xaban", "gatran", "dronate", "semide",
    "thiazide", "glutide", "gliptin", "gliflozin", "formin", "prazole", "tidine", "caine", "azepam",
    "zolam", "triptan", "setron", "olone", "asone", "oxetine", "pramine", "tyline", "apine", "idone",
    "afil", "ciclib", "parib", "lisib", "zomib", "limus", "cept", "kinra", "grastim", "poetin",
    "profen", "fenac", "coxib", "dipine", "fungin", "bactam", "penem", "trexate", "uracil", "abine",
    "mustine", "phamide", "lutamide", "relin", "vudine", "navir", "tegravir", "buvir", "previr",
)
_CONDITION_ENDINGS = (
    "itis", "oma", "omas", "emia", "aemia", "osis", "pathy", "plasia", "trophy", "algia", "ectomy",
    "otomy", "ostomy", "plasty", "scopy", "graphy", "uria", "cardia", "penia", "philia", "plegia",
    "paresis", "rrhea", "rrhoea", "lepsy", "iasis", "ectasia", "sclerosis", "stenosis",
)
_TOKEN = re.compile(r"(?<![A-Za-z0-9'-])[A-Za-z][A-Za-z0-9]*(?:'s)?(?:-[A-Za-z0-9]+)*")
_ENDINGS = _DRUG_ENDINGS + _CONDITION_ENDINGS
_WORD_START = re.compile(r"(?<![A-Za-z0-9'-])[A-Za-z]")
_CAPITAL_START = re.compile(r"(?<![A-Za-z0-9'-])[A-Z]")


def _at_start(text: str, i: int) -> bool:
    """Does a sentence, clause or list item start at ``i``? (Capitals there are no names.)"""
    i -= 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in ".:;!?([\n-*•\"'"


def _label(kind: str) -> str:
    return {"drug_class": "drug", "condition": "condition", "lab": "test", "score": "score",
            "procedure": "procedure"}.get(kind, "term")


_WOMEN = re.compile(r"(?<![a-z])(wo)?men(?![a-z])")


def _present(low_rewrite: str, phrase: str) -> bool:
    """Is ``phrase`` (any case) in the rewrite, allowing plurals and possessives to change
    ("opportunistic infection" in "opportunistic infections", "women" for "a woman")?"""
    p = phrase.lower().replace("’", "'")
    return p in low_rewrite or bool(_loose(p).search(low_rewrite))


_SAYS_HINT = re.compile(r"eligible|included|excluded|join")


def _glossary_masks(terms: tuple[Match, ...], rw_low: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Spans to hide, in the source and in the rewrite, before numbers and negations are read.

    A term is hidden on both sides only as often as the rewrite still has it, as written or
    in its glossary words: a term that went ("ineligible" → "cannot join") leaves its negation
    to be counted. The glossary words are looked for only where the term itself went (a kept
    "intolerant" does not hide an "unable to take part" written for something else)."""
    src_masks: list[tuple[int, int]] = []
    rw_masks: list[tuple[int, int]] = []
    by_entry: dict[str, list[Match]] = {}
    for m in terms:
        e = m.entry
        if e.kind != "unit" and not _is_comparison(e.term) and (_needs_mask(m.text) or _needs_mask(e.plain)):
            by_entry.setdefault(e.term, []).append(m)
    for term, matches in by_entry.items():
        e = matches[0].entry
        said = {m.text.lower() for m in matches} | {term.lower()}
        kept = {x.span() for p in said for x in _loose(p).finditer(rw_low)}
        plain = set() if _alias_present(rw_low, term) else {x.span() for x in _loose(e.plain.lower()).finditer(rw_low)}
        if kept:
            # Where the term is still there, its glossary words count only around it
            # ("… (HbA1c)"): elsewhere they were written for something else.
            plain = {p for p in plain if any(p[0] <= a and b <= p[1] for a, b in kept)}
        found = plain | {k for k in kept if not any(p[0] <= k[0] and k[1] <= p[1] for p in plain)}
        if not found:
            continue
        src_masks.extend((m.start, m.end) for m in matches[: len(found)])
        rw_masks.extend(found)
    return src_masks, rw_masks


def _alias_present(low_rewrite: str, term: str) -> bool:
    low = term.lower()
    said = ALIASES.get(low) or ALIASES.get(low.split(" ", 1)[0], ())  # "histologically confirmed"
    return any(a in low_rewrite for a in said)


@lru_cache(maxsize=65536)
def _loose(phrase: str) -> re.Pattern[str]:
    parts = []
    for w in re.findall(r"[^\W_]+", _WOMEN.sub(lambda m: (m.group(1) or "") + "man", phrase)):
        if len(w) <= 3:
            parts.append(re.escape(w) + r"(?![^\W_])")  # "II" is not "III", "of" not "off"
        else:
            stem = w[:-2] if len(w) > 5 else w[:-1]
            parts.append(re.escape(stem) + r"[^\W_]*")
    return re.compile(r"(?<![^\W_])" + r"(?:'s)?[\W_]+".join(parts) if parts else r"\A")


def _looks_technical(tok: str, at_start: bool, title_case: bool = False) -> str | None:
    """What a token outside the glossary is when it must be kept ('term', 'drug', …), or None.
    ``title_case``: the text capitalises most words, so a capital says nothing."""
    core = tok[:-2] if tok.endswith("'s") else tok
    low = core.lower()
    if low in _NOT_NAMES or len(core) < 2:
        return None
    letters = [c for c in core if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    shouted = core.isalpha() and core.isupper() and len(core) >= 6  # "CHARACTERISTICS": a word
    if not shouted and (any(c.isdigit() for c in core) or upper >= 2 or any(c.isupper() for c in core[1:])):
        return "term"
    if len(low) >= 6 and low.endswith(_DRUG_ENDINGS):
        return "drug"
    if len(low) >= 6 and low.endswith(_CONDITION_ENDINGS):
        return "condition"
    if upper == 1 and not at_start and not title_case and len(core) >= 3:
        return "name"  # "Crohn's", "Karnofsky", "the Principal Investigator"
    return None


@lru_cache(maxsize=65536)
def glossary_matches(text: str) -> tuple[Match, ...]:
    """Glossary terms in ``text`` (cached: the rewriter and the check read the same criterion)."""
    return tuple(find_terms(text))


@lru_cache(maxsize=4096)
def _is_comparison(term: str) -> bool:
    """Glossary entries like "no greater than" are comparisons: read as such, never masked."""
    q = qty.quantities(qty.fold(term + " 1"))
    return bool(q and q[-1].cmp)


@lru_cache(maxsize=16384)
def _needs_mask(phrase: str) -> bool:
    low = phrase.lower()
    return bool(qty.NUMBER.search(low) or _NEG.search(low) or _EXCEPT.search(low) or _POSITIVE.search(low))


def _mask(low: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(low)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def _occurrences(low: str, phrase: str) -> Iterable[tuple[int, int]]:
    p = phrase.lower()
    if not p:
        return
    i = low.find(p)
    while i >= 0:
        yield i, i + len(p)
        i = low.find(p, i + 1)


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
    if section in SAYS_SECTION and stripped is not rewrite and _SAYS_HINT.search(src_low):
        says = SAYS_SECTION[section]
        said = says.search(src_low)
        if said and not says.search(rw_low):
            said_span = (said.start(), said.end())
            src_low = _mask(src_low, [said_span])
            src = _mask(src, [said_span])
    terms = glossary_matches(src)
    if said_span:
        terms = tuple(m for m in terms if m.end <= said_span[0] or m.start >= said_span[1])

    # Glossary words to mask before numbers and negations are read (see the module doc).
    src_masks, rw_masks = _glossary_masks(terms, rw_low)

    # 1–2. Numbers, units, comparisons, time windows.
    if qty.NUMBER.search(src_low) or qty.NUMBER.search(rw_low):
        # Case kept (lowered inside), so messages quote units as written: "x ULN", "mg/dL".
        src_q = qty.quantities(_mask(src, src_masks) if src_masks else src)
        rw_q = qty.quantities(_mask(rw, rw_masks) if rw_masks else rw)
        _compare_numbers(src, src_q, rw, rw_q, problems)
    else:
        src_q = rw_q = []

    # 4. Named things: glossary terms, then other technical tokens (units are numbers' business).
    covered = sorted([(m.start, m.end) for m in terms] + [(q.num_start, q.end) for q in src_q] + ([said_span] if said_span else []))
    for m in terms:
        e = m.entry
        if e.kind == "unit" or _is_comparison(e.term) or e.term.lower() in _NOT_NAMES:
            continue
        said = (m.text.lower(), e.term.lower(), e.plain.lower())
        if not (any(p in rw_low for p in said) or any(_present(rw_low, p) for p in said)
                or _alias_present(rw_low, e.term)):
            problems.append(f'{_label(e.kind)} "{m.text}" missing')
    # Capitals carry no information in Title Case Text or a shouted line.
    title_case = len(_CAPITAL_START.findall(src)) >= 0.6 * len(_WORD_START.findall(src))
    j = 0
    for t in _TOKEN.finditer(src):
        tok = t.group()
        # Only a token with a capital or a digit, or a drug or disease ending, can be a name.
        if tok.islower() and not tok.endswith(_ENDINGS) and not tok.removesuffix("'s").endswith(_ENDINGS):
            continue
        while j < len(covered) and covered[j][1] <= t.start():
            j += 1
        if j < len(covered) and covered[j][0] <= t.start() < covered[j][1]:
            continue
        kind = _looks_technical(tok, tok[0].isupper() and _at_start(src, t.start()), title_case)
        if kind and not (_present(rw_low, tok.removesuffix("'s")) or _alias_present(rw_low, tok)):
            problems.append(f'{kind} "{tok}" missing')

    # 3. Negations and exceptions, with comparison words masked ("no more than").
    src_hide = src_masks + [q.cmp_span for q in src_q if q.cmp_span]
    rw_hide = rw_masks + [q.cmp_span for q in rw_q if q.cmp_span]
    _compare_cues(_cues(_mask(src_low, src_hide) if src_hide else src_low),
                  _cues(_mask(rw_low, rw_hide) if rw_hide else rw_low), problems)
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


def _compare_cues(src: dict[str, list[str]], rw: dict[str, list[str]], problems: list[str]) -> None:
    for name, _ in _CUES:
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
