"""The lay glossary: its data file, lookups on real criteria, abbreviations records define.

Real records come from the shared corpus (``loaded_db``); the term ranking the glossary was
chosen from is ``scripts/glossary_candidates.tsv`` (made by scripts/glossary_candidates.py).
"""

from __future__ import annotations

import csv
import itertools
import re
from importlib import resources
from pathlib import Path

import pytest

from cleartrial.explain.glossary import (
    KINDS,
    Entry,
    Glossary,
    _acronym_like,
    _tokenize,
    entries,
    expand_abbreviations,
    find_terms,
    load_entries,
    lookup,
    record_abbreviations,
)

REPO = Path(__file__).resolve().parent.parent
CANDIDATES = REPO / "scripts" / "glossary_candidates.tsv"


def _tsv_text() -> str:
    return resources.files("cleartrial.explain").joinpath("data/glossary.tsv").read_text(encoding="utf-8")


def _terms(text: str) -> list[tuple[str, str]]:
    """(matched text, entry term) pairs, for compact assertions."""
    return [(m.text, m.entry.term) for m in find_terms(text)]


# ------------------------------------------------------------------------------ the data file
def test_tsv_is_well_formed():
    text = _tsv_text()
    lines = text.splitlines()
    assert lines[0] == "term\tplain\texplanation\tkind"
    for lineno, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        assert len(fields) == 4, f"line {lineno}: {line!r}"
        assert all(f and f == f.strip() for f in fields), f"line {lineno}: empty or padded field"
        assert '"' not in fields[0], f"line {lineno}: quote in term"
    assert 1000 <= len(lines) - 1 <= 3000


def test_every_entry_is_valid():
    problems = []
    for e in entries():
        if e.kind not in KINDS:
            problems.append(f"{e.term}: kind {e.kind!r}")
        words = e.explanation.split()
        if len(words) > 25:
            problems.append(f"{e.term}: explanation has {len(words)} words")
        if not e.explanation.endswith("."):
            problems.append(f"{e.term}: explanation does not end with a period")
        if (
            not e.explanation[0].isupper()
            and not e.explanation[0].isdigit()
            and e.explanation.split()[0]
            not in (
                "mRS",
                "eGFR",
                "ddI",
                "ddC",
                "d4T",
                "pH",
                "hCG",
                "aPTT",
                "fMRI",
                "cART",
            )
        ):
            problems.append(f"{e.term}: explanation does not start a sentence")
        if len(e.plain.split()) > 14:
            problems.append(f"{e.term}: plain text too long to use inline")
    assert not problems, "\n".join(problems)


def test_no_duplicate_terms():
    # Two entries that tokenise alike (case-free except acronyms) would shadow one another.
    seen: dict[tuple[str, ...], str] = {}
    for e in entries():
        key = tuple(t if e.kind != "unit" and _acronym_like(t) else t.lower() for _, _, t in _tokenize(e.term))
        assert key not in seen, f"{e.term!r} duplicates {seen[key]!r}"
        seen[key] = e.term


def test_every_entry_finds_itself():
    # Each term, looked up alone, is one match over the whole term, of that very entry.
    wrong = []
    for e in entries():
        found = find_terms(e.term)
        if len(found) != 1 or (found[0].start, found[0].end) != (0, len(e.term)) or found[0].entry is not e:
            wrong.append((e.term, [(m.text, m.entry.term) for m in found]))
    assert not wrong, wrong[:20]


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}
_NEGATIONS = {"no", "not", "non", "without", "never", "none", "negative", "cannot"}
# Comparisons the plain text states positively, with the same meaning.
_EQUIVALENT = {"no less than": "at least", "not less than": "at least"}


def _numbers(text: str) -> set[str]:
    text = text.replace("²", "2").replace("³", "3")
    found = set(re.findall(r"\d+(?:\.\d+)?", text))
    for tok in re.findall(r"\b(I{1,3}|IV|V)([A-C])?\b", text):  # stage IV, class III, IIIB
        found.add(_ROMAN[tok[0].lower()] + tok[1].lower())
    return found


def _negated(text: str) -> bool:
    # Words only: an acronym such as "UNL" is not the prefix "un-".
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", text) if not _acronym_like(w)]
    return any(
        w in _NEGATIONS or w.startswith("non") or (w.startswith("un") and not w.startswith("uni")) for w in words
    )


