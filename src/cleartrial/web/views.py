"""What each page shows, as plain data: the template renders it and the JSON twin returns it.

Building one dict per page and handing the same dict to both keeps the promise that a
page and its twin carry the same data. Everything here is words and numbers for people;
the normalized record itself is at ``/api/v1/trials/{nct_id}``.
"""

from __future__ import annotations

from datetime import datetime, timezone

from ..explain import design, participation, questions
from ..geo import Place, haversine_miles
from ..model import Contact, Trial
from ..search import SearchHit, SearchResult
from ..words import (
    PHASE_MEANING,
    age_range_words,
    date_words,
    phase_words,
    sex_words,
    status_words,
    who_can_join,
)
from .involves import involves_section

CTGOV_STUDY_URL = "https://clinicaltrials.gov/study/{}"
SITES_SHOWN = 50  # the rest behind "show all sites": some trials list over 1,000
OPEN_SITE_STATUSES = {"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE"}

ARM_TYPE_WORDS = {
    "EXPERIMENTAL": "Treatment being tested",
    "ACTIVE_COMPARATOR": "Compared with an existing treatment",
    "PLACEBO_COMPARATOR": "Placebo (a dummy treatment with no active drug)",
    "SHAM_COMPARATOR": "Sham (a pretend procedure)",
    "NO_INTERVENTION": "No study treatment",
    "OTHER": "Other",
}
SPONSOR_KIND_WORDS = {
    "NIH": "US National Institutes of Health",
    "FED": "US federal agency",
    "INDUSTRY": "Company",
    "OTHER_GOV": "Government agency",
    "INDIV": "Individual",
    "NETWORK": "Research network",
    "AMBIG": None,
    "UNKNOWN": None,
    "OTHER": "University, hospital or other organization",
}
SOURCE_WORDS = {
    "ctgov-json-v2": "ClinicalTrials.gov (API version 2 record)",
    "ctgov-xml": "ClinicalTrials.gov (legacy XML download)",
}


def _days_ago(iso: str | None, now: datetime) -> str | None:
    if not iso:
        return None
    try:
        then = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=timezone.utc)
    days = (now - then).days
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days:,} days ago"


def _contact(c: Contact) -> dict:
    phone = c.phone + (f" ext. {c.phone_ext}" if c.phone_ext else "") if c.phone else None
    return {"name": c.name, "role": (c.role or "").replace("_", " ").lower() or None, "phone": phone,
            "email": c.email, "affiliation": c.affiliation}


def _fact(f) -> dict | None:
    return None if f is None else {"text": f.text, "source": f.source}


# -- search results -------------------------------------------------------------------------

def card(hit: SearchHit) -> dict:
    t = hit.trial
    site = hit.nearest_site
    return {
        "nct_id": t.nct_id,
        "title": t.brief_title or t.official_title or t.nct_id,
        "status": t.overall_status,
        "status_words": status_words(t.overall_status),
        "phases": t.phases,
        "phase_words": phase_words(t.phases, t.study_type),
        "study_type": t.study_type,
        "who_can_join": who_can_join(t.eligibility),
        "conditions": t.conditions,
        "minimum_age": str(t.eligibility.minimum_age) if t.eligibility.minimum_age else None,
        "maximum_age": str(t.eligibility.maximum_age) if t.eligibility.maximum_age else None,
        "sex": t.eligibility.sex,
        "healthy_volunteers": t.eligibility.healthy_volunteers,
        "enrollment": t.enrollment_count,
        "enrollment_type": t.enrollment_type,
        "last_update": t.last_update,
        "last_update_words": date_words(t.last_update),
        "snippet": hit.snippet,
        "snippet_highlights": [list(m) for m in hit.snippet_highlights],
        "score": hit.score,
        "nearest_site": None if site is None else {
            "facility": site.facility, "city": site.city, "state": site.state, "country": site.country,
            "status": site.status, "status_words": status_words(site.status) if site.status else None,
            "distance_miles": site.distance_miles, "approximate_location": site.approximate,
        },
        "url": f"/trials/{t.nct_id}",
        "registry_url": CTGOV_STUDY_URL.format(t.nct_id),
    }


