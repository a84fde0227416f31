"""Search semantics: text, filter edge cases (age, sex, status), location, errors."""

from __future__ import annotations

import pytest

from cleartrial.errors import InvalidQuery, UnknownPlace
from cleartrial.model import Age, Eligibility, Intervention, PartialDate, Site, Trial
from cleartrial.search import SearchQuery, result_as_dict, search
from cleartrial.sources import FORMAT_JSON, stamp_provenance
from cleartrial.store import Store

NYC = (40.7506, -73.9972)  # ZIP 10001
BOSTON = (42.3601, -71.0589)
LA = (34.0522, -118.2437)


def trial(nct, title="Breast cancer study", *, status="RECRUITING", lo=None, hi=None, sex="ALL", sites=(),
          phases=("PHASE2",), hv=None, conditions=("Breast Cancer",), updated="2024-01-01", **kw) -> tuple[Trial, bytes]:
    t = Trial(
        nct_id=nct,
        brief_title=title,
        overall_status=status,
        phases=list(phases),
        study_type=kw.pop("study_type", "INTERVENTIONAL"),
        conditions=list(conditions),
        last_update_posted=PartialDate(updated),
        eligibility=Eligibility(
            criteria="Inclusion Criteria:\n\n* adults", sex=sex, healthy_volunteers=hv,
            minimum_age=Age(lo, "YEARS") if lo is not None else None,
            maximum_age=Age(hi, "YEARS") if hi is not None else None,
        ),
        sites=[Site(facility=f, lat=lat, lon=lon, status=st, city=f) for f, lat, lon, st in sites],
        **kw,
    )
    raw = nct.encode()
    stamp_provenance(t, raw, FORMAT_JSON, source_file=nct)
    return t, raw


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "s.db")
    s.ingest([
        trial("NCT00000001", lo=18, hi=65),
        trial("NCT00000002", lo=18),                    # no maximum age
        trial("NCT00000003", hi=17),                    # no minimum age: children
        trial("NCT00000004"),                           # no age limits at all
        trial("NCT00000005", sex="FEMALE", lo=18),
        trial("NCT00000006", sex="MALE", lo=18, title="Prostate cancer study", conditions=("Prostate Cancer",)),
        trial("NCT00000007", status="NOT_YET_RECRUITING"),
        trial("NCT00000008", status="COMPLETED"),
        trial("NCT00000009", hv=True, title="Healthy volunteer vaccine study", conditions=("Influenza",),
              interventions=[Intervention(type="BIOLOGICAL", name="Flu vaccine")], phases=("PHASE1",)),
        trial("NCT00000010", sites=[("Boston Completed", *BOSTON, "COMPLETED"), ("Manhattan Recruiting", *NYC, "RECRUITING")]),
        trial("NCT00000011", sites=[("Boston Recruiting", *BOSTON, "RECRUITING"), ("Manhattan Closed", *NYC, "ACTIVE_NOT_RECRUITING")]),
        trial("NCT00000012", sites=[("LA only", *LA, "RECRUITING")]),
    ])
    yield s
    s.close()


def ids(result):
    return sorted(h.nct_id for h in result.hits)


def run(store, **kw):
    kw.setdefault("per_page", 100)
    return search(store, SearchQuery(**kw))


def test_age_limits_missing_side_is_open(store):
    got = ids(run(store, age=70, statuses=["RECRUITING"]))
    assert "NCT00000002" in got and "NCT00000004" in got   # no maximum / no limits
    assert "NCT00000001" not in got and "NCT00000003" not in got
    child = ids(run(store, age=8))
    assert "NCT00000003" in child and "NCT00000004" in child and "NCT00000001" not in child


def test_age_limits_in_months_are_not_rounded_to_years(tmp_path):
    s = Store(tmp_path / "babies.db")
    t, raw = trial("NCT00000099", title="Infant study")
    t.eligibility.maximum_age = Age(6, "MONTHS")
    s.ingest([(t, raw)])
    assert ids(run(s, age=0.5)) == ["NCT00000099"]       # 6 months
    assert ids(run(s, age=0.55)) == ["NCT00000099"]      # 6 months and a bit: still 6 months old
    assert ids(run(s, age=0.6)) == []                    # 7 months
    assert ids(run(s, age=0.9)) == []
    s.close()


def test_age_boundaries_are_inclusive(store):
    assert "NCT00000001" in ids(run(store, age=65))
    assert "NCT00000001" in ids(run(store, age=65.5))  # still 65: limits are whole years
    assert "NCT00000001" not in ids(run(store, age=66))
    assert "NCT00000001" in ids(run(store, age=18))
    assert "NCT00000001" not in ids(run(store, age=17.9))


def test_sex_filter(store):
    men = ids(run(store, sex="male"))
    women = ids(run(store, sex="female"))
    assert "NCT00000005" not in men and "NCT00000005" in women
    assert "NCT00000006" in men and "NCT00000006" not in women
    assert "NCT00000001" in men and "NCT00000001" in women  # all sexes match everyone


