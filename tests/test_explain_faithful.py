"""The faithfulness check: rewrites built to fail it fail, faithful rewrites pass.

Every rewrite a person may read goes through ``faithful.check`` (rules and LLM alike), so the
tests here are the guarantee that a dropped "not", a changed number, a flipped "≥", a lost unit
or time window, or a missing drug never reaches a page.
"""

from __future__ import annotations

import pytest

from cleartrial.explain import _quantities as qty
from cleartrial.explain.criteria import parse_criteria
from cleartrial.explain.faithful import Check, check, check_structure


def fails(source: str, rewrite: str, *, section: str | None = None, says: str = "") -> list[str]:
    result = check(source, rewrite, section=section)
    assert isinstance(result, Check)
    assert not result.ok, f"should fail: {source!r} → {rewrite!r}"
    assert result.problems and all(isinstance(p, str) and p for p in result.problems)
    if says:
        assert any(says in p for p in result.problems), result.problems
    return result.problems


def passes(source: str, rewrite: str, *, section: str | None = None) -> None:
    result = check(source, rewrite, section=section)
    assert result.ok, f"{source!r} → {rewrite!r}: {result.problems}"
    assert result.problems == []


# -- rewrites built to fail ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, rewrite, says",
    [
        ("Patients who have not received the influenza vaccine",
         "Patients who have received the influenza vaccine", 'negation "not" lost'),
        ("No prior chemotherapy", "You have had prior chemotherapy", 'negation "no" lost'),
        ("Patients without brain metastases", "Patients with brain metastases", 'negation "without" lost'),
        ("Non-smokers", "Smokers", "lost"),
        ("Never treated with insulin", "Treated with insulin", 'negation "never" lost'),
        ("Any cancer except basal cell skin cancer", "Any cancer or basal cell skin cancer", 'exception "except" lost'),
        ("Eligible unless pregnant", "Eligible if pregnant", 'exception "unless" lost'),
        ("HIV negative", "HIV positive", "lost"),
        ("Able to walk", "Not able to walk", 'negation "not" added'),
    ],
)
def test_a_lost_or_added_negation_fails(source, rewrite, says):
    fails(source, rewrite, says=says)


@pytest.mark.parametrize(
    "source, rewrite, says",
    [
        ("Chemotherapy within 4 weeks before the first dose",
         "Chemotherapy within 6 weeks before the first dose", 'time window "within 4 weeks before" missing'),
        ("Platelets ≥ 100,000/mm3", "Platelets at least 10,000 per mm³", 'number "100,000" with unit "/mm3" missing'),
        ("Hemoglobin ≥ 9 g/dL", "Hemoglobin at least 9.5 g/dL", "missing"),
        ("Age 18 years or older", "Age 18 years or older 99", 'number "99" added'),
        ("At least one measurable lesion", "At least two measurable lesions", 'number "one" missing'),
    ],
)
def test_a_changed_or_invented_number_fails(source, rewrite, says):
    fails(source, rewrite, says=says)


@pytest.mark.parametrize(
    "source, rewrite",
    [
        ("Age ≥ 18 years", "You are below 18"),
        ("Age ≥ 18 years", "You are older than 18"),  # ≥ is not >
        ("Creatinine ≤ 1.5 mg/dL", "Creatinine at least 1.5 mg/dL"),
        ("ANC < 1,500/mm3", "ANC above 1,500 per mm³"),
        ("ANC < 1,500/mm3", "ANC 1,500 per mm³"),  # the comparison dropped
        ("Bilirubin no more than 2 mg/dL", "Bilirubin more than 2 mg/dL"),
        ("Weight of 50 kg or more", "Weight of 50 kg or less"),
        ("AST up to 3 x ULN", "AST over 3 times the upper limit of normal"),
        ("Between 18 and 75 years of age", "18 years old"),
    ],
)
def test_a_flipped_or_dropped_comparison_fails(source, rewrite):
    fails(source, rewrite, says="comparison")


def test_the_comparison_message_names_both_sides():
    assert 'comparison "≥ 18" became "below 18"' in fails("Age ≥ 18", "You are below 18")


