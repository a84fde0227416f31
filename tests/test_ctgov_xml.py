"""Legacy clinical_study XML → Trial, checked field by field against real records of the
shared AllPublicXML sample (each value below was read off the XML by hand), plus the whole
sample and the ways a record can be broken."""

from __future__ import annotations

import time
import zipfile

import pytest

from cleartrial.errors import RecordError
from cleartrial.model import (
    AGE_UNITS,
    INTERVENTION_TYPES,
    PHASES,
    SEXES,
    STATUSES,
    STUDY_TYPES,
    Age,
    Contact,
    PartialDate,
    Sponsor,
    Trial,
    to_dict,
)
from cleartrial.sources.ctgov_xml import parse_xml_study

SAMPLE_SIZE = 6506


def member(nct_id: str) -> str:
    return f"{nct_id[:7]}xxxx/{nct_id}.xml"


@pytest.fixture(scope="module")
def study(xml_zip):
    """study("NCT…") → the parsed Trial of that record in the shared zip."""
    zf = zipfile.ZipFile(xml_zip)

    def read(nct_id: str) -> Trial:
        return parse_xml_study(zf.read(member(nct_id)), origin=f"{xml_zip}!{member(nct_id)}")

    yield read
    zf.close()


# --- real records, field by field ------------------------------------------------------------


def test_oldest_record_with_free_text_design_and_phase_1_2(study):
    """NCT00000102: 2005 layout (study_design line, lastchanged/firstreceived dates, gender
    "Both"), Phase 1/Phase 2, no arms, one site without zip."""
    t = study("NCT00000102")
    assert t.nct_id == "NCT00000102"
    assert t.brief_title == "Congenital Adrenal Hyperplasia: Calcium Channels as Therapeutic Targets"
    assert t.official_title is None and t.acronym is None
    assert t.overall_status == "COMPLETED" and t.last_known_status is None and t.why_stopped is None
    assert t.phases == ["PHASE1", "PHASE2"]
    assert t.study_type == "INTERVENTIONAL"
    assert (t.enrollment_count, t.enrollment_type) == (None, None)
    assert t.start_date is None and t.completion_date is None and t.primary_completion_date is None
    assert t.first_posted == PartialDate("1999-11-03", None)  # firstreceived_date
    assert t.last_update_posted == PartialDate("2005-06-23", None)  # lastchanged_date
    assert t.last_update == "2005-06-23"
    # "Intervention Model:  Parallel Assignment, Masking:  Double-Blind, Primary Purpose:  Treatment"
    d = t.design
    assert (d.allocation, d.intervention_model, d.masking, d.who_masked, d.primary_purpose) == (
        None, "PARALLEL", "DOUBLE", [], "TREATMENT"
    )
    assert d.patient_registry is None
    assert t.conditions == ["Congenital Adrenal Hyperplasia"]
    assert t.keywords == []
    assert t.mesh_conditions == [
        "Adrenal Hyperplasia, Congenital", "Adrenogenital Syndrome", "Adrenocortical Hyperfunction", "Hyperplasia"
    ]
    assert t.mesh_condition_ancestors == []  # the XML has no ancestors
    assert t.mesh_interventions == ["Nifedipine"]
    assert t.brief_summary == (
        "This study will test the ability of extended release nifedipine (Procardia XL), a blood pressure "
        "medication, to permit a decrease in the dose of glucocorticoid medication children take to treat "
        "congenital adrenal hyperplasia (CAH)."
    )
    assert t.detailed_description.startswith("This protocol is designed to assess both acute and chronic effects")
    assert "dose-dependency of nifedipine effects. The goal of Phase II" in t.detailed_description  # 2 spaces → 1
    assert t.arms == []
    assert [(i.type, i.name, i.other_names, i.arm_labels, i.description) for i in t.interventions] == [
        ("DRUG", "Nifedipine", [], [], None)
    ]
    e = t.eligibility
    assert e.criteria == (
        "Inclusion Criteria:\n\n"
        "* diagnosed with Congenital Adrenal Hyperplasia (CAH)\n"
        "* normal ECG during baseline evaluation\n\n"
        "Exclusion Criteria:\n\n"
        "* history of liver disease, or elevated liver function tests\n"
        "* history of cardiovascular disease"
    )
    assert (e.sex, e.minimum_age, e.maximum_age) == ("ALL", Age(14, "YEARS"), Age(35, "YEARS"))
    assert e.healthy_volunteers is False and e.gender_based is None and e.study_population is None
    assert e.std_ages == ["CHILD", "ADULT"]
    assert t.lead_sponsor == Sponsor("National Center for Research Resources (NCRR)", "NIH")
    assert t.collaborators == []
    assert len(t.sites) == 1
    s = t.sites[0]
    assert (s.facility, s.city, s.state, s.zip, s.country, s.status) == (
        "Medical University of South Carolina", "Charleston", "South Carolina", None, "United States", None
    )
    assert (s.lat, s.lon, s.contacts) == (None, None, [])
    assert t.primary_outcomes == t.secondary_outcomes == t.other_outcomes == []
    assert t.central_contacts == t.overall_officials == []
    assert t.has_results is False
    assert t.provenance is None