def test_plain_text_keeps_numbers_and_negations():
    problems = []
    for e in entries():
        plain_numbers = _numbers(e.plain) | {n.lower() for n in re.findall(r"\d+[A-Ca-c]?", e.plain)}
        missing = {n for n in _numbers(e.term) if n not in plain_numbers}
        if missing:
            problems.append(f"{e.term} → {e.plain}: drops {sorted(missing)}")
        if e.term.lower() in _EQUIVALENT:
            if e.plain != _EQUIVALENT[e.term.lower()]:
                problems.append(f"{e.term} → {e.plain}: expected {_EQUIVALENT[e.term.lower()]!r}")
        elif _negated(e.term) and not _negated(e.plain) and "not " not in e.plain:
            problems.append(f"{e.term} → {e.plain}: drops the negation")
    assert not problems, "\n".join(problems)


def test_checks_catch_bad_entries():
    # The checks above can fail: a plain text that drops a number or a "not" is caught.
    assert _numbers("stage IV") == {"4"} and "4" not in _numbers("advanced stage")
    assert _negated("nonmelanoma skin cancer") and not _negated("common skin cancer")
    assert _negated("uncontrolled") and not _negated("unilateral")
    with pytest.raises(ValueError):
        load_entries("term\tplain\texplanation\tkind\nHIV\tHIV\n")
    with pytest.raises(ValueError):
        load_entries("term\tplain\n")


def test_a_glossary_built_from_other_entries_uses_them():
    g = Glossary([Entry("foo bar", "a foo", "A foo bar.", "general"), Entry("foo", "f", "A foo.", "general")])
    assert [(m.text, m.entry.plain) for m in g.find_terms("Foo bar, foos and foo.")] == [
        ("Foo bar", "a foo"),
        ("foos", "f"),
        ("foo", "f"),
    ]


def test_key_entries_say_what_they_must():
    assert lookup("ULN").plain == "upper limit of normal"
    assert lookup("myocardial infarction").plain == "heart attack"
    assert "neutrophil" in lookup("ANC").plain and "white blood cell" in lookup("ANC").explanation
    assert "ECOG" in lookup("ECOG performance status").plain
    assert "daily activities" in lookup("ECOG performance status").plain
    for unit in ("mm3", "µL", "g/dL", "mg/dL", "mmol/L", "mL/min/1.73 m2", "IU/L"):
        assert lookup(unit) is not None and lookup(unit).kind == "unit", unit
    for term in (
        "ECOG",
        "eGFR",
        "LVEF",
        "HbA1c",
        "BMI",
        "ULN",
        "ANC",
        "AST",
        "ALT",
        "HIV",
        "HBV",
        "NYHA",
        "QTc",
        "CNS",
        "MRI",
        "WOMAC",
        "PHQ-9",
    ):
        assert lookup(term) is not None, term


# ------------------------------------------------------------------------------ lookups
def test_longest_match_wins():
    assert _terms("left ventricular ejection fraction of 50%") == [
        ("left ventricular ejection fraction", "left ventricular ejection fraction")
    ]
    assert _terms("ejection fraction of 50%") == [("ejection fraction", "ejection fraction")]
    assert _terms("absolute neutrophil count at least 1,500/mm3") == [
        ("absolute neutrophil count", "absolute neutrophil count"),
        ("/mm3", "/mm3"),
    ]
    assert _terms("Non-small cell lung cancer") == [("Non-small cell lung cancer", "non-small cell lung cancer")]
    assert _terms("small cell lung cancer") == [("small cell lung cancer", "small cell lung cancer")]


