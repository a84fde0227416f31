"""The ``cleartrial`` command line (Typer + Rich).

Every command that prints data has ``--json`` with a stable shape (docs/cli.md); without it,
output is for people: tables, words, and progress bars on long work.
"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path
from typing import Optional

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .errors import CleartrialError, CtgovAPIError, InvalidQuery, NoNetwork
from .model import to_dict
from .store import Store

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Find clinical trials and understand them.")
console = Console(stderr=True)
out = Console()

DEFAULT_DB = "cleartrial.db"
# What `make run` syncs into an empty database: the trials a person can act on now.
DEFAULT_SYNC_STATUSES = ["RECRUITING", "NOT_YET_RECRUITING"]


class _State:
    db: str = DEFAULT_DB


state = _State()


def _open_store(*, must_exist: bool = False) -> Store:
    """The database; commands that only read refuse to create an empty one by mistake."""
    if must_exist and state.db != ":memory:" and not Path(state.db).exists():
        _fail(
            f"No database at {state.db}. Load data first (cleartrial --db {state.db} load FILE) "
            "or point --db (or CLEARTRIAL_DB) at an existing one.",
            code=2,
        )
    return Store(state.db)


def _emit_json(data) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n")


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _print_version(value: bool) -> None:
    if value:
        out.print(f"cleartrial {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    db: Optional[str] = typer.Option(
        None, "--db", help="Database file (default: $CLEARTRIAL_DB, else ./cleartrial.db). Give it before the command.",
        show_default=False,
    ),
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
    ),
) -> None:
    state.db = db or os.environ.get("CLEARTRIAL_DB") or DEFAULT_DB


def _count_records(paths: list[Path]) -> int | None:
    """A cheap total for the progress bar: zip members and files; None if unknown."""
    total = 0
    for p in paths:
        if p.is_file() and zipfile.is_zipfile(p):
            with zipfile.ZipFile(p) as zf:
                total += sum(1 for n in zf.namelist() if n.lower().endswith((".xml", ".json")))
        elif p.is_file() and p.suffix.lower() == ".xml":
            total += 1
        else:
            return None  # JSON arrays/pages and directories: unknown until read
    return total


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def do_load(store: Store, paths: list[Path], *, quiet: bool = False):
    from .loader import load_paths

    total = _count_records(paths)
    with _progress() as bar:
        task = bar.add_task("Loading studies", total=total)

        def tick(n: int, origin: str) -> None:
            if n % 100 == 0:
                bar.update(task, completed=n)

        report = load_paths(store, paths, progress=tick)
        bar.update(task, completed=report.counts.total, total=report.counts.total)
    store.optimize()
    return report


@app.command()
def load(
    paths: list[Path] = typer.Argument(..., help="Bulk files, zips or directories (API v2 JSON or legacy XML)."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Load ClinicalTrials.gov bulk files into the database."""
    for p in paths:
        if not p.exists():
            _fail(f"{p}: no such file or directory.", code=2)
    with _open_store() as store:
        try:
            report = do_load(store, paths)
        except CleartrialError as exc:
            _fail(str(exc))
    if json_out:
        _emit_json(report.as_dict())
        return
    c = report.counts
    table = Table(title="Load summary", show_header=False)
    for label, value in [
        ("New trials", c.new),
        ("Updated", c.updated),
        ("Unchanged", c.unchanged),
        ("Skipped: a newer copy is stored", c.older_skipped),
        ("Quarantined (could not be read)", c.quarantined),
    ]:
        table.add_row(label, f"{value:,}")
    out.print(table)
    if report.quarantined:
        out.print("[bold]Quarantined records[/] (kept whole; see `cleartrial quarantine`):")
        for origin, reason in report.quarantined[:20]:
            out.print(f"  {origin}: {reason}", highlight=False)
        if len(report.quarantined) > 20:
            out.print(f"  … and {len(report.quarantined) - 20:,} more")
    if report.skipped_files:
        out.print(f"Files that are not study records were skipped: {', '.join(report.skipped_files[:5])}"
                  + (" …" if len(report.skipped_files) > 5 else ""), highlight=False)