def test_sites_with_contacts_investigators_and_quadruple_masking(study):
    """NCT00006205: 4 arms with 4 interventions, factorial, Quadruple masking, 2 recruiting
    sites each with contact, backup and two investigators, central contact + backup."""
    t = study("NCT00006205")
    assert t.brief_title == "Alcohol Dependency Study: Combining Medication Treatment for Alcoholism"
    assert t.official_title == "Combining Medications Treatment for Alcoholism"
    assert t.overall_status == "UNKNOWN" and t.last_known_status == "RECRUITING"
    assert t.phases == ["PHASE2"]
    assert (t.enrollment_count, t.enrollment_type) == (320, "ESTIMATED")  # type="Anticipated"
    assert t.start_date == PartialDate("2005-03", None)
    assert t.completion_date == PartialDate("2013-12", "ESTIMATED")
    assert t.primary_completion_date == PartialDate("2013-06", "ESTIMATED")
    assert t.first_posted == PartialDate("2000-09-12", "ESTIMATED")  # type="Estimate"
    assert t.last_update_posted == PartialDate("2013-03-15", "ESTIMATED")
    d = t.design
    assert (d.allocation, d.intervention_model, d.primary_purpose) == ("RANDOMIZED", "FACTORIAL", "TREATMENT")
    assert d.masking == "QUADRUPLE"
    assert d.who_masked == ["PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR"]
    assert t.conditions == ["Alcoholism"] and t.keywords == ["alcoholism", "alcohol addiction"]
    assert t.mesh_interventions == ["Topiramate", "Ondansetron"]
    assert [(a.label, a.type, a.description, a.interventions) for a in t.arms] == [
        ("Ondansetron", "EXPERIMENTAL", "Ondansetron + cognitive behavioral therapy",
         ["ondansetron + cognitive behavioral therapy"]),
        ("Topiramate", "EXPERIMENTAL", "Topiramate + cognitive behavioral therapy",
         ["topiramate + cognitive behavioral therapy"]),
        ("Placebo", "PLACEBO_COMPARATOR", "Placebo + cognitive behavioral therapy",
         ["Placebo + cognitive behavioral therapy"]),
        ("Ondansetron + Topiramate", "EXPERIMENTAL", "Ondansetron + Topiramate + cognitive behavioral therapy",
         ["ondansetron + topiramate + cognitive behavioral therapy"]),
    ]
    i = t.interventions[3]
    assert (i.type, i.name, i.other_names, i.arm_labels, i.description) == (
        "DRUG",
        "ondansetron + topiramate + cognitive behavioral therapy",
        ["zofran, topamax"],
        ["Ondansetron + Topiramate"],
        "ondansetron (4 mcg/kg b.i.d) + topiramate (up to 300 mg/day)",
    )
    assert t.primary_outcomes[0].measure.startswith("Self-report measures of alcohol-related problems")
    assert t.primary_outcomes[0].time_frame == "Throughout the study"
    assert t.primary_outcomes[0].description == "Drinks per drinking day, Drinks per day, Percent Days Abstinent, BAC, CDT, GGT"
    assert len(t.secondary_outcomes) == 1 and t.other_outcomes == []
    assert t.lead_sponsor == Sponsor("Bankole Johnson", "OTHER")
    assert t.collaborators == [Sponsor("National Institute on Alcohol Abuse and Alcoholism (NIAAA)", "NIH")]
    e = t.eligibility
    assert (e.minimum_age, e.maximum_age, e.sex, e.healthy_volunteers) == (Age(18, "YEARS"), None, "ALL", False)
    assert e.std_ages == ["ADULT", "OLDER_ADULT"]
    assert e.criteria.endswith("\n\nExclusion Criteria:\n\nPlease contact site for additional information")
    assert t.overall_officials == [
        Contact(name="Bankole Johnson, DSc, MD, PhD", role="PRINCIPAL_INVESTIGATOR", affiliation="University of Virginia")
    ]
    assert t.central_contacts == [
        Contact(name="Mindy Borszich", role="CONTACT", phone="1-888-882-2345", email="mcb3x@virginia.edu"),
        Contact(name="Eva Jenkins-Mendoza", role="CONTACT", phone="(434) 243-0562", email="emj9c@virginia.edu"),
    ]
    assert [(s.city, s.zip, s.status) for s in t.sites] == [
        ("Charlottesville", "22911", "RECRUITING"), ("Richmond", "23294", "RECRUITING")
    ]
    s = t.sites[0]
    assert (s.facility, s.state, s.country, s.lat, s.lon) == (
        "University of Virginia Center for Addiction Research and Education", "Virginia", "United States", None, None
    )
    assert s.contacts == [
        Contact(name="Mindy Borszich", role="CONTACT", phone="888-882-2345", email="mcb3x@virginia.edu"),
        Contact(name="Eva Jenkins-Mendoza", role="CONTACT", phone="(434)243-0562", email="emj9c@virginia.edu"),
        Contact(name="Bankole Johnson, DSc, MD, PhD", role="PRINCIPAL_INVESTIGATOR"),
        Contact(name="Nassima Ait-Daoud Tiouririne, MD", role="SUB_INVESTIGATOR"),
    ]
    assert t.has_results is False


