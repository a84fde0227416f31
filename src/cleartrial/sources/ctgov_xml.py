"""Legacy ClinicalTrials.gov ``clinical_study`` XML (public.xsd, the AllPublicXML dump) →
:class:`~cleartrial.model.Trial`.

The XML speaks in display labels ("Active, not recruiting", "Phase 1/Phase 2",
"Double (Participant, Investigator)", "February 15, 2023") where API v2 JSON uses codes
(``ACTIVE_NOT_RECRUITING``, ``["PHASE1", "PHASE2"]``, ``DOUBLE`` + who was masked,
``2023-02-15``). Everything is translated here to the API v2 vocabulary the model uses, so a
trial reads the same whichever format it came from. A label we have no entry for is
upper-snake-cased (``"Device Feasibility"`` → ``DEVICE_FEASIBILITY``), which is how API v2
names its codes, rather than rejected: the registry adds values over time.

A record is rejected (RecordError, whose message becomes the quarantine reason) only when it
is not a study we can identify (unparseable XML, another root, no valid NCT id) or when a
value we would otherwise have to guess is unreadable (an age limit, a date, an enrollment
count): a silently wrong age limit would make eligibility search lie.

Speed: one ``fromstring`` on the bytes (the bulky results section cut out first), then a
single pass over the root's children into a tag → elements dict; the rest reads those few
elements directly. About 0.5 ms for a median record, of which expat takes ~0.2 ms and
re-flowing the text blocks ~0.1 ms.
"""

from __future__ import annotations

import re
from functools import lru_cache
from xml.etree.ElementTree import Element, ParseError, fromstring

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
from .text import clean_plain_text, clean_text_block

# --- vocabulary -----------------------------------------------------------------------------
# Only labels that upper-snake-casing would get wrong are listed; the rest go through _code().

_STATUS = {"unknown status": "UNKNOWN"}
_AGENCY_CLASS = {"u.s. fed": "FED"}
_ALLOCATION = {"n/a": "NA"}
_INTERVENTION_MODEL = {
    "single group assignment": "SINGLE_GROUP",
    "parallel assignment": "PARALLEL",
    "crossover assignment": "CROSSOVER",
    "factorial assignment": "FACTORIAL",
    "sequential assignment": "SEQUENTIAL",
}
_PRIMARY_PURPOSE = {"educational/counseling/training": "ECT"}  # API v2's own abbreviation
# Masking: current labels ("Double") and the pre-2017 ones ("Double Blind", "Open Label").
_MASKING = {
    "none (open label)": "NONE",
    "none": "NONE",
    "open label": "NONE",
    "single blind": "SINGLE",
    "double blind": "DOUBLE",
    "double-blind": "DOUBLE",
    "single-blind": "SINGLE",
    "triple blind": "TRIPLE",
    "quadruple blind": "QUADRUPLE",
}
# Who is masked; old records said "Subject" and "Caregiver".
_WHO_MASKED = {
    "participant": "PARTICIPANT",
    "subject": "PARTICIPANT",
    "care provider": "CARE_PROVIDER",
    "caregiver": "CARE_PROVIDER",
    "investigator": "INVESTIGATOR",
    "outcomes assessor": "OUTCOMES_ASSESSOR",
}
_SEX = {"all": "ALL", "both": "ALL", "female": "FEMALE", "male": "MALE"}
_YES_NO = {"yes": True, "no": False, "accepts healthy volunteers": True}
_DATE_TYPE = {"actual": "ACTUAL", "anticipated": "ESTIMATED", "estimate": "ESTIMATED", "estimated": "ESTIMATED"}

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
# "February 2023", "February 15, 2023" (the XML's two forms); ISO dates are let through too.
_DATE_RE = re.compile(r"^([A-Za-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})$")
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}(?:-\d{2})?$")
_AGE_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$")
_AGE_UNITS = {"year": "YEARS", "month": "MONTHS", "week": "WEEKS", "day": "DAYS", "hour": "HOURS", "minute": "MINUTES"}
_PHASE_RE = re.compile(r"^(early\s+)?phase\s*(\d)$", re.I)
_NON_WORD_RE = re.compile(r"[^0-9A-Za-z]+")
# "Masking: Double Blind (Subject, Caregiver)" → label + the parenthesis.
_PAREN_RE = re.compile(r"^(.*?)\s*\((.*)\)\s*$")
# The older free-text design line: "Allocation:  Randomized, Masking:  Double-Blind, …".
# A key is capitalised words before a colon; values may hold commas inside parentheses.
_OLD_DESIGN_RE = re.compile(r"([A-Z][A-Za-z ]*?):\s*(.*?)(?=,\s*[A-Z][A-Za-z ]*?:|$)")
_RESULTS_OPEN = b"<clinical_results>"
_RESULTS_CLOSE = b"</clinical_results>"


