"""How long taking part may last, and the study's planned dates, in plain words."""

from __future__ import annotations

from ..model import Outcome, PartialDate, Trial
from ..words import status_words
from ._common import Fact, quote
from .timeframes import TimeFrame, parse_time_frame

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def study_length(trial: Trial) -> Fact | None:
    """The longest primary/secondary outcome time frame, when it can be read safely.

    When some frames are tied to events ("until progression"), the length is still given but
    the sentence says people may take part longer: the longest number is not a promise.
    """
    if trial.design.time_perspective == "RETROSPECTIVE":
        return None  # time frames are windows of past records, not time spent taking part
    read: list[tuple[Outcome, TimeFrame]] = []
    for outcome in trial.primary_outcomes + trial.secondary_outcomes:
        frame = parse_time_frame(outcome.time_frame)
        if frame is not None:
            read.append((outcome, frame))
    durations = [(o, f) for o, f in read if f.kind == "duration"]
    if not durations:
        return None
    outcome, longest = max(durations, key=lambda of: of[1].days or 0.0)  # first wins a tie
    # The time frame is quoted whole: the number shown must be visible in its source.
    source = f"Time frame of {quote(outcome.measure or 'an outcome', 90)}: {quote(outcome.time_frame or '', 1000)}"
    events = [o for o, f in read if f.kind == "event"]
    if not events:
        return Fact(f"Measurements continue up to about {longest.words}.", source)
    example = min(events, key=lambda o: len(o.time_frame or ""))
    text = (
        f"Measurements continue up to about {longest.words}, but some are tied to events instead "
        f"({quote(example.time_frame or '', 80)}), so taking part may last longer."
    )
    return Fact(
        text,
        f"{source}; time frame of {quote(example.measure or 'an outcome', 90)}: {quote(example.time_frame or '', 1000)}",
    )


def study_dates(trial: Trial) -> Fact | None:
    """Start and primary completion (when the main results are collected), actual or estimated."""
    start, main = trial.start_date, trial.primary_completion_date
    if start is None and main is None:
        return None
    parts = []
    if start is not None:
        parts.append(_start_words(start, trial.overall_status))
    if main is not None:
        parts.append(_main_results_words(main, trial.overall_status))
    text = "The study " + " and ".join(parts) + "."
    estimated = [d for d in (start, main) if d is not None and d.type == "ESTIMATED"]
    updated = trial.last_update_posted.date if trial.last_update_posted else None
    if estimated and updated and trial.overall_status == "UNKNOWN":
        text += f" The record was last updated {_when(updated)}, so these dates may be out of date."
    elif updated and any(_before(d.date, updated) for d in estimated):
        # An estimate already in the past at the last update: the record itself is stale.
        text += f" That estimate had already passed when the record was last updated ({date_words(updated)})."
    sources = [f"{name}: {d.date}" + (f" ({d.type})" if d.type else "") for name, d in
               (("start_date", start), ("primary_completion_date", main)) if d is not None]  # fmt: skip
    if updated and (estimated or trial.overall_status == "WITHDRAWN"):
        sources.append(f"last_update_posted: {updated}")
    if trial.overall_status in ("WITHDRAWN", "UNKNOWN"):
        sources.append(f"overall_status: {trial.overall_status} ({status_words(trial.overall_status)})")
    return Fact(text, "; ".join(sources))


def _start_words(d: PartialDate, status: str | None) -> str:
    when = _when(d.date)
    if status == "WITHDRAWN":
        return f"was withdrawn before it started (it had planned to start {when})"
    if d.type == "ACTUAL":
        return f"started {when}"
    if d.type == "ESTIMATED":
        return f"expects to start {when} (estimated)"
    return f"lists its start date as {date_words(d.date)}"


def _main_results_words(d: PartialDate, status: str | None) -> str:
    when = _by(d.date)
    if status == "WITHDRAWN":
        return f"had planned to collect its main results {when}"
    if d.type == "ACTUAL":
        return f"finished collecting its main results {_when(d.date)}"
    if d.type == "ESTIMATED":
        return f"expects to collect its main results {when} (estimated)"
    return f"lists {date_words(d.date)} as the date for collecting its main results"


def _before(a: str, b: str) -> bool:
    """Strictly earlier on the common prefix: "2023-02" is not before "2023-02-15"."""
    n = min(len(a), len(b))
    return a[:n] < b[:n]


def date_words(iso: str) -> str:
    """ "2021-03" → "March 2021", "2021-03-15" → "March 15, 2021"; anything else as written."""
    bits = iso.split("-")
    try:
        year = int(bits[0])
        month = _MONTHS[int(bits[1]) - 1] if len(bits) > 1 else None
        day = int(bits[2]) if len(bits) > 2 else None
    except (ValueError, IndexError):
        return iso
    if month is None:
        return str(year)
    return f"{month} {day}, {year}" if day else f"{month} {year}"


def _when(iso: str) -> str:
    return ("on " if iso.count("-") == 2 else "in ") + date_words(iso)


def _by(iso: str) -> str:
    return "by " + date_words(iso)