def search_page(result: SearchResult, typed_text: str) -> dict:
    q = result.query
    return {
        "query": {
            "text": typed_text,
            "searched_text": getattr(result, "corrected_text", None) or q.text,
            "statuses": q.statuses, "age": q.age, "sex": q.sex, "phases": q.phases,
            "study_types": q.study_types, "healthy_volunteers": q.healthy_volunteers,
            "near": result.place.label if result.place else None,
            "radius_miles": q.radius_miles if result.place else None,
            "sort": q.sort,
        },
        "place": None if result.place is None else
        {"label": result.place.label, "lat": result.place.lat, "lon": result.place.lon},
        "total": result.total,
        "page": q.page,
        "per_page": q.per_page,
        "pages": result.pages,
        "relaxed": result.relaxed,
        "corrected_text": getattr(result, "corrected_text", None),
        "suggestion": getattr(result, "suggestion", None),
        "synonyms": result.synonyms,
        "results": [card(h) for h in result.hits],
    }


# -- the trial page -------------------------------------------------------------------------

def _site(s, idx: int, place: Place | None) -> dict:
    distance = None
    if place is not None and s.lat is not None and s.lon is not None:
        distance = round(haversine_miles(place.lat, place.lon, s.lat, s.lon), 1)
    return {
        "facility": s.facility, "city": s.city, "state": s.state, "zip": s.zip, "country": s.country,
        "status": s.status, "status_words": status_words(s.status) if s.status else "Status not stated",
        "open": s.status in OPEN_SITE_STATUSES,
        "lat": s.lat, "lon": s.lon, "distance_miles": distance,
        "contacts": [_contact(c) for c in s.contacts],
    }


def _sorted_sites(trial: Trial, place: Place | None) -> list[dict]:
    sites = [_site(s, i, place) for i, s in enumerate(trial.sites)]
    if place is not None:
        # Nearest first; sites without coordinates (rare in API records) go last.
        sites.sort(key=lambda s: (s["distance_miles"] is None, s["distance_miles"] or 0))
    else:
        sites.sort(key=lambda s: (not s["open"], s["country"] or "", s["state"] or "", s["city"] or ""))
    return sites


def copy_age_words(copied_at: str | None, now: datetime | None = None) -> str | None:
    """How old our copy is, in words ("3 days ago"): the trial page's one phrase that depends
    on the time it is rendered (web.speed.PageCache checks it)."""
    return _days_ago(copied_at, now or datetime.now(timezone.utc))


