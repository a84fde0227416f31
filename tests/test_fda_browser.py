"""The drug safety section in a real browser: axe-clean with a label, a boxed warning, the bar
chart and its table; no sideways scrolling on a phone; the CSP holds (presentation attributes
only); and a section waiting for the FDA fills itself in through htmx. Browser, axe-core and
helpers as in tests/test_browser.py."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from typer.testing import CliRunner

from cleartrial.cli import app as cli_app
from cleartrial.store import Store
from fake_openfda import fda, openfda_server  # noqa: F401  (fixtures)
from test_browser import PHONE, Watch, _describe_violations, axe_context, browser, phone_context, run_axe  # noqa: F401

DRUG_TRIAL = "NCT00492232"  # zolpidem (Ambien label, boxed warning), ramelteon, placebo
WAITING_TRIAL = "NCT00494468"  # zolpidem alone: its answer is removed for the htmx test
TRIALS = (DRUG_TRIAL, WAITING_TRIAL)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def fda_db(loaded_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("fda-browser") / "small.db"
    with Store(loaded_db[0], readonly=True) as src, Store(path) as dst:
        dst.ingest([(src.get_trial(n), src.get_raw(n)[1]) for n in TRIALS])
    return path


@pytest.fixture
def base_url(fda_db, fda, monkeypatch):
    """The app under uvicorn against the small database, asking the local fake openFDA."""
    import uvicorn

    from cleartrial.web import create_app

    result = CliRunner().invoke(cli_app, ["--db", str(fda_db), "fda", "refresh", "--trial", DRUG_TRIAL, "--force"],
                                env={"CLEARTRIAL_OPENFDA_URL": fda.url})
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("CLEARTRIAL_OPENFDA_URL", fda.url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(fda_db)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    app.state.fda.close()


@pytest.mark.parametrize("address", [f"/trials/{DRUG_TRIAL}", f"/trials/{DRUG_TRIAL}/drug-safety"])
def test_drug_section_is_axe_clean(axe_context, base_url, address):
    page = axe_context.new_page()
    try:
        page.goto(base_url + address, wait_until="load")
        assert page.locator("#drug-safety .boxed-warning").count() == 1
        assert page.locator("#drug-safety svg rect").count() == 10
        violations = run_axe(page)
    finally:
        page.close()
    assert violations == [], f"axe-core found violations on {address}:\n" + _describe_violations(violations)


def test_drug_section_fits_a_phone(phone_context, base_url):
    page = phone_context.new_page()
    try:
        page.goto(f"{base_url}/trials/{DRUG_TRIAL}", wait_until="load")
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    finally:
        page.close()
    assert width == [PHONE["width"], PHONE["width"]]


def test_waiting_section_fills_itself_in_under_the_csp(browser, base_url, fda_db):
    with Store(fda_db) as store:  # as if never asked: the page starts the lookup
        store.conn.execute("DELETE FROM fda_drugs WHERE name = 'zolpidem'")
        store.conn.commit()
    context = browser.new_context()  # the CSP applies here
    page = context.new_page()
    watch = Watch(page, base_url)
    try:
        page.goto(f"{base_url}/trials/{WAITING_TRIAL}", wait_until="load")
        assert "waiting for the answer" in page.locator("#drug-safety .notice").inner_text()
        # htmx asks the section's page again after 3 s and swaps the answer in.
        page.locator("#drug-safety svg").wait_for(timeout=10_000)
        assert page.locator("#drug-safety .notice").count() == 0
        assert page.locator("#drug-safety h3").first.inner_text() == "Zolpidem tartrate"
        assert page.locator("#drug-safety").count() == 1
    finally:
        context.close()
    assert [e for e in watch.errors if "favicon" not in e and "status of 404" not in e] == []
