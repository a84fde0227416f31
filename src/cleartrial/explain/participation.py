"""What taking part would involve, read from the record: time, visits, tests, medicine changes.

Each :class:`ParticipationFact` is ``{kind, value, source_text}``: ``value`` says the fact in
plain words and ``source_text`` is the record's own words it came from, so a page can show
both and a reader can check one against the other. There are two kinds of source:

* a sentence of free text (summary, description, arm or intervention description, outcome,
  eligibility criteria), copied word for word with its line breaks and runs of spaces made
  single spaces; a very long sentence is cut to the words around the match, marked "…";
* a structured field, written ``Field name: VALUE`` with the registry's value as stored
  (``Masking: DOUBLE (PARTICIPANT, INVESTIGATOR)``, ``Enrollment: 300 (ESTIMATED)``).

The rules are conservative on purpose. A pattern fires only on wording that says the thing
plainly ("participants will be in the study for 6 months", "15 clinic visits"); anything that
needs a guess (whose follow-up, how often, which of two numbers) is left out, and the page
then says the record does not state it. A missing fact is safe; a wrong one is not: a person
may plan time off work, or stop a medicine, on what we show. Durations, counts and "up to"
are copied as the record writes them, never converted or added up.

Nothing here says or implies that a person qualifies: these are facts about the study.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction

from ..model import Trial
from ..words import PHASE_MEANING, phase_words
from ._common import is_placebo_arm, placebo_kind
from .design import design_facts, placebo_chance
from .ratio import stated_ratios
from .timeframes import parse_time_frame
from .timing import study_length

__all__ = ["GROUP_TITLES", "KIND_GROUP", "ParticipationFact", "participation_facts"]


@dataclass(slots=True)
class ParticipationFact:
    kind: str  # one of KIND_GROUP's keys
    value: str  # the fact in plain words, one or two sentences
    source_text: str  # the record's words it came from (see the module docstring)
    # Not part of the public shape (as_dict): what the questions and the timeline use.
    label: str = ""  # a short noun for lists ("MRI scans", "a steroid taper")
    days: float | None = None  # time kinds: the longest length stated, in days
    counted_from: str | None = None  # time kinds: the event it starts at, as written ("after the last dose")

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "value": self.value, "source_text": self.source_text}


# Every kind, in the order a page lists them, and the group (page heading) it belongs to.
KIND_GROUP: dict[str, str] = {
    "randomization": "design", "ratio": "design", "placebo": "design", "crossover": "design",
    "single_group": "design", "groups": "design", "blinding": "design",
    "total_length": "time", "treatment_length": "time", "treatment_cycles": "time", "follow_up": "time",
    "measurements": "time",
    "visits": "visits", "remote_visits": "visits", "visit_frequency": "visits",
    "infusions": "procedures", "injections": "procedures", "blood_draws": "procedures", "urine_tests": "procedures",
    "biopsies": "procedures", "bone_marrow_tests": "procedures", "lumbar_puncture": "procedures", "mri": "procedures",
    "ct": "procedures", "pet": "procedures", "x_rays": "procedures", "ultrasound": "procedures", "ecg": "procedures",
    "eeg": "procedures", "endoscopy": "procedures", "lung_function_tests": "procedures",
    "exercise_tests": "procedures", "questionnaires": "procedures", "diaries": "procedures",
    "wearable_devices": "procedures", "overnight_stays": "procedures",
    "steroid_taper": "medicines", "washout": "medicines", "stop_medicines": "medicines",
    "keep_medicines": "medicines", "rescue_medicine": "medicines", "contraception": "medicines",
    "compensation": "money", "costs": "money",
    "phase": "study", "size": "study", "sites": "study", "sponsor": "study",
}  # fmt: skip
GROUP_TITLES = {
    "design": "How groups are formed",
    "time": "How long",
    "visits": "Visits",
    "procedures": "Tests and procedures",
    "medicines": "Your medicines",
    "money": "Costs and payment",
    "study": "About the study",
}
_ORDER = {k: i for i, k in enumerate(KIND_GROUP)}


def participation_facts(trial: Trial) -> list[ParticipationFact]:
    """Every participation fact the record states, in KIND_GROUP order (record order within a kind)."""
    text = _Text.of(trial)
    facts = _design(trial, text)
    if trial.design.time_perspective != "RETROSPECTIVE":
        # A retrospective study reads old records: nobody visits, is tested or changes a medicine.
        facts += _time(trial, text) + _visits(text) + _procedures(trial, text) + _medicines(text) + _money(text)
    facts += _study(trial)
    facts.sort(key=lambda f: _ORDER[f.kind])
    return facts


# --- the record's text, split once per trial ---------------------------------------------------

# A sentence ends at . ! or ? before a capital (or a bracket, quote or bullet), at a blank
# line, or before a list item: eligibility criteria are lists, one item a line.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[*\"\u201c])|\n\s*\n|\n(?=\s*(?:[*\-•]|\d{1,2}[.)])\s)")
_MAX_SOURCE = 320  # characters of a sentence shown as the source; a longer one is cut around the match

# Sentences about other studies or findings ("previous randomized trials have shown"): not
# about what this study will ask of a person.
_OTHER_STUDIES = re.compile(
    r"\b(?:previous(?:ly)?|prior\s+(?:studies|trials|study|trial|work|research)|earlier\s+(?:studies|trials)|"
    r"other\s+(?:studies|trials)|(?:have|has|had)\s+(?:been\s+)?(?:shown|demonstrated|reported)|literature|"
    r"published|meta-analys[ie]s)\b",
    re.I,
)


@dataclass(slots=True)
class _Sentence:
    text: str  # whitespace made single spaces
    low: str  # lower case, for the cheap keyword checks that run before a pattern


@dataclass(slots=True)
class _Text:
    description: list[_Sentence]  # summary, description, arms, interventions: about this study only
    criteria: list[_Sentence]  # the eligibility criteria, one item or sentence each
    description_low: str  # all of the description in lower case, for a first keyword check
    criteria_low: str

    @classmethod
    def of(cls, trial: Trial) -> _Text:
        texts = [trial.brief_summary, trial.detailed_description, trial.design.intervention_model_description]
        texts += [a.description for a in trial.arms] + [i.description for i in trial.interventions]
        described = [s for s in _split(texts) if not _OTHER_STUDIES.search(s.text)]
        criteria = _split([trial.eligibility.criteria])
        return cls(described, criteria, "\n".join(s.low for s in described), "\n".join(s.low for s in criteria))

    def having(self, *needles: str, criteria: bool = False) -> list[_Sentence]:
        """Sentences holding any of these lower-case words: the patterns below run only on those
        (every pattern on every sentence of 6,679 records takes over a minute; this, seconds)."""
        out = []
        present = [n for n in needles if n in self.description_low]  # usually one word, or none
        if present:
            out += [s for s in self.description if any(n in s.low for n in present)]
        present = [n for n in needles if n in self.criteria_low] if criteria else []
        if present:
            out += [s for s in self.criteria if any(n in s.low for n in present)]
        return out


def _split(texts: Iterable[str | None]) -> list[_Sentence]:
    out, seen = [], set()
    for text in texts:
        for piece in _SENTENCE_END.split(text or ""):
            flat = " ".join(piece.split())
            if flat and flat not in seen:  # sibling arms often repeat a sentence word for word
                seen.add(flat)
                out.append(_Sentence(flat, flat.lower()))
    return out


def _source(sentence: str, m: re.Match | None = None) -> str:
    """The sentence itself; a long one cut at words around the match, each cut marked "…"."""
    if len(sentence) <= _MAX_SOURCE:
        return sentence
    start, end = (m.start(), m.end()) if m else (0, 0)
    half = max(40, (_MAX_SOURCE - (end - start)) // 2)
    lo, hi = max(0, start - half), min(len(sentence), end + half)
    if lo > 0:
        lo = sentence.find(" ", lo) + 1 or lo
    if hi < len(sentence):
        cut = sentence.rfind(" ", 0, hi)
        hi = cut if cut >= end else hi
    return ("\u2026 " if lo > 0 else "") + sentence[lo:hi].strip() + (" \u2026" if hi < len(sentence) else "")


def _first(sentences: list[_Sentence], pattern: re.Pattern,
           accept: Callable[[_Sentence, re.Match], bool] | None = None) -> tuple[_Sentence, re.Match] | None:  # fmt: skip
    for s in sentences:
        for m in pattern.finditer(s.text):
            if accept is None or accept(s, m):
                return s, m
    return None


# --- durations ---------------------------------------------------------------------------------

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "eighteen": 18,
    "twenty": 20, "twenty-four": 24, "thirty": 30, "thirty-six": 36, "forty-eight": 48, "fifty-two": 52,
}  # fmt: skip
_NUM = r"(?:\d+(?:\.\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_UNIT_DAYS = {"hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 30.44, "year": 365.25}
_UNIT = r"(?:hours?|days?|weeks?|months?|years?)"
_UNIT_WORDS = ("hour", "day", "week", "month", "year")
_QUALIFIER = (
    r"(?:up\s+to|about|approximately|approx\.|around|roughly|nearly|at\s+least|at\s+most|a\s+total\s+of|"
    r"a\s+maximum\s+of|a\s+minimum\s+of|a\s+period\s+of|an\s+additional|another|between|over|more\s+than|"
    r"less\s+than|no\s+more\s+than|no\s+longer\s+than|a)"
)
# "up to 12 months", "6 to 12 weeks", "between 8 and 38 days", "2-year", "twenty-four weeks"
_DURATION = re.compile(
    rf"(?<![\w.-])(?P<dur>(?:{_QUALIFIER}\s+)*(?P<num>{_NUM})(?:\s*(?:-|\u2013|to|and|or)\s*(?P<num2>{_NUM}))?"
    rf"\s*-?\s*(?P<unit>{_UNIT}))(?![\w-])",
    re.I,
)


def _number(text: str) -> float:
    text = text.lower()
    return float(_NUMBER_WORDS[text]) if text in _NUMBER_WORDS else float(text)


def _duration_words(m: re.Match) -> tuple[str, float]:
    """The duration as the record wrote it, tidied ("a 2-year" → "2 years"), and its longest length in days."""
    unit = m.group("unit").lower().rstrip("s")
    numbers = [_number(m.group("num"))] + ([_number(m.group("num2"))] if m.group("num2") else [])
    plural = max(numbers) != 1 or m.group("num2") is not None
    words = " ".join(m.group("dur").split())
    words = re.sub(rf"\s*-?\s*{_UNIT}$", " " + unit + ("s" if plural else ""), words, flags=re.I)
    words = re.sub(r"^an?\s+(?=" + _NUM + r"\b)", "", words, flags=re.I)  # "a 2-year" → "2 years"; "a total of" stays
    return words, max(numbers) * _UNIT_DAYS[unit]


def _duration_after(text: str, reach: int = 40) -> re.Match | None:
    """A duration starting within ``reach`` characters, with no comma, semicolon or full stop before it."""
    m = _DURATION.search(text[: reach + 60])
    if m is None or m.start() > reach or re.search(r"[,;.()]", text[: m.start()]):
        return None
    return m


# After a length, words that make it no length a person can plan around: an average, a
# schedule that changes ("then every 6 months"), an open end ("until death").
_OPEN_ENDED = re.compile(
    r"\b(?:median|mean|average|averaged|range|ranging|until|till|indefinite\w*|lifetime|for\s+life|death|"
    r"thereafter|then|annually|yearly|every\s+year|after\s+that|followed\s+by|every|but|no\s+more\s+than|"
    r"no\s+longer\s+than|maximum)\b",
    re.I,
)
# A sentence that changes an earlier plan ("AMENDED: … will be extended to 104 weeks"), or ties
# everyone's time to the last person's ("until the last patient enrolled completes 48 weeks"):
# which length holds for one person is not plain.
_CHANGED = re.compile(r"\b(?:amend\w*|extended|changed\s+to|revised|increased\s+to|reduced\s+to|shortened)\b|"
                      r"\blast\s+(?:patient|participant|subject|person|volunteer)", re.I)
# "at the 12-month follow-up", "after 12 weeks of treatment": a moment, not a length.
_TIME_POINT_BEFORE = re.compile(
    r"\b(?:at|after|following|by|within|until|during|before|through|beyond|first|last|initial|end\s+of|in|over|"
    r"completed?|completing|minimum\s+of)\s+(?:(?:the|a|an|each|their|both|first|second|third|final|last)\s+){0,2}$"
    r"|\d\s*-?\s*(?:and|or|,)\s*(?:an?\s+)?$|\bbetween\s+[\w-]+\s+and\s+$",
    re.I,
)
_SOME_PEOPLE = re.compile(r"\b(?:some|selected|certain)\s+(?:patients|participants|subjects)\b|\bmay\s+(?:then\s+)?"
                          r"(?:receive|continue|be\s+offered|choose|enter)\b", re.I)  # fmt: skip
# "… or until progression": the number is a cap, so "up to" it says the same thing.
_OR_UNTIL = re.compile(r"^\s*,?\s*or\s+until\b[^,;.]{0,60}", re.I)
# "… after the last dose", "… following surgery": what the length is counted from, kept in the
# value word for word (a length "after treatment" is not a length from joining).
_COUNTED_FROM = re.compile(r"^\s*(?P<from>(?:after|following|post|from)\s+[^,;.()]{1,50}?)(?=\s*(?:[,;.()]|\band\b|$))",
                           re.I)  # fmt: skip
# "in the absence of disease progression or unacceptable toxicity": it may stop sooner.
_UNLESS = re.compile(r"^\s*,?\s*(?:in\s+the\s+absence\s+of|unless|barring)\b[^.;]{0,80}", re.I)


def _stops_sooner(clause: str) -> str:
    """How a treatment may stop early, in plain words, from "in the absence of …" wording."""
    low = clause.lower()
    reasons = [w for w, p in (("the illness gets worse", "progression"), ("side effects are too strong", "toxicity"))
               if p in low]  # fmt: skip
    return " or ".join(reasons) if reasons else "the record's conditions are not met"


def _length_fact(kind: str, template: str, label: str, s: _Sentence, m: re.Match, start: int) -> ParticipationFact | None:
    """A length fact from the duration ``m`` (its phrase starting at ``start``), or None when the
    sentence makes the number no plain length: a list of time points, an average, a changed plan,
    an open end, or an "after …" we cannot quote whole."""
    if _CHANGED.search(s.text) or _TIME_POINT_BEFORE.search(s.text[: min(start, m.start())]):
        return None
    if kind != "follow_up" and _SOME_PEOPLE.search(s.text):
        return None  # "some patients may then receive …, for a total of 2 years": not everyone's length
    words, days = _duration_words(m)
    if m.group("num2") and re.search(r"\b(?:and|or)\b", m.group("dur"), re.I) and not words.lower().startswith("between"):
        return None  # "3 and 6 months": two time points, not a range
    if kind != "follow_up" and re.match(r"(?:another|an\s+additional|additional)\b", words, re.I):
        return None  # "another 4 weeks" of treatment, for some: relative to something unstated
    tail = s.text[m.end() :]
    capped = _OR_UNTIL.match(tail)
    if capped:
        tail = tail[capped.end() :]
        if not re.match(r"(?:up\s+to|a\s+maximum\s+of|at\s+most)\b", words, re.I):
            words = "up to " + words
    since = _COUNTED_FROM.match(tail)
    if since is None and re.match(r"^\s*(?:after|following|post|beyond|past)\b", tail, re.I):
        return None  # counted from something we could not quote whole
    rest = tail[since.end() :] if since else tail
    unless = _UNLESS.match(rest)
    if unless:
        rest = rest[unless.end() :]
    if _OPEN_ENDED.search(s.text[max(0, start - 40) : m.start()]) or _OPEN_ENDED.search(rest.split(".")[0][:120]):
        return None
    counted_from = " ".join(since.group("from").split()) if since else None
    value = template.format(d=words + (f" {counted_from}" if counted_from else ""))
    if capped:
        value = value[:-1] + " (it may end sooner)."
    elif unless:
        value = value[:-1] + f", and it stops sooner if {_stops_sooner(unless.group(0))}."
    return ParticipationFact(kind, value, _source(s.text, m), label=label, days=days, counted_from=counted_from)


def _time(trial: Trial, text: _Text) -> list[ParticipationFact]:
    with_units = text.having(*_UNIT_WORDS)

    def mentioning(*words: str) -> list[_Sentence]:
        return [s for s in with_units if any(w in s.low for w in words)]

    facts = _anchored(mentioning("particip", "involvement", "study for", "trial for", "protocol for"), "total_length",
                      _TOTAL, "Taking part lasts {d}.", "time in the study")  # fmt: skip
    facts += _treatment(mentioning("treat", "therap", "dosing"))
    facts += _cycles(text.having("repeat", "recur"))
    facts += _anchored(mentioning("follow"), "follow_up", _FOLLOW_UP, "Follow-up lasts {d}.", "follow-up",
                       _FOLLOW_UP_AFTER)  # fmt: skip
    measured = _measurements(trial)
    return facts + ([measured] if measured else [])


def _anchored(sentences: list[_Sentence], kind: str, anchor: re.Pattern, template: str, label: str,
              after: re.Pattern | None = None, limit: int = 2) -> list[ParticipationFact]:  # fmt: skip
    """Lengths right after an anchor phrase ("participation will last", "followed for"), or,
    with ``after``, right before a phrase ("12 months of follow-up"); each distinct value once."""
    out: list[ParticipationFact] = []
    for s in sentences:
        fact = None
        for a in anchor.finditer(s.text):
            m = _duration_after(s.text[a.end() :])
            if m:
                shifted = _DURATION.search(s.text, a.end() + m.start())  # the same match, in sentence positions
                fact = _length_fact(kind, template, label, s, shifted, a.start())
                break
        if fact is None and after is not None:
            for m in _DURATION.finditer(s.text):
                if after.match(s.text[m.end() :]):
                    fact = _length_fact(kind, template, label, s, m, m.start())
                    break
        if fact is not None and all(f.value != fact.value for f in out):
            out.append(fact)
            if len(out) >= limit:
                break
    return out


# "Participation will last 6 months", "participants will be in the study for up to 2 years",
# "the total duration of participation is 25 months": the person is the subject, not the study
# ("the study will last 3 years" may be the time to recruit everyone).
_TOTAL = re.compile(
    r"\b(?:study\s+)?participation(?:\s+(?:in|of)\s+(?:the|this|each)\s+(?:\w+\s+)?(?:study|trial|research))?"
    r"(?:\s+(?:will|is|would|should|may))?(?:\s+(?:be\s+)?(?:expected|estimated|anticipated|planned)\s+to)?"
    r"\s+(?:last|lasts|be|take|takes|continue|continues|is)\b(?:\s+for)?"
    r"|\b(?:total|overall|expected|estimated|approximate|maximum)?\s*(?:duration|length)\s+of\s+"
    r"(?:(?:your|the|each|a|subject|participant|patient|individual)(?:'s|s')?\s+)?(?:study\s+)?participation\b"
    r"(?:\s+(?:in|on)\s+(?:the|this)\s+(?:study|trial))?(?:\s+(?:will\s+be|is|of|would\s+be))?"
    r"|\b(?:participants?|patients?|subjects?|volunteers?|you|children|women|men|individuals|families|each\s+\w+)\s+"
    r"(?:will\s+|would\s+|may\s+|can\s+expect\s+to\s+)?(?:be|remain|stay|participate|take\s+part)\s+"
    r"(?:(?:enrolled|involved|active)\s+)?(?:in|on)\s+(?:the|this)\s+(?:study|trial|protocol)\s+for\b"
    r"|\b(?:participants?|patients?|subjects?|volunteers?|you)\s+(?:will\s+(?:be\s+asked\s+to\s+)?|are\s+asked\s+to\s+)?"
    r"participate\s+for\b"
    r"|\b(?:study|trial)\s+(?:duration|period|length)\s+(?:for|per)\s+(?:each\s+)?(?:participant|patient|subject|volunteer)s?"
    r"(?:\s+(?:will\s+be|is))?",
    re.I,
)
# "the treatment period will last 24 weeks", "total treatment period will be 48 weeks", "treated for 6 months"
_TREATMENT = re.compile(
    r"\b(?:treatment|therapy|dosing)\s+(?:period|phase|duration)\s+(?:will\s+|is\s+|would\s+)?(?:last|lasts|be|of|is)\b"
    r"(?:\s+for)?"
    r"|\b(?:the\s+)?(?:study\s+)?(?:treatment|therapy|dosing)\s+(?:will\s+)?(?:last|lasts|continues?\s+for)\b"
    r"|\bduration\s+of\s+(?:study\s+)?(?:treatment|therapy|dosing)\s+(?:will\s+be|is)\b"
    r"|\b(?:are|will\s+be|is|be)\s+treated\s+for\b",
    re.I,
)
# "a 12-week treatment period", "an 8 week randomly assigned double blind treatment phase",
# "18 weeks of treatment" (the length comes first).
_TREATMENT_AFTER = re.compile(
    r"^\s*(?:(?:of\s+)?(?:study\s+)?(?:treatment|therapy|dosing)\b(?!\s+(?:with|in|of|for)\b)"
    r"|(?:[\w-]+[\s,]+){0,4}?(?:treatment|therapy|dosing)\s+(?:period|phase)\b)",
    re.I,
)
def _treatment(sentences: list[_Sentence]) -> list[ParticipationFact]:
    out = _anchored(sentences, "treatment_length", _TREATMENT, "The treatment period lasts {d}.", "treatment")
    if out:
        return out
    for s in sentences:
        for m in _DURATION.finditer(s.text):
            if not _TREATMENT_AFTER.match(s.text[m.end() :]):
                continue
            several = len(_DURATION.findall(s.text)) > 1
            # "a 4-week run-in, a 10-week treatment period and a 2-week open-label period": naming
            # one period alone would read as the whole study, so the value says there are others.
            template = ("The record describes a treatment period of {d}, among other parts of the study." if several
                        else "The treatment period lasts {d}.")  # fmt: skip
            fact = _length_fact("treatment_length", template, "treatment", s, m, m.start())
            if fact is not None:
                return [fact]
    return []


# "Courses repeat every 28 days for up to 6 courses in the absence of disease progression or
# unacceptable toxicity" (the wording of thousands of cancer trials).
_CYCLES = re.compile(
    rf"\b(?:courses?|cycles?|treatment|therapy)\s+(?:repeats?|are\s+repeated|is\s+repeated|recurs?)\s+every\s+"
    rf"(?P<every>(?:other\s+)?(?:{_NUM}\s*-?\s*)?(?:days?|weeks?|months?))"
    rf"(?:\s+for\s+(?P<count>(?:up\s+to\s+|a\s+maximum\s+of\s+|a\s+total\s+of\s+|at\s+least\s+)?{_NUM}"
    rf"(?:\s*(?:-|to|or)\s*{_NUM})?\s+(?:(?:more|additional|total)\s+)?(?:courses?|cycles?))"
    rf"|\s+for\s+(?P<length>(?:up\s+to\s+|a\s+maximum\s+of\s+|a\s+total\s+of\s+)?{_NUM}\s+(?:weeks?|months?|years?)))?",
    re.I,
)


def _cycles(sentences: list[_Sentence]) -> list[ParticipationFact]:
    out: list[ParticipationFact] = []
    for s in sentences:
        m = _CYCLES.search(s.text)
        if not m:
            continue
        value = f"Treatment is given in rounds (cycles) that repeat every {' '.join(m.group('every').split())}"
        count = m.group("count") or m.group("length")
        if count:
            value += f", for {' '.join(count.split())}"
        rest = s.text[m.end() : m.end() + 120]
        if _UNLESS.match(rest) or re.match(r"^\s*,?\s*(?:or\s+)?until\b", rest, re.I):
            # "in the absence of disease progression or unacceptable toxicity": a cap, not a promise.
            value += f", and it stops sooner if {_stops_sooner(rest)}"
        elif re.match(r"^\s*,?\s*(?:if|provided|as\s+long)\b", rest, re.I):
            value += " (the record sets conditions for going on)"
        value += "."
        if all(f.value != value for f in out):
            out.append(ParticipationFact("treatment_cycles", value, _source(s.text, m), label="treatment cycles"))
            if len(out) >= 2:
                break
    return out


_FOLLOW_UP = re.compile(
    r"\bfollow(?:ed)?[\s-]*up\s+(?:period\s+|phase\s+|visits?\s+|care\s+)?(?:will\s+|is\s+expected\s+to\s+|would\s+)?"
    r"(?:last|lasts|continue|continues|be\s+for|is|of|for)\b(?:\s+for)?"
    r"|\b(?:are|is|will\s+be|were|be|being|was)\s+(?:then\s+)?followed(?:\s+up)?\s+for\b"
    r"|\bfollow\s+(?:up\s+)?(?:participants?|patients?|subjects?|them)\s+for\b",
    re.I,
)
# "12 months of follow-up", "a 2-year follow-up period", "5 years of long-term follow-up".
_FOLLOW_UP_AFTER = re.compile(
    r"^\s*(?:of\s+)?(?:post-?[\w-]+\s+|clinical\s+|active\s+|long-term\s+|safety\s+|additional\s+)?follow[\s-]*ups?\b", re.I
)


def _measurements(trial: Trial) -> ParticipationFact | None:
    """The longest outcome time frame, worded by timing.study_length, with that frame as the source."""
    fact = study_length(trial)
    if fact is None:
        return None
    best = None
    for o in trial.primary_outcomes + trial.secondary_outcomes:
        frame = parse_time_frame(o.time_frame)
        if frame is not None and frame.kind == "duration" and (best is None or (frame.days or 0) > (best[1].days or 0)):
            best = (o, frame)  # the first of equal lengths wins, as in study_length
    if best is None:
        return None
    o, frame = best
    source = f"Outcome time frame: {' '.join((o.time_frame or '').split())} (outcome: {' '.join(o.measure.split())})"
    return ParticipationFact("measurements", fact.text, source, label="measurements", days=frame.days)


# --- visits --------------------------------------------------------------------------------------

_COUNT = r"(?:\d{1,3}|" + "|".join(w for w in _NUMBER_WORDS if _NUMBER_WORDS[w] <= 30) + r")"
_COUNT_QUALIFIER = (r"(?:(?:up\s+to|about|approximately|approx\.|a\s+total\s+of|at\s+least|around|roughly|"
                    r"a\s+maximum\s+of|more\s+than)\s+)")  # fmt: skip
_VISIT_WORDS = (
    r"in-person|in\s+person|face-to-face|on-site|onsite|clinic|clinical|study|office|outpatient|scheduled|follow-?up|"
    r"screening|treatment|assessment|additional|research|site|doctor|study-related|return|separate|planned|required|"
    r"protocol|evaluation|dosing|vaccination|home|more|further|regular|subsequent|total|visits?\s+to\s+the"
)
_VISIT_COUNT = re.compile(
    rf"(?<![\w.\-/])(?P<phrase>{_COUNT_QUALIFIER}?(?P<n>{_COUNT})\s+(?:(?:{_VISIT_WORDS})\s+){{0,3}}visits)\b", re.I
)
# Visits as something measured ("emergency department visits", "number of visits") are an
# outcome, not something a person is asked to do.
_VISITS_AS_OUTCOME = re.compile(
    r"\b(?:emergency|ED|urgent|unscheduled|hospitali[sz]ations?|admissions?|health\s*care\s+(?:use|utili[sz]ation)|"
    r"number\s+of|rate\s+of|reduc\w+|missed)\b",
    re.I,
)
_LIST_BEFORE = re.compile(r"(?:\b(?:weeks?|days?|months?|years?|and|or|&)|[,\d-])\s*$", re.I)
_REMOTE_WORDS = ("phone", "video", "virtual", "remote", "tele", "web-based", "online", "zoom")
_REMOTE = re.compile(
    rf"(?:(?P<n>{_COUNT_QUALIFIER}?{_COUNT})\s+)?(?:(?:brief|short|monthly|weekly|follow-?up|scheduled|additional|"
    r"structured)\s+)?(?P<how>telephone|phone|video|virtual|remote|telehealth|telemedicine|web-based|online|zoom)\s+"
    r"(?:(?:follow-?up|check-?in|study)\s+)?"
    r"(?P<noun>visits?|calls?|contacts?|follow-?ups?|interviews?|check-?ins?|consultations?|appointments?)\b",
    re.I,
)
_FREQUENCY = rf"(?:other\s+)?(?:{_NUM}\s*(?:(?:-|to|or)\s*{_NUM}\s*)?-?\s*)?(?:days?|weeks?|months?|years?)"
_VISIT_FREQUENCY = re.compile(
    r"\bvisits?\s+(?:will\s+|would\s+)?(?:(?:be|are|is|take\s+place|occur|be\s+scheduled|are\s+scheduled|scheduled|"
    rf"held)\s+)?(?P<q>(?:about|approximately|roughly)\s+)?(?:every|each)\s+(?P<every>{_FREQUENCY})"
    r"|\b(?P<adj>weekly|monthly|biweekly|bi-weekly|fortnightly|quarterly|twice[\s-]weekly|twice[\s-]monthly|bimonthly|"
    r"bi-monthly|semi-annual|six-monthly)\s+(?:(?:clinic|study|office|outpatient|follow-?up|in-person)\s+)?visits\b"
    rf"|\bvisits?\b[^.;]{{0,40}}?\b(?P<apart>(?:about\s+|approximately\s+)?{_NUM}\s*(?:(?:-|to)\s*{_NUM}\s*)?"
    r"(?:days?|weeks?|months?))\s+apart\b"
    r"|\b(?:return|come\s+back|come\s+in|be\s+seen|are\s+seen|report)\s+(?:to\s+the\s+(?:clinic|hospital|center|"
    rf"centre|study\s+site|site)\s+)?(?:(?:about|approximately)\s+)?every\s+(?P<every2>{_FREQUENCY})"
    rf"|\b(?:followed|seen)\s+(?:up\s+)?(?:in\s+(?:the\s+)?clinic\s+)?every\s+(?P<every3>{_FREQUENCY})",
    re.I,
)
# "every 3 months for 2 years, then every 6 months": the first part alone would mislead.
_SCHEDULE_CHANGES = re.compile(r"^[^.;]{0,80}?\b(?:then|thereafter|after\s+that|followed\s+by|and\s+every|,\s*every)\b",
                               re.I)  # fmt: skip


def _visits(text: _Text) -> list[ParticipationFact]:
    out: list[ParticipationFact] = []
    visit_sentences = [s for s in text.having("visit") if not _VISITS_AS_OUTCOME.search(s.text)]
    counts: list[str] = []
    for s in visit_sentences:
        for m in _VISIT_COUNT.finditer(s.text):
            if _LIST_BEFORE.search(s.text[max(0, m.start() - 15) : m.start()]):
                continue  # "the week 0 and 8 visits": a list of time points, not a count
            phrase = " ".join(m.group("phrase").split())
            phrase = phrase[0].lower() + phrase[1:] if re.match(r"[A-Z][a-z]", phrase) else phrase
            if phrase.lower() in counts or len(counts) >= 3:
                continue
            counts.append(phrase.lower())
            home = " (someone from the study comes to your home)" if re.search(r"\bhome\b", phrase, re.I) else ""
            out.append(ParticipationFact("visits", f"The record mentions {phrase}{home}.", _source(s.text, m), label=phrase))
    remote: list[str] = []
    for s in text.having(*_REMOTE_WORDS):
        m = _REMOTE.search(s.text)
        if not m or _VISITS_AS_OUTCOME.search(s.text) or len(remote) >= 2:
            continue
        phrase = " ".join(s.text[m.start() : m.end()].split())
        how = m.group("how").lower()
        how = {"phone": "telephone", "zoom": "video", "online": "the internet", "web-based": "the internet"}.get(how, how)
        value = (f"The record mentions {phrase}." if m.group("n")
                 else f"Some contact with the study team is by {how} (the record mentions {phrase}).")  # fmt: skip
        if phrase.lower() not in remote:
            remote.append(phrase.lower())
            out.append(ParticipationFact("remote_visits", value, _source(s.text, m), label=phrase))
    frequencies: list[str] = []
    for s in text.having("visit", "every", "weekly", "monthly", "apart", "quarterly", "fortnightly"):
        m = _VISIT_FREQUENCY.search(s.text)
        if not m or len(frequencies) >= 2:
            continue
        if m.group("adj"):
            value = f"{m.group('adj').replace('-', ' ').capitalize()} visits."
        elif m.group("apart"):
            value = f"Visits {' '.join(m.group('apart').split())} apart."
        elif m.group("every3"):
            value = f"Check-ups every {' '.join(m.group('every3').split())}."
        else:
            about = f"{m.group('q').strip()} " if m.group("q") else ""
            value = f"Visits {about}every {' '.join((m.group('every') or m.group('every2')).split())}."
        if _SCHEDULE_CHANGES.match(s.text[m.end() :]):
            value = value[:-1] + " at first; the record says the timing changes later."
        if value not in frequencies:
            frequencies.append(value)
            out.append(ParticipationFact("visit_frequency", value, _source(s.text, m), label=value.rstrip(".")))
    return out


# --- tests and procedures ----------------------------------------------------------------------

# (kind, short label, plain meaning, keywords that must appear, pattern). The pattern runs on the
# intervention names and the description; kinds in _IN_OUTCOMES also on outcome measures, where
# naming a test means it is done to measure the result ("Serum ferritin level" → blood samples).
_PROCEDURES: tuple[tuple[str, str, str, tuple[str, ...], re.Pattern], ...] = tuple(
    (kind, label, meaning, needles, re.compile(pattern, re.I))
    for kind, label, meaning, needles, pattern in (
        ("infusions", "infusions (IV drips)", "medicine given through a drip into a vein (IV)",
         ("infus", "intravenous", "i.v.", "iv "),
         r"\binfus(?:ion|ions|ed|ing)\b|\bintravenous(?:ly)?\b|\bi\.v\.(?=\s)|"
         r"\bIV\b(?=\s+(?:over|infusion|bolus|on\s+day|daily|every|once|push|drip|dose|q\d|weekly))"),
        ("injections", "injections", "shots given with a needle: under the skin, into a muscle or elsewhere",
         ("inject", "subcutaneous", "intramuscular", "intravitreal"),
         r"\binject(?:ion|ions|ed)\b|\bsubcutaneous(?:ly)?\b|\bintramuscular(?:ly)?\b|\bintravitreal\b"),
        ("blood_draws", "blood tests", "blood taken from a vein with a needle",
         ("blood", "venipuncture", "phlebotomy", "pharmacokinetic", "pk ", "plasma", "serum", "hba1c", "cmax"),
         r"\bblood\s+(?:samples?|draws?|drawn|tests?|specimens?|collections?|sampling|work|(?:will\s+be|is|are|was|were)\s+"
         r"(?:drawn|collected|taken|obtained))\b|\bvenipuncture\b|\bphlebotomy\b|\bdraw(?:n|ing)?\s+(?:of\s+)?blood\b|"
         r"\bpharmacokinetic\s+(?:samples?|sampling|blood)|\bPK\s+(?:samples?|sampling)|\b(?:plasma|serum)\s+"
         r"(?:samples?|levels?|concentrations?)\b|\bblood\s+(?:levels?|concentrations?)\b|\bHbA1c\b|\bCmax\b"),
        ("urine_tests", "urine tests", "urine collected for tests",
         ("urin",),
         r"\burine\s+(?:samples?|specimens?|collections?|tests?|will\s+be\s+collected)\b|\burinalysis\b|\b24-hour\s+urine\b"),
        ("biopsies", "biopsies", "a small piece of tissue taken out with a needle or a small cut",
         ("biops",),
         r"\bbiops(?:y|ies)\b(?![\s-]*(?:proven|confirmed|documented|diagnosed))"),
        ("bone_marrow_tests", "bone marrow tests", "bone marrow taken with a needle, usually from the hip bone",
         ("bone marrow",),
         r"\bbone\s+marrow\s+(?:aspirat\w*|biops\w*|exam\w*|samples?|sampling|tests?|evaluations?)"),
        ("lumbar_puncture", "spinal taps (lumbar punctures)", "a needle in the lower back takes a little spinal fluid",
         ("lumbar", "spinal tap", "cerebrospinal", "csf"),
         r"\blumbar\s+punctures?\b|\bspinal\s+taps?\b|\b(?:cerebrospinal\s+fluid|CSF)\s+(?:samples?|sampling|collection|"
         r"(?:will\s+be\s+|is\s+|was\s+)?(?:collected|obtained|drawn)|levels?|concentrations?)\b"),
        ("mri", "MRI scans", "pictures of the inside of the body made with a strong magnet",
         ("mri", "mr imaging", "magnetic resonance"),
         r"\b(?:f?MRIs?|MR\s+imaging|magnetic\s+resonance\s+imaging)\b"),
        ("ct", "CT scans", "X-ray pictures of the inside of the body put together by a computer",
         ("ct", "computed tomography", "cat scan"),
         r"\bCT\b(?![-\s]*guided)|\bcomputed\s+tomography\b|\bCAT\s+scans?\b"),
        ("pet", "PET scans", "scans taken after a small injection of a radioactive tracer",
         ("pet", "positron"),
         r"\bPET\b|\bpositron\s+emission\b"),
        ("x_rays", "X-rays", "pictures made with a small dose of radiation",
         ("x-ray", "radiograph", "dexa", "dxa"),
         r"\bx-rays?\b|\bradiographs?\b|\bradiographic\b|\bDEXA\b|\bDXA\b"),
        ("ultrasound", "ultrasound scans", "pictures made with sound waves",
         ("ultraso", "sonograph", "echocardiogra"),
         r"\bultrasounds?\b|\bsonograph\w*|\bechocardiogra\w*|\bultrasonograph\w*"),
        ("ecg", "heart tracings (ECG)", "stickers on the chest record the heartbeat",
         ("ecg", "ekg", "electrocardiogra", "holter"),
         r"\bE[CK]Gs?\b|\belectrocardiogra\w*|\bHolter\b"),
        ("eeg", "brain wave tests (EEG)", "small sensors on the scalp record brain activity",
         ("eeg", "electroencephalogra"),
         r"\bEEGs?\b|\belectroencephalogra\w*"),
        ("endoscopy", "scope exams (endoscopy)", "a thin tube with a camera looks inside the body",
         ("scop",),
         r"\b(?:endoscop|colonoscop|bronchoscop|cystoscop|gastroscop|sigmoidoscop|laryngoscop)\w*"),
        ("lung_function_tests", "breathing tests", "you blow into a machine that measures how your lungs work",
         ("spirometr", "pulmonary function", "lung function", "fev1", "fvc", "peak", "dlco", "plethysmograph"),
         r"\bspirometr\w*|\bpulmonary\s+function|\blung\s+function|\bFEV1\b|\bFVC\b|\bpeak\s+(?:expiratory\s+)?flow\b|"
         r"\bDLCO\b|\bplethysmograph\w*"),
        ("exercise_tests", "exercise tests", "walking, cycling or treadmill tests of fitness",
         ("walk", "6mw", "exercise", "vo2", "cpet", "stress test", "treadmill", "ergomet"),
         r"\b(?:6|six)[\s-]*minute\s+walk|\b6MWT?\b|\bexercise\s+(?:stress\s+|tolerance\s+|capacity\s+)?test\w*|"
         r"\bcardiopulmonary\s+exercise|\bVO2\s*(?:max|peak)\b|\bCPET\b|\bstress\s+test\w*|\bshuttle\s+walk|"
         r"\btreadmill\s+(?:exercise\s+)?test\w*|\bergometer\s+test\w*|\bwalk\s+test"),
        ("questionnaires", "questionnaires", "forms or interviews about your health and how you feel",
         ("questionnaire", "survey", "self-report", "patient-reported", "quality of life", "sf-36", "eq-5d", "promis"),
         r"\bquestionnaires?\b|\bsurveys?\b|\bself-report\w*|\bpatient-reported\b|\bSF-36\b|\bEQ-5D\b|\bPROMIS\b"),
        ("diaries", "a diary", "a record you keep day by day, on paper or on a phone",
         ("diar", "log"),
         r"\b(?:e-?)?diar(?:y|ies)\b|\blog\s*books?\b|\bsymptom\s+logs?\b"),
        ("wearable_devices", "devices to wear", "a monitor or sensor you wear in daily life",
         ("wear", "actigraph", "accelerometer", "glucose monitor", "ambulatory", "pedometer"),
         r"\bwear(?:s|ing)?\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,3}?(?:device|monitor|sensor|accelerometer|actigraph|watch|"
         r"pedometer|recorder)s?\b|\bactigraph\w*|\baccelerometers?\b|\bcontinuous\s+glucose\s+monitor\w*|"
         r"\bambulatory\s+(?:blood\s+pressure|BP|ECG|EKG)\s+monitor\w*|\bpedometers?\b|\bwearables?\b"),
        ("overnight_stays", "overnight stays", "a night or more in the hospital or a study unit",
         ("overnight", "night", "inpatient", "admitted", "stay", "remain"),
         r"\bovernight\s+(?:stay|admission|hospitali[sz]ation|visit|in\s+the|at\s+the)\b|\bstay\s+overnight\b|"
         r"\bremain\s+overnight\b|\bspend\s+(?:the|a|one|\d+)\s+nights?\b|\binpatient\s+(?:stay|admission|visit)s?\b|"
         r"\badmitted\s+(?:to|into)\s+the\s+(?:NIH\s+)?(?:hospital|Clinical\s+Center|clinical\s+research|inpatient|"
         r"study\s+unit|research\s+unit|CRU|GCRC|unit)|\b(?:stay|remain)\s+(?:in|at)\s+the\s+(?:hospital|clinic|unit|"
         r"Clinical\s+Center|research\s+(?:unit|center))\s+for\s+(?:about\s+|up\s+to\s+|at\s+least\s+)?"
         r"(?:\d+|one|two|three|four|five|several)(?:\s+(?:to|or)\s+\d+)?\s+(?:days?|nights?)"),
    )
)  # fmt: skip
_IN_OUTCOMES = {"blood_draws", "urine_tests", "biopsies", "bone_marrow_tests", "lumbar_puncture", "mri", "ct", "pet",
                "x_rays", "ultrasound", "ecg", "eeg", "endoscopy", "lung_function_tests", "exercise_tests",
                "questionnaires", "diaries"}  # fmt: skip
# In an outcome measure a shorter word is enough: "Serum drug level" is measured in blood, and
# "quality of life" with a questionnaire (in a description it may only be the study's aim).
_OUTCOME_PATTERNS = {
    "questionnaires": re.compile(r"\bquestionnaires?\b|\bsurveys?\b|\bself-report\w*|\bpatient-reported\b|"
                                 r"\bquality\s+of\s+life\b|\bQoL\b|\bSF-36\b|\bEQ-5D\b|\bPROMIS\b", re.I),
    "blood_draws": re.compile(r"\b(?:plasma|serum)\b|\bblood\b(?!\s+(?:pressure|flow|loss|transfusions?|products?|vessels?|"
                              r"supply|donors?))|\bpharmacokinetic|\bPK\b|\bHbA1c\b|\bA1C\b|\bCmax\b", re.I),
}
# Sentences where the word names something else: who joins ("injection drug users"), how the
# illness was found ("biopsy-proven", "confirmed by biopsy"), a "liquid biopsy" (a blood test).
_NOT_A_PROCEDURE = {
    "injections": re.compile(r"\binject(?:ion|ing)?\s+drugs?\b|\bdrug\s+(?:injectors?|users?)\b|\binjection\s+drug\s+use", re.I),
    "infusions": re.compile(r"\bintravenous\s+drug\s+(?:use|users?|abuse)\b", re.I),
    "x_rays": re.compile(r"\bradiation\s+therapy\s+uses\b|\bhigh-energy\s+x-rays?|\bx-rays?\s+(?:to\s+)?(?:kill|damage|destroy)|"
                         r"\bspecimen\s+(?:x-ray|radiograph)", re.I),
    # Questionnaires the researchers only read ("reviewed verbal autopsy questionnaires").
    "questionnaires": re.compile(r"\b(?:reviewed|review\s+of|abstracted|records\s+were)\b", re.I),
    # A stay "if they develop fever" is care for a complication, not a planned study night.
    "overnight_stays": re.compile(r"\bif\b|\bmay\b|\bmight\b|\bin\s+case\b|\bhospitali[sz]ation\s+(?:rate|for)", re.I),
    "biopsies": re.compile(r"\bliquid\s+biops|\b(?:proven|confirmed|documented|diagnosed)\s+(?:by|on|with|at)\s+(?:a\s+)?"
                           r"(?:[\w-]+\s+)?biops|\b(?:prior|previous|diagnostic|initial)\s+(?:[\w-]+\s+)?biops", re.I),
}  # fmt: skip


def _procedures(trial: Trial, text: _Text) -> list[ParticipationFact]:
    out: list[ParticipationFact] = []
    names = [_Sentence(f"Intervention: {i.name}", f"intervention: {i.name}".lower()) for i in trial.interventions if i.name]
    outcomes = [o for o in trial.primary_outcomes + trial.secondary_outcomes if o.measure]
    for kind, label, meaning, needles, pattern in _PROCEDURES:
        exclude = _NOT_A_PROCEDURE.get(kind)
        value = f"{label[0].upper()}{label[1:]}: {meaning}."
        candidates = [s for s in names if any(n in s.low for n in needles)] + text.having(*needles)
        hit = _first(candidates, pattern, lambda s, m, ex=exclude: not (ex and ex.search(s.text)))
        if hit:
            out.append(ParticipationFact(kind, value, _source(hit[0].text, hit[1]), label=label))
            continue
        if kind in _IN_OUTCOMES:
            in_outcome = _OUTCOME_PATTERNS.get(kind, pattern)
            for o in outcomes:
                if in_outcome.search(o.measure) and not (exclude and exclude.search(o.measure)):
                    source = f"Outcome measure: {' '.join(o.measure.split())}"
                    out.append(ParticipationFact(kind, value, _source(source), label=label))
                    break
    return out


# --- medicine changes ----------------------------------------------------------------------------

_STEROID = (r"(?:steroids?|corticosteroids?|glucocorticoids?|prednison\w*|prednisolon\w*|methylprednisolon\w*|"
            r"dexamethason\w*|hydrocortison\w*|budesonide)")  # fmt: skip
_STEROID_TAPER = re.compile(rf"\btaper\w*\b[^.;]{{0,80}}?\b{_STEROID}|\b{_STEROID}\b[^.;]{{0,80}}?\btaper\w*", re.I)
_WASHOUT = re.compile(r"\bwash[\s-]?out\b", re.I)
_WASHOUT_LENGTH = re.compile(
    rf"(?P<a>{_NUM}\s*-?\s*{_UNIT})\s+(?:drug[\s-]+free\s+|medication[\s-]+free\s+)?wash[\s-]?out"
    rf"|wash[\s-]?out\s+(?:period\s+|phase\s+)?(?:of|lasting|for)\s+(?:at\s+least\s+|about\s+|approximately\s+|up\s+to\s+)?"
    rf"(?P<b>{_NUM}\s*-?\s*{_UNIT})",
    re.I,
)
_MEDICINE_NOUNS = r"(?:medications?|medicines?|drugs?|therap(?:y|ies)|treatments?|regimens?|agents?)"
_STOP_MEDICINES = re.compile(
    r"\b(?:stop|stops|stopping|stopped|discontinue|discontinued|discontinuing|withdraw(?:n|al)?\s+"
    r"(?:of|from)|withhold|withheld|hold|come\s+off|go\s+off|be\s+off|taken\s+off|taper\w*\s+off|cease|cessation\s+of)\s+"
    r"(?:(?:taking|using|all|any|their|your|his|her|the|of|from)\s+){0,3}"
    r"(?:current|usual|regular|existing|prior|concomitant|other|background|own|previous|maintenance|baseline|home|"
    rf"prescribed|ongoing)\s+(?:[\w-]+\s+){{0,2}}?{_MEDICINE_NOUNS}\b",
    re.I,
)
_KEEP_MEDICINES = re.compile(
    r"(?P<stable>\bstable\s+(?:doses?|dosage|dosing|regimen|therapy|treatment)\b)"
    r"|(?P<cont>\b(?:continue|continues|continuing|remain|remains|stay)\s+(?:to\s+take\s+|taking\s+|on\s+|with\s+)?"
    r"(?:their|your|his|her|the)?\s*(?:current|usual|regular|existing|background|standard|prescribed|stable|ongoing)\s+"
    rf"(?:[\w-]+\s+){{0,2}}?{_MEDICINE_NOUNS})"
    r"|(?P<addon>\b(?:in\s+addition\s+to|added\s+to|add-on\s+to|on\s+top\s+of)\s+(?:their\s+|your\s+|the\s+)?"
    r"(?:usual|standard|current|existing|regular|background|ongoing|stable|conventional)\s+(?:[\w-]+\s+){0,2}?"
    rf"(?:care|{_MEDICINE_NOUNS}))",
    re.I,
)
_RESCUE = re.compile(
    r"\brescue\s+(?:medications?|medicines?|therap(?:y|ies)|treatments?|inhalers?|drugs?|analgesi\w*|antiemetic\w*|"
    r"bronchodilators?|use|doses?|pain\s+medications?)\b",
    re.I,
)
_CONTRACEPTION = re.compile(
    r"\b(?:contracepti\w*|birth\s+control|barrier\s+methods?|intrauterine\s+devices?|condoms?)\b", re.I
)
# A rule ("must agree to use effective contraception"), not a fact about who joins ("women
# taking oral contraceptives are excluded").
_CONTRACEPTION_RULE = re.compile(
    r"\b(?:agree\w*|must|willing|required?|requires|practic\w+|commit\w*)\b|\b(?:effective|adequate|acceptable|reliable|"
    r"appropriate|medically\s+approved|two\s+(?:forms|methods))\s+(?:[\w-]+\s+){0,2}(?:contracepti\w*|birth\s+control|methods?)",
    re.I,
)
_CONTRACEPTIVE_USE = re.compile(r"\b(?:use\s+of|using|taking|on)\s+(?:oral|hormonal)\s+contracepti", re.I)


_STUDY_ACTION = re.compile(r"\b(?:receive[sd]?|given|administered|randomi[sz]ed|assigned|will|study|trial|protocol)\b", re.I)


def _about_the_study_treatment(s: _Sentence, m: re.Match) -> bool:
    """ "… in addition to standard treatment" counts when the sentence is about what the study
    gives ("randomized to receive succimer in addition to standard treatment"), not about what
    people do anyway ("many patients take St John's Wort in addition to their regular medicines")."""
    return not m.group("addon") or bool(_STUDY_ACTION.search(s.text))


def _medicines(text: _Text) -> list[ParticipationFact]:
    out: list[ParticipationFact] = []

    def add(kind: str, value: str, label: str, hit) -> None:
        if hit:
            out.append(ParticipationFact(kind, value, _source(hit[0].text, hit[1]), label=label))

    add("steroid_taper", "The record describes lowering steroid doses step by step (a steroid taper).", "a steroid taper",
        _first(text.having("taper"), _STEROID_TAPER))  # fmt: skip
    hit = _first(text.having("wash", criteria=True), _WASHOUT)
    if hit:
        length = _WASHOUT_LENGTH.search(hit[0].text)
        span_m = _DURATION.search(length.group("a") or length.group("b")) if length else None
        span = _duration_words(span_m)[0] if span_m else None
        value = "The record describes a washout: a time without certain medicines, so that their effects wear off"
        add("washout", value + (f" ({span} is mentioned)." if span else "."), "a washout period", hit)
    add("stop_medicines", "The record says some medicines must be stopped, before or during the study.",
        "stopping some current medicines",
        _first(text.having("stop", "discontinu", "withdraw", "withh", "hold", "off", "cease", "cessation", criteria=True),
               _STOP_MEDICINES))  # fmt: skip
    hit = _first(text.having("stable", "continu", "remain", "stay", "addition", "added", "add-on", "top of", criteria=True),
                 _KEEP_MEDICINES, _about_the_study_treatment)  # fmt: skip
    if hit:
        m = hit[1]
        if m.group("addon"):
            value = "The study treatment is added to treatment people already get, as the record describes."
        elif m.group("cont"):
            value = "The record says some current medicines are continued during the study."
        else:
            value = "The record talks about keeping some medicines at a steady (stable) dose."
        add("keep_medicines", value, "keeping current medicines", hit)
    add("rescue_medicine", "The record mentions rescue treatment: extra treatment used if symptoms or the illness "
        "are not controlled.", "rescue treatment", _first(text.having("rescue"), _RESCUE))  # fmt: skip
    candidates = [s for s in text.having("contracep", "birth control", "barrier", "intrauterine", "condom", criteria=True)
                  if _CONTRACEPTION_RULE.search(s.text) and not _CONTRACEPTIVE_USE.search(s.text)]  # fmt: skip
    add("contraception", "The record sets rules about birth control (contraception) for people who take part.",
        "birth control rules", _first(candidates, _CONTRACEPTION))  # fmt: skip
    return out


# --- money -----------------------------------------------------------------------------------------

# Money for the person: "participants will be compensated", "$50 for each visit", "travel
# costs are reimbursed". Not "compensated cirrhosis", "workers' compensation" or "DLCO
# compensated for Hgb".
_COMPENSATION = re.compile(
    r"\b(?:will\s+be|are|is|were|was|be|get|gets|receive[sd]?)\s+(?:\w+\s+){0,2}?(?:compensated|reimbursed|paid)\s+"
    r"(?:for|up\s+to|\$|with|\d)"
    r"|\b(?:compensation|reimbursement|payment|stipends?|honorari(?:um|a)|gift\s+cards?)\s+(?:\w+\s+){0,3}?(?:for|of)\s+"
    r"(?:\w+\s+){0,3}?(?:time|travel|participation|inconvenience|effort|expenses|parking|completing|each|every|visits?|"
    r"participating|taking\s+part)\b"
    r"|\b(?:compensation|reimbursement|payment|a\s+stipend)\s+(?:is|will\s+be|of\s+\$)\s*(?:provided|given|offered|paid|\d)?"
    r"|\b(?:receive|receives|earn|earns|paid|given|get|gets)\s+(?:up\s+to\s+|a\s+total\s+of\s+|about\s+)?\$\s?\d"
    r"|\b(?:transportation|travel|parking)\s+(?:stipends?|vouchers?|reimbursement)"
    r"|\btravel\s+(?:costs?|expenses)\s+(?:will\s+be\s+|are\s+|is\s+)?(?:reimbursed|covered|paid)",
    re.I,
)
_NOT_MONEY = re.compile(r"\bworkers'?\s*compensation|\b(?:insurance|medicare|medicaid)\s+reimbursement", re.I)
_COSTS = re.compile(
    r"\b(?:at\s+no\s+(?:cost|charge)|free\s+of\s+charge|no\s+(?:cost|charge)\s+to|without\s+(?:cost|charge)|"
    r"(?:provided|supplied|given|offered)\s+(?:free|at\s+no)|costs?\s+(?:will\s+be\s+|are\s+|is\s+)?(?:covered|paid)|"
    r"paid\s+for\s+by\s+the\s+(?:study|sponsor)|(?:billed|charged)\s+to\s+(?:your|the\s+patient'?s?|their)\s+"
    r"(?:health\s+)?(?:insurance|insurer)|insurance\s+(?:will|may)\s+be\s+(?:billed|charged)|"
    r"responsible\s+for\s+(?:the\s+)?(?:cost|payment))",
    re.I,
)


def _money(text: _Text) -> list[ParticipationFact]:
    out: list[ParticipationFact] = []
    paid = [s for s in text.having("compensat", "reimburs", "stipend", "gift", "honorari", "paid", "$", "payment",
                                   "voucher") if not _NOT_MONEY.search(s.text)]  # fmt: skip
    hit = _first(paid, _COMPENSATION)
    if hit:
        out.append(ParticipationFact("compensation", "The record mentions payment, or paying back costs, for people "
                                     "who take part.", _source(hit[0].text, hit[1]), label="payment"))  # fmt: skip
    hit = _first(text.having("cost", "charge", "free", "paid", "insur", criteria=True), _COSTS)
    if hit:
        if re.search(r"insurance|insurer|responsible", hit[1].group(0), re.I):
            value = "The record says some costs are billed to insurance or paid by the person taking part."
        else:
            value = "The record says some things are provided at no cost to people who take part."
        out.append(ParticipationFact("costs", value, _source(hit[0].text, hit[1]), label="costs"))
    return out


# --- design (design.py's words, by kind) ----------------------------------------------------------

_FIELD_NAMES = {"allocation": "Allocation", "intervention_model": "Intervention model", "masking": "Masking"}
_MODEL_KIND = {"CROSSOVER": "crossover", "SINGLE_GROUP": "single_group"}


def _design(trial: Trial, text: _Text) -> list[ParticipationFact]:
    """The design facts design.py already words, labelled by kind, plus the allocation ratio.

    Old records without design fields get randomization, crossover and blinding from their
    description, only when a sentence says it of this study ("patients will be randomized",
    "this double-blind, crossover study").
    """
    if trial.study_type not in (None, "INTERVENTIONAL"):
        return []  # observational and expanded access: nobody is assigned to a group
    out: list[ParticipationFact] = []
    for f in design_facts(trial):
        field, _, stored = (f.source or "").partition(": ")
        if field == "allocation":
            kind = "randomization"
        elif field == "intervention_model":
            kind = _MODEL_KIND.get(stored, "groups")
        elif field == "masking":
            kind = "blinding"
        else:
            kind = "placebo"  # design.py's only other fact; its source names the placebo arms or items
        source = f"{_FIELD_NAMES[field]}: {stored}" if field in _FIELD_NAMES else f.source or ""
        if not source:
            # design.py names no item (a sham known only from an arm's type): cite those arms.
            typed = [a for a in trial.arms if a.type in ("PLACEBO_COMPARATOR", "SHAM_COMPARATOR")]
            source = "; ".join(f"Arm \u201c{a.label or ''}\u201d ({a.type})" for a in typed)
            if not source:
                continue  # nothing in the record to show beside it: say nothing
        out.append(ParticipationFact(kind, f.text, source, label=kind.replace("_", " ")))
    ratio = _ratio(trial)
    if ratio:
        out.append(ratio)
    return out + _design_from_text(trial, text, {f.kind for f in out})


def _ratio(trial: Trial) -> ParticipationFact | None:
    """The allocation ratio in words: the chance of each side when it maps clearly, else the ratio alone."""
    if trial.design.allocation not in ("RANDOMIZED", None):
        return None
    chance = placebo_chance(trial)
    if chance is not None and chance.source and chance.source.startswith("\u201c"):
        # placebo_chance read the odds from a stated ratio (its source is that sentence, quoted).
        m = re.search(r"about a (\d+) in (\d+) chance", chance.text)
        if m:
            share = Fraction(int(m.group(1)), int(m.group(2)))
            rest = 1 - share
            others = [a for a in trial.arms if not is_placebo_arm(a)]
            if not others or all(a.type == "EXPERIMENTAL" for a in others):
                # No arms listed: the ratio was mapped from "randomized 2:1 to X or placebo", two sides.
                other = "the treatment being tested"
            else:
                other = "the other group" if len(others) == 1 else "one of the other groups"
            value = (f"About {rest.numerator} in {rest.denominator} chance of getting {other}, and about "
                     f"{share.numerator} in {share.denominator} of getting the {placebo_kind(trial)}.")  # fmt: skip
            return ParticipationFact("ratio", value, chance.source.strip("\u201c\u201d"), label="chance of each group")
    arms = trial.arms
    n_placebo = sum(1 for a in arms if is_placebo_arm(a))
    for r in stated_ratios(trial, len(arms) if len(arms) >= 2 else 0, n_placebo):
        if _OTHER_STUDIES.search(r.sentence) or re.search(r"\btrials\b", r.sentence, re.I):
            continue  # "the ratio … in randomized trials, approximately 2:1": about other studies
        parts = r.ratio.split(":")
        at = re.search(r"\s*:\s*".join(parts), r.sentence)
        if len(set(parts)) == 1 and len(parts) == len(arms):
            value = f"The groups are the same size ({r.ratio}): about 1 in {len(arms)} chance of each group."
        elif len(set(parts)) == 1:
            value = f"The record states an even {r.ratio} split between groups."
        else:
            value = f"The record states a {r.ratio} split between the groups, so they are not all the same size."
        return ParticipationFact("ratio", value, _source(r.sentence, at), label="chance of each group")
    return None


_RANDOMIZED_TEXT = re.compile(
    r"\b(?:participants?|patients?|subjects?|volunteers?|children|infants|women|men|people|individuals|they|you|"
    r"families|eligible\s+\w+)\s+(?:will\s+be\s+|are\s+|were\s+|is\s+|be\s+)?(?:then\s+)?"
    r"(?:randomi[sz]ed|randomly\s+(?:assigned|allocated|divided|placed))\b",
    re.I,
)
_CROSSOVER_TEXT = re.compile(r"\bcross-?over\s+(?:design|study|trial|fashion|manner)\b", re.I)
_BLIND_TEXT = re.compile(
    r"\b(?P<kind>double[\s-]blind(?:ed)?|single[\s-]blind(?:ed)?|triple[\s-]blind(?:ed)?|open[\s-]label|unblinded)\b", re.I
)
# The sentence is about this study ("this double-blind study", "A randomized, open-label trial
# of …", "patients will receive …"), not a description of the field.
_THIS_STUDY = re.compile(r"\b(?:this|the\s+(?:present|proposed|current))\s+(?:[\w-]+[\s,]+){0,4}?(?:study|trial|protocol)\b|"
                         r"^(?:a|an|this)\s+(?:[\w-]+[\s,]+){0,6}?(?:study|trial)\b|\bwill\b", re.I)  # fmt: skip


def _design_from_text(trial: Trial, text: _Text, have: set[str]) -> list[ParticipationFact]:
    out: list[ParticipationFact] = []
    d = trial.design
    if d.allocation is None and "randomization" not in have:
        candidates = [s for s in text.having("random") if not re.search(r"\bnon-?\s?randomi", s.text, re.I)]
        hit = _first(candidates, _RANDOMIZED_TEXT)
        if hit:
            out.append(ParticipationFact("randomization", "People are put into groups by chance (randomized), like a "
                                         "coin toss.", _source(hit[0].text, hit[1]), label="randomization"))  # fmt: skip
    if d.intervention_model is None and "crossover" not in have:
        hit = _first(text.having("cross"), _CROSSOVER_TEXT, lambda s, m: bool(_THIS_STUDY.search(s.text)))
        if hit:
            out.append(ParticipationFact("crossover", "Everyone gets each treatment in turn, in an assigned order "
                                         "(crossover).", _source(hit[0].text, hit[1]), label="crossover"))  # fmt: skip
    if d.masking is None and "blinding" not in have:
        hit = _first(text.having("blind", "label"), _BLIND_TEXT, lambda s, m: bool(_THIS_STUDY.search(s.text)))
        if hit:
            word = re.sub(r"[\s-]+", "-", hit[1].group("kind").lower()).removesuffix("ed")
            if word in ("open-label", "unblind"):
                value = "You and your doctors will know which treatment you get (open-label)."
            else:
                # The record names the kind of blinding but not who is blinded: say only that.
                value = (f"Some of the people involved will not be told which treatment each person gets ({word}); "
                         "the record does not list who.")  # fmt: skip
            out.append(ParticipationFact("blinding", value, _source(hit[0].text, hit[1]), label="blinding"))
    return out


# --- the study as a whole --------------------------------------------------------------------------

_SPONSOR_KIND = {
    "INDUSTRY": "a company",
    "NIH": "the U.S. National Institutes of Health",
    "FED": "a U.S. government agency",
    "OTHER_GOV": "a government agency",
    "NETWORK": "a research network",
    "INDIV": "an individual",
    "OTHER": "a university, hospital or other organization",
}


def _study(trial: Trial) -> list[ParticipationFact]:
    out: list[ParticipationFact] = []
    phases = [p for p in trial.phases if p in PHASE_MEANING]
    if phases and trial.study_type != "OBSERVATIONAL":
        label = phase_words(phases, trial.study_type)
        if len(phases) == 1:
            meaning = f"a phase that {PHASE_MEANING[phases[0]]}"
        else:  # "Phase 1/2: phase 1 tests safety and dose in a small group; phase 2 tests whether it works …"
            meaning = "; ".join(f"{phase_words([p]).lower()} {PHASE_MEANING[p]}" for p in phases)
        out.append(ParticipationFact("phase", f"{label}: {meaning}.", f"Phase: {', '.join(trial.phases)}", label=label))
    n = trial.enrollment_count
    if n:
        people = "person" if n == 1 else "people"
        value = {
            "ESTIMATED": f"The study plans to include about {n:,} {people}.",
            "ACTUAL": f"{n:,} {people} took part (the actual number).",
        }.get(trial.enrollment_type or "", f"The record gives the study's size as {n:,} {people}.")
        source = f"Enrollment: {n}" + (f" ({trial.enrollment_type})" if trial.enrollment_type else "")
        out.append(ParticipationFact("size", value, source, label=f"{n:,} {people}"))
    sites = trial.sites
    if sites:
        countries = list(dict.fromkeys(s.country for s in sites if s.country))
        if len(sites) == 1:
            place = ", ".join(x for x in (sites[0].facility, sites[0].city, sites[0].country) if x)
            value = "The study runs at one place" + (f": {place}." if place else ".")
            source = "Locations: 1" + (f" ({place})" if place else "")
        else:
            where = ""
            if countries:
                more = f" and {len(countries) - 4} more countries" if len(countries) > 4 else ""
                where = " in " + ", ".join(countries[:4]) + more
            value = f"The study runs at {len(sites):,} places{where}."
            listed = "; ".join(countries[:10]) + ("; …" if len(countries) > 10 else "")
            source = f"Locations: {len(sites)}" + (f" ({listed})" if countries else "")
        out.append(ParticipationFact("sites", value, source, label=f"{len(sites):,} sites"))
    sponsor = trial.lead_sponsor
    if sponsor is not None and sponsor.name:
        kind = _SPONSOR_KIND.get(sponsor.agency_class or "")
        value = f"The lead sponsor is {sponsor.name}" + (f", {kind}." if kind else ".")
        source = f"Lead sponsor: {sponsor.name}" + (f" ({sponsor.agency_class})" if sponsor.agency_class else "")
        out.append(ParticipationFact("sponsor", value, source, label=sponsor.name))
    return out
