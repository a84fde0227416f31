"""Read an outcome's time frame ("Week 52", "Up to 5 years", "Baseline to 24 weeks") as a length.

Time frames are free text. We read one only when its meaning is plain, and otherwise say we
could not: telling a patient "up to 6 months" when the record says "6 months after the last
dose" would shorten their commitment by the length of the treatment. Each frame is one of

* ``duration``: the longest stated time, counted from joining or an early study event
  ("Week 52", "2 years post-transplant", "until progression, up to 5 years");
* ``point``: only a starting moment ("Baseline", "Screening"), which adds no length;
* ``event``: tied to something of unknown timing ("until progression", "30 days after the
  last dose", "every cycle", "on average 2 years") or not readable at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Days per unit, only to compare frames written in different units; what we show keeps the
# record's own number and unit.
_DAYS = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 30.44, "year": 365.25}
_UNIT_ALIASES = {
    "minute": r"minutes?|mins?",
    "hour": r"hours?|hrs?|h",
    "day": r"days?",
    "week": r"weeks?|wks?",
    "month": r"months?|monthes|mos?",
    "year": r"years?|yrs?",
}
_UNIT = "|".join(f"(?P<{u}_{{i}}>{alias})" for u, alias in _UNIT_ALIASES.items())
_NUM = r"\d+(?:\.\d+)?"
# A list or range of numbers sharing one unit: "1-12", "3, 6, 9, and 12", "0 to 30".
_SEP = r"\s*(?:,|-|–|—|~|to|through|thru|and|or|&|/)\s*(?:and\s+|or\s+)?"
_LIST = rf"{_NUM}(?:{_SEP}{_NUM})*"
_NUMBER_FIRST = re.compile(rf"(?<![\w.])(?P<nums>{_LIST})\s*-?\s*(?:{_UNIT.format(i=1)})\b", re.I)
_UNIT_FIRST = re.compile(rf"\b(?:{_UNIT.format(i=2)})\s*(?P<nums>{_LIST})\b(?!\s*-?\s*(?:{_UNIT.format(i=3)})\b)", re.I)

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18,
    "twenty": 20, "twenty-four": 24, "thirty": 30, "thirty-six": 36, "forty-eight": 48,
    "fifty-two": 52, "sixty": 60, "ninety": 90,
}  # fmt: skip
_NUMBER_WORD_RE = re.compile(r"\b(" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b", re.I)

# The clock restarts at an event of unknown timing: the frame's number no longer measures
# time in the study.
_SHIFTED = re.compile(
    r"\b(?:after|post|following|from|since|beyond)\W+(?:the\s+|each\s+|their\s+)?"
    r"(?:last|final|end|completion|conclusion|cessation|discontinuation|stopping|termination|"
    r"withdrawal|progression|relapse|recurrence|off)\b"
    r"|\bend\s+of\s+(?:the\s+)?(?:treatment|therapy|study|intervention|dosing)\b"
    r"|\blast\s+(?:dose|patient|subject|participant|treatment|visit|administration|infusion|injection)\b"
    r"|\bage\b|\bgestation|\bevents?\s+(?:have|has)\s+occurred|\bcompletion\b"
    # "6 months after treatment": after it *ends*, whose date depends on how long it lasts.
    r"|\b(?:after|post|following)\W+(?:the\s+|their\s+)?(?:study\s+|trial\s+|protocol\s+)?"
    r"(?:treatments?|therapy|radiation|radiotherapy|chemo\w*|intervention)\b(?!\W*(?:start|initiation|begin))"
    r"|\bafter\W+(?:the\s+)?(?:first\s+|each\s+|every\s+)?(?:cycle|course)"
    r"|\b(?:after|from)\W+(?:the\s+)?(?:date\s+of\s+)?(?:first\s+)?(?:documented\s+|objective\s+|reported\s+)?"
    r"(?:documentation\s+of\s+)?(?:response|cr|pr|remission)\b"
    # "24 weeks following 48 or 72 weeks of therapy": two lengths to add up.
    r"|\b(?:after|following)\s+[\d.]+(?:\s*(?:or|and|to|-)\s*[\d.]+)*\s*(?:weeks?|months?|years?|days?)\s+of\b.*\d"
    r"|\d.*\b(?:after|following)\s+[\d.]+(?:\s*(?:or|and|to|-)\s*[\d.]+)*\s*(?:weeks?|months?|years?|days?)\s+of\b",
    re.I,
)
# Open-ended: only a stated cap ("up to", "within", "maximum") makes these a length.
_OPEN = re.compile(
    r"\b(?:until|till|progression|death|died|survival|discharge|completion|complete|throughout|"
    r"ongoing|every|each|cycles?|courses?|duration|whichever|as\s+long\s+as|indefinite|lifetime|"
    r"relapse|recurrence|time\s+to|time\s+of|end|completed|occurrence|occurs?|occurred|failure|"
    r"last\s+(?:follow|contact|known|visit|observation))\b",
    re.I,
)
# A cap counts only with its number: "up to 5 years", not "up to study completion".
_CAP = re.compile(
    r"\b(?:up\s*to|maximum(?:\s+(?:of|follow-?up))?|max\.?|at\s+most|no\s+(?:more|longer)\s+than|within|for\s+a\s+maximum\s+of)"
    r"\s+(?:a\s+(?:total\s+)?(?:of\s+)?|approximately\s+|approx\.?\s+|about\s+|~\s*)?\d",
    re.I,
)
# A frame counted from the start ("From screening to end of treatment (max 110 weeks)"): its
# cap bounds the whole span, whatever event ends it.
_FROM_START = re.compile(
    r"^\W*(?:from|between)\s+(?:the\s+)?(?:date\s+of\s+|time\s+of\s+|day\s+of\s+)?(?:screening|baseline|"
    r"randomi[sz]ation|enrol?lment|registration|(?:study\s+)?entry|consent|signing|day\s*[01]\b|first\s+dose|"
    r"(?:the\s+)?start|initiation)",
    re.I,
)
# "on average 2 years": some people are followed longer than that, so it is no upper limit.
_NOT_A_LIMIT = re.compile(r"\b(?:average|median|mean|typically|usually|estimated\s+to|minimum|at\s+least)\b", re.I)
_START_ONLY = re.compile(
    r"^\W*(?:(?:at|on|the|and|of|day|study|entry|visit|time|before|prior\s+to|pre-?(?:dose|treatment|"
    r"operative|op|surgery|randomi[sz]ation)|baseline|screening|enrol?lment|randomi[sz]ation|"
    r"admission)\W*)+$",
    re.I,
)

# Numbers that name something rather than a time ("Phase 2", "CTCAE version 4.0", "Stage 3").
_LABELS = re.compile(
    r"\b(?:phase|version|v|grade|stage|part|period|step|type|cohort|arm|group|ctcae|recist|t)\s*[\d.]+\b", re.I
)


@dataclass(slots=True)
class TimeFrame:
    kind: str  # "duration", "point" or "event"
    days: float | None = None  # the longest time, for comparing frames
    words: str | None = None  # that time as written, normalised: "52 weeks", "1 year"


def parse_time_frame(text: str | None) -> TimeFrame | None:
    """One outcome time frame read conservatively; None when there is no text."""
    if not text or not text.strip():
        return None
    flat = _normalise(text)
    if _NOT_A_LIMIT.search(flat):
        return TimeFrame("event")
    if _SHIFTED.search(flat) and not (_FROM_START.match(flat) and _CAP.search(flat)):
        return TimeFrame("event")
    found, rest = _durations(flat)
    if re.search(r"\d", _LABELS.sub(" ", rest)):
        # A number we could not place ("months 0-30, 30-42, 42-54"): the frame may run
        # longer than what we read, so we do not guess.
        return TimeFrame("event")
    if _OPEN.search(flat) and not (found and _CAP.search(flat)):
        return TimeFrame("event")
    if not found:
        return TimeFrame("point") if _START_ONLY.match(flat) else TimeFrame("event")
    days, value, unit = max(found)
    if days > 100 * 365.25:
        return TimeFrame("event")  # a calendar year read as a length ("2008 - 2009 years")
    return TimeFrame("duration", days, _words(value, unit))


def _normalise(text: str) -> str:
    flat = " ".join(text.split())
    flat = _NUMBER_WORD_RE.sub(lambda m: str(_NUMBER_WORDS[m.group(1).lower()]), flat)
    flat = re.sub(r"\b(?:a|one)\s+(year|month|week|day)\b", r"1 \1", flat, flags=re.I)
    return flat


def _durations(flat: str) -> tuple[list[tuple[float, float, str]], str]:
    """Every (days, value, unit) read, longest of each list, and the text left over."""
    out = []
    rest = flat
    for pattern, i in ((_NUMBER_FIRST, 1), (_UNIT_FIRST, 2)):
        for m in pattern.finditer(rest):
            unit = next(u for u in _DAYS if m.group(f"{u}_{i}"))
            value = max(float(n) for n in re.findall(_NUM, m.group("nums")))
            out.append((value * _DAYS[unit], value, unit))
        rest = pattern.sub(" ", rest)
    return out, rest


def _words(value: float, unit: str) -> str:
    number = f"{value:g}"
    return f"{number} {unit}" + ("" if value == 1 else "s")
