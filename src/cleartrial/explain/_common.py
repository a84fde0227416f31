"""Small helpers shared by the explain modules: placebo detection and quoting."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Arm, Intervention, Trial


@dataclass(slots=True)
class Fact:
    """One plain-English sentence about a trial, and the registry wording it came from."""

    text: str  # one plain-English sentence
    source: str | None  # the registry wording it came from (field name and value, or quoted sentence)


PLACEBO_ARM_TYPES = ("PLACEBO_COMPARATOR", "SHAM_COMPARATOR")

_PLACEBO_WORD = re.compile(r"\b(placebos?|sham)\b", re.I)
# Words that may sit beside "placebo" in a name that is *only* a placebo ("Matching placebo
# tablets", "Placebo group"). Anything else ("Ondansetron + placebo", "ddI placebo") means the
# item also holds an active treatment, so it is not counted as a placebo group or item.
_FILLER = (
    r"a|an|the|none|vehicle|matching|matched|identical|inactive|dummy|saline|oral|iv|tablets?|capsules?|pills?|"
    r"injections?|infusions?|solution|group|arm|comparator|control|only|alone|vaccine|patch|cream|"
    r"gel|spray|inhaler|drops?|procedure|treatment|therapy|device|stimulation|surgery|acupuncture|"
    r"blinded|masked|mg|mcg|ml|daily|weekly|qd|bid|qw|q\dw|sc|subcutaneous|intravenous|topical|"
    r"arm\s+\w{1,3}|group\s+\w{1,3}|\d+|[ivx]+"
)
_PLACEBO_ONLY = re.compile(
    rf"^\W*(?:(?:{_FILLER})\W+)*(?:placebos?|sham)(?:\W+(?:{_FILLER}|(?:for|to\s+match)\s+[\w-]+(?:\s+[\w-]+)?))*\W*$",
    re.I,
)


def mentions_placebo(text: str | None) -> bool:
    return bool(text and _PLACEBO_WORD.search(text))


def is_placebo_only(text: str | None) -> bool:
    """True for "Placebo", "Matching placebo tablets", "Sham stimulation", "Placebo for X"."""
    return bool(text and _PLACEBO_ONLY.match(text.strip()))


def is_sham(text: str | None) -> bool:
    return bool(text and re.search(r"\bsham\b", text, re.I))


def is_placebo_arm(arm: Arm) -> bool:
    """An arm that gets a placebo or sham in place of the tested treatment.

    The arm type is the registry's own statement; a mistyped arm ("Placebo", type EXPERIMENTAL)
    still counts when its label or every one of its interventions is only a placebo.
    """
    if arm.type in PLACEBO_ARM_TYPES:
        return True
    if is_placebo_only(arm.label):
        return True
    return bool(arm.interventions) and all(is_placebo_only(n) for n in arm.interventions)


def placebo_arms(trial: Trial) -> list[Arm]:
    return [a for a in trial.arms if is_placebo_arm(a)]


def arms_mixing_placebo(trial: Trial) -> list[Arm]:
    """Arms that are not placebo arms but name a placebo (double-dummy designs and the like)."""
    return [
        a
        for a in trial.arms
        if not is_placebo_arm(a) and (mentions_placebo(a.label) or any(mentions_placebo(n) for n in a.interventions))
    ]


def uses_placebo(trial: Trial) -> bool:
    """The record names a placebo or sham anywhere in its arms or interventions."""
    return bool(
        placebo_arms(trial) or arms_mixing_placebo(trial) or any(mentions_placebo(i.name) for i in trial.interventions)
    )


def placebo_kind(trial: Trial) -> str:
    """ "placebo" or "sham", for the wording: a sham is a pretend procedure, not a pill."""
    texts = [a.label for a in placebo_arms(trial)] + [i.name for i in trial.interventions]
    has_sham = any(is_sham(t) for t in texts)
    has_placebo = any(t and re.search(r"\bplacebos?\b", t, re.I) for t in texts)
    if has_sham and not has_placebo:
        return "sham"
    if not has_placebo and any(a.type == "SHAM_COMPARATOR" for a in trial.arms):
        return "sham"
    return "placebo"


PLACEBO_MEANING = "a dummy treatment with no active drug"
SHAM_MEANING = "a pretend version made to look like the real treatment, without its active part"


def active_interventions(trial: Trial) -> list[Intervention]:
    """Interventions that are not only a placebo or sham, in record order."""
    return [i for i in trial.interventions if i.name and not is_placebo_only(i.name)]


def quote(text: str, limit: int = 160) -> str:
    """Registry text in quotes, on one line; cut at a word with "…" if longer than limit."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        cut = flat[:limit].rsplit(" ", 1)[0]
        flat = cut.rstrip(",;: ") + " …"
    return f"\u201c{flat}\u201d"


def end_sentence(text: str) -> str:
    """Add a full stop unless the text already ends with one (also inside a closing quote)."""
    stripped = text.rstrip()
    if re.search(r"[.!?][\u201d\")]*$", stripped):
        return stripped
    return stripped + "."


def join_words(items: list[str], limit: int = 3, noun: str = "others") -> str:
    """ "a", "a and b", "a, b and c", "a, b, c and 2 others" (never drops the count)."""
    items = [i for i in items if i]
    if len(items) > limit:
        rest = len(items) - limit
        return ", ".join(items[:limit]) + f" and {rest} {noun if rest > 1 else noun.rstrip('s')}"
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def unique(items: list[str]) -> list[str]:
    """De-duplicated ignoring case and spacing, first spelling kept."""
    seen: set[str] = set()
    out = []
    for item in items:
        key = " ".join((item or "").lower().split())
        if key and key not in seen:
            seen.add(key)
            out.append(item.strip())
    return out


def count_words(n: int, noun: str) -> str:
    return f"{n} {noun if n == 1 else noun + 's'}"