def test_old_terminated_record_with_results_and_masked_roles_in_old_words(study):
    """NCT01101477: 2011 layout, study_design "Masking: Double Blind (Subject, Caregiver)",
    one intervention shared by three arms, why_stopped, results posted."""
    t = study("NCT01101477")
    assert t.overall_status == "TERMINATED"
    assert t.why_stopped == "Hypoxemia(SPaO2<80%) episodes occured significantly in the arm titration by 0.5ug/ml"
    assert t.phases == ["NA"]
    assert (t.enrollment_count, t.enrollment_type) == (144, "ACTUAL")
    assert t.start_date == PartialDate("2010-02", None)
    assert t.completion_date == PartialDate("2010-08", "ACTUAL")
    assert t.first_posted == PartialDate("2010-04-07", None)
    assert t.last_update_posted == PartialDate("2011-11-05", None)
    d = t.design
    assert (d.allocation, d.intervention_model, d.primary_purpose) == ("RANDOMIZED", "PARALLEL", "TREATMENT")
    assert (d.masking, d.who_masked) == ("DOUBLE", ["PARTICIPANT", "CARE_PROVIDER"])
    labels = [
        "Titration by target effect site concentration (Cet) 0.5μg/ml",
        "Titration by Cet 0.2μg/ml",
        "Titration by Cet 0.1μg/ml",
    ]
    assert [a.label for a in t.arms] == labels
    assert all(a.type == "ACTIVE_COMPARATOR" and a.interventions == ["TCI titration by different Cet."] for a in t.arms)
    (i,) = t.interventions
    assert (i.type, i.arm_labels) == ("PROCEDURE", labels)
    # Outside text blocks the author's own line breaks are real: kept, as \n.
    assert i.description.startswith("Induction:\nAfter topical xylocaine and alfentanil 5μg/kg iv 1 minute before")
    assert i.description.endswith("Oxyhemoglobin saturation is less than 90 %\nwith any duration.")
    assert t.primary_outcomes[0].description == (
        "Hypoxemia is defined as:\nOxyhemoglobin saturation (SPO2) is less than 90 % with any duration"
    )
    assert [o.time_frame for o in t.secondary_outcomes] == [
        "after bronchosocpy", "after bronchoscopy", "After bronchoscopy", "After recovery"
    ]
    assert t.detailed_description.count("\n\n") == 2  # three paragraphs
    assert t.eligibility.criteria.startswith(
        "Inclusion Criteria:\n\n* Adult patients (18 years old or more) required elective flexible bronchoscopy "
        "and sedation.\n\nExclusion Criteria:\n\n* American Society of Anesthesiologists"
    )
    assert t.keywords == ["Target-controlled infusion,", "bronchoscopy,", "sedation,", "propofol"]
    assert t.mesh_conditions == [] and t.mesh_interventions == ["Propofol"]
    assert t.overall_officials == [
        Contact(
            name="Ting-Yu Lin, MD",
            role="PRINCIPAL_INVESTIGATOR",
            affiliation="Department of Thoracic Medicine, Chang Gung Memorial hospital",
        )
    ]
    s = t.sites[0]
    assert (s.facility, s.city, s.state, s.zip, s.country) == (
        "Department of Thoracic Medicine, Chang Gung Memorial Hospital", "Taoyuan", None, "33305", "Taiwan"
    )
    assert t.has_results is True


