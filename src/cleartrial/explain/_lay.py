"""Everyday words for the registry's stock phrases, and the labels of old (PDQ) records.

The lay glossary explains *technical* terms. Criteria are hard to read for other reasons too:
formal words ("therapy", "require", "administered", "approximately"), stock phrases ("prior
to", "not specified", "concurrent X"), and the labels of the National Cancer Institute's PDQ
records, which fill a third of the shared corpus ("PATIENT CHARACTERISTICS:", "Hepatic:
Bilirubin less than 1.5 mg/dL AST less than 3 times normal"). This module has this project's
own small table of swaps that keep the meaning in every context they are applied in; none
touches a number, a negation or a name, so the faithfulness check sees no difference.
"""

from __future__ import annotations

import re

from .glossary import lookup

# Word for word, whole words only, applied outside glossary terms. Case follows the original.
_SWAPS = {
    "therapy": "treatment",
    "therapies": "treatments",
    "requiring": "needing",
    "approximately": "about",
    "additional": "extra",
    "administered": "given",
    "discontinue": "stop",
    "discontinued": "stopped",
    "commence": "start",
    "commenced": "started",
    "utilize": "use",
    "utilized": "used",
    "obtain": "get",
    "demonstrate": "show",
    "demonstrated": "shown",
    "sufficient": "enough",
    "participate": "take part",
    "individuals": "people",
    "subsequently": "later",
    "assessed": "checked",
    "regarding": "about",
    "prior to": "before",
    "the following": "these",
    "evidence of": "signs of",
    "patients": "people",
    "subjects": "people",
    "participants": "people",
    "currently": "now",
    "significant": "serious",
    "medical condition": "health problem",
    "medical conditions": "health problems",
    "additionally": "also",
    "in order to": "to",
    "at the time of": "at",
    "in the event of": "if there is",
}
_SWAP_RE = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, _SWAPS), key=len, reverse=True)) + r")(?![\w-])", re.I)


def _swap(m: re.Match[str]) -> str:
    said = m.group(1)
    new = _SWAPS[said.lower()]
    if said.isupper() and len(said) > 1:
        return new.upper()
    return new[0].upper() + new[1:] if said[0].isupper() else new


def swap_words(segment: str) -> str:
    """Formal words into everyday ones, in text that holds no glossary term."""
    return _SWAP_RE.sub(_swap, segment)


# "No concurrent radiotherapy" → "No radiotherapy at the same time" (the glossary's own
# words for "concurrent", put where English puts them: after the short noun phrase it
# qualifies, when that phrase ends the sentence or a clause).
_CONCURRENT = re.compile(
    r"(?<![\w-])(?P<word>concurrent|concomitant)\s+(?P<np>(?:[A-Za-z][\w/-]*\s+){0,3}[A-Za-z][\w/-]*)"
    r"(?P<end>\s*(?:[.;]|\Z|,?\s+(?:except|other\s+than|allowed|is|are|for|during|within|unless|including)\b))",
    re.I,
)


def _concurrent(m: re.Match[str]) -> str:
    np = m.group("np")
    if re.search(r"(?<![\w-])(?:and|or|with|of|to|the|a|an)(?![\w-])", np, re.I):
        return m.group(0)  # a list or a longer phrase: where "at the same time" goes is unclear
    e = lookup(m.group("word").lower())
    said = e.plain if e is not None else "at the same time"
    return f"{np} {said}{m.group('end')}"


# "are excluded" / "are not eligible" → "cannot join"; "are eligible" → "can join".
# Only where the phrase is about the study ("… are excluded.", "… are not eligible if …"),
# not "not eligible for surgery".
_JOIN_END = r"(?=\s*(?:[.;,:]|\Z|\s(?:if|unless|when|while|even|because|due|regardless)\b))"
_CANNOT_JOIN = re.compile(
    r"(?<![\w-])(?:are|is|will\s+be|shall\s+be|would\s+be)\s+(?:excluded|ineligible|not\s+eligible)"
    r"(?:\s+(?:from|for)\s+(?:the|this)\s+(?:study|trial|protocol))?" + _JOIN_END,
    re.I,
)
_CAN_JOIN = re.compile(
    r"(?<![\w-])(?:are|is|will\s+be)\s+eligible(?:\s+(?:for|to\s+(?:join|enter|enroll\s+in))\s+(?:the|this)\s+(?:study|trial))?"
    + _JOIN_END,
    re.I,
)
# "Histologically confirmed adenocarcinoma of the prostate" → "adenocarcinoma of the prostate
# confirmed by a tissue test" (when the thing confirmed is a short phrase that ends there).
_HISTOLOGY = re.compile(
    r"(?<![\w-])(?P<how>histologically|cytologically|histologically\s+(?:and/or|or|and)\s+cytologically|"
    r"cytologically\s+(?:and/or|or|and)\s+histologically|histologically/cytologically)\s+"
    r"(?P<verb>confirmed|proven|proved|documented|verified|diagnosed)\s+(?P<np>[^,;:()]{3,80}?(?:\s*\([A-Za-z0-9-]{2,12}\))?)"
    r"(?P<end>\s*(?:[;:.]\s|[;:.]?\Z))",
    re.I,
)
_PREVIOUSLY = re.compile(r"(?<![\w-])previously\s+(?P<verb>treated|irradiated|diagnosed|received|used|given)"
                         r"(?=\s*(?:[,;.)]|\Z|\s(?:and|or|for|patients|people|disease|cancer|tumors?)\b))", re.I)


