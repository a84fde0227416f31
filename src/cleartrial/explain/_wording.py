"""Comparisons, ranges and units in words: "≥ 18 years" → "18 or older", "< 1,500/mm3" →
"below 1,500 per mm³", "≤ 2 × ULN" → "no more than 2 times the upper limit of normal".

Each change keeps the number, its unit and the direction of its comparison, in one of the
spellings ``_quantities`` reads, so the faithfulness check can confirm it:

* ≥ → "at least N", ≤ → "no more than N"; > and < → "above" / "below" for a measurement
  (a lab unit, %, times the upper limit), "more than" / "less than" for counts and times;
* for an age: "N or older", "older than N", "N or younger", "younger than N" (the word "years"
  goes: an age is in years unless it says months);
* "N-M" → "N to M";
* lab units read aloud: "/mm³" → "per mm³", "× 10⁹/L" → "billion per liter", "x ULN" →
  "times the upper limit of normal"; "mg/dL" and the like stay as the lab report prints them
  (the trial's glossary explains them).
"""

from __future__ import annotations

import re

from . import _quantities as qty

_NUM_CORE = r"(?:\d{1,3}(?:,\d{3})+(?!\d|,\d)|\d+(?:\.\d+)?|\.\d+)"
_NUM = r"(?<![\w.^/-])" + _NUM_CORE
_SYMBOLS = re.compile(r"(?:>\s*/?\s*=|=\s*>|≥\s*/?\s*=|>\s*or\s*=|≧|⩾)(?!=)")
_SYMBOLS_LE = re.compile(r"(?:<\s*/?\s*=|=\s*<|≤\s*/?\s*=|<\s*or\s*=|≦|⩽)(?!=)")

# Units as they are said. Applied right after a number (and after the "to N" of a range).
_UNIT_WORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\s*(?:x|×|X)\s*10\s*(?:\^|\*\*?|[eE])?\s*(?:9|⁹|\(9\))\s*(?:cells\s*)?/\s*L\b"), " billion per liter"),
    (re.compile(r"\s*(?:x|×|X)\s*10\s*(?:\^|\*\*?|[eE])?\s*(?:3|³|\(3\))\s*(?:cells\s*)?/\s*(?:[uµμ]L|mcL|mm3|mm³)"),
     " thousand per µL"),
    (re.compile(r"\s*(?:x|×|X|times)\s*(?:the\s+)?(?:(?:institutional|site|local)\s+)?(?:ULN|upper\s+limits?\s+of\s+(?:the\s+)?"
                r"(?:institutional\s+)?normal|upper\s+normal\s+limits?|upper\s+limit\s+of\s+normal|UNL)\b(?:\s*\((?:ULN|UNL)\))?", re.I),
     " times the upper limit of normal"),
    (re.compile(r"\s*ULN\b"), " times the upper limit of normal"),
    (re.compile(r"\s*(?:x|×|X)\s*(?:the\s+)?(?:LLN|lower\s+limits?\s+of\s+normal)\b", re.I), " times the lower limit of normal"),
    (re.compile(r"\s*(?:x|×|X)\s*(?:the\s+)?normal\b", re.I), " times normal"),
    (re.compile(r"\s*(cells)?\s*/\s*(?:mm\^?3|mm³|cu\.?\s*mm)\b", re.I), r" \1 per mm³"),
    (re.compile(r"\s*(cells)?\s*/\s*(?:[uµμ]l|mcl)\b", re.I), r" \1 per µL"),
    (re.compile(r"\s*(?:kg/m2|kg/m\^2)\b"), " kg/m²"),
    (re.compile(r"(\s*mL/min/1\.73\s*)m(?:2|\^2)\b"), r"\1m²"),
]
_MEASURE_UNITS = frozenset(
    {"%", "xuln", "xlln", "xnormal", "/ul", "mmhg", "bpm", "ms", "°c", "°f", "kg/m2", "ml/min/1.73m2"}
)
_AGE_NEAR = re.compile(r"(?<![a-z])(?:age[ds]?|aged)(?:\s+(?:of|is|at|must\s+be|should\s+be))?\s*:?\s*\Z", re.I)
_AGE_UNIT = re.compile(r"\s*(?:years?|yrs?\.?)(?:\s+of\s+age|\s+old)?", re.I)
_YEARS_AFTER = re.compile(r"\s*(?:years?|yrs?\.?)(?:\s+of\s+age|\s+old)\b", re.I)