def test_observational_patient_registry(study):
    """NCT00499941: "Observational [Patient Registry]", study population, no age limits,
    accepts healthy volunteers."""
    t = study("NCT00499941")
    assert t.study_type == "OBSERVATIONAL" and t.design.patient_registry is True
    assert t.phases == []
    assert (t.design.observational_model, t.design.time_perspective) == ("OTHER", "OTHER")
    assert t.design.allocation is None and t.design.masking is None
    assert (t.enrollment_count, t.enrollment_type) == (6655, "ACTUAL")
    e = t.eligibility
    assert e.study_population == (
        "Individuals of all ages who are diagnosed with severe alpha-1 antitrypsin deficiency or the carrier state"
    )
    assert e.criteria == (
        "Inclusion Criteria:\n\n* Individuals of all ages who are diagnosed with severe alpha-1 antitrypsin "
        "deficiency or the carrier state"
    )
    assert (e.minimum_age, e.maximum_age, e.healthy_volunteers) == (None, None, True)
    assert e.std_ages == ["CHILD", "ADULT", "OLDER_ADULT"]
    assert t.primary_outcomes[0].time_frame == "Not limited"
    assert t.collaborators == [Sponsor("Alpha-1 Foundation", "OTHER")]


def test_other_vocabulary_seen_in_the_sample(study):
    assert study("NCT00494806").phases == ["EARLY_PHASE1"]
    assert study("NCT00008216").design.patient_registry is True
    plain_observational = study("NCT00000104")
    assert plain_observational.study_type == "OBSERVATIONAL" and plain_observational.design.patient_registry is False
    expanded = study("NCT00499720")
    assert (expanded.study_type, expanded.overall_status) == ("EXPANDED_ACCESS", "APPROVED_FOR_MARKETING")
    assert study("NCT00495066").overall_status == "NO_LONGER_AVAILABLE"
    gender = study("NCT00004418").eligibility
    assert gender.gender_based is True and gender.gender_description


# --- the whole sample -------------------------------------------------------------------------


@pytest.mark.slow
def test_every_record_of_the_sample_parses(xml_zip, capsys):
    """All 6,506 records read without error, each value in the model's vocabulary, and the
    speed is reported (a loose bound only: CI machines vary)."""
    errors = []
    parsed = with_results = linked_arms = 0
    parse_seconds = 0.0
    with zipfile.ZipFile(xml_zip) as zf:
        for name in zf.namelist():
            if not name.endswith(".xml"):
                continue
            data = zf.read(name)
            start = time.perf_counter()
            try:
                t = parse_xml_study(data, origin=name)
            except RecordError as exc:
                errors.append(f"{name}: {exc}")
                continue
            finally:
                parse_seconds += time.perf_counter() - start
            parsed += 1
            with_results += t.has_results
            linked_arms += sum(bool(a.interventions) for a in t.arms)
            _check_vocabulary(name, t)
    assert errors == []
    assert parsed == SAMPLE_SIZE
    with capsys.disabled():
        print(
            f"\nctgov_xml: {parsed} records parsed in {parse_seconds:.2f} s = "
            f"{parsed / parse_seconds:.0f} records/s ({parse_seconds / parsed * 1000:.2f} ms each)"
        )
    assert parse_seconds / parsed < 0.010, "more than 10 ms a record: something got very slow"
    assert with_results == 361
    # Arms that some intervention names (found from the intervention side, as the XML links them).
    assert linked_arms == 2568


_ARM_TYPES = {"EXPERIMENTAL", "ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION", "OTHER"}