def parse_xml_study(data: bytes, *, origin: str | None = None) -> Trial:
    """Build a Trial from one ``clinical_study`` XML document. Raises RecordError when it cannot.

    ``origin`` is accepted for symmetry with the JSON reader; error messages do not repeat it
    because the loader stores the origin next to the reason.
    """
    root, has_results = _parse_xml(data)
    if root.tag != "clinical_study":
        raise RecordError(f"root element is <{root.tag}>, not <clinical_study>: not a ClinicalTrials.gov study")
    kids: dict[str, list[Element]] = {}
    for el in root:
        kids.setdefault(el.tag, []).append(el)

    id_info = _one(kids, "id_info")
    nct_id = _text(id_info.find("nct_id")) if id_info is not None else None
    if nct_id is None:
        raise RecordError("no id_info/nct_id: the study has no ClinicalTrials.gov id")
    if not NCT_ID_RE.match(nct_id):
        raise RecordError(f"nct_id {nct_id!r} is not a ClinicalTrials.gov id (NCT followed by 8 digits)")
    try:
        trial = _parse(kids, nct_id, has_results or "clinical_results" in kids)
        # Ids of records the registry merged into this one: a person may hold an old one.
        trial.aliases = [a for a in (_text(el) for el in id_info.findall("nct_alias")) if a and NCT_ID_RE.match(a)]
        return trial
    except RecordError as exc:
        raise RecordError(f"{nct_id}: {exc}") from exc
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        # An element of an unexpected shape; say which study rather than crash the load.
        raise RecordError(f"{nct_id}: unexpected structure ({type(exc).__name__}: {exc})") from exc


def _parse_xml(data: bytes) -> tuple[Element, bool]:
    """Parse the document, leaving out the ``<clinical_results>`` section when there is one.

    We only need to know that results exist, and that section is most of a record that has
    it (75 KB of a typical 80 KB, thousands of elements): cutting it out of the bytes first
    makes those records about 3× faster to read. The cut is plain byte search for the exact
    tags, skipped when the opening tag sits inside a comment or CDATA; and if the remainder
    does not parse we parse the whole document as it is, so the shortcut can never lose a
    record or change an error.
    """
    start = data.find(_RESULTS_OPEN)
    if start != -1 and not _inside_markup(data, start):
        end = data.rfind(_RESULTS_CLOSE)
        if end > start:
            try:
                return fromstring(data[:start] + data[end + len(_RESULTS_CLOSE) :]), True
            except ParseError:
                pass
    try:
        return fromstring(data), False
    except ParseError as exc:
        raise RecordError(f"not well-formed XML: {exc}") from exc


def _inside_markup(data: bytes, pos: int) -> bool:
    """Whether ``pos`` falls inside a comment or CDATA section opened before it."""
    for opener, closer in ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>")):
        if data.rfind(opener, 0, pos) > data.rfind(closer, 0, pos):
            return True
    return False


