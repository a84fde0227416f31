"""The embedded SQLite store: trials, their raw records, sites, full-text index, quarantine.

One :class:`Store` per process (the web app shares it read-only across threads). Writes go
through :meth:`Store.ingest`, one transaction per call, so a killed load or sync never leaves
a half-written trial, and a sync's checkpoint commits together with the page it describes.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import orjson

from ..model import INTERVENTION_TYPES, PHASES, Trial
from ..sources import FORMAT_JSON, FORMAT_XML, utc_now
from . import schema
from .codec import pack, unpack
from .sitegeo import site_point

__all__ = ["Store", "Quarantined", "IngestCounts", "QuarantineEntry", "PreparedTrial", "prepare", "OPEN_STATUSES", "SPELLING_META", "LLMPlainEntry"]

# When two copies of a trial carry the same last-update date, the richer format wins
# (API v2 JSON has coordinates and newer fields that the 2023 XML lacks).
_FORMAT_RANK = {FORMAT_XML: 0, FORMAT_JSON: 1}
# Where a broken record says whose it is: its own id field first (whatever its digits),
# then a bulk file name ("NCT00000102.xml"); a record's text mentions other trials' ids too.
_OWN_ID = re.compile(
    rb'"identificationModule"\s*:\s*\{[^{}]*?"nctId"\s*:\s*"(NCT\d+)"|<id_info>\s*(?:<[^>]+>[^<]*</[^>]+>\s*)*?<nct_id>\s*(NCT\d+)\s*</nct_id>'
)
_ID_IN_NAME = re.compile(r"(NCT\d{8})[^/!]*$")
_PHASE_BIT = {p: 1 << i for i, p in enumerate(PHASES)}
_INTERVENTION_BIT = {t: 1 << i for i, t in enumerate(INTERVENTION_TYPES)}
_WORD = re.compile(r"[a-z0-9]{4,}")
# meta key whose value changes whenever spelling_words is rebuilt (Store.refresh_spelling)
SPELLING_META = "spelling_words"


@dataclass(slots=True)
class Quarantined:
    """A record we could not read, kept whole with the reason."""

    origin: str
    fmt: str
    reason: str
    data: bytes


@dataclass(slots=True)
class QuarantineEntry:
    origin: str
    fmt: str | None
    nct_id: str | None
    reason: str
    quarantined_at: str
    size: int


@dataclass(slots=True)
class IngestCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    older_skipped: int = 0  # a newer copy was already stored
    quarantined: int = 0

    def __add__(self, other: IngestCounts) -> IngestCounts:
        return IngestCounts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(slots=True)
class LLMPlainEntry:
    """One cached LLM rewrite of a trial's criteria (table ``llm_plain``, schema version 3)."""

    source_hash: str
    model: str
    prompt_version: str
    result: dict  # the accepted rewrites, as plain_cache writes them
    accepted: int
    rejected: int
    created_at: str


def phase_mask(phases: Iterable[str]) -> int:
    mask = 0
    for p in phases:
        mask |= _PHASE_BIT.get(p, 0)
    return mask


def intervention_mask(types: Iterable[str | None]) -> int:
    mask = 0
    for t in types:
        mask |= _INTERVENTION_BIT.get(t or "", 0)
    return mask


# Statuses of trials a person can still join: their sites also go in open_sites_rtree.
OPEN_STATUSES = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE"})


def site_key(trial_id: int, idx: int, recruiting: bool) -> int:
    """R*Tree id of a site: trial, whether the site is recruiting, its index in Trial.sites."""
    return (trial_id << (schema.SITE_INDEX_BITS + 1)) | (int(recruiting) << schema.SITE_INDEX_BITS) | idx


def split_site_key(key: int) -> tuple[int, int, bool]:
    bits = schema.SITE_INDEX_BITS
    return key >> (bits + 1), key & ((1 << bits) - 1), bool(key >> bits & 1)


def guess_nct_id(q: Quarantined) -> str | None:
    m = _OWN_ID.search(q.data[:65536])
    if m:
        return (m.group(1) or m.group(2)).decode()
    m = _ID_IN_NAME.search(q.origin)
    return m.group(1) if m else None


def encode_trial(trial: Trial) -> bytes:
    return pack(orjson.dumps(trial))


def decode_trial(blob: bytes) -> Trial:
    return Trial.from_dict(orjson.loads(unpack(blob)))


