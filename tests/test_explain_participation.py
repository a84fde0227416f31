"""Participation facts (explain/participation.py) on real records and on the wording that must not fire,
and the questions' dependence on them."""

from __future__ import annotations

import re

import pytest

from cleartrial.explain import (
    coordinator_questions,
    doctor_questions,
    participation_facts,
)
from cleartrial.explain.participation import KIND_GROUP
from cleartrial.model import (
    Arm,
    Design,
    Eligibility,
    Intervention,
    Outcome,
    Site,
    Sponsor,
    Trial,
)
from cleartrial.store import Store

# A source is a field ("Masking: DOUBLE …", "Outcome measure: …") or the record's own sentence.
FIELD = re.compile(r"^(?:Allocation|Intervention model|Masking|Phase|Enrollment|Locations|Lead sponsor|"
                   r"Outcome time frame|Outcome measure|Intervention|Arm \u201c)|^\u201c")  # fmt: skip


@pytest.fixture(scope="module")
def corpus(loaded_db):
    with Store(loaded_db[0], readonly=True) as store:
        return {n: store.get_trial(n) for n in store.iter_nct_ids()}


def facts_of(trial) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in participation_facts(trial):
        out.setdefault(f.kind, []).append(f)
    return out


def record_text(t: Trial) -> str:
    """Every free text of a record, whitespace made single spaces, to find a source sentence in."""
    texts = [t.brief_summary, t.detailed_description, t.design.intervention_model_description, t.eligibility.criteria]
    texts += [a.description for a in t.arms] + [i.description for i in t.interventions]
    return "\n".join(" ".join((x or "").split()) for x in texts)


# --- real records --------------------------------------------------------------------------------


def test_crossover_with_washout(corpus):
    f = facts_of(corpus["NCT02753764"])  # AZD7624 or placebo in two blocks, 1 month apart
    assert f["crossover"][0].source_text == "Intervention model: CROSSOVER"
    assert f["crossover"][0].value == "Everyone gets each treatment in turn, in an assigned order (crossover)."
    assert "for part of the study" in f["placebo"][0].value
    washout = f["washout"][0]
    assert "1 month wash-out period" in washout.source_text and "(1 month is mentioned)" in washout.value
    assert "bronchoscopy" in f["endoscopy"][0].source_text
    assert "ratio" not in f  # a crossover has no odds of a group


def test_two_to_one_randomization(corpus):
    f = facts_of(corpus["NCT00002160"])  # an old record: no design fields, the ratio is in the description
    assert f["randomization"][0].source_text.startswith("Patients are randomized to receive SNX-111 or placebo")
    ratio = f["ratio"][0]
    assert ratio.value == ("About 2 in 3 chance of getting the treatment being tested, and about 1 in 3 of getting "
                           "the placebo.")  # fmt: skip
    assert "weighted 2:1 in favor of SNX-111" in ratio.source_text


def test_one_to_one_ratio_and_a_stated_total_length(corpus):
    f = facts_of(corpus["NCT05925803"])  # anifrolumab or placebo, 1:1
    assert f["ratio"][0].value.startswith("About 1 in 2 chance of getting the treatment being tested")
    assert f["visits"][0].value == "The record mentions a total of 16 study visits."
    # Four periods in one sentence: the treatment period is named as one of them, not the whole study.
    assert f["treatment_length"][0].value == ("The record describes a treatment period of 52 weeks, among other "
                                              "parts of the study.")  # fmt: skip
    assert f["follow_up"][0].value == "Follow-up lasts 12 weeks."
    assert "stable dose" in f["keep_medicines"][0].source_text


def test_placebo_and_sham(corpus):
    placebo = facts_of(corpus["NCT05809934"])["placebo"][0]
    assert placebo.value.startswith("One of the 3 groups gets a placebo")
    assert placebo.source_text.startswith("Arm \u201c")
    sham = facts_of(corpus["NCT05850520"])  # aflibercept eye injections against a sham
    assert sham["placebo"][0].value.startswith("The study uses a sham \u2014 a pretend version")
    assert sham["total_length"][0].value == "Taking part lasts up to 64 weeks."
    assert sham["total_length"][0].source_text == "Each participant will be in the study for up to 64 weeks."
    assert sham["visit_frequency"][0].value == "Visits approximately every 4 weeks."
    assert "injection into the eye" in sham["injections"][0].source_text


def test_single_group_without_placebo(corpus):
    f = facts_of(corpus["NCT01562210"])  # olaparib dose escalation, one arm, open label
    assert f["single_group"][0].value == "Everyone gets the same treatment (single group)."
    assert f["blinding"][0].value == "You and your doctors will know which treatment you get (open-label)."
    assert not {"placebo", "ratio", "crossover", "randomization"} & set(f)
    qs = doctor_questions(corpus["NCT01562210"])
    assert not any("placebo" in q.text for q in qs)


