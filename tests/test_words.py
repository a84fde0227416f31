"""Registry codes in plain words."""

from cleartrial.model import Age, Eligibility
from cleartrial.words import age_range_words, phase_words, sex_words, status_words


def test_status_words_keep_recruiting_and_not_yet_apart():
    assert status_words("RECRUITING") == "Recruiting now"
    assert status_words("NOT_YET_RECRUITING") == "Not yet recruiting"
    assert status_words(None) == "Status not stated"


def test_phase_words():
    assert phase_words(["PHASE1", "PHASE2"]) == "Phase 1/2"
    assert phase_words(["PHASE3"]) == "Phase 3"
    assert phase_words([], "OBSERVATIONAL") == "Observational study (no phases)"
    assert phase_words([], "INTERVENTIONAL") == "Phase not stated"


def test_age_and_sex_words():
    assert age_range_words(Eligibility(minimum_age=Age(18, "YEARS"), maximum_age=Age(75, "YEARS"))) == "Ages 18 to 75"
    assert age_range_words(Eligibility(minimum_age=Age(18, "YEARS"))) == "Ages 18 and older"
    assert age_range_words(Eligibility(maximum_age=Age(17, "YEARS"))) == "Up to 17 years old"
    assert age_range_words(Eligibility(minimum_age=Age(6, "MONTHS"))) == "From 6 months old"
    assert age_range_words(Eligibility()) == "Any age"
    assert sex_words("FEMALE") == "women only" and sex_words("ALL") == "all sexes"
