"""Resumable sync: the fake registry (real shared records) → a real Store on disk.

The sample holds 174 studies: 173 parse, one (NCT000001, a malformed id) is quarantined.
Pages of 50 give 4 pages: 50, 50, 50, 24. The malformed one sorts first, so pages 1–2
hold 99 trials + 1 quarantined record."""

from __future__ import annotations

import hashlib
from datetime import date

import orjson
import pytest
from fake_ctgov import FakeTime, _no_proxy, closed_port_url, ctgov_server, fake  # noqa: F401

from cleartrial.errors import CtgovAPIError, InvalidQuery, NoNetwork
from cleartrial.model import to_dict
from cleartrial.sources import FORMAT_JSON
from cleartrial.sources.ctgov_api import CtgovClient
from cleartrial.sources.ctgov_json import parse_json_study
from cleartrial.store import Store
from cleartrial.sync import LAST_SYNC_META, checkpoint_key, run_sync, sync_params

VALID = 173
BAD_ID = "NCT000001"


@pytest.fixture
def ft() -> FakeTime:
    return FakeTime()


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "sync.db") as s:
        yield s


def client_for(fake, ft, **kwargs) -> CtgovClient:
    opts = dict(rate_per_minute=None, timeout=2.0, connect_timeout=1.0, max_retries=2,
                sleep=ft.sleep, clock=ft.clock)
    opts.update(kwargs)
    return CtgovClient(fake.base_url, **opts)


def snapshot(store: Store) -> tuple[dict, list]:
    """Everything a search could show, minus load timestamps (which differ run to run)."""
    trials = {}
    for nct in store.iter_nct_ids():
        d = to_dict(store.get_trial(nct))
        prov = d.pop("provenance")
        trials[nct] = (d, prov["source_format"], prov["source_file"], prov["raw_sha256"], store.get_raw(nct))
    quarantine = sorted((q.origin, q.reason) for q in store.quarantined())
    return trials, quarantine


def default_key() -> str:
    return checkpoint_key(sync_params())


# -- end to end ----------------------------------------------------------------------------


def test_full_sync_into_a_store(fake, ft, store):
    calls = []
    with client_for(fake, ft) as client:
        result = run_sync(store, client, page_size=50, progress=lambda d, t: calls.append((d, t)))

    assert result.counts.as_dict() == dict(new=VALID, updated=0, unchanged=0, older_skipped=0, quarantined=1)
    assert (result.studies, result.total, result.pages) == (174, 174, 4)
    assert not (result.resumed or result.restarted or result.stopped_early)
    assert calls == [(50, 174), (100, 174), (150, 174), (174, 174)]
    assert store.count() == VALID
    (q,) = store.quarantined()
    assert q.origin == f"{fake.base_url}/studies/{BAD_ID}" and "not a ClinicalTrials.gov id" in q.reason

    assert store.get_checkpoint(result.checkpoint_key) is None  # removed on completion
    meta = orjson.loads(store.get_meta(LAST_SYNC_META))
    assert meta["params"] == {"condition": None, "term": None, "statuses": [], "since": None}
    assert meta["counts"]["new"] == VALID and meta["finished_at"] == result.finished_at
    assert meta["complete"] is True


def test_every_stored_trial_equals_its_source(fake, ft, store):
    with client_for(fake, ft) as client:
        run_sync(store, client)  # one page of 1000
    assert store.count() == VALID
    for sample in fake.studies:
        if sample.nct_id == BAD_ID:
            assert store.get_trial(BAD_ID) is None
            continue
        stored = store.get_trial(sample.nct_id)
        expected = parse_json_study(orjson.loads(sample.raw))
        got = to_dict(stored)
        prov = got.pop("provenance")
        assert got == {k: v for k, v in to_dict(expected).items() if k != "provenance"}
        raw = orjson.dumps(sample.obj)
        assert prov["source_format"] == FORMAT_JSON
        assert prov["source_file"] == f"{fake.base_url}/studies/{sample.nct_id}"
        assert prov["raw_sha256"] == hashlib.sha256(raw).hexdigest()
        assert prov["fetched_at"] and prov["loaded_at"]
        assert prov["record_last_update"] == expected.last_update
        fmt, stored_raw = store.get_raw(sample.nct_id)
        assert fmt == FORMAT_JSON and orjson.loads(stored_raw) == sample.obj


def test_second_sync_reports_unchanged(fake, ft, store):
    with client_for(fake, ft) as client:
        run_sync(store, client, page_size=100)
        again = run_sync(store, client, page_size=100)
    assert again.counts.as_dict() == dict(new=0, updated=0, unchanged=VALID, older_skipped=0, quarantined=1)
    assert store.count() == VALID


# -- interrupted syncs ---------------------------------------------------------------------


