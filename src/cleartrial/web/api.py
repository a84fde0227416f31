"""The versioned JSON API, ``/api/v1/``: the same data as the pages, for programs.

The response models below exist to describe the API in the OpenAPI document (and let
schemathesis check responses against it); handlers return the view dicts directly.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ..model import to_dict
from ..search import search
from . import views
from .pages import AllSitesQuery, NctPath, NearQuery, _place, _trial_or_response
from .params import SearchParams, search_params
from .relax import relaxations

router = APIRouter(prefix="/api/v1", tags=["api v1"])


class ErrorDetail(BaseModel):
    status: int
    message: str = Field(description="What went wrong and how to fix it, in plain words.")


class ErrorBody(BaseModel):
    error: ErrorDetail


class NearestSite(BaseModel):
    facility: str | None
    city: str | None
    state: str | None
    country: str | None
    status: str | None
    status_words: str | None
    distance_miles: float
    approximate_location: bool = Field(description="Placed at its city or ZIP centre: the registry gave no coordinates.")


class TrialCard(BaseModel):
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
    snippet_highlights: list[list[int]]
    score: float | None
    nearest_site: NearestSite | None
    url: str
    registry_url: str


class Relaxation(BaseModel):
    label: str
    total: int
    url: str


class SearchPlace(BaseModel):
    label: str
    lat: float
    lon: float


class SearchResponse(BaseModel):
    query: dict[str, Any]
    place: SearchPlace | None
    total: int
    page: int
    per_page: int
    pages: int
    relaxed: bool = Field(description="No trial matched every word; these match some of them.")
    corrected_text: str | None = Field(description="The words actually searched, when a misspelling was corrected.")
    suggestion: str | None = Field(description='A "did you mean" suggestion.')
    synonyms: list[str]
    results: list[TrialCard]
    relax: list[Relaxation] = Field(description="When nothing was found: single changes that would find trials.")


class TrialResponse(BaseModel):
    nct_id: str
    page: dict[str, Any] = Field(description="The trial page's content in plain words (same as /trials/{nct_id}.json).")
    record: dict[str, Any] = Field(description="The normalized registry record (docs/data-model.md).")


class AboutResponse(BaseModel):
    trials: int
    by_status: list[dict[str, Any]]
    sites: int
    sites_with_coordinates: int
    quarantined: int
    newest_record_update: str | None
    newest_record_update_words: str | None
    last_sync: str | None
    last_load: str | None
    sources: dict[str, int]


_ERRORS = {400: {"model": ErrorBody, "description": "A parameter is not valid; the message says how to fix it."},
           422: {"model": ErrorBody, "description": "The request could not be read."}}


@router.get("/search", response_model=SearchResponse, responses=_ERRORS, summary="Search trials")
def api_search(request: Request, params: Annotated[SearchParams, Depends(search_params)]) -> Response:
    store = request.app.state.stores.get()
    result = search(store, params.to_query())
    page = views.search_page(result, params.q)
    page["relax"] = relaxations(store, params) if result.total == 0 else []
    return JSONResponse(page, headers={"Cache-Control": "no-store"})


@router.get(
    "/trials/{nct_id}",
    response_model=TrialResponse,
    responses={**_ERRORS, 404: {"model": ErrorBody, "description": "Not in our copy of the registry."}},
    summary="One trial: plain-words page content and the normalized record",
)
def api_trial(request: Request, nct_id: NctPath, near: NearQuery = "", all_sites: AllSitesQuery = "") -> Response:
    trial, response = _trial_or_response(request, nct_id, "", prefix="/api/v1/trials/")
    if response is not None:
        return response
    page = views.trial_page(trial, place=_place(near), all_sites=all_sites == "1")
    return JSONResponse({"nct_id": trial.nct_id, "page": page, "record": to_dict(trial)})


@router.get("/about", response_model=AboutResponse, summary="What the database holds and how fresh it is")
def api_about(request: Request) -> Response:
    return JSONResponse(views.about_page(request.app.state.stores.get().stats()))
