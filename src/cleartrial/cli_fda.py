"""``cleartrial fda …``: fill and inspect the cache of openFDA answers (docs/fda.md).

``refresh`` asks openFDA about every drug the stored trials name (``fda.names``), skipping
answers still within their time-to-live, with a progress bar; pages then never wait on the FDA.
``show`` prints what is known about one name. The helpers of ``cli.py`` are imported inside
the commands: ``cli.py`` registers this sub-command and must not be imported half-done.
"""

from __future__ import annotations

from typing import Optional

import typer

from .errors import FdaAPIError, FdaLimitReached, FdaNoNetwork, InvalidQuery

fda_app = typer.Typer(no_args_is_help=True, help="Drug label highlights and FAERS reports from openFDA (cached).")


def _chains(store, statuses: list[str] | None, trials: list[str] | None) -> list[tuple[str, ...]]:
    """Every distinct chain of names to look up, over the chosen trials (fda.names.Mention.keys)."""
    from .fda import names

    ids = [t.strip().upper() for t in trials] if trials else list(store.iter_nct_ids(statuses))
    chains: dict[tuple[str, ...], None] = {}
    for nct in ids:
        trial = store.get_trial(nct)
        if trial is None:
            raise InvalidQuery(f"{nct} is not in the database.")
        for m in names.mentions(trial.interventions):
            if m.kind == "lookup":
                chains.setdefault(m.keys, None)
    return list(chains)


@fda_app.command()
def refresh(
    status: Optional[list[str]] = typer.Option(None, "--status", help="Only trials with this status (repeatable)."),
    trial: Optional[list[str]] = typer.Option(None, "--trial", help="Only this trial (repeatable)."),
    force: bool = typer.Option(False, "--force", help="Ask again even for answers still fresh."),
    json_out: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Ask openFDA about the drugs the stored trials use, and cache the answers."""
    from . import cli
    from .fda import cache, lookup
    from .model import parse_statuses
    from .sources.openfda import ENV_BASE_URL, OpenFDAClient, configured_base_url

    if configured_base_url() is None:
        cli._fail(f"{ENV_BASE_URL} is set to off: unset it (or give openFDA's address) to look drugs up.", code=2)
    counts = {"drugs": 0, "found": 0, "no_label": 0, "cached": 0, "failed": 0, "requests": 0}
    stopped: str | None = None
    with cli._open_store(must_exist=True) as store:
        try:
            chains = _chains(store, parse_statuses(status) or None, trial)
        except InvalidQuery as exc:
            cli._fail(str(exc), code=2)
        counts["drugs"] = len(chains)
        with OpenFDAClient() as client, cli._progress() as bar:
            task = bar.add_task("Asking openFDA", total=len(chains))
            for chain in chains:
                try:
                    counts[_refresh_chain(store, client, chain, force, cache, lookup)] += 1
                except FdaNoNetwork as exc:
                    stopped = (f"openFDA cannot be reached ({exc}). Pages keep showing what is cached; "
                               "run this again when the machine is online.")
                    break
                except FdaLimitReached as exc:
                    stopped = str(exc) + " Answers so far are cached; the next run continues from there."
                    break
                except FdaAPIError as exc:
                    counts["failed"] += 1
                    bar.console.print(f"[yellow]{' / '.join(chain)}:[/] {exc}", highlight=False)
                bar.advance(task)
            counts["requests"] = client.requests_made
    if json_out:
        cli._emit_json({**counts, "stopped": stopped})
    else:
        cli.out.print(f"{counts['drugs']:,} drug names: {counts['found']:,} with an FDA label, "
                      f"{counts['no_label']:,} without, {counts['cached']:,} already cached, "
                      f"{counts['failed']:,} failed ({counts['requests']:,} requests).")
    if stopped:
        cli._fail(stopped)
    if counts["failed"]:
        raise typer.Exit(1)


def _refresh_chain(store, client, chain: tuple[str, ...], force: bool, cache, lookup) -> str:
    """Walk one chain of names (first with a label wins); returns which count it adds to."""
    known = cache.get_many(store.conn, chain)
    asked = False
    for name in chain:
        entry = known.get(name)
        if entry is None or force or entry.expired():
            entry = cache.make_entry(name, lookup.fetch(client, name))
            cache.put(store.conn, entry)
            asked = True
        if entry.found:
            return "found" if asked else "cached"
    return "no_label" if asked else "cached"


@fda_app.command()
def show(
    name: str = typer.Argument(..., help="A drug's generic or brand name, e.g. zolpidem."),
    fetch: bool = typer.Option(False, "--fetch", help="Ask openFDA when nothing (or nothing fresh) is cached."),
    json_out: bool = typer.Option(False, "--json", help="Print the cached answer as JSON."),
) -> None:
    """What the cache (or, with --fetch, openFDA) says about one drug name."""
    from . import cli
    from .fda import cache, lookup, names
    from .sources.openfda import OpenFDAClient

    mention = names.mentions_for(name)
    if len(mention) != 1:
        cli._fail(f'"{name}" names {len(mention)} drugs; give one at a time.', code=2)
    m = mention[0]
    if m.kind != "lookup":
        cli._fail(f'"{name}" is not looked up: {m.kind} (docs/fda.md).', code=2)
    key = m.keys[0]
    with cli._open_store(must_exist=True) as store:
        entry = cache.get_many(store.conn, [key]).get(key)
        if fetch and (entry is None or entry.expired()):
            try:
                with OpenFDAClient() as client:
                    entry = cache.make_entry(key, lookup.fetch(client, key))
            except FdaAPIError as exc:
                cli._fail(str(exc))
            cache.put(store.conn, entry)
    if json_out:
        cli._emit_json(None if entry is None else {"name": entry.name, "fetched_at": entry.fetched_at,
                                                   "expires_at": entry.expires_at, "record": entry.record})
        return
    if entry is None:
        cli.out.print(f"Nothing cached for {key!r}. Run with --fetch, or `cleartrial fda refresh`.")
        return
    if not entry.found:
        cli.out.print(f"openFDA has no label under {key!r} (asked {entry.fetched_at}).")
        return
    rec = entry.record
    label, events = rec["label"], rec.get("events") or {}
    cli.out.print(f"[bold]{', '.join(label['generic_names']) or key}[/] ({', '.join(label['brand_names'][:3])}): "
                  f"matched {rec['match']['how']} on {rec['match']['field']} {rec['match']['term']!r}")
    cli.out.print(f"Label {label.get('effective_time')}, set id {label.get('set_id')}; "
                  f"boxed warning: {'yes' if 'boxed_warning' in label['sections'] else 'no'}")
    total = events.get("total")
    cli.out.print(f"FAERS reports: {total:,}" if isinstance(total, int) else "FAERS reports: unknown")
    for r in events.get("reactions", []):
        cli.out.print(f"  {r['count']:>8,}  {r['term']}")
    cli.out.print(f"Asked {entry.fetched_at}; fresh until {entry.expires_at}.")