@pytest.mark.parametrize(
    "source, rewrite, says",
    [
        ("ANC ≥ 1,500/mm3", "Neutrophil count (ANC) at least 1,500", 'number "1,500" with unit "/mm3" missing'),
        ("Creatinine ≤ 2 × ULN", "Creatinine no more than 2", 'number "2" with unit "x ULN" missing'),
        ("Creatinine ≤ 2 × ULN", "Creatinine no more than 2 mg/dL", "missing"),
        ("Platelets ≥ 100 x 10^9/L", "Platelets at least 100 per mm³", "missing"),
        ("Weight loss of more than 10%", "Weight loss of more than 10 kg", "missing"),
    ],
)
def test_a_dropped_or_changed_unit_fails(source, rewrite, says):
    fails(source, rewrite, says=says)


@pytest.mark.parametrize(
    "source, rewrite",
    [
        ("Myocardial infarction within 6 months", "A heart attack within 6 weeks"),
        ("Stroke within the past 6 months", "Stroke 6 months ago or more"),
        ("Surgery within 4 weeks prior to enrollment", "Surgery within 4 weeks after enrollment"),
        ("At least 4 weeks since prior radiotherapy", "At least 4 days since prior radiation treatment"),
    ],
)
def test_a_changed_time_window_fails(source, rewrite):
    problems = fails(source, rewrite)
    assert any("time window" in p or "comparison" in p or "missing" in p for p in problems)


@pytest.mark.parametrize(
    "source, rewrite, says",
    [
        ("Prior treatment with pembrolizumab", "You had a treatment before", 'drug "pembrolizumab" missing'),
        ("Known allergy to cetuximab or panitumumab", "Known allergy to cetuximab", '"panitumumab" missing'),
        ("History of Crohn's disease", "History of a bowel disease", "missing"),
        ("HER2-positive breast cancer", "Breast cancer", "missing"),
        ("ECOG 0-1", "Able to do daily activities: 0 to 1", '"ECOG" missing'),
        ("Stage IV non-small cell lung cancer", "Stage 4 lung cancer", '"non-small cell lung cancer" missing'),
        ("Active hepatitis B infection", "Active liver infection", '"hepatitis B" missing'),
    ],
)
def test_a_dropped_drug_or_condition_fails(source, rewrite, says):
    fails(source, rewrite, says=says)


def test_framing_must_match_the_section():
    fails("Pregnant", "You can join if you are pregnant.", section="exclusion", says="framing")
    fails("Age 18 or older", "You cannot join if you are 18 or older.", section="inclusion", says="framing")
    # Without a section, framing is content: an LLM that adds "cannot join" adds a negation.
    fails("Pregnant", "You cannot join if you are pregnant.", says="negation")


def test_an_empty_rewrite_fails():
    fails("Age ≥ 18", "", says="empty")
    fails("Age ≥ 18", "   ", says="empty")


# -- faithful rewrites pass ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, rewrite, section",
    [
        ("Age ≥ 18 years", "You can join if you are 18 or older.", "inclusion"),
        ("≥ 18 years of age", "You can join if you are 18 years or older.", "inclusion"),
        ("Aged 18-75", "You can join if you are 18 to 75 years old.", "inclusion"),
        ("Between 18 and 75 years of age", "You can join if you are 18 to 75 years old.", "inclusion"),
        ("ANC ≥ 1,500/mm3", "Your neutrophil count (ANC) is at least 1,500 per mm³.", None),
        ("ANC < 1500/mm3", "ANC below 1,500 per cubic millimeter", None),
        ("Creatinine ≤ 2 × ULN", "Your creatinine is no more than 2 times the upper limit of normal.", None),
        ("Platelets > 100 x 10^9/L", "Platelets above 100 billion per liter", None),
        ("Bilirubin no greater than 1.5 mg/dL", "Bilirubin no more than 1.5 mg/dL", None),
        ("Myocardial infarction within 6 months", "You cannot join if you had a heart attack within 6 months.",
         "exclusion"),
        ("Hypersensitivity to pembrolizumab", "You cannot join if you have an allergy to pembrolizumab.", "exclusion"),
        ("Patients with active brain metastases are excluded",
         "You cannot join if you have active brain metastases.", "exclusion"),
        ("Stage IV non-small cell lung cancer", "Stage 4 non-small cell lung cancer", None),
        ("HbA1c ≥ 7%", "Your average blood sugar over 2 to 3 months (HbA1c) is at least 7%.", None),
        ("Untreated brain metastases", "Brain metastases not treated", None),
        ("Women who are not pregnant", "You are a woman who is not pregnant.", None),
        ("Life expectancy > 3 months", "Your expected length of life is more than 3 months.", None),
        ("Chemotherapy within 4 weeks prior to enrollment", "Chemo within 4 weeks before enrollment", None),
        ("Six months of treatment", "6 months of treatment", None),
    ],
)
def test_faithful_rewrites_pass(source, rewrite, section):
    passes(source, rewrite, section=section)


