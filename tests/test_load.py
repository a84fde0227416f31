"""Every shared record loads: 6,680 records → 6,679 trials and 1 quarantined, with its reason."""

from __future__ import annotations

from cleartrial.loader import load_paths
from cleartrial.model import Age
from cleartrial.store import Store


def test_every_shared_record_is_loaded_or_quarantined_with_a_reason(loaded_db):
    path, report = loaded_db
    c = report.counts
    assert c.total == 6_680
    assert c.new == 6_679 and c.quarantined == 1
    [(origin, reason)] = report.quarantined
    # A real file of the JSON sample whose nctId has 6 digits instead of 8.
    assert origin.endswith("ctg-studies-sample.json.zip!NCT000001.json")
    assert "not a ClinicalTrials.gov id" in reason
    assert any(f.endswith("Contents.txt") for f in report.skipped_files)
    with Store(path, readonly=True) as store:
        assert store.count() == 6_679
        stats = store.stats()
        assert stats["quarantined"] == 1
        assert stats["by_source_format"] == {"ctgov-xml": 6_506, "ctgov-json-v2": 173}
        # The quarantined record is kept whole.
        data = store.quarantined_data(origin)
        assert b'"nctId": "NCT000001"' in data
        [entry] = store.quarantined()
        assert entry.nct_id == "NCT000001" and entry.size == len(data)


def test_both_formats_normalise_to_the_same_vocabulary(loaded_db):
    path, _ = loaded_db
    with Store(path, readonly=True) as store:
        rows = store.conn.execute("SELECT DISTINCT overall_status FROM trials").fetchall()
        statuses = {r[0] for r in rows}
        assert "RECRUITING" in statuses and "Recruiting" not in statuses
        xml = store.get_trial("NCT00000102")
        assert xml.provenance.source_format == "ctgov-xml"
        assert xml.eligibility.minimum_age == Age(14, "YEARS")
        assert xml.phases == ["PHASE1", "PHASE2"]
        assert xml.provenance.raw_sha256 and len(xml.provenance.raw_sha256) == 64
        fmt, raw = store.get_raw("NCT00000102")
        assert fmt == "ctgov-xml" and raw.startswith(b"<?xml")


def test_reloading_reports_unchanged(tmp_path, json_zip):
    with Store(tmp_path / "again.db") as store:
        first = load_paths(store, [json_zip], workers=1)
        again = load_paths(store, [json_zip], workers=2)
    assert first.counts.new == 173
    assert again.counts.unchanged == 173 and again.counts.new == 0
    assert again.counts.quarantined == 1


def test_old_merged_ids_still_find_their_trial(loaded_db):
    path, _ = loaded_db
    with Store(path, readonly=True) as store:
        t = store.get_trial("NCT00018993")  # <nct_alias> of NCT00001379 in the XML sample
        assert t is not None and t.nct_id == "NCT00001379" and "NCT00018993" in t.aliases
        n = store.conn.execute("SELECT count(*) FROM nct_aliases").fetchone()[0]
        assert n >= 132
