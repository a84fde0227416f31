"""Spelling correction of search words: the vocabulary table, the corrector, search and CLI.

Real records (the shared corpus) show that common misspellings find what the right spelling
finds and that no word the trials use is ever "corrected"; small synthetic stores pin down
each rule exactly.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
import zipfile
from collections import Counter

import pytest
from fake_ctgov import _no_proxy, ctgov_server, fake  # noqa: F401  (fixtures)
from typer.testing import CliRunner

from cleartrial import _spelling
from cleartrial.cli import app
from cleartrial.loader import load_paths
from cleartrial.model import Intervention, PartialDate, Trial
from cleartrial.search import SearchQuery, result_as_dict, search
from cleartrial.sources import FORMAT_JSON, stamp_provenance
from cleartrial.sources.ctgov_api import CtgovClient
from cleartrial.store import Store, decode_trial, schema
from cleartrial.sync import run_sync


# -- helpers --------------------------------------------------------------------------------

def make(nct, *, title="A study", conditions=(), keywords=(), drugs=(), summary=None, criteria=None,
         status="RECRUITING", updated="2024-01-01") -> tuple[Trial, bytes]:
    t = Trial(
        nct_id=nct, brief_title=title, overall_status=status, study_type="INTERVENTIONAL",
        conditions=list(conditions), keywords=list(keywords), brief_summary=summary,
        interventions=[Intervention(type="DRUG", name=d) for d in drugs],
        last_update_posted=PartialDate(updated),
    )
    t.eligibility.criteria = criteria
    raw = (nct + updated + "|".join(conditions)).encode()
    stamp_provenance(t, raw, FORMAT_JSON, source_file=nct)
    return t, raw


def reference_vocabulary(trials) -> dict[str, int]:
    """The vocabulary by its definition, computed from the trials themselves (not from the
    store's text tables): words of 3+ letters a-z, case and accents folded, in conditions,
    MeSH condition terms, keywords and intervention names; the number of trials holding each."""
    counts: Counter[str] = Counter()
    for t in trials:
        texts = [*t.conditions, *t.mesh_conditions, *t.mesh_condition_ancestors, *t.keywords,
                 *t.mesh_interventions]
        for i in t.interventions:
            texts += [i.name or "", *i.other_names]
        words = set()
        for text in texts:
            for token in re.findall(r"[^\W_]+", text):
                decomposed = unicodedata.normalize("NFKD", token.lower())
                word = "".join(c for c in decomposed if not unicodedata.combining(c))
                if len(word) >= 3 and word.isascii() and word.isalpha():
                    words.add(word)
        counts.update(words)
    return dict(counts)


def vocabulary_table(store: Store) -> dict[str, int]:
    return dict(store.conn.execute("SELECT word, trials FROM spelling_words"))


def all_ids(store, text, **filters) -> set[str]:
    out, page = set(), 1
    while True:
        r = search(store, SearchQuery(text, page=page, per_page=100, **filters))
        out |= {h.nct_id for h in r.hits}
        if page >= r.pages:
            return out
        page += 1


SMALL = [
    make("NCT00000001", title="Alpha", conditions=["Diabetes Mellitus, Type 2"], drugs=["Metformin"],
         keywords=["Sjögren syndrome"], summary="A zebra crossing."),
    make("NCT00000002", title="Beta", conditions=["Diabetes", "COVID-19"], keywords=["H1N1 flu"],
         drugs=["Insulin glargine", "Metformin"]),
    make("NCT00000003", title="Gamma", conditions=["Hypertension"], criteria="No diabetes.",
         summary="Glargina is not used."),
]
SMALL_VOCABULARY = {
    "diabetes": 2, "mellitus": 1, "type": 1, "metformin": 2, "sjogren": 1, "syndrome": 1,
    "covid": 1, "flu": 1, "insulin": 1, "glargine": 1, "hypertension": 1,
}


@pytest.fixture
def small(tmp_path):
    with Store(tmp_path / "small.db") as s:
        s.ingest(SMALL)
        s.refresh_spelling()
        yield s


# -- the vocabulary table -------------------------------------------------------------------

def test_vocabulary_holds_the_words_trials_are_about(small):
    # Digits (COVID-19 → covid, H1N1 left out), accents (Sjögren), a word twice in one trial
    # (Metformin) counted once, titles, summaries and criteria (zebra, alpha) left out.
    assert vocabulary_table(small) == SMALL_VOCABULARY
    assert reference_vocabulary(t for t, _ in SMALL) == SMALL_VOCABULARY


def test_refresh_follows_new_updated_and_replaced_trials(small):
    small.ingest([make("NCT00000004", conditions=["Narcolepsy"])])
    assert "narcolepsy" not in vocabulary_table(small)  # only a refresh changes the table
    assert small.refresh_spelling() == len(SMALL_VOCABULARY) + 1
    assert vocabulary_table(small)["narcolepsy"] == 1
    # A newer copy of trial 3 replaces its words.
    small.ingest([make("NCT00000003", conditions=["Gout"], updated="2025-01-01")])
    small.refresh_spelling()
    table = vocabulary_table(small)
    assert "hypertension" not in table and table["gout"] == 1


def test_the_corrector_rebuilds_after_a_refresh(small):
    assert search(small, SearchQuery("narcolepy")).total == 0  # builds and caches the index
    small.ingest([make("NCT00000004", conditions=["Narcolepsy"])])
    small.refresh_spelling()
    r = search(small, SearchQuery("narcolepy"))
    assert r.corrected_text == "narcolepsy" and [h.nct_id for h in r.hits] == ["NCT00000004"]


def test_load_refreshes_the_vocabulary(tmp_path, json_zip):
    # Two single-study files from the shared JSON sample, loaded one after the other.
    with zipfile.ZipFile(json_zip) as zf:
        names = sorted(n for n in zf.namelist() if n.endswith(".json"))
        names = [names[1], names[-1]]  # the first sorts before them: the malformed record
        files = []
        for n in names:
            f = tmp_path / n.rsplit("/", 1)[-1]
            f.write_bytes(zf.read(n))
            files.append(f)
    with Store(tmp_path / "load.db") as store:
        load_paths(store, files[:1], workers=1)
        first = vocabulary_table(store)
        trials = [store.get_trial(n) for n in store.iter_nct_ids()]
        assert first and first == reference_vocabulary(trials)
        load_paths(store, files[1:], workers=1)
        trials = [store.get_trial(n) for n in store.iter_nct_ids()]
        assert len(trials) == 2
        second = vocabulary_table(store)
        assert second == reference_vocabulary(trials) and set(second) > set(first)
        assert "nsclc" in second and "nsclc" not in first


def test_sync_refreshes_the_vocabulary(fake, tmp_path):
    with Store(tmp_path / "sync.db") as store:
        with CtgovClient(fake.base_url, rate_per_minute=None, timeout=2.0, max_retries=0) as client:
            run_sync(store, client, page_size=10, max_studies=30)
        trials = [store.get_trial(n) for n in store.iter_nct_ids()]
        assert len(trials) == 30 - 1  # the sample's malformed record is quarantined
        assert vocabulary_table(store) == reference_vocabulary(trials)


# -- migration ------------------------------------------------------------------------------

@pytest.fixture
def version1_db(tmp_path, monkeypatch):
    """A database written by a cleartrial that knew schema version 1 only."""
    path = tmp_path / "v1.db"
    with monkeypatch.context() as m:
        m.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
        with Store(path) as s:
            s.ingest(SMALL)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name LIKE 'spelling%'").fetchall()
    conn.close()
    return path


def test_a_version_1_database_upgrades_with_its_vocabulary(version1_db):
    with Store(version1_db) as s:
        # Upgraded to the newest schema (2 added the spelling tables; later ones add others).
        assert s.schema_version == len(schema.MIGRATIONS) >= 2
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == len(schema.MIGRATIONS)
        assert vocabulary_table(s) == SMALL_VOCABULARY  # the trials already there
        r = search(s, SearchQuery("diabtes"))
        assert r.corrected_text == "diabetes"
        assert sorted(h.nct_id for h in r.hits) == ["NCT00000001", "NCT00000002"]
        # The triggers keep the spelling index in step from now on.
        s.ingest([make("NCT00000004", conditions=["Narcolepsy"])])
        s.refresh_spelling()
        assert vocabulary_table(s)["narcolepsy"] == 1
    with Store(version1_db) as s:  # opening again changes nothing
        assert s.schema_version == len(schema.MIGRATIONS) and vocabulary_table(s)["diabetes"] == 2


def test_a_version_1_database_opened_read_only_searches_without_corrections(version1_db):
    with Store(version1_db, readonly=True) as s:
        assert s.schema_version == 1
        r = search(s, SearchQuery("diabtes"))
        assert (r.total, r.corrected_text, r.suggestion) == (0, None, None)
        assert search(s, SearchQuery("diabetes")).total == 2


# -- the corrector's parts ------------------------------------------------------------------

@pytest.mark.parametrize("a,b,limit,expected", [
    ("diabetes", "diabetes", 2, 0),
    ("diabtes", "diabetes", 2, 1),          # a letter missing
    ("schizophrenai", "schizophrenia", 2, 1),  # two neighbours swapped
    ("leukemea", "leukemia", 2, 1),         # a wrong letter
    ("alzhiemerr", "alzheimer", 2, 2),      # swapped, and one extra
    ("kitten", "sitting", 3, 3),
    ("kitten", "sitting", 2, 3),            # more than the limit: limit + 1
    ("ca", "abc", 3, 3),                    # restricted form: a swapped pair is not edited again
])
def test_edit_distance(a, b, limit, expected):
    assert _spelling.edit_distance(a, b, limit) == expected
    assert _spelling.edit_distance(b, a, limit) == expected


def test_edit_budget_by_length():
    assert [_spelling.max_edits("x" * n) for n in (1, 3, 4, 5, 6, 12, 40, 41)] == [0, 0, 1, 1, 2, 2, 2, 0]
    assert _spelling.deletes("abc", 1) == {"abc", "bc", "ac", "ab"}
    assert _spelling.fold("Sjögren") == "sjogren"


def test_candidates_prefer_fewest_edits_then_most_trials():
    v = _spelling.Vocabulary([("cart", 100), ("care", 9), ("card", 9), ("scare", 50), ("carbon", 500)])
    assert len(v) == 5 and v.trials("cart") == 100 and v.trials("carts") == 0
    # One edit each: most trials first, then alphabetical.
    got = [(c.word, c.distance, c.trials) for c in v.candidates("carx", 1)]
    assert got == [("cart", 1, 100), ("card", 1, 9), ("care", 1, 9)]
    # Fewest edits beats most trials: "card" (one edit) before "cart" (two, 100 trials).
    got = [(c.word, c.distance) for c in v.candidates("caxrd", 2)]
    assert got == [("card", 1), ("cart", 2), ("care", 2)]


def test_rewriting_keeps_the_text_around_the_words(small):
    assert _spelling.correct(small, 'Diabtes, "metformn" (hypertensoin)') == 'Diabetes, "metformin" (hypertension)'
    assert _spelling.correct(small, "DIABTES") == "DIABETES"
    assert _spelling.correct(small, "diabtes*") is None  # a prefix is a stem on purpose
    assert _spelling.correct(small, "diabtes2") is None  # digits: a code, not spelling
    assert _spelling.correct(small, "diabetes metformin") is None


# -- search on a small store ----------------------------------------------------------------

def test_misspelt_words_are_corrected_when_nothing_matches(small):
    r = search(small, SearchQuery("diabtes"))
    assert r.corrected_text == "diabetes" and r.suggestion is None and not r.relaxed
    assert sorted(h.nct_id for h in r.hits) == ["NCT00000001", "NCT00000002"]  # not the criteria-only one
    d = result_as_dict(r)
    assert d["corrected_text"] == "diabetes" and d["suggestion"] is None and d["query"]["text"] == "diabtes"
    assert r.hits[0].snippet and "iabetes" in r.hits[0].snippet  # snippets from the searched words
    r = search(small, SearchQuery("Sjögrn syndrome"))
    assert r.corrected_text == "Sjogren syndrome" and [h.nct_id for h in r.hits] == ["NCT00000001"]


def test_short_words_and_far_words_are_left_alone(small):
    r = search(small, SearchQuery("flw"))  # 3 letters: never corrected, though "flu" is one edit
    assert (r.total, r.corrected_text) == (0, None)
    r = search(small, SearchQuery("typxx"))  # 5 letters, two edits from "type": one allowed
    assert (r.total, r.corrected_text) == (0, None)
    r = search(small, SearchQuery("tipe"))
    assert (r.corrected_text, [h.nct_id for h in r.hits]) == ("type", ["NCT00000001"])
    r = search(small, SearchQuery("xylophone"))  # no vocabulary word near it
    assert (r.total, r.corrected_text, r.relaxed) == (0, None, False)


def test_known_words_are_never_corrected_and_relaxing_works_as_before(small):
    # "glargina" is one edit from the vocabulary's "glargine", but a summary has it.
    assert _spelling.correct(small, "glargina") is None
    r = search(small, SearchQuery("glargina"))
    assert (r.corrected_text, [h.nct_id for h in r.hits]) == (None, ["NCT00000003"])
    # "zebra" is only in a summary, but a trial has it: not a typo. Nothing has both words,
    # so the search relaxes exactly as it did without spelling correction.
    r = search(small, SearchQuery("hypertension zebra"))
    assert r.relaxed and r.corrected_text is None
    assert sorted(h.nct_id for h in r.hits) == ["NCT00000001", "NCT00000003"]


def test_a_correction_that_still_finds_nothing_relaxes_the_corrected_words(small):
    r = search(small, SearchQuery("diabtes xylophone"))
    assert r.corrected_text == "diabetes xylophone" and r.relaxed
    # Any word, criteria included (trial 3: "No diabetes."), as relaxing always does.
    assert sorted(h.nct_id for h in r.hits) == ["NCT00000001", "NCT00000002", "NCT00000003"]


def test_filters_apply_to_the_corrected_text(small):
    r = search(small, SearchQuery("diabtes", statuses=["COMPLETED"]))
    assert (r.total, r.corrected_text) == (0, "diabetes")


@pytest.fixture
def asthma(tmp_path):
    """25 finished asthma trials, and one recruiting trial whose summary misspells it."""
    trials = [make(f"NCT1{i:07d}", conditions=["Asthma"], status="COMPLETED") for i in range(25)]
    trials.append(make("NCT20000000", conditions=["Cough"], summary="Children with asthmma."))
    with Store(tmp_path / "asthma.db") as s:
        s.ingest(trials)
        s.refresh_spelling()
        yield s


def test_did_you_mean_when_the_typo_finds_a_little_and_the_word_far_more(asthma):
    r = search(asthma, SearchQuery("asthmma"))
    assert [h.nct_id for h in r.hits] == ["NCT20000000"]  # what was typed is what is shown
    assert (r.suggestion, r.corrected_text) == ("asthma", None)
    assert result_as_dict(r)["suggestion"] == "asthma"
    assert search(asthma, SearchQuery("asthma")).suggestion is None
    # With the filter, "asthma" finds nothing more: no suggestion.
    r = search(asthma, SearchQuery("asthmma", statuses=["RECRUITING"]))
    assert r.total == 1 and r.suggestion is None


# -- CLI --------------------------------------------------------------------------------------

def test_cli_says_what_it_searched(small, asthma):
    runner = CliRunner()
    r = runner.invoke(app, ["--db", small.path, "search", "diabtes"])
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0] == "Showing results for “diabetes” (you typed “diabtes”)"
    assert "2 trials found." in r.stdout
    r = runner.invoke(app, ["--db", asthma.path, "search", "asthmma"])
    assert r.stdout.splitlines()[0] == "Did you mean “asthma”?"
    r = runner.invoke(app, ["--db", small.path, "search", "diabetes"])
    assert "Showing results" not in r.stdout and "Did you mean" not in r.stdout
    data = json.loads(runner.invoke(app, ["--db", small.path, "search", "diabtes", "--json"]).stdout)
    assert (data["corrected_text"], data["suggestion"], data["total"]) == ("diabetes", None, 2)


# -- the real corpus --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus(loaded_db):
    store = Store(loaded_db[0], readonly=True)
    yield store
    store.close()


@pytest.mark.parametrize("typed,meant", [
    ("diabtes", "diabetes"),
    ("alzeimer", "alzheimer"),
    ("leukemea", "leukemia"),
    ("breast cancr", "breast cancer"),
    ("schizophrenai", "schizophrenia"),
    ("Metformn", "Metformin"),
    ("pembrolizumb", "pembrolizumab"),
    ("alzhiemerr", "alzheimer"),
])
def test_misspellings_find_what_the_right_spelling_finds(corpus, typed, meant):
    r = search(corpus, SearchQuery(typed, per_page=100))
    assert r.corrected_text == meant and not r.relaxed and r.suggestion is None
    right = all_ids(corpus, meant)
    assert len(right) >= 3
    assert all_ids(corpus, typed) == right
    assert r.total == len(right)
    plain = search(corpus, SearchQuery(meant))
    assert plain.corrected_text is None and plain.suggestion is None


def test_the_vocabulary_is_what_the_trials_are_about(corpus):
    trials = [decode_trial(doc) for (doc,) in corpus.conn.execute("SELECT doc FROM trials")]
    table = vocabulary_table(corpus)
    assert table == reference_vocabulary(trials)
    assert len(table) > 8000 and table["diabetes"] > 100


def test_no_word_the_trials_use_is_ever_corrected(corpus):
    words = list(vocabulary_table(corpus))
    assert [w for w in words if _spelling.correct(corpus, w) is not None] == []
    # Drug names and spellings found only in summaries or criteria are in the index, so they
    # stand too, even one edit from a vocabulary word ("aciclovir" / "acyclovir").
    for word in ("aciclovir", "asprin", "pembrolizumab", "cisplatin", "tamoxifen"):
        assert _spelling.correct(corpus, word) is None, word
        assert search(corpus, SearchQuery(word)).corrected_text is None, word


def test_did_you_mean_on_real_records(corpus):
    # One record's criteria say "Plavix/asprin therapy"; 28 trials are about aspirin (at
    # least 5 times 1, and 10 more, as the rule asks).
    r = search(corpus, SearchQuery("asprin"))
    assert (r.total, r.corrected_text, r.suggestion) == (1, None, "aspirin")
    assert [h.nct_id for h in r.hits] == ["NCT00498069"]
    assert search(corpus, SearchQuery("aspirin")).total == 28
    for text in ("aspirin", "diabetes", "tremor", "dermatomyositis", "breast cancer", "hiv"):
        assert search(corpus, SearchQuery(text)).suggestion is None, text


def test_short_misspellings_are_not_corrected_on_real_records(corpus):
    r = search(corpus, SearchQuery("hvi"))  # "hiv" with two letters swapped: too short to doubt
    assert (r.total, r.corrected_text) == (0, None)
