"""Where participation facts and questions show: the trial page section, its JSON twin, the two
/api/v1 endpoints and ``cleartrial questions`` (real records, FastAPI's in-process client)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cleartrial.cli import app as cli_app
from cleartrial.web import create_app

SHAM_TRIAL = "NCT05850520"  # aflibercept vs sham: "in the study for up to 64 weeks", visits every 4 weeks
CROSSOVER_TRIAL = "NCT02753764"  # AZD7624 or placebo in turn, a 1 month wash-out between


@pytest.fixture(scope="module")
def client(loaded_db):
    with TestClient(create_app(loaded_db[0])) as c:
        yield c


class _Section(HTMLParser):
    """The text, attributes and links of one section (by id) of a page."""

    def __init__(self, section_id: str):
        super().__init__()
        self.section_id, self.depth, self.text, self.tags, self.links = section_id, 0, [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self.depth == 0 and tag == "section" and a.get("id") == self.section_id:
            self.depth = 1
        elif self.depth:
            self.depth += tag == "section"
            self.tags.append((tag, a))
            if tag == "a":
                self.links.append(a.get("href"))

    def handle_endtag(self, tag):
        if self.depth and tag == "section":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def section(html: str, section_id: str) -> _Section:
    p = _Section(section_id)
    p.feed(html)
    return p


def test_trial_page_has_the_involves_section_after_what_happens(client):
    html = client.get(f"/trials/{SHAM_TRIAL}").text
    h2 = re.findall(r"<h2 id=\"([a-z]+)-h\"", html)
    assert h2.index("happens") + 1 == h2.index("involves")
    s = section(html, "involves")
    text = " ".join(" ".join(s.text).split())
    assert "Taking part lasts up to 64 weeks." in text
    assert "From the record: Each participant will be in the study for up to 64 weeks." in text
    assert "Visits approximately every 4 weeks." in text
    assert "none of this means that you can take part" in text
    # The timeline: an accessible SVG with presentation attributes only, and the same in words.
    svg = [a for tag, a in s.tags if tag == "svg"]
    assert len(svg) == 1 and svg[0]["role"] == "img" and svg[0]["aria-labelledby"] == "timeline-cap"
    assert not any("style" in a for _, a in s.tags)
    assert "Taking part: up to 64 weeks, counted from the start." in text
    assert '<a href="#involves">Taking part</a>' in html  # in the table of contents


def test_twin_carries_the_section_and_questions_link_to_sections(client):
    t = client.get(f"/trials/{SHAM_TRIAL}.json").json()
    groups = {g["id"]: g for g in t["involves"]["groups"]}
    assert {"time", "visits", "procedures", "medicines", "study"} <= set(groups)
    assert "design" not in groups  # its facts are already under study.design
    kinds = {f["kind"] for g in groups.values() for f in g["facts"]}
    assert {"total_length", "visit_frequency", "injections", "contraception", "sites"} <= kinds
    assert t["involves"]["not_stated"] == ["what is paid for"]
    bars = t["involves"]["timeline"]["bars"]
    assert [b["title"] for b in bars] == ["Taking part", "Measurements"]
    html = client.get(f"/trials/{SHAM_TRIAL}").text
    questions = section(html, "questions")
    for q in t["questions"]["doctor"] + t["questions"]["coordinator"]:
        assert set(q) == {"text", "why", "facts", "section"}
        assert f"#{q['section']}" in questions.links
        assert f'id="{q["section"]}"' in html  # every link lands on a section of the page
    assert "See: What taking part involves" in " ".join(questions.text)


def test_a_trial_with_no_stated_lengths_has_no_timeline(client):
    t = client.get("/trials/NCT00000340.json").json()  # a one-sentence old record
    assert t["involves"]["timeline"] is None
    assert t["involves"]["not_stated"] == ["how long taking part lasts", "how many visits there are",
                                           "which tests and procedures are done", "what is paid for"]
    html = client.get("/trials/NCT00000340").text
    assert "These are good things to ask the study team." in html
    assert not any(tag == "svg" for tag, _ in section(html, "involves").tags)


def test_questions_endpoint(client):
    r = client.get(f"/api/v1/trials/{CROSSOVER_TRIAL}/questions")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"doctor", "coordinator"}
    page = client.get(f"/trials/{CROSSOVER_TRIAL}.json").json()["questions"]
    assert body == page  # the endpoint and the page show the same questions
    washout = next(q for q in body["doctor"] if "washout" in q["text"])
    assert washout["section"] == "involves" and "1 month wash-out period" in washout["facts"][0]


def test_participation_endpoint(client):
    body = client.get(f"/api/v1/trials/{CROSSOVER_TRIAL}/participation").json()
    assert set(body) == {"facts"}
    kinds = [f["kind"] for f in body["facts"]]
    assert {"crossover", "placebo", "washout", "endoscopy"} <= set(kinds)
    assert all(set(f) == {"kind", "value", "source_text"} for f in body["facts"])


@pytest.mark.parametrize("suffix", ["questions", "participation"])
def test_endpoints_answer_errors_like_the_trial_endpoint(client, suffix):
    r = client.get(f"/api/v1/trials/{CROSSOVER_TRIAL.lower()}/{suffix}", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == f"/api/v1/trials/{CROSSOVER_TRIAL}/{suffix}"
    r = client.get(f"/api/v1/trials/NCT00000109/{suffix}", follow_redirects=False)  # merged into NCT00005112
    assert r.status_code == 302 and r.headers["location"] == f"/api/v1/trials/NCT00005112/{suffix}"
    r = client.get(f"/api/v1/trials/NCT99999999/{suffix}")
    assert r.status_code == 404 and "NCT99999999" in r.json()["error"]["message"]
    r = client.get(f"/api/v1/trials/hello/{suffix}")
    assert r.status_code == 400 and "NCT followed by 8 digits" in r.json()["error"]["message"]
    r = client.get(f"/api/v1/trials/{'N' * 65}/{suffix}")
    assert r.status_code == 422 and r.json()["error"]["status"] == 422


def test_openapi_documents_the_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json()
    for suffix, model in (("questions", "Questions"), ("participation", "ParticipationResponse")):
        op = doc["paths"][f"/api/v1/trials/{{nct_id}}/{suffix}"]["get"]
        assert set(op["responses"]) == {"200", "301", "302", "400", "404", "422"}
        assert op["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}
    question = doc["components"]["schemas"]["QuestionWords"]
    assert set(question["required"]) == {"text", "why", "facts", "section"}
    assert question["properties"]["section"]["enum"] == ["glance", "who", "happens", "involves", "measure", "where", "runs"]


# --- the command line ------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_questions_json_matches_the_api(client, loaded_db):
    r = runner.invoke(cli_app, ["--db", str(loaded_db[0]), "questions", CROSSOVER_TRIAL.lower(), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == client.get(f"/api/v1/trials/{CROSSOVER_TRIAL}/questions").json()


def test_cli_questions_for_people(loaded_db):
    r = runner.invoke(cli_app, ["--db", str(loaded_db[0]), "questions", CROSSOVER_TRIAL])
    assert r.exit_code == 0, r.output
    out = " ".join(r.stdout.split())
    assert "Questions for your doctor" in out and "Questions for the trial coordinator" in out
    assert "Asking is not a sign that you qualify" in out
    assert "Why ask: The record describes a washout" in out
    assert "From the record: After completion of first block of cross over treatment" in out


def test_cli_questions_errors(loaded_db):
    r = runner.invoke(cli_app, ["--db", str(loaded_db[0]), "questions", "NCT123"])
    assert r.exit_code == 2 and "is not an NCT id" in r.output
    r = runner.invoke(cli_app, ["--db", str(loaded_db[0]), "questions", "NCT99999999"])
    assert r.exit_code == 1 and "is not in this database" in r.output