_CMP = re.compile(rf"(?P<sym>[≥≤><=])\s*(?P<num>{_NUM})")
_WORD_CMP = [
    (re.compile(r"\b(?:greater|more)\s+than\s+or\s+equal\s+to(?=\s*\d)|\bequal\s+to\s+or\s+(?:greater|more)\s+than(?=\s*\d)"
                r"|\b(?:no|not)\s+less\s+than(?=\s*\d)|\ba\s+minimum\s+of(?=\s*\d)", re.I), "at least"),
    (re.compile(r"\bless\s+than\s+or\s+equal\s+to(?=\s*\d)|\bequal\s+to\s+or\s+less\s+than(?=\s*\d)"
                r"|\b(?:no|not)\s+greater\s+than(?=\s*\d)|\bnot\s+(?:to\s+)?exceed(?:ing)?(?=\s*\d)"
                r"|\ba\s+maximum\s+of(?=\s*\d)|\bnot\s+more\s+than(?=\s*\d)", re.I), "no more than"),
    (re.compile(r"\bgreater\s+than(?=\s*\d)|\bin\s+excess\s+of(?=\s*\d)", re.I), "more than"),
]
_RANGE = re.compile(rf"(?P<a>{_NUM})\s*[-–~]\s*(?P<b>{_NUM_CORE})(?![\d/.]\d|-[a-z])")
_AGE_SUFFIX = re.compile(
    rf"(?P<num>{_NUM})\s*(?:(?:years?|yrs?\.?)(?:\s+of\s+age|\s+old)?|(?<=[Aa]ge:\s\d)|(?<=[Aa]ge:\s\d\d))\s*(?:and|or)\s*(?P<dir>older|over|above|greater|"
    rf"younger|under|below|less)\b(?:\s+(?:years?\s+)?(?:of\s+age|old))?",
    re.I,
)
# After a word, "≥ 9" reads "of at least 9": not after a verb or preposition that already joins.
_JOINED = re.compile(r"(?:\b(?:is|are|be|was|were|of|to|than|with|has|have|had|at|by|from|for|in|on|and|or|"
                     r"if|than|no|not|least|most|age|aged)|[:=(,;/-])\s*\Z", re.I)


def normalize_symbols(text: str) -> str:
    """One spelling of ≥ and ≤ (">=", "> or =" …), and plain dashes in number ranges."""
    if "=" in text or "≧" in text or "≦" in text or "⩾" in text or "⩽" in text:
        text = _SYMBOLS.sub("≥", text)
        text = _SYMBOLS_LE.sub("≤", text)
    return text


def _canonical_unit(text: str) -> str | None:
    u = qty.read_unit(qty.lower(qty.fold(text)), 0)
    return u[0] if u else None


def _unit_after(text: str, pos: int) -> tuple[str, int, str | None]:
    """(unit as said, end, canonical unit) for the unit right after a number at ``pos``;
    a unit that is said as written gives ("", pos, its canonical form)."""
    for pat, words in _UNIT_WORDS:
        m = pat.match(text, pos)
        if m:
            return " " + " ".join(m.expand(words).split()), m.end(), _canonical_unit(m.group())
    return "", pos, _canonical_unit(text[pos : pos + 40])


def _is_age(text: str, start: int, after: int) -> bool:
    return bool(_AGE_NEAR.search(text, 0, start) if start < 40 else _AGE_NEAR.search(text[start - 40 : start])) or bool(
        _YEARS_AFTER.match(text, after)
    )


def _comparison(m: re.Match[str], text: str) -> str:
    sym, num = m.group("sym"), m.group("num")
    said, end, unit = _unit_after(text, m.end())
    age = _is_age(text, m.start(), m.end()) and unit in (None, "year")
    before = text[: m.start()]
    if age:
        a = _AGE_UNIT.match(text, m.end())  # "≥ 18 years of age" → "18 or older"
        phrase = {"≥": f"{num} or older", ">": f"older than {num}", "≤": f"{num} or younger",
                  "<": f"younger than {num}", "=": num}[sym]
        return phrase, (a.end() if a else m.end())
    measure = unit in _MEASURE_UNITS or (unit is not None and "/" in unit)
    word = {"≥": "at least", "≤": "no more than", ">": "above" if measure else "more than",
            "<": "below" if measure else "less than", "=": ""}[sym]
    lead = "" if not before.strip() or _JOINED.search(before) or word in ("above", "below") else "of "
    if sym == "=":
        lead = "" if _JOINED.search(before) else "of "
    return f"{lead}{word} {num}{said}".replace("  ", " ").strip(), end


def in_words(text: str) -> str:
    """Comparisons, ranges and units of ``text`` in words (see the module doc)."""
    if not _DIGIT.search(text):
        return text
    text = normalize_symbols(text)
    for pat, words in _WORD_CMP:
        text = pat.sub(words, text)
    text = _AGE_SUFFIX.sub(_age_suffix, text)
    text = _RANGE.sub(_range, text)
    out: list[str] = []
    pos = 0
    for m in _CMP.finditer(text):
        if m.start() < pos:
            continue
        phrase, end = _comparison(m, text)
        head = text[pos : m.start()]
        if head and not head.endswith((" ", "(")) and phrase:
            head += " "
        out.append(head)
        out.append(phrase)
        pos = end
    out.append(text[pos:])
    text = "".join(out)
    return _units(text)


def _age_suffix(m: re.Match[str]) -> str:
    older = m.group("dir").lower() in ("older", "over", "above", "greater")
    return f"{m.group('num')} or {'older' if older else 'younger'}"


def _range(m: re.Match[str]) -> str:
    return f"{m.group('a')} to {m.group('b')}"


_NUM_THEN = re.compile(rf"{_NUM}")
_DIGIT = re.compile(r"\d")


def _units(text: str) -> str:
    """Units right after any number (those not already said by a comparison)."""
    out: list[str] = []
    pos = 0
    for m in _NUM_THEN.finditer(text):
        if m.start() < pos:
            continue
        for pat, words in _UNIT_WORDS:
            u = pat.match(text, m.end())
            if u:
                out.append(text[pos : m.end()])
                out.append(" " + " ".join(u.expand(words).split()))
                pos = u.end()
                break
    out.append(text[pos:])
    return "".join(out)