def test_the_source_itself_always_passes():
    for text in ["Age ≥ 18 years", "No prior chemotherapy", "ANC ≥ 1,500/mm3; platelets ≥ 100,000/mm3", "*", ""]:
        if text:
            passes(text, text)


# -- numbers, units and comparisons as read ------------------------------------------------------


@pytest.mark.parametrize(
    "text, value, unit, cmp",
    [
        ("≥ 18 years", "18", "year", qty.GE),
        ("18 years or older", "18", "year", qty.GE),
        ("age 18 or older", "18", "year", qty.GE),
        ("at least 1,500/mm3", "1500", "/ul", qty.GE),
        ("1,500 per mm³", "1500", "/ul", None),
        ("no more than 2.5 x ULN", "2.5", "xuln", qty.LE),
        ("greater than 3 times the upper limit of normal", "3", "xuln", qty.GT),
        ("< 100 x 10⁹/L", "100", "e9/l", qty.LT),
        ("100 billion per liter", "100", "e9/l", None),
        ("up to 6 months", "6", "month", qty.LE),
        ("60 mL/min/1.73 m2", "60", "ml/min/1.73m2", None),
        ("9 g/dL", "9", "g/dl", None),
        ("under the age of 18", "18", "year", qty.LT),
        ("≥ 18", "18", None, qty.GE),
        (">= 18", "18", None, qty.GE),
        ("> or = 18", "18", None, qty.GE),
    ],
)
def test_quantities_are_read(text, value, unit, cmp):
    q = qty.quantities(qty.fold(text))[0]
    assert (q.value, q.unit, q.cmp) == (value, unit, cmp)


def test_ranges_and_names_are_read():
    lo, hi = qty.quantities(qty.fold("18-75 years"))
    assert (lo.value, lo.cmp, lo.unit, hi.value, hi.cmp, hi.unit) == ("18", qty.GE, "year", "75", qty.LE, "year")
    # Digits inside names and units are not numbers.
    assert [q.value for q in qty.quantities(qty.fold("COVID-19, HbA1c, CD4, PD-1, 60 mL/min/1.73 m2"))] == ["60"]
    q = qty.quantities(qty.fold("within 6 months prior to enrollment"))[0]
    assert q.rels == {qty.WITHIN, qty.BEFORE}


# -- structure ------------------------------------------------------------------------------------


def _items(parsed_criteria):
    return [{"section": c.section, "source": c.source, "plain": c.source, "children": _items(c.children)}
            for c in parsed_criteria]


def test_structure_each_criterion_exactly_one_item():
    parsed = parse_criteria("Inclusion Criteria:\n\n* Age ≥ 18\n* Labs:\n  * ANC ≥ 1500\n\nExclusion Criteria:\n\n* Pregnant")
    items = _items(parsed.criteria)
    assert check_structure(parsed, items).ok
    dropped = _items(parsed.criteria)
    del dropped[1]["children"][0]
    assert any("dropped" in p for p in check_structure(parsed, dropped).problems)
    invented = _items(parsed.criteria)
    invented.append({"section": "exclusion", "source": "Smoker", "plain": "Smoker", "children": []})
    assert any("invented" in p for p in check_structure(parsed, invented).problems)
    empty = _items(parsed.criteria)
    empty[0]["plain"] = ""
    assert any("no text" in p for p in check_structure(parsed, empty).problems)