def test_case_rules_for_acronyms():
    # The leukemia "ALL" is case-sensitive: never the word "all".
    assert _terms("acute lymphoblastic leukemia (ALL) in first remission")[:2] == [
        ("acute lymphoblastic leukemia", "acute lymphoblastic leukemia"),
        ("ALL", "ALL"),
    ]
    assert _terms("all patients must sign") == []
    assert _terms("All patients must sign") == []
    assert _terms("Complaint of dry mouth with ALL the following characteristics") == []
    assert _terms("ALL PATIENTS MUST HAVE SIGNED CONSENT") == []
    assert _terms("hearing aids") == [] and _terms("AIDS") == [("AIDS", "AIDS")]
    assert _terms("PET scan") == [("PET scan", "PET scan")] and _terms("a pet dog") == []
    # Words match in any case; units ignore case; acronyms inside a term stay exact.
    assert _terms("Hepatitis B or hepatitis b") == [("Hepatitis B", "hepatitis B"), ("hepatitis b", "hepatitis B")]
    assert _terms("creatinine 1.5 mg/dl") == [("creatinine", "creatinine"), ("mg/dl", "mg/dL")]
    assert _terms("ecog performance status") == [("performance status", "performance status")]
    assert _terms("ECOG Performance Status 0-1")[0] == ("ECOG Performance Status", "ECOG performance status")
    assert _terms("egfr") == [] and _terms("eGFR ≥ 60")[0] == ("eGFR", "eGFR")


def test_roman_numerals_are_not_intravenous():
    assert _terms("Stage III-IV disease") == [("Stage III", "stage III")]
    assert _terms("NYHA class III or IV") == [("NYHA class III", "NYHA class III")]
    assert _terms("IV antibiotics")[0] == ("IV", "IV")


def test_plurals_and_possessives():
    assert _terms("myocardial infarctions") == [("myocardial infarctions", "myocardial infarction")]
    assert _terms("brain metastases") == [("brain metastases", "brain metastasis")]
    assert _terms("biologic therapies") == [("biologic therapies", "biologic therapy")]
    assert _terms("two MRIs") == [("MRIs", "MRI")]
    assert _terms("lesions") == [("lesions", "lesion")]
    assert _terms("Crohn's disease") == [("Crohn's disease", "Crohn's disease")]
    assert _terms("Crohn’s disease") == [("Crohn’s disease", "Crohn's disease")]
    assert _terms("Crohn disease") == [("Crohn disease", "Crohn's disease")]
    assert _terms("non-Hodgkin's lymphoma") == [("non-Hodgkin's lymphoma", "non-Hodgkin's lymphoma")]


def test_units_and_separators():
    assert _terms("≥ 60 mL/min/1.73 m²") == [("mL/min/1.73 m²", "mL/min/1.73 m2")]
    assert _terms("60 ml / min") == [("ml / min", "mL/min")]
    assert _terms("1,500 cells/µL") == [("cells/µL", "cells/µL")]
    assert _terms("1,500 cells/μL") == [("cells/μL", "cells/µL")]  # Greek mu, not the micro sign
    assert _terms("AST/ALT ≤ 2.5 x ULN") == [("AST", "AST"), ("ALT", "ALT"), ("ULN", "ULN")]


def test_matches_are_ordered_and_never_overlap():
    text = (
        "Patients with NYHA class III congestive heart failure, unstable angina, or myocardial infarction "
        "within 6 months; HIV-positive; hepatitis B surface antigen positive; HbA1c > 9%; CD4 count < 200 cells/mm3"
    )
    found = find_terms(text)
    assert [m.entry.term for m in found] == [
        "NYHA class III",
        "congestive heart failure",
        "unstable angina",
        "myocardial infarction",
        "HIV-positive",
        "hepatitis B surface antigen",
        "HbA1c",
        "CD4 count",
        "cells/mm3",
    ]
    for a, b in itertools.pairwise(found):
        assert a.end <= b.start
    assert all(text[m.start : m.end] == m.text for m in found)


# ------------------------------------------------------------------------------ real records
@pytest.fixture(scope="module")
def store(loaded_db):
    from cleartrial.store import Store

    path, _ = loaded_db
    return Store(path)


def _criterion(store, nct: str, needle: str) -> str:
    criteria = store.get_trial(nct).eligibility.criteria
    line = next(line for line in criteria.splitlines() if needle in line)
    return line.strip()


