"""Facts picked out of a record for the questions: names, tests, the first exclusion item."""

from __future__ import annotations

import re

from ..model import Trial
from ._common import active_interventions, unique

OPEN_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE")

_ROLE_WORDS = {
    "PARTICIPANT": "you",
    "CARE_PROVIDER": "your doctors",
    "INVESTIGATOR": "the researchers",
    "OUTCOMES_ASSESSOR": "the people who measure the results",
}

# Tests an outcome measure implies, in plain words. The measure is quoted beside the question,
# so only words that appear in it count (not the longer description).
_TESTS = (
    (re.compile(r"\bMRI\b|magnetic resonance", re.I), "MRI scans"),
    (re.compile(r"\bCT\b|computed tomography|\bCAT scan", re.I), "CT scans"),
    (re.compile(r"\bPET\b|positron emission", re.I), "PET scans"),
    (re.compile(r"\bbiops", re.I), "biopsies"),
    (re.compile(r"\bblood\b|\bplasma\b|\bserum\b|pharmacokinetic|\bPK\b|\bHbA1c\b|\bA1C\b", re.I), "blood tests"),
    (re.compile(r"\burine\b|\burinary\b", re.I), "urine tests"),
    (re.compile(r"x-ray|radiograph", re.I), "X-rays"),
    (re.compile(r"\bECGs?\b|\bEKGs?\b|electrocardiogra", re.I), "heart tracings (ECG)"),
    (re.compile(r"echocardiogra", re.I), "heart ultrasounds"),
    (re.compile(r"ultrasound|sonograph", re.I), "ultrasound scans"),
    (re.compile(r"spirometr|\bFEV1\b|lung function|pulmonary function", re.I), "breathing tests"),
    (re.compile(r"endoscop|colonoscop|bronchoscop", re.I), "scope exams (endoscopy)"),
    (re.compile(r"lumbar puncture|cerebrospinal|\bCSF\b", re.I), "spinal taps"),
    (re.compile(r"bone marrow", re.I), "bone marrow tests"),
    (re.compile(r"\bEEG\b|electroencephalogra", re.I), "brain wave tests (EEG)"),
    (re.compile(r"questionnaire|\bsurvey\b|quality of life|\bQoL\b", re.I), "questionnaires"),
)

_EXCLUSION_HEADER = re.compile(r"^\s*(?:[*\-•]\s*)?(?:key\s+|main\s+)?exclusion\s+criteria\b\W*(?P<rest>.*)$", re.I)
_OTHER_HEADER = re.compile(r"^\s*(?:[*\-•]\s*)?(?:key\s+|main\s+)?inclusion\s+criteria\b", re.I)
# "None", "Not applicable": a section that excludes no one.
_PLACEHOLDER = re.compile(r"^\W*(?:none|nil|n/?a|not\s+applicable|no\s+exclusion(?:\s+criteria)?|-)\W*$", re.I)
_MARKER = re.compile(r"^(?:[*\-•]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+", re.I)


_HEALTHY = re.compile(r"^\W*healthy\b|^\W*(?:normal\s+)?(?:healthy\s+)?volunteers?\W*$", re.I)


def condition_names(trial: Trial) -> list[str]:
    """The conditions as the sponsor wrote them, else the registry's MeSH terms.

    "Healthy Volunteers" is listed as a condition by some records; it is not one a person has,
    so it is left out ("my Healthy Subjects" would be nonsense).
    """
    names = unique(trial.conditions) or unique(trial.mesh_conditions)
    return [n for n in names if not _HEALTHY.search(n)]


def healthy_volunteer_study(trial: Trial) -> bool:
    """The record takes healthy volunteers and names no condition besides being healthy."""
    listed = unique(trial.conditions) or unique(trial.mesh_conditions)
    healthy_listed = any(_HEALTHY.search(n) for n in listed)
    return (bool(trial.eligibility.healthy_volunteers) or healthy_listed) and not condition_names(trial)


# Comparators that are the care a person would get anyway: not "what is tested".
_USUAL_CARE = re.compile(
    r"^\W*(?:(?:treatment|care)\s+as\s+usual|usual\s+care|standard\s+(?:of\s+)?care|standard\s+(?:treatment|therapy)|"
    r"no\s+(?:treatment|intervention)|observation|wait(?:ing)?[\s-]*list(?:\s+control)?|best\s+supportive\s+care|control)\W*$",
    re.I,
)


# Study procedures some records list as "Other" interventions ("Laboratory biomarker
# analysis", "Quality-of-life assessment"): done to measure, not to treat.
_MEASUREMENT = re.compile(
    r"\b(?:laboratory|biomarker|analysis|pharmacological\s+study|pharmacokinetic|assessments?|questionnaires?|"
    r"surveys?|correlative|sampling|collection|interview|medical\s+chart\s+review)\b",
    re.I,
)


def treatment_names(trial: Trial) -> list[str]:
    """Names of what is tested, placebos, usual care and measurement steps left out, each once."""
    return unique([
        i.name or ""
        for i in active_interventions(trial)
        if not _USUAL_CARE.match(i.name or "") and not (i.type in (None, "OTHER") and _MEASUREMENT.search(i.name or ""))
    ])  # fmt: skip


def is_prevention(trial: Trial) -> bool:
    """People join to lower a risk, not to treat an illness they have (vaccines, prevention)."""
    purpose = trial.design.primary_purpose
    return purpose == "PREVENTION" or (
        bool(trial.eligibility.healthy_volunteers) and purpose in (None, "SCREENING", "DIAGNOSTIC")
    )


def masked_roles_words(trial: Trial) -> list[str]:
    """Who the record says is masked, in plain words; [] when it does not say who."""
    d = trial.design
    if d.masking in (None, "NONE"):
        return []
    return [_ROLE_WORDS[r] for r in _ROLE_WORDS if r in d.who_masked]


def tests_in_outcomes(trial: Trial) -> list[tuple[str, str]]:
    """(test in plain words, the outcome measure that implies it), each test once."""
    found: dict[str, str] = {}
    for outcome in trial.primary_outcomes + trial.secondary_outcomes:
        for pattern, words in _TESTS:
            if words not in found and outcome.measure and pattern.search(outcome.measure):
                found[words] = outcome.measure
    return list(found.items())


def first_exclusion_item(criteria: str | None) -> tuple[str | None, int]:
    """The first exclusion criterion (when short enough to quote whole) and how many there are.

    Only a record with an "Exclusion Criteria" heading has an exclusion section; (None, 0)
    otherwise. A long first item is not quoted: cutting it could drop a number or a "not".
    """
    if not criteria:
        return None, 0
    lines = criteria.splitlines()
    start = next((i for i, line in enumerate(lines) if _EXCLUSION_HEADER.match(line)), None)
    if start is None:
        return None, 0
    section: list[str] = []
    rest = _EXCLUSION_HEADER.match(lines[start]).group("rest").strip()  # type: ignore[union-attr]
    if rest:
        section.append(rest)
    for line in lines[start + 1 :]:
        if _OTHER_HEADER.match(line):
            break
        section.append(line)
    top = [line for line in section if line.strip() and not line.startswith((" ", "\t"))]
    marked = [line for line in top if _MARKER.match(line)]
    items = [_strip_marker(line) for line in (marked or top)]
    items = [i for i in items if i and not i.endswith(":") and not _PLACEHOLDER.match(i)]
    if not items:
        return None, 0
    first = items[0]
    return (first if len(first) <= 150 else None), len(items)


def _strip_marker(line: str) -> str:
    text = line.strip()
    while _MARKER.match(text):
        text = _MARKER.sub("", text, count=1).strip()
    return text