def _parse(kids: dict[str, list[Element]], nct_id: str, has_results: bool) -> Trial:
    def one(tag: str) -> Element | None:
        return _one(kids, tag)

    def text(tag: str) -> str | None:
        return _text(_one(kids, tag))

    def many(tag: str) -> list[str]:
        return [t for t in (_text(el) for el in kids.get(tag, ())) if t]

    study_type_label = text("study_type")
    study_type, patient_registry = _study_type(study_type_label)
    enrollment_el = one("enrollment")
    interventions = [_intervention(el) for el in kids.get("intervention", ())]

    return Trial(
        nct_id=nct_id,
        brief_title=text("brief_title"),
        official_title=text("official_title"),
        acronym=text("acronym"),
        overall_status=_code(text("overall_status"), _STATUS),
        last_known_status=_code(text("last_known_status"), _STATUS),
        # why_stopped is wrapped and indented like a text block in the XML.
        why_stopped=clean_text_block(_raw(one("why_stopped"))),
        phases=_phases(text("phase")),
        study_type=study_type,
        enrollment_count=_int(_text(enrollment_el), "enrollment"),
        enrollment_type=_date_type(enrollment_el),
        start_date=_date(one("start_date"), "start_date"),
        primary_completion_date=_date(one("primary_completion_date"), "primary_completion_date"),
        completion_date=_date(one("completion_date"), "completion_date"),
        # Records from older dumps (before the 2017 renaming) use the older element names.
        first_posted=_date(_first(kids, "study_first_posted", "firstreceived_date"), "study_first_posted"),
        last_update_posted=_date(_first(kids, "last_update_posted", "lastchanged_date"), "last_update_posted"),
        conditions=many("condition"),
        keywords=many("keyword"),
        mesh_conditions=_mesh(one("condition_browse")),
        mesh_interventions=_mesh(one("intervention_browse")),
        brief_summary=_textblock(one("brief_summary")),
        detailed_description=_textblock(one("detailed_description")),
        design=_design(one("study_design_info"), text("study_design"), patient_registry),
        arms=[_arm(el, interventions) for el in kids.get("arm_group", ())],
        interventions=interventions,
        eligibility=_eligibility(one("eligibility")),
        primary_outcomes=[_outcome(el) for el in kids.get("primary_outcome", ())],
        secondary_outcomes=[_outcome(el) for el in kids.get("secondary_outcome", ())],
        other_outcomes=[_outcome(el) for el in kids.get("other_outcome", ())],
        lead_sponsor=_sponsor(_find(one("sponsors"), "lead_sponsor")),
        collaborators=_collaborators(one("sponsors")),
        sites=[_site(el) for el in kids.get("location", ())],
        central_contacts=[
            _contact(el, "CONTACT") for tag in ("overall_contact", "overall_contact_backup") for el in kids.get(tag, ())
        ],
        overall_officials=[_contact(el) for el in kids.get("overall_official", ())],
        has_results=has_results,
        provenance=None,  # the caller stamps it (it knows the file and the raw bytes)
    )


# --- small readers --------------------------------------------------------------------------


def _one(kids: dict[str, list[Element]], tag: str) -> Element | None:
    found = kids.get(tag)
    return found[0] if found else None


def _first(kids: dict[str, list[Element]], *tags: str) -> Element | None:
    # Not `one(a) or one(b)`: an Element without children is falsy.
    for tag in tags:
        found = kids.get(tag)
        if found:
            return found[0]
    return None


def _find(el: Element | None, tag: str) -> Element | None:
    return el.find(tag) if el is not None else None


def _raw(el: Element | None) -> str | None:
    return el.text if el is not None else None


def _text(el: Element | None) -> str | None:
    """An element's text, stripped; None when absent or empty. (Short fields: titles, names…)"""
    if el is None or el.text is None:
        return None
    return el.text.strip() or None


def _child_text(el: Element, tag: str) -> str | None:
    return _text(el.find(tag))


def _textblock(el: Element | None) -> str | None:
    """``<x><textblock>…</textblock></x>`` → cleaned text."""
    return clean_text_block(_raw(el.find("textblock"))) if el is not None else None


