"""The website in a real browser: accessibility (axe-core), phone width, keyboard, privacy,
the site without JavaScript, the htmx enhancement, and screenshots to look at.

The app runs under uvicorn on a free local port against the shared real records. The browser
is Debian's Chromium (``$CLEARTRIAL_CHROMIUM``) and the accessibility engine is axe-core from
npm (``$CLEARTRIAL_AXE``); ``make test`` installs both. Nothing is downloaded here, and a
missing browser or axe-core fails the tests instead of skipping them.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CLEARTRIAL_CHROMIUM", "/usr/bin/chromium")
AXE = Path(os.environ.get("CLEARTRIAL_AXE") or REPO / ".venv" / "npm" / "node_modules" / "axe-core" / "axe.min.js")
SCREENSHOTS = Path(os.environ.get("CLEARTRIAL_SCREENSHOTS") or REPO / "build" / "screenshots")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# axe's best practices (heading order, landmarks, one main, allowed roles) are checked too.
AXE_TAGS = WCAG_TAGS + ["best-practice"]

TRIAL = "NCT05809934"  # recruiting, placebo arm, 148 sites with coordinates (API v2 JSON record)
LEGACY_TRIAL = "NCT00001160"  # from the legacy XML download

# name -> (address, expected HTTP status)
PAGES = {
    "home": ("/", 200),
    "results": ("/search?q=cancer&near=10001&radius_miles=500", 200),
    "results-empty": ("/search?q=breast+cancer&near=10001&radius_miles=50", 200),
    "trial": (f"/trials/{TRIAL}?near=Boston,%20MA", 200),
    "trial-legacy": (f"/trials/{LEGACY_TRIAL}", 200),
    "sheet": (f"/trials/{TRIAL}/sheet", 200),
    "about": ("/about", 200),
    "not-found": ("/trials/NCT99999999", 404),
}
SCREENSHOT_PAGES = ["home", "results", "trial", "sheet", "about"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


# -- the server and the browser -------------------------------------------------------------

@pytest.fixture(scope="module")
def base_url(loaded_db):
    """The real app under uvicorn, in a background thread, on a free port of 127.0.0.1."""
    import uvicorn

    from cleartrial.web import create_app

    path, _ = loaded_db
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(path), log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("The web app did not start under uvicorn.")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}. Install it (`apt-get install chromium`, or `make test`, "
                    "which does) or set CLEARTRIAL_CHROMIUM to a Chromium binary. The tests never download one.")
    if not AXE.is_file():
        pytest.fail(f"axe-core not found at {AXE}. Install it with `npm install --prefix .venv/npm axe-core@4.11.0` "
                    "(`make test` does) or set CLEARTRIAL_AXE to axe.min.js.")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.fail("The playwright Python package is missing: pip install -e '.[test]'.")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def axe_context(browser):
    # Playwright adds axe-core as an inline <script>, which the site's CSP rightly refuses;
    # this context alone bypasses CSP. The other contexts keep it, and fail on violations.
    ctx = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def phone_context(browser):
    # Not is_mobile: a mobile viewport widens to fit wide content, which would hide the problem.
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=1)
    yield ctx
    ctx.close()


@pytest.fixture()
def context(browser):
    ctx = browser.new_context(viewport=DESKTOP)
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context):
    return context.new_page()


class Watch:
    """Console errors, page errors and CSP violations of one page."""

    def __init__(self, page, base_url: str):
        self.base_url = base_url
        self.errors: list[str] = []
        self.expected_status: dict[str, int] = {}
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _console(self, msg) -> None:
        if msg.type not in ("error", "warning"):
            return
        text = msg.text
        url = msg.location.get("url", "") if msg.location else ""
        # Chromium reports the document's own 404 as a console error; that one is the point.
        if text.startswith("Failed to load resource") and any(
                url.startswith(self.base_url + addr) and f"status of {status}" in text
                for addr, status in self.expected_status.items()):
            return
        if msg.type == "warning" and "Content Security Policy" not in text:
            return
        self.errors.append(f"console {msg.type}: {text} ({url})")


def goto(page, base_url: str, name: str):
    address, status = PAGES[name]
    response = page.goto(base_url + address, wait_until="load")
    assert response is not None and response.status == status, f"{address}: HTTP {response and response.status}"
    return response


# -- accessibility --------------------------------------------------------------------------

def _describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        kind = "WCAG A/AA" if set(v["tags"]) & set(WCAG_TAGS) else "best practice"
        lines.append(f"- {v['id']} ({kind}, {v.get('impact')}): {v['help']} [{v.get('helpUrl', '')}]")
        for node in v["nodes"][:8]:
            why = " ".join(line.strip() for line in (node.get("failureSummary") or "").splitlines()[1:])
            lines.append(f"    {json.dumps(node['target'])}: {why[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                tags: v.tags, nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary}))}));
        }""",
        AXE_TAGS,
    )
    return result


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_wcag_a_or_aa_violations(axe_context, base_url, name):
    page = axe_context.new_page()
    try:
        goto(page, base_url, name)
        violations = run_axe(page)
    finally:
        page.close()
    assert violations == [], f"axe-core found violations on {PAGES[name][0]}:\n" + _describe_violations(violations)


