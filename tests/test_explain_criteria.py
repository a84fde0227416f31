"""The eligibility criteria parser: real record shapes, headings and markers, and the promise
that no text is ever lost (on every shared record and on random text)."""

from __future__ import annotations

import re
import zipfile

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleartrial.explain.criteria import (
    Criterion,
    ParsedCriteria,
    iter_criteria,
    parse_criteria,
    pieces,
)
from cleartrial.sources.ctgov_json import parse_json_study
from cleartrial.sources.ctgov_xml import parse_xml_study

_WS = re.compile(r"\s+")


def kept(text: str | None, p: ParsedCriteria) -> bool:
    """The invariant: headings + markers + sources, in document order, are the input's
    non-whitespace characters in order."""
    return _WS.sub("", "".join(pieces(p))) == _WS.sub("", text or "")


def tree(c: Criterion) -> tuple:
    """A compact, comparable picture of one criterion and its children."""
    return (c.section, c.kind, c.marker, c.source, [tree(ch) for ch in c.children])


def sources(cs: list[Criterion]) -> list[str]:
    return [c.source for c in cs]


@pytest.fixture(scope="module")
def criteria_of(json_zip, xml_zip):
    """Criteria text of one shared record, read straight from the zips (fast: no database)."""
    jz, xz = zipfile.ZipFile(json_zip), zipfile.ZipFile(xml_zip)

    def get(nct: str) -> str:
        try:
            return parse_json_study(orjson.loads(jz.read(f"{nct}.json"))).eligibility.criteria
        except KeyError:
            return parse_xml_study(xz.read(f"{nct[:7]}xxxx/{nct}.xml")).eligibility.criteria

    yield get
    jz.close()
    xz.close()


# --- real record shapes ------------------------------------------------------------------------


def test_json_numbered_lists_and_inline_options(criteria_of):
    # API v2 Markdown: "Inclusion Criteria:" / "1. …"; item 4 runs its options into one line.
    text = criteria_of("NCT00576225")
    p = parse_criteria(text)
    assert kept(text, p)
    assert p.structure == "both_sections"
    assert p.headings == ["Inclusion Criteria:", "Exclusion Criteria:"]
    inc = [c for c in p.criteria if c.section == "inclusion"]
    exc = [c for c in p.criteria if c.section == "exclusion"]
    assert [c.marker for c in inc] == [f"{i}." for i in range(1, 10)]
    assert len(exc) == 16 and exc[-1].source == "Pregnant women or nursing mothers."
    four = inc[3]
    assert four.kind == "group"  # "one of the following … (1) … (2) … or (3) …"
    assert [c.marker for c in four.children] == ["(1)", "(2)", "(3)"]
    assert four.children[2].source == "Stage IV disease."


def test_json_nested_by_indentation_and_marker_change(criteria_of):
    # "5. … the following criteria:" then "   a) …:" then "   * Hemoglobin …" (indented).
    text = criteria_of("NCT04691388")
    p = parse_criteria(text)
    assert kept(text, p)
    five = p.criteria[4]
    assert five.marker == "5." and five.source.endswith("within 7 days before treatment:")
    a = five.children[0]
    assert a.marker == "a)" and a.source.startswith("Blood routine examination")
    assert a.children[0].marker == "*" and a.children[0].source.startswith("Hemoglobin (HB) ≥9g/dL")


def test_xml_pdq_blocks_with_labels(criteria_of):
    # NCI PDQ layout: CAPS block, then "Label:" paragraphs, each owning its bullets.
    text = criteria_of("NCT00002822")
    p = parse_criteria(text)
    assert kept(text, p)
    assert p.structure == "no_sections" and p.headings == []
    assert sources(p.criteria) == ["DISEASE CHARACTERISTICS:", "PATIENT CHARACTERISTICS:", "PRIOR CONCURRENT THERAPY:"]
    disease = p.criteria[0]
    assert disease.children[0].source == "Microscopically proven small cell lung cancer"
    assert sources(disease.children[0].children) == [
        "Diagnosis based on bronchial, mediastinal, pleural, lung, or lymph node biopsy, sputum cytology, "
        "or bronchial brushing or fine needle aspirate cytology",
        "No pleural fluid cytology",
    ]
    patient = p.criteria[1]
    assert sources(patient.children)[:3] == ["Age:", "Performance status:", "Hematopoietic:"]
    assert sources(patient.children[2].children) == ["WBC more than 3,000", "ANC more than 1,500", "Platelets more than 100,000"]


