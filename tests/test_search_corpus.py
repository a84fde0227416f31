"""Search on the real corpus, checked against a brute-force scan of every trial."""

from __future__ import annotations

import pytest

from cleartrial.geo import geocode, haversine_miles
from cleartrial.search import SearchQuery, search
from cleartrial.store import Store, decode_trial
from cleartrial.store.sitegeo import site_point


@pytest.fixture(scope="module")
def corpus(loaded_db):
    store = Store(loaded_db[0], readonly=True)
    trials = [decode_trial(doc) for (doc,) in store.conn.execute("SELECT doc FROM trials")]
    yield store, trials
    store.close()


def all_ids(store, q: SearchQuery) -> set[str]:
    out, page = set(), 1
    while True:
        q.page, q.per_page = page, 100
        r = search(store, q)
        out |= {h.nct_id for h in r.hits}
        if page >= r.pages:
            return out
        page += 1


def admits(t, age=None, sex=None, statuses=None, near=None, radius=None) -> bool:
    e = t.eligibility
    if statuses and t.overall_status not in statuses:
        return False
    if age is not None:
        if e.minimum_age is not None and e.minimum_age.years > age:
            return False
        # "65 Years" admits up to 65 and 364 days; "6 Months" up to 6 months and 30 days.
        if e.maximum_age is not None and age >= e.maximum_age.years + {"YEARS": 1, "MONTHS": 1 / 12, "WEEKS": 7 / 365.25,
                                                                        "DAYS": 1 / 365.25}.get(e.maximum_age.unit, 0):
            return False
    if sex == "FEMALE" and e.sex == "MALE" or sex == "MALE" and e.sex == "FEMALE":
        return False
    if near is not None:
        place = geocode(near)
        points = [site_point(s) for s in t.sites]
        if not any(p[0] is not None and haversine_miles(place.lat, place.lon, p[0], p[1]) <= radius for p in points):
            return False
    return True


CASES = [
    ("cancer", dict(statuses=["RECRUITING"], age=45, sex="FEMALE")),
    ("cancer", dict(age=70, sex="MALE")),
    ("asthma", dict(age=8)),
    ("diabetes", dict(statuses=["COMPLETED", "TERMINATED"], age=30)),
    ("hiv", dict(near="San Francisco, CA", radius=150)),
    ("", dict(statuses=["RECRUITING"], near="Bethesda, MD", radius=25)),
    ("lymphoma", dict(near="10001", radius=500, statuses=["RECRUITING", "NOT_YET_RECRUITING"])),
]


@pytest.mark.parametrize("text,filters", CASES)
def test_filters_agree_with_a_brute_force_scan(corpus, text, filters):
    store, trials = corpus
    unfiltered = all_ids(store, SearchQuery(text))
    expected = {t.nct_id for t in trials if t.nct_id in unfiltered and admits(t, **filters)}
    q = SearchQuery(text, statuses=filters.get("statuses"), age=filters.get("age"), sex=filters.get("sex"),
                    near=filters.get("near"), radius_miles=filters.get("radius", 100))
    got = all_ids(store, q)
    assert got == expected
    assert got, "each case is chosen to have matches in the sample"


def test_dermatomyositis_finds_the_myositis_trials(corpus):
    store, trials = corpus
    r = search(store, SearchQuery("dermatomyositis", per_page=100))
    about = {t.nct_id for t in trials if "dermatomyositis" in " ".join(
        [t.brief_title or "", t.official_title or "", *t.conditions, *t.mesh_conditions, *t.keywords, t.brief_summary or ""]).lower()}
    assert {h.nct_id for h in r.hits} >= about
    # Title or condition matches rank first.
    top = r.hits[0].trial
    assert "dermatomyositis" in (top.brief_title + " ".join(top.conditions)).lower()


def test_nearest_site_is_recruiting_when_one_is_in_range(corpus):
    store, _ = corpus
    r = search(store, SearchQuery("", statuses=["RECRUITING"], near="Bethesda, MD", radius_miles=3000, per_page=50))
    assert r.total > 0
    for h in r.hits:
        site_statuses = {s.status for s in h.trial.sites}
        if "RECRUITING" in site_statuses:
            assert h.nearest_site.status == "RECRUITING"
        assert h.nearest_site.distance_miles <= 3000


def test_distance_sort_is_monotonic(corpus):
    store, _ = corpus
    r = search(store, SearchQuery("cancer", near="Boston, MA", radius_miles=1000, sort="distance", per_page=100))
    d = [h.nearest_site.distance_miles for h in r.hits]
    assert d == sorted(d) and len(d) > 5


def test_newest_sort(corpus):
    store, _ = corpus
    r = search(store, SearchQuery("asthma", sort="newest", per_page=50))
    dates = [h.trial.last_update or "" for h in r.hits]
    assert dates == sorted(dates, reverse=True)


def test_misspelt_and_synonym_queries(corpus):
    store, _ = corpus
    # "heart attack" is how people write it; the registry's MeSH term is Myocardial Infarction.
    r = search(store, SearchQuery("heart attack", per_page=100))
    assert any("Myocardial Infarction" in h.trial.mesh_conditions and
               "heart attack" not in " ".join([h.trial.brief_title or "", *h.trial.conditions]).lower()
               for h in r.hits) or r.synonyms