@pytest.mark.parametrize("name", ["results", "trial", "trial-legacy"])
def test_axe_with_every_details_open(axe_context, base_url, name):
    """The filters and longer texts sit in closed <details>; open them so that axe sees them."""
    page = axe_context.new_page()
    try:
        goto(page, base_url, name)
        opened = page.evaluate("() => { const d = [...document.querySelectorAll('details')]; "
                               "d.forEach(e => { e.open = true; }); return d.length; }")
        assert opened > 0
        violations = run_axe(page)
    finally:
        page.close()
    assert violations == [], f"axe-core found violations on {PAGES[name][0]} with every <details> open:\n" + \
        _describe_violations(violations)


def test_axe_can_fail(axe_context, base_url):
    """The check above is live: a page with known faults does produce violations."""
    page = axe_context.new_page()
    try:
        goto(page, base_url, "home")
        page.evaluate("""() => {
            document.querySelector('label[for=q]').remove();
            document.querySelector('#q').removeAttribute('placeholder');
            document.querySelector('h1').style.color = '#c8c8c8';
            const a = document.createElement('a'); a.href = '/x'; document.querySelector('main').append(a);
        }""")
        ids = {v["id"] for v in run_axe(page)}
    finally:
        page.close()
    assert {"label", "link-name", "color-contrast"} <= ids


# -- phone width ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(PAGES))
def test_no_horizontal_scrolling_at_phone_width(phone_context, base_url, name):
    page = phone_context.new_page()
    try:
        goto(page, base_url, name)
        if page.locator("details.filters").count():
            page.click("details.filters > summary")  # the open filters must fit too
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        wide = page.evaluate("""() => {
            const w = window.innerWidth, out = [];
            for (const el of document.querySelectorAll('body *')) {
                const r = el.getBoundingClientRect();
                if (r.right > w + 0.5 && r.width > 0) {
                    out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                             (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') +
                             ' right=' + Math.round(r.right));
                }
            }
            return out.slice(0, 10);
        }""")
    finally:
        page.close()
    assert width[1] == PHONE["width"]
    assert width[0] <= width[1], f"{PAGES[name][0]} scrolls sideways at 375 px ({width[0]} > {width[1]}): {wide}"


# -- keyboard -------------------------------------------------------------------------------

_FOCUSED = """() => {
    const el = document.activeElement;
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return {tag: el.tagName.toLowerCase(), id: el.id, cls: el.className || '', href: el.getAttribute('href'),
            text: (el.innerText || el.value || '').trim().slice(0, 60),
            outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0, shadow: s.boxShadow,
            visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.left < innerWidth};
}"""


