"""Questions for the doctor and the study team: tied to this trial's facts, never generic filler."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleartrial.explain import coordinator_questions, doctor_questions
from cleartrial.explain.questions import SECTIONS
from cleartrial.model import (
    Age,
    Arm,
    Contact,
    Design,
    Eligibility,
    Intervention,
    Outcome,
    PartialDate,
    Site,
    Sponsor,
    Trial,
)
from cleartrial.store import Store

CRITERIA = """Inclusion Criteria:

* Adults with moderate plaque psoriasis

Exclusion Criteria:

* Prior treatment with any anti-IL-17 medicine
* Pregnant or breastfeeding
"""


def full_trial(**kw) -> Trial:
    """A recruiting phase 3 placebo-controlled trial with every field the questions use."""
    base = dict(
        nct_id="NCT01234567",
        study_type="INTERVENTIONAL",
        overall_status="RECRUITING",
        phases=["PHASE3"],
        enrollment_count=300,
        enrollment_type="ESTIMATED",
        conditions=["Plaque Psoriasis"],
        design=Design(
            allocation="RANDOMIZED",
            intervention_model="PARALLEL",
            masking="DOUBLE",
            who_masked=["PARTICIPANT", "INVESTIGATOR"],
            primary_purpose="TREATMENT",
        ),  # fmt: skip
        arms=[
            Arm(label="Secukinumab", type="EXPERIMENTAL", interventions=["Secukinumab"]),
            Arm(label="Placebo", type="PLACEBO_COMPARATOR", interventions=["Placebo"]),
        ],
        interventions=[
            Intervention(type="BIOLOGICAL", name="Secukinumab", other_names=["Cosentyx"]),
            Intervention(type="DRUG", name="Placebo"),
        ],
        eligibility=Eligibility(criteria=CRITERIA, minimum_age=Age(18, "YEARS"), maximum_age=Age(75, "YEARS")),
        primary_outcomes=[Outcome("PASI 75 response", "Week 12")],
        secondary_outcomes=[Outcome("Skin biopsy thickness", "Week 52"), Outcome("Serum drug level", "Week 24")],
        lead_sponsor=Sponsor("Acme Pharma", "INDUSTRY"),
        sites=[
            Site(facility="City Hospital", city="Boston", country="United States"),
            Site(facility="Lake Clinic", city="Chicago", country="United States"),
        ],  # fmt: skip
        central_contacts=[Contact(name="Jane Roe", role="CONTACT", phone="555-0100")],
        start_date=PartialDate("2024-02", "ACTUAL"),
        primary_completion_date=PartialDate("2026-06", "ESTIMATED"),
    )
    base.update(kw)
    return Trial(**base)


def by_text(questions, needle: str):
    found = [q for q in questions if needle in q.text]
    assert found, f"no question contains {needle!r}: {[q.text for q in questions]}"
    return found[0]


# --- doctor -----------------------------------------------------------------------------------


def test_doctor_questions_name_this_trials_facts():
    qs = doctor_questions(full_trial())
    assert 6 <= len(qs) <= 10
    fit = by_text(qs, "good fit for my Plaque Psoriasis")
    assert fit.why == "The record lists the condition: \u201cPlaque Psoriasis\u201d."
    phase = by_text(qs, "phase 3")
    assert (
        phase.text == "This is a phase 3 trial: how does Secukinumab compare with the treatment I would get otherwise?"
    )
    assert "compares it with standard treatment" in phase.why
    assert (
        by_text(qs, "side effects of Secukinumab").why == "The record lists these treatments: \u201cSecukinumab\u201d."
    )
    placebo = by_text(qs, "If I get the placebo")
    assert placebo.why == "The record lists a placebo group: \u201cPlacebo\u201d."
    assert by_text(qs, "Could Secukinumab interact").why == "The record lists this medicine: \u201cSecukinumab\u201d."
    excl = by_text(qs, "cannot join include")
    assert "\u201cPrior treatment with any anti-IL-17 medicine\u201d" in excl.text
    assert excl.why.startswith("The record's exclusion criteria list 2 items")
    assert by_text(qs, "serious side effect").why.startswith("The record says you and the researchers will not be told")
    assert by_text(qs, "after the trial ends").why == "Measurements continue up to about 52 weeks."


def test_placebo_question_only_when_there_is_a_placebo():
    no_placebo = full_trial(
        arms=[Arm(label="Secukinumab", type="EXPERIMENTAL"), Arm(label="Methotrexate", type="ACTIVE_COMPARATOR")],
        interventions=[
            Intervention(type="BIOLOGICAL", name="Secukinumab"),
            Intervention(type="DRUG", name="Methotrexate"),
        ],
    )
    qs = doctor_questions(no_placebo)
    assert not any("placebo" in q.text.lower() for q in qs)
    comparator = by_text(qs, "If chance puts me in the \u201cMethotrexate\u201d group")
    assert "put into groups by chance" in comparator.why


def test_crossover_placebo_question():
    t = full_trial(design=Design(allocation="RANDOMIZED", intervention_model="CROSSOVER"))
    q = by_text(doctor_questions(t), "while I am on the placebo")
    assert (
        q.text
        == "Everyone gets each treatment in turn here: what happens to my Plaque Psoriasis while I am on the placebo?"
    )


def test_no_exclusion_section_no_exclusion_question():
    t = full_trial(eligibility=Eligibility(criteria="Adults with psoriasis.", minimum_age=Age(18, "YEARS")))
    assert not any("join" in q.text for q in doctor_questions(t))


def test_long_first_exclusion_item_is_not_cut():
    long_item = "Any of the following within 6 months: " + "heart attack, stroke, unstable angina, " * 5 + "or surgery"
    t = full_trial(eligibility=Eligibility(criteria=f"Exclusion Criteria:\n\n* {long_item}\n* Pregnant"))
    q = by_text(doctor_questions(t), "reasons the record gives for not joining")
    assert q.text == "Could any of the 2 reasons the record gives for not joining apply to me?"


def test_phase_questions_differ_by_phase():
    q1 = by_text(doctor_questions(full_trial(phases=["PHASE1"])), "phase 1").text
    q2 = by_text(doctor_questions(full_trial(phases=["PHASE2"])), "phase 2").text
    assert q1 == "This phase 1 trial mainly tests the safety and dose of Secukinumab: how likely is it to help me?"
    assert q2 == "This is a phase 2 trial: what early results make people think Secukinumab may work?"


def test_prevention_and_healthy_volunteer_wording():
    prevention = full_trial(
        design=Design(allocation="RANDOMIZED", primary_purpose="PREVENTION"), conditions=["Influenza"]
    )
    qs = doctor_questions(prevention)
    assert by_text(qs, "lowering the risk of Influenza")
    assert by_text(qs, "keep my risk of Influenza down")
    healthy = full_trial(
        conditions=["Healthy Volunteers"], eligibility=Eligibility(healthy_volunteers=True), phases=["PHASE1"]
    )
    texts = [q.text for q in doctor_questions(healthy)]
    assert "my Healthy" not in " ".join(texts)
    assert any(t.startswith("This study takes healthy volunteers") for t in texts)
    assert not any("after the trial ends" in t for t in texts)


def test_observational_doctor_questions():
    t = full_trial(study_type="OBSERVATIONAL", design=Design(time_perspective="PROSPECTIVE"), arms=[],
                   interventions=[Intervention(type="DRUG", name="Alectinib")])  # fmt: skip
    texts = [q.text for q in doctor_questions(t)]
    assert "Would taking part in this study change the usual care I get for Plaque Psoriasis?" in texts
    assert "The study looks at people who get Alectinib: does that match the care you plan for me?" in texts
    assert not any("side effects" in x or "placebo" in x for x in texts)


# --- coordinator ------------------------------------------------------------------------------


def test_coordinator_questions_name_this_trials_facts():
    qs = coordinator_questions(full_trial())
    assert 6 <= len(qs) <= 10
    assert (
        by_text(qs, "still places open").why == "The record says: Recruiting now; it plans to enroll about 300 people."
    )
    assert by_text(qs, "This study has 2 sites").why == "The record lists 2 sites in United States."
    length = by_text(qs, "how long would I take part in all")
    assert length.text.startswith("Measurements continue up to about 52 weeks:")
    assert "\u201cWeek 52\u201d" in length.why
    assert by_text(qs, "run by Acme Pharma").why == "The record names the lead sponsor: Acme Pharma (a company)."
    assert by_text(qs, "For the main measurement the record says \u201cWeek 12\u201d")
    tests = by_text(qs, "involve")
    assert tests.text == "What do the blood tests and biopsies involve, and how many of them will I have?"
    assert "\u201cSkin biopsy thickness\u201d" in tests.why and "\u201cSerum drug level\u201d" in tests.why
    call = by_text(qs, "should I call Jane Roe (555-0100)")
    assert call.why == "The record lists Jane Roe as a central contact for the study."
    assert by_text(qs, "entry rules with me, such as ages 18 to 75")
    assert by_text(qs, "leave the study at any time").why.startswith("The record says you will not be told")
    assert by_text(qs, "which group I was in").why.startswith("The study started in February 2024")


def test_coordinator_for_a_finished_study_without_sites_or_contacts():
    t = full_trial(
        overall_status="COMPLETED", sites=[], central_contacts=[], primary_outcomes=[], secondary_outcomes=[]
    )
    qs = coordinator_questions(t)
    assert (
        qs[0].text
        == "The record lists this study as \u201cfinished\u201d: is anyone still joining, or is there a similar study?"
    )
    assert by_text(qs, "no study locations").why == "The record lists no sites."
    assert by_text(qs, "where can I read its results")
    assert not any("call" in q.text for q in qs)
    assert not any("involve" in q.text for q in qs)


def test_never_says_someone_qualifies():
    for t in (full_trial(), full_trial(study_type="OBSERVATIONAL")):
        for q in doctor_questions(t) + coordinator_questions(t):
            assert not re.search(r"\b(you|I) (qualify|am eligible|are eligible)\b", q.text + " " + q.why, re.I)


# --- real records -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(loaded_db):
    store = Store(loaded_db[0], readonly=True)
    trials = {n: store.get_trial(n) for n in store.iter_nct_ids()}
    store.close()
    return trials


def test_real_placebo_trial(corpus):
    t = corpus["NCT02552212"]
    doctor = doctor_questions(t)
    assert by_text(doctor, "If I get the placebo").why == "The record lists a placebo group: \u201cPlacebo\u201d."
    assert by_text(doctor, "side effects of Certolizumab Pegol")
    coordinator = coordinator_questions(t)
    assert by_text(coordinator, "This study has 105 sites")
    assert by_text(coordinator, "The results are posted on ClinicalTrials.gov")


def test_real_recruiting_trial_names_central_contact(corpus):
    t = corpus["NCT05701787"]
    call = by_text(coordinator_questions(t), "should I call Xiaomin Niu")
    assert "central contact" in call.why
    assert by_text(coordinator_questions(t), "still places open").why.endswith("it plans to enroll about 500 people.")


def test_real_crossover_and_observational(corpus):
    cross = doctor_questions(corpus["NCT02753764"])
    assert by_text(cross, "Everyone gets each treatment in turn here")
    obs = doctor_questions(corpus["NCT04764188"])
    assert by_text(obs, "Since this study gives no treatment")
    assert not any("placebo" in q.text for q in obs)


def test_all_real_trials_get_questions_with_reasons(corpus):
    for t in corpus.values():
        doctor, coordinator = doctor_questions(t), coordinator_questions(t)  # each list once per trial
        assert len(doctor) <= 10 and len(coordinator) <= 10
        for q in doctor + coordinator:
            assert q.text.strip() and q.why.strip()
            assert q.section in SECTIONS, q
            assert all(f.strip() for f in q.facts), q


@pytest.fixture(scope="module")
def json_ids(corpus):
    # API v2 records carry full design, arms, outcomes and contacts; the oldest XML records
    # are a title and a condition, and sibling records can share every fact used here.
    return sorted(n for n, t in corpus.items() if t.provenance and t.provenance.source_format == "ctgov-json-v2")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_property_every_why_filled_and_trials_differ(data, corpus, json_ids):
    all_ids = sorted(corpus)
    one = corpus[data.draw(st.sampled_from(all_ids), label="any trial")]
    for q in doctor_questions(one) + coordinator_questions(one):
        assert q.why.strip(), q
    a, b = data.draw(st.lists(st.sampled_from(json_ids), min_size=2, max_size=2, unique=True), label="two trials")
    qa = [(q.text, q.why) for q in doctor_questions(corpus[a]) + coordinator_questions(corpus[a])]
    qb = [(q.text, q.why) for q in doctor_questions(corpus[b]) + coordinator_questions(corpus[b])]
    assert qa != qb
    assert {t for t, _ in qa} != {t for t, _ in qb}
