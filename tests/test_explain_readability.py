"""Reading level: the syllable counter against known counts, sentence splitting on the shapes
criteria take, and both formulas against passages counted by hand."""

from __future__ import annotations

import statistics
import zipfile

import orjson
import pytest

from cleartrial.errors import RecordError
from cleartrial.explain.readability import (
    coleman_liau_index,
    count_syllables,
    flesch_kincaid_grade,
    grade_words,
    readability,
    split_sentences,
    words,
)
from cleartrial.sources.ctgov_json import parse_json_study

# Syllable counts as spoken (checked against a pronouncing dictionary), chosen to cover the
# rules' hard cases — silent e/ed/es, "-le", "-tion", vowel pairs split or joined — and the
# vocabulary of eligibility criteria.
KNOWN_SYLLABLES = {
    "the": 1,
    "cat": 1,
    "make": 1,
    "table": 2,
    "little": 2,
    "people": 2,
    "simple": 2,
    "water": 2,
    "patient": 2,
    "patients": 2,
    "study": 2,
    "studies": 2,
    "treated": 2,
    "treatment": 2,
    "confirmed": 2,
    "diagnosed": 3,
    "disease": 2,
    "diseases": 3,
    "history": 3,
    "years": 1,
    "older": 2,
    "women": 2,
    "pregnant": 2,
    "pregnancy": 3,
    "informed": 2,
    "consent": 2,
    "prior": 2,
    "therapy": 3,
    "chemotherapy": 5,
    "radiation": 4,
    "infection": 3,
    "function": 2,
    "cancer": 2,
    "tumor": 2,
    "diabetes": 4,
    "heart": 1,
    "blood": 1,
    "pressure": 2,
    "create": 2,
    "area": 3,
    "idea": 3,
    "video": 3,
    "quiet": 2,
    "fluid": 2,
    "ratio": 3,
    "doses": 2,
    "boxes": 2,
    "used": 1,
    "hoped": 1,
    "wanted": 2,
    "needed": 2,
    "stopped": 1,
    "agreed": 2,
    "approved": 2,
    "available": 4,
    "possible": 3,
    "medical": 3,
    "medication": 4,
    "investigator": 5,
    "participant": 4,
    "eligible": 4,
    "criteria": 4,
    "anemia": 4,
    "hepatitis": 4,
    "hemoglobin": 4,
    "creatinine": 4,
    "lymphoma": 3,
    "metastatic": 4,
    "biopsy": 3,
    "previous": 3,
    "serious": 3,
    "infectious": 3,
    "special": 2,
    "official": 3,
    "region": 2,
    "opinion": 3,
    "million": 2,
    "being": 2,
    "going": 2,
    "poem": 2,
    "nurse": 1,
    "nurses": 2,
    "cases": 2,
    "changes": 2,
    "family": 3,
    "ability": 4,
    "quality": 3,
    "question": 2,
    "evaluation": 5,
    "appropriate": 4,
    "cardiovascular": 6,
    "influenza": 4,
    "vaccine": 2,
    "syndrome": 2,
    "surgery": 3,
    "received": 2,
    "negative": 3,
    "active": 2,
    "adequate": 3,
    "ovarian": 4,
    "kidney": 2,
    "hypersensitivity": 7,
    "measurable": 4,
    "severe": 2,
    "uncontrolled": 3,
    "insulin": 3,
    "obesity": 4,
    "dementia": 3,
    "before": 2,
    "completely": 3,
    "lifetime": 2,
    "guideline": 2,
    "allergy": 3,
    "asthma": 2,
    "chronic": 2,
    "clinical": 3,
    "depression": 3,
    "enrollment": 3,
    "laboratory": 5,
    "malignancy": 4,
    "procedure": 3,
    "screening": 2,
    "transplant": 2,
    "willing": 2,
    "baseline": 2,
    "stable": 2,
    "failure": 2,
    "device": 2,
    "toxicity": 4,
}


def test_syllable_counter_accuracy():
    wrong = {w: (n, count_syllables(w)) for w, n in KNOWN_SYLLABLES.items() if count_syllables(w) != n}
    accuracy = 1 - len(wrong) / len(KNOWN_SYLLABLES)
    assert len(KNOWN_SYLLABLES) >= 60
    assert accuracy >= 0.95, wrong  # measured 100% on this list; 94% on 50 words it was not tuned on


@pytest.mark.parametrize(
    "word, n",
    [
        ("HIV", 3),  # spelled out
        ("MRI", 3),
        ("eGFR", 4),
        ("e.g.", 2),
        ("18", 2),  # digits: "eigh-teen"
        ("1,500", 4),
        ("non-small", 2),  # parts of a hyphenated word add up
        ("patient's", 2),
        ("a", 1),
        ("", 0),
    ],
)
def test_syllables_of_abbreviations_numbers_and_compounds(word, n):
    assert count_syllables(word) == n


