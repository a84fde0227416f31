"""Find a stated allocation ratio ("randomized 2:1 to drug or placebo") and what it means.

A ratio only tells a patient their odds when it is clear which side is the placebo. We accept
two shapes, both in one sentence that talks about randomizing or assigning:

* the ratio with the two sides named in the same order: "randomized 2:1 to receive X or
  placebo", "randomized to X or matching placebo (3:1)", "2:1 (active:placebo)";
* an even ratio ("1:1", "1:1:1") whose number of parts equals the trial's number of groups:
  every group is then the same size, whichever one is the placebo.

Anything else (a ratio that names arms by number, several sentences giving different odds,
"2:2:1 to Arms A, B and C") is reported as a ratio we could not map, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ..model import Trial
from ._common import is_placebo_arm, is_placebo_only

# Parts of 1 to 10 only: "risk ratio 4:29" or a clock time "10:30" is no allocation.
_RATIO = re.compile(r"(?<![\w.:/-])((?:10|[1-9])(?:\s*:\s*(?:10|[1-9]))+)(?![\w:/]|\.\d|\s*(?:am|pm)\b)", re.I)
_ALLOCATION_WORDS = re.compile(r"\brandom|\ballocat|\bassign", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[*])|\n+")
_PLACEBO_ITEM = (
    r"(?:an?\s+|the\s+)?(?:matching\s+|matched\s+|identical\s+|inactive\s+|[\w-]+-containing\s+)?(?:placebos?|sham)\b"
)
_OR = r"\s+(?:or|vs\.?|versus)\s+"
# "... X or placebo" / "... placebo or X": which side of the "or" the placebo is on.
_PLACEBO_SECOND = re.compile(rf"(?P<other>[^.;:]{{1,80}}?){_OR}(?P<placebo>{_PLACEBO_ITEM})", re.I)
_PLACEBO_FIRST = re.compile(rf"(?P<placebo>\b{_PLACEBO_ITEM}){_OR}(?P<other>[\w-]+)", re.I)
_LABELLED = re.compile(r"\(\s*([^():]{1,40}?)\s*(?::|/|\bto\b)\s*([^():]{1,40}?)\s*\)")


@dataclass(slots=True)
class StatedRatio:
    ratio: str  # as written, spaces removed: "2:1"
    sentence: str  # the sentence it was found in
    placebo_share: Fraction | None  # chance of placebo when the ratio maps clearly, else None


def allocation_texts(trial: Trial) -> list[str]:
    """Where a sponsor writes the ratio: design description, arm descriptions, summaries."""
    texts = [trial.design.intervention_model_description]
    texts += [a.description for a in trial.arms]
    texts += [trial.brief_summary, trial.detailed_description]
    return [t for t in texts if t]


def stated_ratios(trial: Trial, n_groups: int, n_placebo_groups: int) -> list[StatedRatio]:
    """Every allocation ratio stated in the record, each read as far as it maps clearly.

    ``n_groups`` and ``n_placebo_groups`` are the trial's arms and placebo arms when they can
    be counted without doubt, else 0: an even split is read against them.
    """
    out: list[StatedRatio] = []
    seen: set[tuple[str, str]] = set()
    for text in allocation_texts(trial):
        for sentence in _SENTENCE_END.split(text):
            if not _ALLOCATION_WORDS.search(sentence):
                continue
            for m in _RATIO.finditer(sentence):
                if not _near_allocation_word(sentence, m):
                    continue
                ratio = re.sub(r"\s+", "", m.group(1))
                key = (ratio, " ".join(sentence.split()))
                if key in seen:
                    continue
                seen.add(key)
                share = _placebo_share(sentence, m, ratio, n_groups, n_placebo_groups)
                if share is None and n_groups:
                    share = _arm_order_share(trial, sentence, m, ratio)
                out.append(StatedRatio(ratio, key[1], share))
    return out


def _near_allocation_word(sentence: str, m: re.Match, reach: int = 80) -> bool:
    """The ratio sits close to "randomized"/"assigned": not a ratio of strata or of people."""
    window = sentence[max(0, m.start() - reach) : m.end() + reach]
    return bool(_ALLOCATION_WORDS.search(window))


def _placebo_share(sentence: str, m: re.Match, ratio: str, n_groups: int, n_placebo: int) -> Fraction | None:
    parts = [int(p) for p in ratio.split(":")]
    if len(parts) == 2:
        order = _labelled_order(sentence[m.end() :]) or _named_order(sentence)
        if order is not None:
            placebo_part = parts[0] if order == "placebo-first" else parts[1]
            return Fraction(placebo_part, sum(parts))
    if len(set(parts)) == 1 and n_groups and len(parts) == n_groups and n_placebo:
        return Fraction(n_placebo, n_groups)  # even split over exactly the listed groups
    return None


def _arm_order_share(trial: Trial, sentence: str, m: re.Match, ratio: str) -> Fraction | None:
    """ "randomized in a 1:2 ratio to arm I and arm II": every arm named once, in ratio order."""
    parts = [int(p) for p in ratio.split(":")]
    if len(parts) != len(trial.arms):
        return None
    text = sentence[: m.start()] + " " * (m.end() - m.start()) + sentence[m.end() :]
    positions = []
    for arm in trial.arms:
        label = " ".join((arm.label or "").split())
        # Short or numeric labels ("1", "A") would match the ratio or any word.
        if len(label) < 4 or not re.search(r"[A-Za-z]", label):
            return None
        found = [x.start() for x in re.finditer(rf"(?<!\w){re.escape(label)}(?!\w)", text, re.I)]
        if len(found) != 1:
            return None
        positions.append(found[0])
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    placebo = sum(parts[rank] for rank, i in enumerate(order) if is_placebo_arm(trial.arms[i]))
    return Fraction(placebo, sum(parts)) if placebo else None


def _labelled_order(after: str) -> str | None:
    """ "2:1 (active:placebo)" right after the ratio names its two sides."""
    m = _LABELLED.match(after.lstrip(" ,")) or _LABELLED.match(re.sub(r"^\s*ratio\s*", "", after))
    if not m:
        return None
    first, second = is_placebo_only(m.group(1)), is_placebo_only(m.group(2))
    if first == second:
        return None
    return "placebo-first" if first else "placebo-second"


def _named_order(sentence: str) -> str | None:
    """ "X or placebo" named once in the sentence, the other side not a placebo itself."""
    second = list(_PLACEBO_SECOND.finditer(sentence))
    first = list(_PLACEBO_FIRST.finditer(sentence))
    if len(second) + len(first) != 1:
        return None  # no pair, or several: which one the ratio belongs to is unclear
    if second:
        other = second[0].group("other")
        # A list ("X, Y or placebo") has more sides than a two-part ratio has parts.
        tail = re.split(r"\b(?:to|receive|either|between)\b", other)[-1]
        if "," in tail or re.search(r"\bplacebo|\bsham|\band\b", tail, re.I):
            return None
        return "placebo-second"
    if re.search(r"\bplacebo|\bsham", first[0].group("other"), re.I):
        return None
    return "placebo-first"