def test_status_recruiting_is_not_not_yet_recruiting(store):
    rec = ids(run(store, statuses=["recruiting"]))
    assert "NCT00000007" not in rec and "NCT00000008" not in rec
    nyr = ids(run(store, statuses=["not yet recruiting"]))
    assert nyr == ["NCT00000007"]
    both = ids(run(store, statuses=["RECRUITING,NOT_YET_RECRUITING"]))
    assert "NCT00000007" in both and "NCT00000001" in both
    assert len(ids(run(store))) == 12  # no status filter: every status


def test_other_filters(store):
    assert ids(run(store, healthy_volunteers=True)) == ["NCT00000009"]
    assert ids(run(store, phases=["1"])) == ["NCT00000009"]
    assert ids(run(store, intervention_types=["biological"])) == ["NCT00000009"]
    assert "NCT00000009" not in ids(run(store, phases=["phase 2"]))


def test_text_search_stems_and_ranks_title_first(store):
    r = run(store, text="vaccines")
    assert ids(r) == ["NCT00000009"]
    assert r.hits[0].snippet and r.hits[0].snippet_highlights
    s, e = r.hits[0].snippet_highlights[0]
    assert r.hits[0].snippet[s:e].lower().startswith("vaccin")
    assert ids(run(store, text="prostat*")) == ["NCT00000006"]
    # Filter tokens never leak into what people read.
    r = run(store, text="breast", statuses=["recruiting"], sex="female", age=40)
    assert r.hits and all("zq" not in (h.snippet or "") for h in r.hits)


def test_text_relaxes_when_nothing_matches_every_word(store):
    r = run(store, text="prostate zebra")
    assert r.relaxed and ids(r) == ["NCT00000006"]


@pytest.fixture(params=["by-trial", "by-area"])
def site_plan(request, monkeypatch):
    """Run location tests through both plans: sites looked up per candidate trial, and
    sites found by area in the R*Tree (used when many trials qualify)."""
    import cleartrial.search as search_module

    if request.param == "by-area":
        monkeypatch.setattr(search_module, "_BBOX_PLAN_ABOVE", 0)
    return request.param


def test_near_location_prefers_recruiting_site(store, site_plan):
    r = run(store, near="10001", radius_miles=250)
    by_id = {h.nct_id: h for h in r.hits}
    assert set(by_id) == {"NCT00000010", "NCT00000011"}  # LA is too far
    assert by_id["NCT00000010"].nearest_site.facility == "Manhattan Recruiting"
    # Boston (about 190 miles) is recruiting; the closer Manhattan site is not: Boston first.
    assert by_id["NCT00000011"].nearest_site.facility == "Boston Recruiting"
    assert 150 < by_id["NCT00000011"].nearest_site.distance_miles < 220
    r = run(store, near="10001", radius_miles=250, sort="distance")
    assert [h.nct_id for h in r.hits] == ["NCT00000010", "NCT00000011"]
    assert ids(run(store, near="Los Angeles, CA", radius_miles=50)) == ["NCT00000012"]


def test_pagination_and_total(store):
    r = search(store, SearchQuery(per_page=5, page=2))
    assert r.total == 12 and len(r.hits) == 5 and r.pages == 3
    last = search(store, SearchQuery(per_page=5, page=3))
    assert len(last.hits) == 2
    d = result_as_dict(r)
    assert d["total"] == 12 and d["page"] == 2 and len(d["results"]) == 5


@pytest.mark.parametrize("kw,message", [
    ({"statuses": ["open"]}, "Unknown status"),
    ({"age": -1}, "out of range"),
    ({"age": "old"}, "not a number"),
    ({"sex": "x"}, "Unknown sex"),
    ({"phases": ["7"]}, "Unknown phase"),
    ({"radius_miles": 0}, "Radius"),
    ({"sort": "distance"}, "needs a location"),
    ({"page": 0}, "Page numbers"),
    ({"per_page": 1000}, "per page"),
])
def test_invalid_input_raises_actionable_error(store, kw, message):
    with pytest.raises(InvalidQuery, match=message):
        run(store, **{"per_page": 10, **kw})


def test_unknown_place(store):
    with pytest.raises(UnknownPlace):
        run(store, near="Atlantis, ZZ")


def test_moved_sites_are_found_where_they_are_now(store, site_plan):
    t, _ = trial("NCT00000012", sites=[("Now in Boston", *BOSTON, "RECRUITING")], updated="2025-01-01")
    stamp_provenance(t, b"moved", FORMAT_JSON, source_file="moved")
    assert store.ingest([(t, b"moved")]).updated == 1
    assert "NCT00000012" in ids(run(store, near="Boston, MA", radius_miles=20))
    assert "NCT00000012" not in ids(run(store, near="Los Angeles, CA", radius_miles=50))


def test_recruiting_search_by_area_uses_only_joinable_trials(store, site_plan):
    r = run(store, near="10001", radius_miles=250, statuses=["RECRUITING"])
    assert ids(r) == ["NCT00000010", "NCT00000011"]
    t, _ = trial("NCT00000010", status="COMPLETED", updated="2025-02-01",
                 sites=[("Manhattan", *NYC, "COMPLETED")])
    stamp_provenance(t, b"closed", FORMAT_JSON, source_file="closed")
    store.ingest([(t, b"closed")])
    assert ids(run(store, near="10001", radius_miles=250, statuses=["RECRUITING"])) == ["NCT00000011"]
    assert "NCT00000010" in ids(run(store, near="10001", radius_miles=250))