def test_sentences_bullets_and_abbreviations():
    text = (
        "Inclusion Criteria:\n\n"
        "* Age 18 or older\n"
        "* Prior surgery, e.g. biopsy, i.e. any procedure vs. none\n"
        "1. Dose of 2.5 mg/kg. Seen by Dr. Smith. Then stop\n"
        "  a) nested item"
    )
    assert split_sentences(text) == [
        "Inclusion Criteria:",
        "Age 18 or older",
        "Prior surgery, e.g. biopsy, i.e. any procedure vs. none",
        "Dose of 2.5 mg/kg.",
        "Seen by Dr. Smith.",
        "Then stop",
        "nested item",
    ]


def test_sentence_end_needs_a_capital_or_digit_after_it():
    assert split_sentences("Over 18. Under 65. no cancer (e.g. Lymphoma).") == [
        "Over 18.",
        "Under 65. no cancer (e.g. Lymphoma).",
    ]
    assert split_sentences("Done! Really? Yes.") == ["Done!", "Really?", "Yes."]
    assert split_sentences("") == [] and split_sentences(None) == []


def test_words_skip_symbols_and_keep_numbers_whole():
    assert words("≥ 1,500/mm3 and HbA1c < 7.5% (non-small)") == ["1,500", "mm3", "and", "HbA1c", "7.5", "non-small"]


# Passages counted by hand (words, sentences, syllables, letters), so the formulas are checked
# against arithmetic done outside the code.
#   "The cat sat on the mat."  6 words, 1 sentence, 6 syllables, 17 letters
#     FK  = 0.39*6 + 11.8*1 - 15.59 = -1.45
#     CLI = 0.0588*(1700/6) - 0.296*(100/6) - 15.8 = -4.07
#   Two bullets: "Adults aged 18 or older" / "Signed informed consent"
#     8 words, 2 sentences, 2+1+2+1+2 + 1+2+2 = 13 syllables, 40 letters
#     FK  = 0.39*4 + 11.8*13/8 - 15.59 = 5.145
#     CLI = 0.0588*500 - 0.296*25 - 15.8 = 6.2
#   "Patients with diabetes must not be pregnant. They need a doctor's note, e.g. from Dr. Smith."
#     16 words, 2 sentences (not split at "e.g." or "Dr."), 12 + 11 = 23 syllables, 70 letters
#     FK  = 0.39*8 + 11.8*23/16 - 15.59 = 4.4925
HAND_COUNTED = [
    ("The cat sat on the mat.", 6, 1, 6, -1.45, -4.07),
    ("* Adults aged 18 or older\n* Signed informed consent", 8, 2, 13, 5.145, 6.2),
    ("Patients with diabetes must not be pregnant. They need a doctor's note, e.g. from Dr. Smith.", 16, 2, 23, 4.4925, 6.22),
]


@pytest.mark.parametrize("text, n_words, n_sent, n_syll, fk, cli", HAND_COUNTED)
def test_formulas_on_hand_counted_passages(text, n_words, n_sent, n_syll, fk, cli):
    r = readability(text)
    assert (r.words, r.sentences, r.syllables) == (n_words, n_sent, n_syll)
    assert r.fk_grade == pytest.approx(fk, abs=0.011)
    assert r.coleman_liau == pytest.approx(cli, abs=0.011)
    assert flesch_kincaid_grade(text) == r.fk_grade and coleman_liau_index(text) == r.coleman_liau


def test_harder_text_scores_higher():
    easy = "You can join if you are 18 or older. You must not be pregnant."
    hard = (
        "Participants must demonstrate histologically confirmed metastatic adenocarcinoma with "
        "measurable disease according to institutional radiological evaluation criteria."
    )
    assert flesch_kincaid_grade(easy) < 6
    assert flesch_kincaid_grade(hard) > 16
    assert coleman_liau_index(easy) < coleman_liau_index(hard)


def test_no_words_no_grade():
    assert readability("") is None and readability(None) is None and readability("* ≥ <") is None
    assert flesch_kincaid_grade("---") is None


@pytest.mark.parametrize(
    "grade, words_",
    [
        (-2.0, "grade 1"),
        (3.2, "grade 3"),
        (7.4, "grade 7"),
        (8.4, "grade 8"),
        (8.6, "high school"),
        (12.4, "high school"),
        (13.6, "college"),
        (16.4, "college"),
        (16.6, "graduate"),
        (40, "graduate"),
        (None, "unknown"),
    ],
)
def test_grade_words(grade, words_):
    assert grade_words(grade) == words_


def test_real_criteria_read_at_college_level(json_zip):
    # The issue measured a median of about grade 13.6 on registry criteria; the shared JSON
    # records must land in the same band (college), and plain words never do.
    grades = []
    with zipfile.ZipFile(json_zip) as zf:
        for name in zf.namelist():
            try:
                trial = parse_json_study(orjson.loads(zf.read(name)))
            except RecordError:
                continue  # the one record the readers quarantine
            g = flesch_kincaid_grade(trial.eligibility.criteria)
            if g is not None:
                grades.append(g)
    assert len(grades) > 150
    assert 12.5 <= statistics.median(grades) <= 17.5
    assert grade_words(statistics.median(grades)) == "college"
