"""Numbers in criteria text: each with its unit, comparison direction and time relation.

This is what the faithfulness check compares between a criterion and its rewrite, so it reads
every way registry authors and plain-English rewrites write the same limit:

* numbers as digits ("1,500", "1.5", ".5") or words ("six", "one of the following");
* units after them, canonicalised: "/mm3", "/mm³", "cells/cu mm", "per mm³" and "per cubic
  millimeter" are one unit; "x ULN", "× the upper limit of normal" and "times ULN" another;
  "x 10^9/L", "× 10⁹/L", "x 109/L" and "billion per liter" a third. Digits inside a unit
  ("m2", "10^9", "1.73 m²") are never read as numbers of their own;
* the comparison: "≥ 18", "at least 18", "18 or more", "no less than 18" all mean *18 or
  above*; "18-75", "18 to 75" and "between 18 and 75" a range (the low end ≥, the high end ≤);
* for time units, the relation to an event: "within 6 months", "in the past 6 months" (a
  window), "6 months before", "prior to" (before), "after", "since", "following" (after).

An age ("age ≥ 18", "18 or older", "aged 18") without a unit is taken to be in years, so "18
years or older" and "18 or older" compare equal, but "18 months or older" does not.

Text is first *folded*: superscripts become "^n", "µ" becomes "u", dashes become "-", and the
many spellings of ≥ and ≤ (">=", "> or =", "≥/=") become one symbol. Positions in the result
refer to the folded text (:func:`fold`), which keeps the original letter case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

GE, GT, LE, LT = "ge", "gt", "le", "lt"
WITHIN, BEFORE, AFTER = "within", "before", "after"
TIME_UNITS = frozenset({"year", "month", "week", "day", "hour", "minute", "second"})

_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", [f"^{d}" for d in "0123456789"]))
_FOLD = str.maketrans(
    {
        **_SUPERSCRIPTS,
        "µ": "u",
        "μ": "u",
        "×": "x",
        "–": "-",
        "—": "-",
        "‑": "-",
        "‐": "-",
        "−": "-",
        "≧": "≥",
        "≦": "≤",
        "⩾": "≥",
        "⩽": "≤",
        "\u00a0": " ",
        "’": "'",
        "‘": "'",
    }
)
_GE_SPELLINGS = re.compile(r"(?:>\s*/?\s*=|=\s*>|≥\s*/?\s*=|>\s*or\s*=|> or equal to)(?!=)")
_LE_SPELLINGS = re.compile(r"(?:<\s*/?\s*=|=\s*<|≤\s*/?\s*=|<\s*or\s*=|< or equal to)(?!=)")


@lru_cache(maxsize=32768)
def fold(text: str) -> str:
    """The text with one spelling for each symbol (see the module doc); case is kept."""
    if not text.isascii():
        text = text.translate(_FOLD)
    if "=" in text:
        text = _GE_SPELLINGS.sub("≥", text)
        text = _LE_SPELLINGS.sub("≤", text)
    return text


def lower(text: str) -> str:
    """Lower case with the same length (so positions still match the folded text)."""
    low = text.lower()
    return low if len(low) == len(text) else "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# ---------------------------------------------------------------------------------------------
# Numbers

_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70",
                      "eighty": "80", "ninety": "90", "hundred": "100"})
# A number is never part of a word or a name ("HbA1c", "COVID-19", "PD-1", "m2") and never the
# exponent of "10^9"; "130/80" gives two numbers.
_NUMBER = re.compile(
    r"(?<![a-z_.^\d])(?<![a-z]-)(?<![a-z]/)(?:\d{1,3}(?:,\d{3})+(?!\d|,\d)|\d+(?:\.\d+)?|\.\d+)"
    r"|\b(?:" + "|".join(_NUMBER_WORDS) + r")\b(?!-)"
)


NUMBER = _NUMBER


def number_value(token: str) -> str:
    """Canonical value: "1,500" and "1500.0" → "1500"; "six" → "6"."""
    word = _NUMBER_WORDS.get(token)
    if word is not None:
        return word
    if token.isdigit():
        return str(int(token))
    if "." not in token:
        return str(int(token.replace(",", "")))
    try:
        d = Decimal(token.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex only lets numbers through
        return token
    text = format(d.normalize(), "f")
    return text


# ---------------------------------------------------------------------------------------------
# Units

# Parts of compound units ("mg/dL", "mL/min", "mg/kg/day"), each with its spellings.
_PARTS = {
    "mg": "mg|milligrams?",
    "g": "g|gm|grams?",
    "ug": "ug|mcg|micrograms?",
    "ng": "ng|nanograms?",
    "pg": "pg|picograms?",
    "kg": "kg|kilograms?|kilos?",
    "mmol": "mmol|millimoles?",
    "umol": "umol|micromol(?:es)?",
    "nmol": "nmol|nanomol(?:es)?",
    "meq": "meq|milliequivalents?",
    "miu": "miu|milli-?international\\s+units?",
    "iu": "iu|international\\s+units?",
    "u": "u|units?",
    "ml": "ml|cc|millilit(?:er|re)s?",
    "dl": "dl|decilit(?:er|re)s?",
    "l": "l|lit(?:er|re)s?",
    "copies": "copies|copy",
    "cells": "cells?",
    "m2": "m\\^?2|square\\s+met(?:er|re)s?",
    "day": "days?|d",
    "min": "min(?:ute)?s?",
    "h": "h|hrs?|hours?",
    "week": "weeks?|wks?",
}
_PART_ALT = "|".join(f"(?:{p})" for p in _PARTS.values())
_PART_CANON = [(re.compile(f"(?:{p})\\Z"), k) for k, p in _PARTS.items()]
_SEP = r"\s*(?:/|per)\s*"
_SEP_RE = re.compile(_SEP)
_COMPOUND = re.compile(rf"(?:{_PART_ALT})(?:{_SEP}(?:{_PART_ALT}))+(?![a-z])")


@lru_cache(maxsize=4096)
def _part(part: str) -> str:
    for pat, key in _PART_CANON:
        if pat.match(part):
            return key
    return part


def _compound(m: re.Match[str]) -> str:
    return "/".join(_part(" ".join(p.split())) for p in _SEP_RE.split(m.group()))


def _power(m: re.Match[str]) -> str:
    den = m.group(2)
    den = "ul" if den in ("mcl", "mm^3", "mm3") or den.startswith("cu") else den
    return f"e{m.group(1)}/{den}"


_CELLS = r"(?:cells?\s*)?"
_PER_UL = rf"{_CELLS}(?:/|per)\s*(?:mm\^?3|cu\.?\s*mm|cubic\s+millimet(?:er|re)s?|ul|mcl|microlit(?:er|re)s?)(?![a-z])"
_ULN = (
    r"(?:the\s+)?(?:institutional\s+|site\s+|local\s+|laboratory\s+|lab\s+)?(?:uln|upper\s+limits?\s+(?:of\s+)?"
    r"(?:the\s+)?(?:institutional\s+|laboratory\s+|lab\s+)?normal(?:\s+(?:range|limits?|values?))?|"
    r"upper\s+normal\s+limits?|normal\s+upper\s+limits?|upper\s+limits?|unl)"
)
# (pattern, canonical unit or a function of the match), tried in this order at the position
# right after a number (after optional white space or a hyphen: "6-month", "18-year-old").
_UNIT_TABLE: list[tuple[str, object]] = [
    (r"(?:x\s*10\s*(?:\^|\*\*?|e)?|10\s*(?:\^|\*\*?|e))\s*\(?\s*(\d{1,2})\s*\)?\s*" + _CELLS
     + r"/\s*(l|ml|ul|mcl|mm\^?3|cu\.?\s*mm|kg)(?![a-z])", _power),
    (r"billions?\s+(?:cells\s+)?(?:per|/|a)\s*(?:lit(?:er|re)|l)(?![a-z])", "e9/l"),
    (r"thousands?\s+(?:cells\s+)?(?:per|/)\s*(?:ul|mcl|microlit(?:er|re)|mm\^?3|cubic\s+millimet(?:er|re))(?![a-z])", "e3/ul"),
    (r"ml\s*/\s*min(?:ute)?\s*(?:/|per)\s*1\.73\s*m\s*\^?2|milli(?:liter|litre)s?\s+per\s+minute\s+per\s+1\.73\s*m\s*\^?2",
     "ml/min/1.73m2"),
    (rf"(?:x|times|-?fold)\s*{_ULN}|(?:uln|unl)(?![a-z])|upper\s+limits?\s+of\s+normal|upper\s+normal\s+limits?", "xuln"),
    (r"(?:x|times)\s*(?:the\s+)?(?:lln|lower\s+limits?\s+of\s+(?:the\s+)?normal)", "xlln"),
    (r"(?:x|times)\s*(?:the\s+)?normal(?:\s+(?:values?|levels?|range))?(?![a-z])", "xnormal"),
    (r"(?:x|times|-?fold)(?![a-z])", "x"),
    (r"%|percent(?![a-z])|per\s*cent(?![a-z])", "%"),
    (r"mm\s*(?:of\s*)?hg|millimet(?:er|re)s?\s+of\s+mercury", "mmhg"),
    (r"bpm|beats?\s*(?:per|/|a)\s*min(?:ute)?", "bpm"),
    (_PER_UL + r"|cells?\s*/\s*ul|mm\^?3(?![a-z])|cubic\s+millimet(?:er|re)s?|cu\.?\s*mm(?![a-z])|microlit(?:er|re)s?", "/ul"),
    (r"pack[\s-]*(?:years?|yrs?)", "pack-year"),
    (_COMPOUND.pattern, _compound),
    (r"years?|yrs?(?![a-z])|y/o|y\.o\.", "year"),
    (r"months?|mos?(?![a-z])|mths?(?![a-z])", "month"),
    (r"weeks?|wks?(?![a-z])", "week"),
    (r"days?", "day"),
    (r"hours?|hrs?(?![a-z])|h(?![a-z])", "hour"),
    (r"minutes?|mins?(?![a-z])", "minute"),
    (r"seconds?|secs?(?![a-z])", "second"),
    (r"(?:msecs?|ms|milliseconds?)(?![a-z])", "ms"),
    (r"°\s*[cf](?![a-z])|degrees?\s*(?:celsius|centigrade|c)(?![a-z])", "°c"),
    (r"degrees?\s*(?:fahrenheit|f)(?![a-z])", "°f"),
    (r"(?:st|nd|rd|th)(?![a-z])", "ordinal"),
    (r"(?:cm|centimet(?:er|re)s?)(?![a-z])", "cm"),
    (r"(?:mm|millimet(?:er|re)s?)(?![a-z^\d])", "mm"),
    (r"(?:m|met(?:er|re)s?)(?![a-z^\d/])", "m"),
    (r"(?:kg|kilograms?|kilos?)(?![a-z])", "kg"),
    (r"(?:mg|milligrams?)(?![a-z])", "mg"),
    (r"(?:mcg|ug|micrograms?)(?![a-z])", "ug"),
    (r"(?:g|gm|grams?)(?![a-z])", "g"),
    (r"(?:lbs?|pounds?)(?![a-z])", "lb"),
    (r"(?:inch(?:es)?|in\.)(?![a-z])", "inch"),
    (r"(?:ml|cc|millilit(?:er|re)s?)(?![a-z])", "ml"),
    (r"(?:c?gy|centigray|gray)(?![a-z])", lambda m: "cgy" if m.group().startswith("c") else "gy"),
    (r"(?:iu|units?)(?![a-z])", "unit"),
    (r"(cycles?|courses?|doses?|drinks?|cigarettes?|points?|servings?|visits?|sessions?|children|pregnancies)(?![a-z])",
     lambda m: _singular(m.group(1))),
]
_UNIT = re.compile(
    r"[ \t]*(?:-[ \t]*)?(?:" + "|".join(f"(?P<u{i}>{p})" for i, (p, _) in enumerate(_UNIT_TABLE)) + ")"
)
_UNIT_CANON = [c for _, c in _UNIT_TABLE]
# A function-valued entry reads its own groups, so it gets its own compiled pattern.
_UNIT_SUB = {i: re.compile(p) for i, (p, c) in enumerate(_UNIT_TABLE) if callable(c)}


def _singular(word: str) -> str:
    if word == "children":
        return "child"
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


def read_unit(low: str, pos: int) -> tuple[str, int] | None:
    """(canonical unit, end) for a unit starting at ``pos`` of lower-cased folded text."""
    m = _UNIT.match(low, pos)
    if not m:
        return None
    i = int(m.lastgroup[1:])
    canon = _UNIT_CANON[i]
    unit = canon(_UNIT_SUB[i].match(low, m.start(m.lastgroup))) if callable(canon) else canon
    if unit == "ordinal" and m.start(m.lastgroup) != pos:
        return None  # "1 st" is no ordinal; "1st" is
    return unit, m.end()


# ---------------------------------------------------------------------------------------------
# Comparisons

_CMP_BEFORE = re.compile(
    r"(?:(?<![a-z])|(?=[≥≤<>=]))(?:"
    r"(?P<ge>≥|greater\s+than\s+or\s+equal\s+to|greater\s+or\s+equal\s+(?:to|than)|(?:more|higher)\s+than\s+or\s+equal\s+to|"
    r"equal\s+to\s+or\s+(?:greater|more|higher)\s+than|at\s+least|no\s+(?:less|fewer|lower|younger|shorter)\s+than|"
    r"not\s+(?:less|fewer|lower|younger|shorter)\s+than|not\s+below|not\s+under|(?:a\s+)?minimum\s+(?:of\s+)?|min\.?|at\s+or\s+above)"
    r"|(?P<le>≤|less\s+than\s+or\s+equal\s+to|less\s+or\s+equal\s+(?:to|than)|(?:lower|fewer)\s+than\s+or\s+equal\s+to|"
    r"equal\s+to\s+or\s+(?:less|lower|fewer)\s+than|at\s+most|no\s+(?:more|greater|higher|older|longer|larger)\s+than|"
    r"not\s+(?:more|greater|higher|older|longer|larger)\s+than|not\s+(?:to\s+)?exceed(?:ing)?|(?:does|do|must|should|may)\s+not\s+exceed|"
    r"not\s+above|not\s+over|(?:a\s+)?maximum\s+(?:of\s+)?|max\.?|up\s+to|at\s+or\s+below)"
    r"|(?P<gt>>|greater\s+than|more\s+than|higher\s+than|older\s+than|longer\s+than|larger\s+than|above|over|exceeding|"
    r"exceeds?|in\s+excess\s+of)"
    r"|(?P<lt><|less\s+than|fewer\s+than|lower\s+than|younger\s+than|shorter\s+than|smaller\s+than|below|under)"
    r"|(?P<eq>=|equal\s+to|exactly)"
    r"|(?P<agelt>(?:under|below|younger\s+than|less\s+than)\s+(?:the\s+)?age\s+of)"
    r"|(?P<agegt>(?:over|above|older\s+than|more\s+than|greater\s+than)\s+(?:the\s+)?age\s+of)"
    r"|(?P<between>between)|(?P<from>from)"
    r")\s*\Z"
)
_CMP_AFTER = re.compile(
    r"[ \t]*(?:(?:years?[ \t]+)?(?:of[ \t]+age|old)[ \t]*)?,?[ \t]*(?:or|and|&)[ \t]+"
    r"(?:(?P<ge>more|greater|older|above|over|higher|longer|later|up|bigger|larger)"
    r"|(?P<le>less|fewer|younger|below|under|lower|shorter|smaller|earlier))(?![a-z])(?![ \t]+than)"
    r"|(?P<plus>\+)(?![\d/])"
)
# Every comparison phrase ends with one of these (a symbol or a word): a cheap test first.
_CMP_LAST = frozenset(
    """≥ ≤ < > = least than to of minimum min min. max max. maximum above over below under exceeding exceed exceeds
    up most between from exactly equal""".split()
)


def _may_compare(window: str) -> bool:
    w = window.rstrip()
    if not w:
        return False
    if w[-1] in "≥≤<>=":
        return True
    parts = w.rsplit(None, 1)
    return parts[-1] in _CMP_LAST


_RANGE_TO = re.compile(r"[ \t]*(?:-|~|to|through|until)[ \t]*(?=[\d.])")
_RANGE_AND = re.compile(r"[ \t]*and[ \t]*(?=[\d.])")
_LIST_JOIN = re.compile(r"\s*(?:-|to|through|and|or|,|and/or)\s*\Z")
_AGE_BEFORE = re.compile(r"(?<![a-z])(?:age[ds]?|aged|older|younger)(?![a-z])")
_AGE_AFTER = re.compile(r"[ \t]*(?:years?[ \t]+)?(?:of[ \t]+age|old(?![a-z])|or[ \t]+(?:older|younger)|and[ \t]+(?:older|younger))")

# Time relations. Before the number (after its comparison): a window; after the unit: an event.
_WITHIN = re.compile(
    r"(?<![a-z])(?:within(?:\s+the(?:\s+(?:past|last|previous|preceding|prior|first|next))?)?|"
    r"(?:in|during|over|for)\s+the(?:\s+(?:past|last|previous|preceding|prior|first|next))?|"
    r"(?:the\s+)?(?:past|last|previous|preceding|prior))\s*\Z"
)
_REL_BEFORE_NUM = re.compile(r"(?<![a-z])(?:(?P<after>after|following|since)|(?P<before>before|prior\s+to))\s*\Z")
_REL_AFTER_UNIT = re.compile(
    r"[ \t,]*(?:(?:or|and)[ \t]+(?:more|longer|less|fewer|older|younger|above|below)[ \t]+)?(?:(?:of|from)[ \t]+)?"
    r"(?:(?P<before>before|prior(?:[ \t]+to)?|preceding|ago|earlier|previously)|(?P<after>after|following|since|post|later))(?![a-z])"
)


@dataclass(slots=True)
class Quantity:
    value: str  # canonical: "1500", "1.5", "6"
    text: str  # the number as written
    unit: str | None  # canonical unit, or None
    cmp: str | None  # GE GT LE LT, or None (no comparison, or "=")
    rels: frozenset[str]  # time relations: WITHIN BEFORE AFTER
    start: int  # span of the whole phrase (comparison … unit … relation) in the folded text
    end: int
    num_start: int
    num_end: int
    age: bool = False
    unit_text: str = ""  # the unit as written ("/mm³", "x ULN")
    cmp_span: tuple[int, int] | None = None  # where the comparison words are (to mask them)


def quantities(text: str) -> list[Quantity]:
    """Every number of (already folded) ``text`` with its unit, comparison and relations."""
    low = lower(text)
    out: list[Quantity] = []
    prev_end = 0
    pending_range: str | None = None  # the next number closes a range: its direction is LE
    for m in _NUMBER.finditer(low):
        if m.start() < prev_end:
            continue  # inside the unit of the number before ("10^9", "1.73 m2")
        tok = m.group()
        window_start = max(prev_end, m.start() - 60)
        window = low[window_start : m.start()]
        dot = window.rfind(". ")
        cut = max(window.rfind(";"), window.rfind(","), window.rfind("("), window.rfind("["), dot + 1 if dot >= 0 else -1)
        if cut >= 0:
            window = window[cut + 1 :]
            window_start = m.start() - len(window)
        q = Quantity(number_value(tok), text[m.start() : m.end()], None, None, frozenset(), m.start(), m.end(),
                     m.start(), m.end())
        # The comparison before the number (the full pattern only when the last word can end one).
        c = _CMP_BEFORE.search(window) if _may_compare(window) else None
        rest = window
        range_high = pending_range is not None
        if range_high:
            q.cmp = LE
            pending_range = None
        elif c:
            kind = c.lastgroup
            if kind in ("between", "from"):
                q.cmp = GE if kind == "between" else None
            elif kind in ("agelt", "agegt"):
                q.cmp, q.age = (LT if kind == "agelt" else GT), True
            elif kind != "eq":
                q.cmp = kind
            q.cmp_span = (window_start + c.start(), window_start + c.end())
            q.start = window_start + c.start()
            rest = window[: c.start()]
        if ("ag" in window or "old" in window or "young" in window) and _AGE_BEFORE.search(window):
            q.age = True
        # The unit, then a comparison or relation after it.
        pos = m.end()
        u = read_unit(low, pos)
        if u is not None:
            q.unit, pos = u
            q.unit_text = text[m.end() : pos].strip()
        timed = q.unit in TIME_UNITS
        w = _WITHIN.search(rest) if timed else None
        if w:
            q.rels |= {WITHIN}
            q.start = min(q.start, window_start + w.start())
        r = _REL_BEFORE_NUM.search(rest) if timed else None
        if r:
            q.rels |= {AFTER if r.group("after") else BEFORE}
        a = _AGE_AFTER.match(low, pos)
        if a:
            q.age = True
        s = _CMP_AFTER.match(low, pos)
        if s and q.cmp is None:
            q.cmp = GE if s.group("ge") or s.group("plus") else LE
            q.cmp_span = (s.start(), s.end())
            pos = s.end()
        elif a:
            pos = a.end()
        if _RANGE_TO.match(low, pos) and q.cmp is None:
            q.cmp, pending_range = GE, "to"
        elif q.cmp == GE and c is not None and c.lastgroup == "between" and _RANGE_AND.match(low, pos):
            pending_range = "and"
        rel = _REL_AFTER_UNIT.match(low, pos) if timed else None
        if rel:
            q.rels |= {AFTER if rel.group("after") else BEFORE}
        q.end = rel.end() if rel else pos
        if range_high and q.unit is None and out and out[-1].unit is not None:
            q.unit, q.unit_text, q.age = out[-1].unit, out[-1].unit_text, out[-1].age  # "aged 18-75"
        if q.unit is None and q.age:
            q.unit = "year"
        prev_end = pos
        out.append(q)
    # "6 or 12 months", "18-75 years", "1.5 to 2 x ULN": a unit written once serves the list.
    for a, b in zip(reversed(out[:-1]), reversed(out[1:])):
        if a.unit is None and b.unit is not None and _LIST_JOIN.match(low[a.num_end : b.start] or " "):
            a.unit, a.unit_text = b.unit, b.unit_text
            a.age = a.age or b.age
    return out


def describe(text: str, q: Quantity) -> str:
    """The phrase of ``q`` as written in ``text`` (for messages): "≥ 18 years", "within 6 months"."""
    return " ".join(text[q.start : q.end].split())
