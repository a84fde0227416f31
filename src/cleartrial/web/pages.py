"""HTML pages and their JSON twins (``/search`` ↔ ``/search.json``, ``/trials/X`` ↔ ``/trials/X.json``)."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import FileSystemLoader, select_autoescape

from ..errors import InvalidQuery
from ..geo import Place, geocode
from ..search import DEFAULT_RADIUS_MILES, search
from ..words import PHASE_MEANING, PHASE_WORDS
from . import views
from .api import AboutResponse, SearchResponse, TrialPage, error_responses
from .app import TEMPLATE_DIR
from .mapsvg import site_map
from .params import AllSitesQuery, NctPath, NearQuery, SearchParams, search_params
from .relax import relaxations
from .speed import DictFirstEnvironment, PageCache, trial_version

router = APIRouter()

env = DictFirstEnvironment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html"], default=True),  # registry text can hold <script>
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # no stat() of every template on every page; restart to see edits
)
env.globals.update(
    PHASE_WORDS=PHASE_WORDS,
    PHASE_MEANING=PHASE_MEANING,
    PHASE_CHOICES=[("EARLY_PHASE1", "early1"), ("PHASE1", "1"), ("PHASE2", "2"), ("PHASE3", "3"), ("PHASE4", "4"),
                   ("NA", "na")],
    DEFAULT_RADIUS_MILES=int(DEFAULT_RADIUS_MILES),
    # The sheet must fit on two pages with room to write: the most important questions
    # (each list is ordered by importance); the trial page has them all.
    SHEET_QUESTIONS=8,
)
env.filters["urlencode_pairs"] = lambda pairs: urlencode(pairs)

NCT_RE = re.compile(r"^NCT\d{8}$")
_HTML_HEADERS = {"Cache-Control": "no-store"}  # pages may carry a person's location or age


class JSONBytes(Response):
    """A JSON body already rendered by JSONResponse (from the page cache)."""

    media_type = "application/json"


def render(request: Request, template: str, status: int = 200, headers: dict | None = None, **ctx) -> HTMLResponse:
    ctx.setdefault("path", request.url.path)
    html = env.get_template(template).render(**ctx)
    return HTMLResponse(html, status_code=status, headers={**_HTML_HEADERS, **(headers or {})})


def error_page(request: Request, status: int, title: str, message: str, headers: dict | None = None) -> HTMLResponse:
    return render(request, "error.html", status=status, headers=headers, title=title, message=message,
                  status_code=status, params=SearchParams())


def _store(request: Request):
    return request.app.state.stores.get()


# -- home and search ------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def home(request: Request) -> Response:  # async: no thread hop for a page this small
    return render(request, "home.html", params=SearchParams(), page=None)


def _run_search(request: Request, params: SearchParams) -> tuple[dict, list[dict]]:
    store = _store(request)
    result = search(store, params.to_query())
    page = views.search_page(result, params.q)
    # An empty result says why and offers ways to widen it, each with its count.
    options = relaxations(store, params) if result.total == 0 else []
    return page, options


@router.get("/search", response_class=HTMLResponse, include_in_schema=False)
def search_html(request: Request, params: Annotated[SearchParams, Depends(search_params)]) -> Response:
    page, options = _run_search(request, params)
    # htmx asks for the same full page and swaps in the results part (hx-select): one
    # template, and the address it pushes into history renders the same without JavaScript.
    return render(request, "results.html", params=params, page=page, relax=options)


@router.get(
    "/search.json",
    summary="Search trials (JSON twin of the search page)",
    tags=["pages"],
    response_model=SearchResponse,  # documents the shape; the dict is returned as it is
    responses=error_responses(400, 422),
)
def search_json(request: Request, params: Annotated[SearchParams, Depends(search_params)]) -> Response:
    page, options = _run_search(request, params)
    page["relax"] = options
    return JSONResponse(page, headers=_HTML_HEADERS)


# -- trial pages ----------------------------------------------------------------------------

def _place(near: str) -> Place | None:
    return geocode(near) if near.strip() else None


def load_trial(request: Request, nct_id: str):
    """The trial for a URL id, or a response: 400 for a malformed id, 404 for an unknown one,
    a redirect for lower case or for an id the registry merged into another."""
    wanted = nct_id.strip().upper()
    if not NCT_RE.match(wanted):
        raise InvalidQuery(f'"{nct_id[:40]}" is not a ClinicalTrials.gov id. They look like NCT followed by 8 digits, '
                           "for example NCT04280705.")
    trial = _store(request).get_trial(wanted)
    if trial is None:
        return None, wanted
    return trial, wanted


def _trial_or_response(request: Request, nct_id: str, suffix: str, prefix: str = "/trials/"):
    trial, wanted = load_trial(request, nct_id)
    if trial is None:
        return None, _not_found(request, wanted, suffix)
    if trial.nct_id != nct_id:
        # Canonical address: upper case, and the current id for a merged (alias) record.
        url = f"{prefix}{trial.nct_id}{suffix}"
        if request.url.query:
            url += "?" + request.url.query
        return None, RedirectResponse(url, status_code=301 if trial.nct_id == wanted else 302)
    return trial, None


def _not_found(request: Request, nct_id: str, suffix: str) -> Response:
    message = (f"{nct_id} is not in our copy of the registry. It may be new, or the number may be mistyped. "
               "You can search for it on ClinicalTrials.gov, or search our copy below.")
    if suffix.endswith((".json", ".pdf")) or request.url.path.startswith("/api/"):
        return JSONResponse({"error": {"status": 404, "message": message}}, status_code=404)
    return render(request, "error.html", status=404, title="We could not find that trial", message=message,
                  status_code=404, params=SearchParams(q=nct_id), registry_url=views.CTGOV_STUDY_URL.format(nct_id))


def _page_cache(request: Request) -> PageCache:
    state = request.app.state
    cache = getattr(state, "page_cache", None)
    if cache is None:
        cache = state.page_cache = PageCache()
    return cache


def _cached_trial_page(request: Request, kind: str, nct_id: str, suffix: str, near: str, all_sites: str,
                       make, response_class: type[Response]) -> Response:
    """A trial page (or its JSON twin) from the page cache, else made by ``make(trial)`` and kept.

    A kept page is shown while the trial's row is unchanged (``speed.trial_version``), so a
    trial page may show only what comes from that row, the request and data fixed while the
    server runs (templates, gazetteer). A page that starts showing anything else stored (say,
    cached plain-language criteria) must add it to the version.

    The trial routes are ``async``: they run on the event loop instead of being handed to a
    worker thread, which costs more than a cached page (one indexed row read and a dict
    lookup). A page made afresh is a millisecond or two of Python (the GIL would serialise
    it in a thread anyway) and one read of one row.
    """
    cache = _page_cache(request)
    key = (kind, nct_id, near, all_sites == "1")
    # The version is read before the trial: a trial rewritten in between is kept under the
    # older version, so it is simply made again next time.
    version = trial_version(_store(request), nct_id) if len(near) <= 200 else None
    body = cache.get(key, version, views.copy_age_words)
    if body is not None:
        return response_class(body, headers=_HTML_HEADERS)
    trial, response = _trial_or_response(request, nct_id, suffix)
    if response is not None:
        return response
    page, response = make(trial)
    cache.put(key, version, page["header"]["our_copy"], page["header"]["our_copy_age_words"], response.body)
    return response


@router.get("/trials/{nct_id}.json", summary="One trial in plain words (JSON twin of the trial page)", tags=["pages"],
            response_model=TrialPage, responses=error_responses(301, 302, 400, 404, 422))
async def trial_json(request: Request, nct_id: NctPath, near: NearQuery = "", all_sites: AllSitesQuery = "") -> Response:
    def make(trial):
        page = views.trial_page(trial, place=_place(near), all_sites=all_sites == "1")
        return page, JSONResponse(page, headers=_HTML_HEADERS)

    return _cached_trial_page(request, "json", nct_id, ".json", near, all_sites, make, JSONBytes)


@router.get("/trials/{nct_id}.pdf", include_in_schema=False)
def trial_pdf(request: Request, nct_id: str, near: str = "") -> Response:
    from .sheet import sheet_pdf

    return sheet_pdf(request, nct_id, near=near[:200])


@router.get("/trials/{nct_id}", response_class=HTMLResponse, include_in_schema=False)
async def trial_html(request: Request) -> Response:
    # The path and query are read here rather than declared as parameters: FastAPI's checking
    # of declared parameters costs more than serving a cached page, and all three are plain
    # text (the last of a repeated parameter wins, as it would when declared).
    nct_id = request.path_params["nct_id"]
    near, all_sites = request.query_params.get("near", ""), request.query_params.get("all_sites", "")

    def make(trial):
        place = _place(near[:200])
        page = views.trial_page(trial, place=place, all_sites=all_sites == "1")
        return page, render(request, "trial.html", t=page, near=near, params=SearchParams(near=near),
                            site_map=site_map(page["sites"]["list"], place))

    return _cached_trial_page(request, "html", nct_id, "", near, all_sites, make, HTMLResponse)


@router.get("/trials/{nct_id}/sheet", response_class=HTMLResponse, include_in_schema=False)
def sheet_html(request: Request, nct_id: str, near: str = "") -> Response:
    trial, response = _trial_or_response(request, nct_id, "/sheet")
    if response is not None:
        return response
    page = views.trial_page(trial, place=_place(near[:200]))
    return render(request, "sheet.html", t=page, near=near)


@router.get("/trials/{nct_id}/sheet.pdf", include_in_schema=False)
def sheet_pdf_route(request: Request, nct_id: str, near: str = "") -> Response:
    from .sheet import sheet_pdf

    return sheet_pdf(request, nct_id, near=near[:200])


# -- about ----------------------------------------------------------------------------------

@router.get("/about", response_class=HTMLResponse, include_in_schema=False)
def about_html(request: Request) -> Response:
    return render(request, "about.html", about=views.about_page(_store(request).stats()), params=SearchParams())


@router.get("/about.json", summary="Where the data comes from and how fresh it is (JSON twin of the about page)",
            tags=["pages"], response_model=AboutResponse)
def about_json(request: Request) -> JSONResponse:
    return JSONResponse(views.about_page(_store(request).stats()))
