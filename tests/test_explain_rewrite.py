"""The rule-based plain-language rewriter and the JSON shape of ``explain_trial``.

Hand-made criteria pin each step (comparisons, abbreviations, framing, glossary, splitting);
named shared records pin real output; and two tests run over every shared record: no text is
lost, and every ``plain`` shown either passed the faithfulness check or is the original.
"""

from __future__ import annotations

import re

import pytest

from cleartrial.explain import faithful
from cleartrial.explain.criteria import iter_criteria, parse_criteria, pieces
from cleartrial.explain.plain import explain_criteria, explain_texts, explain_trial
from cleartrial.explain.rewrite import group_lead, rewrite_criterion, simplify
from cleartrial.model import Intervention, Outcome, Trial

_WS = re.compile(r"\s+")


def walk(items):
    for c in items:
        yield c
        yield from walk(c["children"])


def plain_of(text: str) -> list[str]:
    return [c["plain"] for c in walk(explain_criteria(text)["criteria"])]


# -- comparisons in words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, section, expected",
    [
        ("Age ≥ 18 years", "inclusion", "You can join if you are 18 or older."),
        ("Age >= 18 years", "inclusion", "You can join if you are 18 or older."),
        ("18 years of age or older", "inclusion", "You can join if you are 18 or older."),
        ("Aged 18-75", "inclusion", "You can join if you are 18 to 75 years old."),
        ("Age < 18 years", "exclusion", "You cannot join if you are younger than 18."),
        ("ANC ≥ 1,500/mm3", "inclusion", "You can join if your neutrophil count (ANC) is at least 1,500 per mm³."),
        ("ANC < 1,500/mm3", "exclusion", "You cannot join if your neutrophil count (ANC) is below 1,500 per mm³."),
        ("Creatinine ≤ 2 × ULN", "inclusion",
         "You can join if your creatinine is no more than 2 times the upper limit of normal."),
        ("Platelets > 100 x 10^9/L", "inclusion", "You can join if your platelets are above 100 billion per liter."),
        ("Bilirubin greater than or equal to 1.5 mg/dL", "exclusion",
         "You cannot join if your bilirubin is at least 1.5 mg/dL."),
        ("Life expectancy > 3 months", "inclusion", "You can join if your expected length of life is more than 3 months."),
        ("BMI 18-35 kg/m2", "inclusion", "You can join if your body mass index (BMI, weight for height) is 18 to 35 kg/m²."),
    ],
)
def test_comparisons_in_words(source, section, expected):
    plain = rewrite_criterion(source, section)
    assert plain == expected
    assert faithful.check(source, plain, section=section).ok


# -- abbreviations ------------------------------------------------------------------------------


def test_glossary_abbreviations_are_written_out():
    assert rewrite_criterion("ECOG performance status 0-1", "inclusion") == (
        "You can join if your ECOG performance status is 0 to 1."
    )
    assert rewrite_criterion("Active HCC", "exclusion") == "You cannot join if you have active liver cancer (HCC)."


def test_abbreviations_the_record_defines_are_written_out_where_used():
    text = ("Exclusion Criteria:\n\n* Transarterial chemoembolization (TACE) planned\n"
            "* Prior TACE within 4 weeks")
    result = explain_criteria(text)
    assert [c["plain"] for c in result["criteria"]] == [
        "You cannot join if you have transarterial chemoembolization (TACE) planned.",
        "You cannot join if you have had prior transarterial chemoembolization (TACE) within 4 weeks.",
    ]
    assert {"term": "TACE", "explanation": "Short for transarterial chemoembolization."} in result["glossary"]


# -- framing ---------------------------------------------------------------------------------------


def test_framing_per_section():
    text = """Inclusion Criteria:

* Able to swallow tablets
* One of the following:
  * Hemoglobin >= 9 g/dL
  * Platelets > 100 x 10^9/L

Exclusion Criteria:

* Pregnant or breastfeeding women
* Note: patients with controlled hypertension may join
"""
    assert plain_of(text) == [
        "You can join if you are able to swallow pills.",
        "You can join if one of these is true for you:",
        "Your hemoglobin is at least 9 g/dL.",
        "Your platelets are above 100 billion per liter.",
        "You cannot join if you are pregnant or breastfeeding.",
        "Note: People with controlled high blood pressure may join.",
    ]
    # No section: no "join" framing, and never a verdict about the reader.
    assert plain_of("No eligibility criteria") == ["There are no rules for who can join."]
    assert group_lead("At least two of the following:", "other") == "At least two of these must be true:"


def test_a_rule_for_some_readers_is_a_condition():
    assert rewrite_criterion("Women of childbearing potential must use effective contraception", "inclusion") == (
        "If you are a woman of childbearing potential, you must use reliable birth control."
    )


def test_a_sentence_with_its_own_verb_is_kept_as_a_sentence():
    assert rewrite_criterion("Prior radiotherapy is allowed", "inclusion") == "Prior radiation treatment is allowed."
    assert rewrite_criterion("Patients with active brain metastases are excluded", "exclusion") == (
        "You cannot join if you have active cancer spread to the brain."
    )


# -- glossary -----------------------------------------------------------------------------------


def test_glossary_terms_are_replaced_when_exact_else_kept_and_explained():
    result = explain_criteria("Exclusion Criteria:\n\n* History of myocardial infarction\n* Known HIV infection\n")
    assert [c["plain"] for c in result["criteria"]] == [
        "You cannot join if you have had heart attack.",
        "You cannot join if you are known to have HIV infection.",
    ]
    terms = {g["term"] for g in result["glossary"]}
    assert "HIV infection" in terms and "myocardial infarction" not in terms  # replaced, so not listed


