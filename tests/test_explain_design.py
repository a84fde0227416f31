"""The design in plain words: hand-built trials for each case, then real shared records."""

from __future__ import annotations

import re

import pytest

from cleartrial.explain import design_facts, placebo_chance, study_dates, study_length, what_is_tested
from cleartrial.explain.timeframes import _normalise as normalise, parse_time_frame
from cleartrial.model import Arm, Design, Intervention, Outcome, PartialDate, Trial
from cleartrial.store import Store


def make_trial(**kw) -> Trial:
    kw.setdefault("study_type", "INTERVENTIONAL")
    return Trial(nct_id="NCT01234567", **kw)


def placebo_trial(n_active: int = 1, **kw) -> Trial:
    arms = [Arm(label=f"Drug X dose {i + 1}", type="EXPERIMENTAL", interventions=["Drug X"]) for i in range(n_active)]
    arms.append(Arm(label="Placebo", type="PLACEBO_COMPARATOR", interventions=["Placebo"]))
    kw.setdefault("design", Design(allocation="RANDOMIZED", intervention_model="PARALLEL", masking="DOUBLE",
                                   who_masked=["PARTICIPANT", "CARE_PROVIDER"]))  # fmt: skip
    return make_trial(
        arms=arms,
        interventions=[Intervention(type="DRUG", name="Drug X"), Intervention(type="DRUG", name="Placebo")],
        **kw,
    )


def texts(facts) -> list[str]:
    return [f.text for f in facts]


# --- design_facts -----------------------------------------------------------------------------


def test_randomized_double_blind_with_placebo_group():
    facts = design_facts(placebo_trial(n_active=2))
    assert texts(facts) == [
        "People are put into groups by chance (randomized), like a coin toss.",
        "Each group gets its own treatment, side by side, and people stay in their group (parallel).",
        "Neither you nor your doctors will know which treatment you get (double-blind).",
        "One of the 3 groups gets a placebo \u2014 a dummy treatment with no active drug.",
    ]
    assert facts[0].source == "allocation: RANDOMIZED"
    assert facts[2].source == "masking: DOUBLE (PARTICIPANT, CARE_PROVIDER)"
    assert facts[3].source == "Arm \u201cPlacebo\u201d (PLACEBO_COMPARATOR)"


def test_no_placebo_means_no_placebo_fact_and_no_chance():
    t = make_trial(
        design=Design(allocation="RANDOMIZED", intervention_model="PARALLEL", masking="NONE"),
        arms=[Arm(label="A", type="EXPERIMENTAL"), Arm(label="B", type="ACTIVE_COMPARATOR")],
    )
    assert not any("placebo" in f.text for f in design_facts(t))
    assert "You and your doctors will know which treatment you get (open-label)." in texts(design_facts(t))
    assert placebo_chance(t) is None


@pytest.mark.parametrize(
    ("masking", "who", "expected"),
    [
        ("NONE", [], "You and your doctors will know which treatment you get (open-label)."),
        ("SINGLE", ["PARTICIPANT"], "You will not know which treatment you get (single-blind)."),
        (
            "SINGLE",
            ["OUTCOMES_ASSESSOR"],
            "The people who measure the results will not know which treatment you get, but you are not kept from knowing (single-blind).",
        ),
        (
            "DOUBLE",
            ["PARTICIPANT", "CARE_PROVIDER"],
            "Neither you nor your doctors will know which treatment you get (double-blind).",
        ),
        (
            "DOUBLE",
            ["PARTICIPANT", "INVESTIGATOR"],
            "Neither you nor the researchers will know which treatment you get (double-blind).",
        ),
        (
            "DOUBLE",
            [],
            "Some of the people involved will not be told which treatment each person gets (double-blind); the record does not say who.",
        ),
        (
            "QUADRUPLE",
            ["PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR"],
            "You will not know which treatment you get, and neither will your doctors, the researchers and "
            "the people who measure the results (quadruple-blind).",
        ),
    ],
)
def test_masking_says_exactly_who_is_masked(masking, who, expected):
    t = make_trial(design=Design(masking=masking, who_masked=who))
    assert texts(design_facts(t)) == [expected]


def test_single_group_and_contradictory_single_group():
    one = make_trial(design=Design(allocation="NA", intervention_model="SINGLE_GROUP"), arms=[Arm(label="X")])
    assert texts(design_facts(one)) == ["Everyone gets the same treatment (single group)."]
    # The record says single group but lists two arms: no "same treatment" claim.
    two = make_trial(design=Design(intervention_model="SINGLE_GROUP"), arms=[Arm(label="X"), Arm(label="Y")])
    assert design_facts(two) == []


