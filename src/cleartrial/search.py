"""Search the store: free text, filters, distance; the one search API the CLI and web use.

Semantics (docs/search.md has the long version):

* Text is matched with stemming (Porter) and accents ignored; every word must match (stop
  words such as "trial" or "for" are dropped); ``word*`` matches a prefix; "quoted phrases"
  match as phrases. Words must appear in what a trial is about (title, conditions, MeSH
  terms, keywords, interventions, summary); the eligibility criteria are searched only when
  that finds nothing, since a word there is often an exclusion. A query that names a condition the way people write it is also matched
  to the MeSH term the registry derived for it ("heart attack" → Myocardial Infarction),
  using pairs learnt from the records. If nothing matches and a word looks misspelt
  ("diabtes"), the corrected text is searched instead and the result says so
  (``corrected_text``); if still no trial matches every word, trials matching any word are
  returned and the result says so (``relaxed``). Text that does find trials but has a rare
  word close to a far more common one gets a "did you mean" (``suggestion``).
* Age: a trial with no minimum (or maximum) age is open on that side.
* Sex: a trial for all sexes matches everyone; a female-only trial never matches a male.
* Status: exact registry statuses; RECRUITING means recruiting now, NOT_YET_RECRUITING is
  separate. No status filter means every status.
* Location: trials with at least one site within the radius; each result carries its nearest
  site, preferring a site that is recruiting over a closer one that is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from . import _spelling
from .errors import InvalidQuery
from .geo import Place, bounding_box, geocode, haversine_miles
from .model import INTERVENTION_TYPES, PHASES, STUDY_TYPES, Trial, parse_statuses
from .store import OPEN_STATUSES, Store, facet, intervention_mask, normalise_phrase, phase_mask, split_site_key
from .store.schema import FTS_WEIGHTS, TEXT_COLUMNS

Sort = Literal["relevance", "distance", "newest"]
MAX_PER_PAGE = 100
MAX_RADIUS_MILES = 12_500  # half the Earth's circumference: anything is within it
DEFAULT_RADIUS_MILES = 100.0

_STOPWORDS = frozenset(
    "a an and are as at be by for from in into is it of on or the to with without "
    "trial trials study studies clinical research".split()
)
_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_WORDCHARS = re.compile(r"[^\w]+", re.UNICODE)
_BM25 = "bm25(trials_fts, " + ", ".join(str(w) for w in FTS_WEIGHTS) + ")"
_SITE_CHUNK = 900  # stay under SQLite's bound-parameter limit
_BBOX_PLAN_ABOVE = 5000  # more candidates than this: scan sites by area instead of by trial
# "Did you mean" only when the suggested text finds at least this many times as many trials
# (with the same filters), and at least _SUGGEST_GAIN more: a hint that finds a handful more
# is noise under a list of results.
_SUGGEST_FACTOR = 5
_SUGGEST_GAIN = 10

_PHASE_ALIASES = {
    "EARLY1": "EARLY_PHASE1", "EARLYPHASE1": "EARLY_PHASE1", "0": "EARLY_PHASE1",
    "1": "PHASE1", "2": "PHASE2", "3": "PHASE3", "4": "PHASE4", "NA": "NA", "N/A": "NA",
    "NOTAPPLICABLE": "NA",
}


@dataclass(slots=True)
class SiteHit:
    facility: str | None
    city: str | None
    state: str | None
    country: str | None
    status: str | None
    distance_miles: float
    approximate: bool  # placed from the gazetteer (city or ZIP centre), not the registry


@dataclass(slots=True)
class SearchHit:
    nct_id: str
    trial: Trial
    score: float | None  # bm25 (lower is better), None without a text query
    snippet: str | None = None
    snippet_highlights: list[tuple[int, int]] = field(default_factory=list)
    nearest_site: SiteHit | None = None


@dataclass(slots=True)
class SearchQuery:
    text: str = ""
    statuses: list[str] | None = None
    age: float | None = None
    sex: str | None = None
    phases: list[str] | None = None
    study_types: list[str] | None = None
    healthy_volunteers: bool | None = None
    intervention_types: list[str] | None = None
    near: str | Place | None = None
    radius_miles: float = DEFAULT_RADIUS_MILES
    sort: Sort = "relevance"
    page: int = 1
    per_page: int = 20


@dataclass(slots=True)
class SearchResult:
    query: SearchQuery
    total: int
    hits: list[SearchHit]
    place: Place | None = None
    fts_query: str | None = None
    relaxed: bool = False  # no trial matched every word; these match some
    synonyms: list[str] = field(default_factory=list)  # MeSH terms the text was expanded to
    corrected_text: str | None = None  # the text searched, when a misspelling was corrected
    suggestion: str | None = None  # "did you mean": found trials, but this would find far more

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


# -- validation -----------------------------------------------------------------------------

def normalise_statuses(values) -> list[str] | None:
    return parse_statuses(values) or None


def normalise_phases(values) -> list[str] | None:
    if not values:
        return None
    out = []
    for v in values:
        for part in str(v).split(","):
            key = re.sub(r"[\s_\-]+", "", part.strip().upper()).replace("PHASE", "")
            if not key:
                continue
            phase = _PHASE_ALIASES.get(key) or (("PHASE" + key) if ("PHASE" + key) in PHASES else None)
            if key.startswith("EARLY"):
                phase = "EARLY_PHASE1"
            if phase is None:
                raise InvalidQuery(f'Unknown phase "{part.strip()}". Use early1, 1, 2, 3, 4 or na.')
            out.append(phase)
    return out or None


def _normalise_choice(values, allowed: tuple[str, ...], what: str) -> list[str] | None:
    if not values:
        return None
    out = []
    for v in values:
        for part in str(v).split(","):
            key = re.sub(r"[\s\-]+", "_", part.strip()).upper()
            if key and key not in allowed:
                raise InvalidQuery(f'Unknown {what} "{part.strip()}". Use one of: ' + ", ".join(a.lower() for a in allowed) + ".")
            if key:
                out.append(key)
    return out or None


def validate(q: SearchQuery) -> SearchQuery:
    """Return a cleaned copy of ``q``, or raise InvalidQuery with an actionable message."""
    sex = (q.sex or "").strip().upper() or None
    if sex in ("ALL", "ANY"):
        sex = None
    if sex not in (None, "FEMALE", "MALE"):
        raise InvalidQuery(f'Unknown sex "{q.sex}". Use female or male (or leave it out).')
    if q.age is not None:
        try:
            age = float(q.age)
        except (TypeError, ValueError):
            raise InvalidQuery(f'Age "{q.age}" is not a number. Give an age in years, like 45.') from None
        if not 0 <= age <= 130:
            raise InvalidQuery(f"Age {q.age} is out of range. Give an age in years between 0 and 130.")
    else:
        age = None
    try:
        radius = float(q.radius_miles)
    except (TypeError, ValueError):
        raise InvalidQuery(f'Radius "{q.radius_miles}" is not a number of miles.') from None
    if not 0 < radius <= MAX_RADIUS_MILES:
        raise InvalidQuery(f"Radius must be more than 0 and at most {MAX_RADIUS_MILES:,} miles.")
    if q.sort not in ("relevance", "distance", "newest"):
        raise InvalidQuery(f'Unknown sort "{q.sort}". Use relevance, distance or newest.')
    if q.sort == "distance" and not q.near:
        raise InvalidQuery("Sorting by distance needs a location: give a ZIP code or a city.")
    if not isinstance(q.page, int) or q.page < 1:
        raise InvalidQuery("Page numbers start at 1.")
    if not isinstance(q.per_page, int) or not 1 <= q.per_page <= MAX_PER_PAGE:
        raise InvalidQuery(f"Results per page must be between 1 and {MAX_PER_PAGE}.")
    return SearchQuery(
        text=(q.text or "").strip(),
        statuses=normalise_statuses(q.statuses),
        age=age,
        sex=sex,
        phases=normalise_phases(q.phases),
        study_types=_normalise_choice(q.study_types, STUDY_TYPES, "study type"),
        healthy_volunteers=q.healthy_volunteers,
        intervention_types=_normalise_choice(q.intervention_types, INTERVENTION_TYPES, "intervention type"),
        near=q.near.strip() if isinstance(q.near, str) else q.near,
        radius_miles=radius,
        sort=q.sort,
        page=q.page,
        per_page=q.per_page,
    )


# -- text query -----------------------------------------------------------------------------

def _fts_terms(text: str) -> list[str]:
    """User text → FTS5 terms: quoted phrases and words, each safely quoted."""
    terms = []
    for phrase, word in _TOKEN.findall(text):
        if phrase:
            words = [w for w in _WORDCHARS.split(phrase) if w]
            if words:
                terms.append('"' + " ".join(words) + '"')
            continue
        prefix = word.endswith("*")
        for w in _WORDCHARS.split(word.rstrip("*")):
            if not w or (w.lower() in _STOPWORDS and not prefix):
                continue
            terms.append(f'"{w}"' + ("*" if prefix else ""))
    return terms


# A trial is *about* what its title, conditions, MeSH terms, keywords, interventions and
# summary say. Words found only in the eligibility criteria are mostly exclusions ("no
# history of breast cancer"), so criteria are searched only when nothing else matches.
_ABOUT_COLS = "{" + " ".join(c for c in TEXT_COLUMNS if c != "criteria") + "}"
_ALL_TEXT_COLS = "{" + " ".join(TEXT_COLUMNS) + "}"


def build_fts_query(
    store: Store,
    text: str,
    *,
    relaxed: bool = False,
    criteria: bool = False,
    q: SearchQuery | None = None,
    synonyms: list[str] | None = None,
) -> tuple[str | None, list[str]]:
    """The FTS5 expression for a person's words (and the query's filters as facet tokens)."""
    terms = _fts_terms(text)
    if not terms:
        return None, []
    cols = _ALL_TEXT_COLS if criteria else _ABOUT_COLS
    expr = f"{cols} : (" + (" OR " if relaxed else " AND ").join(terms) + ")"
    synonyms = condition_synonyms(store, text) if synonyms is None else synonyms
    if synonyms:
        expr += " OR " + " OR ".join('mesh : "' + s.replace('"', "") + '"' for s in synonyms)
    facets = _facet_expr(q) if q is not None else []
    if facets:
        expr = f"({expr}) AND " + " AND ".join(facets)
    return expr, synonyms


def _facet_expr(q: SearchQuery) -> list[str]:
    """Selective filters as facet-token constraints (the SQL filters still apply exactly).

    Only tokens that few trials carry are worth it: FTS5 then skips through a short list.
    A token most trials carry ("all sexes", "admits adults in their 40s") makes things
    slower, because bm25 counts every document holding each phrase of the query, so sex and
    age stay in SQL.
    """
    parts = []

    def any_of(kind: str, values) -> str:
        return "facets : (" + " OR ".join(facet(kind, v) for v in values) + ")"

    if q.statuses:
        parts.append(any_of("st", q.statuses))
    if q.phases:
        parts.append(any_of("ph", q.phases))
    if q.study_types and "INTERVENTIONAL" not in q.study_types:
        parts.append(any_of("ty", q.study_types))
    if q.healthy_volunteers is True:
        parts.append(any_of("hv", [1]))
    return parts


def condition_synonyms(store: Store, text: str, limit: int = 3) -> list[str]:
    """MeSH terms the registry derived for conditions written like ``text``.

    A pairing must be seen in at least two trials and in at least 5% as many as the
    strongest one: one trial listing "Breast Cancer" with a "Hyperplasia" MeSH term must
    not widen every breast cancer search to hyperplasia.
    """
    phrase = normalise_phrase(text)
    if not phrase:
        return []
    rows = store.conn.execute(
        "SELECT mesh_term, support FROM condition_synonyms WHERE phrase = ? AND support >= 2"
        " ORDER BY support DESC, mesh_term LIMIT ?",
        (phrase, limit),
    ).fetchall()
    if not rows:
        return []
    floor = rows[0][1] * 0.05
    return [term for term, support in rows if support >= floor]


# -- the search -----------------------------------------------------------------------------

def search(store: Store, query: SearchQuery) -> SearchResult:
    q = validate(query)
    place = None
    if q.near:
        place = q.near if isinstance(q.near, Place) else geocode(q.near)

    where, params = _filters(q)
    # Widen step by step until something matches: every word in what a trial is about, then
    # also in its criteria, then the same with misspelt words corrected, then any word.
    text = q.text  # the text searched: as typed, or its spelling correction
    relaxed = False
    corrected = suggestion = None
    fts, synonyms, criteria, candidates = _match_every_word(store, text, q, where, params)
    if fts and not candidates:
        corrected = _spelling.correct(store, q.text)
        if corrected is not None:
            text = corrected
            fts, synonyms, criteria, candidates = _match_every_word(store, text, q, where, params)
    if fts and not candidates and len(_fts_terms(text)) > 1:
        relaxed = criteria = True
        fts, _ = build_fts_query(store, text, relaxed=True, criteria=True, q=q, synonyms=synonyms)
        candidates = _candidates(store, fts, where, params)
    elif fts and candidates and corrected is None:
        suggestion = _suggestion(store, q, criteria, len(candidates), where, params)

    nearest: dict[int, SiteHit] = {}
    if place is not None:
        nearest = _nearest_sites(store, place, q, candidates)
        candidates = [c for c in candidates if c[0] in nearest]

    if not fts and place is not None and q.sort == "relevance":
        q.sort = "distance"  # no words to rank by: nearest first, and say so
    if q.sort == "newest":
        candidates.sort(key=lambda c: (c[2] or ""), reverse=True)
    elif q.sort == "distance":
        candidates.sort(key=lambda c: (nearest[c[0]].distance_miles, c[1] if c[1] is not None else 0))
    elif fts:
        candidates.sort(key=lambda c: (c[1], nearest[c[0]].distance_miles if nearest else 0))
    else:
        q.sort = "newest"  # no words and no place: newest first, and say so
        candidates.sort(key=lambda c: (c[2] or ""), reverse=True)

    total = len(candidates)
    start = (q.page - 1) * q.per_page
    page = candidates[start : start + q.per_page]
    trials = store.get_trials([c[0] for c in page])
    # Snippets come from the words alone: with the facet tokens in the expression FTS5
    # could pick the hidden facets column as the "best" snippet.
    words_only = build_fts_query(store, text, relaxed=relaxed, criteria=criteria, synonyms=synonyms)[0] if fts else None
    snippets = _snippets(store, words_only, [c[0] for c in page]) if words_only else {}
    hits = []
    for tid, score, _ in page:
        trial = trials[tid]
        snippet, marks = snippets.get(tid, (None, []))
        site = nearest.get(tid)
        if site is not None:
            site = _describe_site(trial, site)
        hits.append(SearchHit(trial.nct_id, trial, score, snippet, marks, site))
    return SearchResult(q, total, hits, place, fts, relaxed, synonyms, corrected, suggestion)


def _match_every_word(store: Store, text: str, q: SearchQuery, where: list[str], params: list):
    """The first two widening steps: every word in what trials are about, else anywhere
    including the criteria. Returns (FTS expression, synonyms, criteria step?, candidates)."""
    fts, synonyms = build_fts_query(store, text, q=q)
    candidates = _candidates(store, fts, where, params)
    criteria = False
    if fts and not candidates:
        criteria = True
        # The MeSH synonyms depend on the words only: look them up once (synonyms=...).
        fts, _ = build_fts_query(store, text, criteria=True, q=q, synonyms=synonyms)
        candidates = _candidates(store, fts, where, params)
    return fts, synonyms, criteria, candidates


def _suggestion(store: Store, q: SearchQuery, criteria: bool, found: int, where: list[str], params: list) -> str | None:
    """A "did you mean" text, when a rare word of the query is close to a far more common
    one (_spelling.suggest) and the suggested text, with the same filters and at the same
    widening step, finds clearly more trials than the ``found`` the text as typed did."""
    text = _spelling.suggest(store, q.text)
    if text is None:
        return None
    fts, _ = build_fts_query(store, text, criteria=criteria, q=q)
    needed = max(_SUGGEST_FACTOR * found, found + _SUGGEST_GAIN)
    return text if fts and _count(store, fts, where, params, needed) >= needed else None


def _filters(q: SearchQuery) -> tuple[list[str], list]:
    where: list[str] = []
    params: list = []
    if q.statuses:
        where.append(f"t.overall_status IN ({','.join('?' * len(q.statuses))})")
        params += q.statuses
    if q.age is not None:
        # An upper limit is in whole units ("65 Years" admits someone of 65 and a half):
        # the store keeps the age at which a person is past it (model.Age.years_until_too_old).
        where.append("(t.min_age_years IS NULL OR t.min_age_years <= ?) AND (t.too_old_years IS NULL OR t.too_old_years > ?)")
        params += [q.age, q.age]
    if q.sex:
        where.append("t.sex IN ('ALL', ?)")
        params.append(q.sex)
    if q.phases:
        where.append("(t.phase_mask & ?) != 0")
        params.append(phase_mask(q.phases))
    if q.study_types:
        where.append(f"t.study_type IN ({','.join('?' * len(q.study_types))})")
        params += q.study_types
    if q.healthy_volunteers is not None:
        where.append("t.healthy_volunteers = ?" if q.healthy_volunteers else "coalesce(t.healthy_volunteers, 0) = 0")
        params.append(1) if q.healthy_volunteers else None
    if q.intervention_types:
        where.append("(t.intervention_mask & ?) != 0")
        params.append(intervention_mask(q.intervention_types))
    return where, params


def _candidates(store: Store, fts: str | None, where: list[str], params: list) -> list[tuple[int, float | None, str | None]]:
    """(trial id, bm25 score or None, last update) of every trial passing text and filters."""
    if fts:
        # CROSS JOIN keeps the full-text match as the outer loop. Left to itself the planner
        # may walk every trial of a status through its index and run the match once per
        # trial: 83 results took 5 s at registry size that way.
        sql = (
            f"SELECT t.id, {_BM25}, t.last_update FROM trials_fts CROSS JOIN trials t ON t.id = trials_fts.rowid"
            " WHERE trials_fts MATCH ?" + "".join(" AND " + w for w in where)
        )
        return store.conn.execute(sql, [fts, *params]).fetchall()
    sql = "SELECT t.id, NULL, t.last_update FROM trials t" + (" WHERE " + " AND ".join(where) if where else "")
    return store.conn.execute(sql, params).fetchall()


def _count(store: Store, fts: str, where: list[str], params: list, cap: int) -> int:
    """Trials passing text and filters, counted no further than ``cap`` (no ranking)."""
    sql = (
        "SELECT count(*) FROM (SELECT 1 FROM trials_fts CROSS JOIN trials t ON t.id = trials_fts.rowid"
        " WHERE trials_fts MATCH ?" + "".join(" AND " + w for w in where) + " LIMIT ?)"
    )
    return store.conn.execute(sql, [fts, *params, cap]).fetchone()[0]


_RECRUITING_SITE = ("RECRUITING",)


def _nearest_sites(store: Store, place: Place, q: SearchQuery, candidates) -> dict[int, _SiteRef]:
    """Per candidate trial, its best site within the radius: recruiting first, then nearest."""
    radius = q.radius_miles
    min_lat, max_lat, min_lon, max_lon = bounding_box(place.lat, place.lon, radius)
    rows: list = []
    if len(candidates) <= _BBOX_PLAN_ABOVE:
        ids = [c[0] for c in candidates]
        for i in range(0, len(ids), _SITE_CHUNK):
            chunk = ids[i : i + _SITE_CHUNK]
            # "+lat" keeps SQLite on the primary key (a few sites per trial) rather than
            # scanning by coordinates for each chunk.
            rows += store.conn.execute(
                f"SELECT trial_id, idx, status, lat, lon FROM sites"
                f" WHERE trial_id IN ({','.join('?' * len(chunk))})"
                " AND +lat BETWEEN ? AND ? AND +lon BETWEEN ? AND ?",
                [*chunk, min_lat, max_lat, min_lon, max_lon],
            ).fetchall()
    else:
        # Many candidates: the sites inside the box come straight from an R*Tree (the small
        # one of joinable trials when the search asks only for those), then those of
        # candidate trials are kept. The id carries trial, site index and recruiting flag.
        wanted = {c[0] for c in candidates}
        open_only = bool(q.statuses) and set(q.statuses) <= OPEN_STATUSES
        table = "open_sites_rtree" if open_only else "sites_rtree"
        for key, lat, lon in store.conn.execute(
            f"SELECT id, min_lat, min_lon FROM {table}"
            " WHERE max_lat >= ? AND min_lat <= ? AND max_lon >= ? AND min_lon <= ?",
            (min_lat, max_lat, min_lon, max_lon),
        ):
            trial_id, idx, recruiting = split_site_key(key)
            if trial_id in wanted:
                rows.append((trial_id, idx, "RECRUITING" if recruiting else None, lat, lon))
    best: dict[int, tuple] = {}
    for trial_id, idx, status, lat, lon in rows:
        d = haversine_miles(place.lat, place.lon, lat, lon)
        if d > radius:
            continue
        key = (status not in _RECRUITING_SITE, d)
        current = best.get(trial_id)
        if current is None or key < current[0]:
            best[trial_id] = (key, idx, d)
    return {tid: _SiteRef(idx, round(d, 1)) for tid, (_, idx, d) in best.items()}


@dataclass(slots=True)
class _SiteRef:
    idx: int
    distance_miles: float


def _describe_site(trial: Trial, ref: _SiteRef) -> SiteHit:
    s = trial.sites[ref.idx]
    # A site without registry coordinates was placed from the gazetteer (city or ZIP).
    approximate = s.lat is None or s.lon is None
    return SiteHit(s.facility, s.city, s.state, s.country, s.status, ref.distance_miles, approximate)


_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"


def _snippets(store: Store, fts: str, ids: list[int]) -> dict[int, tuple[str, list[tuple[int, int]]]]:
    if not ids:
        return {}
    rows = store.conn.execute(
        f"SELECT rowid, snippet(trials_fts, -1, '{_MARK_OPEN}', '{_MARK_CLOSE}', '…', 24) FROM trials_fts"
        f" WHERE trials_fts MATCH ? AND rowid IN ({','.join('?' * len(ids))})",
        [fts, *ids],
    ).fetchall()
    out = {}
    for rowid, marked in rows:
        text, marks, pos = [], [], 0
        for part in re.split(f"({_MARK_OPEN}|{_MARK_CLOSE})", marked or ""):
            if part == _MARK_OPEN:
                start = pos
            elif part == _MARK_CLOSE:
                marks.append((start, pos))
            else:
                part = re.sub(r"\s+", " ", part)  # snippets are one line
                text.append(part)
                pos += len(part)
        out[rowid] = ("".join(text), marks)
    return out


# -- JSON shape (CLI --json and the web API share it; docs/search.md documents it) ---------

def _age_text(age) -> str | None:
    return str(age) if age is not None else None


def hit_as_dict(hit: SearchHit) -> dict:
    t = hit.trial
    e = t.eligibility
    site = hit.nearest_site
    return {
        "nct_id": t.nct_id,
        "title": t.brief_title,
        "official_title": t.official_title,
        "status": t.overall_status,
        "phases": t.phases,
        "study_type": t.study_type,
        "conditions": t.conditions,
        "minimum_age": _age_text(e.minimum_age),
        "maximum_age": _age_text(e.maximum_age),
        "sex": e.sex,
        "healthy_volunteers": e.healthy_volunteers,
        "enrollment": t.enrollment_count,
        "last_update": t.last_update,
        "score": hit.score,
        "snippet": hit.snippet,
        "snippet_highlights": [list(m) for m in hit.snippet_highlights],
        "nearest_site": None
        if site is None
        else {
            "facility": site.facility,
            "city": site.city,
            "state": site.state,
            "country": site.country,
            "status": site.status,
            "distance_miles": site.distance_miles,
            "approximate_location": site.approximate,
        },
        "url": f"https://clinicaltrials.gov/study/{t.nct_id}",
    }


def result_as_dict(result: SearchResult) -> dict:
    q = result.query
    place = result.place
    return {
        "query": {
            "text": q.text,
            "statuses": q.statuses,
            "age": q.age,
            "sex": q.sex,
            "phases": q.phases,
            "study_types": q.study_types,
            "healthy_volunteers": q.healthy_volunteers,
            "intervention_types": q.intervention_types,
            "near": q.near if isinstance(q.near, str) else (q.near.label if q.near else None),
            "radius_miles": q.radius_miles if q.near else None,
            "sort": q.sort,
        },
        "place": None if place is None else {"label": place.label, "lat": place.lat, "lon": place.lon},
        "total": result.total,
        "page": q.page,
        "per_page": q.per_page,
        "pages": result.pages,
        "relaxed": result.relaxed,
        "corrected_text": result.corrected_text,
        "suggestion": result.suggestion,
        "synonyms": result.synonyms,
        "results": [hit_as_dict(h) for h in result.hits],
    }
