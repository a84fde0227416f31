"""Drug safety on the website, the cache in the store and `cleartrial fda refresh`, with a local
openFDA serving the real shared responses (tests/fake_openfda.py) and real shared trials."""

from __future__ import annotations

import re
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cleartrial.cli import app as cli_app
from cleartrial.fda import cache
from cleartrial.store import Store, schema
from cleartrial.web import create_app, drug_routes
from fake_openfda import closed_port_url, fda, openfda_server  # noqa: F401  (fixtures)

ZOLPIDEM_TRIAL = "NCT00492232"  # "Ramelteon and zolpidem", "Placebo and zolpidem"
ASPIRIN_TRIAL = "NCT00494156"  # "heparin", "aspirin and clopidogrel"
CODE_TRIAL = "NCT05809934"  # AZD2693 (a code) and a placebo of type OTHER
NO_DRUG_TRIAL = "NCT00000106"  # a device only
TRIALS = (ZOLPIDEM_TRIAL, ASPIRIN_TRIAL, CODE_TRIAL, "NCT00494468", "NCT00494832", NO_DRUG_TRIAL)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def trial_rows(loaded_db):
    with Store(loaded_db[0], readonly=True) as src:
        return [(src.get_trial(n), src.get_raw(n)[1]) for n in TRIALS]


@pytest.fixture
def db(tmp_path, trial_rows):
    """A small database of real shared trials, with an empty FDA cache."""
    path = tmp_path / "small.db"
    with Store(path) as store:
        store.ingest(trial_rows)
    return path


def make_client(db, url, monkeypatch):
    if url is None:
        monkeypatch.setenv("CLEARTRIAL_OPENFDA_URL", "off")
    else:
        monkeypatch.setenv("CLEARTRIAL_OPENFDA_URL", url)
    app = create_app(db)
    return app, TestClient(app)


@pytest.fixture
def web(db, fda, monkeypatch):
    app, client = make_client(db, fda.url, monkeypatch)
    yield app, client
    app.state.fda.close()


def refresh(db, url, *args):
    return CliRunner().invoke(cli_app, ["--db", str(db), "fda", "refresh", *args],
                              env={"CLEARTRIAL_OPENFDA_URL": url}, catch_exceptions=False)


class Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.items: list[tuple[str, str]] = []
        self._tag = None

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "h3", "h4"):
            self._tag, self._text = tag, ""

    def handle_data(self, data):
        if self._tag:
            self._text += data

    def handle_endtag(self, tag):
        if tag == self._tag:
            self.items.append((tag, " ".join(self._text.split())))
            self._tag = None


def headings(html: str) -> list[tuple[str, str]]:
    p = Headings()
    p.feed(html)
    return p.items


def section_html(html: str) -> str:
    m = re.search(r'<section id="drug-safety".*?</section>', html, re.S)
    assert m, "no drug safety section"
    return m.group(0)


# -- the section ------------------------------------------------------------------------------

def test_refresh_then_the_trial_page_shows_label_reports_and_caveats(db, fda, monkeypatch):
    result = refresh(db, fda.url, "--trial", ZOLPIDEM_TRIAL)
    assert result.exit_code == 0, result.output
    assert "with an FDA label" in result.output
    app, client = make_client(db, None, monkeypatch)  # cached answers only: no FDA needed now
    r = client.get(f"/trials/{ZOLPIDEM_TRIAL}")
    assert r.status_code == 200
    h2 = [text for tag, text in headings(r.text) if tag == "h2"]
    assert h2.index("What they measure") < h2.index("Drug safety (FDA)") < h2.index("Questions to ask")
    s = section_html(r.text)
    assert "Zolpidem tartrate" in s and "AMBIEN" in s
    assert "Boxed warning" in s and "federally controlled substance (C-IV)" in s
    assert "is indicated for the short-term treatment of insomnia" in s
    assert "Severe anaphylactic/anaphylactoid reactions" in s
    assert "is contraindicated in patients with known hypersensitivity" in s
    assert "In the label's own words" in s  # the page says it did not reword
    assert 'href="https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=02b5e3bb-c976-40a3-9077-64ffe637429f"' in s
    assert "59,744 reports" in s and "January 21, 2015" in s
    assert s.count("<rect ") == 10 and s.count("<tr><td>") == 10  # 10 bars, 10 table rows
    assert "style=" not in s and "<script" not in s  # CSP: presentation attributes only
    assert "not proof" in s and "widely used drugs get more reports" in s and "lag behind" in s
    assert "Placebo" in s and "a placebo (or sham) has no active drug" in s
    assert "Ramelteon" in s and "No FDA label found under this name" in s  # not in the fake: no label
    twin = client.get(f"/trials/{ZOLPIDEM_TRIAL}/drug-safety.json").json()
    assert twin["status"] == "complete"
    (drug,) = twin["drugs"]
    assert drug["named_as"] == ["Ramelteon and zolpidem", "Placebo and zolpidem"]
    assert drug["reports"]["total"] == 59744 and len(drug["reports"]["reactions"]) == 10
    for x in drug["reports"]["reactions"]:
        assert f"<tr><td>{x['term']}</td><td class=\"num\">{x['count']:,}</td></tr>" in s  # page = twin