def _histology(m: re.Match[str]) -> str:
    np = m.group("np")
    if len(np.split()) > 8 or re.search(r"(?<![\w-])(?:that|which|who|with|and|or)(?![\w-])", np, re.I):
        return m.group(0)
    how = m.group("how").lower()
    test = "a tissue or cell test" if "/" in how or " " in how else "a tissue test" if how.startswith("hist") else "a cell test"
    return f"{np} {m.group('verb').lower()} by {test}{m.group('end')}"


_NO_CRITERIA = re.compile(r"\s*(?:there\s+are\s+)?no\s+(?:(?:specific|special|other)\s+)?(?P<what>eligibility|inclusion|exclusion)"
                          r"\s+criteria\s*\.?\s*\Z", re.I)


def stock_phrases(text: str) -> str:
    """Stock phrases of whole criteria (after glossary terms are looked up)."""
    whole = _NO_CRITERIA.match(text)
    if whole:  # "No eligibility criteria" (538 shared records say only this)
        who = "rules about who cannot join" if whole.group("what").lower() == "exclusion" else "rules for who can join"
        return f"There are no {who}."
    low = text.lower()
    if "logically" in low:
        text = _HISTOLOGY.sub(_histology, text)
    if "eligible" in low or "excluded" in low:
        text = _CANNOT_JOIN.sub("cannot join", text)
        text = _CAN_JOIN.sub("can join", text)
    if "previously" in low:
        text = _PREVIOUSLY.sub(lambda m: f"{m.group('verb')} before", text)
    if "oncurrent" in text or "oncomitant" in text:
        text = _CONCURRENT.sub(_concurrent, text)
    text = re.sub(r"(?<![\w-])[Pp]rior\s+to(?![\w-])", lambda m: "Before" if m.group()[0] == "P" else "before", text)
    text = re.sub(r"(?<![\w-])(?:n|N)ot\s+specified(?![\w-])", lambda m: m.group()[0] + "ot stated", text)
    return text


# ---------------------------------------------------------------------------------------------
# PDQ labels

_LABELS = {
    "patient characteristics": "About you",
    "disease characteristics": "About the disease",
    "prior concurrent therapy": "Prior and concurrent therapy",
    "prior/concurrent therapy": "Prior and concurrent therapy",
    "co-existing condition": "Other health conditions",
    "co-existing conditions": "Other health conditions",
    "other": "Other",
}
_LABEL = re.compile(r"(?P<dash>--)?(?P<label>[A-Za-z][A-Za-z /&'-]{1,40}?)(?:--|:)(?:\s+|\Z)")
# Run-on values in one PDQ line: "Bilirubin less than 1.5 mg/dL AST less than 3 times normal".
# A new value starts at a capitalised word right after a number or a unit.
_VALUE_END = re.compile(r"(?:\d|%|/[A-Za-z]+\d?|mm3|mm³|µL|dL|/L|ULN|normal|predicted|mmHg|mL/min|kg/m2|[A-Za-z]/L)\Z")
_NEW_VALUE = re.compile(r"\s+(?=[A-Z][a-z]|[A-Z][A-Z0-9]+\s)")


def split_label(text: str) -> tuple[str, str] | None:
    """("Hepatic", "Bilirubin less than 1.5 mg/dL") for a PDQ "Label: value" line, or None."""
    m = _LABEL.match(text)
    if not m:
        return None
    label = m.group("label").strip()
    if len(label.split()) > 4 or (not label[0].isupper()):
        return None
    return label, text[m.end() :].strip()


def plain_label(label: str) -> str:
    """A PDQ label in plain words: the table, else the glossary's words, else sentence case."""
    low = " ".join(label.lower().split())
    if low in _LABELS:
        return _LABELS[low]
    e = lookup(low) or lookup(label)
    if e is not None and e.kind != "unit":
        plain = re.sub(r"\s*\([^()]*\)", "", e.plain).strip() or label
        return plain[0].upper() + plain[1:]
    if label.isupper() and len(label) > 5:
        return label[0] + label[1:].lower()
    return label


def split_values(value: str) -> list[str]:
    """A PDQ value holding several limits in a row → one per sentence (never inside brackets)."""
    parts: list[str] = []
    start = 0
    for m in _NEW_VALUE.finditer(value):
        before = value[start : m.start()]
        if before.count("(") != before.count(")") or not _VALUE_END.search(before):
            continue
        parts.append(before)
        start = m.end()
    parts.append(value[start:])
    return [p.strip() for p in parts if p.strip()]
