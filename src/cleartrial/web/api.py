"""The versioned JSON API, ``/api/v1/``: the same data as the pages, for programs.

The response models below describe the API (and the pages' JSON twins) in the OpenAPI document
at ``/api/v1/openapi.json``. Handlers return the view dicts directly, so the models cost nothing
per request; ``tests/test_api_schema.py`` keeps them honest: schemathesis checks every
response against them, and the models are exact (every key required, no unknown keys, ``None``
only where a value can really be missing), so a view that changes shape fails a test instead
of silently breaking a client.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ..explain.participation import GROUP_TITLES, KIND_GROUP, participation_facts
from ..explain.questions import question_lists
from ..model import Trial, to_dict
from ..search import search
from . import views
from .params import AllSitesQuery, NctPath, NearQuery, SearchParams, search_params
from .relax import relaxations

router = APIRouter(prefix="/api/v1", tags=["api v1"])


class _Exact(BaseModel):
    """Every field required (even ones with a default) and no other keys allowed.

    ``json_schema_serialization_defaults_required`` makes the *response* schema list each field
    as required, which is what the handlers guarantee: the view dicts always carry every key.
    The config also reaches the registry dataclasses nested in :class:`TrialResponse`.
    """

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


# -- errors ---------------------------------------------------------------------------------

class ErrorDetail(_Exact):
    status: int = Field(ge=400, le=599, description="The HTTP status, repeated for clients that only see the body.")
    message: str = Field(min_length=1, description="What went wrong and how to fix it, in plain words.")


class ErrorBody(_Exact):
    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI ``responses=`` entries for the error statuses an operation can answer with.

    422 is declared explicitly wherever a route has parameters: FastAPI would otherwise
    document its own ``{"detail": [...]}`` body, which this app never sends (app.py turns
    validation errors into the same ``{"error": ...}`` body as every other error).
    """
    meaning = {
        301: "The address is not canonical (lower-case id): the same trial at its canonical address.",
        302: "An old NCT id the registry merged into another trial: that trial's address.",
        400: "A parameter is not valid; the message says which and how to fix it.",
        404: "No trial with this id in our copy of the registry (or no such address).",
        422: "A parameter breaks a documented limit (such as its maximum length); the message says which.",
    }
    out: dict[int | str, dict] = {}
    for status in statuses:
        if status in (301, 302):
            # Redirects carry no body; Location is the address to follow.
            out[status] = {"description": meaning[status],
                           "headers": {"Location": {"description": "The canonical address.",
                                                    "schema": {"type": "string"}}}}
        else:
            out[status] = {"model": ErrorBody, "description": meaning[status]}
    return out


# -- search -----------------------------------------------------------------------------------

Sort = Literal["relevance", "distance", "newest"]


class SearchEcho(_Exact):
    """The search as it was run, after defaults and spelling correction."""

    text: str = Field(description="The words as typed.")
    searched_text: str = Field(description="The words actually searched (corrected when misspelt).")
    statuses: list[str] | None = Field(description="Registry statuses searched; null means every status.")
    age: float | None
    sex: Literal["FEMALE", "MALE"] | None
    phases: list[str] | None
    study_types: list[str] | None
    healthy_volunteers: bool | None
    near: str | None = Field(description="The place searched around, as we understood it.")
    radius_miles: float | None = Field(description="Only with a place.")
    sort: Sort = Field(description="The order used; without words it is distance (with a place) or newest.")


class SearchPlace(_Exact):
    label: str
    lat: float
    lon: float


class NearestSite(_Exact):
    facility: str | None
    city: str | None
    state: str | None
    country: str | None
    status: str | None
    status_words: str | None
    distance_miles: float
    approximate_location: bool = Field(
        description="Placed at its city or ZIP centre: the registry gave no coordinates.")


class TrialCard(_Exact):
    nct_id: str
    title: str
    status: str | None
    status_words: str
    phases: list[str]
    phase_words: str
    study_type: str | None
    who_can_join: list[str] = Field(description='Labels such as "Adults 18 to 75", "Women only".')
    conditions: list[str]
    minimum_age: str | None
    maximum_age: str | None
    sex: str | None
    healthy_volunteers: bool | None
    enrollment: int | None
    enrollment_type: str | None
    last_update: str | None
    last_update_words: str | None
    snippet: str | None
    snippet_highlights: list[Annotated[list[int], Field(min_length=2, max_length=2)]] = Field(
        description="[start, end) character offsets of the matched words in `snippet`.")
    score: float | None = Field(description="Text relevance (bm25: lower is better); null without words.")
    nearest_site: NearestSite | None
    url: str
    registry_url: str


class Relaxation(_Exact):
    label: str
    total: int = Field(ge=1)
    url: str


