"""Participation facts and record-tied questions over every shared trial.

    python -m bench.participation           # coverage, question share, precision of the reviewed sample
    python -m bench.participation --show    # …and the 40 sampled extractions, to read by hand

Loads both shared files (CLEARTRIAL_SHARED_DATA, default ../shared/data) into a temporary
database through the real loader (6,679 trials), then prints:

* coverage: for each fact kind of ``explain/participation.py``, the share of all trials and of
  interventional trials with at least one such fact, and the same per group (time, visits…);
* questions: the share of interventional trials where at least 3 questions of *each* list
  (doctor, coordinator) cite facts from the record (``Question.facts`` not empty), and the
  share where at least one question rests on a rule-read participation fact;
* precision: 40 extractions drawn with a fixed seed from the rule-read facts (sentences and
  free-text fields, not the structured fields rendered word for word such as ``Phase`` or
  ``Masking``), each judged by reading its value against its source. The judgments are kept
  in REVIEW below, keyed by trial and kind, so a later run reports the same figure and flags
  any sampled extraction nobody has read yet (after a rule change the sample can move).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from cleartrial.explain.participation import (
    GROUP_TITLES,
    KIND_GROUP,
    ParticipationFact,
    participation_facts,
)
from cleartrial.explain.questions import coordinator_questions, doctor_questions
from cleartrial.loader import load_paths
from cleartrial.store import Store

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CLEARTRIAL_SHARED_DATA", REPO.parent / "shared" / "data"))
FILES = (SHARED / "ctgov" / "AllPublicXML-sample.zip", SHARED / "ctgov" / "ctg-studies-sample.json.zip")
SEED = 20250605
SAMPLES = 40

# Facts rendered straight from one structured field (or by design.py / timing.py, tested on
# their own): right by construction, so not part of the precision sample.
_FIELD_KINDS = {"phase", "size", "sites", "sponsor", "measurements", "placebo"}
_FIELD_SOURCES = ("Allocation:", "Intervention model:", "Masking:")

# The sampled extractions, read by hand: (nct_id, kind) -> (right?, note). A fact is right when a
# person reading its value would learn something true about taking part in this study.
REVIEW: dict[tuple[str, str], tuple[bool, str]] = {
    ("NCT00004174", "visit_frequency"): (True, "monthly, then every 3 months: said to change later"),
    ("NCT00001137", "urine_tests"): (True, ""),
    ("NCT00003900", "visit_frequency"): (True, ""),
    ("NCT00005727", "questionnaires"): (True, "knowledge and behaviour measured by self-report"),
    ("NCT00005007", "biopsies"): (False, "a bank of biopsy samples: not said to be taken for the study"),
    ("NCT00001568", "pet"): (True, ""),
    ("NCT00006278", "blood_draws"): (True, ""),
    ("NCT00005167", "diaries"): (True, "food diaries kept by the students"),
    ("NCT00000816", "randomization"): (True, "old record without design fields"),
    ("NCT00002662", "contraception"): (True, ""),
    ("NCT00006382", "randomization"): (True, ""),
    ("NCT00000869", "follow_up"): (False, "infants are also tested at 3 and 6 months: 4 to 6 weeks is too short"),
    ("NCT00000981", "treatment_length"): (False, "a point for dose escalation, not the treatment's length"),
    ("NCT00001166", "blood_draws"): (True, ""),
    ("NCT00494507", "questionnaires"): (True, "SF-36 outcome"),
    ("NCT00006045", "treatment_cycles"): (True, ""),
    ("NCT00496561", "injections"): (True, "subcutaneous immunotherapy"),
    ("NCT00001004", "injections"): (True, ""),
    ("NCT00006509", "diaries"): (True, ""),
    ("NCT00005760", "ct"): (True, ""),
    ("NCT00499122", "infusions"): (True, ""),
    ("NCT00005059", "questionnaires"): (True, ""),
    ("NCT00006174", "visits"): (True, "6 hospital stays of 2 to 3 days"),
    ("NCT00004099", "contraception"): (True, ""),
    ("NCT00001937", "infusions"): (True, ""),
    ("NCT00006137", "biopsies"): (True, "renal biopsy at 36-48 months"),
    ("NCT00000913", "randomization"): (True, ""),
    ("NCT00000421", "blood_draws"): (True, ""),
    ("NCT00003079", "visit_frequency"): (True, "every 6 months until death"),
    ("NCT00004174", "infusions"): (True, ""),
    ("NCT00006138", "x_rays"): (True, "DXA scans"),
    ("NCT00003588", "injections"): (True, "intraperitoneal injections"),
    ("NCT00007514", "questionnaires"): (True, "self-reported symptoms"),
    ("NCT00491400", "blood_draws"): (True, "serum lipids outcome"),
    ("NCT00003516", "contraception"): (True, ""),
    ("NCT00005079", "visit_frequency"): (True, ""),
    ("NCT00498628", "contraception"): (True, ""),
    ("NCT00003487", "contraception"): (True, ""),
    ("NCT00002580", "treatment_length"): (True, "5 years, stopping sooner on progression or toxicity"),
    ("NCT00001862", "injections"): (False, "an injection only if a complication needs one, not a study procedure"),
}


def rule_read(f: ParticipationFact) -> bool:
    return f.kind not in _FIELD_KINDS and not f.source_text.startswith(_FIELD_SOURCES)


def load_trials() -> list:
    for path in FILES:
        if not path.exists():
            raise SystemExit(f"{path} not found: set CLEARTRIAL_SHARED_DATA to the shared data folder")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "corpus.db"
        with Store(db) as store:
            load_paths(store, list(FILES))
            return [store.get_trial(n) for n in store.iter_nct_ids()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.participation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="print the sampled extractions to read")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    trials = load_trials()
    print(f"{len(trials):,} trials loaded in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    facts = {t.nct_id: participation_facts(t) for t in trials}
    took = time.perf_counter() - t0
    print(f"participation facts: {took:.1f} s ({took / len(trials) * 1000:.2f} ms per trial)\n")

    interventional = {t.nct_id for t in trials if t.study_type == "INTERVENTIONAL"}
    n_all, n_int = len(trials), len(interventional)
    by_kind, by_kind_int, by_group, by_group_int = Counter(), Counter(), Counter(), Counter()
    for nct, fs in facts.items():
        kinds = {f.kind for f in fs}
        groups = {KIND_GROUP[k] for k in kinds}
        by_kind.update(kinds)
        by_group.update(groups)
        if nct in interventional:
            by_kind_int.update(kinds)
            by_group_int.update(groups)

    print(f"{'kind':22} {'group':11} {'trials':>7} {'all':>7} {'interv.':>8}")
    for kind, group in KIND_GROUP.items():
        print(f"{kind:22} {group:11} {by_kind[kind]:>7,} {by_kind[kind] / n_all:>7.1%} {by_kind_int[kind] / n_int:>8.1%}")
    print(f"\n{'group':22} {'':11} {'trials':>7} {'all':>7} {'interv.':>8}")
    for group, title in GROUP_TITLES.items():
        print(f"{title:34} {by_group[group]:>7,} {by_group[group] / n_all:>7.1%} {by_group_int[group] / n_int:>8.1%}")

    # -- questions ------------------------------------------------------------------------
    three_each = rule_backed = 0
    for t in trials:
        if t.nct_id not in interventional:
            continue
        fs = facts[t.nct_id]
        doctor, coordinator = doctor_questions(t, fs), coordinator_questions(t, fs)
        if sum(bool(q.facts) for q in doctor) >= 3 and sum(bool(q.facts) for q in coordinator) >= 3:
            three_each += 1
        rule_sources = {f.source_text for f in fs if rule_read(f)}
        if any(set(q.facts) & rule_sources for q in doctor + coordinator):
            rule_backed += 1
    print(f"\nInterventional trials ({n_int:,}) where at least 3 questions of each list cite record facts: "
          f"{three_each:,} ({three_each / n_int:.1%})")
    print(f"…where at least one question rests on a rule-read participation fact: {rule_backed:,} ({rule_backed / n_int:.1%})")

    # -- precision ---------------------------------------------------------------------------
    pool = [(nct, f) for nct in sorted(facts) for f in facts[nct] if rule_read(f)]
    sample = random.Random(SEED).sample(pool, SAMPLES)
    reviewed = [(nct, f) for nct, f in sample if (nct, f.kind) in REVIEW]
    right = sum(REVIEW[(nct, f.kind)][0] for nct, f in reviewed)
    print(f"\nPrecision: {len(pool):,} rule-read extractions; {SAMPLES} sampled (seed {SEED}); "
          f"{len(reviewed)} reviewed, {right} right" + (f" ({right / len(reviewed):.0%})" if reviewed else ""))
    missing = [(nct, f.kind) for nct, f in sample if (nct, f.kind) not in REVIEW]
    if missing:
        print(f"Not reviewed yet (run with --show and read them): {missing}")
    if args.show:
        for i, (nct, f) in enumerate(sample, 1):
            verdict = REVIEW.get((nct, f.kind))
            mark = "?" if verdict is None else ("right" if verdict[0] else "WRONG")
            print(f"\n{i:2}. {nct} {f.kind} [{mark}]\n    value:  {f.value}\n    source: {f.source_text}")
            if verdict and verdict[1]:
                print(f"    note:   {verdict[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
