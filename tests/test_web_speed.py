"""The web layer's speed-ups change no byte: the page cache and the dict-first template lookups."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from jinja2 import Environment

from cleartrial.model import Eligibility, PartialDate, Provenance, Site, Trial
from cleartrial.store import Store
from cleartrial.web import create_app, views
from cleartrial.web.mapsvg import site_map
from cleartrial.web.pages import env
from cleartrial.web.params import SearchParams
from cleartrial.web.speed import PageCache

PLACEBO_TRIAL = "NCT05809934"  # 148 sites with coordinates


def _ids(path, n=25) -> list[str]:
    with Store(path, readonly=True) as store:
        ids = list(store.iter_nct_ids())
    return [PLACEBO_TRIAL] + ids[:: max(1, len(ids) // n)][:n]


def _same(a, b) -> None:
    assert a.status_code == b.status_code
    assert a.content == b.content
    assert [(k, v) for k, v in a.headers.items() if k != "date"] == [(k, v) for k, v in b.headers.items() if k != "date"]


@pytest.mark.parametrize("suffix", ["", ".json"])
def test_cached_trial_pages_are_the_pages(loaded_db, suffix):
    path, _ = loaded_db
    cached_app, plain_app = create_app(path), create_app(path)
    plain_app.state.page_cache = PageCache(max_bytes=0)  # keeps nothing: every page made afresh
    with TestClient(cached_app) as cached, TestClient(plain_app) as plain:
        for nct in _ids(path):
            for query in ("", "?near=Boston%2C%20MA", "?all_sites=1", "?near=10001&all_sites=1"):
                url = f"/trials/{nct}{suffix}{query}"
                first, again, fresh = cached.get(url), cached.get(url), plain.get(url)
                assert first.status_code == 200, url
                _same(first, again)
                _same(first, fresh)
        assert cached_app.state.page_cache.hits > 0
        # Redirects, unknown and malformed ids are never cached answers.
        for url in (f"/trials/{PLACEBO_TRIAL.lower()}{suffix}", f"/trials/NCT99999999{suffix}", f"/trials/nope{suffix}"):
            _same(cached.get(url, follow_redirects=False), plain.get(url, follow_redirects=False))
            _same(cached.get(url, follow_redirects=False), plain.get(url, follow_redirects=False))


def _trial(title: str, last_update: str) -> Trial:
    return Trial(
        nct_id="NCT01234567", brief_title=title, overall_status="RECRUITING", study_type="INTERVENTIONAL",
        last_update_posted=PartialDate(last_update), conditions=["Asthma"], eligibility=Eligibility(sex="ALL"),
        sites=[Site(facility="Clinic", city="Boston", state="Massachusetts", country="United States",
                    status="RECRUITING", lat=42.36, lon=-71.06)],
        provenance=Provenance(source_format="ctgov-json-v2", loaded_at="2026-01-01T00:00:00Z"),
    )


def test_a_changed_trial_is_shown_changed(tmp_path):
    path = tmp_path / "one.db"
    with Store(path) as store:
        store.ingest([_trial("First title", "2026-01-01")])
    app = create_app(path)
    with TestClient(app) as client:
        assert "First title" in client.get("/trials/NCT01234567").text
        assert "First title" in client.get("/trials/NCT01234567").text
        assert "First title" in client.get("/trials/NCT01234567.json").text
        with Store(path) as store:
            store.ingest([_trial("Second title", "2026-02-01")])
        page = client.get("/trials/NCT01234567").text
        assert "Second title" in page and "First title" not in page
        assert "Second title" in client.get("/trials/NCT01234567.json").text


def test_a_cached_page_is_made_again_when_its_age_words_change(loaded_db):
    path, _ = loaded_db
    app = create_app(path)
    with TestClient(app) as client:
        first = client.get(f"/trials/{PLACEBO_TRIAL}")
        cache = app.state.page_cache
        (key, (version, copied_at, words, body)), = [(k, v) for k, v in cache._entries.items() if k[0] == "html"]
        # As if it had been rendered a day earlier, with other words and another body.
        cache._entries[key] = (version, copied_at, "yesterday" if words != "yesterday" else "today", b"stale")
        again = client.get(f"/trials/{PLACEBO_TRIAL}")
        _same(first, again)
        assert cache._entries[key][3] == body


def test_page_cache_is_bounded():
    cache = PageCache(max_bytes=1000)
    for i in range(50):
        cache.put(("html", f"NCT{i:08d}", "", False), (i,), None, None, b"x" * 300)
    assert cache.size <= 1000 and len(cache._entries) == 3
    assert cache.get(("html", "NCT00000049", "", False), (49,), lambda c: None) == b"x" * 300
    assert cache.get(("html", "NCT00000049", "", False), (50,), lambda c: None) is None  # another version
    assert cache.get(("html", "NCT00000000", "", False), (0,), lambda c: None) is None  # evicted


def test_dict_first_lookups_render_the_same(loaded_db):
    path, _ = loaded_db
    plain = Environment(loader=env.loader, autoescape=env.autoescape, trim_blocks=True, lstrip_blocks=True)
    plain.globals.update(env.globals)
    plain.filters.update(env.filters)
    with Store(path, readonly=True) as store:
        for nct in _ids(path, 40):
            page = views.trial_page(store.get_trial(nct))
            ctx = {"t": page, "near": "", "params": SearchParams(), "site_map": site_map(page["sites"]["list"]), "path": "/"}
            assert env.get_template("trial.html").render(**ctx) == plain.get_template("trial.html").render(**ctx)
            assert env.get_template("sheet.html").render(**ctx) == plain.get_template("sheet.html").render(**ctx)
    # A dict key named like a dict method still reads as Jinja always read it: the method.
    t = "{{ d.items is defined }} {{ d.title }} {{ d.missing is defined }}"
    d = {"items": 1, "title": "x"}
    assert env.from_string(t).render(d=d) == plain.from_string(t).render(d=d) == "True x False"