class SearchResponse(_Exact):
    query: SearchEcho
    place: SearchPlace | None
    total: int = Field(ge=0)
    page: int = Field(ge=1)
    per_page: int = Field(ge=1)
    pages: int = Field(ge=1)
    relaxed: bool = Field(description="No trial matched every word; these match some of them.")
    corrected_text: str | None = Field(description="The words actually searched, when a misspelling was corrected.")
    suggestion: str | None = Field(description='A "did you mean" suggestion.')
    synonyms: list[str]
    results: list[TrialCard]
    relax: list[Relaxation] = Field(description="When nothing was found: single changes that would find trials.")


# -- the trial page (views.trial_page) ------------------------------------------------------

class FactWords(_Exact):
    text: str = Field(description="One plain-English sentence.")
    source: str | None = Field(description="The registry wording it came from.")


class PhaseMeaning(_Exact):
    phase: str
    meaning: str


class PageHeader(_Exact):
    title: str
    official_title: str | None
    acronym: str | None
    status: str | None
    status_words: str
    why_stopped: str | None
    phases: list[str]
    phase_words: str
    phase_meanings: list[PhaseMeaning]
    study_type: str | None
    last_update: str | None
    last_update_words: str | None
    our_copy: str | None = Field(description="When our copy was read (ISO time).")
    our_copy_age_words: str | None
    registry_url: str


class ForWhom(_Exact):
    labels: list[str]
    conditions: list[str]


class NearestPageSite(_Exact):
    facility: str | None
    city: str | None
    state: str | None
    country: str | None
    distance_miles: float


class Where(_Exact):
    sites: int
    open_sites: int
    countries: list[str]
    nearest: NearestPageSite | None


class AtAGlance(_Exact):
    what_is_tested: list[FactWords]
    for_whom: ForWhom
    where: Where
    how_long: FactWords | None
    dates: FactWords | None
    placebo: FactWords | None = Field(description="The chance of getting a placebo, when the record supports it.")
    enrollment: int | None
    enrollment_type: str | None


class Summary(_Exact):
    brief: str | None
    detailed: str | None


class WhoCanJoin(_Exact):
    ages: str
    sex: str
    gender_description: str | None
    healthy_volunteers: bool | None
    healthy_volunteers_words: str
    study_population: str | None
    criteria: str | None = Field(description="The eligibility criteria in the registry's own words.")


class ArmWords(_Exact):
    label: str | None
    type: str | None
    type_words: str | None
    description: str | None
    interventions: list[str]


class InterventionWords(_Exact):
    type: str | None
    name: str | None
    other_names: list[str]
    description: str | None


class StudyWords(_Exact):
    design: list[FactWords]
    arms: list[ArmWords]
    interventions: list[InterventionWords]


class OutcomeWords(_Exact):
    measure: str
    time_frame: str | None
    description: str | None


class Outcomes(_Exact):
    primary: list[OutcomeWords]
    secondary: list[OutcomeWords]
    other: list[OutcomeWords]


# The trial page sections a question can link to (their ids: /trials/{nct_id}#involves).
Section = Literal["glance", "who", "happens", "involves", "measure", "where", "runs"]
ParticipationKind = Literal[tuple(KIND_GROUP)]  # explain/participation.py's kinds, in page order
ParticipationGroup = Literal[tuple(GROUP_TITLES)]


class QuestionWords(_Exact):
    text: str
    why: str = Field(description="The fact in the record behind the question.")
    facts: list[str] = Field(description="The record's own words the question rests on (a sentence, or a field as "
                                         '"Name: value"); empty for a general question.')
    section: Section = Field(description="The id of the trial page section it links to (/trials/{nct_id}#section).")


class Questions(_Exact):
    doctor: list[QuestionWords]
    coordinator: list[QuestionWords]


class ParticipationFactWords(_Exact):
    kind: ParticipationKind
    value: str = Field(description="The fact in plain words.")
    source_text: str = Field(description='The record\'s own words it came from: a sentence (whitespace made single '
                                         'spaces, a long one cut around the match with "…"), or a field as "Name: value".')


class InvolvesGroup(_Exact):
    id: ParticipationGroup
    title: str
    facts: list[ParticipationFactWords]


class TimelineBar(_Exact):
    title: str
    words: str = Field(description='The length as the record states it ("up to 64 weeks").')
    x: int
    y: int
    width: int
    height: int
    label_y: int
    text: str = Field(description="The bar in words (the drawing's text equivalent).")


class Timeline(_Exact):
    """Geometry of the page's timeline drawing (SVG user units); null when no length is stated."""

    width: int
    height: int
    label_x: int
    bar_x: int
    bars: list[TimelineBar] = Field(min_length=1)


class Involves(_Exact):
    groups: list[InvolvesGroup] = Field(description="Participation facts by topic; design facts already listed under "
                                                    "study.design are left out.")
    not_stated: list[str] = Field(description="What the record does not say, in words (ask the study team).")
    timeline: Timeline | None


class ParticipationResponse(_Exact):
    facts: list[ParticipationFactWords] = Field(description="Every participation fact read from the record "
                                                            "(docs/web.md, *Participation facts*).")


class ContactWords(_Exact):
    name: str | None
    role: str | None
    phone: str | None
    email: str | None
    affiliation: str | None