def do_sync(store: Store, *, condition=None, term=None, statuses=None, since=None, max_studies=None):
    from .sources.ctgov_api import CtgovClient
    from .sync import run_sync

    with _progress() as bar:
        task = bar.add_task("Syncing from ClinicalTrials.gov", total=None)

        def tick(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        with CtgovClient() as client:
            result = run_sync(
                store,
                client,
                condition=condition,
                term=term,
                statuses=statuses,
                since=since,
                max_studies=max_studies,
                progress=tick,
            )
    store.optimize()
    return result


@app.command()
def sync(
    condition: Optional[str] = typer.Option(None, help="Condition or disease (query.cond)."),
    term: Optional[str] = typer.Option(None, help="Other words (query.term)."),
    status: Optional[list[str]] = typer.Option(None, "--status", help="Overall status; repeat for several."),
    since: Optional[str] = typer.Option(None, help="Only studies updated on or after this date (YYYY-MM-DD)."),
    max_studies: Optional[int] = typer.Option(None, "--max", help="Stop after this many studies."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Download studies from the live ClinicalTrials.gov API (resumable)."""
    from .search import normalise_statuses

    from .sync import sync_params

    try:
        # Check every value before touching the database, so bad input leaves no file behind.
        statuses = normalise_statuses(status)
        sync_params(condition=condition, term=term, statuses=statuses, since=since)
        if max_studies is not None and max_studies < 1:
            raise InvalidQuery(f"--max must be at least 1, got {max_studies}.")
        with _open_store() as store:
            result = do_sync(store, condition=condition, term=term, statuses=statuses, since=since, max_studies=max_studies)
    except NoNetwork as exc:
        _fail(f"{exc}\nWithout internet, load a bulk file instead: cleartrial load path/to/bulk.zip")
    except InvalidQuery as exc:
        _fail(str(exc), code=2)
    except CleartrialError as exc:
        _fail(str(exc))
    data = result.as_dict()
    if json_out:
        _emit_json(data)
        return
    c = result.counts
    out.print(f"Synced {result.studies:,} studies" + (f" of {result.total:,}" if result.total is not None else "")
              + f": {c.new:,} new, {c.updated:,} updated, {c.unchanged:,} unchanged, {c.quarantined:,} quarantined.")
    for note in result.notes:
        out.print(f"  {note}", highlight=False)


@app.command()
def search(
    query: str = typer.Argument("", help="Condition, treatment or keywords."),
    status: Optional[list[str]] = typer.Option(None, "--status", help="RECRUITING, NOT_YET_RECRUITING, …; repeat for several. Default: all."),
    age: Optional[float] = typer.Option(None, help="The person's age in years."),
    sex: Optional[str] = typer.Option(None, help="female or male."),
    phase: Optional[list[str]] = typer.Option(None, "--phase", help="early1, 1, 2, 3, 4 or na; repeat for several."),
    study_type: Optional[list[str]] = typer.Option(None, "--study-type", help="interventional, observational or expanded_access."),
    healthy_volunteers: Optional[bool] = typer.Option(None, "--healthy-volunteers/--no-healthy-volunteers", help="Only trials that take (or do not take) healthy volunteers."),
    intervention_type: Optional[list[str]] = typer.Option(None, "--intervention-type", help="drug, device, behavioral, …"),
    near: Optional[str] = typer.Option(None, help='A US ZIP, "City, ST" or "City, Country".'),
    radius_miles: float = typer.Option(100.0, "--radius-miles", help="Distance from --near."),
    sort: str = typer.Option("relevance", help="relevance, distance or newest."),
    page: int = typer.Option(1, help="Page of results."),
    limit: int = typer.Option(10, help="Results per page (at most 100)."),
    json_out: bool = typer.Option(False, "--json", help="Print results as JSON."),
) -> None:
    """Search the loaded trials."""
    from .search import SearchQuery, result_as_dict
    from .search import search as run_search

    q = SearchQuery(
        text=query, statuses=status, age=age, sex=sex, phases=phase, study_types=study_type,
        healthy_volunteers=healthy_volunteers, intervention_types=intervention_type, near=near,
        radius_miles=radius_miles, sort=sort, page=page, per_page=limit,
    )
    with _open_store(must_exist=True) as store:
        try:
            result = run_search(store, q)
        except CleartrialError as exc:
            _fail(str(exc), code=2)
    if json_out:
        _emit_json(result_as_dict(result))
        return
    _print_results(result)


def _print_results(result) -> None:
    from .words import age_range_words, phase_words, status_words

    # What the person typed goes out as plain text (markup=False): "[x]" is not Rich markup.
    if result.corrected_text:
        out.print(f"Showing results for “{result.corrected_text}” (you typed “{result.query.text}”)",
                  style="yellow", markup=False, highlight=False)
    elif result.suggestion:
        out.print(f"Did you mean “{result.suggestion}”?", style="yellow", markup=False, highlight=False)
    if result.relaxed:
        out.print("[yellow]No trial matched every word; these match some of them.[/]")
    where = f" within {result.query.radius_miles:g} miles of {result.place.label}" if result.place else ""
    out.print(f"[bold]{result.total:,}[/] trials found{where}.", highlight=False)
    for i, hit in enumerate(result.hits, start=(result.query.page - 1) * result.query.per_page + 1):
        t = hit.trial
        out.print(f"\n[bold]{i}. {t.brief_title or t.nct_id}[/]  [dim]{t.nct_id}[/]", highlight=False)
        out.print(
            f"   {status_words(t.overall_status)} · {phase_words(t.phases, t.study_type)} · {age_range_words(t.eligibility)}",
            highlight=False,
        )
        if t.conditions:
            out.print(f"   Conditions: {', '.join(t.conditions[:4])}", highlight=False)
        if hit.nearest_site:
            s = hit.nearest_site
            place = ", ".join(x for x in (s.facility, s.city, s.state, s.country) if x)
            approx = " (approximate)" if s.approximate else ""
            out.print(f"   Nearest site: {place} — {s.distance_miles:g} miles{approx}", highlight=False)
        if hit.snippet:
            out.print(f"   [dim]{hit.snippet}[/]", highlight=False)
    if result.pages > 1:
        out.print(f"\nPage {result.query.page} of {result.pages}. Use --page to see more.")


@app.command()
def show(
    nct_id: str = typer.Argument(..., help="NCT id, like NCT00000102."),
    json_out: bool = typer.Option(False, "--json", help="Print the normalized trial as JSON."),
    raw: bool = typer.Option(False, "--raw", help="Print the record exactly as it was read."),
) -> None:
    """Show one trial."""
    from .model import NCT_ID_RE

    nct = nct_id.strip().upper()
    if not NCT_ID_RE.match(nct):
        _fail(f'"{nct_id}" is not an NCT id. They look like NCT00000102: NCT and 8 digits.', code=2)
    with _open_store(must_exist=True) as store:
        if raw:
            got = store.get_raw(nct)
            if got is None:
                _fail(f"{nct} is not in this database ({state.db}).")
            sys.stdout.buffer.write(got[1])
            return
        trial = store.get_trial(nct)
    if trial is None:
        _fail(f"{nct} is not in this database ({state.db}). Load or sync it first.")
    if trial.nct_id != nct:
        console.print(f"{nct} was merged by the registry into {trial.nct_id}; showing that record.")
    if json_out:
        _emit_json(to_dict(trial))
        return
    _print_trial(trial)


def _print_trial(t) -> None:
    from .words import age_range_words, phase_words, sex_words, status_words

    out.print(f"[bold]{t.brief_title or t.nct_id}[/]  [dim]{t.nct_id}[/]", highlight=False)
    if t.official_title:
        out.print(f"[dim]{t.official_title}[/]", highlight=False)
    out.print(f"{status_words(t.overall_status)} · {phase_words(t.phases, t.study_type)} · last updated {t.last_update or 'not stated'}")
    e = t.eligibility
    out.print(f"Who can join: {age_range_words(e)}, {sex_words(e.sex)}"
              + (", healthy volunteers welcome" if e.healthy_volunteers else ""), highlight=False)
    if t.conditions:
        out.print(f"Conditions: {', '.join(t.conditions)}", highlight=False)
    if t.interventions:
        out.print("Tested: " + "; ".join(f"{i.name} ({(i.type or '').lower()})" for i in t.interventions), highlight=False)
    if t.brief_summary:
        out.print(f"\n{t.brief_summary}", highlight=False)
    if e.criteria:
        out.print(f"\n[bold]Eligibility criteria[/]\n{e.criteria}", highlight=False)
    if t.sites:
        out.print(f"\n[bold]Sites[/] ({len(t.sites)})")
        for s in t.sites[:10]:
            out.print("  " + ", ".join(x for x in (s.facility, s.city, s.state, s.country) if x)
                      + (f" — {status_words(s.status).lower()}" if s.status else ""), highlight=False)
        if len(t.sites) > 10:
            out.print(f"  … and {len(t.sites) - 10} more (use --json for all)")
    out.print(f"\nhttps://clinicaltrials.gov/study/{t.nct_id}")


@app.command()
def explain(
    nct_id: Optional[str] = typer.Argument(None, help="NCT id of the trial to explain, like NCT00000102."),
    all_trials: bool = typer.Option(False, "--all", help="Precompute LLM rewrites for many trials (needs CLEARTRIAL_LLM_URL)."),
    status: Optional[list[str]] = typer.Option(None, "--status", help="With --all: only trials with this overall status; repeat for several."),
    limit: Optional[int] = typer.Option(None, "--limit", help="With --all: send at most this many trials to the model (cached ones do not count)."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """The eligibility criteria in plain English (one trial), or precompute LLM rewrites (--all)."""
    from .model import NCT_ID_RE

    if all_trials == (nct_id is not None):
        _fail("Give either one NCT id (cleartrial explain NCT00000102) or --all.", code=2)
    if not all_trials:
        if status or limit is not None:
            _fail("--status and --limit go with --all.", code=2)
        nct = nct_id.strip().upper()
        if not NCT_ID_RE.match(nct):
            _fail(f'"{nct_id}" is not an NCT id. They look like NCT00000102: NCT and 8 digits.', code=2)
        _explain_one(nct, json_out)
        return
    _explain_all(status, limit, json_out)


def _explain_one(nct: str, json_out: bool) -> None:
    from .plain_cache import plain_for_page

    with _open_store(must_exist=True) as store:
        trial = store.get_trial(nct)
        if trial is None:
            _fail(f"{nct} is not in this database ({state.db}). Load or sync it first.")
        # What a page shows: the cached LLM version if an accepted one exists, else the rules.
        # Never a request to the model here, so this is as fast with an LLM configured as without.
        result = plain_for_page(store, trial)
    if json_out:
        _emit_json(result)
        return
    _print_plain(trial, result)


_SECTION_TITLES = {"inclusion": "Who can join", "exclusion": "Who cannot join", "other": "Other criteria"}


def _print_plain(trial, result: dict) -> None:
    from rich.text import Text

    from .explain.readability import grade_words

    out.print(f"[bold]{trial.brief_title or trial.nct_id}[/]  [dim]{trial.nct_id}[/]", highlight=False)
    engine = result.get("engine") or "rules"
    if engine.startswith("llm:"):
        out.print(f"Plain English by a language model ({engine[4:]}), each rewrite checked against the original.",
                  highlight=False, markup=False)
    else:
        out.print("Plain English by cleartrial's rules, each rewrite checked against the original.")
    level = result.get("reading_level") or {}
    if level.get("plain") is not None or level.get("source") is not None:
        out.print(f"Reading level: about {grade_words(level.get('plain'))} (original: {grade_words(level.get('source'))})",
                  highlight=False)
    fallbacks = 0

    def show(criteria: list[dict], depth: int) -> None:
        nonlocal fallbacks
        for c in criteria:
            if c.get("faithful", True):
                marker, text = Text("  " * depth + "  •"), Text(c.get("plain") or c.get("source") or "")
            else:
                # The rewrite lost a detail, so the original is shown, and said to be.
                fallbacks += 1
                marker, text = Text("  " * depth + "  !", style="yellow"), Text(c.get("source") or "")
                text.append("  (original wording)", style="yellow")
            # A two-column grid wraps long criteria under their text, not under the bullet.
            row = Table.grid(padding=(0, 1))
            row.add_column(no_wrap=True)
            row.add_column()
            row.add_row(marker, text)
            out.print(row)
            show(c.get("children") or [], depth + 1)

    criteria = result.get("criteria") or []
    if not criteria:
        out.print("\nThis record gives no eligibility criteria.")
    for section in ("inclusion", "exclusion", "other"):
        part = [c for c in criteria if (c.get("section") or "other") == section]
        if part:
            out.print(f"\n[bold]{_SECTION_TITLES[section]}[/]")
            show(part, 0)
    glossary = result.get("glossary") or []
    if glossary:
        out.print("\n[bold]Words explained[/]")
        for g in glossary[:15]:
            row = Table.grid(padding=(0, 1))
            row.add_column(no_wrap=True)
            row.add_column()
            row.add_row(Text("  " + str(g.get("term", "")) + ":", style="bold"), Text(str(g.get("explanation", ""))))
            out.print(row)
        if len(glossary) > 15:
            out.print(f"  … and {len(glossary) - 15} more (--json lists them all)")
    if fallbacks:
        out.print(f"\n! {fallbacks} criteri{'a are' if fallbacks > 1 else 'on is'} shown in the original wording: "
                  "the plain version did not keep every detail.", style="yellow", highlight=False)
    out.print("\nAlways confirm with the trial site.", style="bold")


def _explain_all(status: Optional[list[str]], limit: Optional[int], json_out: bool) -> None:
    from .explain import llm
    from .plain_cache import precompute_all
    from .search import normalise_statuses

    # Every check before the database is opened, so bad input leaves nothing behind.
    try:
        settings = llm.LLMSettings.from_env()
        statuses = normalise_statuses(status)
    except InvalidQuery as exc:
        _fail(str(exc), code=2)
    if settings is None:
        _fail(
            f"No LLM is configured: set {llm.ENV_URL} (e.g. http://localhost:11434/v1 for Ollama) and "
            f"{llm.ENV_MODEL} to precompute LLM rewrites. Without them, pages and `cleartrial explain NCT` "
            "use the rule-based rewriter, which needs no precomputing.",
            code=2,
        )
    if limit is not None and limit < 1:
        _fail(f"--limit must be at least 1, got {limit}.", code=2)
    with _open_store(must_exist=True) as store:
        ids = list(store.iter_nct_ids(statuses))
        with _progress() as bar, llm.LLMClient(settings) as client:
            total = len(ids) if limit is None else min(limit, len(ids))
            task = bar.add_task(f"Rewriting with {settings.model}", total=total)

            def tick(r) -> None:
                # With --limit the bar counts trials sent to the model; without, every trial.
                done = r.considered if limit is None else r.computed + r.failed
                bar.update(task, completed=done, description=(
                    f"Rewriting with {settings.model}: {r.computed} done, {r.cached} cached, {r.failed} failed"))

            report = precompute_all(store, client, ids, limit=limit, progress=tick)
    if json_out:
        _emit_json({"model": settings.model, "prompt_version": llm.PROMPT_VERSION, **report.as_dict()})
    else:
        out.print(
            f"{report.considered:,} trials: {report.computed:,} rewritten, {report.cached:,} already cached, "
            f"{report.no_criteria:,} without criteria, {report.failed:,} failed.", highlight=False)
        out.print(f"Criteria: {report.accepted:,} rewrites accepted, {report.rejected:,} rejected by the "
                  "faithfulness check (those keep the rule-based version).", highlight=False)
        for nct, reason in report.failures[:10]:
            out.print(f"  {nct}: {reason}", highlight=False, markup=False)
        if len(report.failures) > 10 or report.failed > len(report.failures):
            out.print(f"  … and {report.failed - min(10, len(report.failures)):,} more failures")
    if report.stopped:
        _fail(f"Stopped early: {report.stopped}")


@app.command()
def stats(json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Counts by status, last load and sync, quarantined records."""
    with _open_store(must_exist=True) as store:
        data = store.stats()
    if json_out:
        _emit_json(data)
        return
    from .words import status_words

    out.print(f"[bold]{data['trials']:,}[/] trials in {data['database']}")
    table = Table("Status", "Trials")
    for status, n in data["by_status"].items():
        table.add_row(status_words(status) if status != "NOT_STATED" else "Not stated", f"{n:,}")
    out.print(table)
    out.print(f"Sites: {data['sites']:,} ({data['sites_with_coordinates']:,} placed on the map)")
    out.print(f"Newest record update: {data['newest_record_update'] or '—'}")
    load_info, sync_info = data["last_load"], data["last_sync"]
    out.print("Last load: " + (f"{load_info['finished_at']} ({load_info['new']:,} new, {load_info['updated']:,} updated, "
                               f"{load_info['quarantined']:,} quarantined)" if load_info else "never"), highlight=False)
    out.print("Last sync: " + (f"{sync_info.get('finished_at')}" if sync_info else "never"), highlight=False)
    out.print(f"Quarantined records: {data['quarantined']:,}" + (" (see `cleartrial quarantine`)" if data["quarantined"] else ""))


@app.command()
def questions(
    nct_id: str = typer.Argument(..., help="NCT id, like NCT05850520."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON (the same shape as /api/v1/trials/{nct_id}/questions)."),
) -> None:
    """Questions to ask your doctor and the trial coordinator, each with the record's words it rests on."""
    from .explain.questions import question_lists
    from .model import NCT_ID_RE

    nct = nct_id.strip().upper()
    if not NCT_ID_RE.match(nct):
        _fail(f'"{nct_id}" is not an NCT id. They look like NCT00000102: NCT and 8 digits.', code=2)
    with _open_store(must_exist=True) as store:
        trial = store.get_trial(nct)
    if trial is None:
        _fail(f"{nct} is not in this database ({state.db}). Load or sync it first.")
    if trial.nct_id != nct:
        console.print(f"{nct} was merged by the registry into {trial.nct_id}; showing that record.")
    lists = question_lists(trial)
    if json_out:
        _emit_json(lists)
        return
    out.print(f"[bold]{trial.brief_title or trial.nct_id}[/]  [dim]{trial.nct_id}[/]", highlight=False)
    out.print("A starting point for a conversation. Asking is not a sign that you qualify or that you should join.")
    for name, title in (("doctor", "Questions for your doctor"), ("coordinator", "Questions for the trial coordinator")):
        out.print(f"\n[bold]{title}[/]")
        for i, q in enumerate(lists[name], 1):
            out.print(f"{i:>2}. {q['text']}", highlight=False, markup=False)
            out.print(f"    Why ask: {q['why']}", style="dim", highlight=False, markup=False)
            for fact in q["facts"]:
                out.print(f"    From the record: {fact}", style="dim", highlight=False, markup=False)
    out.print(f"\nThe trial page: /trials/{trial.nct_id}  (each question links to the part it comes from)")


@app.command()
def quarantine(
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
    show_origin: Optional[str] = typer.Option(None, "--show", help="Print the raw bytes of one quarantined record."),
) -> None:
    """List records that could not be read, with the reason."""
    with _open_store(must_exist=True) as store:
        if show_origin:
            data = store.quarantined_data(show_origin)
            if data is None:
                _fail(f"No quarantined record from {show_origin}.")
            sys.stdout.buffer.write(data)
            return
        entries = store.quarantined()
    if json_out:
        _emit_json([to_dict(e) for e in entries])
        return
    if not entries:
        out.print("No quarantined records.")
        return
    table = Table("Origin", "NCT id", "Reason", "When")
    for e in entries:
        table.add_row(e.origin, e.nct_id or "—", e.reason, e.quarantined_at)
    out.print(table)


@app.command()
def start(
    data: Optional[Path] = typer.Option(None, "--data", help="Load this bulk file instead of syncing from the API."),
) -> None:
    """Fill an empty database (bulk file or live API), then summarise what it holds."""
    if data is not None and not data.exists():
        _fail(f"DATA={data}: no such file or directory.", code=2)
    with _open_store() as store:
        try:
            if data is not None:
                report = do_load(store, [data])
                out.print(f"Loaded {report.counts.new:,} new, {report.counts.updated:,} updated, "
                          f"{report.counts.quarantined:,} quarantined from {data}.")
            elif store.count() == 0:
                out.print("The database is empty: syncing recruiting studies from ClinicalTrials.gov…")
                do_sync(store, statuses=DEFAULT_SYNC_STATUSES)
        except NoNetwork:
            _fail(
                "ClinicalTrials.gov cannot be reached (no internet?) and the database is empty.\n"
                "Load a bulk download instead:  DATA=path/to/ctg-studies.json.zip make run\n"
                "(a zip of API v2 JSON studies or the AllPublicXML zip both work)."
            )
        except (CtgovAPIError, CleartrialError) as exc:
            _fail(str(exc))
        data_stats = store.stats()
    out.print(f"[bold]{data_stats['trials']:,}[/] trials ready in {state.db}: "
              + ", ".join(f"{n:,} {s.lower().replace('_', ' ')}" for s, n in list(data_stats["by_status"].items())[:4]))
    out.print("Try:  .venv/bin/cleartrial search \"breast cancer\" --status recruiting --near 10001")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 for every interface)."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, help="Server processes (one per CPU core for more throughput)."),
) -> None:
    """Serve the website and JSON API from the database."""
    if state.db == ":memory:" or not Path(state.db).exists():
        _fail(f"No database at {state.db}. Load data first (cleartrial --db {state.db} load FILE, or make run).", code=2)
    import logging

    import uvicorn

    # The app logs requests itself, without query strings (a person's condition, age or
    # location must never reach a log file); uvicorn's access log would write them.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ["CLEARTRIAL_DB"] = str(Path(state.db).resolve())
    out.print(f"Serving {state.db} on http://{host}:{port}/  (Ctrl+C to stop)")
    uvicorn.run("cleartrial.web.server:app_from_env", factory=True, host=host, port=port, workers=workers,
                access_log=False, server_header=False, log_level="warning")


from .cli_fda import fda_app  # noqa: E402  (its commands use the helpers above)

app.add_typer(fda_app, name="fda")

if __name__ == "__main__":
    app()
