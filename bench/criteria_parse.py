"""Eligibility criteria parser and reading level over every shared record.

    python -m bench.criteria_parse           # the figures
    python -m bench.criteria_parse --show    # …and the 30 sampled parses, as trees, to read

Reads both shared files (CLEARTRIAL_SHARED_DATA, default ../shared/data) through the real
readers, one trial per NCT id (the record the readers quarantine is counted, not parsed), and
prints: how the criteria split (both sections / one section / no sections, and what the
no-section texts are), how many criteria came out and of which kind, whether any text was lost
(must be 0), parse time per trial, and the median Flesch–Kincaid grade and Coleman–Liau index
of the criteria text. The 30 samples are drawn with a fixed seed so that a later run shows the
same trials.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from cleartrial.errors import RecordError
from cleartrial.explain.criteria import (
    Criterion,
    ParsedCriteria,
    iter_criteria,
    parse_criteria,
    pieces,
)
from cleartrial.explain.readability import readability
from cleartrial.sources import parse_record
from cleartrial.sources.files import iter_records

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CLEARTRIAL_SHARED_DATA", REPO.parent / "shared" / "data"))
FILES = (SHARED / "ctgov" / "ctg-studies-sample.json.zip", SHARED / "ctgov" / "AllPublicXML-sample.zip")
SEED = 20240604
SAMPLES = 30

_WS = re.compile(r"\s+")


def load() -> tuple[dict[str, tuple[str, str | None]], int]:
    """{nct_id: (format, criteria text)} and how many records could not be read."""
    trials: dict[str, tuple[str, str | None]] = {}
    quarantined = 0
    for path in FILES:
        if not path.exists():
            raise SystemExit(f"{path} not found: set CLEARTRIAL_SHARED_DATA to the shared data folder")
        for rec in iter_records(path):
            try:
                t = parse_record(rec)
            except RecordError:  # the record the loader quarantines
                quarantined += 1
                continue
            trials.setdefault(t.nct_id, (rec.fmt, t.eligibility.criteria))
    return trials, quarantined


def render(p: ParsedCriteria, width: int = 110) -> str:
    lines = [f"structure={p.structure} headings={p.headings}"]

    def walk(c: Criterion, depth: int) -> None:
        src = c.source if len(c.source) <= width else c.source[: width - 1] + "…"
        lines.append(f"{'  ' * depth}[{c.section[:3]} {c.kind} {c.marker or '-'}] {src}")
        for ch in c.children:
            walk(ch, depth + 1)

    for c in p.criteria:
        walk(c, 0)
    return "\n".join(lines)


def _no_section_kind(text: str | None, p: ParsedCriteria) -> str:
    if not text or not text.strip():
        return "empty"
    if len(p.criteria) == 1 and not p.criteria[0].children:
        return "one paragraph"
    if any(c.marker or c.children for c in iter_criteria(p)):
        return "lists, no sections"
    return "paragraphs only"


def pct(n: int, total: int) -> str:
    return f"{n:6d} ({100 * n / total:5.1f}%)" if total else f"{n:6d}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", action="store_true", help="print the 30 sampled parses")
    args = ap.parse_args(argv)

    trials, quarantined = load()
    total = len(trials)
    structures: Counter[str] = Counter()
    no_section: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    lost = []
    n_top = n_all = 0
    parse_seconds = 0.0
    grades: dict[str, list[float]] = {"all": [], "ctgov-json-v2": [], "ctgov-xml": []}
    coleman: list[float] = []
    parsed: dict[str, ParsedCriteria] = {}
    for nct, (fmt, text) in trials.items():
        t0 = time.perf_counter()
        p = parse_criteria(text)
        parse_seconds += time.perf_counter() - t0
        parsed[nct] = p
        structures[p.structure] += 1
        if p.structure == "no_sections":
            no_section[_no_section_kind(text, p)] += 1
        n_top += len(p.criteria)
        for c in iter_criteria(p):
            n_all += 1
            kinds[c.kind] += 1
        if _WS.sub("", "".join(pieces(p))) != _WS.sub("", text or ""):
            lost.append(nct)
        r = readability(text)
        if r is not None:
            grades["all"].append(r.fk_grade)
            grades[fmt].append(r.fk_grade)
            coleman.append(r.coleman_liau)

    print(f"== Criteria parser: {total} trials ({quarantined} unreadable record(s) left out) ==")
    for s in ("both_sections", "one_section", "no_sections"):
        print(f"  {s:16} {pct(structures[s], total)}")
    for k, n in no_section.most_common():
        print(f"    no sections: {k:20} {pct(n, total)}")
    print(f"  criteria: {n_all} in all, {n_top} top level, {n_all / total:.1f} per trial")
    print("  kinds: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    print(f"  trials whose text is not all kept: {len(lost)} {lost[:5]}")
    print(f"  parse time: {1000 * parse_seconds / total:.2f} ms per trial ({total / parse_seconds:.0f} trials/s)")

    print("== Reading level of the criteria text (Flesch–Kincaid grade; Coleman–Liau index) ==")
    for k, v in grades.items():
        if v:
            q = statistics.quantiles(v, n=10)
            print(f"  FK {k:14} n={len(v):5d} median {statistics.median(v):5.1f}  p10 {q[0]:5.1f}  p90 {q[-1]:5.1f}")
    if coleman:
        print(f"  Coleman–Liau all        n={len(coleman):5d} median {statistics.median(coleman):5.1f}")

    sample = random.Random(SEED).sample(sorted(trials), min(SAMPLES, total))
    print(f"== {len(sample)} random trials to read (seed {SEED}; --show prints them) ==")
    print("  " + " ".join(sample))
    if args.show:
        for nct in sample:
            print(f"\n----- {nct} ({trials[nct][0]})")
            print(render(parsed[nct]))
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
