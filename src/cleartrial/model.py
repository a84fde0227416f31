"""The one normalized trial model every reader produces and every later layer reads.

Values use the ClinicalTrials.gov API v2 vocabulary (``RECRUITING``, ``PHASE2``,
``PLACEBO_COMPARATOR`` …) whatever format a record came from, so that code above this
layer never needs to know whether a trial was read from JSON or from legacy XML.

The classes are plain dataclasses: cheap to build in a loader's hot loop, serialised with
:func:`to_dict` and rebuilt with :meth:`Trial.from_dict` (the store keeps that JSON).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import Any

from .errors import InvalidQuery

NCT_ID_RE = re.compile(r"^NCT\d{8}$")

# Overall and per-site recruitment statuses (API v2 names).
STATUSES = (
    "RECRUITING",
    "NOT_YET_RECRUITING",
    "ENROLLING_BY_INVITATION",
    "ACTIVE_NOT_RECRUITING",
    "SUSPENDED",
    "TERMINATED",
    "COMPLETED",
    "WITHDRAWN",
    "UNKNOWN",
    # Expanded access records use these:
    "AVAILABLE",
    "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE",
    "APPROVED_FOR_MARKETING",
    "WITHHELD",
)


def parse_statuses(values: Iterable[str] | str | None) -> list[str]:
    """What a person or a URL gives as statuses → API v2 codes, de-duplicated, in order.

    Accepts any case, spaces or hyphens ("not yet recruiting", "Not-Yet-Recruiting") and
    comma-separated lists. An unknown status is refused with the list of valid ones: the
    API would answer 400, and silently ignoring it would widen a search.
    """
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values:
        for part in str(value).split(","):
            code = re.sub(r"[\s\-]+", "_", part.strip()).upper()
            if not code:
                continue
            if code not in STATUSES:
                raise InvalidQuery(
                    f'Unknown status "{part.strip()}". Use one of: ' + ", ".join(s.lower() for s in STATUSES) + "."
                )
            if code not in out:
                out.append(code)
    return out


PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
STUDY_TYPES = ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS")
SEXES = ("ALL", "FEMALE", "MALE")
AGE_UNITS = ("YEARS", "MONTHS", "WEEKS", "DAYS", "HOURS", "MINUTES")
INTERVENTION_TYPES = (
    "BEHAVIORAL",
    "BIOLOGICAL",
    "COMBINATION_PRODUCT",
    "DEVICE",
    "DIAGNOSTIC_TEST",
    "DIETARY_SUPPLEMENT",
    "DRUG",
    "GENETIC",
    "PROCEDURE",
    "RADIATION",
    "OTHER",
)

_YEARS_PER_UNIT = {
    "YEARS": 1.0,
    "MONTHS": 1 / 12,
    "WEEKS": 7 / 365.25,
    "DAYS": 1 / 365.25,
    "HOURS": 1 / (365.25 * 24),
    "MINUTES": 1 / (365.25 * 24 * 60),
}


@dataclass(slots=True)
class Age:
    """An age limit as the record types it: ``Age(18, "YEARS")``, ``Age(6, "MONTHS")``."""

    value: float
    unit: str

    @property
    def years(self) -> float:
        return self.value * _YEARS_PER_UNIT[self.unit]

    @property
    def years_until_too_old(self) -> float:
        """As an upper limit: the age in years from which a person is past it.

        Limits are whole units: "65 Years" admits someone who is 65 and a half, and
        "6 Months" a baby of 6 months and 3 weeks, so the bound is one unit above the value.
        """
        return (self.value + 1) * _YEARS_PER_UNIT[self.unit]

    def __str__(self) -> str:
        value = int(self.value) if float(self.value).is_integer() else self.value
        unit = self.unit.lower()
        if value == 1:
            unit = unit[:-1]
        return f"{value} {unit}"


@dataclass(slots=True)
class PartialDate:
    """A registry date, which may be a month (``2023-04``) or a day, actual or estimated."""

    date: str
    type: str | None = None  # "ACTUAL" | "ESTIMATED" | None when the record does not say


@dataclass(slots=True)
class Contact:
    name: str | None = None
    role: str | None = None  # CONTACT, PRINCIPAL_INVESTIGATOR, STUDY_CHAIR, SUB_INVESTIGATOR…
    phone: str | None = None
    phone_ext: str | None = None
    email: str | None = None
    affiliation: str | None = None


@dataclass(slots=True)
class Site:
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    status: str | None = None  # per-site recruitment status, STATUSES vocabulary
    lat: float | None = None
    lon: float | None = None
    contacts: list[Contact] = field(default_factory=list)


@dataclass(slots=True)
class Intervention:
    type: str | None = None
    name: str | None = None
    other_names: list[str] = field(default_factory=list)
    description: str | None = None
    arm_labels: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Arm:
    label: str | None = None
    type: str | None = None  # EXPERIMENTAL, ACTIVE_COMPARATOR, PLACEBO_COMPARATOR, SHAM_COMPARATOR…
    description: str | None = None
    interventions: list[str] = field(default_factory=list)  # intervention names


@dataclass(slots=True)
class Outcome:
    measure: str
    time_frame: str | None = None
    description: str | None = None


@dataclass(slots=True)
class Design:
    allocation: str | None = None  # RANDOMIZED, NON_RANDOMIZED, NA
    intervention_model: str | None = None  # PARALLEL, CROSSOVER, SINGLE_GROUP, FACTORIAL, SEQUENTIAL
    intervention_model_description: str | None = None
    masking: str | None = None  # NONE, SINGLE, DOUBLE, TRIPLE, QUADRUPLE
    who_masked: list[str] = field(default_factory=list)  # PARTICIPANT, CARE_PROVIDER, INVESTIGATOR, OUTCOMES_ASSESSOR
    primary_purpose: str | None = None
    observational_model: str | None = None
    time_perspective: str | None = None
    patient_registry: bool | None = None


@dataclass(slots=True)
class Eligibility:
    criteria: str | None = None
    minimum_age: Age | None = None  # None = no lower limit
    maximum_age: Age | None = None  # None = no upper limit
    sex: str = "ALL"
    gender_based: bool | None = None
    gender_description: str | None = None
    healthy_volunteers: bool | None = None
    std_ages: list[str] = field(default_factory=list)  # CHILD, ADULT, OLDER_ADULT
    study_population: str | None = None  # observational studies describe who is studied


@dataclass(slots=True)
class Sponsor:
    name: str
    agency_class: str | None = None  # NIH, FED, INDUSTRY, OTHER…


@dataclass(slots=True)
class Provenance:
    source_format: str  # "ctgov-json-v2" | "ctgov-xml"
    source_file: str | None = None
    loaded_at: str | None = None  # ISO timestamp (UTC) when we read it
    fetched_at: str | None = None  # ISO timestamp (UTC) when it came from the live API
    record_last_update: str | None = None  # the registry's own last-update-posted date
    raw_sha256: str | None = None


@dataclass(slots=True)
class Trial:
    nct_id: str
    aliases: list[str] = field(default_factory=list)  # older NCT ids merged into this one
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    overall_status: str | None = None
    last_known_status: str | None = None
    why_stopped: str | None = None
    phases: list[str] = field(default_factory=list)
    study_type: str | None = None
    enrollment_count: int | None = None
    enrollment_type: str | None = None  # ACTUAL | ESTIMATED
    start_date: PartialDate | None = None
    primary_completion_date: PartialDate | None = None
    completion_date: PartialDate | None = None
    first_posted: PartialDate | None = None
    last_update_posted: PartialDate | None = None
    conditions: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    mesh_conditions: list[str] = field(default_factory=list)  # derived MeSH terms
    mesh_condition_ancestors: list[str] = field(default_factory=list)
    mesh_interventions: list[str] = field(default_factory=list)
    brief_summary: str | None = None
    detailed_description: str | None = None
    design: Design = field(default_factory=Design)
    arms: list[Arm] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    eligibility: Eligibility = field(default_factory=Eligibility)
    primary_outcomes: list[Outcome] = field(default_factory=list)
    secondary_outcomes: list[Outcome] = field(default_factory=list)
    other_outcomes: list[Outcome] = field(default_factory=list)
    lead_sponsor: Sponsor | None = None
    collaborators: list[Sponsor] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    central_contacts: list[Contact] = field(default_factory=list)
    overall_officials: list[Contact] = field(default_factory=list)
    has_results: bool = False
    provenance: Provenance | None = None

    @property
    def last_update(self) -> str | None:
        return self.last_update_posted.date if self.last_update_posted else None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trial:
        return _build(cls, data)


def to_dict(obj: Any) -> dict[str, Any]:
    """A JSON-ready dict of a model object (the store and ``--json`` output use this)."""
    return dataclasses.asdict(obj)


# Which fields hold nested model objects, for from_dict. Kept explicit rather than read from
# annotations at run time: with ``from __future__ import annotations`` they are strings.
_NESTED: dict[type, dict[str, tuple[type, bool]]] = {
    Site: {"contacts": (Contact, True)},
    Eligibility: {"minimum_age": (Age, False), "maximum_age": (Age, False)},
    Trial: {
        "start_date": (PartialDate, False),
        "primary_completion_date": (PartialDate, False),
        "completion_date": (PartialDate, False),
        "first_posted": (PartialDate, False),
        "last_update_posted": (PartialDate, False),
        "design": (Design, False),
        "arms": (Arm, True),
        "interventions": (Intervention, True),
        "eligibility": (Eligibility, False),
        "primary_outcomes": (Outcome, True),
        "secondary_outcomes": (Outcome, True),
        "other_outcomes": (Outcome, True),
        "lead_sponsor": (Sponsor, False),
        "collaborators": (Sponsor, True),
        "sites": (Site, True),
        "central_contacts": (Contact, True),
        "overall_officials": (Contact, True),
        "provenance": (Provenance, False),
    },
}


_FIELD_NAMES: dict[type, frozenset[str]] = {}


def _build(cls: type, data: dict[str, Any]) -> Any:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = frozenset(f.name for f in dataclasses.fields(cls))
    nested = _NESTED.get(cls)
    # Whole dicts at a time rather than key by key: a trial with hundreds of sites is
    # hundreds of these calls, on every trial page and every search result.
    if names.issuperset(data):
        if nested is None:
            return cls(**data)
        kwargs = dict(data)
    else:
        kwargs = {k: v for k, v in data.items() if k in names}  # a field a newer version wrote: ignored
    if nested:
        for key, (sub, many) in nested.items():
            value = kwargs.get(key)
            if value is not None:
                kwargs[key] = [_build(sub, v) for v in value] if many else _build(sub, value)
    return cls(**kwargs)