def _check_vocabulary(name: str, t: Trial) -> None:
    assert name.endswith(f"/{t.nct_id}.xml")
    assert t.overall_status in STATUSES, name
    assert t.last_known_status in (None, *STATUSES), name
    assert set(t.phases) <= set(PHASES), name
    assert t.study_type in STUDY_TYPES, name
    assert t.eligibility.sex in SEXES, name
    for age in (t.eligibility.minimum_age, t.eligibility.maximum_age):
        assert age is None or age.unit in AGE_UNITS, name
    assert {i.type for i in t.interventions} <= set(INTERVENTION_TYPES), name
    assert {a.type for a in t.arms} <= _ARM_TYPES | {None}, name
    assert {s.status for s in t.sites} <= {None, *STATUSES}, name
    assert t.first_posted is not None and t.last_update_posted is not None, name
    for date in (t.start_date, t.completion_date, t.primary_completion_date, t.first_posted):
        assert date is None or (len(date.date) in (7, 10) and date.type in (None, "ACTUAL", "ESTIMATED")), name
    # No Windows line ends or surrounding blanks survive anywhere in the record.
    for value in _strings(to_dict(t)):
        assert "\r" not in value and value == value.strip(), (name, value[:80])


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


# --- broken records -----------------------------------------------------------------------------

MINIMAL = b"""<?xml version="1.0" encoding="UTF-8"?>
<clinical_study>
  <id_info><nct_id>%s</nct_id></id_info>
  <brief_title>Minimal</brief_title>
  %s
</clinical_study>"""


def minimal(nct_id: str = "NCT01234567", extra: str = "") -> bytes:
    return MINIMAL % (nct_id.encode(), extra.encode())


def test_minimal_record_gives_empty_values_not_errors():
    t = parse_xml_study(minimal())
    assert (t.nct_id, t.brief_title) == ("NCT01234567", "Minimal")
    assert t.overall_status is None and t.phases == [] and t.sites == []
    assert t.eligibility.sex == "ALL" and t.eligibility.std_ages == []
    assert t.lead_sponsor is None and t.has_results is False


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info>", "not well-formed XML"),
        (b"", "not well-formed XML"),
        (b"\x89PNG\r\n\x1a\n", "not well-formed XML"),
        (b"<study><id_info><nct_id>NCT01234567</nct_id></id_info></study>", "root element is <study>"),
        (b"<clinical_study><brief_title>x</brief_title></clinical_study>", "no id_info/nct_id"),
        (b"<clinical_study><id_info><nct_id> </nct_id></id_info></clinical_study>", "no id_info/nct_id"),
        (minimal("NCT1234"), "'NCT1234' is not a ClinicalTrials.gov id"),
        (minimal("nct01234567"), "is not a ClinicalTrials.gov id"),
        (minimal("NCT012345678"), "is not a ClinicalTrials.gov id"),
    ],
)
def test_unusable_records_are_rejected_with_a_reason(data, reason):
    with pytest.raises(RecordError, match=reason):
        parse_xml_study(data)


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("<start_date>Sometime 2020</start_date>", r"NCT01234567: start_date 'Sometime 2020' is not a date"),
        ("<start_date>February 30x, 2020</start_date>", "is not a date"),
        ("<enrollment>about 40</enrollment>", "enrollment 'about 40' is not a number"),
        ("<eligibility><minimum_age>18 Yeers</minimum_age></eligibility>", "minimum_age '18 Yeers' is not an age"),
    ],
)
def test_values_we_would_have_to_guess_are_rejected(extra, reason):
    with pytest.raises(RecordError, match=reason):
        parse_xml_study(minimal(extra=extra))