def trial_page(trial: Trial, *, place: Place | None = None, all_sites: bool = False,
               now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    e = trial.eligibility
    prov = trial.provenance
    sites = _sorted_sites(trial, place)
    open_sites = sum(1 for s in sites if s["open"])
    nearest = sites[0] if place is not None and sites and sites[0]["distance_miles"] is not None else None
    countries = sorted({s["country"] for s in sites if s["country"]})
    copied_at = (prov.fetched_at or prov.loaded_at) if prov else None
    placebo = design.placebo_chance(trial)
    length = design.study_length(trial)
    dates = design.study_dates(trial)
    tested = design.what_is_tested(trial)
    taking_part = participation.participation_facts(trial)  # read once: the section and the questions use it

    return {
        "nct_id": trial.nct_id,
        "aliases": trial.aliases,
        "header": {
            "title": trial.brief_title or trial.official_title or trial.nct_id,
            "official_title": trial.official_title if trial.official_title != trial.brief_title else None,
            "acronym": trial.acronym,
            "status": trial.overall_status,
            "status_words": status_words(trial.overall_status),
            "why_stopped": trial.why_stopped,
            "phases": trial.phases,
            "phase_words": phase_words(trial.phases, trial.study_type),
            "phase_meanings": [{"phase": phase_words([p]), "meaning": PHASE_MEANING[p]}
                               for p in trial.phases if p in PHASE_MEANING],
            "study_type": trial.study_type,
            "last_update": trial.last_update,
            "last_update_words": date_words(trial.last_update),
            "our_copy": copied_at,
            "our_copy_age_words": _days_ago(copied_at, now),
            "registry_url": CTGOV_STUDY_URL.format(trial.nct_id),
        },
        "at_a_glance": {
            "what_is_tested": [_fact(f) for f in tested],
            "for_whom": {"labels": who_can_join(e), "conditions": trial.conditions},
            "where": {
                "sites": len(sites), "open_sites": open_sites, "countries": countries,
                "nearest": None if nearest is None else {
                    "facility": nearest["facility"], "city": nearest["city"], "state": nearest["state"],
                    "country": nearest["country"], "distance_miles": nearest["distance_miles"],
                },
            },
            "how_long": _fact(length),
            "dates": _fact(dates),
            "placebo": _fact(placebo),
            "enrollment": trial.enrollment_count,
            "enrollment_type": trial.enrollment_type,
        },
        "summary": {"brief": trial.brief_summary, "detailed": trial.detailed_description},
        "who_can_join": {
            "ages": age_range_words(e),
            "sex": sex_words(e.sex),
            "gender_description": e.gender_description,
            "healthy_volunteers": e.healthy_volunteers,
            "healthy_volunteers_words": {True: "Healthy volunteers can take part",
                                         False: "Only people with the condition studied"}.get(e.healthy_volunteers,
                                                                                            "The record does not say whether healthy volunteers can take part"),
            "study_population": e.study_population,
            "criteria": e.criteria,  # the registry's own words (plain-language version: the explain layer)
        },
        "study": {
            "design": [_fact(f) for f in design.design_facts(trial)],
            "arms": [{
                "label": a.label, "type": a.type,
                "type_words": ARM_TYPE_WORDS.get(a.type or "", None),
                "description": a.description, "interventions": a.interventions,
            } for a in trial.arms],
            "interventions": [{
                "type": i.type, "name": i.name, "other_names": i.other_names, "description": i.description,
            } for i in trial.interventions],
        },
        "outcomes": {
            kind: [{"measure": o.measure, "time_frame": o.time_frame, "description": o.description} for o in outs]
            for kind, outs in (("primary", trial.primary_outcomes), ("secondary", trial.secondary_outcomes),
                               ("other", trial.other_outcomes))
        },
        "involves": involves_section(taking_part),
        "questions": questions.question_lists(trial, taking_part),
        "sites": {
            "total": len(sites),
            "open": open_sites,
            "sorted_by": "distance" if place is not None else "status and place",
            "near": place.label if place is not None else None,
            "shown": len(sites) if all_sites else min(len(sites), SITES_SHOWN),
            "list": sites if all_sites else sites[:SITES_SHOWN],
        },
        "contacts": {
            "central": [_contact(c) for c in trial.central_contacts],
            "officials": [_contact(c) for c in trial.overall_officials],
        },
        "sponsor": {
            "lead": None if trial.lead_sponsor is None else {
                "name": trial.lead_sponsor.name,
                "kind_words": SPONSOR_KIND_WORDS.get(trial.lead_sponsor.agency_class or "", None),
            },
            "collaborators": [c.name for c in trial.collaborators],
        },
        "data_notes": {
            "source": SOURCE_WORDS.get(prov.source_format, prov.source_format) if prov else None,
            "record_last_update": trial.last_update,
            "our_copy": copied_at,
            "caveats": _caveats(trial, sites),
        },
    }


def _caveats(trial: Trial, sites: list[dict]) -> list[str]:
    notes = []
    if sites:
        notes.append("Some sites listed may already be full or no longer taking part. Confirm with the study team.")
    if any(s["lat"] is None for s in sites):
        notes.append("Some site locations are approximate (placed at the centre of their city or ZIP code).")
    prov = trial.provenance
    if prov and prov.source_format == "ctgov-xml":
        notes.append("This copy comes from an older bulk download; the registry may have newer information.")
    if trial.overall_status == "UNKNOWN":
        notes.append("The sponsor has not confirmed this trial's status in over two years.")
    notes.append("This page is not medical advice. Only the study team can tell you whether you can take part.")
    return notes


def about_page(stats: dict) -> dict:
    last_sync = stats.get("last_sync") or {}
    last_load = stats.get("last_load") or {}
    return {
        "trials": stats["trials"],
        "by_status": [{"status": s, "status_words": status_words(None if s == "NOT_STATED" else s), "trials": n}
                      for s, n in stats["by_status"].items()],
        "sites": stats["sites"],
        "sites_with_coordinates": stats["sites_with_coordinates"],
        "quarantined": stats["quarantined"],
        "newest_record_update": stats["newest_record_update"],
        "newest_record_update_words": date_words(stats["newest_record_update"]),
        "last_sync": last_sync.get("finished_at") or last_sync.get("at") if last_sync else None,
        "last_load": last_load.get("finished_at") or last_load.get("at") if last_load else None,
        "sources": stats["by_source_format"],
    }
