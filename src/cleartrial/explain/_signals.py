"""What the faithfulness check reads besides numbers: negation words, names, glossary masks.

Kept apart from :mod:`.faithful` (which compares them) so that each file stays short:

* :func:`cues` finds negation, exception and result words ("not", "without", "non-",
  "unless", "other than", "positive") token by token;
* :func:`looks_technical` tells which words outside the glossary are names that a rewrite must
  keep (an acronym, a name mid-sentence, a word with a drug or disease ending);
* :func:`present` finds a term in a rewrite allowing plurals and possessives to change;
* :func:`glossary_masks` tells which glossary words to hide on both sides before numbers and
  negations are counted ("stage IV" → "stage 4", "untreated" → "not treated").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from . import _quantities as qty
from ._aliases import ALIASES
from .glossary import Match, find_terms

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
CUES = (("negation", _NEG), ("exception", _EXCEPT), ("result", _POSITIVE))


_CUE_TOKEN = re.compile(r"[a-z]+(?:n't)?|(?<=[a-z])-free")
_NEG_WORDS = frozenset(
    """no not never none neither nor without cannot unable unwilling inability unwillingness absence absent lack
    lacks lacking negative ineligible exclude excluded excludes non -free""".split()
)
_EXCEPT_WORDS = frozenset("except excepting excluding unless besides".split())
_PAIRS = {("free", "of"): "negation", ("other", "than"): "exception", ("apart", "from"): "exception",
          ("exception", "of"): "exception"}


def cues(low: str) -> dict[str, list[str]]:
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
NOT_NAMES = frozenset(
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
TOKEN = re.compile(r"(?<![A-Za-z0-9'-])[A-Za-z][A-Za-z0-9]*(?:'s)?(?:-[A-Za-z0-9]+)*")
ENDINGS = _DRUG_ENDINGS + _CONDITION_ENDINGS
WORD_START = re.compile(r"(?<![A-Za-z0-9'-])[A-Za-z]")
CAPITAL_START = re.compile(r"(?<![A-Za-z0-9'-])[A-Z]")


def at_start(text: str, i: int) -> bool:
    """Does a sentence, clause or list item start at ``i``? (Capitals there are no names.)"""
    i -= 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in ".:;!?([\n-*•\"'"


def label(kind: str) -> str:
    return {"drug_class": "drug", "condition": "condition", "lab": "test", "score": "score",
            "procedure": "procedure"}.get(kind, "term")


_WOMEN = re.compile(r"(?<![a-z])(wo)?men(?![a-z])")


def present(low_rewrite: str, phrase: str) -> bool:
    """Is ``phrase`` (any case) in the rewrite, allowing plurals and possessives to change
    ("opportunistic infection" in "opportunistic infections", "women" for "a woman")?"""
    p = phrase.lower().replace("’", "'")
    return p in low_rewrite or bool(_loose(p).search(low_rewrite))


SAYS_HINT = re.compile(r"eligible|included|excluded|join")


def glossary_masks(terms: tuple[Match, ...], rw_low: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
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
        if e.kind != "unit" and not is_comparison(e.term) and (_needs_mask(m.text) or _needs_mask(e.plain)):
            by_entry.setdefault(e.term, []).append(m)
    for term, matches in by_entry.items():
        e = matches[0].entry
        said = {m.text.lower() for m in matches} | {term.lower()}
        kept = {x.span() for p in said for x in _loose(p).finditer(rw_low)}
        plain = set() if alias_present(rw_low, term) else {x.span() for x in _loose(e.plain.lower()).finditer(rw_low)}
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


def alias_present(low_rewrite: str, term: str) -> bool:
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


def looks_technical(tok: str, starts: bool, title_case: bool = False) -> str | None:
    """What a token outside the glossary is when it must be kept ('term', 'drug', …), or None.
    ``title_case``: the text capitalises most words, so a capital says nothing."""
    core = tok[:-2] if tok.endswith("'s") else tok
    low = core.lower()
    if low in NOT_NAMES or len(core) < 2:
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
    if upper == 1 and not starts and not title_case and len(core) >= 3:
        return "name"  # "Crohn's", "Karnofsky", "the Principal Investigator"
    return None


@lru_cache(maxsize=65536)
def glossary_matches(text: str) -> tuple[Match, ...]:
    """Glossary terms in ``text`` (cached: the rewriter and the check read the same criterion)."""
    return tuple(find_terms(text))


@lru_cache(maxsize=4096)
def is_comparison(term: str) -> bool:
    """Glossary entries like "no greater than" are comparisons: read as such, never masked."""
    q = qty.quantities(qty.fold(term + " 1"))
    return bool(q and q[-1].cmp)


@lru_cache(maxsize=16384)
def _needs_mask(phrase: str) -> bool:
    low = phrase.lower()
    return bool(qty.NUMBER.search(low) or _NEG.search(low) or _EXCEPT.search(low) or _POSITIVE.search(low))


def mask(low: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(low)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)
