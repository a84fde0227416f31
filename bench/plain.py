"""Plain-English criteria (rule-based rewriter + faithfulness check) over every shared record.

    python -m bench.plain              # the figures and five before/after examples
    python -m bench.plain --examples 20

Reads both shared files (CLEARTRIAL_SHARED_DATA, default ../shared/data) through the real
readers, one trial per NCT id, runs :func:`cleartrial.explain.plain.explain_trial` on each, and
prints, against the targets of issue 4:

* reading grade (Flesch–Kincaid) of the shown criteria vs the source, per trial (all of a
  trial's criteria read as one text, as the page shows them) and per criterion: median, p90;
  Coleman–Liau median as a second formula;
* faithfulness failures (criteria whose rewrite failed the check and show the original), count
  and share of criteria with words;
* criteria dropped or invented (:func:`cleartrial.explain.faithful.check_structure`) and
  trials whose original text is not all kept — both must be 0;
* technical terms left unexplained in what is shown: technical tokens (an acronym, or a word
  that is not common English, as ``scripts/glossary_candidates.py`` defines it; needs SCOWL)
  that no glossary term covers, that the trial's explanation list does not name and that are
  not an abbreviation the record defines;
* throughput: trials/s on a cold process (every criterion computed once; repeats within the
  corpus hit the per-process cache, as they would on a server), warm (a second pass), and
  with ``--workers N`` processes (forked, each cold), as a batch run would use them;
* five before/after examples chosen at random with a fixed seed.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

from cleartrial.errors import RecordError
from cleartrial.explain.criteria import iter_criteria, parse_criteria, pieces
from cleartrial.explain.faithful import check_structure
from cleartrial.explain.glossary import find_terms, record_abbreviations
from cleartrial.explain.plain import explain_trial
from cleartrial.explain.readability import readability
from cleartrial.sources import parse_record
from cleartrial.sources.files import iter_records

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CLEARTRIAL_SHARED_DATA", REPO.parent / "shared" / "data"))
FILES = (SHARED / "ctgov" / "ctg-studies-sample.json.zip", SHARED / "ctgov" / "AllPublicXML-sample.zip")
SEED = 4
_WS = re.compile(r"\s+")


def load():
    trials = {}
    for path in FILES:
        if not path.exists():
            raise SystemExit(f"{path} not found: set CLEARTRIAL_SHARED_DATA to the shared data folder")
        for rec in iter_records(path):
            try:
                t = parse_record(rec)
            except RecordError:
                continue
            trials.setdefault(t.nct_id, t)
    return trials


def walk(items):
    for c in items:
        yield c
        yield from walk(c["children"])


def q90(values):
    return statistics.quantiles(values, n=10)[-1] if len(values) > 1 else (values[0] if values else float("nan"))


def unexplained_share(results) -> tuple[int, int] | None:
    """(technical tokens shown, of which unexplained), or None without the SCOWL word lists."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import glossary_candidates as gc

        common = gc.common_words()
    except (ImportError, SystemExit):
        return None
    total = missed = 0
    for trial, r in results:
        listed = " ".join(g["term"].lower() for g in r["glossary"])
        defined = record_abbreviations(trial.eligibility.criteria or "")
        for c in walk(r["criteria"]):
            text = c["plain"]
            spans = [(m.start, m.end) for m in find_terms(text)]
            for start, end, tok, acro in gc.tokens(text):
                if not gc.is_technical(tok, acro, common):
                    continue
                total += 1
                if any(a <= start and end <= b for a, b in spans) or tok.lower() in listed or tok in defined:
                    continue
                missed += 1
    return total, missed


_TRIALS: dict = {}


def _explain_ids(ids: list[str]) -> int:
    for n in ids:
        explain_trial(_TRIALS[n])
    return len(ids)