def _code(label: str | None, table: dict[str, str] | None = None) -> str | None:
    """A display label → its API v2 code: from ``table`` if listed, else upper snake case
    ("Active, not recruiting" → ACTIVE_NOT_RECRUITING, "Case-Only" → CASE_ONLY)."""
    if not label:
        return None
    if table:
        hit = table.get(label.lower())
        if hit:
            return hit
    return _snake(label)


@lru_cache(maxsize=1024)
def _snake(label: str) -> str | None:
    # Cached: the same few hundred labels come back in every record.
    return _NON_WORD_RE.sub("_", label).strip("_").upper() or None


def _phases(label: str | None) -> list[str]:
    """ "Phase 1/Phase 2" → ["PHASE1", "PHASE2"]; "Early Phase 1" → ["EARLY_PHASE1"]; "N/A" → ["NA"]."""
    if not label:
        return []
    if label.upper() in ("N/A", "NA"):
        return ["NA"]
    phases = []
    for part in label.split("/"):
        part = part.strip()
        m = _PHASE_RE.match(part)
        if m:
            phases.append(("EARLY_PHASE" if m.group(1) else "PHASE") + m.group(2))
        elif part:
            phases.append(_code(part))
    return phases


def _study_type(label: str | None) -> tuple[str | None, bool | None]:
    """Study type and, for observational studies, whether it is a patient registry (the XML
    says so only in the label: "Observational [Patient Registry]")."""
    if not label:
        return None, None
    registry = "[patient registry]" in label.lower()
    base = label.split("[", 1)[0].strip()
    code = _code(base)
    if code == "OBSERVATIONAL":
        return code, registry
    return code, None


def _date_type(el: Element | None) -> str | None:
    if el is None:
        return None
    kind = el.get("type")
    return _code(kind, _DATE_TYPE) if kind else None


def _date(el: Element | None, what: str) -> PartialDate | None:
    """ "February 2023" → 2023-02, "February 15, 2023" → 2023-02-15, type Actual → ACTUAL,
    Anticipated/Estimate → ESTIMATED (no attribute → None)."""
    label = _text(el)
    if label is None:
        return None
    iso = _iso_date(label)
    if iso is None:
        raise RecordError(f"{what} {label!r} is not a date like 'March 2021' or 'March 5, 2021'")
    return PartialDate(iso, _date_type(el))


@lru_cache(maxsize=8192)
def _iso_date(label: str) -> str | None:
    # Cached: a dump holds a few thousand distinct dates, each repeated many times.
    if _ISO_DATE_RE.match(label):
        return label
    m = _DATE_RE.match(label)
    month = _MONTHS.get(m.group(1).lower()) if m else None
    if month is None:
        return None
    day = m.group(2)
    if day is None:
        return f"{m.group(3)}-{month:02d}"
    if not 1 <= int(day) <= 31:
        return None
    return f"{m.group(3)}-{month:02d}-{int(day):02d}"


def _int(label: str | None, what: str) -> int | None:
    if label is None:
        return None
    try:
        return int(label)
    except ValueError:
        try:
            value = float(label)
        except ValueError:
            raise RecordError(f"{what} {label!r} is not a number") from None
        if not value.is_integer():
            raise RecordError(f"{what} {label!r} is not a whole number") from None
        return int(value)


def _age(label: str | None, what: str) -> Age | None:
    """ "18 Years" → Age(18, "YEARS"); "N/A" or missing → None (no limit on that side)."""
    if not label or label.upper() in ("N/A", "NA", "NONE"):
        return None
    m = _AGE_RE.match(label)
    unit = _AGE_UNITS.get(m.group(2).lower().rstrip("s")) if m else None
    if unit is None:
        raise RecordError(f"{what} {label!r} is not an age like '18 Years' or '6 Months'")
    value = float(m.group(1))
    return Age(int(value) if value.is_integer() else value, unit)


def _mesh(browse: Element | None) -> list[str]:
    if browse is None:
        return []
    return [t for t in (_text(el) for el in browse.iter("mesh_term")) if t]


# --- sections -------------------------------------------------------------------------------


