"""The optional LLM backend: client, guard, cache, page function and CLI, against a local
server that speaks the OpenAI chat-completions protocol (tests/fake_llm.py)."""

from __future__ import annotations

import json
import time

import orjson
import pytest
from fake_llm import FakeLLM, criteria_in, envelope, labels_in
from typer.testing import CliRunner

from cleartrial.cli import app
from cleartrial.explain import llm, plain
from cleartrial.model import Eligibility, PartialDate, Trial
from cleartrial.plain_cache import (
    plain_for_page,
    precompute,
    precompute_all,
    source_hash,
)
from cleartrial.sources import FORMAT_JSON, stamp_provenance
from cleartrial.store import Store, schema

CRITERIA = """Inclusion Criteria:

* Age 18 years or older
* Able to walk without help for 6 minutes
* Signed informed consent

Exclusion Criteria:

* Pregnant or breastfeeding
* Chemotherapy within 4 weeks before the first dose
* Patients who have not received the influenza vaccine"""

NOT_ITEM = "Patients who have not received the influenza vaccine"
NUMBER_ITEM = "Chemotherapy within 4 weeks before the first dose"


def make_trial(nct="NCT01234567", criteria=CRITERIA, status="RECRUITING", updated="2024-01-10", raw=None):
    t = Trial(nct_id=nct, brief_title="Walking after chemotherapy", overall_status=status,
              last_update_posted=PartialDate(updated, "ACTUAL"), eligibility=Eligibility(criteria=criteria))
    raw = raw if raw is not None else orjson.dumps({"nct": nct, "criteria": criteria, "updated": updated})
    stamp_provenance(t, raw, FORMAT_JSON, source_file=f"test:{nct}")
    return t, raw


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """A proxy from the environment would swallow loopback requests; tests talk direct."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def fake():
    server = FakeLLM()
    yield server
    server.close()


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "t.db") as s:
        s.ingest([make_trial()])
        yield s


def settings(fake, **kw) -> llm.LLMSettings:
    return llm.LLMSettings(url=fake.url, model=kw.pop("model", "fake-model"), **kw)


class Sleeps:
    """Records backoff sleeps instead of taking them."""

    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def client(fake, sleeps=None, **kw) -> llm.LLMClient:
    deadline = kw.pop("deadline", 30.0)
    return llm.LLMClient(settings(fake, deadline=deadline), sleep=sleeps or Sleeps(), **kw)


def trial():
    return make_trial()[0]


def rewrite_all_but(bad: dict[str, str]):
    """A rewrite function: the source itself (faithful), except the given replacements."""
    return lambda n, source: bad.get(source, source)


def walk(criteria):
    for c in criteria:
        yield c
        yield from walk(c.get("children") or [])


# -- settings -----------------------------------------------------------------------------------


def test_settings_from_env():
    assert llm.LLMSettings.from_env({}) is None
    assert llm.LLMSettings.from_env({"CLEARTRIAL_LLM_MODEL": "x"}) is None  # no URL: rules only
    s = llm.LLMSettings.from_env({"CLEARTRIAL_LLM_URL": "http://localhost:11434/v1/chat/completions/",
                                  "CLEARTRIAL_LLM_MODEL": "llama3.1:8b", "CLEARTRIAL_LLM_API_KEY": "sk-secret"})
    assert s.url == "http://localhost:11434/v1" and s.endpoint == "http://localhost:11434/v1/chat/completions"
    assert s.model == "llama3.1:8b" and s.api_key == "sk-secret" and s.deadline == llm.DEFAULT_DEADLINE
    assert "sk-secret" not in repr(s)
    with pytest.raises(llm.LLMConfigError, match="CLEARTRIAL_LLM_MODEL"):
        llm.LLMSettings.from_env({"CLEARTRIAL_LLM_URL": "http://localhost:8080/v1"})
    with pytest.raises(llm.LLMConfigError, match="not an http"):
        llm.LLMSettings.from_env({"CLEARTRIAL_LLM_URL": "localhost:8080", "CLEARTRIAL_LLM_MODEL": "m"})
    with pytest.raises(llm.LLMConfigError, match="CLEARTRIAL_LLM_TIMEOUT"):
        llm.LLMSettings.from_env({"CLEARTRIAL_LLM_URL": "http://h/v1", "CLEARTRIAL_LLM_MODEL": "m",
                                  "CLEARTRIAL_LLM_TIMEOUT": "soon"})
    assert llm.LLMSettings.from_env({"CLEARTRIAL_LLM_URL": "http://h/v1", "CLEARTRIAL_LLM_MODEL": "m",
                                     "CLEARTRIAL_LLM_TIMEOUT": "45"}).deadline == 45.0


def test_prompt_is_versioned_and_asks_for_the_guarantees():
    assert llm.PROMPT_VERSION
    for must in ("grade 6 to 8", "number", "unit", "comparison", "time window", "negation", "JSON", '"n": 1'):
        assert must in llm.SYSTEM_PROMPT
    items = llm.items_for(plain.explain_trial(trial()))
    text = llm.build_user_prompt(items)
    assert [it.n for it in items] == list(range(1, len(items) + 1))
    assert f"{len(items)}. [cannot join] {NOT_ITEM}" in text
    assert "1. [can join] Age 18 years or older" in text
    assert [it.framed for it in items] == [True] * 6


# -- a good answer, cached ----------------------------------------------------------------------


def test_good_answer_is_accepted_cached_and_reused(fake, store):
    with client(fake) as c:
        outcome, run = precompute(store, trial(), c)
    assert outcome == "computed" and run.rejected == [] and len(run.accepted) == 6
    assert len(fake.requests) == 1
    req = fake.requests[0]
    assert req["path"] == "/v1/chat/completions"
    assert req["body"]["model"] == "fake-model" and req["body"]["temperature"] == 0
    assert req["body"]["messages"][0]["content"] == llm.SYSTEM_PROMPT
    assert "authorization" not in {k.lower() for k in req["headers"]}  # no key configured

    entry = store.get_llm_plain(source_hash(trial()), llm.PROMPT_VERSION, "fake-model")
    assert entry is not None and (entry.accepted, entry.rejected) == (6, 0) and entry.created_at
    assert {r["source"] for r in entry.result["rewrites"]} >= {NOT_ITEM, NUMBER_ITEM}

    # A second run, even with a new client (a new process), asks nothing.
    with client(fake) as c:
        assert precompute(store, trial(), c) == ("cached", None)
        report = precompute_all(store, c, store.iter_nct_ids())
    assert report.cached == 1 and report.computed == 0
    assert len(fake.requests) == 1


def test_page_shows_the_cached_llm_version_and_never_calls_the_model(fake, store, monkeypatch):
    monkeypatch.delenv("CLEARTRIAL_LLM_MODEL", raising=False)
    fake.good = lambda n, s: s.replace("Signed informed consent", "You signed the consent form")
    fake.good = lambda n, s: "You are " + s[0].lower() + s[1:] if s.startswith("Age") else s
    before = plain_for_page(store, trial())
    assert before["engine"] == "rules"
    with client(fake) as c:
        precompute(store, trial(), c)
    n_requests = len(fake.requests)
    page = plain_for_page(store, trial())
    assert len(fake.requests) == n_requests  # the page asked nothing
    assert page["engine"] == "llm:fake-model"
    assert page["nct_id"] == "NCT01234567" and "reading_level" in page
    shown = {c["source"]: c for c in walk(page["criteria"])}
    age = shown["Age 18 years or older"]
    assert age["plain"] == "You are age 18 years or older" and age["engine"] == "llm" and age["faithful"]
    # The same stable shape as the rule-based result: every source appears once, in order.
    assert [c["source"] for c in walk(page["criteria"])] == [c["source"] for c in walk(before["criteria"])]
    # Another model's cache is not shown when a model is asked for.
    assert plain_for_page(store, trial(), model="other-model")["engine"] == "rules"
    monkeypatch.setenv("CLEARTRIAL_LLM_MODEL", "other-model")
    assert plain_for_page(store, trial())["engine"] == "rules"


def test_api_key_is_sent_as_bearer(fake):
    s = llm.LLMSettings(url=fake.url, model="m", api_key="sk-test-123")
    with llm.LLMClient(s, sleep=Sleeps()) as c:
        llm.rewrite_trial(trial(), c)
    assert fake.requests[0]["headers"]["Authorization"] == "Bearer sk-test-123"


def test_changed_criteria_or_prompt_version_recompute(fake, store, monkeypatch):
    with client(fake) as c:
        precompute(store, trial(), c)
        assert len(fake.requests) == 1
        # The record changes its criteria: a different hash, so the page falls back to the
        # rules until the batch runs again, and the batch asks again.
        changed, raw = make_trial(criteria=CRITERIA.replace("6 minutes", "10 minutes"), updated="2024-05-01")
        store.ingest([(changed, raw)])
        assert plain_for_page(store, store.get_trial("NCT01234567"))["engine"] == "rules"
        assert precompute(store, store.get_trial("NCT01234567"), c)[0] == "computed"
        assert len(fake.requests) == 2
        # A new prompt: every cached answer was for the old question.
        monkeypatch.setattr(llm, "PROMPT_VERSION", "criteria-test-v2")
        assert plain_for_page(store, store.get_trial("NCT01234567"))["engine"] == "rules"
        assert precompute(store, store.get_trial("NCT01234567"), c)[0] == "computed"
        assert len(fake.requests) == 3
    assert store.get_llm_plain(source_hash(changed), "criteria-test-v2", "fake-model") is not None


def test_trial_without_criteria_makes_no_request(fake, store):
    empty, raw = make_trial(nct="NCT07654321", criteria=None)
    store.ingest([(empty, raw)])
    with client(fake) as c:
        assert precompute(store, empty, c) == ("no_criteria", None)
    assert fake.requests == []
    assert plain_for_page(store, empty)["engine"] == "rules"


# -- the faithfulness guard -----------------------------------------------------------------------


def test_rewrites_that_drop_a_not_or_change_a_number_are_rejected_per_criterion(fake, store):
    fake.good = rewrite_all_but({
        NOT_ITEM: "Patients who have received the influenza vaccine",  # the "not" is gone
        NUMBER_ITEM: "Chemotherapy within 6 weeks before the first dose",  # 4 became 6
    })
    with client(fake) as c:
        outcome, run = precompute(store, trial(), c)
    assert outcome == "computed"
    assert sorted(r["source"] for r in run.rejected) == sorted([NOT_ITEM, NUMBER_ITEM])
    assert all(r["problems"] for r in run.rejected)
    assert len(run.accepted) == 4
    entry = store.get_llm_plain(source_hash(trial()), llm.PROMPT_VERSION, "fake-model")
    assert (entry.accepted, entry.rejected) == (4, 2)
    # A rejected text is never kept as something to show.
    assert "influenza vaccine" not in json.dumps(entry.result["rewrites"])
    assert "6 weeks" not in json.dumps(entry.result)
    # On the page those two criteria keep the rule-based version.
    rules = {c["source"]: c for c in walk(plain.explain_trial(trial())["criteria"])}
    page = {c["source"]: c for c in walk(plain_for_page(store, trial())["criteria"])}
    for source in (NOT_ITEM, NUMBER_ITEM):
        assert page[source]["plain"] == rules[source]["plain"]
        assert page[source].get("engine") == "rules"


NESTED = """Inclusion Criteria:

