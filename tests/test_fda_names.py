"""Intervention names → names we look up at the FDA: conservative, on real shared trials."""

from __future__ import annotations

import pytest

from cleartrial.fda import names
from cleartrial.fda.text import boxed_warning, shorten, tidy, warning_items
from cleartrial.store import Store


@pytest.fixture(scope="module")
def trials(loaded_db):
    with Store(loaded_db[0], readonly=True) as store:
        yield {n: store.get_trial(n) for n in (
            "NCT00494468", "NCT00492232", "NCT00494832", "NCT00494156", "NCT06094296", "NCT05819710",
            "NCT04007835", "NCT05809934", "NCT05832827", "NCT02967393", "NCT05923281", "NCT06672068",
            "NCT00001013", "NCT00009620", "NCT05819398")}


def summary(trial):
    return [(m.part, m.kind, m.keys) for m in names.mentions(trial.interventions)]


def test_plain_generic_name(trials):
    assert summary(trials["NCT00494468"]) == [("Zolpidem", "lookup", ("zolpidem",))]


def test_combinations_are_split_and_placebo_parts_kept_apart(trials):
    # "Ramelteon and zolpidem" / "Placebo and zolpidem" (other names Rozerem, TAK-375, Ambien®
    # belong to the whole combination and are not needed: the parts are drug names).
    assert summary(trials["NCT00492232"]) == [
        ("Ramelteon", "lookup", ("ramelteon",)), ("zolpidem", "lookup", ("zolpidem",)),
        ("Placebo", "placebo", ()), ("zolpidem", "lookup", ("zolpidem",))]
    assert summary(trials["NCT00494156"]) == [
        ("heparin", "lookup", ("heparin",)), ("aspirin", "lookup", ("aspirin",)),
        ("clopidogrel", "lookup", ("clopidogrel",))]
    assert summary(trials["NCT00001013"])[2:4] == [
        ("Sulfamethoxazole", "lookup", ("sulfamethoxazole",)), ("Trimethoprim", "lookup", ("trimethoprim",))]


def test_saline_and_placebo_are_never_looked_up(trials):
    assert ("Normal Saline", "saline", ()) in summary(trials["NCT00494832"])
    assert ("Saline", "saline", ()) in summary(trials["NCT00009620"])
    kinds = {part: kind for part, kind, _ in summary(trials["NCT05819398"])}
    assert kinds["Placebo matching Spesolimab Formulation 1"] == "placebo"
    assert kinds["Spesolimab Formulation 1"] == "lookup"
    assert summary(trials["NCT05819398"])[0][2] == ("spesolimab",)  # "Formulation 1" dropped


def test_investigational_codes_are_not_looked_up(trials):
    assert ("TS-142", "investigational", ()) in summary(trials["NCT05819710"])
    assert ("Zopiclone", "lookup", ("zopiclone",)) in summary(trials["NCT05819710"])
    assert summary(trials["NCT05809934"]) == [("AZD2693", "investigational", ())]  # its placebo is OTHER
    parts = summary(trials["NCT06672068"])
    assert parts[0] == ("TY-9591 80mg QD", "investigational", ())
    assert ("pemetrexed", "lookup", ("pemetrexed",)) in parts and ("Carboplatin", "lookup", ("carboplatin",)) in parts


def test_other_names_only_when_the_main_name_is_a_code(trials):
    # MK-3475, other name "Keytruda/MK-3475 (Pembrolizumab)": the brand is tried.
    mk = names.mentions(trials["NCT05832827"].interventions)[0]
    assert (mk.kind, mk.keys, mk.from_other_names) == ("lookup", ("keytruda",), True)
    # IIV4 (a vaccine's abbreviation), other name Fluarix.
    flu = names.mentions(trials["NCT02967393"].interventions)[1]
    assert (flu.part, flu.keys) == ("IIV4", ("fluarix",))
    # K-877, other name "Pemafibrate 0.2mg/day (once daily)": the dose is no second drug.
    k = names.mentions(trials["NCT05923281"].interventions)[0]
    assert k.keys == ("pemafibrate",)
    # Anlotinib is a drug name (no US label): its other names (gefitinib, erlotinib…) are
    # different drugs and must never stand in for it.
    (anlotinib,) = names.mentions(trials["NCT04007835"].interventions)
    assert anlotinib.keys == ("anlotinib hydrochloride",) and not anlotinib.from_other_names