def _design(info: Element | None, old_line: str | None, patient_registry: bool | None) -> Design:
    design = Design(patient_registry=patient_registry)
    if info is not None:
        design.allocation = _code(_child_text(info, "allocation"), _ALLOCATION)
        design.intervention_model = _code(_child_text(info, "intervention_model"), _INTERVENTION_MODEL)
        design.intervention_model_description = clean_plain_text(_raw(info.find("intervention_model_description")))
        design.masking, design.who_masked = _masking(_child_text(info, "masking"))
        design.primary_purpose = _code(_child_text(info, "primary_purpose"), _PRIMARY_PURPOSE)
        design.observational_model = _code(_child_text(info, "observational_model"))
        design.time_perspective = _code(_child_text(info, "time_perspective"))
    elif old_line:
        _old_design(design, old_line)
    return design


def _old_design(design: Design, line: str) -> None:
    """Fill a Design from the older one-line form (2 records of the sample), e.g. "Allocation:  Randomized, Endpoint
    Classification:  Safety/Efficacy Study, Intervention Model:  Parallel Assignment, Masking:
    Double Blind (Subject, Caregiver), Primary Purpose:  Treatment". Keys we do not know
    (Endpoint Classification has no API v2 field) are skipped; nothing here can fail."""
    for key, value in _OLD_DESIGN_RE.findall(line):
        key, value = key.strip().lower(), value.strip()
        if not value:
            continue
        if key == "allocation":
            design.allocation = _code(value, _ALLOCATION)
        elif key == "intervention model":
            design.intervention_model = _code(value, _INTERVENTION_MODEL)
        elif key == "masking":
            design.masking, design.who_masked = _masking(value)
        elif key == "primary purpose":
            design.primary_purpose = _code(value, _PRIMARY_PURPOSE)
        elif key == "observational model":
            design.observational_model = _code(value)
        elif key == "time perspective":
            design.time_perspective = _code(value)


def _masking(label: str | None) -> tuple[str | None, list[str]]:
    """ "Double (Participant, Investigator)" → ("DOUBLE", ["PARTICIPANT", "INVESTIGATOR"]);
    "None (Open Label)" → ("NONE", []); "Double Blind (Subject, Caregiver)" (old) → DOUBLE,
    [PARTICIPANT, CARE_PROVIDER]."""
    if not label:
        return None, []
    hit = _MASKING.get(label.lower())
    if hit:
        return hit, []
    m = _PAREN_RE.match(label)
    base, who = (m.group(1), m.group(2)) if m else (label, "")
    masking = _MASKING.get(base.lower()) or _code(base)
    who_masked = []
    for part in who.split(","):
        part = part.strip()
        if part and part.lower() != "open label":
            who_masked.append(_code(part, _WHO_MASKED))
    return masking, who_masked


def _intervention(el: Element) -> Intervention:
    return Intervention(
        type=_code(_child_text(el, "intervention_type")),
        name=_child_text(el, "intervention_name"),
        other_names=[t for t in (_text(x) for x in el.findall("other_name")) if t],
        description=clean_plain_text(_raw(el.find("description"))),
        arm_labels=[t for t in (_text(x) for x in el.findall("arm_group_label")) if t],
    )


def _label_key(label: str) -> str:
    # Arm labels are matched the forgiving way (case, spacing): every one in the sample
    # matches exactly, but a near-miss should still link rather than vanish.
    return " ".join(label.split()).casefold()


def _arm(el: Element, interventions: list[Intervention]) -> Arm:
    label = _child_text(el, "arm_group_label")
    key = _label_key(label) if label else None
    return Arm(
        label=label,
        type=_code(_child_text(el, "arm_group_type")),
        description=clean_plain_text(_raw(el.find("description"))),
        # The XML links interventions to arms from the intervention side only.
        interventions=[
            i.name for i in interventions if i.name and key and any(_label_key(a) == key for a in i.arm_labels)
        ],
    )