def test_first_view_fetches_in_the_background_and_the_page_never_waits(web):
    app, client = web
    started = time.monotonic()
    r = client.get(f"/trials/{ZOLPIDEM_TRIAL}")
    assert time.monotonic() - started < 1.0
    s = section_html(r.text)
    assert "waiting for the answer" in s and f'hx-get="/trials/{ZOLPIDEM_TRIAL}/drug-safety?poll=1"' in s
    # The section's own page (what htmx asks for) waits a little for the answer.
    page = client.get(f"/trials/{ZOLPIDEM_TRIAL}/drug-safety?poll=1")
    assert page.status_code == 200 and "59,744 reports" in page.text and "hx-get" not in section_html(page.text)
    # The trial page, kept in the page cache with "waiting", is made again with the answer.
    assert "59,744 reports" in client.get(f"/trials/{ZOLPIDEM_TRIAL}").text
    with sqlite3.connect(app.state.stores.path) as conn:
        assert {n for (n,) in conn.execute("SELECT name FROM fda_drugs")} == {"ramelteon", "zolpidem"}


def test_slow_fda_keeps_pages_fast(web, fda):
    fda.add_fault("slow", delay=4.0)
    app, client = web
    started = time.monotonic()
    r = client.get(f"/trials/{ZOLPIDEM_TRIAL}")
    assert r.status_code == 200 and time.monotonic() - started < 1.0
    started = time.monotonic()
    twin = client.get(f"/trials/{ZOLPIDEM_TRIAL}/drug-safety.json").json()
    assert time.monotonic() - started < app.state.fda.wait + 1.0
    assert twin["status"] == "pending" and twin["poll_url"]
    assert {w["name"] for w in twin["waiting"]} == {"Ramelteon", "zolpidem"}


def test_fda_down_the_page_says_so_and_cached_drugs_still_show(db, fda, monkeypatch):
    assert refresh(db, fda.url, "--trial", "NCT00494468").exit_code == 0  # zolpidem cached
    app, client = make_client(db, closed_port_url(), monkeypatch)
    started = time.monotonic()
    twin = client.get(f"/trials/{ZOLPIDEM_TRIAL}/drug-safety.json").json()
    assert time.monotonic() - started < 2.0
    assert twin["status"] == "unavailable"
    assert [d["name"] for d in twin["drugs"]] == ["Zolpidem tartrate"]  # from the cache
    assert twin["waiting"] == [{"name": "Ramelteon", "status": "unavailable",
                                "words": "The FDA's service could not be reached just now."}]
    s = section_html(client.get(f"/trials/{ZOLPIDEM_TRIAL}").text)
    assert "could not be reached" in s and "59,744 reports" in s
    # New lookups pause for a while: a down FDA costs one failed connection, not one per page.
    before = app.state.fda.last_error
    assert before and "cannot reach openFDA" in before
    client.get(f"/trials/{ASPIRIN_TRIAL}/drug-safety.json")
    assert app.state.fda._inflight.get(("aspirin",)) is None