def test_missing_data_gives_few_facts_and_no_guesses(corpus):
    sparse = corpus["NCT00000340"]  # a one-sentence summary, no arms, no time frames, enrollment 0
    assert set(facts_of(sparse)) == {"phase", "sponsor"}
    assert participation_facts(Trial(nct_id="NCT01234567")) == []
    # A retrospective study reads old records: nobody visits or is tested.
    assert not {KIND_GROUP[k] for k in facts_of(corpus["NCT00001159"])} & {"time", "visits", "procedures", "medicines"}


def test_every_source_is_the_records_own_words(corpus):
    """Over all 6,679 trials: each sentence source (each piece, where cut with "…") is in the record."""
    checked = 0
    for t in corpus.values():
        text = None
        for f in participation_facts(t):
            assert f.kind in KIND_GROUP and f.value.strip() and f.source_text.strip(), (t.nct_id, f)
            if FIELD.match(f.source_text):
                continue
            text = text if text is not None else record_text(t)
            for piece in f.source_text.split("\u2026"):
                assert piece.strip() in text, (t.nct_id, f.kind, piece)
            checked += 1
    assert checked > 5000


def test_values_never_say_someone_qualifies(corpus):
    for t in list(corpus.values())[::7]:
        for f in participation_facts(t):
            assert not re.search(r"\b(?:you|I)\s+(?:qualify|are\s+eligible|can\s+join)\b", f.value, re.I), f


# --- wording that must not become a fact -------------------------------------------------------------


def described(text: str, **kw) -> dict[str, list]:
    return facts_of(Trial(nct_id="NCT01234567", study_type="INTERVENTIONAL", detailed_description=text, **kw))


@pytest.mark.parametrize(("text", "kind"), [
    ("After a median follow-up of 5 years, survival was similar.", "follow_up"),
    ("Outcomes are compared at the 6- and 12-month follow-up.", "follow_up"),
    ("Patients are followed every 3 months for 2 years, then every 6 months for 3 years.", "follow_up"),
    ("AMENDED: the dosing period of 52 weeks will be extended to 104 weeks.", "treatment_length"),
    ("Response is measured after 12 weeks of treatment.", "treatment_length"),
    ("Patients with biopsy-proven disease are eligible.", "biopsies"),
    ("Radiation therapy uses high-energy x-rays to damage tumor cells.", "x_rays"),
    ("Patients with compensated cirrhosis are studied.", "compensation"),
    ("The outcome is the number of emergency department visits, 4 visits on average.", "visits"),
    ("Blood collection is done during the week 0 and 8 visits.", "visits"),
    ("Patients may have to be admitted to the hospital if they develop fever.", "overnight_stays"),
    ("Previous randomized trials have shown a benefit.", "randomization"),
    ("The study will last 3 years.", "total_length"),
])  # fmt: skip
def test_wording_that_gives_no_fact(text, kind):
    assert kind not in described(text)


def test_caps_and_conditions_are_kept():
    f = described("Treatment continues for 6 months in the absence of disease progression or unacceptable toxicity.")
    assert f["treatment_length"][0].value == ("The treatment period lasts 6 months, and it stops sooner if the illness "
                                              "gets worse or side effects are too strong.")  # fmt: skip
    f = described("Patients are followed for 5 years or until death.")
    assert f["follow_up"][0].value == "Follow-up lasts up to 5 years (it may end sooner)."
    f = described("Patients are followed for 12 months after the last dose.")
    assert f["follow_up"][0].value == "Follow-up lasts 12 months after the last dose."
    f = described("Courses repeat every 28 days for up to 6 courses in the absence of disease progression.")
    assert f["treatment_cycles"][0].value == ("Treatment is given in rounds (cycles) that repeat every 28 days, for "
                                              "up to 6 courses, and it stops sooner if the illness gets worse.")  # fmt: skip
    f = described("Patients are followed every 3 months for 1 year and then every 6 months for 2 years.")
    assert f["visit_frequency"][0].value == "Check-ups every 3 months at first; the record says the timing changes later."


def test_visits_and_remote_visits_keep_the_records_numbers():
    f = described("Participants will have 15 in-person clinic visits and 8 virtual visits over 25 months.")
    assert f["visits"][0].value == "The record mentions 15 in-person clinic visits."
    assert f["remote_visits"][0].value == "The record mentions 8 virtual visits."


