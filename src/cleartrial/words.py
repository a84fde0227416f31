"""Registry codes in plain words, for people (CLI now, web pages later)."""

from __future__ import annotations

from .model import Age, Eligibility

STATUS_WORDS = {
    "RECRUITING": "Recruiting now",
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation only",
    "ACTIVE_NOT_RECRUITING": "Running, not taking new people",
    "SUSPENDED": "Paused",
    "TERMINATED": "Stopped early",
    "COMPLETED": "Finished",
    "WITHDRAWN": "Withdrawn before it started",
    "UNKNOWN": "Status unknown (not updated in over 2 years)",
    "AVAILABLE": "Available outside a trial (expanded access)",
    "NO_LONGER_AVAILABLE": "No longer available",
    "TEMPORARILY_NOT_AVAILABLE": "Temporarily not available",
    "APPROVED_FOR_MARKETING": "Approved for sale",
    "WITHHELD": "Withheld",
}

PHASE_WORDS = {
    "EARLY_PHASE1": "Early phase 1",
    "PHASE1": "Phase 1",
    "PHASE2": "Phase 2",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
    "NA": "No phase",
}

# One line each, for filters and trial pages.
PHASE_MEANING = {
    "EARLY_PHASE1": "a first, very small test in people, with tiny doses",
    "PHASE1": "tests safety and dose in a small group",
    "PHASE2": "tests whether it works and how safe it is in a larger group",
    "PHASE3": "compares it with standard treatment in a large group",
    "PHASE4": "studies it after approval, in everyday use",
    "NA": "a study of something other than a drug (a device, a behaviour) or not split into phases",
}


def status_words(status: str | None) -> str:
    if not status:
        return "Status not stated"
    return STATUS_WORDS.get(status, status.replace("_", " ").capitalize())


def phase_words(phases: list[str], study_type: str | None = None) -> str:
    if not phases:
        # Only interventional studies have phases; saying "not stated" of others would
        # suggest something is missing.
        if study_type == "OBSERVATIONAL":
            return "Observational study (no phases)"
        if study_type == "EXPANDED_ACCESS":
            return "Expanded access (no phases)"
        return "Phase not stated"
    return " and ".join(PHASE_WORDS.get(p, p) for p in phases).replace("Phase 1 and Phase 2", "Phase 1/2").replace(
        "Phase 2 and Phase 3", "Phase 2/3"
    )


def sex_words(sex: str | None) -> str:
    return {"FEMALE": "women only", "MALE": "men only"}.get(sex or "ALL", "all sexes")


def _age(a: Age) -> str:
    if a.unit == "YEARS":
        return f"{a.value:g}"
    return str(a)


def age_range_words(e: Eligibility) -> str:
    """ "Adults 18 to 75", "18 and older", "Up to 17 years", "Any age"."""
    lo, hi = e.minimum_age, e.maximum_age
    if lo is None and hi is None:
        return "Any age"
    if lo is not None and hi is not None:
        unit = "" if lo.unit == hi.unit == "YEARS" else None
        if unit == "":
            return f"Ages {lo.value:g} to {hi.value:g}"
        return f"Ages {lo} to {hi}"
    if lo is not None:
        return f"Ages {_age(lo)} and older" if lo.unit == "YEARS" else f"From {lo} old"
    return f"Up to {hi.value:g} years old" if hi.unit == "YEARS" else f"Up to {hi} old"


def who_can_join(e: Eligibility) -> list[str]:
    """Short labels for a result card: ["Adults 18 to 75", "Women only", "Healthy volunteers welcome"].

    "Everyone" only when the record sets no age limit and admits all sexes; the labels
    never say more than the structured fields do (the criteria text may narrow it further).
    """
    lo, hi = e.minimum_age, e.maximum_age
    labels = []
    if lo is None and hi is None:
        labels.append("Everyone" if (e.sex or "ALL") == "ALL" else "Any age")
    elif lo is not None and lo.unit == "YEARS" and lo.value >= 18 and (hi is None or hi.unit == "YEARS"):
        labels.append(f"Adults {lo.value:g} to {hi.value:g}" if hi is not None else f"Adults {lo.value:g} and older")
    elif hi is not None and hi.unit == "YEARS" and hi.value < 18 and (lo is None or lo.unit in ("YEARS", "MONTHS", "WEEKS", "DAYS")):
        labels.append(f"Children up to {hi.value:g} years old" if lo is None else f"Children {lo} to {hi.value:g} years old")
    else:
        labels.append(age_range_words(e))
    children_only = hi is not None and hi.years < 18
    if e.sex == "FEMALE":
        labels.append("Girls only" if children_only else "Women only")
    elif e.sex == "MALE":
        labels.append("Boys only" if children_only else "Men only")
    if e.healthy_volunteers:
        labels.append("Healthy volunteers welcome")
    return labels


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def date_words(date: str | None) -> str | None:
    """ "2024-05-01" → "May 1, 2024"; "2023-04" → "April 2023"; anything else unchanged."""
    if not date:
        return None
    parts = date.split("-")
    try:
        year = int(parts[0])
        month = _MONTHS[int(parts[1]) - 1] if len(parts) > 1 else None
        day = int(parts[2]) if len(parts) > 2 else None
    except (ValueError, IndexError):
        return date
    if month is None:
        return str(year)
    return f"{month} {day}, {year}" if day else f"{month} {year}"
