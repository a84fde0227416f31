"""ClinicalTrials.gov API v2 JSON study → :class:`~cleartrial.model.Trial`.

The API already speaks the vocabulary the model uses, so this is mostly a careful walk over
optional modules: real records lack whole modules (two in the shared sample have no
``statusModule``), and a missing module must give empty values, never an error. Only a study
without a usable NCT id is rejected.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import RecordError
from ..model import (
    NCT_ID_RE,
    Age,
    Arm,
    Contact,
    Design,
    Eligibility,
    Intervention,
    Outcome,
    PartialDate,
    Site,
    Sponsor,
    Trial,
)

# API v2 text is Markdown and escapes punctuation that Markdown would read as syntax
# ("\\>200 mg/dL", "\\[HbA1c\\]"). People must see "> 200", so we drop the escaping
# backslash. Only ASCII punctuation is ever escaped by the registry.
_MD_ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")
_AGE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+?)s?\s*$")
_AGE_UNITS = {"year": "YEARS", "month": "MONTHS", "week": "WEEKS", "day": "DAYS", "hour": "HOURS", "minute": "MINUTES"}


def unescape_markdown(text: str | None) -> str | None:
    if text is None:
        return None
    text = _MD_ESCAPE_RE.sub(r"\1", text).replace("\r\n", "\n").strip()
    return text or None


def parse_age(text: str | None) -> Age | None:
    """ "18 Years" → Age(18, "YEARS"); missing or "N/A" → None (no limit on that side)."""
    if not text or text.strip().upper() in {"N/A", "NA", "NONE"}:
        return None
    m = _AGE_RE.match(text)
    if not m:
        raise RecordError(f"age limit {text!r} is not a number followed by a unit")
    unit = _AGE_UNITS.get(m.group(2).lower())
    if unit is None:
        raise RecordError(f"age limit {text!r} has an unknown unit")
    value = float(m.group(1))
    return Age(int(value) if value.is_integer() else value, unit)


def _date(struct: dict | None) -> PartialDate | None:
    if not struct or not struct.get("date"):
        return None
    return PartialDate(struct["date"], struct.get("type"))


def _contact(d: dict) -> Contact:
    return Contact(
        name=d.get("name"),
        role=d.get("role"),
        phone=d.get("phone"),
        phone_ext=d.get("phoneExt"),
        email=d.get("email"),
        affiliation=d.get("affiliation"),
    )


def _sponsor(d: dict | None) -> Sponsor | None:
    if not d or not d.get("name"):
        return None
    return Sponsor(d["name"], d.get("class"))


def _outcomes(items: list[dict] | None) -> list[Outcome]:
    return [
        Outcome(
            measure=unescape_markdown(o.get("measure")) or "",
            time_frame=unescape_markdown(o.get("timeFrame")),
            description=unescape_markdown(o.get("description")),
        )
        for o in items or ()
    ]


def _arm_intervention_name(name: str) -> str:
    # Arms list their interventions as "Drug: Aspirin"; the intervention itself is "Aspirin".
    kind, sep, rest = name.partition(": ")
    return rest if sep and kind.replace(" ", "").isalpha() and kind[:1].isupper() else name


def _site(d: dict) -> Site:
    geo = d.get("geoPoint") or {}
    return Site(
        facility=d.get("facility"),
        city=d.get("city"),
        state=d.get("state"),
        zip=d.get("zip"),
        country=d.get("country"),
        status=d.get("status"),
        lat=geo.get("lat"),
        lon=geo.get("lon"),
        contacts=[_contact(c) for c in d.get("contacts") or ()],
    )


def parse_json_study(obj: Any, *, origin: str | None = None) -> Trial:
    """Build a Trial from one API v2 study object. Raises RecordError when it cannot."""
    if not isinstance(obj, dict):
        raise RecordError(f"expected a JSON object for a study, got {type(obj).__name__}")
    ps = obj.get("protocolSection")
    if not isinstance(ps, dict):
        raise RecordError("no protocolSection: this is not a ClinicalTrials.gov API v2 study")
    ident = ps.get("identificationModule") or {}
    nct_id = ident.get("nctId")
    if not isinstance(nct_id, str) or not NCT_ID_RE.match(nct_id):
        raise RecordError(
            f"nctId {nct_id!r} is not a ClinicalTrials.gov id (NCT followed by 8 digits)"
        )
    try:
        return _parse(obj, ps, ident, nct_id)
    except RecordError:
        raise
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        # A module of an unexpected shape (a list where an object belongs…).
        raise RecordError(f"{nct_id}: unexpected structure ({type(exc).__name__}: {exc})") from exc


def _parse(obj: dict, ps: dict, ident: dict, nct_id: str) -> Trial:
    status = ps.get("statusModule") or {}
    design_mod = ps.get("designModule") or {}
    info = design_mod.get("designInfo") or {}
    masking = info.get("maskingInfo") or {}
    desc = ps.get("descriptionModule") or {}
    cond = ps.get("conditionsModule") or {}
    ai = ps.get("armsInterventionsModule") or {}
    elig = ps.get("eligibilityModule") or {}
    outc = ps.get("outcomesModule") or {}
    spons = ps.get("sponsorCollaboratorsModule") or {}
    cl = ps.get("contactsLocationsModule") or {}
    derived = obj.get("derivedSection") or {}
    enrollment = design_mod.get("enrollmentInfo") or {}

    interventions = [
        Intervention(
            type=i.get("type"),
            name=i.get("name"),
            other_names=list(i.get("otherNames") or ()),
            description=unescape_markdown(i.get("description")),
            arm_labels=list(i.get("armGroupLabels") or ()),
        )
        for i in ai.get("interventions") or ()
    ]
    arms = [
        Arm(
            label=a.get("label"),
            type=a.get("type"),
            description=unescape_markdown(a.get("description")),
            interventions=[_arm_intervention_name(n) for n in a.get("interventionNames") or ()],
        )
        for a in ai.get("armGroups") or ()
    ]
    count = enrollment.get("count")
    return Trial(
        nct_id=nct_id,
        aliases=[a for a in ident.get("nctIdAliases") or () if isinstance(a, str) and NCT_ID_RE.match(a)],
        brief_title=ident.get("briefTitle"),
        official_title=ident.get("officialTitle"),
        acronym=ident.get("acronym"),
        overall_status=status.get("overallStatus"),
        last_known_status=status.get("lastKnownStatus"),
        why_stopped=unescape_markdown(status.get("whyStopped")),
        phases=list(design_mod.get("phases") or ()),
        study_type=design_mod.get("studyType"),
        enrollment_count=int(count) if count is not None else None,
        enrollment_type=enrollment.get("type"),
        start_date=_date(status.get("startDateStruct")),
        primary_completion_date=_date(status.get("primaryCompletionDateStruct")),
        completion_date=_date(status.get("completionDateStruct")),
        first_posted=_date(status.get("studyFirstPostDateStruct")),
        last_update_posted=_date(status.get("lastUpdatePostDateStruct")),
        conditions=list(cond.get("conditions") or ()),
        keywords=list(cond.get("keywords") or ()),
        mesh_conditions=_mesh_terms(derived, "conditionBrowseModule", "meshes"),
        mesh_condition_ancestors=_mesh_terms(derived, "conditionBrowseModule", "ancestors"),
        mesh_interventions=_mesh_terms(derived, "interventionBrowseModule", "meshes"),
        brief_summary=unescape_markdown(desc.get("briefSummary")),
        detailed_description=unescape_markdown(desc.get("detailedDescription")),
        design=Design(
            allocation=info.get("allocation"),
            intervention_model=info.get("interventionModel"),
            intervention_model_description=unescape_markdown(info.get("interventionModelDescription")),
            masking=masking.get("masking"),
            who_masked=list(masking.get("whoMasked") or ()),
            primary_purpose=info.get("primaryPurpose"),
            observational_model=info.get("observationalModel"),
            time_perspective=info.get("timePerspective"),
            patient_registry=design_mod.get("patientRegistry"),
        ),
        arms=arms,
        interventions=interventions,
        eligibility=Eligibility(
            criteria=unescape_markdown(elig.get("eligibilityCriteria")),
            minimum_age=parse_age(elig.get("minimumAge")),
            maximum_age=parse_age(elig.get("maximumAge")),
            sex=elig.get("sex") or "ALL",
            gender_based=elig.get("genderBased"),
            gender_description=unescape_markdown(elig.get("genderDescription")),
            healthy_volunteers=elig.get("healthyVolunteers"),
            std_ages=list(elig.get("stdAges") or ()),
            study_population=unescape_markdown(elig.get("studyPopulation")),
        ),
        primary_outcomes=_outcomes(outc.get("primaryOutcomes")),
        secondary_outcomes=_outcomes(outc.get("secondaryOutcomes")),
        other_outcomes=_outcomes(outc.get("otherOutcomes")),
        lead_sponsor=_sponsor(spons.get("leadSponsor")),
        collaborators=[s for s in map(_sponsor, spons.get("collaborators") or ()) if s],
        sites=[_site(loc) for loc in cl.get("locations") or ()],
        central_contacts=[_contact(c) for c in cl.get("centralContacts") or ()],
        overall_officials=[_contact(c) for c in cl.get("overallOfficials") or ()],
        has_results=bool(obj.get("hasResults") or obj.get("resultsSection")),
    )


def _mesh_terms(derived: dict, module: str, key: str) -> list[str]:
    return [m["term"] for m in (derived.get(module) or {}).get(key) or () if m.get("term")]
