"""The website and its JSON twins, on the shared real records (FastAPI's in-process client)."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from cleartrial.model import Arm, Eligibility, Provenance, Site, Sponsor, Trial
from cleartrial.store import Store
from cleartrial.web import create_app

PLACEBO_TRIAL = "NCT05809934"  # AZD2693: recruiting, randomized, placebo arm, 148 sites with coordinates


@pytest.fixture(scope="module")
def client(loaded_db):
    path, _ = loaded_db
    with TestClient(create_app(path)) as c:
        yield c


class _Assets(HTMLParser):
    """Every address the browser would fetch by itself (scripts, styles, images, frames)."""

    def __init__(self):
        super().__init__()
        self.fetched: list[str] = []
        self.inline_scripts = 0
        self.inline_styles = 0
        self.headings: list[tuple[str, str]] = []
        self._heading: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video") and a.get("src"):
            self.fetched.append(a["src"])
        if tag == "script" and not a.get("src"):
            self.inline_scripts += 1
        if tag == "link" and a.get("rel") in ("stylesheet", "icon", "preload", "prefetch"):
            self.fetched.append(a["href"])
        if tag == "style" or "style" in a or any(k.startswith("on") for k in a):
            self.inline_styles += 1
        if tag in ("h1", "h2", "h3"):
            self._heading = tag
            self.headings.append((tag, ""))

    def handle_data(self, data):
        if self._heading and self.headings:
            tag, text = self.headings[-1]
            self.headings[-1] = (tag, text + data)

    def handle_endtag(self, tag):
        if tag == self._heading:
            self._heading = None
            self.headings[-1] = (tag, " ".join(self.headings[-1][1].split()))


def _parse(html: str) -> _Assets:
    p = _Assets()
    p.feed(html)
    return p


PAGES = ["/", "/search?q=cancer", f"/trials/{PLACEBO_TRIAL}", f"/trials/{PLACEBO_TRIAL}/sheet", "/about",
         "/trials/NCT99999999", "/search?age=abc"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_load_only_own_assets_and_send_strict_headers(client, url):
    r = client.get(url)
    assert r.status_code in (200, 400, 404)
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in r.headers
    page = _parse(r.text)
    assert page.fetched, "every page loads its stylesheet"
    assert all(src.startswith("/static/") for src in page.fetched), page.fetched
    assert page.inline_scripts == 0 and page.inline_styles == 0
    # one h1, and headings never skip a level
    levels = [int(tag[1]) for tag, _ in page.headings]
    assert levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:]))


def test_vendored_htmx_is_the_pinned_version(client):
    r = client.get("/static/htmx-2.0.11.min.js")
    assert r.status_code == 200
    assert 'version:"2.0.11"' in r.text.replace(" ", "")


def test_home_has_search_form_filters_and_explainer(client):
    html = client.get("/").text
    for name in ('name="q"', 'name="near"', 'name="radius_miles"', 'name="status"', 'name="age"', 'name="sex"',
                 'name="phase"', 'name="study_type"', 'name="healthy_volunteers"'):
        assert name in html
    assert 'value="recruiting" checked' in html  # recruiting by default, and labelled so
    assert "(the default)" in html
    assert "What is a clinical trial?" in html and "not medical advice" in html
    assert "tests safety and dose in a small group" in html  # phase meaning next to the filter


def test_search_page_and_twin_show_the_same_results(client):
    params = {"q": "cancer", "near": "10001", "radius_miles": "500", "age": "45", "sex": "female"}
    page = client.get("/search", params=params)
    twin = client.get("/search.json", params=params).json()
    api = client.get("/api/v1/search", params=params).json()
    assert twin["total"] == api["total"] == 9  # known answer on the shared records
    assert twin["results"] == api["results"]
    assert twin["query"]["statuses"] == ["RECRUITING"]
    assert "9 trials" in page.text
    for card in twin["results"]:
        assert card["nct_id"] in page.text
        assert card["nearest_site"]["distance_miles"] <= 500
        assert card["status_words"] == "Recruiting now"
        assert re.search(re.escape(card["nct_id"]), page.text)
    nearest = min(c["nearest_site"]["distance_miles"] for c in twin["results"])
    assert nearest > 150  # nothing in the sample is close to New York City


def test_result_cards_say_who_can_join_in_words(client):
    twin = client.get("/search.json", params={"q": "healthy volunteers", "status": "any", "per_page": "50"}).json()
    labels = {label for c in twin["results"] for label in c["who_can_join"]}
    assert "Healthy volunteers welcome" in labels
    assert any(label.startswith("Adults 18") for label in labels)


def test_sort_and_pagination(client):
    first = client.get("/search.json", params={"q": "cancer", "status": "any", "per_page": "5"}).json()
    second = client.get("/search.json", params={"q": "cancer", "status": "any", "per_page": "5", "page": "2"}).json()
    assert first["total"] == second["total"] > 10
    assert not {c["nct_id"] for c in first["results"]} & {c["nct_id"] for c in second["results"]}
    newest = client.get("/search.json", params={"q": "cancer", "status": "any", "sort": "newest"}).json()
    dates = [c["last_update"] or "" for c in newest["results"]]
    assert dates == sorted(dates, reverse=True)
    near = client.get("/search.json", params={"q": "cancer", "status": "any", "near": "Boston, MA",
                                              "sort": "distance"}).json()
    miles = [c["nearest_site"]["distance_miles"] for c in near["results"]]
    assert miles == sorted(miles) and miles
    html = client.get("/search", params={"q": "cancer", "status": "any", "per_page": "5"}).text
    assert 'rel="next"' in html and "page=2" in html


def test_empty_result_explains_and_offers_counted_ways_to_widen(client):
    params = {"q": "breast cancer", "near": "10001", "radius_miles": "50"}
    twin = client.get("/search.json", params=params).json()
    assert twin["total"] == 0
    assert twin["relax"], "an empty result offers ways to widen it"
    for option in twin["relax"]:
        assert option["total"] > 0
        widened = client.get(option["url"].replace("/search?", "/search.json?")).json()
        assert widened["total"] == option["total"]
    html = client.get("/search", params=params).text
    assert "No trial in our copy of the registry matches" in html
    assert twin["relax"][0]["label"] in html


def test_bad_input_gets_actionable_400s(client):
    r = client.get("/search", params={"q": "asthma", "age": "abc"})
    assert r.status_code == 400
    assert "Give an age in years" in r.text and 'name="q"' in r.text
    j = client.get("/search.json", params={"age": "abc"})
    assert j.status_code == 400 and "Give an age in years" in j.json()["error"]["message"]
    j = client.get("/api/v1/search", params={"near": "Nowhereville, ZZ"})
    assert j.status_code == 400 and j.json()["error"]["message"]
    j = client.get("/api/v1/search", params={"status": "sleeping"})
    assert j.status_code == 400 and "recruiting" in j.json()["error"]["message"]
    j = client.get("/api/v1/search", params={"sort": "distance"})
    assert j.status_code == 400 and "location" in j.json()["error"]["message"]
    assert client.get("/trials/NCT123").status_code == 400
    assert "NCT followed by 8 digits" in client.get("/trials/hello").text


def test_unknown_trial_is_a_friendly_404_with_a_search_box(client):
    r = client.get("/trials/NCT99999999")
    assert r.status_code == 404
    assert "We could not find that trial" in r.text and 'name="q"' in r.text
    assert "https://clinicaltrials.gov/study/NCT99999999" in r.text
    j = client.get("/trials/NCT99999999.json")
    assert j.status_code == 404 and "NCT99999999" in j.json()["error"]["message"]
    assert client.get("/api/v1/trials/NCT99999999").status_code == 404
    assert client.get("/no/such/page").status_code == 404


def test_trial_addresses_are_canonical(client):
    r = client.get(f"/trials/{PLACEBO_TRIAL.lower()}", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == f"/trials/{PLACEBO_TRIAL}"
    # an old id the registry merged into another trial leads to that trial
    r = client.get("/trials/NCT00000109", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "/trials/NCT00005112"
    r = client.get("/api/v1/trials/NCT00000109", follow_redirects=False)
    assert r.headers["location"] == "/api/v1/trials/NCT00005112"


def test_trial_page_sections_in_the_order_a_patient_needs(client):
    html = client.get(f"/trials/{PLACEBO_TRIAL}").text
    order = ["At a glance", "Summary", "Who can join", "What happens in the study", "What they measure",
             "Questions to ask", "Where", "Who runs it", "About this information"]
    headings = [text for tag, text in _parse(html).headings if tag == "h2"]
    positions = [headings.index(h) for h in order]
    assert positions == sorted(positions)
    t = client.get(f"/trials/{PLACEBO_TRIAL}.json").json()
    assert t["header"]["status_words"] == "Recruiting now"
    assert t["header"]["registry_url"] == f"https://clinicaltrials.gov/study/{PLACEBO_TRIAL}"
    assert t["at_a_glance"]["placebo"] is not None
    assert t["questions"]["doctor"] and t["questions"]["coordinator"]
    for q in t["questions"]["doctor"] + t["questions"]["coordinator"]:
        assert q["why"]
        assert q["text"] in html or q["text"].replace("'", "&#39;") in html
    assert t["sites"]["total"] == 148 and t["sites"]["shown"] == 50
    assert "show all 148" in html
    assert "Some sites listed may already be full" in html
    assert t["who_can_join"]["criteria"][:40] in html.replace("&#39;", "'").replace("&gt;", ">").replace("&lt;", "<")
    assert "<svg" in html and 'role="img"' in html  # the sketch map, beside the list


def test_trial_page_sorts_sites_by_distance_from_the_person(client):
    t = client.get(f"/trials/{PLACEBO_TRIAL}.json", params={"near": "Boston, MA", "all_sites": "1"}).json()
    sites = t["sites"]["list"]
    assert len(sites) == 148
    distances = [s["distance_miles"] for s in sites if s["distance_miles"] is not None]
    assert distances == sorted(distances) and len(distances) > 100
    assert t["at_a_glance"]["where"]["nearest"]["distance_miles"] == distances[0]
    html = client.get(f"/trials/{PLACEBO_TRIAL}", params={"near": "Boston, MA"}).text
    assert "nearest to Boston" in html


def test_api_trial_has_page_and_normalized_record(client):
    j = client.get(f"/api/v1/trials/{PLACEBO_TRIAL}").json()
    assert j["nct_id"] == PLACEBO_TRIAL
    assert j["record"]["nct_id"] == PLACEBO_TRIAL and j["record"]["arms"]
    assert j["page"]["header"]["title"]


def test_about_page_reports_the_store(client, loaded_db):
    path, _ = loaded_db
    with Store(path, readonly=True) as store:
        stats = store.stats()
    about = client.get("/about.json").json()
    assert about["trials"] == stats["trials"] == 6679
    html = client.get("/about").text
    assert "6,679" in html and "We do not store or log what you type" in html


def test_sheet_has_questions_space_for_notes_and_contacts(client):
    html = client.get(f"/trials/{PLACEBO_TRIAL}/sheet").text
    assert "Bring this to your appointment" in html and PLACEBO_TRIAL in html
    assert "Questions for my doctor" in html and "Questions for the trial coordinator" in html
    assert html.count('class="notes"') >= 6
    assert "Contacts" in html


def test_sheet_pdf(client):
    r = client.get(f"/trials/{PLACEBO_TRIAL}/sheet.pdf")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-") and len(r.content) > 5000
    from cleartrial.web.sheet import render_document

    # One or two pages for trials with few and with many questions, sites and contacts.
    for nct in (PLACEBO_TRIAL, "NCT00001160", "NCT05850520"):
        pages = len(render_document(client.get(f"/trials/{nct}/sheet").text).pages)
        assert 1 <= pages <= 2, f"{nct}: the sheet should fit on one or two pages, got {pages}"
    assert client.get(f"/trials/{PLACEBO_TRIAL}.pdf").status_code == 200


def test_logs_never_hold_query_strings(client, caplog):
    caplog.set_level(logging.INFO, logger="cleartrial.web")
    client.get("/search", params={"q": "dermatomyositis", "near": "02115", "age": "61"})
    client.get(f"/trials/{PLACEBO_TRIAL}", params={"near": "02115"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "GET /search 200" in text
    for secret in ("dermatomyositis", "02115", "61"):
        assert secret not in text


def test_registry_text_is_escaped(tmp_path):
    evil = "<script>alert(1)</script>"
    trial = Trial(
        nct_id="NCT01234567", brief_title=f"Title {evil}", overall_status="RECRUITING",
        lead_sponsor=Sponsor(name=f"Sponsor {evil}"), brief_summary=evil,
        eligibility=Eligibility(criteria=f"Inclusion: {evil}"),
        arms=[Arm(label=evil, type="PLACEBO_COMPARATOR", description=evil)],
        sites=[Site(facility=evil, city="Boston", state="Massachusetts", country="United States", lat=42.36,
                    lon=-71.06, status="RECRUITING")],
        provenance=Provenance(source_format="ctgov-json-v2"),
    )
    path = tmp_path / "evil.db"
    with Store(path) as store:
        store.ingest([trial])
    with TestClient(create_app(path)) as c:
        for url in ("/trials/NCT01234567", "/trials/NCT01234567/sheet", "/search?q=title&status=any"):
            html = c.get(url).text
            assert evil not in html
            assert "&lt;script&gt;" in html


def test_openapi_describes_the_api(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/search", "/api/v1/trials/{nct_id}", "/search.json", "/trials/{nct_id}.json"} <= set(spec["paths"])
    names = {p["name"] for p in spec["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert {"q", "status", "age", "sex", "near", "radius_miles", "page"} <= names