def test_crossover_with_placebo_everyone_gets_it():
    t = placebo_trial(design=Design(allocation="RANDOMIZED", intervention_model="CROSSOVER", masking="NONE"))
    assert "Everyone gets each treatment in turn, in an assigned order (crossover)." in texts(design_facts(t))
    assert any("in a crossover, everyone gets it for part of the study" in x for x in texts(design_facts(t)))
    chance = placebo_chance(t)
    assert chance is not None
    assert (
        chance.text
        == "Everyone gets each treatment in turn, so you would get the placebo for part of the study (crossover)."
    )


def test_factorial_and_sequential_and_sham():
    t = make_trial(
        design=Design(allocation="RANDOMIZED", intervention_model="FACTORIAL"),
        arms=[
            Arm(label="Real stimulation", type="EXPERIMENTAL"),
            Arm(label="Sham stimulation", type="SHAM_COMPARATOR"),
        ],
    )
    out = texts(design_facts(t))
    assert any("(factorial)" in x for x in out)
    assert (
        "One of the 2 groups gets a sham \u2014 a pretend version made to look like the real treatment, without its active part."
        in out
    )
    seq = make_trial(design=Design(intervention_model="SEQUENTIAL"))
    assert any("(sequential)" in x for x in texts(design_facts(seq)))


def test_placebo_group_that_also_gets_other_treatment_says_so():
    t = make_trial(
        design=Design(allocation="RANDOMIZED"),
        arms=[
            Arm(label="Drug X + docetaxel", type="EXPERIMENTAL", interventions=["Drug X", "Docetaxel"]),
            Arm(label="Placebo + docetaxel", type="PLACEBO_COMPARATOR", interventions=["Placebo", "Docetaxel"]),
        ],
    )
    assert "That group also gets: Docetaxel." in texts(design_facts(t))[-1]


def test_observational_study():
    t = make_trial(
        study_type="OBSERVATIONAL",
        design=Design(observational_model="COHORT", time_perspective="PROSPECTIVE", patient_registry=True),
    )
    assert texts(design_facts(t)) == [
        "Researchers observe; the study does not assign a treatment.",
        "It follows a group of people over time (cohort).",
        "It collects new information going forward (prospective).",
        "It is a patient registry: a list of people with a condition, kept to learn more over time.",
    ]
    assert placebo_chance(t) is None


def test_old_record_without_design_gets_no_invented_facts():
    assert design_facts(make_trial()) == []


# --- placebo_chance ---------------------------------------------------------------------------


def test_no_ratio_stated_never_claims_equal_odds():
    fact = placebo_chance(placebo_trial(n_active=2))
    assert fact is not None
    assert fact.text == "1 of the 3 groups gets a placebo. The record does not say how many people go into each group."
    assert "chance" not in fact.text and "1 in 3" not in fact.text


def test_ratio_mapped_onto_drug_and_placebo():
    t = placebo_trial(
        brief_summary="Patients are randomized 2:1 to receive Drug X or placebo for 12 weeks. Visits are monthly."
    )
    fact = placebo_chance(t)
    assert fact is not None
    assert fact.text == "There is about a 1 in 3 chance of getting the placebo."
    assert fact.source == "\u201cPatients are randomized 2:1 to receive Drug X or placebo for 12 weeks.\u201d"


def test_ratio_with_placebo_named_first_and_labelled_ratio():
    first = placebo_trial(brief_summary="Participants are randomized to placebo or Drug X in a 1:3 ratio.")
    assert placebo_chance(first).text == "There is about a 1 in 4 chance of getting the placebo."
    labelled = placebo_trial(detailed_description="Randomization is 3:1 (active:placebo) at each site.")
    assert placebo_chance(labelled).text == "There is about a 1 in 4 chance of getting the placebo."


def test_even_ratio_over_all_groups():
    t = placebo_trial(
        n_active=2, design=Design(allocation="RANDOMIZED", intervention_model_description="Randomized 1:1:1.")
    )
    assert placebo_chance(t).text == "There is about a 1 in 3 chance of getting the placebo."


def test_uneven_ratio_that_does_not_map_only_warns():
    t = placebo_trial(brief_summary="Patients are randomized in a 2:1 ratio to arm 1 and arm 2.")
    fact = placebo_chance(t)
    assert (
        fact.text
        == "1 of the 2 groups gets a placebo. The record mentions a 2:1 split, so the groups may not be the same size."
    )


def test_two_different_ratios_are_not_trusted():
    t = placebo_trial(
        brief_summary="Part A randomizes 3:1 to Drug X or placebo. Part B randomizes 1:1 to Drug X or placebo."
    )
    assert "chance" not in placebo_chance(t).text


def test_ratio_of_people_not_allocation_is_ignored():
    t = placebo_trial(
        brief_summary="The female to male ratio of 3:1 reflects the disease. Participants get Drug X or placebo."
    )
    assert placebo_chance(t).text.startswith("1 of the 2 groups gets a placebo.")