@pytest.mark.parametrize(
    ("nct", "needle", "expected"),
    [
        (
            "NCT00004001",
            "(LVEF)",
            [
                ("Left ventricular ejection fraction", "left ventricular ejection fraction"),
                ("LVEF", "LVEF"),
                ("MUGA", "MUGA"),
                ("echocardiogram", "echocardiogram"),
            ],
        ),
        (
            "NCT00490685",
            "(NYHA)",
            [
                ("cardiac disease", "cardiac disease"),
                ("congestive heart failure", "congestive heart failure"),
                ("New York Heart Association", "New York Heart Association"),
                ("NYHA", "NYHA"),
            ],
        ),
        (
            "NCT00005940",
            "Aspartate aminotransferase (AST)",
            [
                ("Aspartate aminotransferase", "aspartate aminotransferase"),
                ("AST", "AST"),
                ("upper limit of normal", "upper limit of normal"),
            ],
        ),
        ("NCT00003298", "(ECOG)", [("ECOG", "ECOG"), ("performance status", "performance status")]),
        ("NCT00494611", "WOCBP must", [("WOCBP", "WOCBP"), ("pregnancy test", "pregnancy test")]),
    ],
)
def test_lookups_on_real_criteria(store, nct, needle, expected):
    found = _terms(_criterion(store, nct, needle))
    for pair in expected:
        assert pair in found, (pair, found)
    # Order is the text's order.
    assert [p for p in found if p in expected] == expected


def test_the_word_all_in_a_real_record_is_not_leukemia(store):
    line = _criterion(store, "NCT00003686", "ALL the following")
    assert "ALL" not in [m.entry.term for m in find_terms(line)]
    line = _criterion(store, "NCT00002812", "(ALL)")
    assert ("ALL", "ALL") in _terms(line)


@pytest.mark.parametrize(
    ("nct", "short", "long"),
    [
        ("NCT00004001", "LVEF", "Left ventricular ejection fraction"),  # long form (ABBR)
        ("NCT00004001", "MUGA", "Multi Gated Acquisition Scan"),
        ("NCT00002812", "ALL", "Acute lymphocytic leukemia"),
        ("NCT00490685", "NYHA", "New York Heart Association"),
        ("NCT00494611", "WOCBP", "women of childbearing potential"),
        ("NCT00001392", "eGFR", "estimate glomerular filtration rate"),  # the record's own spelling
        ("NCT00003417", "SGPT", "serum glutamate pyruvate transaminase"),  # ABBR (long form)
        ("NCT00002239", "NNRTI", "nonnucleoside reverse transcriptase inhibitor"),
    ],
)
def test_record_defined_abbreviations(store, nct, short, long):
    trial = store.get_trial(nct)
    assert record_abbreviations(trial.eligibility.criteria).get(short) == long


def test_record_abbreviations_reject_letters_that_do_not_fit(store):
    # "(ULN)" after "… unless clearly related to NHL": U, L, N appear, but not as the words' letters.
    assert record_abbreviations("Bilirubin normal (ULN) (unless clearly related to NHL)") == {}
    assert record_abbreviations(store.get_trial("NCT00003152").eligibility.criteria).get("ULN") != (
        "unless clearly related to NHL"
    )
    # "(DICA-IV)" after "disorders on structured psychiatric interview" is no definition.
    assert "DICA-IV" not in record_abbreviations(store.get_trial("NCT00008892").eligibility.criteria)
    assert record_abbreviations("patients with any of the following (ALL)") == {}
    assert record_abbreviations("HIV infection (HIV)") == {}
    assert record_abbreviations("") == {} and record_abbreviations(None) == {}


def test_record_abbreviations_shapes():
    assert record_abbreviations("hemoglobin A1c (HbA1c) below 8%") == {"HbA1c": "hemoglobin A1c"}
    assert record_abbreviations("estimated glomerular filtration rate (eGFR) ≥ 45") == {
        "eGFR": "estimated glomerular filtration rate"
    }
    assert record_abbreviations("forced expiratory volume in 1 second (FEV1) ≥ 60%") == {
        "FEV1": "forced expiratory volume in 1 second"
    }
    assert record_abbreviations("LVEF (left ventricular ejection fraction) ≥ 50%") == {
        "LVEF": "left ventricular ejection fraction"
    }
    assert record_abbreviations("Score on the PHQ-9 (Patient Health Questionnaire-9) of 10 or more") == {
        "PHQ-9": "Patient Health Questionnaire-9"
    }