def test_xml_pdq_run_on_paragraph_split_at_labels(criteria_of):
    # The same layout without line breaks: "PATIENT CHARACTERISTICS: Age: 15 and over
    # Performance status: ECOG 0-2 …" — split at each sub-label, never inside "Not specified".
    text = criteria_of("NCT00003250")
    p = parse_criteria(text)
    assert kept(text, p)
    patient = p.criteria[1]
    assert patient.source == "PATIENT CHARACTERISTICS:"
    got = sources(patient.children)
    assert got[:3] == ["Age: 15 and over", "Performance status: ECOG 0-2", "Life expectancy: At least 12 weeks"]
    assert "Pulmonary: Not specified" in got
    assert any(s.startswith("Other: Not pregnant or nursing") for s in got)


def test_xml_aids_trial_lead_ins_set_their_own_section(criteria_of):
    # Old AIDS-trial layout: under "Inclusion Criteria", "Allowed:" lists are not requirements
    # (section "other") and "Required:" lists are; under "Exclusion Criteria" lists are excluded.
    text = criteria_of("NCT00002191")
    p = parse_criteria(text)
    assert kept(text, p)
    assert p.headings == ["Inclusion Criteria", "Exclusion Criteria"]
    conmed = p.criteria[0]
    assert conmed.source == "Concurrent Medication:" and conmed.section == "inclusion"
    required, allowed, must = conmed.children
    assert (required.source, required.section) == ("Required:", "inclusion")
    assert (allowed.source, allowed.section) == ("Allowed:", "other")
    assert {c.section for c in allowed.children} == {"other"}
    assert must.source == "Patients must have:" and len(must.children) == 5
    coexisting = p.criteria[1]
    assert coexisting.section == "exclusion"
    assert coexisting.children[0].source == "Patients with the following symptoms or conditions are excluded:"
    assert len(coexisting.children[0].children) == 8


def test_sub_headings_keep_their_section_notes_groups_and_or(criteria_of):
    text = criteria_of("NCT00000662")
    p = parse_criteria(text)
    assert kept(text, p)
    # Sub-headings that name a group of people keep the section they are in.
    assert p.headings[1] == "Criteria for children 3 months to less than 15 months of age:"
    assert {c.section for c in p.criteria[: p.heading_positions[3]]} == {"inclusion"}
    assert {c.section for c in p.criteria[p.heading_positions[3] :]} == {"exclusion"}
    notes = [c for c in iter_criteria(p) if c.kind == "note"]
    assert notes and notes[0].source == "Note:" and notes[0].children[0].source.startswith("In general, abnormal values")
    two_of = next(c for c in iter_criteria(p) if c.source == "Patients must meet two of the following criteria:")
    assert two_of.kind == "group" and len(two_of.children) == 2
    ors = [c for c in p.criteria if c.source == "OR"]
    assert ors and all(c.kind == "text" for c in ors)


def test_inline_numbered_items_after_heading_are_siblings(criteria_of):
    # "Inclusion Criteria:-" then "(1) … (2) … (8) …" on one line: eight criteria, not one.
    text = criteria_of("NCT00497653")
    p = parse_criteria(text)
    assert kept(text, p)
    assert p.headings == ["Inclusion Criteria:-", "Exclusion Criteria: -"]
    inc = [c for c in p.criteria if c.section == "inclusion"]
    assert [c.marker for c in inc] == [f"({i})" for i in range(1, 9)]
    assert inc[6].source == "Signed, witnessed informed consent."


def test_either_group_with_inline_options(criteria_of):
    text = criteria_of("NCT00001103")
    p = parse_criteria(text)
    assert kept(text, p)
    either = next(c for c in p.criteria if c.source == "Are either:")
    assert either.kind == "group" and either.section == "inclusion"
    assert [c.marker for c in either.children] == ["1)", "2)", "3)"]


def test_dotted_numbering_nests_by_depth(criteria_of):
    text = criteria_of("NCT00004857")
    p = parse_criteria(text)
    assert kept(text, p)
    one = p.criteria[0]
    assert (one.marker, one.source) == ("1.", "Specific Diagnosis of B-Cell CLL")
    sub = one.children[0]
    assert sub.marker == "1.1" and [c.marker for c in sub.children] == ["1.1.1", "1.1.2", "1.1.3"]
    assert one.children[1].marker == "1.2" and one.children[1].source == "Staging"


def test_no_criteria_and_contact_site_are_prose(criteria_of):
    for nct, text in (("NCT00005254", "No eligibility criteria"), ("NCT00000237", "Please contact site for information.")):
        p = parse_criteria(criteria_of(nct))
        assert p.structure == "no_sections"
        assert [tree(c) for c in p.criteria] == [("other", "text", None, text, [])]