def test_expired_answers_are_shown_then_refreshed(web, db):
    app, client = web
    old = datetime.now(timezone.utc) - timedelta(days=200)
    with sqlite3.connect(db) as conn:
        cache.put(conn, cache.make_entry("zolpidem", None, now=old))  # "no label", long expired
    twin = client.get(f"/trials/{ZOLPIDEM_TRIAL}/drug-safety.json").json()
    # The old answer is what the page shows at once; a fresh one is asked for behind it.
    assert "zolpidem" in {w["name"] for w in twin["without_label"]}
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with sqlite3.connect(db) as conn:
            entry = cache.get_many(conn, ["zolpidem"]).get("zolpidem")
        if entry.found:
            break
        time.sleep(0.1)
    assert entry.found and not entry.expired()
    twin = client.get(f"/trials/{ZOLPIDEM_TRIAL}/drug-safety.json").json()
    assert [d["name"] for d in twin["drugs"]] == ["Zolpidem tartrate"] and not twin["drugs"][0]["stale"]


def test_answers_from_another_process_reach_cached_pages(db, fda, monkeypatch):
    monkeypatch.setattr(drug_routes, "STAMP_EVERY", 0.0)
    app, client = make_client(db, None, monkeypatch)
    assert "This server does not look drugs up" in client.get(f"/trials/{ZOLPIDEM_TRIAL}").text
    assert refresh(db, fda.url, "--trial", ZOLPIDEM_TRIAL).exit_code == 0  # as `cleartrial fda refresh` would
    assert "59,744 reports" in client.get(f"/trials/{ZOLPIDEM_TRIAL}").text