def _assert_focus_visible(f: dict) -> None:
    shown = (f["outline"] != "none" and f["outlineWidth"] >= 1) or (f["shadow"] not in ("", "none"))
    assert shown, f"no visible focus indicator on {f}"
    assert f["visible"], f"the focused element is not on screen: {f}"


def test_keyboard_order_and_visible_focus_on_home(page, base_url):
    goto(page, base_url, "home")
    expected = [
        ("a", "Skip to main content"),
        ("a", "cleartrial"),
        ("a", "Find a trial"),
        ("a", "About the data"),
        ("input#q", None),
        ("input#near", None),
        ("select#radius_miles", None),
        ("button", "Search"),
        ("summary", "More filters: status, age, sex, phase, type"),
    ]
    seen = []
    for _ in expected:
        page.keyboard.press("Tab")
        f = page.evaluate(_FOCUSED)
        seen.append(f)
        _assert_focus_visible(f)
    got = [(f["tag"] + (f"#{f['id']}" if f["id"] and f["tag"] != "a" and f["tag"] != "button" else ""),
            f["text"] if f["tag"] in ("a", "button", "summary") else None) for f in seen]
    assert got == expected
    # Keep tabbing through the rest of the page: every stop shows where focus is.
    for _ in range(12):
        page.keyboard.press("Tab")
        f = page.evaluate(_FOCUSED)
        if f["tag"] == "body":
            break
        _assert_focus_visible(f)


def test_enter_in_the_search_box_searches(page, base_url):
    watch = Watch(page, base_url)
    goto(page, base_url, "home")
    page.focus("#q")
    page.keyboard.type("cancer")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?*")
    page.wait_for_selector("ol.cards li.card")
    assert "cancer" in page.locator("#results-title").inner_text()
    assert parse_qs(urlsplit(page.url).query)["q"] == ["cancer"]
    assert watch.errors == []


def test_skip_link_moves_focus_to_main_on_the_trial_page(page, base_url):
    goto(page, base_url, "trial")
    page.keyboard.press("Tab")
    f = page.evaluate(_FOCUSED)
    assert f["text"] == "Skip to main content" and f["visible"], f
    _assert_focus_visible(f)
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # The next Tab lands inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('main')")


# -- privacy --------------------------------------------------------------------------------

def test_every_request_stays_on_this_site_no_cookies_no_console_errors(context, base_url):
    page = context.new_page()
    watch = Watch(page, base_url)
    watch.expected_status = {addr: status for addr, status in PAGES.values() if status != 200}
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    for name in PAGES:
        goto(page, base_url, name)  # "load": the page, its style sheet and its script are in
    page.wait_for_load_state("networkidle")
    assert len(requests) >= len(PAGES) + 2  # the pages, and their style sheet and script
    own = base_url + "/"
    elsewhere = sorted({u for u in requests if not u.startswith(own)})
    assert elsewhere == [], f"requests to other origins: {elsewhere}"
    assert context.cookies() == []
    assert watch.errors == []


def test_console_watch_catches_csp_violations(page, base_url):
    """Inline style is refused by the CSP, and the watch above reports it."""
    watch = Watch(page, base_url)
    goto(page, base_url, "home")
    page.evaluate("() => { document.querySelector('main').insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>'); }")
    page.wait_for_timeout(100)
    assert any("Content Security Policy" in e for e in watch.errors), watch.errors


def test_privacy_check_can_fail(context, base_url):
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    goto(page, base_url, "home")
    page.evaluate("() => { document.cookie = 'probe=1; path=/'; }")
    page.evaluate("() => fetch('http://example.invalid/x').catch(() => null)")
    page.wait_for_timeout(100)
    # The CSP stops the fetch before it is sent; the cookie is what a careless page could set.
    assert context.cookies() != []


# -- without JavaScript ---------------------------------------------------------------------