def test_non_randomized_placebo_has_no_odds():
    t = placebo_trial(design=Design(allocation="NON_RANDOMIZED"))
    assert placebo_chance(t) is None


def test_double_dummy_arms_are_not_counted_as_placebo_groups():
    t = make_trial(
        design=Design(allocation="RANDOMIZED"),
        arms=[
            Arm(label="A + placebo for B", type="EXPERIMENTAL"),
            Arm(label="B + placebo for A", type="ACTIVE_COMPARATOR"),
        ],
    )
    assert placebo_chance(t) is None
    assert not any("groups gets a placebo" in x for x in texts(design_facts(t)))


# --- time frames and study_length ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "words"),
    [
        ("Week 52", "duration", "52 weeks"),
        ("up to 12 months", "duration", "12 months"),
        ("Baseline to 24 weeks", "duration", "24 weeks"),
        ("5 years", "duration", "5 years"),
        ("Baseline, 3, 6, and 12 months", "duration", "12 months"),
        ("Day 1 to Day 28", "duration", "28 days"),
        ("Twelve Weeks", "duration", "12 weeks"),
        ("From randomization until progression or death, assessed up to 100 months", "duration", "100 months"),
        ("From screening to end of treatment visit (max 110 weeks)", "duration", "110 weeks"),
        ("2 years post-transplant", "duration", "2 years"),
        ("Baseline", "point", None),
        ("until disease progression", "event", None),
        ("Up to 30 days after the last dose", "event", None),
        ("6 months after treatment", "event", None),
        ("Through study completion, an average of 32 weeks", "event", None),
        ("every 3 months", "event", None),
        ("study months 0-30 (phase A), 30-42 (phase B), 42-54 (phase C)", "event", None),
        ("Up to 24 weeks following 48 or 72 weeks of therapy", "event", None),
        ("2008 - 2009", "event", None),
        ("18-22 months corrected age", "event", None),
    ],
)
def test_time_frames_are_read_conservatively(text, kind, words):
    frame = parse_time_frame(text)
    assert frame.kind == kind
    assert frame.words == words


def test_study_length_takes_the_longest_and_quotes_it():
    t = make_trial(
        primary_outcomes=[Outcome("HbA1c change", "Baseline to Week 26")],
        secondary_outcomes=[Outcome("Weight", "Week 52"), Outcome("Safety", "Baseline")],
    )
    fact = study_length(t)
    assert fact.text == "Measurements continue up to about 52 weeks."
    assert fact.source == "Time frame of \u201cWeight\u201d: \u201cWeek 52\u201d"


def test_study_length_warns_when_some_frames_follow_events():
    t = make_trial(primary_outcomes=[Outcome("OS", "Up to 5 years"), Outcome("AEs", "Up to 30 days after last dose")])
    fact = study_length(t)
    assert fact.text.startswith("Measurements continue up to about 5 years, but some are tied to events instead")
    assert "\u201cUp to 30 days after last dose\u201d" in fact.text and fact.text.endswith(
        "so taking part may last longer."
    )


def test_study_length_none_when_nothing_readable():
    assert study_length(make_trial(primary_outcomes=[Outcome("PFS", "until progression")])) is None
    assert study_length(make_trial()) is None


# --- study_dates ------------------------------------------------------------------------------


def test_study_dates_actual_and_estimated():
    t = make_trial(
        start_date=PartialDate("2021-03", "ACTUAL"), primary_completion_date=PartialDate("2025-12", "ESTIMATED")
    )
    fact = study_dates(t)
    assert (
        fact.text
        == "The study started in March 2021 and expects to collect its main results by December 2025 (estimated)."
    )
    assert fact.source == "start_date: 2021-03 (ACTUAL); primary_completion_date: 2025-12 (ESTIMATED)"


def test_study_dates_keep_the_day_and_flag_stale_records():
    t = make_trial(
        overall_status="UNKNOWN",
        start_date=PartialDate("2017-11-25", "ACTUAL"),
        primary_completion_date=PartialDate("2019-05", "ESTIMATED"),
        last_update_posted=PartialDate("2019-01-04"),
    )
    assert study_dates(t).text == (
        "The study started on November 25, 2017 and expects to collect its main results by May 2019 (estimated). "
        "The record was last updated on January 4, 2019, so these dates may be out of date."
    )


def test_study_dates_withdrawn_and_missing():
    t = make_trial(overall_status="WITHDRAWN", start_date=PartialDate("2024-01", "ESTIMATED"))
    assert study_dates(t).text == "The study was withdrawn before it started (it had planned to start in January 2024)."
    assert study_dates(make_trial()) is None


# --- what_is_tested ---------------------------------------------------------------------------