def test_plain_words_never_break_the_sentence():
    # "prior" → "before" and "spine" → "backbone" are in the glossary but read wrongly here.
    assert rewrite_criterion("No prior chemotherapy", "inclusion") == "You can join if you have had no prior chemo."
    assert "cervical spine" in rewrite_criterion("Metastasis in the cervical spine", "exclusion")


# -- long sentences ---------------------------------------------------------------------------------


def test_long_sentences_are_split():
    source = ("Any condition that in the opinion of the investigator would interfere with study participation, "
              "including but not limited to uncontrolled diabetes, active infection, or psychiatric illness "
              "(e.g., schizophrenia, bipolar disorder, major depression)")
    plain = rewrite_criterion(source, "exclusion")
    assert plain.endswith(". For example: schizophrenia, bipolar disorder, major depression.")
    assert plain.startswith("You cannot join if you have any condition that")
    assert faithful.check(source, plain, section="exclusion").ok
    # Old records run their items together; each becomes a sentence.
    assert rewrite_criterion("Hepatic: Bilirubin no greater than 1.5 mg/dL AST less than 3 times normal", "other") == (
        "Liver: Your bilirubin is no more than 1.5 mg/dL. Your AST is less than 3 times normal."
    )


def test_simplify_running_text():
    text = "This study will evaluate pembrolizumab in patients with metastatic non-small cell lung cancer (PHQ-9 ≥ 10)."
    assert simplify(text) == (
        "This study will evaluate pembrolizumab in people with metastatic non-small cell lung cancer "
        "(depression questionnaire (PHQ-9) of at least 10)."
    )
    assert faithful.check(text, simplify(text)).ok


def test_explain_texts_summary_interventions_outcomes():
    t = Trial(nct_id="NCT00000001", brief_summary="Patients with hypertension receive lisinopril.",
              interventions=[Intervention(name="Lisinopril", description="10 mg orally once daily")],
              primary_outcomes=[Outcome(measure="Change in WOMAC pain score", time_frame="12 weeks")])
    out = explain_texts(t)
    assert out["summary"]["plain"] == "People with high blood pressure receive lisinopril."
    assert out["summary"]["faithful"]
    assert out["interventions"][0]["description"]["source"] == "10 mg orally once daily"
    assert out["outcomes"][0]["measure"]["faithful"]
    assert any(g["term"] == "WOMAC" for g in out["glossary"])


# -- the JSON shape on real records ------------------------------------------------------------------


def test_shape_and_real_output(loaded_db):
    from cleartrial.store import Store

    path, _ = loaded_db
    store = Store(path, readonly=True)
    try:
        rcc = explain_trial(store.get_trial("NCT00491738"))
        nhlbi = explain_trial(store.get_trial("NCT00005732"))
        pdq = explain_trial(store.get_trial("NCT00004186"))
    finally:
        store.close()
    assert rcc["nct_id"] == "NCT00491738" and rcc["engine"] == "rules"
    assert set(rcc["reading_level"]) >= {"source", "plain", "source_words", "plain_words"}
    assert rcc["reading_level"]["plain"] < rcc["reading_level"]["source"]
    shown = {c["source"]: c["plain"] for c in walk(rcc["criteria"])}
    assert shown["Age ≥ 18 years"] == "You can join if you are 18 or older."
    assert shown["Histologically confirmed metastatic RCC"] == (
        "You can join if you have metastatic kidney cancer (RCC) confirmed by a tissue test."
    )
    assert shown["ECOG performance status of 0 or 1"] == "You can join if your ECOG performance status is 0 or 1."
    for c in walk(rcc["criteria"]):
        assert set(c) >= {"section", "source", "plain", "faithful", "problems", "children"}
        assert c["section"] in ("inclusion", "exclusion", "other")
    assert [c["plain"] for c in nhlbi["criteria"]] == ["There are no rules for who can join."]
    assert [c["plain"] for c in pdq["criteria"]] == ["About the disease:", "About you:", "Prior and concurrent therapy:"]
    assert isinstance(rcc["failures"], int) and all({"term", "explanation"} <= set(g) for g in rcc["glossary"])


def test_no_text_lost_and_every_plain_checked_on_every_shared_record(loaded_db):
    from cleartrial.store import Store

    path, _ = loaded_db
    store = Store(path, readonly=True)
    n = shown_rewrites = 0
    try:
        for nct in store.iter_nct_ids():
            trial = store.get_trial(nct)
            text = trial.eligibility.criteria or ""
            result = explain_trial(trial)
            parsed = parse_criteria(text)
            n += 1
            # Every piece of the original text is in exactly one source, heading or marker.
            got = [x for c in walk(result["criteria"]) for x in (c["marker"] or "", c["source"])]
            want = [x for c in iter_criteria(parsed) for x in (c.marker or "", c.source)]
            assert got == want, nct
            assert result["headings"] == parsed.headings, nct
            assert _WS.sub("", "".join(pieces(parsed))) == _WS.sub("", text), nct
            assert faithful.check_structure(parsed, result["criteria"]).ok, nct
            failures = 0
            for c in walk(result["criteria"]):
                if c["faithful"]:
                    verdict = faithful.check(c["source"], c["plain"], section=c["section"])
                    framed = faithful.check(c["source"], c["plain"])
                    assert verdict.ok or framed.ok, (nct, c["source"], c["plain"])
                    shown_rewrites += c["plain"] != c["source"]
                else:
                    failures += 1
                    assert c["plain"] == c["source"] and c["problems"], (nct, c["source"])
            assert result["failures"] == failures
    finally:
        store.close()
    assert n > 6600 and shown_rewrites > 50000
