"""The SQLite schema, as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied; opening a store applies the
missing ones in one transaction each. Never edit a migration that has shipped: add one.
"""

from __future__ import annotations

import sqlite3

# bm25 weights of the FTS columns, in column order (title counts most, criteria least):
# a word in the title or the condition list says far more about what a trial is about
# than the same word somewhere in the eligibility criteria.
FTS_COLUMNS = ("title", "conditions", "mesh", "keywords", "interventions", "summary", "criteria", "facets")
FTS_WEIGHTS = (10.0, 8.0, 6.0, 4.0, 4.0, 2.0, 1.0, 0.0)
TEXT_COLUMNS = FTS_COLUMNS[:-1]  # what a person's words are matched against
SITE_INDEX_BITS = 20  # R*Tree ids: trial_id << 21 | recruiting << 20 | index (< 1M sites a trial)

MIGRATIONS: list[str] = [
    # 1: trials, raw records, sites, FTS, quarantine, sync state
    """
    CREATE TABLE trials (
        id INTEGER PRIMARY KEY,
        nct_id TEXT NOT NULL UNIQUE,
        brief_title TEXT,
        overall_status TEXT,
        study_type TEXT,
        phase_mask INTEGER NOT NULL DEFAULT 0,         -- bit per model.PHASES entry
        intervention_mask INTEGER NOT NULL DEFAULT 0,  -- bit per model.INTERVENTION_TYPES entry
        sex TEXT NOT NULL DEFAULT 'ALL',
        min_age_years REAL,                            -- NULL: no lower age limit
        too_old_years REAL,                            -- NULL: no upper age limit; else the
                                                       -- age from which a person is past it
        healthy_volunteers INTEGER,                    -- 1 yes, 0 no, NULL not stated
        enrollment INTEGER,
        last_update TEXT,                              -- registry's last update posted
        first_posted TEXT,
        source_format TEXT NOT NULL,
        source_file TEXT,
        raw_sha256 TEXT,
        loaded_at TEXT NOT NULL,
        doc BLOB NOT NULL                              -- zstd(orjson(Trial))
    );
    CREATE INDEX trials_status ON trials(overall_status);
    CREATE INDEX trials_last_update ON trials(last_update);

    CREATE TABLE raw_records (
        trial_id INTEGER PRIMARY KEY REFERENCES trials(id) ON DELETE CASCADE,
        fmt TEXT NOT NULL,
        data BLOB NOT NULL                             -- zstd(exact source bytes)
    );

    CREATE TABLE sites (
        trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,                          -- position in Trial.sites
        status TEXT,
        country TEXT,
        lat REAL,
        lon REAL,
        geo_source TEXT,                               -- 'registry' or 'gazetteer'
        PRIMARY KEY (trial_id, idx)
    ) WITHOUT ROWID;
    -- R*Trees over site points, for "near a place" when many trials qualify: they find the
    -- sites inside a box directly, where a (lat, lon) index would scan a whole latitude band
    -- around the world. The id packs everything the search needs, so it reads no other
    -- table per site (auxiliary columns cost a lookup each: a second for 165,000 sites):
    -- id = trial_id << 21 | recruiting_site << 20 | site index (see store.site_key).
    -- open_sites_rtree holds only trials a person can still join (store.OPEN_STATUSES),
    -- which is what most searches ask for, and is far smaller.
    CREATE VIRTUAL TABLE sites_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon);
    CREATE VIRTUAL TABLE open_sites_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon);

    -- Text that search ranks and snippets come from; trials_fts indexes it (external content).
    -- "facets" holds filter tokens (status, phase, study type, healthy volunteers): those
    -- filters then run inside FTS5, which seeks through a short list instead of ranking
    -- every match of a common word and discarding most of them afterwards.
    CREATE TABLE trial_text (
        id INTEGER PRIMARY KEY,                        -- = trials.id
        title TEXT, conditions TEXT, mesh TEXT, keywords TEXT,
        interventions TEXT, summary TEXT, criteria TEXT, facets TEXT
    );
    CREATE VIRTUAL TABLE trials_fts USING fts5(
        title, conditions, mesh, keywords, interventions, summary, criteria, facets,
        content='trial_text', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER trial_text_ai AFTER INSERT ON trial_text BEGIN
        INSERT INTO trials_fts(rowid, title, conditions, mesh, keywords, interventions, summary, criteria, facets)
        VALUES (new.id, new.title, new.conditions, new.mesh, new.keywords, new.interventions, new.summary, new.criteria, new.facets);
    END;
    CREATE TRIGGER trial_text_ad AFTER DELETE ON trial_text BEGIN
        INSERT INTO trials_fts(trials_fts, rowid, title, conditions, mesh, keywords, interventions, summary, criteria, facets)
        VALUES ('delete', old.id, old.title, old.conditions, old.mesh, old.keywords, old.interventions, old.summary, old.criteria, old.facets);
    END;

    -- What people type for a condition, mapped to the MeSH term the registry derived for it
    -- ("heart attack" -> "Myocardial Infarction"); learnt from the records themselves.
    CREATE TABLE condition_synonyms (
        phrase TEXT NOT NULL,                          -- normalised condition text
        mesh_term TEXT NOT NULL,
        support INTEGER NOT NULL DEFAULT 0,            -- how many trials pair them
        PRIMARY KEY (phrase, mesh_term)
    ) WITHOUT ROWID;

    -- Older NCT ids the registry merged into a trial ("nct_alias"), so they still find it.
    CREATE TABLE nct_aliases (
        alias TEXT PRIMARY KEY,
        trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE
    ) WITHOUT ROWID;

    CREATE TABLE quarantine (
        id INTEGER PRIMARY KEY,
        origin TEXT NOT NULL UNIQUE,                   -- file (and member) it came from
        fmt TEXT,
        nct_id TEXT,                                   -- best guess, may be NULL
        reason TEXT NOT NULL,
        data BLOB NOT NULL,                            -- zstd(exact bytes)
        size INTEGER NOT NULL,                         -- bytes before compression
        quarantined_at TEXT NOT NULL
    );

    CREATE TABLE sync_checkpoints (
        key TEXT PRIMARY KEY,
        state TEXT NOT NULL,                           -- JSON
        updated_at TEXT NOT NULL
    );

    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2: spelling vocabulary, for correcting misspelt search words ("diabtes" -> "diabetes")
    """
    -- The words of what trials are about (conditions, MeSH condition terms, keywords,
    -- intervention names), unstemmed, case and accents folded like trials_fts. Kept in
    -- step with trial_text by triggers, so every write path maintains it. It exists so that
    -- Store.refresh_spelling can count words in C (fts5vocab) instead of re-tokenising every
    -- trial in Python: at 560,000 trials streaming trial_text took 14 s with a warm cache
    -- and 80 s cold, the vocabulary of this index 0.4 s. detail='none' keeps it small
    -- (rowids only: 13 MB at that size), as nothing ever runs a phrase query against it.
    CREATE VIRTUAL TABLE spelling_fts USING fts5(
        conditions, mesh, keywords, interventions,
        content='trial_text', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', detail='none'
    );
    CREATE VIRTUAL TABLE spelling_terms USING fts5vocab(spelling_fts, row);
    CREATE TRIGGER trial_text_spelling_ai AFTER INSERT ON trial_text BEGIN
        INSERT INTO spelling_fts(rowid, conditions, mesh, keywords, interventions)
        VALUES (new.id, new.conditions, new.mesh, new.keywords, new.interventions);
    END;
    CREATE TRIGGER trial_text_spelling_ad AFTER DELETE ON trial_text BEGIN
        INSERT INTO spelling_fts(spelling_fts, rowid, conditions, mesh, keywords, interventions)
        VALUES ('delete', old.id, old.conditions, old.mesh, old.keywords, old.interventions);
    END;
    -- An existing database: index the trials it already holds.
    INSERT INTO spelling_fts(spelling_fts) VALUES ('rebuild');

    -- The vocabulary the spelling corrector reads: each word and how many trials hold it.
    -- A snapshot of spelling_terms, refreshed at the end of a load or sync
    -- (Store.refresh_spelling), so a search reads a small table, never the index.
    CREATE TABLE spelling_words (
        word TEXT PRIMARY KEY,
        trials INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO spelling_words(word, trials) SELECT term, doc FROM spelling_terms
        WHERE length(term) >= 3 AND term NOT GLOB '*[^a-z]*';
    """,
    # 3: plain-English rewrites of eligibility criteria from an optional LLM, accepted ones only
    """
    -- What an LLM wrote for a trial's criteria and the faithfulness check accepted
    -- (explain/llm.py, plain_cache.py). Keyed by what the answer depends on: the criteria text
    -- (its SHA-256, so a changed record misses the cache and is recomputed), the model, and
    -- the prompt version (a new prompt recomputes everything). Not tied to trials.id: two
    -- trials with the same criteria text share a row, and a trial reloaded with the same text
    -- keeps it. Pages only ever read this table; `cleartrial explain --all` writes it.
    CREATE TABLE llm_plain (
        source_hash TEXT NOT NULL,                     -- sha256 hex of Eligibility.criteria
        model TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        result TEXT NOT NULL,                          -- JSON: the accepted rewrites
        accepted INTEGER NOT NULL,                     -- criteria whose rewrite passed the check
        rejected INTEGER NOT NULL,                     -- criteria whose rewrite failed it
        created_at TEXT NOT NULL,                      -- UTC ISO timestamp
        PRIMARY KEY (source_hash, model, prompt_version)
    ) WITHOUT ROWID;
    """,
    # 4: openFDA answers (drug label highlights and FAERS counts) per drug name, with a time-to-live
    """
    -- What openFDA said about one drug name (fda/cache.py): the parts of its label a page
    -- shows and the FAERS report counts, or that it has no label under that name. Pages read
    -- this table and never wait on the FDA; `cleartrial fda refresh` and a page's first view
    -- write it. Keyed by the normalised name we looked up (fda/names.py), not by trial: every
    -- trial naming "zolpidem" shares one row. An expired row is still shown (with its date)
    -- until a new answer replaces it.
    CREATE TABLE fda_drugs (
        name TEXT PRIMARY KEY,                         -- normalised drug name, e.g. 'zolpidem'
        found INTEGER NOT NULL,                        -- 1: a label matched; 0: no FDA label
        data BLOB,                                     -- zstd(orjson(fda.lookup.fetch())) when found
        fetched_at TEXT NOT NULL,                      -- UTC ISO time of openFDA's answer
        expires_at TEXT NOT NULL                       -- UTC ISO time after which to ask again
    ) WITHOUT ROWID;
    """,
]

# What Store.refresh_spelling writes into spelling_words (migration 2 fills it the same way;
# the migration keeps its own copy, as a shipped migration never changes): words of three or
# more letters. The tokenizer has already folded case and accents, so letters are a-z; a
# token holding a digit (covid19, h1n1) or written in another script is left out, and such
# words are never corrected.
FILL_SPELLING_WORDS = (
    "INSERT INTO spelling_words(word, trials) SELECT term, doc FROM spelling_terms"
    " WHERE length(term) >= 3 AND term NOT GLOB '*[^a-z]*'"
)


def migrate(conn: sqlite3.Connection) -> int:
    """Apply missing migrations; return the schema version now in force."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"this database has schema version {version}, newer than this cleartrial "
            f"({len(MIGRATIONS)}): upgrade cleartrial or use another --db"
        )
    for number in range(version, len(MIGRATIONS)):
        # One transaction per migration: a failed one leaves the previous version intact.
        conn.executescript(f"BEGIN; {MIGRATIONS[number]}; PRAGMA user_version = {number + 1}; COMMIT;")
    return len(MIGRATIONS)