def _batch_seconds(trials: dict, order: list[str], workers: int) -> float:
    """Wall time of explaining every trial in ``workers`` fresh forked processes."""
    import multiprocessing as mp

    global _TRIALS
    _TRIALS = trials
    chunks = [order[i : i + 100] for i in range(0, len(order), 100)]
    ctx = mp.get_context("fork")
    t0 = time.perf_counter()
    with ctx.Pool(workers) as pool:
        sum(pool.imap_unordered(_explain_ids, chunks))
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=5, help="before/after examples to print (default 5)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="processes for the batch throughput figure (default: the number of cores)")
    args = ap.parse_args(argv)

    trials = load()
    order = sorted(trials)
    # The batch first: forked from a process that has explained nothing yet, each worker is cold.
    batch = _batch_seconds(trials, order, args.workers) if args.workers > 1 else None
    t0 = time.perf_counter()
    results = [(trials[n], explain_trial(trials[n])) for n in order]
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    for n in order:
        explain_trial(trials[n])
    warm = time.perf_counter() - t0

    src_grades, plain_grades, src_cl, plain_cl = [], [], [], []
    crit_src, crit_plain = [], []
    n_criteria = failures = dropped = lost = 0
    for trial, r in results:
        level = r["reading_level"]
        if level["source"] is not None and level["plain"] is not None:
            src_grades.append(level["source"])
            plain_grades.append(level["plain"])
            src_cl.append(level["source_coleman_liau"])
            plain_cl.append(level["plain_coleman_liau"])
        parsed = parse_criteria(trial.eligibility.criteria)
        dropped += len(check_structure(parsed, r["criteria"]).problems)
        # Every piece of the original is in exactly one source, heading or marker: the result's
        # pieces are the parser's, and the parser's are the whole text.
        got = [x for c in walk(r["criteria"]) for x in (c["marker"] or "", c["source"])]
        want = [x for c in iter_criteria(parsed) for x in (c.marker or "", c.source)]
        whole = _WS.sub("", "".join(pieces(parsed))) == _WS.sub("", trial.eligibility.criteria or "")
        if got != want or r["headings"] != parsed.headings or not whole:
            lost += 1
        for c in walk(r["criteria"]):
            if not re.search(r"[^\W_]", c["source"]):
                continue
            n_criteria += 1
            failures += not c["faithful"]
            a, b = readability(c["source"]), readability(c["plain"])
            if a and b:
                crit_src.append(a.fk_grade)
                crit_plain.append(b.fk_grade)

    total = len(results)
    print(f"== Plain-English criteria, rules engine: {total} trials, {n_criteria} criteria with words ==")
    print("Reading grade (Flesch–Kincaid), per trial (all criteria as shown):")
    print(f"  source   median {statistics.median(src_grades):5.1f}   p90 {q90(src_grades):5.1f}"
          f"   (Coleman–Liau median {statistics.median(src_cl):5.1f})")
    print(f"  plain    median {statistics.median(plain_grades):5.1f}   p90 {q90(plain_grades):5.1f}"
          f"   (Coleman–Liau median {statistics.median(plain_cl):5.1f})   targets: median <= 8.0, p90 <= 10")
    print("Reading grade per criterion:")
    print(f"  source   median {statistics.median(crit_src):5.1f}   p90 {q90(crit_src):5.1f}")
    print(f"  plain    median {statistics.median(crit_plain):5.1f}   p90 {q90(crit_plain):5.1f}")
    print(f"Faithfulness failures (original shown, flagged): {failures} of {n_criteria} criteria "
          f"({100 * failures / max(n_criteria, 1):.2f}%)")
    print(f"Criteria dropped or invented: {dropped} (target 0); trials whose text is not all kept: {lost} (target 0)")
    tech = unexplained_share(results)
    if tech is None:
        print("Technical terms left unexplained: (needs SCOWL: apt-get install scowl)")
    else:
        shown_total, missed = tech
        print(f"Technical terms left unexplained in the shown text: {missed} of {shown_total} "
              f"({100 * missed / max(shown_total, 1):.1f}%)")
    print(f"Throughput: {total / cold:.0f} trials/s cold process, {total / warm:.0f} trials/s warm "
          f"(target >= 200); {1000 * cold / total:.2f} ms per trial cold")
    if batch is not None:
        print(f"  {args.workers} worker processes, each cold: {total / batch:.0f} trials/s")

    rng = random.Random(SEED)
    # Any criterion of four words or more: changed or not, faithful or not.
    candidates = [(t.nct_id, c) for t, r in results for c in walk(r["criteria"]) if len(c["source"].split()) >= 4]
    print(f"== {args.examples} before/after examples (seed {SEED}) ==")
    for nct, c in rng.sample(candidates, min(args.examples, len(candidates))):
        flag = "" if c["faithful"] else f"  (failed the check: {'; '.join(c['problems'])})"
        print(f"\n{nct} [{c['section']}]{flag}")
        print(f"  before: {' '.join(c['source'].split())}")
        print(f"  after:  {c['plain']}")
    return 1 if dropped or lost else 0


if __name__ == "__main__":
    sys.exit(main())