* Adequate organ function:
  * Platelets at least 100,000/mm3
* Age 18 years or older

Exclusion Criteria:

* Pregnant"""


def test_framing_only_where_the_rules_frame_and_in_the_right_direction(fake, store):
    nested, raw = make_trial(nct="NCT00000005", criteria=NESTED)
    store.ingest([(nested, raw)])
    with client(fake) as c:
        run = llm.rewrite_trial(nested, c)
    # A top-level condition opens with its framing; the sub-item is asked as a plain detail.
    labels = labels_in(fake.requests[0]["body"])
    assert labels == {1: "can join", 2: "inclusion", 3: "can join", 4: "cannot join"}
    accepted = {r["source"]: r["plain"] for r in run.accepted}
    assert accepted["Pregnant"] == "You cannot join if pregnant"
    assert accepted["Platelets at least 100,000/mm3"] == "Platelets at least 100,000/mm3"

    # A frame on a sub-item is added content; a frame in the wrong direction flips the meaning.
    fake.frame = False
    fake.good = lambda n, s: {
        "Platelets at least 100,000/mm3": "You can join if your platelets are at least 100,000/mm3",
        "Pregnant": "You can join if you are pregnant",
        "Age 18 years or older": "You can join if you are 18 or older",
    }.get(s, s)
    with client(fake) as c:
        run = llm.rewrite_trial(nested, c)
    rejected = {r["source"]: r["problems"] for r in run.rejected}
    assert set(rejected) == {"Platelets at least 100,000/mm3", "Pregnant"}
    assert "framing" in rejected["Pregnant"][0] and "framing" in rejected["Platelets at least 100,000/mm3"][0]
    assert {r["source"] for r in run.accepted} == {"Adequate organ function:", "Age 18 years or older"}


def test_every_rejected_rewrite_means_the_rules_are_shown(fake, store):
    fake.good = lambda n, s: s + " 99"  # an invented number in every criterion
    with client(fake) as c:
        _, run = precompute(store, trial(), c)
    assert run.accepted == [] and len(run.rejected) == 6
    # Cached anyway (the same prompt would get the same answer), but the page shows the rules.
    assert store.get_llm_plain(source_hash(trial()), llm.PROMPT_VERSION, "fake-model").accepted == 0
    assert plain_for_page(store, trial())["engine"] == "rules"


def test_overlay_rechecks_cached_rewrites(store):
    # A rewrite cached by an older, laxer check must not reach a page.
    bad = {"rewrites": [{"n": 6, "section": "exclusion", "source": NOT_ITEM,
                         "plain": "Patients who have received the influenza vaccine"},
                        {"n": 1, "section": "inclusion", "source": "Age 18 years or older",
                         "plain": "You are age 18 years or older"}],
           "prompt_version": llm.PROMPT_VERSION}
    store.put_llm_plain(source_hash(trial()), "old-model", llm.PROMPT_VERSION, bad, accepted=2, rejected=0)
    page = plain_for_page(store, trial())
    shown = {c["source"]: c for c in walk(page["criteria"])}
    assert shown[NOT_ITEM]["plain"] != "Patients who have received the influenza vaccine"
    assert shown["Age 18 years or older"]["plain"] == "You are age 18 years or older"
    assert page["engine"] == "llm:old-model"
    # A rewrite is only used for the criterion it was written for (same section and text).
    moved = {"rewrites": [{"n": 1, "section": "exclusion", "source": "Age 18 years or older",
                           "plain": "You are age 18 years or older"}]}
    base = plain.explain_trial(trial())
    assert llm.overlay(base, moved, "m")["engine"] == "rules"


# -- answers that cannot be used ------------------------------------------------------------------


@pytest.mark.parametrize("content", [
    "I'm sorry, I can't help with that.",
    '{"rewrites": [{"n": 1, "plain": "Age 18',  # cut off mid-JSON
    '{"rewrites": "none"}',
    '[1, 2, 3]',
    '{"rewrites": [{"n": "one", "plain": "x"}]}',
])
def test_garbage_content_fails_the_trial_without_caching(fake, store, content):
    fake.script = [("content", content)]
    with client(fake) as c:
        report = precompute_all(store, c, ["NCT01234567"])
    assert report.failed == 1 and report.computed == 0 and report.failures[0][0] == "NCT01234567"
    assert store.get_llm_plain(source_hash(trial()), llm.PROMPT_VERSION, "fake-model") is None
    assert len(fake.requests) == 1  # a model that answered nonsense is not asked again now
    # …but the next run tries again, and succeeds.
    with client(fake) as c:
        assert precompute_all(store, c, ["NCT01234567"]).computed == 1


def test_answer_cut_off_at_the_length_limit_is_a_failure(fake):
    items = llm.items_for(plain.explain_trial(trial()))
    content = orjson.dumps({"rewrites": [{"n": it.n, "plain": it.source} for it in items]}).decode()
    fake.script = [("content", content, "length")]
    with client(fake) as c, pytest.raises(llm.LLMBadAnswer, match="cut off"):
        llm.rewrite_trial(trial(), c)


def test_fenced_or_prefixed_json_is_read():
    assert llm.parse_rewrites('```json\n{"rewrites": [{"n": 1, "plain": "a"}]}\n```', [1]) == {1: "a"}
    assert llm.parse_rewrites('Here you are:\n{"1": "a", "2": "b"}', [1, 2]) == {1: "a", 2: "b"}
    assert llm.parse_rewrites('[{"n": "2", "plain": " b "}, {"n": 1.0, "plain": "a"}]', [1, 2]) == {1: "a", 2: "b"}


@pytest.mark.parametrize("rewrite, message", [
    (lambda n, s: None if n == 3 else s, "left out criterion 3"),
    (lambda n, s: None if n > 1 else s, "left out criteria 2, 3, 4, 5, 6"),
])
def test_dropped_items_reject_the_whole_answer(fake, store, rewrite, message):
    fake.script = [("answer", rewrite)]
    with client(fake) as c, pytest.raises(llm.LLMBadAnswer, match=message):
        precompute(store, trial(), c)
    assert store.get_llm_plain(source_hash(trial()), llm.PROMPT_VERSION, "fake-model") is None


def test_invented_or_repeated_items_reject_the_whole_answer(fake, store):
    items = llm.items_for(plain.explain_trial(trial()))
    entries = [{"n": it.n, "plain": it.source} for it in items]
    invented = orjson.dumps({"rewrites": entries + [{"n": 7, "plain": "You must be over 21."}]}).decode()
    repeated = orjson.dumps({"rewrites": entries + [{"n": 2, "plain": "again"}]}).decode()
    # Merged: right count, wrong numbers (two criteria folded into one, a number skipped).
    shifted = orjson.dumps({"rewrites": [{"n": it.n + 1, "plain": it.source} for it in items]}).decode()
    fake.script = [("content", invented), ("content", repeated), ("content", shifted)]
    with client(fake) as c:
        with pytest.raises(llm.LLMBadAnswer, match="added criterion 7"):
            precompute(store, trial(), c)
        with pytest.raises(llm.LLMBadAnswer, match="criterion 2 twice"):
            precompute(store, trial(), c)
        with pytest.raises(llm.LLMBadAnswer, match="left out criterion 1 and added criterion 7"):
            precompute(store, trial(), c)
    assert store.get_llm_plain(source_hash(trial()), llm.PROMPT_VERSION, "fake-model") is None


# -- transport: retries, deadlines ------------------------------------------------------------------


def test_429_then_success_honours_retry_after(fake, store):
    fake.script = [("status", 429, b'{"error": {"message": "slow down"}}', {"Retry-After": "7"})]
    sleeps = Sleeps()
    with client(fake, sleeps, backoff_base=0.01) as c:
        outcome, run = precompute(store, trial(), c)
        assert c.requests_made == 2
    assert outcome == "computed" and len(run.accepted) == 6
    assert sleeps.calls == [7.0]


def test_500s_until_giving_up(fake, store):
    fake.script = [("status", 500, b'{"error": "model crashed"}', {})] * 10
    sleeps = Sleeps()
    with client(fake, sleeps, max_retries=3, backoff_base=1.0) as c:
        with pytest.raises(llm.LLMUnavailable, match="gave up after 4 attempts.*model crashed"):
            precompute(store, trial(), c)
        assert c.requests_made == 4
    assert len(sleeps.calls) == 3 and sleeps.calls[0] < sleeps.calls[2]  # backoff grows
    assert store.get_llm_plain(source_hash(trial()), llm.PROMPT_VERSION, "fake-model") is None


def test_503_then_success(fake):
    fake.script = [("status", 503, b"busy", {}), ("status", 502, b"bad gateway", {})]
    with client(fake) as c:
        run = llm.rewrite_trial(trial(), c)
        assert c.requests_made == 3 and len(run.accepted) == 6


def test_truncated_body_is_retried_then_fails(fake):
    half = orjson.dumps(envelope('{"rewrites": []}'))[:40]
    fake.script = [("truncated", half)] * 5
    with client(fake, max_retries=2) as c, pytest.raises(llm.LLMUnavailable, match="gave up after 3 attempts"):
        llm.rewrite_trial(trial(), c)
    fake.script = [("truncated", half)]
    with client(fake) as c:
        assert len(llm.rewrite_trial(trial(), c).accepted) == 6  # one broken body, then a good one


def test_garbage_body_with_status_200_is_retried_then_fails(fake):
    fake.script = [("raw", b"<html>502 Bad Gateway</html>")] * 3
    with client(fake, max_retries=2) as c, pytest.raises(llm.LLMUnavailable, match="not valid JSON"):
        llm.rewrite_trial(trial(), c)
    fake.script = [("raw", b'{"object": "chat.completion"}')]
    with client(fake) as c, pytest.raises(llm.LLMBadAnswer, match="no choices"):
        llm.rewrite_trial(trial(), c)


def test_slow_answer_beyond_the_deadline(fake, store):
    fake.script = [("sleep", 30, ("answer", lambda n, s: s))]
    started = time.monotonic()
    with client(fake, deadline=1.0) as c:
        report = precompute_all(store, c, ["NCT01234567"])
    elapsed = time.monotonic() - started
    assert report.failed == 1 and "deadline" in report.failures[0][1]
    assert elapsed < 5, elapsed  # bounded by the deadline, not by the server
    assert store.get_llm_plain(source_hash(trial()), llm.PROMPT_VERSION, "fake-model") is None


def test_trickled_answer_beyond_the_deadline(fake):
    # One byte every 50 ms: no single read times out, the deadline still ends it.
    fake.script = [("drip", 0.05)]
    started = time.monotonic()
    with client(fake, deadline=1.0) as c, pytest.raises(llm.LLMUnavailable, match="deadline"):
        llm.rewrite_trial(trial(), c)
    assert time.monotonic() - started < 5


def test_read_timeout_is_retried_within_the_deadline(fake):
    fake.script = [("sleep", 30, ("answer", lambda n, s: s))]
    with client(fake, read_timeout=0.5, deadline=20.0) as c:
        run = llm.rewrite_trial(trial(), c)
        assert c.requests_made == 2 and len(run.accepted) == 6


def test_batches_share_one_deadline_and_numbering(fake):
    with client(fake, batch_size=4) as c:
        run = llm.rewrite_trial(trial(), c)
    assert len(fake.requests) == 2
    assert sorted(criteria_in(fake.requests[0]["body"])) == [1, 2, 3, 4]
    assert sorted(criteria_in(fake.requests[1]["body"])) == [5, 6]
    assert len(run.accepted) == 6


def test_server_that_refuses_response_format_gets_plain_requests(fake):
    fake.script = [("status", 400, b'{"error": {"message": "response_format not supported"}}', {})]
    with client(fake) as c:
        assert len(llm.rewrite_trial(trial(), c).accepted) == 6
    assert "response_format" in fake.requests[0]["body"]
    assert "response_format" not in fake.requests[1]["body"]


def test_wrong_key_or_url_stops_the_batch(fake, store):
    store.ingest([make_trial(nct=f"NCT0000000{i}") for i in range(1, 4)])
    fake.script = [("status", 401, b'{"error": {"message": "invalid api key"}}', {})] * 5
    with client(fake) as c:
        report = precompute_all(store, c, store.iter_nct_ids())
    assert report.stopped and "invalid api key" in report.stopped and "CLEARTRIAL_LLM_API_KEY" in report.stopped
    assert report.failed == 1 and len(fake.requests) == 1
    bad_path = llm.LLMSettings(url=fake.url.replace("/v1", "/nope"), model="m")
    with llm.LLMClient(bad_path, sleep=Sleeps()) as c, pytest.raises(llm.LLMRefused, match="404"):
        llm.rewrite_trial(trial(), c)


def test_nothing_listening_stops_at_once(store):
    with socket_closed_port() as port:
        s = llm.LLMSettings(url=f"http://127.0.0.1:{port}/v1", model="m")
        sleeps = Sleeps()
        with llm.LLMClient(s, sleep=sleeps) as c:
            report = precompute_all(store, c, ["NCT01234567"])
    assert report.stopped and "cannot reach" in report.stopped and sleeps.calls == []


class socket_closed_port:
    """A port on which nothing listens (bound, then closed)."""

    def __enter__(self) -> int:
        import socket

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        return self.port

    def __exit__(self, *exc) -> None:
        pass


# -- migration 3 -------------------------------------------------------------------------------------


def test_page_on_a_database_not_yet_upgraded(tmp_path, monkeypatch):
    """A web process reading a version-2 database read-only: nothing cached, no error.
    (The upgrade itself is tested in test_store.py.)"""
    path = tmp_path / "v2.db"
    with monkeypatch.context() as m:
        m.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:2])
        with Store(path) as s:
            s.ingest([make_trial()])
    with Store(path, readonly=True) as s:
        assert s.schema_version == 2
        assert s.get_llm_plain("x" * 64, llm.PROMPT_VERSION) is None
        assert plain_for_page(s, trial())["engine"] == "rules"


# -- the CLI ------------------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def db(tmp_path, monkeypatch):
    for var in ("CLEARTRIAL_LLM_URL", "CLEARTRIAL_LLM_MODEL", "CLEARTRIAL_LLM_API_KEY", "CLEARTRIAL_LLM_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "cli.db"
    with Store(path) as s:
        s.ingest([make_trial(), make_trial(nct="NCT00000002", status="COMPLETED",
                                           criteria=CRITERIA.replace("6 minutes", "2 minutes"))])
    return path


def cli(db, *args):
    return runner.invoke(app, ["--db", str(db), "explain", *args])


def test_cli_explain_one_trial_rule_based(db, fake, monkeypatch):
    # Even with an LLM configured, showing a trial never asks it.
    monkeypatch.setenv("CLEARTRIAL_LLM_URL", fake.url)
    monkeypatch.setenv("CLEARTRIAL_LLM_MODEL", "fake-model")
    r = cli(db, "NCT01234567")
    assert r.exit_code == 0, r.output
    assert "Who can join" in r.stdout and "Who cannot join" in r.stdout
    assert "Reading level: about" in r.stdout and "Always confirm with the trial site." in r.stdout
    assert "cleartrial's rules" in r.stdout
    r = cli(db, "nct01234567", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["nct_id"] == "NCT01234567" and data["engine"] == "rules"
    assert {"source", "plain"} <= set(data["reading_level"])
    for c in walk(data["criteria"]):
        assert {"section", "source", "plain", "faithful", "children"} <= set(c)
    assert fake.requests == []


def test_cli_marks_criteria_shown_in_the_original_wording(db, monkeypatch):
    import cleartrial.plain_cache as pc

    def fake_page(store, trial, **kw):
        result = plain.explain_trial(trial)
        first = result["criteria"][0]
        first.update(plain=first["source"], faithful=False, problems=["a number changed"])
        return result

    monkeypatch.setattr(pc, "plain_for_page", fake_page)
    r = cli(db, "NCT01234567")
    assert r.exit_code == 0, r.output
    assert "(original wording)" in r.stdout and "1 criterion is shown in the original wording" in r.stdout


def test_cli_explain_errors(db, tmp_path):
    assert cli(db).exit_code == 2
    r = cli(db, "NCT01234567", "--all")
    assert r.exit_code == 2 and "either one NCT id" in r.output
    r = cli(db, "12345")
    assert r.exit_code == 2 and "NCT and 8 digits" in r.output
    r = cli(db, "NCT01234567", "--limit", "3")
    assert r.exit_code == 2 and "go with --all" in r.output
    r = cli(db, "NCT99999999")
    assert r.exit_code == 1 and "not in this database" in r.output
    r = runner.invoke(app, ["--db", str(tmp_path / "nope.db"), "explain", "NCT01234567"])
    assert r.exit_code == 2 and not (tmp_path / "nope.db").exists()


def test_cli_all_without_llm_says_so_and_exits_2(db, fake, monkeypatch):
    monkeypatch.setenv("CLEARTRIAL_LLM_MODEL", "fake-model")  # a model alone is not enough
    r = cli(db, "--all")
    assert r.exit_code == 2
    assert "No LLM is configured" in r.output and "CLEARTRIAL_LLM_URL" in r.output
    assert fake.requests == []
    monkeypatch.setenv("CLEARTRIAL_LLM_URL", fake.url)
    monkeypatch.delenv("CLEARTRIAL_LLM_MODEL")
    r = cli(db, "--all")
    assert r.exit_code == 2 and "CLEARTRIAL_LLM_MODEL" in r.output and fake.requests == []


def test_cli_all_precomputes_resumably(db, fake, monkeypatch):
    monkeypatch.setenv("CLEARTRIAL_LLM_URL", fake.url)
    monkeypatch.setenv("CLEARTRIAL_LLM_MODEL", "fake-model")
    fake.good = rewrite_all_but({NOT_ITEM: "Patients who have received the influenza vaccine"})
    r = cli(db, "--all", "--status", "recruiting", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["model"] == "fake-model" and data["prompt_version"] == llm.PROMPT_VERSION
    assert (data["considered"], data["computed"], data["failed"]) == (1, 1, 0)
    assert (data["criteria_accepted"], data["criteria_rejected"]) == (5, 1)
    assert len(fake.requests) == 1

    # explain NCT now shows the cached LLM version, still without a request.
    r = cli(db, "NCT01234567", "--json")
    assert json.loads(r.stdout)["engine"] == "llm:fake-model" and len(fake.requests) == 1
    r = cli(db, "NCT01234567")
    assert "language model (fake-model)" in r.stdout

    # All statuses, human output: the cached trial is skipped, the other one computed.
    r = cli(db, "--all")
    assert r.exit_code == 0, r.output
    assert "2 trials: 1 rewritten, 1 already cached, 0 without criteria, 0 failed." in r.stdout
    assert "5 rewrites accepted, 1 rejected" in r.stdout  # the same bad rewrite of the same item
    assert len(fake.requests) == 2
    r = cli(db, "--all", "--json")
    assert json.loads(r.stdout)["cached"] == 2 and len(fake.requests) == 2


def test_cli_all_limit_and_failures(db, fake, monkeypatch):
    monkeypatch.setenv("CLEARTRIAL_LLM_URL", fake.url)
    monkeypatch.setenv("CLEARTRIAL_LLM_MODEL", "fake-model")
    fake.script = [("content", "not json at all")]
    r = cli(db, "--all", "--limit", "1", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert (data["considered"], data["failed"], data["computed"]) == (1, 1, 0)
    assert data["failures"][0]["nct_id"] == "NCT00000002" and "not JSON" in data["failures"][0]["reason"]
    r = cli(db, "--all", "--limit", "1", "--json")  # the failed one is tried again
    assert json.loads(r.stdout)["computed"] == 1
    assert cli(db, "--all", "--limit", "0").exit_code == 2
    r = cli(db, "--all", "--status", "open")
    assert r.exit_code == 2


def test_cli_all_stops_when_the_server_refuses(db, fake, monkeypatch):
    monkeypatch.setenv("CLEARTRIAL_LLM_URL", fake.url)
    monkeypatch.setenv("CLEARTRIAL_LLM_MODEL", "fake-model")
    fake.script = [("status", 401, b'{"error": {"message": "bad key"}}', {})] * 3
    r = cli(db, "--all")
    assert r.exit_code == 1 and "Stopped early" in r.output and "bad key" in r.output
    assert len(fake.requests) == 1