def _eligibility(el: Element | None) -> Eligibility:
    if el is None:
        return Eligibility()
    minimum = _age(_child_text(el, "minimum_age"), "minimum_age")
    maximum = _age(_child_text(el, "maximum_age"), "maximum_age")
    return Eligibility(
        criteria=_textblock(el.find("criteria")),
        minimum_age=minimum,
        maximum_age=maximum,
        sex=_code(_child_text(el, "gender"), _SEX) or "ALL",
        gender_based=_yes_no(_child_text(el, "gender_based")),
        gender_description=clean_plain_text(_raw(el.find("gender_description"))),
        healthy_volunteers=_yes_no(_child_text(el, "healthy_volunteers")),
        std_ages=_std_ages(minimum, maximum),
        study_population=_textblock(el.find("study_pop")),
    )


def _yes_no(label: str | None) -> bool | None:
    return _YES_NO.get(label.lower()) if label else None


def _std_ages(minimum: Age | None, maximum: Age | None) -> list[str]:
    """The registry's age groups (child < 18 ≤ adult < 65 ≤ older adult) that the age range
    touches. API v2 ships them ready-made; the XML does not, so derive them the same way
    (checked against every JSON record in the shared sample)."""
    low = minimum.years if minimum else 0.0
    high = maximum.years if maximum else float("inf")
    groups = []
    if low < 18:
        groups.append("CHILD")
    if low < 65 and high >= 18:
        groups.append("ADULT")
    if high >= 65:
        groups.append("OLDER_ADULT")
    return groups


def _outcome(el: Element) -> Outcome:
    return Outcome(
        measure=_child_text(el, "measure") or "",
        time_frame=_child_text(el, "time_frame"),
        description=clean_plain_text(_raw(el.find("description"))),
    )


def _sponsor(el: Element | None) -> Sponsor | None:
    if el is None:
        return None
    name = _child_text(el, "agency")
    if not name:
        return None
    return Sponsor(name, _code(_child_text(el, "agency_class"), _AGENCY_CLASS))


def _collaborators(sponsors: Element | None) -> list[Sponsor]:
    if sponsors is None:
        return []
    return [s for s in map(_sponsor, sponsors.findall("collaborator")) if s]


def _contact(el: Element, role: str | None = None) -> Contact:
    """A contact, investigator or official. Names come split (first/middle/last, degrees) in
    the schema but in practice the whole name sits in last_name ("Jane Doe, MD")."""
    f = _leaves(el)
    name = " ".join(p for p in (f.get("first_name"), f.get("middle_name"), f.get("last_name")) if p) or None
    degrees = f.get("degrees")
    if degrees:
        name = f"{name}, {degrees}" if name else degrees
    return Contact(
        name=name,
        role=role or _code(f.get("role")),
        phone=f.get("phone"),
        phone_ext=f.get("phone_ext"),
        email=f.get("email"),
        affiliation=f.get("affiliation"),
    )


def _site(el: Element) -> Site:
    # One pass over the children: a big trial has hundreds of sites, so this is hot.
    site = Site()
    for child in el:
        tag = child.tag
        if tag == "facility":
            for part in child:
                if part.tag == "name":
                    site.facility = _text(part)
                elif part.tag == "address":
                    address = _leaves(part)
                    site.city = address.get("city")
                    site.state = address.get("state")
                    site.zip = address.get("zip")
                    site.country = address.get("country")
        elif tag == "status":
            site.status = _code(_text(child), _STATUS)
        elif tag in ("contact", "contact_backup"):
            site.contacts.append(_contact(child, "CONTACT"))
        elif tag == "investigator":
            site.contacts.append(_contact(child))
    # The legacy XML carries no coordinates: lat/lon stay None.
    # Contacts before investigators, as the registry lists them (the schema orders them so).
    return site


def _leaves(el: Element) -> dict[str, str]:
    """{tag: stripped text} of an element's children that have text (single-valued ones)."""
    out = {}
    for child in el:
        t = child.text
        if t is not None:
            t = t.strip()
            if t:
                out[child.tag] = t
    return out