def test_killed_sync_resumes_from_its_last_committed_page(fake, ft, store, tmp_path):
    fake.add_fault("500", page=3, times=None)  # page 3 fails hard, through every retry
    with client_for(fake, ft) as client, pytest.raises(CtgovAPIError, match="gave up after 3 attempts"):
        run_sync(store, client, page_size=50)

    # Whole pages only: pages 1–2 (99 trials + the quarantined one), and a checkpoint to page 3.
    assert store.count() == 99 and len(store.quarantined()) == 1
    state = store.get_checkpoint(default_key())
    assert state["done"] == 100 and state["complete"] is False
    assert state["counts"]["new"] == 99
    page3_args = dict(fake.list_requests()[0].args)
    page3_args.pop("countTotal")
    assert state["next_page_token"] == fake.token_for_page(3, page3_args)

    fake.clear_faults()
    before = len(fake.requests)
    with client_for(fake, ft) as client:
        result = run_sync(store, client, page_size=50)
    resumed = fake.requests[before:]
    assert [r.page for r in resumed] == [3, 4]  # nothing before page 3 is fetched again
    assert resumed[0].token == state["next_page_token"]
    assert all(r.token for r in resumed)
    assert result.resumed and not result.restarted and result.pages == 2
    assert result.studies == 174 and result.total == 174
    # Counts cover the whole sync, across both runs.
    assert result.counts.as_dict() == dict(new=VALID, updated=0, unchanged=0, older_skipped=0, quarantined=1)
    assert store.get_checkpoint(default_key()) is None

    with Store(tmp_path / "clean.db") as clean, client_for(fake, ft) as client:
        run_sync(clean, client, page_size=50)
        assert snapshot(store) == snapshot(clean)


class DiesMidPage(Store):
    """A store whose Nth ingest is killed part-way through its items (power cut, kill -9…)."""

    die_on_call = 3
    die_after_items = 10

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.calls = 0

    def ingest(self, items, *, checkpoint=None):
        items = list(items)
        if items:
            self.calls += 1
        if self.calls == self.die_on_call and items:
            def dying():
                for i, item in enumerate(items):
                    if i == self.die_after_items:
                        raise KeyboardInterrupt("killed")
                    yield item
            return super().ingest(dying(), checkpoint=checkpoint)
        return super().ingest(items, checkpoint=checkpoint)


def test_kill_inside_a_page_leaves_no_half_written_trial(fake, ft, tmp_path):
    path = tmp_path / "killed.db"
    with DiesMidPage(path) as store, client_for(fake, ft) as client:
        with pytest.raises(KeyboardInterrupt):
            run_sync(store, client, page_size=50)
    with Store(path) as store:
        # The 10 trials of page 3 written before the kill were rolled back with it.
        assert store.count() == 99
        assert store.get_checkpoint(default_key())["done"] == 100
        with client_for(fake, ft) as client:
            result = run_sync(store, client, page_size=50)
        assert result.resumed and result.studies == 174 and store.count() == VALID
        for sample in fake.studies:
            if sample.nct_id != BAD_ID:
                assert to_dict(store.get_trial(sample.nct_id))["nct_id"] == sample.nct_id
        with Store(tmp_path / "clean.db") as clean, client_for(fake, ft) as client:
            run_sync(clean, client, page_size=50)
            assert snapshot(store) == snapshot(clean)


def test_refused_page_token_restarts_from_the_first_page(fake, ft, store):
    fake.add_fault("500", page=3, times=None)
    with client_for(fake, ft) as client, pytest.raises(CtgovAPIError):
        run_sync(store, client, page_size=50)
    fake.clear_faults()
    fake.invalidate_tokens()  # the registry no longer knows our saved token

    before = len(fake.requests)
    with client_for(fake, ft) as client:
        result = run_sync(store, client, page_size=50)
    seen = fake.requests[before:]
    assert seen[0].status == 400 and seen[0].token  # the refused resume…
    assert [r.page for r in seen[1:]] == [1, 2, 3, 4] and seen[1].token is None  # …then page 1 on
    assert result.resumed and result.restarted
    assert any("started again from the first page" in n for n in result.notes)
    # Pages 1–2 were already stored: unchanged this time; the rest are new.
    assert result.counts.as_dict() == dict(new=74, updated=0, unchanged=99, older_skipped=0, quarantined=1)
    assert store.count() == VALID and store.get_checkpoint(result.checkpoint_key) is None


def test_other_errors_on_resume_do_not_restart(fake, ft, store):
    fake.add_fault("500", page=3, times=None)
    with client_for(fake, ft) as client, pytest.raises(CtgovAPIError):
        run_sync(store, client, page_size=50)
    # Still failing: the sync stops again and keeps its place (no restart from page 1).
    with client_for(fake, ft) as client, pytest.raises(CtgovAPIError):
        run_sync(store, client, page_size=50)
    assert {r.page for r in fake.requests[-3:]} == {3}
    assert store.get_checkpoint(default_key())["done"] == 100