def test_unknown_labels_are_upper_snake_cased_not_rejected():
    t = parse_xml_study(
        minimal(
            extra="""
            <overall_status>Some New Status</overall_status>
            <phase>Phase 5</phase>
            <study_type>Expanded Access</study_type>
            <study_design_info>
              <allocation>Quasi-Randomized</allocation>
              <intervention_model>Adaptive Platform Assignment</intervention_model>
              <primary_purpose>Device Feasibility</primary_purpose>
              <masking>Sextuple (Participant, Statistician)</masking>
            </study_design_info>
            <intervention><intervention_type>Cell Therapy</intervention_type><intervention_name>X</intervention_name></intervention>
            <sponsors><lead_sponsor><agency>A</agency><agency_class>Other Gov</agency_class></lead_sponsor></sponsors>
            """
        )
    )
    assert t.overall_status == "SOME_NEW_STATUS"
    assert t.phases == ["PHASE5"]
    assert t.study_type == "EXPANDED_ACCESS" and t.design.patient_registry is None
    d = t.design
    assert (d.allocation, d.intervention_model, d.primary_purpose) == (
        "QUASI_RANDOMIZED", "ADAPTIVE_PLATFORM_ASSIGNMENT", "DEVICE_FEASIBILITY"
    )
    assert (d.masking, d.who_masked) == ("SEXTUPLE", ["PARTICIPANT", "STATISTICIAN"])
    assert t.interventions[0].type == "CELL_THERAPY"
    assert t.lead_sponsor == Sponsor("A", "OTHER_GOV")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Phase 1/Phase 2", ["PHASE1", "PHASE2"]),
        ("Phase 2/Phase 3", ["PHASE2", "PHASE3"]),
        ("Early Phase 1", ["EARLY_PHASE1"]),
        ("N/A", ["NA"]),
        ("Phase 4", ["PHASE4"]),
    ],
)
def test_phase_labels(label, expected):
    assert parse_xml_study(minimal(extra=f"<phase>{label}</phase>")).phases == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Allocation:  Randomized, Endpoint Classification:  Safety/Efficacy Study, Intervention Model:  "
            "Parallel Assignment, Masking:  Double Blind (Subject, Caregiver, Investigator, Outcomes Assessor), "
            "Primary Purpose:  Treatment",
            ("RANDOMIZED", "PARALLEL", "DOUBLE", ["PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR"], "TREATMENT"),
        ),
        (
            "Allocation:  Non-Randomized, Masking:  Open Label, Primary Purpose:  Supportive Care",
            ("NON_RANDOMIZED", None, "NONE", [], "SUPPORTIVE_CARE"),
        ),
        ("Observational Model:  Cohort, Time Perspective:  Prospective", (None, None, None, [], None)),
        ("a line nobody can read", (None, None, None, [], None)),
        ("", (None, None, None, [], None)),
    ],
)
def test_old_free_text_study_design(line, expected):
    d = parse_xml_study(minimal(extra=f"<study_design>{line}</study_design>")).design
    assert (d.allocation, d.intervention_model, d.masking, d.who_masked, d.primary_purpose) == expected


def test_old_observational_design_line():
    d = parse_xml_study(
        minimal(extra="<study_design>Observational Model:  Case Control, Time Perspective:  Cross-Sectional</study_design>")
    ).design
    assert (d.observational_model, d.time_perspective) == ("CASE_CONTROL", "CROSS_SECTIONAL")


def test_dates_ages_and_flags():
    t = parse_xml_study(
        minimal(
            extra="""
            <start_date type="Actual">February 15, 2023</start_date>
            <completion_date type="Anticipated">Feb 2024</completion_date>
            <primary_completion_date>2023-12-01</primary_completion_date>
            <enrollment type="Estimate">12</enrollment>
            <eligibility>
              <gender>Female</gender><gender_based>Yes</gender_based>
              <gender_description>women
 only</gender_description>
              <minimum_age>6 Months</minimum_age><maximum_age>1 Year</maximum_age>
              <healthy_volunteers>No</healthy_volunteers>
            </eligibility>
            """
        )
    )
    assert t.start_date == PartialDate("2023-02-15", "ACTUAL")
    assert t.completion_date == PartialDate("2024-02", "ESTIMATED")
    assert t.primary_completion_date == PartialDate("2023-12-01", None)
    assert (t.enrollment_count, t.enrollment_type) == (12, "ESTIMATED")
    e = t.eligibility
    assert (e.sex, e.gender_based, e.gender_description) == ("FEMALE", True, "women\n only")
    assert (e.minimum_age, e.maximum_age) == (Age(6, "MONTHS"), Age(1, "YEARS"))
    assert e.healthy_volunteers is False and e.std_ages == ["CHILD"]


@pytest.mark.parametrize(
    ("extra", "has_results"),
    [
        ("<clinical_results>\n  <baseline/>\n</clinical_results>", True),
        # Tag text in comments must neither fake results nor break the byte-level shortcut.
        ("<!-- <clinical_results> and </clinical_results> -->", False),
        ("<!-- <clinical_results> --><clinical_results><baseline/></clinical_results>", True),
        ("<clinical_results><baseline/></clinical_results><!-- </clinical_results> -->", True),
        ("<keyword><![CDATA[<clinical_results>]]></keyword>", False),
        ("<!-- Results have not yet been posted for this study -->", False),
    ],
)
def test_results_section_detection(extra, has_results):
    assert parse_xml_study(minimal(extra=extra)).has_results is has_results


def test_record_round_trips_through_the_store_dict(study):
    t = study("NCT00006205")
    assert Trial.from_dict(to_dict(t)) == t