def test_brand_and_generic_names():
    assert names.same_drug("zolpidem", "ZOLPIDEM TARTRATE") == "salt"
    assert names.same_drug("metformin hcl", "METFORMIN HYDROCHLORIDE") == "exact"
    assert names.same_drug("aspirin", "ASPIRIN") == "exact"
    assert names.same_drug("spesolimab", "SPESOLIMAB-SBZO") == "salt"  # biosimilar suffix
    assert names.same_drug("aspirin", "ASPIRIN AND CAFFEINE") is None
    assert names.same_drug("aspirin", "Aspirin, Acetaminophen") is None
    assert names.same_drug("doxorubicin hydrochloride", "DOXORUBICIN HYDROCHLORIDE LIPOSOMAL") is None
    assert names.same_drug("sodium", "SODIUM CHLORIDE") is None
    assert names.same_brand("ambien", "AMBIEN") and names.same_brand("Ambien®", "AMBIEN")
    assert not names.same_brand("ambien", "Ambien CR")
    assert not names.same_brand("sudafed", "Childrens Sudafed PE NASAL DECONGESTANT")


@pytest.mark.parametrize(("name", "expected"), [
    ("ULSC", [("ULSC", "lookup", ("ulsc",), True)]),  # looked up; no label → "investigational"
    ("ABC-123", [("ABC-123", "investigational", (), False)]),
    ("Chemotherapy", [("Chemotherapy", "general", (), False)]),
    ("PD-1 inhibitor", [("PD-1 inhibitor", "general", (), False)]),
    ("FOLFOX", [("FOLFOX", "regimen", (), False)]),
    ("Sham", [("Sham", "placebo", (), False)]),
    ("Ambien®", [("Ambien®", "lookup", ("ambien",), False)]),
    ("Metformin HCL", [("Metformin HCL", "lookup", ("metformin hydrochloride",), False)]),
    ("Cabotegravir - Injectable Suspension (CAB LA)", [("Cabotegravir", "lookup", ("cabotegravir",), False)]),
    ("RSVPreF3 OA Investigational Vaccine", [("RSVPreF3 OA Investigational Vaccine", "investigational", (), False)]),
])
def test_single_names(name, expected):
    assert [(m.part, m.kind, m.keys, m.code_like) for m in names.mentions_for(name)] == expected


def test_every_shared_drug_name_is_classified_safely(loaded_db):
    """All DRUG and BIOLOGICAL interventions of the shared corpus: no crash, lookup names use
    only safe characters (they go into openFDA's query language), and nothing named placebo,
    saline or with a development code is ever looked up."""
    seen = 0
    with Store(loaded_db[0], readonly=True) as store:
        for nct in store.iter_nct_ids():
            for m in names.mentions(store.get_trial(nct).interventions):
                seen += 1
                for key in m.keys:
                    assert key and all(ch.isalnum() or ch in " -" for ch in key), (nct, m)
                    assert key == key.lower() and len(key) <= names.MAX_NAME
                if m.kind == "lookup" and not m.from_other_names:
                    assert "placebo" not in m.part.lower() and "saline" not in m.part.lower(), (nct, m)
                    assert not names.is_code(m.part), (nct, m)
    assert seen > 5000


# -- label text, shortened in its own words ------------------------------------------------------

def test_label_sections_are_cut_at_sentence_ends(shared_data):
    import orjson

    ambien = orjson.loads((shared_data / "openfda" / "label" / "ambien.json").read_bytes())["results"][0]
    text, shortened = shorten(tidy(ambien["indications_and_usage"][0]), 350)
    assert text.startswith("Ambien (zolpidem tartrate) is indicated for the short-term treatment of insomnia")
    assert text.endswith("in controlled clinical studies.") and "[see" not in text and "(14)" not in text
    assert shortened
    items, more = warning_items(ambien["warnings_and_cautions"][0])
    assert items[1] == ("Severe anaphylactic/anaphylactoid reactions: Angioedema and anaphylaxis have been "
                        "reported. Do not rechallenge if such reactions occur.")
    assert len(items) == 6 and more
    vyvanse = orjson.loads((shared_data / "openfda" / "label" / "vyvanse.json").read_bytes())["results"][0]
    box, _ = boxed_warning(vyvanse["boxed_warning"][0])
    assert box.startswith("WARNING: ABUSE AND DEPENDENCE CNS stimulants") and box.count("WARNING") == 1


def test_a_run_on_label_sentence_is_cut_after_a_word():
    text, shortened = shorten("Ask a doctor before use if " + "you have a condition " * 80, 200)
    assert shortened and text.endswith("…") and len(text) <= 301 and not text.endswith(" …")