def normalise_phrase(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


@dataclass(slots=True)
class PreparedTrial:
    """A trial turned into the rows the store writes. Building it (serialising, compressing,
    placing sites, learning synonyms) is pure CPU work that the loader can run in worker
    processes, leaving only the SQLite writes to the single writer."""

    nct_id: str
    overall_status: str | None
    last_update: str | None
    fmt: str
    raw_sha256: str | None
    source_file: str | None
    row: tuple  # trials table values, in INSERT order
    raw_z: bytes | None
    sites: list[tuple]  # (idx, status, country, lat, lon, geo_source)
    text: tuple  # FTS columns
    synonyms: list[tuple[str, str]]
    aliases: list[str]


def prepare(trial: Trial, raw: bytes | None = None) -> PreparedTrial:
    prov = trial.provenance
    fmt = prov.source_format if prov else "unknown"
    sha = prov.raw_sha256 if prov else None
    elig = trial.eligibility
    row = (
        trial.nct_id,
        trial.brief_title,
        trial.overall_status,
        trial.study_type,
        phase_mask(trial.phases),
        intervention_mask(i.type for i in trial.interventions),
        elig.sex or "ALL",
        elig.minimum_age.years if elig.minimum_age else None,
        elig.maximum_age.years_until_too_old if elig.maximum_age else None,
        None if elig.healthy_volunteers is None else int(elig.healthy_volunteers),
        trial.enrollment_count,
        trial.last_update,
        trial.first_posted.date if trial.first_posted else None,
        fmt,
        prov.source_file if prov else None,
        sha,
        (prov.loaded_at if prov else None) or utc_now(),
        encode_trial(trial),
    )
    return PreparedTrial(
        nct_id=trial.nct_id,
        overall_status=trial.overall_status,
        last_update=trial.last_update,
        fmt=fmt,
        raw_sha256=sha,
        source_file=prov.source_file if prov else None,
        row=row,
        raw_z=pack(raw) if raw is not None else None,
        sites=[(i, s.status, s.country, *site_point(s)) for i, s in enumerate(trial.sites)],
        text=search_text(trial),
        synonyms=synonym_pairs(trial),
        aliases=list(trial.aliases),
    )


def synonym_pairs(trial: Trial) -> list[tuple[str, str]]:
    """(condition as typed, MeSH term) pairs this trial teaches: "heart attack" → MI."""
    if not trial.mesh_conditions or not trial.conditions:
        return []
    meshes = [(m, normalise_phrase(m)) for m in trial.mesh_conditions]
    single = len(trial.conditions) == 1
    pairs = set()
    for cond in trial.conditions:
        phrase = normalise_phrase(cond)
        if not phrase or len(phrase) > 80:
            continue
        words = set(_WORD.findall(phrase))
        for mesh, mesh_norm in meshes:
            if phrase == mesh_norm:
                continue
            # A lone condition is what the MeSH terms were derived from; with several,
            # pair only those that share a word ("breast cancer" ~ "breast neoplasms").
            if single or words & set(_WORD.findall(mesh_norm)):
                pairs.add((phrase, mesh))
    return sorted(pairs)


class Store:
    """A cleartrial database file (``":memory:"`` works for tests)."""

    def __init__(self, path: str | Path, *, readonly: bool = False):
        self.path = str(path)
        if readonly:
            uri = Path(self.path).resolve().as_uri() + "?mode=ro"
            self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self.conn = sqlite3.connect(self.path, check_same_thread=False)
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.conn.execute("PRAGMA temp_store = MEMORY")
        self.conn.execute("PRAGMA cache_size = -65536")  # 64 MiB page cache
        self.conn.execute("PRAGMA mmap_size = 1073741824")
        if not readonly:
            if self.path != ":memory:":
                self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.schema_version = schema.migrate(self.conn)
        else:
            self.schema_version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        self._lock = threading.RLock()

    # -- life cycle -------------------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------
    def ingest(
        self,
        items: Iterable[Trial | tuple[Trial, bytes] | PreparedTrial | Quarantined],
        *,
        checkpoint: tuple[str, dict] | None = None,
    ) -> IngestCounts:
        """Store trials (optionally with their raw bytes) and quarantined records, atomically.

        A trial replaces the stored copy only when it is not older (by the registry's own
        last-update date); the same date with the same raw hash counts as unchanged.
        """
        counts = IngestCounts()
        with self._lock, self.conn:
            cur = self.conn.cursor()
            for item in items:
                if isinstance(item, Quarantined):
                    self._quarantine(cur, item)
                    counts.quarantined += 1
                    continue
                if not isinstance(item, PreparedTrial):
                    item = prepare(*item) if isinstance(item, tuple) else prepare(item)
                outcome = self._upsert(cur, item)
                setattr(counts, outcome, getattr(counts, outcome) + 1)
            if checkpoint is not None:
                key, state = checkpoint
                cur.execute(
                    "INSERT OR REPLACE INTO sync_checkpoints(key, state, updated_at) VALUES (?, ?, ?)",
                    (key, orjson.dumps(state).decode(), utc_now()),
                )
        return counts

    def _upsert(self, cur: sqlite3.Cursor, p: PreparedTrial) -> str:
        row = cur.execute(
            "SELECT id, last_update, raw_sha256, source_format FROM trials WHERE nct_id = ?",
            (p.nct_id,),
        ).fetchone()
        if row is None:
            cur.execute(
                "INSERT INTO trials(nct_id, brief_title, overall_status, study_type, phase_mask,"
                " intervention_mask, sex, min_age_years, too_old_years, healthy_volunteers,"
                " enrollment, last_update, first_posted, source_format, source_file, raw_sha256,"
                " loaded_at, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                p.row,
            )
            trial_id = cur.lastrowid
            outcome = "new"
            if p.synonyms:
                cur.executemany(
                    "INSERT INTO condition_synonyms(phrase, mesh_term, support) VALUES (?, ?, 1)"
                    " ON CONFLICT(phrase, mesh_term) DO UPDATE SET support = support + 1",
                    p.synonyms,
                )
        else:
            trial_id, old_date, old_sha, old_fmt = row
            if p.raw_sha256 is not None and p.raw_sha256 == old_sha:
                return "unchanged"
            if _is_older(p.last_update, old_date, p.fmt, old_fmt):
                return "older_skipped"
            cur.execute(
                "UPDATE trials SET nct_id=?, brief_title=?, overall_status=?, study_type=?,"
                " phase_mask=?, intervention_mask=?, sex=?, min_age_years=?, too_old_years=?,"
                " healthy_volunteers=?, enrollment=?, last_update=?, first_posted=?,"
                " source_format=?, source_file=?, raw_sha256=?, loaded_at=?, doc=? WHERE id=?",
                (*p.row, trial_id),
            )
            cur.execute("DELETE FROM sites WHERE trial_id = ?", (trial_id,))
            first, last = site_key(trial_id, 0, False), site_key(trial_id + 1, 0, False) - 1
            cur.execute("DELETE FROM sites_rtree WHERE id BETWEEN ? AND ?", (first, last))
            cur.execute("DELETE FROM open_sites_rtree WHERE id BETWEEN ? AND ?", (first, last))
            cur.execute("DELETE FROM trial_text WHERE id = ?", (trial_id,))
            outcome = "updated"
        if p.raw_z is not None:
            cur.execute(
                "INSERT OR REPLACE INTO raw_records(trial_id, fmt, data) VALUES (?, ?, ?)",
                (trial_id, p.fmt, p.raw_z),
            )
        if p.sites:
            cur.executemany(
                "INSERT INTO sites(trial_id, idx, status, country, lat, lon, geo_source) VALUES (?,?,?,?,?,?,?)",
                [(trial_id, *site) for site in p.sites],
            )
            points = [
                (site_key(trial_id, idx, site_status == "RECRUITING"), lat, lat, lon, lon)
                for idx, site_status, _, lat, lon, _ in p.sites[: 1 << schema.SITE_INDEX_BITS]
                if lat is not None
            ]
            cur.executemany("INSERT INTO sites_rtree VALUES (?,?,?,?,?)", points)
            if p.overall_status in OPEN_STATUSES:
                cur.executemany("INSERT INTO open_sites_rtree VALUES (?,?,?,?,?)", points)
        cur.execute(
            "INSERT INTO trial_text(id, title, conditions, mesh, keywords, interventions, summary, criteria, facets)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (trial_id, *p.text),
        )
        if p.aliases or outcome == "updated":
            cur.execute("DELETE FROM nct_aliases WHERE trial_id = ?", (trial_id,))
            cur.executemany(
                "INSERT OR REPLACE INTO nct_aliases(alias, trial_id) VALUES (?, ?)",
                [(a, trial_id) for a in p.aliases if a != p.nct_id],
            )
        if p.source_file:
            cur.execute("DELETE FROM quarantine WHERE origin = ?", (p.source_file,))
        return outcome

    def _quarantine(self, cur: sqlite3.Cursor, q: Quarantined) -> None:
        cur.execute(
            "INSERT OR REPLACE INTO quarantine(origin, fmt, nct_id, reason, data, size, quarantined_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (q.origin, q.fmt, guess_nct_id(q), q.reason, pack(q.data), len(q.data), utc_now()),
        )

    # -- reading ----------------------------------------------------------------------------
    def get_trial(self, nct_id: str) -> Trial | None:
        """The trial with this NCT id, or the one it was merged into (an alias)."""
        nct = nct_id.strip().upper()
        row = self.conn.execute("SELECT doc FROM trials WHERE nct_id = ?", (nct,)).fetchone()
        if row is None:
            row = self.conn.execute(
                "SELECT t.doc FROM nct_aliases a JOIN trials t ON t.id = a.trial_id WHERE a.alias = ?", (nct,)
            ).fetchone()
        return decode_trial(row[0]) if row else None

    def get_trials(self, trial_ids: list[int]) -> dict[int, Trial]:
        """Trials by internal id (search results), in one query."""
        if not trial_ids:
            return {}
        marks = ",".join("?" * len(trial_ids))
        rows = self.conn.execute(f"SELECT id, doc FROM trials WHERE id IN ({marks})", trial_ids)
        return {tid: decode_trial(doc) for tid, doc in rows}

    def get_raw(self, nct_id: str) -> tuple[str, bytes] | None:
        row = self.conn.execute(
            "SELECT r.fmt, r.data FROM raw_records r JOIN trials t ON t.id = r.trial_id WHERE t.nct_id = ?",
            (nct_id.upper(),),
        ).fetchone()
        return (row[0], unpack(row[1])) if row else None

    def iter_nct_ids(self, statuses: Iterable[str] | None = None) -> Iterator[str]:
        """Every stored NCT id in order; with ``statuses``, only trials in one of them."""
        wanted = list(statuses or [])
        if not wanted:
            rows = self.conn.execute("SELECT nct_id FROM trials ORDER BY nct_id")
        else:
            marks = ",".join("?" * len(wanted))
            rows = self.conn.execute(
                f"SELECT nct_id FROM trials WHERE overall_status IN ({marks}) ORDER BY nct_id", wanted
            )
        for (nct,) in rows:
            yield nct

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM trials").fetchone()[0]

    def quarantined(self, limit: int | None = None) -> list[QuarantineEntry]:
        sql = "SELECT origin, fmt, nct_id, reason, quarantined_at, size FROM quarantine ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [QuarantineEntry(*row) for row in self.conn.execute(sql)]

    def quarantined_data(self, origin: str) -> bytes | None:
        row = self.conn.execute("SELECT data FROM quarantine WHERE origin = ?", (origin,)).fetchone()
        return unpack(row[0]) if row else None

    def stats(self) -> dict:
        c = self.conn
        by_status = dict(
            c.execute(
                "SELECT coalesce(overall_status, 'NOT_STATED'), count(*) FROM trials GROUP BY 1 ORDER BY 2 DESC"
            ).fetchall()
        )
        by_format = dict(c.execute("SELECT source_format, count(*) FROM trials GROUP BY 1").fetchall())
        last_sync = self.get_meta("last_sync")
        last_load = self.get_meta("last_load")
        return {
            "trials": sum(by_status.values()),
            "by_status": by_status,
            "by_source_format": by_format,
            "sites": c.execute("SELECT count(*) FROM sites").fetchone()[0],
            "sites_with_coordinates": c.execute("SELECT count(*) FROM sites WHERE lat IS NOT NULL").fetchone()[0],
            "quarantined": c.execute("SELECT count(*) FROM quarantine").fetchone()[0],
            "newest_record_update": c.execute("SELECT max(last_update) FROM trials").fetchone()[0],
            "last_load": orjson.loads(last_load) if last_load else None,
            "last_sync": orjson.loads(last_sync) if last_sync else None,
            "schema_version": self.schema_version,
            "database": self.path,
        }

    # -- sync checkpoints and metadata ------------------------------------------------------
    def get_checkpoint(self, key: str) -> dict | None:
        row = self.conn.execute("SELECT state FROM sync_checkpoints WHERE key = ?", (key,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def delete_checkpoint(self, key: str) -> None:
        with self._lock, self.conn:
            self.conn.execute("DELETE FROM sync_checkpoints WHERE key = ?", (key,))

    def set_meta(self, key: str, value: str) -> None:
        with self._lock, self.conn:
            self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # -- cached LLM rewrites (schema version 3) ------------------------------------------------
    def get_llm_plain(self, source_hash: str, prompt_version: str, model: str | None = None) -> LLMPlainEntry | None:
        """The cached rewrite for this criteria text and prompt version, from ``model``, or
        (model None) the newest from any model. None when there is none."""
        sql = ("SELECT source_hash, model, prompt_version, result, accepted, rejected, created_at"
               " FROM llm_plain WHERE source_hash = ? AND prompt_version = ?")
        args: tuple = (source_hash, prompt_version)
        if model is not None:
            sql += " AND model = ?"
            args += (model,)
        sql += " ORDER BY created_at DESC, model LIMIT 1"
        try:
            row = self.conn.execute(sql, args).fetchone()
        except sqlite3.OperationalError as exc:
            # A database opened read-only before it was upgraded has no such table: that
            # means "nothing cached", not a broken page.
            if "no such table" in str(exc):
                return None
            raise
        if row is None:
            return None
        return LLMPlainEntry(row[0], row[1], row[2], orjson.loads(row[3]), row[4], row[5], row[6])

    def put_llm_plain(self, source_hash: str, model: str, prompt_version: str, result: dict,
                      *, accepted: int, rejected: int) -> None:
        """Store (or replace) the accepted rewrite for this criteria text, model and prompt."""
        with self._lock, self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO llm_plain(source_hash, model, prompt_version, result, accepted,"
                " rejected, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (source_hash, model, prompt_version, orjson.dumps(result).decode(), accepted, rejected, utc_now()),
            )

    def refresh_spelling(self) -> int:
        """Rebuild the spelling vocabulary (``spelling_words``) from the trials stored now and
        return how many words it holds. A load or a sync calls it once, at the end.

        The words come from ``spelling_fts``, which triggers keep in step with every write,
        so this only copies that index's term list (with each term's trial count) into a small
        table: about half a second at 560,000 trials, however many of them changed.
        """
        with self._lock, self.conn:
            self.conn.execute("DELETE FROM spelling_words")
            words = self.conn.execute(schema.FILL_SPELLING_WORDS).rowcount
            # A new value on every refresh: a corrector built from the old table, in this
            # process or another one, sees that it changed and rebuilds (cleartrial._spelling).
            self.conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                (SPELLING_META, f"{utc_now()} {uuid.uuid4().hex} {words}"),
            )
        return words

    def optimize(self) -> None:
        """Merge FTS segments and refresh planner statistics (after a large load)."""
        with self._lock, self.conn:
            self.conn.execute("INSERT INTO trials_fts(trials_fts) VALUES ('optimize')")
            self.conn.execute("INSERT INTO spelling_fts(spelling_fts) VALUES ('optimize')")
        self.conn.execute("PRAGMA optimize")


def _is_older(new_date: str | None, old_date: str | None, fmt: str, old_fmt: str) -> bool:
    if new_date and old_date and new_date != old_date:
        # Registry dates are ISO ("2023-02" or "2023-02-15"): string order is date order
        # except month-only vs day; compare on the common prefix so "2023-02" == "2023-02-15".
        n = min(len(new_date), len(old_date))
        if new_date[:n] != old_date[:n]:
            return new_date[:n] < old_date[:n]
    if not new_date and old_date:
        return True  # an undated copy never replaces a dated one
    if new_date and not old_date:
        return False
    return _FORMAT_RANK.get(fmt, 0) < _FORMAT_RANK.get(old_fmt, 0)


def search_text(trial: Trial) -> tuple[str, ...]:
    """The text of each FTS column for a trial (order of schema.FTS_COLUMNS)."""
    elig = trial.eligibility
    interventions: list[str] = []
    for i in trial.interventions:
        if i.name:
            interventions.append(i.name)
        interventions.extend(i.other_names)
    interventions.extend(trial.mesh_interventions)
    return (
        " | ".join(t for t in (trial.brief_title, trial.official_title, trial.acronym) if t),
        " | ".join(trial.conditions),
        " | ".join(trial.mesh_conditions + trial.mesh_condition_ancestors),
        " | ".join(trial.keywords),
        " | ".join(dict.fromkeys(interventions)),
        # The brief summary only: detailed descriptions are long protocol prose that would
        # nearly double the index (and load time) while adding little a patient searches for.
        trial.brief_summary or "",
        "\n\n".join(t for t in (elig.criteria, elig.study_population) if t),
        " ".join(facet_tokens(trial)),
    )


# -- facet tokens ---------------------------------------------------------------------------
# Lower-case letters and digits only, so the tokenizer keeps each one whole; the "zq" prefix
# keeps them from colliding with real words (and they live in their own column anyway).
# Only values that narrow a search a lot get a token (search._facet_expr explains why).


def facet(kind: str, value: str | int) -> str:
    return "zq" + kind + re.sub(r"[^a-z0-9]", "", str(value).lower())


def facet_tokens(trial: Trial) -> list[str]:
    hv = trial.eligibility.healthy_volunteers
    tokens = [
        facet("st", trial.overall_status or "none"),
        facet("ty", trial.study_type or "none"),
        facet("hv", {True: 1, False: 0}.get(hv, "x")),
    ]
    tokens += [facet("ph", p) for p in trial.phases]
    return tokens