def test_paragraph_per_criterion_without_headings(criteria_of):
    text = criteria_of("NCT00001886")
    p = parse_criteria(text)
    assert kept(text, p)
    assert p.structure == "no_sections" and len(p.criteria) == 10
    assert all(c.kind == "item" and c.section == "other" for c in p.criteria)
    assert p.criteria[2].source == "No unstable angina."


# --- headings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, section, rest",
    [
        ("Inclusion Criteria:", "inclusion", ""),
        ("Key Inclusion Criteria", "inclusion", ""),
        ("INCLUSION CRITERIA", "inclusion", ""),
        ("* INCLUSION CRITERIA:", "inclusion", ""),
        ("Exclusion criteria include:", "exclusion", ""),
        ("Criteria for exclusion", "exclusion", ""),
        ("Key Exclusion Criteria:", "exclusion", ""),
        ("EXCLUSION CRITERIA - DONOR:", "exclusion", ""),
        ("Exclusion Criteria for medical history and comorbidities:", "exclusion", ""),
        ("Inclusion Criteria: none", "inclusion", "none"),
        ("Inclusion:", "inclusion", ""),
        ("INCLUSION/EXCLUSION CRITERIA:", "other", ""),
        ("Study population", "other", ""),
        ("Eligibility Criteria:", "other", ""),
    ],
)
def test_headings(line, section, rest):
    text = f"{line}\n\n* first criterion"
    p = parse_criteria(text)
    assert kept(text, p)
    heading = line[: len(line) - len(rest)].strip()
    assert p.headings == [heading]
    assert sources(p.criteria) == ([rest] if rest else []) + ["first criterion"]
    assert {c.section for c in p.criteria} == {section}


@pytest.mark.parametrize(
    "line",
    [
        "Patients not meeting inclusion criteria are excluded.",
        "Other protocol-defined inclusion/exclusion criteria may apply",
        "Failure to meet inclusion criteria.",
        "Inclusion criteria are assessed at the screening visit by the investigator",
    ],
)
def test_sentences_about_criteria_are_not_headings(line):
    p = parse_criteria(line)
    assert p.headings == [] and sources(p.criteria) == [line]


def test_heading_with_nothing_after_it_is_kept_in_place():
    text = "Inclusion Criteria:\n\n* adults\n\nExclusion Criteria:\n"
    p = parse_criteria(text)
    assert p.headings == ["Inclusion Criteria:", "Exclusion Criteria:"]
    assert p.heading_positions == [0, 1]
    assert list(pieces(p)) == ["Inclusion Criteria:", "*", "adults", "Exclusion Criteria:"]
    assert p.structure == "both_sections"


# --- markers and nesting ---------------------------------------------------------------------


def test_marker_styles_and_nesting():
    text = "Inclusion Criteria:\n1. Adequate organ function:\n   * ANC ≥ 1,500/mm3\n   * Platelets ≥ 100,000/mm3\n2. Consent\n"
    p = parse_criteria(text)
    assert kept(text, p)
    first, second = p.criteria
    assert first.marker == "1." and sources(first.children) == ["ANC ≥ 1,500/mm3", "Platelets ≥ 100,000/mm3"]
    assert (second.marker, second.children) == ("2.", [])


def test_each_marker_style_change_opens_a_sub_list():
    # No indentation at all: only the change of style tells that these are nested.
    text = "2) numbered\n• bullet\n· middle dot\n(a) letter in brackets\nii) roman\n"
    p = parse_criteria(text)
    assert kept(text, p)
    chain = []
    node = p.criteria[0]
    while True:
        chain.append(node.marker)
        if not node.children:
            break
        node = node.children[0]
    assert chain == ["2)", "•", "·", "(a)", "ii)"]


def test_marker_type_change_returns_to_the_outer_list():
    # "1. x / * sub / * sub / 2. y": the bullets belong to 1., and 2. is 1.'s sibling.
    text = "1. Lab values:\n* ANC\n* Platelets\n2. Consent"
    p = parse_criteria(text)
    assert [(c.marker, sources(c.children)) for c in p.criteria] == [("1.", ["ANC", "Platelets"]), ("2.", [])]


def test_letter_i_after_h_is_a_letter_and_after_nothing_a_roman():
    p = parse_criteria("g. seven\nh. eight\ni. nine\nj. ten")
    assert [c.marker for c in p.criteria] == ["g.", "h.", "i.", "j."]  # one list of siblings
    p = parse_criteria("1. item\n   i. first\n   ii. second")
    assert [c.marker for c in p.criteria[0].children] == ["i.", "ii."]