def test_killed_after_the_last_page_only_finishes_up(fake, ft, store, monkeypatch):
    def boom(key, value):
        raise KeyboardInterrupt("killed before finishing")

    monkeypatch.setattr(store, "set_meta", boom)
    with client_for(fake, ft) as client, pytest.raises(KeyboardInterrupt):
        run_sync(store, client, page_size=100)
    monkeypatch.undo()
    assert store.get_checkpoint(default_key())["complete"] is True

    before = len(fake.requests)
    with client_for(fake, ft) as client:
        result = run_sync(store, client, page_size=100)
    assert len(fake.requests) == before  # nothing fetched again
    assert result.resumed and result.studies == 174 and result.counts.new == VALID
    assert store.get_meta(LAST_SYNC_META) and store.get_checkpoint(default_key()) is None


# -- parameters ----------------------------------------------------------------------------


@pytest.mark.parametrize("since", ["2024-01-01", date(2024, 1, 1), "2024-01-01T08:30:00Z"])
def test_since_sends_the_last_update_filter(fake, ft, store, since):
    with client_for(fake, ft) as client:
        result = run_sync(store, client, since=since)
    (req,) = fake.list_requests()
    assert req.args["filter.advanced"] == "AREA[LastUpdatePostDate]RANGE[2024-01-01,MAX]"
    expected = [s for s in fake.studies if s.last_update and s.last_update >= "2024-01-01"]
    assert 0 < len(expected) < 174
    assert result.studies == len(expected)
    assert result.params["since"] == "2024-01-01"
    assert orjson.loads(store.get_meta(LAST_SYNC_META))["params"]["since"] == "2024-01-01"


def test_without_since_there_is_no_guessing(fake, ft, store):
    with client_for(fake, ft) as client:
        run_sync(store, client)
        run_sync(store, client)  # a previous sync exists: still a full sync, no filter
    assert [r.args.get("filter.advanced") for r in fake.list_requests()] == [None, None]


def test_status_filter_and_max_studies(fake, ft, store):
    calls = []
    with client_for(fake, ft) as client:
        result = run_sync(store, client, statuses=["recruiting"], max_studies=25, page_size=10,
                          progress=lambda d, t: calls.append((d, t)))
    seen = fake.list_requests()
    assert [r.args["filter.overallStatus"] for r in seen] == ["RECRUITING"] * 3
    assert [r.args["pageSize"] for r in seen] == ["10"] * 3
    assert calls == [(10, 25), (20, 25), (25, 25)]  # the third page is cut at the cap
    assert result.studies == 25 and store.count() == 25 and result.stopped_early
    assert result.total == 50
    assert all(store.get_trial(n).overall_status == "RECRUITING" for n in store.iter_nct_ids())
    assert store.get_checkpoint(result.checkpoint_key) is None
    assert orjson.loads(store.get_meta(LAST_SYNC_META))["complete"] is False


def test_max_studies_sets_the_page_size(fake, ft, store):
    with client_for(fake, ft) as client:
        result = run_sync(store, client, max_studies=30)
    (req,) = fake.list_requests()
    assert req.args["pageSize"] == "30"
    assert result.studies == 30 and result.stopped_early


def test_checkpoint_key_is_stable_and_specific():
    a = checkpoint_key(sync_params(statuses=["recruiting", "COMPLETED"], since=date(2024, 1, 1)))
    b = checkpoint_key(sync_params(statuses="COMPLETED,RECRUITING", since="2024-01-01"))
    assert a == b
    assert a != checkpoint_key(sync_params(statuses=["RECRUITING"], since="2024-01-01"))
    assert checkpoint_key(sync_params(condition="breast  cancer")) == checkpoint_key(
        sync_params(condition=" breast cancer"))
    assert checkpoint_key(sync_params(condition="asthma")) != checkpoint_key(sync_params(term="asthma"))


@pytest.mark.parametrize("kwargs", [dict(max_studies=0), dict(since="yesterday"),
                                    dict(statuses=["OPEN"]), dict(page_size=5000)])
def test_bad_sync_parameters(fake, ft, kwargs):
    with Store(":memory:") as store, client_for(fake, ft) as client, pytest.raises(InvalidQuery):
        run_sync(store, client, **kwargs)
    assert fake.requests == []


def test_no_network_leaves_the_store_untouched(ft):
    with Store(":memory:") as store:
        client = CtgovClient(closed_port_url(), sleep=ft.sleep, clock=ft.clock)
        with client, pytest.raises(NoNetwork):
            run_sync(store, client)
        assert store.count() == 0 and store.get_checkpoint(default_key()) is None
        assert store.get_meta(LAST_SYNC_META) is None
