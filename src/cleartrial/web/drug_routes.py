"""Drug safety on the website: the trial page's section, its page and JSON twin, and
``/api/v1/drugs/{name}``. ``install(app)`` (one line in ``app.create_app``) wires it all:

* an :class:`~cleartrial.fda.service.FdaService` per app (``app.state.fda``);
* the trial template's ``{% include "_drug_safety.html" %}`` calls the Jinja global
  ``drug_safety_section(t)``; templates get no request, so a tiny ASGI middleware puts the
  current app in a context variable for it (context variables follow a request into the
  thread pool). On the event loop (the trial page is an ``async`` route) the section never
  waits for the FDA: waiting there would stall every other request. It shows what is cached
  and starts fetches; htmx then asks ``/trials/{id}/drug-safety`` again a few seconds later.
  In a worker thread (the section's own page) it waits up to ``FdaService.wait``;
* the rendered-page cache (``web.speed.PageCache``) learns about FDA answers: its version of
  a page includes a stamp of the FDA cache, so a page kept with "waiting for the FDA" is made
  again once the answer is in, from this process or from ``cleartrial fda refresh``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from contextvars import ContextVar
from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import InvalidQuery
from ..fda import cache, names
from ..fda.service import FdaService
from . import drugs
from .api import ErrorBody, error_responses
from .drug_models import DrugResponse, DrugSafetySection
from .params import NctPath
from .speed import PageCache

router = APIRouter()
_current_app: ContextVar[FastAPI | None] = ContextVar("cleartrial_app", default=None)
_NO_STORE = {"Cache-Control": "no-store"}
STAMP_EVERY = 2.0  # seconds between reads of the FDA cache's stamp by the page cache

DrugName = Annotated[str, Path(description="One drug's generic or brand name, like aspirin or Ambien.",
                               max_length=names.MAX_NAME, examples=["zolpidem"])]


class _CurrentApp:
    """Puts the app handling the request where the template global can find it."""

    def __init__(self, app: ASGIApp, owner: FastAPI):
        self.app = app
        self.owner = owner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _current_app.set(self.owner)
        try:
            await self.app(scope, receive, send)
        finally:
            _current_app.reset(token)


class FdaAwarePageCache(PageCache):
    """A page's version also holds a stamp of the FDA cache (read at most every
    :data:`STAMP_EVERY` seconds; at once after this process stored an answer)."""

    def __init__(self, app: FastAPI):
        super().__init__()
        self._app = app
        self._local = 0  # bumped by this process's own FDA answers
        self._stamp: tuple | None = None
        self._read_at = 0.0
        self._stamp_lock = threading.Lock()

    def changed(self) -> None:
        with self._stamp_lock:
            self._local += 1

    def _fda_stamp(self) -> tuple:
        now = time.monotonic()
        with self._stamp_lock:
            if self._stamp is None or now - self._read_at > STAMP_EVERY:
                self._stamp = cache.stamp(self._app.state.stores.get().conn)
                self._read_at = now
            return (self._local, self._stamp)

    def get(self, key, version, age_words):
        return super().get(key, None if version is None else (version, self._fda_stamp()), age_words)

    def put(self, key, version, copied_at, words, body):
        super().put(key, None if version is None else (version, self._fda_stamp()), copied_at, words, body)


def install(app: FastAPI) -> None:
    page_cache = FdaAwarePageCache(app)
    app.state.page_cache = page_cache
    app.state.fda = FdaService(app.state.stores.path, on_change=page_cache.changed)
    app.add_middleware(_CurrentApp, owner=app)
    app.include_router(router)
    from .pages import env

    env.globals["drug_safety_section"] = _section_for_template


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _section_for_template(t: dict, poll: int = 0) -> dict | None:
    app = _current_app.get()
    if app is None or not isinstance(t, dict):
        return None
    service: FdaService = app.state.fda
    return drugs.trial_section(t["nct_id"], t["study"]["interventions"], service, app.state.stores.get().conn,
                               wait=0.0 if _on_event_loop() else None, poll=poll)


def _section(request: Request, nct_id: str, suffix: str, poll: int = 0):
    from .pages import _trial_or_response

    trial, response = _trial_or_response(request, nct_id, suffix)
    if response is not None:
        return None, None, response
    section = drugs.trial_section(trial.nct_id, trial.interventions, request.app.state.fda,
                                  request.app.state.stores.get().conn, poll=poll)
    return trial, section, None


@router.get("/trials/{nct_id}/drug-safety.json", tags=["pages"], response_model=DrugSafetySection,
            summary="The trial's drug safety section: FDA label highlights and FAERS reports (JSON twin)",
            responses=error_responses(301, 302, 400, 404, 422))
def drug_safety_json(request: Request, nct_id: NctPath) -> Response:
    _, section, response = _section(request, nct_id, "/drug-safety.json")
    if response is not None:
        return response
    return JSONResponse(section or drugs.empty_section(nct_id), headers=_NO_STORE)


@router.get("/trials/{nct_id}/drug-safety", response_class=HTMLResponse, include_in_schema=False)
def drug_safety_html(request: Request, nct_id: str, poll: str = "") -> Response:
    from .pages import render

    count = int(poll) if poll.isdigit() and len(poll) < 3 else 0
    trial, section, response = _section(request, nct_id, "/drug-safety", poll=count)
    if response is not None:
        return response
    return render(request, "drug_safety.html", drug_safety=section, nct_id=trial.nct_id,
                  title=trial.brief_title or trial.official_title or trial.nct_id)


@router.get("/api/v1/drugs/{name}", tags=["api v1"], response_model=DrugResponse,
            summary="What the FDA publishes about one drug: label highlights and FAERS reports",
            responses={400: {"model": ErrorBody, "description": "Not one drug name (empty, or several drugs)."},
                       404: {"model": ErrorBody, "description": "No such address (a name holding a slash)."},
                       422: {"model": ErrorBody, "description": f"The name is longer than {names.MAX_NAME} characters."}})
def api_drug(request: Request, name: DrugName) -> Response:
    text = " ".join(name.split())
    if not text or "\x00" in text or not any(ch.isalpha() for ch in text):
        raise InvalidQuery("Give one drug's name, like aspirin or Ambien.")
    parts = names.split_parts(text)
    if len(parts) > 1:
        raise InvalidQuery(f'"{text[:60]}" names {len(parts)} drugs; ask for one at a time: '
                           + ", ".join(p[:30] for p in parts[:5]) + ".")
    answer = drugs.drug_answer(text, request.app.state.fda, request.app.state.stores.get().conn)
    return JSONResponse(answer, headers=_NO_STORE)
