"""The JSON API against its own OpenAPI document, with schemathesis, in-process (ASGI).

Every operation in ``/api/v1/openapi.json`` (the ``/api/v1/`` endpoints and the pages' JSON
twins) gets generated requests, valid and invalid, and every answer must:

* never be a server error (5xx);
* use a status code the document declares for that operation, with the declared media type;
* match the declared response schema: the models in ``web/api.py`` are exact (every key
  required, no unknown keys, null only where allowed), so this checks the whole shape;
* for a 4xx, be JSON ``{"error": {"status", "message"}}`` with a non-empty message.

Generated requests rarely hit a real trial or a search with results, so the same checks also
run on hand-picked requests (real trials from both sources, searches that find, relax, correct
and page), and each bug these tests found has a plain test of its own at the end.

Deterministic and bounded: ``derandomize=True``, a fixed number of examples per operation and
``database=None`` (nothing written into the repository).
"""

from __future__ import annotations

import sqlite3

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cleartrial.web import create_app

PLACEBO_TRIAL = "NCT05809934"  # recruiting, placebo arm, 148 sites with coordinates (as in test_web.py)
MERGED_ID, CURRENT_ID = "NCT00000109", "NCT00005112"  # an old id the registry merged into another
SEARCH_OPERATIONS = ("/api/v1/search", "/search.json")
TRIAL_OPERATIONS = ("/api/v1/trials/{nct_id}", "/trials/{nct_id}.json")
# One trial's questions and participation facts (explain/participation.py): no query parameters.
PARTICIPATION_OPERATIONS = ("/api/v1/trials/{nct_id}/questions", "/api/v1/trials/{nct_id}/participation")
DRUG_OPERATIONS = ("/trials/{nct_id}/drug-safety.json", "/api/v1/drugs/{name}")  # tests/test_fda_web.py


def error_body_is_actionable_json(ctx, response, case):
    """Every 4xx is the documented JSON error body with a message a person can act on."""
    if 400 <= response.status_code < 500:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), f"{response.status_code} is {content_type!r}, not JSON"
        error = response.json()["error"]
        assert error["status"] == response.status_code, error
        assert isinstance(error["message"], str) and error["message"].strip(), error
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          error_body_is_actionable_json]

# The OpenAPI document does not depend on the data, so it is read at import from an app on an
# in-memory database; the requests go to an app on the shared records (``case.call(app=...)``).
# schemathesis' fixture-based loader (schemathesis.pytest.from_fixture) would avoid this, but
# 4.32.5's reads ``request.node._nodeid``, which pytest 9 no longer has.
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(":memory:"))
# Positive (valid per the document) and negative (breaking it: too long, wrong type…) requests.
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


@pytest.fixture(scope="module")
def app(loaded_db):
    return create_app(loaded_db[0])


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def call_and_check(app, path: str, *, nct_id: str | None = None, **query):
    """One hand-made request through schemathesis, with the same checks as the generated ones."""
    operation = schema[path]["GET"]
    case = operation.Case(path_parameters={"nct_id": nct_id} if nct_id is not None else None, query=query or None)
    return case.call_and_validate(app=app, checks=CHECKS)


# -- generated requests -----------------------------------------------------------------------