def test_search_open_a_trial_and_filter_without_javascript(browser, base_url):
    ctx = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    try:
        page = ctx.new_page()
        goto(page, base_url, "home")
        page.fill("#q", "cancer")
        page.fill("#near", "10001")
        page.select_option("#radius_miles", "500")
        page.click("form.search button[type=submit] >> text=Search")
        page.wait_for_url("**/search?*")
        cards = page.locator("ol.cards li.card")
        assert cards.count() > 0
        first_count = page.locator("#results-title").inner_text()
        assert "within 500 miles of" in first_count
        results_url = page.url

        title = cards.first.locator("h3 a").inner_text()
        cards.first.locator("h3 a").click()
        page.wait_for_url("**/trials/NCT*")
        assert page.locator("h1").inner_text() == title

        page.goto(results_url)
        page.click("details.filters > summary")  # <details> opens without script
        page.check("input[name=status][value=any]")
        page.click("text=Apply filters")
        page.wait_for_url("**status=any*")
        assert page.locator("ol.cards li.card").count() > 0
        assert page.locator("#results-title").inner_text() != first_count
        assert page.locator("input[name=status][value=any]").is_checked()
    finally:
        ctx.close()


# -- with JavaScript: htmx ------------------------------------------------------------------

def test_filters_update_results_in_place_with_htmx(page, base_url):
    watch = Watch(page, base_url)
    documents: list[str] = []
    page.on("request", lambda r: documents.append(r.url) if r.resource_type == "document" else None)
    goto(page, base_url, "results")
    page.wait_for_function("() => window.htmx !== undefined")
    before = page.locator("#results-title").inner_text()
    page.evaluate("() => { window.__marker = 'still here'; document.getElementById('results-title').__kept = true; }")
    page.click("details.filters > summary")
    with page.expect_response(lambda r: "/search?" in r.url and "status=any" in r.url):
        page.check("input[name=status][value=any]")
    page.wait_for_function("(before) => document.querySelector('#results-title').innerText !== before", arg=before)
    assert page.evaluate("() => window.__marker") == "still here", "the page was reloaded, not updated in place"
    assert len(documents) == 1, documents
    assert parse_qs(urlsplit(page.url).query).get("status") == ["any"]
    assert page.locator("ol.cards li.card").count() > 0
    # Only one copy of the results after the swap (hx-select picked the part, not the page).
    assert page.locator("#results").count() == 1 and page.locator("h1").count() == 1
    # The heading is a live region that stayed in the page (only its text changed), so
    # screen readers hear the new count.
    assert page.evaluate("() => document.getElementById('results-title').__kept") is True
    # Back restores the previous address.
    page.go_back()
    page.wait_for_function("(before) => document.querySelector('#results-title').innerText === before", arg=before)
    assert watch.errors == []


def test_a_search_that_cannot_run_says_why_in_place(page, base_url):
    watch = Watch(page, base_url)
    watch.expected_status = {"/search?": 400}  # the answer is a 400 page, and that is right
    goto(page, base_url, "results")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.__marker = 'still here'; }")
    page.fill("#near", "Nowhereville")
    page.press("#near", "Enter")
    alert = page.locator("#results [role=alert]")
    alert.wait_for()
    assert "Nowhereville" in alert.inner_text()
    assert page.locator("#results-title").inner_text() == "We could not run that search"
    assert page.evaluate("() => window.__marker") == "still here"
    assert watch.errors == []


# -- screenshots ----------------------------------------------------------------------------

def test_screenshots(browser, base_url):
    """Full-page PNGs of the main pages at desktop and phone width, for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    written = []
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        ctx = browser.new_context(viewport=viewport, device_scale_factor=1)
        try:
            page = ctx.new_page()
            for name in SCREENSHOT_PAGES:
                goto(page, base_url, name)
                out = SCREENSHOTS / f"{name}-{label}.png"
                page.screenshot(path=str(out), full_page=True)
                written.append(out)
        finally:
            ctx.close()
    for out in written:
        assert out.stat().st_size > 5_000, out
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
