"""The trial page's "What taking part involves" section: participation facts by group, and a timeline.

The facts come from :mod:`cleartrial.explain.participation`; this module only arranges them
for the page (and its JSON twin) and works out the timeline's geometry, so the template draws
plain numbers. The timeline is an inline SVG with presentation attributes only (the strict
CSP allows no style attributes) and always has a text equivalent beside it.
"""

from __future__ import annotations

import re

from ..explain.participation import GROUP_TITLES, KIND_GROUP, ParticipationFact

# The page shows these groups, in this order. Design facts are already in "What happens in the
# study"; only what that list lacks is kept here (see _shown).
_GROUPS = ("time", "visits", "procedures", "medicines", "money", "design", "study")
_DESIGN_FIELDS = ("Allocation:", "Intervention model:", "Masking:")
# What a person most needs to plan, said plainly when the record is silent about it.
_ASK_WHEN_MISSING = {
    "time": "how long taking part lasts",
    "visits": "how many visits there are",
    "procedures": "which tests and procedures are done",
    "money": "what is paid for",
}

# Timeline rows: (kind, title). Lengths counted from joining, or from the end of treatment.
_ROWS = (
    ("total_length", "Taking part"),
    ("treatment_length", "Treatment"),
    ("follow_up", "Follow-up"),
    ("measurements", "Measurements"),
)
WIDTH = 640
_LABEL_W = 130  # the row titles
_BAR_X = _LABEL_W + 10
_BAR_W = WIDTH - _BAR_X - 10
_ROW_H = 44
_TOP = 10
# A follow-up "after the last dose" or "after treatment" starts where treatment ends.
_AFTER_TREATMENT = re.compile(r"\b(?:dos(?:e|es|ing)|treatment|therapy|infusion|injection|study\s+drug|intervention)\b",
                              re.I)  # fmt: skip
_FROM_JOINING = re.compile(r"\b(?:enrol+ment|randomi[sz]ation|baseline|registration|entry|screening)\b", re.I)


def involves_section(facts: list[ParticipationFact]) -> dict:
    groups = []
    for group in _GROUPS:
        shown = [f.as_dict() for f in facts if KIND_GROUP[f.kind] == group and _shown(f)]
        if shown:
            groups.append({"id": group, "title": GROUP_TITLES[group], "facts": shown})
    present = {g["id"] for g in groups}
    return {
        "groups": groups,
        "not_stated": [words for group, words in _ASK_WHEN_MISSING.items() if group not in present],
        "timeline": timeline(facts),
    }


def _shown(f: ParticipationFact) -> bool:
    if KIND_GROUP[f.kind] != "design":
        return True
    # The record's design fields and the placebo are listed under "What happens in the study";
    # the allocation ratio, and design read from the text of old records, are not.
    return f.kind != "placebo" and not f.source_text.startswith(_DESIGN_FIELDS)


def timeline(facts: list[ParticipationFact]) -> dict | None:
    """Bars to scale for the lengths the record states, or None when it states none.

    A bar starts at the left (joining) unless the record counts it from the end of treatment
    and the treatment's length is known; a follow-up counted from anything else (an event
    whose date is unknown) is left out of the drawing, not guessed, and stays in the text.
    """
    by_kind = {}
    for f in facts:
        if f.kind in dict(_ROWS) and f.days and f.kind not in by_kind and "among other parts" not in f.value:
            by_kind[f.kind] = f
    rows = []
    treatment = by_kind.get("treatment_length")
    for kind, title in _ROWS:
        f = by_kind.get(kind)
        if f is None:
            continue
        start, start_words = 0.0, "counted from the start"
        if kind == "follow_up" and f.counted_from:
            if treatment is not None and _AFTER_TREATMENT.search(f.counted_from):
                start, start_words = treatment.days or 0.0, "after the treatment period"
            elif not _FROM_JOINING.search(f.counted_from):
                continue
        elif kind == "follow_up":
            continue  # the record does not say when follow-up starts
        rows.append((title, f, start, start_words))
    if not rows:
        return None
    end = max(start + (f.days or 0) for _, f, start, _ in rows)
    scale = _BAR_W / end
    bars = []
    for i, (title, f, start, start_words) in enumerate(rows):
        y = _TOP + i * _ROW_H
        x = _BAR_X + round(start * scale)
        width = max(4, round((f.days or 0) * scale))
        words = _words(f)
        bars.append({
            "title": title, "words": words, "x": x, "y": y + 18, "width": width, "height": 14,
            "label_y": y + 12, "text": f"{title}: {words}, {start_words}.",
        })  # fmt: skip
    height = _TOP + len(rows) * _ROW_H + 4
    return {"width": WIDTH, "height": height, "label_x": 0, "bar_x": _BAR_X, "bars": bars}


def _words(f: ParticipationFact) -> str:
    """The length as the fact's value says it ("up to 64 weeks")."""
    m = re.search(r"(?:lasts|up to about)\s+(.+?)(?:,\s+(?:and|but)\s.*)?\.?$", f.value)
    if f.kind == "measurements":
        m = re.search(r"up to about (.+?)(?:,|\.|$)", f.value)
        return f"up to about {m.group(1)}" if m else f.value
    return m.group(1).rstrip(".") if m else f.value
