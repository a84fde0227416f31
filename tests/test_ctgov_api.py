"""The API v2 client against a fake registry serving the real shared records (loopback only;
the real API is never contacted). Sleep and clock are injected, so backoff and rate limiting
cost no wall time."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import orjson
import pytest
from fake_ctgov import FakeTime, _no_proxy, closed_port_url, ctgov_server, fake  # noqa: F401

from cleartrial import __version__
from cleartrial.errors import CtgovAPIError, InvalidQuery, NoNetwork
from cleartrial.sources.ctgov_api import (
    DEFAULT_BASE_URL,
    CtgovClient,
    RateLimiter,
    StudyNotFound,
    _retry_after_seconds,
    geo_filter,
    last_update_filter,
)


@pytest.fixture
def ft() -> FakeTime:
    return FakeTime()


def client_for(fake, ft: FakeTime, **kwargs) -> CtgovClient:
    opts = dict(rate_per_minute=None, timeout=2.0, connect_timeout=1.0, max_retries=3,
                sleep=ft.sleep, clock=ft.clock)
    opts.update(kwargs)
    return CtgovClient(fake.base_url if fake is not None else opts.pop("base_url"), **opts)


def _ids(pages) -> list[str]:
    return [s["protocolSection"]["identificationModule"]["nctId"] for p in pages for s in p.studies]


# -- paging ------------------------------------------------------------------------------


def test_paging_collects_every_study_exactly_once(fake, ft):
    with client_for(fake, ft) as client:
        pages = list(client.iter_pages(page_size=50))
    ids = _ids(pages)
    assert len(ids) == len(fake.studies) == 174
    assert sorted(ids) == sorted(s.nct_id for s in fake.studies)
    assert len(set(ids)) == len(ids)
    # Total asked for (and given) on the first page only; each later page names its token.
    assert [p.total_count for p in pages] == [174, None, None, None]
    seen = fake.list_requests()
    assert [r.page for r in seen] == [1, 2, 3, 4]
    assert seen[0].args.get("countTotal") == "true" and "pageToken" not in seen[0].args
    assert all("countTotal" not in r.args for r in seen[1:])
    assert [p.token_used for p in pages] == [None] + [r.token for r in seen[1:]]
    assert pages[-1].next_page_token is None
    assert all(r.args["pageSize"] == "50" for r in seen)


def test_full_last_page_then_empty_page_ends_the_walk(fake, ft):
    # 174 = 3 × 58: the API still hands out a token after the third (full) page.
    with client_for(fake, ft) as client:
        pages = list(client.iter_pages(page_size=58))
    assert sorted(_ids(pages)) == sorted(s.nct_id for s in fake.studies)
    assert [len(p.studies) for p in pages] == [58, 58, 58, 0]


def test_resume_from_a_page_token(fake, ft):
    with client_for(fake, ft) as client:
        first = next(client.iter_pages(page_size=100))
        rest = list(client.iter_pages(page_size=100, page_token=first.next_page_token))
    assert len(rest) == 1 and rest[0].token_used == first.next_page_token
    assert len(first.studies) + len(rest[0].studies) == 174
    assert rest[0].total_count is None  # countTotal is only sent without a token


def test_status_filter_is_sent_and_applied(fake, ft):
    with client_for(fake, ft) as client:
        pages = list(client.iter_pages(statuses=["recruiting", "NOT_YET_RECRUITING", "recruiting"]))
    (req,) = fake.list_requests()
    assert req.args["filter.overallStatus"] == "RECRUITING,NOT_YET_RECRUITING"
    statuses = {s["protocolSection"]["statusModule"]["overallStatus"] for p in pages for s in p.studies}
    assert statuses == {"RECRUITING", "NOT_YET_RECRUITING"}
    assert pages[0].total_count == 80  # 50 recruiting + 30 not yet recruiting in the sample


def test_query_parameters_are_sent_as_the_api_names_them(fake, ft):
    with client_for(fake, ft) as client:
        list(client.iter_pages(
            condition="diabetes", term="insulin", location="Boston",
            geo=geo_filter(39.0035707, -77.1013313, 50),
            advanced=last_update_filter("2024-01-01"), page_size=7,
        ))
    args = fake.list_requests()[0].args
    assert args["query.cond"] == "diabetes"
    assert args["query.term"] == "insulin"
    assert args["query.locn"] == "Boston"
    assert args["filter.geo"] == "distance(39.0035707,-77.1013313,50mi)"
    assert args["filter.advanced"] == "AREA[LastUpdatePostDate]RANGE[2024-01-01,MAX]"
    assert args["pageSize"] == "7"
    assert "filter.overallStatus" not in args


def test_user_agent_names_the_project(fake, ft):
    with client_for(fake, ft) as client:
        client.get_study("NCT00410098")
    ua = fake.requests[0].headers["User-Agent"]
    assert ua == f"cleartrial/{__version__} (+https://github.com/cleartrial/cleartrial)"


def test_get_study_returns_the_registry_object(fake, ft):
    sample = fake.by_id["NCT00410098"]
    with client_for(fake, ft) as client:
        assert client.get_study(" nct00410098 ") == orjson.loads(sample.raw)
    assert fake.requests[0].path == "/api/v2/studies/NCT00410098"


def test_get_study_unknown_id_is_not_found_without_retry(fake, ft):
    with client_for(fake, ft) as client, pytest.raises(StudyNotFound) as info:
        client.get_study("NCT99999999")
    assert "NCT99999999" in str(info.value) and "not found" in str(info.value)
    assert isinstance(info.value, CtgovAPIError) and info.value.status_code == 404
    assert len(fake.requests) == 1 and ft.sleeps == []


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_study("NCT123"),
        lambda c: c.get_study("12345678"),
        lambda c: c.iter_pages(page_size=0),
        lambda c: c.iter_pages(page_size=1001),
        lambda c: c.iter_pages(page_size=True),
        lambda c: c.iter_pages(statuses=["OPEN"]),
        lambda c: c.iter_pages(geo="near Boston"),
    ],
)
def test_bad_parameters_are_refused_before_any_request(fake, ft, call):
    with client_for(fake, ft) as client, pytest.raises(InvalidQuery):
        call(client)  # iter_pages validates at the call, not at the first next()
    assert fake.requests == []


def test_geo_and_since_helpers():
    assert geo_filter(1.5, -2, 10.0, "km") == "distance(1.5,-2,10km)"
    with pytest.raises(InvalidQuery):
        geo_filter(91, 0, 10)
    with pytest.raises(InvalidQuery):
        geo_filter(0, 0, -1)
    assert last_update_filter(date(2024, 3, 1)) == "AREA[LastUpdatePostDate]RANGE[2024-03-01,MAX]"
    assert last_update_filter("2024-03-01T10:00:00Z").endswith("[2024-03-01,MAX]")
    with pytest.raises(InvalidQuery):
        last_update_filter("last tuesday")


def test_base_url_from_environment(monkeypatch):
    # Only URLs are compared here: nothing is sent.
    with CtgovClient() as client:
        assert client.base_url == DEFAULT_BASE_URL
    monkeypatch.setenv("CLEARTRIAL_CTGOV_URL", "http://127.0.0.1:9/api/v2/")
    with CtgovClient() as client:
        assert client.studies_url == "http://127.0.0.1:9/api/v2/studies"
    with CtgovClient("http://127.0.0.1:1/x") as client:
        assert client.base_url == "http://127.0.0.1:1/x"


# -- retries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        dict(kind="429", retry_after="7"),
        dict(kind="429"),  # no Retry-After: plain backoff
        dict(kind="500"),
        dict(kind="503"),
        dict(kind="truncated"),
        dict(kind="invalid_json"),
        dict(kind="slow", delay=1.0),
    ],
    ids=lambda f: f["kind"] + ("+retry-after" if "retry_after" in f else ""),
)
def test_transient_failures_are_retried_then_succeed(fake, ft, fault):
    fake.add_fault(page=2, times=2, **fault)
    with client_for(fake, ft, timeout=0.25, backoff_base=1.0) as client:
        pages = list(client.iter_pages(page_size=100))
    assert len(_ids(pages)) == 174
    seen = fake.list_requests()
    assert [r.page for r in seen] == [1, 2, 2, 2]
    assert [r.fault for r in seen] == [None, fault["kind"], fault["kind"], None]
    # Two waits; exponential with jitter in [cap/2, cap]; Retry-After is a floor.
    assert len(ft.sleeps) == 2
    if "retry_after" in fault:
        assert all(s >= 7 for s in ft.sleeps)
    else:
        assert 0.5 <= ft.sleeps[0] <= 1.0 and 1.0 <= ft.sleeps[1] <= 2.0


def test_get_study_is_retried_too(fake, ft):
    fake.add_fault("500", times=1)
    with client_for(fake, ft) as client:
        assert client.get_study("NCT00410098")["protocolSection"]
    assert [r.status for r in fake.requests] == [500, 200]


def test_retries_exhausted_raise_ctgov_api_error(fake, ft):
    fake.add_fault("500", page=1, times=None)
    with client_for(fake, ft, max_retries=3) as client, pytest.raises(CtgovAPIError) as info:
        list(client.iter_pages())
    err = info.value
    assert not isinstance(err, NoNetwork)
    assert err.status_code == 500 and "gave up after 4 attempts" in str(err)
    assert len(fake.requests) == 4
    assert len(ft.sleeps) == 3 and ft.sleeps[0] < ft.sleeps[2]  # backoff grows


def test_invalid_json_exhausted_says_so(fake, ft):
    fake.add_fault("invalid_json", times=None)
    with client_for(fake, ft, max_retries=1) as client, pytest.raises(CtgovAPIError, match="not valid JSON"):
        client.get_study("NCT00410098")


def test_client_error_stops_at_once_with_the_api_message(fake, ft):
    fake.add_fault("400", message="Invalid value 'X' for parameter 'filter.overallStatus'")
    with client_for(fake, ft) as client, pytest.raises(CtgovAPIError) as info:
        list(client.iter_pages())
    assert info.value.status_code == 400
    assert "Invalid value 'X' for parameter 'filter.overallStatus'" in str(info.value)
    assert len(fake.requests) == 1 and ft.sleeps == []


def test_rejected_page_token_is_a_4xx(fake, ft):
    with client_for(fake, ft) as client:
        token = next(client.iter_pages(page_size=10)).next_page_token
        fake.invalidate_tokens()
        with pytest.raises(CtgovAPIError) as info:
            list(client.iter_pages(page_size=10, page_token=token))
    assert info.value.status_code == 400 and "Invalid pageToken" in str(info.value)


def test_huge_retry_after_gives_up_instead_of_freezing(fake, ft):
    fake.add_fault("429", retry_after="3600", times=None)
    with client_for(fake, ft) as client, pytest.raises(CtgovAPIError, match="wait 3600 seconds.*HTTP 429"):
        client.get_study("NCT00410098")
    assert len(fake.requests) == 1 and ft.sleeps == []


def test_retry_after_forms():
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert _retry_after_seconds("12", lambda: now) == 12
    assert _retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), lambda: now) == 30
    assert _retry_after_seconds(format_datetime(now - timedelta(seconds=30), usegmt=True), lambda: now) == 0
    assert _retry_after_seconds("soon", lambda: now) is None
    assert _retry_after_seconds(None, lambda: now) is None


# -- rate limit ---------------------------------------------------------------------------


def test_rate_limiter_spaces_requests(fake, ft):
    with client_for(fake, ft, rate_per_minute=60) as client:
        list(client.iter_pages(page_size=50))  # 4 requests
    # The fake clock only moves when we sleep, so every request after the first waits 1 s.
    assert ft.sleeps == [1.0, 1.0, 1.0]
    assert len(fake.requests) == 4


def test_rate_limiter_counts_retries_and_elapsed_time():
    ft = FakeTime()
    limiter = RateLimiter(50, clock=ft.clock, sleep=ft.sleep)
    assert limiter.wait() == 0.0
    ft.now += 0.5
    assert limiter.wait() == pytest.approx(0.7)  # 1.2 s interval, 0.5 s already gone
    ft.now += 5
    assert limiter.wait() == 0.0  # idle time is not banked into a burst
    assert limiter.wait() == pytest.approx(1.2)
    assert RateLimiter(None, clock=ft.clock, sleep=ft.sleep).wait() == 0.0


def test_backoff_sleeps_also_feed_the_rate_limiter(fake, ft):
    fake.add_fault("500", times=1)
    with client_for(fake, ft, rate_per_minute=6, backoff_base=1.0) as client:  # 10 s apart
        client.get_study("NCT00410098")
    backoff, limiter_wait = ft.sleeps
    assert backoff + limiter_wait == pytest.approx(10.0)


# -- no network ---------------------------------------------------------------------------


def test_closed_port_raises_no_network_fast(ft):
    url = closed_port_url()
    start = time.monotonic()
    with CtgovClient(url, max_retries=5, sleep=ft.sleep, clock=ft.clock) as client:
        with pytest.raises(NoNetwork) as info:
            list(client.iter_pages())
    assert time.monotonic() - start < 2
    assert ft.sleeps == [] and client.requests_made == 1
    assert "cannot reach ClinicalTrials.gov" in str(info.value)


def test_dns_failure_raises_no_network():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    ft = FakeTime()
    with CtgovClient("https://clinicaltrials.invalid/api/v2", transport=httpx.MockTransport(handler),
                     sleep=ft.sleep, clock=ft.clock) as client:
        with pytest.raises(NoNetwork, match="Name or service not known"):
            client.get_study("NCT00410098")
    assert ft.sleeps == []


def test_connection_lost_after_the_host_answered_is_retried():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) in (2, 3):
            raise httpx.ConnectError("Connection refused", request=request)
        return httpx.Response(200, json={"protocolSection": {}})

    ft = FakeTime()
    with CtgovClient("http://127.0.0.1:1/api/v2", transport=httpx.MockTransport(handler),
                     rate_per_minute=None, sleep=ft.sleep, clock=ft.clock) as client:
        client.get_study("NCT00410098")
        client.get_study("NCT00410098")  # two refusals, then success
    assert len(calls) == 4 and len(ft.sleeps) == 2

    # …and when it never comes back, that is still "no network" for the CLI.
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    with CtgovClient("http://127.0.0.1:1/api/v2", transport=httpx.MockTransport(down),
                     max_retries=2, rate_per_minute=None, sleep=ft.sleep, clock=ft.clock) as client:
        client._reached = True  # as if an earlier page had arrived
        with pytest.raises(NoNetwork, match="gave up after 3 attempts"):
            client.get_study("NCT00410098")
