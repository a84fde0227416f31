"""Store: migrations, upsert rules, raw records, sites, quarantine, checkpoints."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest

from cleartrial.model import Age, Eligibility, PartialDate, Site, Trial
from cleartrial.sources import FORMAT_JSON, FORMAT_XML, stamp_provenance
from cleartrial.store import IngestCounts, Quarantined, Store, schema


def make_trial(nct="NCT01234567", updated="2024-01-10", fmt=FORMAT_JSON, raw=b"{}", **kw) -> tuple[Trial, bytes]:
    t = Trial(nct_id=nct, brief_title=kw.pop("title", "Aspirin for headache"), last_update_posted=PartialDate(updated, "ACTUAL"), **kw)
    stamp_provenance(t, raw, fmt, source_file=f"test:{nct}")
    return t, raw


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "t.db") as s:
        yield s


def test_fresh_database_is_migrated_and_in_wal_mode(tmp_path):
    path = tmp_path / "new.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(schema.MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Opening again is a no-op.
    Store(path).close()


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(schema.MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="newer than this cleartrial"):
        Store(path)


def test_a_version_2_database_upgrades_to_3_with_the_llm_cache(tmp_path, monkeypatch):
    path = tmp_path / "v2.db"
    with monkeypatch.context() as m:
        m.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:2])
        with Store(path) as s:
            s.ingest([make_trial()])
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'llm_plain'").fetchall()
    conn.close()
    with Store(path) as s:
        assert s.schema_version == len(schema.MIGRATIONS) >= 3  # and any later migration
        assert s.get_trial("NCT01234567").brief_title == "Aspirin for headache"  # the data survived
        cols = [r[1] for r in s.conn.execute("PRAGMA table_info(llm_plain)")]
        assert cols == ["source_hash", "model", "prompt_version", "result", "accepted", "rejected", "created_at"]
        assert s.get_llm_plain("h" * 64, "v1") is None
        s.put_llm_plain("h" * 64, "m", "v1", {"rewrites": []}, accepted=0, rejected=3)
        s.put_llm_plain("h" * 64, "m", "v1", {"rewrites": [1]}, accepted=1, rejected=2)  # replaces
        e = s.get_llm_plain("h" * 64, "v1", "m")
        assert (e.result, e.accepted, e.rejected) == ({"rewrites": [1]}, 1, 2) and e.created_at
        # Another prompt version or model is another key.
        assert s.get_llm_plain("h" * 64, "v2", "m") is None and s.get_llm_plain("h" * 64, "v1", "n") is None
        assert s.get_llm_plain("h" * 64, "v1").model == "m"  # model None: any model
    with Store(path) as s:  # opening again changes nothing
        assert s.schema_version == len(schema.MIGRATIONS) and s.get_llm_plain("h" * 64, "v1", "m").accepted == 1


def test_iter_nct_ids_by_status(store):
    store.ingest([make_trial(nct="NCT00000009", overall_status="COMPLETED"),
                  make_trial(nct="NCT01234567", overall_status="RECRUITING")])
    assert list(store.iter_nct_ids()) == ["NCT00000009", "NCT01234567"]
    assert list(store.iter_nct_ids(["RECRUITING"])) == ["NCT01234567"]
    assert list(store.iter_nct_ids(["COMPLETED", "RECRUITING"])) == ["NCT00000009", "NCT01234567"]


def test_insert_then_same_record_is_unchanged(store):
    assert store.ingest([make_trial()]) == IngestCounts(new=1)
    assert store.ingest([make_trial()]) == IngestCounts(unchanged=1)
    assert store.get_trial("nct01234567").brief_title == "Aspirin for headache"
    assert store.get_raw("NCT01234567") == (FORMAT_JSON, b"{}")


def test_newer_record_replaces_older_never_the_reverse(store):
    store.ingest([make_trial(updated="2024-01-10", raw=b"v1", title="v1")])
    assert store.ingest([make_trial(updated="2024-03-01", raw=b"v2", title="v2")]) == IngestCounts(updated=1)
    assert store.ingest([make_trial(updated="2023-12-31", raw=b"v0", title="v0")]) == IngestCounts(older_skipped=1)
    assert store.get_trial("NCT01234567").brief_title == "v2"
    assert store.get_raw("NCT01234567")[1] == b"v2"


def test_same_date_json_beats_xml(store):
    store.ingest([make_trial(fmt=FORMAT_JSON, raw=b"json", title="json")])
    assert store.ingest([make_trial(fmt=FORMAT_XML, raw=b"xml", title="xml")]) == IngestCounts(older_skipped=1)
    assert store.get_trial("NCT01234567").brief_title == "json"


def test_undated_copy_never_replaces_dated(store):
    store.ingest([make_trial(raw=b"dated")])
    t, raw = make_trial(raw=b"undated")
    t.last_update_posted = None
    assert store.ingest([(t, raw)]) == IngestCounts(older_skipped=1)


def test_update_replaces_sites_and_search_text(store):
    t, raw = make_trial(raw=b"1", sites=[Site(city="Boston", state="Massachusetts", country="United States", lat=42.36, lon=-71.06)])
    store.ingest([(t, raw)])
    t2, raw2 = make_trial(updated="2024-05-01", raw=b"2", title="Ibuprofen for migraine",
                          sites=[Site(city="Denver", country="United States", lat=39.74, lon=-104.99)] * 2)
    store.ingest([(t2, raw2)])
    assert store.conn.execute("SELECT count(*) FROM sites").fetchone()[0] == 2
    hits = store.conn.execute("SELECT rowid FROM trials_fts WHERE trials_fts MATCH 'aspirin'").fetchall()
    assert hits == []
    assert store.conn.execute("SELECT count(*) FROM trials_fts WHERE trials_fts MATCH 'ibuprofen'").fetchone()[0] == 1


def test_site_without_coordinates_is_placed_from_gazetteer(store):
    t, raw = make_trial(sites=[Site(city="Bethesda", state="Maryland", zip="20892", country="United States")])
    store.ingest([(t, raw)])
    lat, lon, src = store.conn.execute("SELECT lat, lon, geo_source FROM sites").fetchone()
    assert src == "gazetteer"
    assert abs(lat - 39.0) < 0.2 and abs(lon + 77.1) < 0.2


def test_quarantine_keeps_bytes_and_reason_and_clears_on_success(store):
    q = Quarantined("file.zip!NCT01234567.json", FORMAT_JSON, "invalid JSON: cut", b'{"protocolSection": {"nctId": "NCT01234567"')
    assert store.ingest([q]) == IngestCounts(quarantined=1)
    [entry] = store.quarantined()
    assert entry.nct_id == "NCT01234567" and entry.reason == "invalid JSON: cut"
    assert store.quarantined_data("file.zip!NCT01234567.json") == q.data
    assert store.stats()["quarantined"] == 1
    # The same origin read correctly later clears its quarantine entry.
    t, raw = make_trial()
    t.provenance.source_file = "file.zip!NCT01234567.json"
    store.ingest([(t, raw)])
    assert store.quarantined() == []


def test_ingest_is_atomic(store):
    good = make_trial(nct="NCT00000001")

    def items():
        yield good
        raise RuntimeError("killed half-way")

    with pytest.raises(RuntimeError):
        store.ingest(items(), checkpoint=("k", {"page": 2}))
    assert store.count() == 0
    assert store.get_checkpoint("k") is None


def test_checkpoint_commits_with_the_page(store):
    store.ingest([make_trial()], checkpoint=("sync:abc", {"next": "tok"}))
    assert store.get_checkpoint("sync:abc") == {"next": "tok"}
    store.delete_checkpoint("sync:abc")
    assert store.get_checkpoint("sync:abc") is None


def test_condition_synonyms_learnt_from_records(store):
    t, raw = make_trial(conditions=["Heart Attack"], mesh_conditions=["Myocardial Infarction"])
    store.ingest([(t, raw)])
    rows = store.conn.execute("SELECT phrase, mesh_term FROM condition_synonyms").fetchall()
    assert rows == [("heart attack", "Myocardial Infarction")]
    from cleartrial.search import condition_synonyms

    assert condition_synonyms(store, "Heart attack") == []  # one trial is not enough
    t2, raw2 = make_trial(nct="NCT07654321", raw=b"x", conditions=["heart attack"], mesh_conditions=["Myocardial Infarction"])
    store.ingest([(t2, raw2)])
    assert condition_synonyms(store, "Heart attack") == ["Myocardial Infarction"]


def test_round_trip_keeps_every_field(store):
    t, raw = make_trial(
        eligibility=Eligibility(criteria="Inclusion Criteria:\n\n* adults", minimum_age=Age(18, "YEARS"), sex="FEMALE"),
        phases=["PHASE1", "PHASE2"],
    )
    store.ingest([(t, raw)])
    assert dataclasses.asdict(store.get_trial(t.nct_id)) == dataclasses.asdict(t)
