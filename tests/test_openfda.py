"""The openFDA client and the drug lookup, against a local server sending the real shared
openFDA responses (tests/fake_openfda.py)."""

from __future__ import annotations

import time

import pytest

from cleartrial.errors import FdaAPIError, FdaLimitReached, FdaNoNetwork
from cleartrial.fda import lookup
from cleartrial.sources import openfda
from cleartrial.sources.openfda import OpenFDAClient
from fake_openfda import closed_port_url, fda, openfda_server  # noqa: F401  (fixtures)


def client_for(fake, **kw) -> OpenFDAClient:
    kw.setdefault("sleep", lambda s: None)  # retries without waiting
    kw.setdefault("rate_per_minute", None)
    return OpenFDAClient(fake.url, api_key=kw.pop("api_key", None), **kw)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


# -- the client ---------------------------------------------------------------------------------

def test_label_search_returns_openfdas_answer(fda, shared_data):
    with client_for(fda) as c:
        answer = c.search("drug/label", 'openfda.brand_name.exact:"AMBIEN"', limit=10)
    assert answer["results"][0]["openfda"]["generic_name"] == ["ZOLPIDEM TARTRATE"]
    assert answer["meta"]["results"]["total"] == 17
    path, args = fda.seen[-1]
    assert path == "/drug/label.json" and args == {"search": 'openfda.brand_name.exact:"AMBIEN"', "limit": "10"}


def test_count_answers_have_the_documented_shape(fda):
    with client_for(fda) as c:
        answer = c.count("drug/event", 'patient.drug.openfda.generic_name.exact:"ZOLPIDEM TARTRATE"',
                         "patient.reaction.reactionmeddrapt.exact", limit=10)
    assert set(answer) == {"meta", "results"} and "results" not in answer["meta"]
    assert len(answer["results"]) == 10 and set(answer["results"][0]) == {"term", "count"}


def test_not_found_body_means_no_data_not_an_error(fda):
    with client_for(fda) as c:
        assert c.search("drug/label", 'openfda.generic_name.exact:"NO SUCH DRUG"') is None
        assert c.requests_made == 1  # never retried


def test_a_404_without_openfdas_body_is_an_error(fda):
    # A wrong base URL or a proxy page: caching it as "no label" would hide a drug for months.
    fda.add_fault("404-html")
    with client_for(fda) as c, pytest.raises(FdaAPIError, match="without openFDA's NOT_FOUND body"):
        c.search("drug/label", 'openfda.generic_name:"aspirin"')


def test_server_errors_are_retried_then_reported(fda):
    fda.add_fault("500")
    with client_for(fda, max_retries=2) as c:
        with pytest.raises(FdaAPIError) as err:
            c.search("drug/label", 'openfda.generic_name:"aspirin"')
        assert c.requests_made == 3
    assert err.value.status_code == 500 and "Check your request and try again" in str(err.value)


def test_rate_limited_and_broken_answers_are_retried(fda):
    fda.add_fault("429", times=1)
    fda.add_fault("garbage", times=1)
    with client_for(fda, max_retries=3) as c:
        answer = c.search("drug/label", 'openfda.brand_name.exact:"Vyvanse"')
        assert c.requests_made == 3
    assert answer["results"][0]["openfda"]["brand_name"] == ["Vyvanse"]


def test_an_answer_without_results_is_an_error_not_no_data(fda):
    fda.add_fault("missingresults")
    with client_for(fda, max_retries=0) as c, pytest.raises(FdaAPIError, match="without a results list"):
        c.search("drug/label", 'openfda.generic_name:"aspirin"')


def test_no_network_fails_fast():
    started = time.monotonic()
    with OpenFDAClient(closed_port_url(), max_retries=5) as c, pytest.raises(FdaNoNetwork, match="cannot reach openFDA"):
        c.search("drug/label", 'openfda.generic_name:"aspirin"')
    assert time.monotonic() - started < 2


def test_api_key_is_sent_but_never_shown(fda):
    fda.add_fault("500")
    with client_for(fda, api_key="s3cret-key", max_retries=0) as c, pytest.raises(FdaAPIError) as err:
        c.search("drug/label", 'openfda.generic_name:"aspirin"')
    assert fda.seen[-1][1]["api_key"] == "s3cret-key"
    assert "s3cret" not in str(err.value)


def test_daily_allowance_without_a_key_is_respected(fda):
    assert OpenFDAClient(fda.url, api_key=None).budget.limit == 1_000
    assert OpenFDAClient(fda.url, api_key="k").budget.limit == 120_000
    with client_for(fda, daily_limit=2) as c:
        c.search("drug/label", 'openfda.generic_name.exact:"ASPIRIN"')
        c.search("drug/label", 'openfda.generic_name.exact:"ASPIRIN"')
        with pytest.raises(FdaLimitReached, match="CLEARTRIAL_OPENFDA_KEY"):
            c.search("drug/label", 'openfda.generic_name.exact:"ASPIRIN"')
    assert len(fda.seen) == 2  # the third was never sent


