"""The CLI end to end on the real corpus: the commands the foundation issue names."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cleartrial.cli import app

runner = CliRunner()


def cli(db, *args):
    result = runner.invoke(app, ["--db", str(db), *args])
    return result


@pytest.fixture(scope="module")
def db(loaded_db):
    return loaded_db[0]


def test_search_dermatomyositis_json(db):
    r = cli(db, "search", "dermatomyositis", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["total"] >= 5
    for hit in data["results"]:
        text = json.dumps(hit).lower()
        assert "myositis" in text or "dermatomyositis" in text
    first = data["results"][0]
    assert set(first) >= {"nct_id", "title", "status", "phases", "minimum_age", "maximum_age", "sex",
                          "snippet", "snippet_highlights", "nearest_site", "url", "last_update"}
    assert "dermatomyositis" in (first["title"] + " ".join(first["conditions"])).lower()


def test_breast_cancer_for_a_45_year_old_woman_near_new_york(db):
    r = cli(db, "search", "breast cancer", "--status", "RECRUITING", "--age", "45", "--sex", "female",
            "--near", "10001", "--radius-miles", "500", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert "10001" in data["place"]["label"]
    assert data["query"]["statuses"] == ["RECRUITING"] and data["query"]["sex"] == "FEMALE"
    # The shared sample has exactly one recruiting breast cancer trial, in a small Israeli
    # town, so the correct answer within 500 miles of New York is none
    # (tests/test_search_corpus.py checks such answers against a brute-force scan).
    assert data["total"] == 0 and data["results"] == []
    r = cli(db, "search", "cancer", "--status", "RECRUITING", "--age", "45", "--sex", "female",
            "--near", "10001", "--radius-miles", "500", "--json")
    data = json.loads(r.stdout)
    assert data["total"] >= 5
    for hit in data["results"]:
        assert hit["status"] == "RECRUITING" and hit["sex"] in ("ALL", "FEMALE")
        assert hit["nearest_site"]["distance_miles"] <= 500


def test_show_nct00000102_json(db):
    r = cli(db, "show", "NCT00000102", "--json")
    assert r.exit_code == 0, r.output
    t = json.loads(r.stdout)
    assert t["nct_id"] == "NCT00000102"
    assert t["brief_title"] == "Congenital Adrenal Hyperplasia: Calcium Channels as Therapeutic Targets"
    assert t["phases"] == ["PHASE1", "PHASE2"]
    assert t["eligibility"]["minimum_age"] == {"value": 14, "unit": "YEARS"}
    assert t["eligibility"]["maximum_age"] == {"value": 35, "unit": "YEARS"}
    assert t["provenance"]["source_format"] == "ctgov-xml"


def test_show_text_and_raw(db):
    r = cli(db, "show", "nct00000102")
    assert r.exit_code == 0 and "Congenital Adrenal Hyperplasia" in r.stdout
    r = cli(db, "show", "NCT00000102", "--raw")
    assert r.exit_code == 0 and "<clinical_study" in r.stdout


def test_show_errors(db):
    r = cli(db, "show", "12345")
    assert r.exit_code == 2 and "NCT and 8 digits" in r.output
    r = cli(db, "show", "NCT99999999")
    assert r.exit_code == 1 and "not in this database" in r.output


def test_search_bad_input_exits_2_with_a_message(db):
    r = cli(db, "search", "asthma", "--status", "open")
    assert r.exit_code == 2 and "Unknown status" in r.output
    r = cli(db, "search", "asthma", "--near", "Nowhereville, ZZ")
    assert r.exit_code == 2 and "could not find" in r.output.lower()


def test_stats_and_quarantine_json(db):
    r = cli(db, "stats", "--json")
    assert r.exit_code == 0
    s = json.loads(r.stdout)
    assert s["trials"] == 6_679 and s["quarantined"] == 1
    assert s["by_status"]["RECRUITING"] >= 100
    r = cli(db, "quarantine", "--json")
    [entry] = json.loads(r.stdout)
    assert entry["nct_id"] == "NCT000001"  # its own (malformed) id, not one it mentions
    assert "NCT followed by 8 digits" in entry["reason"]
    assert s["last_load"]["new"] == 6_679  # an object, like last_sync
    r = cli(db, "stats")
    assert "Quarantined records: 1" in r.stdout and "Last load:" in r.stdout


def test_human_search_output(db):
    r = cli(db, "search", "asthma", "--age", "10", "--limit", "3")
    assert r.exit_code == 0
    assert "trials found" in r.stdout and "1." in r.stdout


def test_load_command_reports_summary(tmp_path, json_zip):
    r = cli(tmp_path / "x.db", "load", str(json_zip), "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["new"] == 173 and data["quarantined"] == 1
    assert data["quarantined_records"][0]["reason"]
    r = cli(tmp_path / "x.db", "load", str(tmp_path / "missing.zip"))
    assert r.exit_code == 2 and "no such file" in r.output


def test_version_and_missing_database(tmp_path):
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.stdout.startswith("cleartrial ")
    r = cli(tmp_path / "nothing-here.db", "search", "asthma")
    assert r.exit_code == 2 and "No database at" in r.output
    assert not (tmp_path / "nothing-here.db").exists()


def test_sync_bad_input_exits_2(tmp_path):
    r = cli(tmp_path / "x.db", "sync", "--status", "open")
    assert r.exit_code == 2 and "Unknown status" in r.output


def test_start_with_data_loads_then_reports(tmp_path, json_zip):
    r = cli(tmp_path / "s.db", "start", "--data", str(json_zip))
    assert r.exit_code == 0, r.output
    assert "173" in r.stdout


def test_start_without_network_fails_fast_with_data_hint(tmp_path, monkeypatch):
    # A closed local port stands in for "no internet".
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    monkeypatch.setenv("CLEARTRIAL_CTGOV_URL", f"http://127.0.0.1:{port}/api/v2")
    r = cli(tmp_path / "empty.db", "start")
    assert r.exit_code == 1
    assert "DATA=" in r.output and "make run" in r.output


def test_db_from_environment(tmp_path, monkeypatch, json_zip):
    monkeypatch.setenv("CLEARTRIAL_DB", str(tmp_path / "env.db"))
    r = runner.invoke(app, ["load", str(json_zip)])
    assert r.exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_bad_input_leaves_no_database_behind(tmp_path):
    for args in (["sync", "--since", "yesterday"], ["sync", "--max", "0"], ["start", "--data", str(tmp_path / "none.zip")]):
        r = cli(tmp_path / "left.db", *args)
        assert r.exit_code == 2, (args, r.output)
        assert not (tmp_path / "left.db").exists()