class PageSite(_Exact):
    facility: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None
    status: str | None
    status_words: str
    open: bool
    lat: float | None
    lon: float | None
    distance_miles: float | None = Field(description="From `near`; null without it or without coordinates.")
    contacts: list[ContactWords]


class Sites(_Exact):
    total: int
    open: int
    sorted_by: Literal["distance", "status and place"]
    near: str | None
    shown: int
    list: list[PageSite]


class Contacts(_Exact):
    central: list[ContactWords]
    officials: list[ContactWords]


class LeadSponsor(_Exact):
    name: str
    kind_words: str | None


class SponsorWords(_Exact):
    lead: LeadSponsor | None
    collaborators: list[str]


class DataNotes(_Exact):
    source: str | None
    record_last_update: str | None
    our_copy: str | None
    caveats: list[str]


class TrialPage(_Exact):
    """The trial page's content in plain words (``/trials/{nct_id}.json``)."""

    nct_id: str
    aliases: list[str]
    header: PageHeader
    at_a_glance: AtAGlance
    summary: Summary
    who_can_join: WhoCanJoin
    study: StudyWords
    outcomes: Outcomes
    involves: Involves = Field(description='"What taking part involves": time, visits, tests, medicines, costs.')
    questions: Questions
    sites: Sites
    contacts: Contacts
    sponsor: SponsorWords
    data_notes: DataNotes


class TrialResponse(_Exact):
    nct_id: str
    page: TrialPage = Field(description="The trial page's content in plain words (same as /trials/{nct_id}.json).")
    # The registry model itself (a dataclass): its schema is generated from model.Trial, so
    # it cannot drift from what to_dict() returns.
    record: Trial = Field(description="The normalized registry record (docs/data-model.md).")


# -- about --------------------------------------------------------------------------------------

class StatusCount(_Exact):
    status: str
    status_words: str
    trials: int


class AboutResponse(_Exact):
    trials: int
    by_status: list[StatusCount]
    sites: int
    sites_with_coordinates: int
    quarantined: int
    newest_record_update: str | None
    newest_record_update_words: str | None
    last_sync: str | None
    last_load: str | None
    sources: dict[str, int] = Field(description="Trials per source format.")


# -- routes -------------------------------------------------------------------------------------

@router.get("/search", response_model=SearchResponse, responses=error_responses(400, 422), summary="Search trials")
def api_search(request: Request, params: Annotated[SearchParams, Depends(search_params)]) -> Response:
    store = request.app.state.stores.get()
    result = search(store, params.to_query())
    page = views.search_page(result, params.q)
    page["relax"] = relaxations(store, params) if result.total == 0 else []
    return JSONResponse(page, headers={"Cache-Control": "no-store"})


@router.get(
    "/trials/{nct_id}",
    response_model=TrialResponse,
    responses=error_responses(301, 302, 400, 404, 422),
    summary="One trial: plain-words page content and the normalized record",
)
def api_trial(request: Request, nct_id: NctPath, near: NearQuery = "", all_sites: AllSitesQuery = "") -> Response:
    # pages imports this module for the response models; importing it here, not at the top,
    # keeps the two modules free of an import cycle.
    from .pages import _place, _trial_or_response

    trial, response = _trial_or_response(request, nct_id, "", prefix="/api/v1/trials/")
    if response is not None:
        return response
    page = views.trial_page(trial, place=_place(near), all_sites=all_sites == "1")
    # no-store: with ?near= the answer carries a person's location (the twin says so too).
    return JSONResponse({"nct_id": trial.nct_id, "page": page, "record": to_dict(trial)},
                        headers={"Cache-Control": "no-store"})


@router.get(
    "/trials/{nct_id}/questions",
    response_model=Questions,
    responses=error_responses(301, 302, 400, 404, 422),
    summary="Questions for the doctor and the trial coordinator, each with the record's words it rests on",
)
def api_questions(request: Request, nct_id: NctPath) -> Response:
    from .pages import _trial_or_response  # see api_trial

    trial, response = _trial_or_response(request, nct_id, "/questions", prefix="/api/v1/trials/")
    if response is not None:
        return response
    return JSONResponse(question_lists(trial))


@router.get(
    "/trials/{nct_id}/participation",
    response_model=ParticipationResponse,
    responses=error_responses(301, 302, 400, 404, 422),
    summary="What taking part involves: facts read from the record, each with its source text",
)
def api_participation(request: Request, nct_id: NctPath) -> Response:
    from .pages import _trial_or_response  # see api_trial

    trial, response = _trial_or_response(request, nct_id, "/participation", prefix="/api/v1/trials/")
    if response is not None:
        return response
    return JSONResponse({"facts": [f.as_dict() for f in participation_facts(trial)]})


@router.get("/about", response_model=AboutResponse, summary="What the database holds and how fresh it is")
def api_about(request: Request) -> Response:
    return JSONResponse(views.about_page(request.app.state.stores.get().stats()))