def test_requests_are_spaced_for_240_a_minute(fda):
    clock = {"now": 0.0}
    sleeps: list[float] = []

    def sleep(s):
        sleeps.append(s)
        clock["now"] += s

    with OpenFDAClient(fda.url, api_key=None, sleep=sleep, clock=lambda: clock["now"]) as c:
        for _ in range(3):
            c.search("drug/label", 'openfda.generic_name.exact:"ASPIRIN"')
    assert sleeps == [pytest.approx(0.25), pytest.approx(0.25)]


def test_settings(monkeypatch):
    monkeypatch.delenv("CLEARTRIAL_OPENFDA_URL", raising=False)
    assert openfda.configured_base_url() == "https://api.fda.gov"
    monkeypatch.setenv("CLEARTRIAL_OPENFDA_URL", "http://mirror.example/fda/")
    assert openfda.configured_base_url() == "http://mirror.example/fda"
    monkeypatch.setenv("CLEARTRIAL_OPENFDA_URL", "off")
    assert openfda.configured_base_url() is None
    monkeypatch.setenv("CLEARTRIAL_OPENFDA_KEY", " k ")
    assert openfda.configured_api_key() == "k"


# -- one drug: label and FAERS ------------------------------------------------------------------

def test_generic_name_finds_the_label_of_its_salt(fda):
    with client_for(fda) as c:
        record = lookup.fetch(c, "zolpidem")
    assert record["match"] == {"field": "generic_name", "term": "ZOLPIDEM TARTRATE", "how": "salt"}
    label = record["label"]
    assert label["brand_names"] == ["AMBIEN"] and label["set_id"] == "02b5e3bb-c976-40a3-9077-64ffe637429f"
    assert label["sections"]["boxed_warning"].startswith("AMBIEN is a federally controlled substance")
    assert label["last_updated"] == "2015-05-31" and label["effective_time"] == "20120918"
    events = record["events"]
    assert events["search_name"] == "ZOLPIDEM TARTRATE"
    assert events["total"] == 59744  # meta.results.total of the real event answer
    assert [r["term"] for r in events["reactions"]][:2] == ["SOMNAMBULISM", "AMNESIA"]
    assert len(events["reactions"]) == 10  # the top 10 only, though openFDA sent 11


def test_brand_name_finds_the_label_and_faers_uses_its_generic_name(fda):
    with client_for(fda) as c:
        record = lookup.fetch(c, "vyvanse")
    assert record["match"] == {"field": "brand_name", "term": "Vyvanse", "how": "brand"}
    assert record["events"]["search_name"] == "LISDEXAMFETAMINE DIMESYLATE"
    assert record["events"]["total"] == 5675


def test_over_the_counter_label_and_no_reports(fda):
    with client_for(fda) as c:
        aspirin = lookup.fetch(c, "aspirin")
        phenylephrine = lookup.fetch(c, "phenylephrine")
    assert aspirin["match"]["how"] == "exact" and aspirin["label"]["product_types"] == ["HUMAN OTC DRUG"]
    assert aspirin["events"] == {"search_name": "ASPIRIN", "total": 0, "reactions": [], "last_updated": None}
    assert phenylephrine["label"]["brand_names"] == ["Childrens Sudafed PE NASAL DECONGESTANT"]


@pytest.mark.parametrize("name", ["sudafed", "anlotinib", "ulsc", "aspirin adult", "ambien cr"])
def test_a_name_that_is_not_exactly_a_product_finds_nothing(fda, name):
    # "sudafed" is only part of the brand "Childrens Sudafed PE NASAL DECONGESTANT": no match.
    with client_for(fda) as c:
        assert lookup.fetch(c, name) is None


@pytest.mark.parametrize("fault", ["missingopenfda", "empty"])
def test_labels_without_product_names_are_never_shown(fda, fault):
    # The real malformed bodies: results whose openfda block is empty or missing.
    fda.add_fault(fault, endpoint="label")
    with client_for(fda) as c:
        assert lookup.fetch(c, "zolpidem") is None


def test_choose_label_prefers_a_complete_prescription_label():
    rx = {"openfda": {"generic_name": ["X"], "product_type": ["HUMAN PRESCRIPTION DRUG"]},
          "indications_and_usage": ["1 INDICATIONS"], "effective_time": "20100101"}
    otc = {"openfda": {"generic_name": ["X"], "product_type": ["HUMAN OTC DRUG"]},
           "indications_and_usage": ["Uses"], "effective_time": "20200101"}
    other = {"openfda": {"generic_name": ["X AND Y"], "product_type": ["HUMAN PRESCRIPTION DRUG"]},
             "indications_and_usage": ["1"], "effective_time": "20230101"}
    bare = {"openfda": {}, "effective_time": "20240101"}
    assert lookup.choose_label({"results": [otc, bare, other, rx]}, "generic_name", "X") is rx
    assert lookup.choose_label({"results": [bare, other]}, "generic_name", "X") is None