def test_what_is_tested_names_types_and_flags_placebo():
    t = make_trial(
        interventions=[
            Intervention(type="BIOLOGICAL", name="pembrolizumab", other_names=["Keytruda", "MK-3475"]),
            Intervention(type="BEHAVIORAL", name="Walking program"),
            Intervention(type="DRUG", name="Matching placebo tablets"),
            Intervention(type="DEVICE", name="Sham stimulation"),
        ]
    )
    assert texts(what_is_tested(t)) == [
        "Biological (a medicine made from living cells): pembrolizumab (also called Keytruda, MK-3475).",
        "Behavioral (a program or change in habits): Walking program.",
        "Drug: Matching placebo tablets \u2014 a placebo: a dummy treatment with no active drug.",
        "Device: Sham stimulation \u2014 a sham: a pretend version made to look like the real treatment, without its active part.",
    ]
    assert (
        what_is_tested(t)[0].source
        == "Intervention: BIOLOGICAL: \u201cpembrolizumab\u201d; other names: \u201cKeytruda\u201d, \u201cMK-3475\u201d"
    )


def test_what_is_tested_keeps_count_of_many_other_names():
    t = make_trial(interventions=[Intervention(type="DRUG", name="Psoralen", other_names=list("ABCDEF"))])
    assert what_is_tested(t)[0].text == "Drug: Psoralen (also called A, B, C, D and 2 other names)."


# --- real records -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(loaded_db):
    s = Store(loaded_db[0], readonly=True)
    yield s
    s.close()


def test_real_placebo_trial_without_ratio(store):
    t = store.get_trial("NCT02552212")  # certolizumab pegol vs placebo, API v2 JSON
    assert "One of the 2 groups gets a placebo \u2014 a dummy treatment with no active drug." in texts(design_facts(t))
    assert (
        placebo_chance(t).text
        == "1 of the 2 groups gets a placebo. The record does not say how many people go into each group."
    )
    length = study_length(t)
    assert length.text.startswith("Measurements continue up to about 60 weeks")
    assert "Week 60" in length.source
    assert (
        study_dates(t).text
        == "The study started in September 2015 and finished collecting its main results in May 2018."
    )


def test_real_stated_ratios(store):
    json_trial = store.get_trial("NCT05925803")  # "randomized in a 1:1 ratio to either anifrolumab or matching placebo"
    fact = placebo_chance(json_trial)
    assert fact.text == "There is about a 1 in 2 chance of getting the placebo."
    assert "1:1 ratio to either anifrolumab or matching placebo" in fact.source
    xml_trial = store.get_trial(
        "NCT00001034"
    )  # "randomized in a 2:1 ratio to receive either oral ganciclovir or placebo"
    assert placebo_chance(xml_trial).text == "There is about a 1 in 3 chance of getting the placebo."
    by_arm = store.get_trial("NCT00008385")  # "randomized in a 1:2 ratio to arm I and arm II", arm I is placebo
    assert placebo_chance(by_arm).text == "There is about a 1 in 3 chance of getting the placebo."


def test_real_crossover_with_placebo(store):
    t = store.get_trial("NCT02753764")
    assert "Everyone gets each treatment in turn, in an assigned order (crossover)." in texts(design_facts(t))
    assert placebo_chance(t).text.startswith("Everyone gets each treatment in turn, so you would get the placebo")


def test_real_observational_study(store):
    t = store.get_trial("NCT04764188")
    assert texts(design_facts(t))[:2] == [
        "Researchers observe; the study does not assign a treatment.",
        "It follows a group of people over time (cohort).",
    ]
    assert placebo_chance(t) is None
    assert what_is_tested(t)[0].text == "Drug: Alectinib (an observational study does not assign it)."


@pytest.mark.slow
def test_whole_corpus_explains_without_errors_and_keeps_numbers(store):
    n = placebo = lengths = ratios = 0
    for nct_id in store.iter_nct_ids():
        t = store.get_trial(nct_id)
        n += 1
        for fact in design_facts(t) + what_is_tested(t):
            assert fact.text.strip()
        chance = placebo_chance(t)
        if chance is not None:
            placebo += 1
            assert chance.source
            if "chance of getting" in chance.text:
                ratios += 1
                assert re.search(r"\d+\s*:\s*\d+", chance.source)  # the ratio is quoted
        length = study_length(t)
        if length is not None:
            lengths += 1
            number = re.search(r"up to about ([\d.]+) (\w+)", length.text)
            assert number, length.text
            # The number shown is in the quoted time frame (as digits, or as a number word there).
            assert re.search(rf"(?<![\d.]){re.escape(number.group(1))}(?![\d])", normalise(length.source)), length
        study_dates(t)
    assert n > 6000
    assert placebo > 100 and lengths > 1000 and ratios >= 10