# 30 examples per operation (valid and invalid ones) keeps this module near 30 s on two cores,
# plus the shared database's load when no other module has loaded it yet.
@schema.parametrize()
@settings(max_examples=30, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_every_operation_answers_as_documented(case, app):
    case.call_and_validate(app=app, checks=CHECKS)


# Values people (and scripts) really send, and the edges each parser has to survive: numbers too
# big for a float or an int, NaN, negatives, zero, unicode digits and letters, NUL, long text.
NASTY = st.sampled_from([
    "", " ", "0", "-0", "-1", "1", "2", "45", "1.5", "1e308", "-1e308", "1e309", "1e-320", "nan", "NaN", "inf",
    "-inf", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "9" * 30, "9" * 5000, "0x10",
    "1_000", "٣", "½", "İ", "ß", "💊", "\u202e", "\x00", "a\x00b", "%", "'", '"', "*", '"unclosed', "NEAR(a b)",
    "a OR", "AND", "x" * 499, "x" * 501, "any", "all", "open", "recruiting", "female", "MALE", "distance",
    "newest", "yes", "no", "early1", "na", "interventional", "10001", "Boston, MA", "Paris, France", "90,180",
    "-91,0", "42.34, -71.09", "nan,nan", ",", "City, ", "breast cancer", "heart attack", "cancr",
])
SEARCH_QUERIES = st.dictionaries(
    st.sampled_from(["q", "near", "radius_miles", "status", "age", "sex", "phase", "study_type",
                     "healthy_volunteers", "sort", "page", "per_page"]),
    NASTY | st.text(max_size=30),
    max_size=5,
)


@pytest.mark.parametrize("path", SEARCH_OPERATIONS)
def test_search_survives_edge_values(app, path):
    @given(SEARCH_QUERIES)
    @settings(max_examples=40, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    def run(query):
        call_and_check(app, path, **query)

    run()


@pytest.mark.parametrize("path", TRIAL_OPERATIONS)
def test_trial_pages_survive_edge_values(app, path):
    ids = st.sampled_from([PLACEBO_TRIAL, PLACEBO_TRIAL.lower(), MERGED_ID, "NCT99999999", "NCT123", "💊", "x" * 64,
                           "x" * 65, "%00", "\x00", PLACEBO_TRIAL + "\x00", "NCT0580993 ", "..", "İ"])

    query = st.fixed_dictionaries({}, optional={"near": NASTY, "all_sites": st.sampled_from(["1", "0", "", "yes"])})

    @given(ids, query)
    @settings(max_examples=30, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    def run(nct_id, query):
        call_and_check(app, path, nct_id=nct_id, **query)

    run()


@pytest.mark.parametrize("path", PARTICIPATION_OPERATIONS)
def test_participation_operations_survive_edge_values(app, path):
    ids = st.sampled_from([PLACEBO_TRIAL, PLACEBO_TRIAL.lower(), MERGED_ID, "NCT99999999", "NCT123", "💊", "x" * 64,
                           "x" * 65, "%00", "\x00", PLACEBO_TRIAL + "\x00", "NCT0580993 ", "..", "İ"])

    @given(ids)
    @settings(max_examples=20, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    def run(nct_id):
        call_and_check(app, path, nct_id=nct_id)

    run()


# -- hand-picked requests that find things ----------------------------------------------------

def _sample_ids(db_path, per_format: int) -> list[str]:
    """About ``per_format`` trials of each source format, spread evenly (XML and API records
    differ in what they hold)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT nct_id, source_format FROM trials ORDER BY nct_id").fetchall()
    by_format: dict[str, list[str]] = {}
    for nct_id, fmt in rows:
        by_format.setdefault(fmt, []).append(nct_id)
    return sorted(i for ids in by_format.values() for i in ids[:: max(1, len(ids) // per_format)])


def test_real_trials_match_the_documented_shapes(app, loaded_db):
    ids = _sample_ids(loaded_db[0], per_format=60)
    assert len(ids) >= 100
    for nct_id in ids:
        for path in TRIAL_OPERATIONS + PARTICIPATION_OPERATIONS:
            assert call_and_check(app, path, nct_id=nct_id).status_code == 200, nct_id
    for query in ({"near": "Boston, MA"}, {"near": "Boston, MA", "all_sites": "1"}, {"near": "Tokyo, Japan"}):
        for path in TRIAL_OPERATIONS:
            response = call_and_check(app, path, nct_id=PLACEBO_TRIAL, **query)
            assert response.status_code == 200


@pytest.mark.parametrize("query", [
    {"q": "cancer", "status": "any", "per_page": "100"},
    {"q": "breast cancer", "near": "10001", "radius_miles": "500", "age": "45", "sex": "female"},
    {"q": "breast cancer", "near": "10001", "radius_miles": "50"},  # nothing: relax options
    {"q": "heart attack", "status": "any"},  # MeSH synonyms
    {"q": "zzzqqq cancer", "status": "any"},  # relaxed: some of the words
    {"q": "cancer", "near": "Boston, MA", "sort": "distance", "status": "open", "page": "2"},
    {"near": "42.34, -71.09", "radius_miles": "12500", "status": "any", "per_page": "100"},
    {"phase": ["2", "3"], "study_type": "interventional", "healthy_volunteers": "yes", "status": "any"},
    {"q": "cancer", "status": "any", "page": "9999999"},  # past the end: an empty page
    {"q": "cancr", "status": "any"},  # misspelt
])
@pytest.mark.parametrize("path", SEARCH_OPERATIONS)
def test_real_searches_match_the_documented_shapes(app, path, query):
    assert call_and_check(app, path, **query).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/about", "/about.json"])
def test_about_matches_the_documented_shape(app, path):
    assert call_and_check(app, path).status_code == 200


# -- the document itself ------------------------------------------------------------------------

def test_openapi_document_is_valid_openapi_3(client):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/json")
    doc = served.json()
    assert doc["openapi"].startswith("3.")
    assert doc == schema.raw_schema  # what was tested is what is served
    schema.validate()  # against the OpenAPI meta-schema (schemathesis ships it); raises if invalid


def test_openapi_document_describes_parameters_errors_and_statuses(client):
    doc = client.get("/api/v1/openapi.json").json()
    operations = {path: ops["get"] for path, ops in doc["paths"].items()}
    assert set(operations) == {*SEARCH_OPERATIONS, *TRIAL_OPERATIONS, "/api/v1/about", "/about.json",
                               *DRUG_OPERATIONS, *PARTICIPATION_OPERATIONS}
    for path in SEARCH_OPERATIONS:
        params = {p["name"]: p for p in operations[path]["parameters"]}
        assert set(params) == {"q", "near", "radius_miles", "status", "age", "sex", "phase", "study_type",
                               "healthy_volunteers", "sort", "page", "per_page"}
        for name, p in params.items():
            assert p["in"] == "query" and not p["required"]
            assert len(p["description"]) > 15 and p["schema"]["examples"], name
        assert params["status"]["schema"]["type"] == "array"
    error = doc["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["error"] and error["additionalProperties"] is False
    detail = doc["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"status", "message"}
    assert detail["properties"]["message"]["minLength"] == 1
    expected = {path: {"200", "400", "422"} for path in SEARCH_OPERATIONS}
    expected.update({path: {"200", "301", "302", "400", "404", "422"} for path in TRIAL_OPERATIONS})
    expected.update({path: {"200", "301", "302", "400", "404", "422"} for path in PARTICIPATION_OPERATIONS})
    expected.update({"/api/v1/about": {"200"}, "/about.json": {"200"}})
    expected.update({"/trials/{nct_id}/drug-safety.json": {"200", "301", "302", "400", "404", "422"},
                     "/api/v1/drugs/{name}": {"200", "400", "404", "422"}})
    for path, op in operations.items():
        assert set(op["responses"]) == expected[path], path
        for status, response in op["responses"].items():
            if status.startswith("4"):
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    # FastAPI's own 422 body ({"detail": [...]}) is never sent, so it is not described either.
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def test_response_models_are_exact(client):
    """Exact models are what give the schema check its teeth: a renamed or extra key fails."""
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name in ("SearchResponse", "SearchEcho", "TrialCard", "TrialPage", "PageSite", "TrialResponse", "Trial",
                 "Site", "AboutResponse", "ErrorDetail", "DrugSafetySection", "DrugWords", "DrugResponse",
                 "Questions", "QuestionWords", "ParticipationResponse", "ParticipationFactWords", "Involves"):
        model = schemas[name]
        assert model["additionalProperties"] is False, name
        assert set(model["required"]) == set(model["properties"]), name
    echo = schemas["SearchEcho"]["properties"]
    assert echo["sort"]["enum"] == ["relevance", "distance", "newest"]
    assert {"type": "null"} in echo["age"]["anyOf"] and {"type": "number"} in echo["age"]["anyOf"]
    trial_response = schemas["TrialResponse"]["properties"]
    assert trial_response["page"]["$ref"] == "#/components/schemas/TrialPage"
    assert trial_response["record"]["$ref"] == "#/components/schemas/Trial"  # generated from model.Trial


# -- edges that were already right, pinned ----------------------------------------------------

@pytest.mark.parametrize(("params", "words"), [
    ({"age": "nan"}, "not a number"), ({"age": "1e309"}, "not a number"), ({"age": "1e308"}, "between 0 and 130"),
    ({"age": "-1"}, "between 0 and 130"), ({"radius_miles": "0", "near": "10001"}, "more than 0"),
    ({"radius_miles": "1e308", "near": "10001"}, "at most 12,500"), ({"radius_miles": "-inf"}, "not a number"),
    ({"page": "0"}, "start at 1"), ({"per_page": "0"}, "between 1 and 100"), ({"per_page": "1e3"}, "whole number"),
    ({"near": "-91,0"}, "not a point on Earth"), ({"near": "\x00"}, "We could not find"),
    ({"sort": "distance"}, "needs a location"),
])
def test_numbers_and_places_at_the_edges_get_actionable_400s(client, params, words):
    for path in SEARCH_OPERATIONS:
        r = client.get(path, params=params)
        assert r.status_code == 400 and words in r.json()["error"]["message"], (path, params, r.text)


@pytest.mark.parametrize("raw", ["%00", "NCT05809934%00", "%ff", "%ed%a0%80", "%2e%2e"])
def test_nul_and_broken_utf8_in_the_trial_address_are_400s(client, raw):
    for url in (f"/api/v1/trials/{raw}", f"/trials/{raw}.json"):
        r = client.get(url)
        assert r.status_code == 400 and "NCT followed by 8 digits" in r.json()["error"]["message"], url


# -- regressions: one plain test per bug fixed ----------------------------------------------------

def test_too_long_trial_id_is_a_json_422_in_the_error_shape(client):
    # The twin answered FastAPI's 422 without documenting it, and documented FastAPI's
    # {"detail": [...]} body for the API although the app sends {"error": {...}}.
    for url in ("/trials/" + "N" * 65 + ".json", "/api/v1/trials/" + "N" * 65):
        r = client.get(url)
        assert r.status_code == 422
        message = r.json()["error"]["message"]
        assert "nct_id" in message and "64 characters" in message and "address" in message


def test_too_long_near_on_a_trial_names_the_parameter(client):
    r = client.get(f"/api/v1/trials/{PLACEBO_TRIAL}", params={"near": "x" * 201})
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith("The query parameter near:")


def test_huge_page_number_is_refused_with_a_400(client):
    for page in ("99999999999999999999999", "9" * 5000, "10000001"):
        r = client.get("/api/v1/search", params={"q": "cancer", "page": page})
        assert r.status_code == 400
        message = r.json()["error"]["message"]
        assert "page" in message.lower() and len(message) < 200  # the value is quoted, cut short
    assert client.get("/search.json", params={"page": "-3"}).json()["error"]["message"] == "Page numbers start at 1."


def test_bad_values_are_quoted_back_cut_short(client):
    for name in ("age", "radius_miles", "per_page", "healthy_volunteers"):
        r = client.get("/api/v1/search", params={name: "7x" * 200, "near": "10001"})
        assert r.status_code == 400
        assert len(r.json()["error"]["message"]) < 200, name


def test_overlong_filter_values_are_refused_not_echoed(client):
    # "sex" of 60,000 characters came back whole in the message; 3,500 repeated "phase=2"
    # were searched and listed 3,500 times in the answer.
    r = client.get("/api/v1/search", params={"sex": "x" * 60_000})
    assert r.status_code == 400 and len(r.text) < 300 and '"sex"' in r.json()["error"]["message"]
    r = client.get("/search.json", params=[("phase", "2")] * 3500)
    assert r.status_code == 400 and '"phase"' in r.json()["error"]["message"]
    # a normal list of every phase still works
    r = client.get("/search.json", params=[("phase", p) for p in ("early1", "1", "2", "3", "4", "na")])
    assert r.status_code == 200


def test_unexpected_errors_are_json_for_json_clients(app, monkeypatch):
    from cleartrial.web import views

    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(views, "about_page", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        for url in ("/api/v1/about", "/about.json"):
            r = c.get(url)
            assert r.status_code == 500 and r.headers["content-type"] == "application/json"
            assert r.json() == {"error": {"status": 500, "message": "Something went wrong on our side. "
                                                                    "Please try again later."}}
        r = c.get("/about")  # pages keep Starlette's plain answer
        assert r.status_code == 500 and r.text == "Internal Server Error"


def test_redirects_are_documented_and_keep_the_query(client):
    r = client.get(f"/api/v1/trials/{MERGED_ID}", params={"near": "10001"}, follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == f"/api/v1/trials/{CURRENT_ID}?near=10001"
    r = client.get(f"/trials/{PLACEBO_TRIAL.lower()}.json", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == f"/trials/{PLACEBO_TRIAL}.json"


def test_api_trial_is_not_cached(client):
    # It may carry a person's location (?near=), like the twin, which already said no-store.
    r = client.get(f"/api/v1/trials/{PLACEBO_TRIAL}", params={"near": "02115"})
    assert r.headers["cache-control"] == "no-store"
