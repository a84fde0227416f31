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