def test_codes_placebos_and_trials_without_drugs(web):
    app, client = web
    twin = client.get(f"/trials/{CODE_TRIAL}/drug-safety.json").json()
    assert twin["status"] == "complete" and twin["drugs"] == []
    assert twin["without_label"] == [{
        "name": "AZD2693", "intervention": "AZD2693", "reason": "investigational",
        "words": "No FDA label — this is an investigational product, not approved for sale in the US, so it has no "
                 "label yet."}]
    assert client.get(f"/trials/{NO_DRUG_TRIAL}/drug-safety.json").json()["status"] == "none"
    assert 'id="drug-safety"' not in client.get(f"/trials/{NO_DRUG_TRIAL}").text
    r = client.get(f"/trials/{NO_DRUG_TRIAL}/drug-safety")
    assert r.status_code == 200 and "names no drug" in r.text
    assert client.get("/trials/NCT99999999/drug-safety.json").status_code == 404
    r = client.get(f"/trials/{CODE_TRIAL.lower()}/drug-safety.json", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == f"/trials/{CODE_TRIAL}/drug-safety.json"


# -- /api/v1/drugs/{name} ----------------------------------------------------------------------

def test_api_drug(web):
    app, client = web
    r = client.get("/api/v1/drugs/Ambien®")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["status"] == "found" and body["drug"]["name"] == "Zolpidem tartrate"
    assert body["drug"]["match"] == {"field": "brand_name", "fda_name": "AMBIEN", "how": "brand"}
    assert body["drug"]["boxed_warning"]["text"].startswith("AMBIEN is a federally controlled substance")
    placebo = client.get("/api/v1/drugs/placebo").json()
    assert placebo["status"] == "not_looked_up" and placebo["kind"] == "placebo"
    code = client.get("/api/v1/drugs/ABC-123").json()
    assert code["kind"] == "investigational" and "investigational product" in code["message"]
    ulsc = client.get("/api/v1/drugs/ULSC").json()  # looked up (could be a brand), no label
    assert (ulsc["status"], ulsc["kind"]) == ("no_label", "investigational")
    assert client.get("/api/v1/drugs/sudafed").json()["status"] == "no_label"  # never a near match
    r = client.get("/api/v1/drugs/aspirin and clopidogrel")
    assert r.status_code == 400 and "one at a time" in r.json()["error"]["message"]
    assert client.get("/api/v1/drugs/%20").status_code == 400
    r = client.get("/api/v1/drugs/" + "x" * 101)
    assert r.status_code == 422 and "name" in r.json()["error"]["message"]


def test_api_drug_without_fda_requests(db, monkeypatch):
    app, client = make_client(db, None, monkeypatch)
    body = client.get("/api/v1/drugs/zolpidem").json()
    assert body["status"] == "off" and body["drug"] is None


# -- the command line ----------------------------------------------------------------------------

def test_refresh_skips_fresh_answers_and_says_when_offline(db, fda):
    first = refresh(db, fda.url, "--json")
    assert first.exit_code == 0, first.output
    asked = len(fda.seen)
    second = refresh(db, fda.url, "--json")
    assert second.exit_code == 0 and len(fda.seen) == asked  # everything fresh: no request
    assert '"cached"' in second.output
    started = time.monotonic()
    offline = refresh(db, closed_port_url(), "--force")
    assert offline.exit_code == 1 and time.monotonic() - started < 3
    assert "cannot be reached" in offline.output and "Pages keep showing what is cached" in offline.output
    off = refresh(db, "off")
    assert off.exit_code == 2 and "is set to off" in off.output


def test_show_prints_one_cached_drug(db, fda):
    assert refresh(db, fda.url, "--trial", "NCT00494468").exit_code == 0
    result = CliRunner().invoke(cli_app, ["--db", str(db), "fda", "show", "zolpidem"],
                                env={"CLEARTRIAL_OPENFDA_URL": "off"})
    assert result.exit_code == 0 and "59,744" in result.output and "SOMNAMBULISM" in result.output


# -- the store -----------------------------------------------------------------------------------

def test_schema_upgrade_adds_the_fda_cache_and_keeps_older_tables(tmp_path):
    path = tmp_path / "v3.db"
    conn = sqlite3.connect(path)
    version = schema.MIGRATIONS.index(next(m for m in schema.MIGRATIONS if "CREATE TABLE fda_drugs" in m))
    for number in range(version):  # the database as the previous version left it
        conn.executescript(f"BEGIN; {schema.MIGRATIONS[number]}; PRAGMA user_version = {number + 1}; COMMIT;")
    conn.execute("INSERT INTO meta(key, value) VALUES ('kept', 'yes')")
    conn.commit()
    # Opened read-only before the upgrade (no table yet): nothing cached, not an error.
    ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert cache.get_many(ro, ["zolpidem"]) == {} and cache.stamp(ro) == (0, None)
    ro.close()
    conn.close()
    with Store(path) as store:
        assert store.schema_version == version + 1 == len(schema.MIGRATIONS)
        assert store.get_meta("kept") == "yes"
        entry = cache.make_entry("zolpidem", {"label": {}, "match": {}, "events": None})
        cache.put(store.conn, entry)
        assert cache.get_many(store.conn, ["zolpidem", "other"]) == {"zolpidem": entry}
        assert cache.names_due(store.conn, ["zolpidem", "other"]) == ["other"]


def test_time_to_live():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    found = cache.make_entry("a", {"x": 1}, now=now)
    missing = cache.make_entry("b", None, now=now)
    assert not found.expired(now + timedelta(days=89)) and found.expired(now + timedelta(days=91))
    assert not missing.expired(now + timedelta(days=29)) and missing.expired(now + timedelta(days=31))


# -- the documented shapes, checked by schemathesis on real answers ------------------------------

def test_drug_answers_match_the_documented_shapes(db, fda, monkeypatch):
    from test_api_schema import CHECKS, schema

    assert refresh(db, fda.url).exit_code == 0  # every drug of these trials, cached
    app, _ = make_client(db, None, monkeypatch)
    operation = schema["/trials/{nct_id}/drug-safety.json"]["GET"]
    for nct in TRIALS:
        response = operation.Case(path_parameters={"nct_id": nct}).call_and_validate(app=app, checks=CHECKS)
        assert response.status_code == 200
    operation = schema["/api/v1/drugs/{name}"]["GET"]
    for name in ("zolpidem", "Ambien", "aspirin", "placebo", "ABC-123", "ULSC", "ramelteon", "chemotherapy", "a + b"):
        response = operation.Case(path_parameters={"name": name}).call_and_validate(app=app, checks=CHECKS)
        assert response.status_code in (200, 400), name