def test_expand_abbreviations():
    text = "Left ventricular ejection fraction (LVEF) ≥ 50%. LVEF measured by MUGA; no LVEFs or LVEF-like values."
    known = record_abbreviations(text)
    assert expand_abbreviations(text, known) == (
        "Left ventricular ejection fraction (LVEF) ≥ 50%. Left ventricular ejection fraction (LVEF) measured by "
        "MUGA; no LVEFs or LVEF-like values."
    )
    assert expand_abbreviations("LVEF ≥ 50%", known, keep_short=False) == "Left ventricular ejection fraction ≥ 50%"
    assert expand_abbreviations("ALL or all", {"ALL": "acute lymphoblastic leukemia"}) == (
        "acute lymphoblastic leukemia (ALL) or all"
    )
    assert expand_abbreviations("nothing here", {}) == "nothing here"


# ------------------------------------------------------------------------------ corpus coverage
# Everyday words that SCOWL ranks past its common sizes: a reader knows them, so the glossary
# leaves them alone (they still count as unexplained in bench/glossary_coverage.py).
PLAIN_ENOUGH = {"breast", "bleeding"}


def _top_terms(n: int) -> list[dict]:
    with open(CANDIDATES, encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))[:n]


def _covered_alone(row: dict) -> list[str]:
    """The technical tokens of a candidate term that a lookup of the term itself leaves out."""
    term = row["term"]
    spans = [(m.start, m.end) for m in find_terms(term)]
    missing = []
    for tok in row["technical"].split():
        flags = 0 if any(c.isupper() for c in tok) else re.IGNORECASE
        hits = re.finditer(r"(?<![A-Za-z0-9])" + re.escape(tok) + r"(?![A-Za-z0-9])", term, flags)
        if not any(any(a <= h.start() and h.end() <= b for a, b in spans) for h in hits):
            missing.append(tok)
    return missing


def test_candidate_ranking_is_the_corpus_one(store):
    # The snapshot is the script's real output: spot-check two counts against the corpus. The
    # script reads a line typed in capitals as words ("ECOG PERFORMANCE STATUS" is not the
    # acronym there), so it may count a few percent fewer trials than a plain search.
    rows = {r["term"]: r for r in _top_terms(3000)}
    n_ecog = n_lvef = 0
    for nct in store.iter_nct_ids():
        criteria = store.get_trial(nct).eligibility.criteria or ""
        n_ecog += bool(re.search(r"(?<![A-Za-z0-9])ECOG(?![A-Za-z0-9])", criteria))
        n_lvef += bool(re.search(r"(?<![A-Za-z0-9])LVEF(?![A-Za-z0-9])", criteria))
    for term, n in (("ECOG", n_ecog), ("LVEF", n_lvef)):
        counted = int(rows[term]["trials_criteria"])
        assert 0.95 * n - 3 <= counted <= n, (term, counted, n)


def test_top_200_corpus_terms_are_covered(store):
    """Each of the 200 most frequent technical terms is explained.

    A term is covered when a lookup of the term itself covers its technical words, or, for a
    word that records mostly use inside a longer term ("situ" in "carcinoma in situ",
    "phosphatase" in "alkaline phosphatase"), when at least half of its uses in the corpus's
    criteria fall inside a glossary match.
    """
    rows = _top_terms(200)
    assert len(rows) == 200
    pending = {}
    for row in rows:
        missing = [t for t in _covered_alone(row) if t.lower() not in PLAIN_ENOUGH]
        if missing:
            pending[row["term"]] = missing
    words = {t for missing in pending.values() for t in missing}
    uses = dict.fromkeys(words, 0)
    covered = dict.fromkeys(words, 0)
    if words:
        pattern = re.compile(
            r"(?<![A-Za-z0-9])("
            + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
            + r")(?![A-Za-z0-9])",
            re.IGNORECASE,
        )
        for nct in store.iter_nct_ids():
            criteria = store.get_trial(nct).eligibility.criteria or ""
            hits = [h for h in pattern.finditer(criteria) if h.group(1) in words or h.group(1).lower() in words]
            if not hits:
                continue
            spans = [(m.start, m.end) for m in find_terms(criteria)]
            for h in hits:
                key = h.group(1) if h.group(1) in words else h.group(1).lower()
                uses[key] += 1
                covered[key] += any(a <= h.start() and h.end() <= b for a, b in spans)
    uncovered = {
        term: [(w, uses[w], round(covered[w] / uses[w], 2) if uses[w] else None) for w in missing]
        for term, missing in pending.items()
        if any(not uses[w] or covered[w] / uses[w] < 0.5 for w in missing)
    }
    assert not uncovered, uncovered
