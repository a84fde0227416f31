"""API v2 JSON → Trial, checked field by field against real records of the shared sample."""

from __future__ import annotations

import json
import zipfile

import pytest

from cleartrial.errors import RecordError
from cleartrial.model import Age, PartialDate
from cleartrial.sources.ctgov_json import parse_age, parse_json_study, unescape_markdown


@pytest.fixture(scope="module")
def studies(json_zip):
    with zipfile.ZipFile(json_zip) as zf:
        return {n[:-5]: json.loads(zf.read(n)) for n in zf.namelist() if n.endswith(".json")}


def test_withdrawn_lung_cancer_trial_field_by_field(studies):
    t = parse_json_study(studies["NCT00576225"])
    assert t.nct_id == "NCT00576225"
    assert t.brief_title == "CT-2103/Carboplatin vs Paclitaxel/Carboplatin for NSCLC in Women With Estradiol > 25 pg/mL"
    assert t.official_title.startswith("Paclitaxel Poliglumex (CT-2103)/Carboplatin vs")
    assert t.overall_status == "WITHDRAWN"
    assert t.phases == ["PHASE3"]
    assert t.study_type == "INTERVENTIONAL"
    assert (t.enrollment_count, t.enrollment_type) == (0, "ACTUAL")
    assert t.start_date == PartialDate("2007-09", "ACTUAL")
    assert t.primary_completion_date == PartialDate("2010-04-05", "ACTUAL")
    assert t.first_posted == PartialDate("2007-12-19", "ESTIMATED")
    assert t.last_update_posted == PartialDate("2020-10-19", "ACTUAL")
    assert t.conditions == ["NSCLC"]
    assert t.keywords == ["NSCLC", "women", "CT-2103", "paclitaxel", "carboplatin"]
    assert t.design.allocation == "RANDOMIZED"
    assert t.design.intervention_model == "PARALLEL"
    assert t.design.masking == "NONE"
    assert t.design.primary_purpose == "TREATMENT"
    assert [(a.label, a.type, a.interventions) for a in t.arms] == [
        ("Experimental", "EXPERIMENTAL", ["CT-2103/carboplatin"]),
        ("Control", "ACTIVE_COMPARATOR", ["paclitaxel/carboplatin"]),
    ]
    assert t.interventions[0].type == "DRUG"
    assert t.interventions[0].arm_labels == ["Experimental"]
    assert "175 mg/m2 10 min IV infusion" in t.interventions[0].description
    e = t.eligibility
    assert (e.sex, e.minimum_age, e.maximum_age) == ("FEMALE", Age(18, "YEARS"), None)
    # Markdown escapes are removed: people must read "> 25", not "\>25".
    assert "baseline estradiol >25 pg/mL" in e.criteria
    assert "\\" not in e.criteria
    assert "Life expectancy ≥12 weeks" in e.criteria
    assert t.lead_sponsor.name == "CTI BioPharma" and t.lead_sponsor.agency_class == "INDUSTRY"
    assert len(t.sites) == 44
    s = t.sites[0]
    assert (s.facility, s.city, s.state, s.zip, s.country) == (
        "Scottsdale Medical Specialists", "Scottsdale", "Arizona", "85258", "United States"
    )
    assert (s.lat, s.lon) == (33.50921, -111.89903)
    assert t.primary_outcomes[0].measure == "Survival"
    assert t.primary_outcomes[0].time_frame == "up to 3 years post treatment"
    assert len(t.secondary_outcomes) == 1


def test_small_bikram_yoga_trial(studies):
    t = parse_json_study(studies["NCT00410098"])
    assert t.overall_status == "UNKNOWN" and t.last_known_status == "NOT_YET_RECRUITING"
    assert t.phases == ["NA"]
    assert t.eligibility.healthy_volunteers is True
    assert (t.eligibility.minimum_age, t.eligibility.maximum_age) == (Age(18, "YEARS"), Age(30, "YEARS"))
    assert t.eligibility.std_ages == ["ADULT"]
    assert t.mesh_conditions == ["Asthma"]
    assert "Bronchial Diseases" in t.mesh_condition_ancestors
    assert t.interventions[0].type == "BEHAVIORAL" and t.interventions[0].name == "Bikram Yoga"
    assert t.central_contacts[0].email == "avital@hadassah.org.il"
    assert t.overall_officials[0].role == "PRINCIPAL_INVESTIGATOR"
    assert t.eligibility.criteria.startswith("Inclusion Criteria:\n\n* controlled asthma")


def test_crossover_placebo_and_site_contacts(studies):
    t = parse_json_study(studies["NCT01738087"])
    assert t.design.intervention_model == "CROSSOVER"
    assert "PLACEBO_COMPARATOR" in [a.type for a in t.arms]
    t = parse_json_study(studies["NCT05209256"])
    assert "SHAM_COMPARATOR" in [a.type for a in t.arms]


def test_records_missing_whole_modules_still_load(studies):
    # Two real records have no statusModule, designModule or eligibilityModule.
    for nct in ("NCT00465816", "NCT03453554"):
        t = parse_json_study(studies[nct])
        assert t.nct_id == nct
        assert t.overall_status is None
        assert t.eligibility.sex == "ALL"
        assert t.eligibility.minimum_age is None and t.eligibility.maximum_age is None


def test_every_sample_study_parses_except_the_bad_id(studies):
    bad = {}
    for nct, obj in studies.items():
        try:
            parse_json_study(obj)
        except RecordError as exc:
            bad[nct] = str(exc)
    # NCT000001 is a real file whose nctId has 6 digits: it cannot be a registry id.
    assert list(bad) == ["NCT000001"]
    assert "NCT followed by 8 digits" in bad["NCT000001"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("18 Years", Age(18, "YEARS")),
        ("6 Months", Age(6, "MONTHS")),
        ("1 Year", Age(1, "YEARS")),
        ("28 Days", Age(28, "DAYS")),
        ("N/A", None),
        (None, None),
    ],
)
def test_parse_age(text, expected):
    assert parse_age(text) == expected


def test_parse_age_rejects_garbage():
    with pytest.raises(RecordError):
        parse_age("eighteen")


def test_unescape_markdown_keeps_plain_backslashes_meaning():
    assert unescape_markdown(r"HbA1c \>= 7.5% and \<10%") == "HbA1c >= 7.5% and <10%"
    assert unescape_markdown(r"\[see note\] 5\*2") == "[see note] 5*2"
    assert unescape_markdown("   ") is None


@pytest.mark.parametrize("obj,reason", [
    ([], "expected a JSON object"),
    ({"foo": 1}, "no protocolSection"),
    ({"protocolSection": {"identificationModule": {}}}, "not a ClinicalTrials.gov id"),
    ({"protocolSection": {"identificationModule": {"nctId": "NCT12345678"}, "designModule": "phase 2"}}, "unexpected structure"),
])
def test_broken_studies_raise_record_error(obj, reason):
    with pytest.raises(RecordError, match=reason):
        parse_json_study(obj)