def test_numbers_and_abbreviations_are_not_markers():
    for line in ("2.5 mg/kg daily", "e.g. surgery", "-Over 18", "U.S. residents"):
        p = parse_criteria(line)
        assert [c.marker for c in p.criteria] == [None], line


def test_notes_and_continuations():
    text = "* Adults over 18\n  who can consent\n  Note: guardians may sign\n* Note: see protocol\nNote: last"
    p = parse_criteria(text)
    assert kept(text, p)
    first, second, third = p.criteria
    assert first.source == "Adults over 18\nwho can consent"  # the wrapped rest of the item
    assert [tree(c) for c in first.children] == [("other", "note", None, "Note: guardians may sign", [])]
    assert (second.kind, second.marker) == ("note", "*")
    assert (third.kind, third.marker) == ("note", None)


def test_one_of_the_following_group():
    text = "Exclusion Criteria:\n* Any of the following within 6 months:\n  * stroke\n  * heart attack"
    p = parse_criteria(text)
    g = p.criteria[0]
    assert g.kind == "group" and g.section == "exclusion" and sources(g.children) == ["stroke", "heart attack"]


def test_lead_in_paragraph_owns_the_list_after_it():
    text = "Inclusion Criteria:\n\nPatients must have:\n\n* diabetes\n* HbA1c ≥ 7%\n\nExclusion Criteria:\n\n* pregnancy"
    p = parse_criteria(text)
    lead = p.criteria[0]
    assert lead.source == "Patients must have:" and sources(lead.children) == ["diabetes", "HbA1c ≥ 7%"]
    assert p.criteria[1].section == "exclusion"


def test_empty_and_none():
    for text in (None, "", "   \n\n  "):
        p = parse_criteria(text)
        assert (p.criteria, p.headings, p.structure) == ([], [], "no_sections")
    p = parse_criteria("Inclusion Criteria:\n\n*\n\nExclusion Criteria:\n\n-")
    assert kept("Inclusion Criteria:*Exclusion Criteria:-", p)
    assert [(c.marker, c.source, c.kind) for c in p.criteria] == [("*", "", "text"), ("-", "", "text")]


def test_iter_criteria_is_depth_first():
    p = parse_criteria("* a\n  * b\n    * c\n  * d\n* e")
    assert [c.source for c in iter_criteria(p)] == ["a", "b", "c", "d", "e"]


# --- never lose text ------------------------------------------------------------------------------

# Random text built from the pieces that steer the parser (markers, headings, colons, notes,
# indentation, inline numbers) mixed with arbitrary characters.
_TOKENS = st.sampled_from(
    [
        "* ",
        "- ",
        "• ",
        "· ",
        "1. ",
        "2) ",
        "(3) ",
        "a) ",
        "(b) ",
        "ii. ",
        "1.1 ",
        "① ",
        "o ",
        "-- ",
        "Inclusion Criteria:",
        "Exclusion criteria",
        "Key Inclusion Criteria",
        "Criteria for exclusion",
        "Note:",
        "NOTE: ",
        "one of the following:",
        "either:",
        "PATIENT CHARACTERISTICS: ",
        "Age: ",
        "Hepatic: ",
        "--Disease Characteristics--",
        "Excluded:",
        "Allowed:",
        " 1) ",
        "; 2) ",
        ". 3. ",
        "OR",
        "\n",
        "\n\n",
        "  ",
        "    ",
        "\t",
        ":",
        " ",
        "x",
        "Adults",
        "≥ 18",
        "e.g.",
        "2.5",
    ]
)
_RANDOM_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(_TOKENS, st.text(max_size=8)), max_size=60).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(_RANDOM_TEXT)
def test_no_text_lost_on_random_text(text):
    p = parse_criteria(text)
    assert kept(text, p)
    assert len(p.heading_positions) == len(p.headings)
    for c in iter_criteria(p):
        assert c.section in ("inclusion", "exclusion", "other")
        assert c.kind in ("item", "note", "group", "text")
        assert c.source == c.source.strip()
    assert p.structure in ("both_sections", "one_section", "no_sections")


@pytest.mark.slow
def test_no_text_lost_on_every_shared_record(loaded_db):
    from cleartrial.store import Store

    path, _report = loaded_db
    store = Store(path, readonly=True)
    try:
        n = 0
        lost = []
        structures = set()
        for nct in store.iter_nct_ids():
            text = store.get_trial(nct).eligibility.criteria
            p = parse_criteria(text)
            n += 1
            structures.add(p.structure)
            if not kept(text, p):
                lost.append(nct)
    finally:
        store.close()
    assert n > 6600
    assert lost == []
    assert structures == {"both_sections", "one_section", "no_sections"}
