"""How much of the criteria's technical vocabulary the lay glossary explains.

``python -m bench.glossary_coverage`` reads every shared record and prints:

* the share of **technical term occurrences** in eligibility criteria that are explained, where
  a token is technical exactly as in ``scripts/glossary_candidates.py`` (an acronym, or a word
  that is not common English by SCOWL size 20) and explained when it lies inside a glossary
  match (:func:`cleartrial.explain.glossary.find_terms`) or is an abbreviation the record
  itself defines (:func:`record_abbreviations`); the share by the glossary alone is printed too;
* the 30 technical terms left unexplained most often (by trials, then occurrences);
* lookup speed: microseconds per criterion (one non-empty line of criteria text), timed over
  every criterion of every record.

Needs the SCOWL word lists (``apt-get install scowl``) for the notion of "technical".
Settings: CLEARTRIAL_SHARED_DATA (default ../shared/data).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

import glossary_candidates as gc

from cleartrial.explain.glossary import find_terms, glossary, record_abbreviations


def measure(paths=None, top: int = 30) -> dict:
    common = gc.common_words()
    glossary()  # load outside the timing
    total = by_glossary = by_record = 0
    missed_occ: Counter = Counter()
    missed_trials: Counter = Counter()
    n_trials = n_criteria = 0
    lookup_s = 0.0
    for trial in gc.iter_trials(paths or gc.default_paths()):
        criteria = trial.eligibility.criteria or ""
        if not criteria.strip():
            continue
        n_trials += 1
        defined = record_abbreviations(criteria)
        spans: list[tuple[int, int]] = []
        offset = 0
        # Criterion by criterion (one line each), as the rewriter will call it.
        for line in criteria.splitlines(keepends=True):
            if line.strip():
                t0 = time.perf_counter()
                matches = find_terms(line)
                lookup_s += time.perf_counter() - t0
                n_criteria += 1
                spans.extend((offset + m.start, offset + m.end) for m in matches)
            offset += len(line)
        spans.sort()
        missed_here: set[str] = set()
        j = 0
        for start, end, tok, acro in gc.tokens(criteria):
            if not gc.is_technical(tok, acro, common):
                continue
            total += 1
            while j < len(spans) and spans[j][1] <= start:
                j += 1
            if j < len(spans) and spans[j][0] <= start and end <= spans[j][1]:
                by_glossary += 1
            elif acro and tok in defined:
                by_record += 1
            else:
                missed_occ[tok] += 1
                missed_here.add(tok)
        missed_trials.update(missed_here)
    explained = by_glossary + by_record
    return {
        "trials": n_trials,
        "criteria": n_criteria,
        "technical_occurrences": total,
        "explained_share": explained / total if total else 0.0,
        "glossary_share": by_glossary / total if total else 0.0,
        "record_abbreviation_share": by_record / total if total else 0.0,
        "us_per_criterion": lookup_s / n_criteria * 1e6 if n_criteria else 0.0,
        "top_unexplained": [
            (term, missed_trials[term], missed_occ[term])
            for term in sorted(missed_trials, key=lambda t: (-missed_trials[t], -missed_occ[t], t))[:top]
        ],
    }


def main() -> None:
    r = measure()
    print(f"glossary: {len(glossary().entries)} entries; {r['trials']} trials with criteria, {r['criteria']} criteria")
    print(
        f"technical term occurrences explained: {r['explained_share']:.1%} of {r['technical_occurrences']:,} "
        f"(glossary {r['glossary_share']:.1%}, record-defined abbreviations {r['record_abbreviation_share']:.1%})"
    )
    print(f"lookup: {r['us_per_criterion']:.1f} µs per criterion")
    print("top unexplained technical terms (trials, occurrences):")
    for term, trials, occ in r["top_unexplained"]:
        print(f"  {term:<28} {trials:>5} {occ:>6}")


if __name__ == "__main__":
    main()