def test_a_long_sentence_is_cut_around_the_match_and_marked():
    filler = "The investigators describe the background of the disease in some detail here. " * 0
    sentence = ("Patients " + "who meet several long conditions described elsewhere, " * 12
                + "will undergo a lumbar puncture at baseline" + ", with further conditions" * 12 + ".")
    f = described(filler + sentence)["lumbar_puncture"][0]
    assert "lumbar puncture" in f.source_text and f.source_text.startswith("\u2026 ") and f.source_text.endswith(" \u2026")
    assert len(f.source_text) < len(sentence)


# --- questions rest on the facts -----------------------------------------------------------------------


def base(**kw) -> Trial:
    values = dict(
        nct_id="NCT01234567", study_type="INTERVENTIONAL", overall_status="RECRUITING", phases=["PHASE2"],
        conditions=["Lupus"], enrollment_count=80, enrollment_type="ESTIMATED",
        design=Design(allocation="RANDOMIZED", intervention_model="PARALLEL", masking="NONE"),
        arms=[Arm(label="Drug X", type="EXPERIMENTAL"), Arm(label="Usual care", type="ACTIVE_COMPARATOR")],
        interventions=[Intervention(type="DRUG", name="Drug X")],
        eligibility=Eligibility(criteria="Inclusion Criteria:\n\n* Lupus\n\nExclusion Criteria:\n\n* Pregnancy"),
        primary_outcomes=[Outcome("Flares", "Week 24")], lead_sponsor=Sponsor("Acme", "INDUSTRY"),
        sites=[Site(facility="City Hospital", city="Boston", country="United States")],
    )  # fmt: skip
    values.update(kw)
    return Trial(**values)


def test_medicine_change_question_only_with_the_fact():
    plain = doctor_questions(base())
    assert not any("steroid" in q.text for q in plain)
    sentence = "Prednisone will be tapered starting two weeks after the second infusion."
    qs = doctor_questions(base(detailed_description=sentence))
    q = next(q for q in qs if "steroid" in q.text)
    assert q.text.startswith("The study lowers steroid doses step by step (a taper): is that safe for me")
    assert q.facts == [sentence] and q.section == "involves"
    risky = next(q for q in doctor_questions(base(detailed_description="Patients undergo a kidney biopsy at week 24."))
                 if "risky" in q.text)  # fmt: skip
    assert risky.text.startswith("The study involves biopsies:") and risky.facts == ["Patients undergo a kidney biopsy at week 24."]


def test_visit_question_names_the_visits_or_falls_back():
    fallback = next(q for q in coordinator_questions(base()) if "how often" in q.text)
    assert fallback.text == "The study runs at one site (City Hospital, Boston): how often would I need to go there?"
    assert fallback.section == "where" and fallback.facts == ["Locations: 1 (City Hospital, Boston, United States)"]
    sentence = "Participants will have 12 clinic visits and 4 telephone calls."
    q = coordinator_questions(base(detailed_description=sentence))[1]
    assert q.text == ("The record mentions 12 clinic visits: how long does each take, and which of them could be done "
                      "by phone or video?")  # fmt: skip
    assert q.facts == [sentence, sentence] and q.section == "involves"


def test_length_and_money_questions_use_the_stated_facts():
    text = ("Each participant will be in the study for about 6 months. "
            "Participants will be compensated for their time and travel.")  # fmt: skip
    qs = coordinator_questions(base(detailed_description=text))
    length = next(q for q in qs if q.text.startswith("Taking part lasts"))
    assert length.text == "Taking part lasts about 6 months: what happens in that time, and is there any follow-up after it?"
    assert length.facts == ["Each participant will be in the study for about 6 months."]
    money = next(q for q in qs if "money" in q.text)
    assert money.facts == ["Participants will be compensated for their time and travel."] and money.section == "involves"
    # Without the sentences: the sponsor question and the time frames, as before.
    plain = coordinator_questions(base())
    assert any(q.text.startswith("The study is run by Acme") and q.section == "runs" for q in plain)
    assert not any(q.text.startswith("Taking part lasts") for q in plain)


def test_every_question_names_a_section_and_real_trials_cite_facts(corpus):
    t = corpus["NCT05850520"]
    facts = participation_facts(t)
    doctor, coordinator = doctor_questions(t, facts), coordinator_questions(t, facts)
    assert sum(bool(q.facts) for q in doctor) >= 3 and sum(bool(q.facts) for q in coordinator) >= 3
    sources = {f.source_text for f in facts}
    procedures = next(q for q in coordinator if "involve" in q.text)
    assert procedures.text.startswith("What do the injections, blood tests, urine tests")
    assert set(procedures.facts) <= sources
    assert any(q.text.startswith("The study has rules about birth control") for q in doctor)
