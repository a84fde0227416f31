"""Rank the technical vocabulary of the shared corpus, to choose the lay glossary's terms.

Usage::

    python scripts/glossary_candidates.py [--top 3000] [--min-trials 5] [--out FILE] [ZIP ...]

It reads every shared record (default: ``$CLEARTRIAL_SHARED_DATA/ctgov/*.zip``) and counts, for
each candidate term, the number of trials whose eligibility criteria use it (the ranking key)
and the number whose criteria, brief summary, intervention descriptions or outcome names use it.
Trials, not occurrences: a term one record repeats forty times is not forty times as useful.

Three kinds of candidate are counted:

* **technical words**: lower-case words that are not plain English (below);
* **acronyms**: tokens with two or more capitals, a capital after the first letter, or letters
  mixed with digits (ECOG, eGFR, HbA1c, PHQ-9, CD4, FEV1), kept case-sensitive. Lines typed
  all in capitals (headings such as "INCLUSION CRITERIA") are read as ordinary words, so "ALL"
  in a shouted heading is not counted as the leukemia;
* **multi-word terms**: n-grams of 2 to 4 tokens inside one clause (punctuation ends a clause)
  that hold at least one technical word or acronym and neither start nor end with a function
  word ("of", "the", "with" …) or a number. ``cohesion`` is the n-gram's trial count over that of
  its rarest technical token: near 1, the word is mostly used in this phrase ("childbearing" in
  "childbearing potential"), so the phrase is the thing to explain.

Also counted: the **unit** written after a number ("1,500/mm3", "2 mg/dL", "60 mL/min/1.73 m2").

How "plain English" is decided (the common-word list): a word is plain when it is in the
SCOWL word lists of size 10 or 20 (Debian package ``scowl``, ``/usr/share/dict/scowl``), any
spelling variant. SCOWL sizes rank words by how common they are in general English text (size
10 and 20 hold roughly the few thousand most common English words and their inflections);
medical words start at size 35 ("hepatitis", "malignancy") or later ("creatinine" at 70),
so everything past size 20 is a candidate, and the SCOWL size of a candidate's rarest word is
printed as ``level`` ("-" when it is in no list at all: a drug name, an acronym, a misspelling).
Without SCOWL the script falls back to ``/usr/share/dict/words`` (which is much larger, so
common-looking medical words then count as plain) and says so.

The output ranked this way was read by hand to pick the glossary's ~1,000 terms; the top of it
is kept in ``scripts/glossary_candidates.tsv`` as the record of that choice (the glossary tests
check that the top 200 terms there are covered). ``bench/glossary_coverage.py`` uses the same
tokens and the same notion of "technical" to measure what share the glossary explains.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from cleartrial.explain.glossary import WORDLIKE_ACRONYMS

SCOWL_DIR = Path("/usr/share/dict/scowl")
DICT_WORDS = Path("/usr/share/dict/words")

# A token: a word, possibly hyphenated or with digits ("PHQ-9", "COVID-19", "non-small").
TOKEN_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:['’-][A-Za-z0-9]+)*")
# Clause breaks for n-grams: a phrase never spans punctuation or a bullet.
CLAUSE_RE = re.compile(r"[.,;:()\[\]{}!?\n\r•*=<>≥≤±/\"]+|\s-\s|\s–\s")
# The unit written straight after a number: "1,500/mm3", "2.0 mg/dL", "60 mL/min/1.73 m2", "5 %".
UNIT_AFTER_NUMBER_RE = re.compile(
    r"\d(?:[\d,.]*\d)?\s?(?:x|×)?\s?((?:[µμ%]|[A-Za-z])[A-Za-zµμ0-9²³^]*(?:\s?/\s?[0-9.]*\s?[A-Za-zµμ][A-Za-zµμ0-9²³^]*)*)"
)

# Function words: a multi-word term neither starts nor ends with one of these.
FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "without",
        "within",
        "into",
        "onto",
        "over",
        "under",
        "and",
        "or",
        "nor",
        "but",
        "not",
        "no",
        "as",
        "than",
        "then",
        "that",
        "this",
        "these",
        "those",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "while",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "will",
        "would",
        "shall",
        "should",
        "may",
        "might",
        "can",
        "could",
        "must",
        "any",
        "all",
        "each",
        "every",
        "some",
        "such",
        "other",
        "per",
        "via",
        "if",
        "else",
        "also",
        "only",
        "both",
        "either",
        "neither",
        "more",
        "most",
        "less",
        "least",
        "very",
        "prior",
        "previous",
        "before",
        "after",
        "during",
        "until",
        "since",
        "between",
        "among",
        "about",
        "above",
        "below",
        "up",
        "down",
        "out",
        "off",
        "it",
        "its",
        "their",
        "there",
        "his",
        "her",
        "he",
        "she",
        "they",
        "them",
        "we",
        "our",
        "you",
        "your",
        "i",
        "following",
        "including",
        "include",
        "includes",
        "included",
        "etc",
        "e",
        "g",
        "ie",
        "eg",
        "vs",
        "versus",
    ]
)


# ---------------------------------------------------------------- plain English ("common") words
@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """The lower-cased common-English words (see the module docstring for how)."""
    words: set[str] = set()
    if SCOWL_DIR.is_dir():
        for path in SCOWL_DIR.iterdir():
            name, _, size = path.name.rpartition(".")
            if name.endswith("-words") and size in ("10", "20"):
                words.update(_read_words(path))
    elif DICT_WORDS.exists():
        print(f"SCOWL not found at {SCOWL_DIR}; using {DICT_WORDS} (apt-get install scowl)", file=sys.stderr)
        words.update(_read_words(DICT_WORDS))
    else:
        raise SystemExit("no word list: apt-get install scowl (or any /usr/share/dict/words)")
    return frozenset(words)


@lru_cache(maxsize=1)
def scowl_levels() -> dict[str, int]:
    """word → the smallest SCOWL size that lists it (how rare the word is in general English)."""
    levels: dict[str, int] = {}
    if SCOWL_DIR.is_dir():
        for path in SCOWL_DIR.iterdir():
            name, _, size = path.name.rpartition(".")
            if name.endswith("-words") and size.isdigit():
                for word in _read_words(path):
                    if int(size) < levels.get(word, 999):
                        levels[word] = int(size)
    return levels


def _read_words(path: Path) -> Iterator[str]:
    # SCOWL files are Latin-1; a stray byte must not stop the count.
    with open(path, encoding="latin-1") as fh:
        for line in fh:
            word = line.strip()
            if word:
                yield word.lower().replace("'s", "")


# ---------------------------------------------------------------- tokens
def _is_shouted(line: str) -> bool:
    """A heading typed in capitals: its capital words are words, not acronyms."""
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 6 and sum(c.isupper() for c in letters) / len(letters) > 0.8


def is_acronym(token: str) -> bool:
    """ECOG, eGFR, HbA1c, PHQ-9, CD4, QTc, pH: capitals past the first letter, or letters+digits."""
    if any(c.isdigit() for c in token):
        return any(c.isalpha() for c in token)
    return sum(c.isupper() for c in token) >= 2 or any(c.isupper() for c in token[1:])


def _acronym_here(tok: str, shouted: bool) -> bool:
    if shouted or not is_acronym(tok):
        return False
    # "DISEASE CHARACTERISTICS:", "AND/OR": an English word typed in capitals.
    return not (tok.isalpha() and tok.isupper() and tok not in WORDLIKE_ACRONYMS and tok.lower() in common_words())


def tokens(text: str) -> Iterator[tuple[int, int, str, bool]]:
    """(start, end, token, is_acronym) for each token; words lower-cased, acronyms as typed.

    Hyphenated tokens are split into their parts ("non-small" → "non", "small"; "anti-HIV" →
    "anti", "HIV") so that each part is judged on its own, except codes whose parts are all
    acronyms or numbers ("PHQ-9", "GM-CSF", "COVID-19"), which stay whole.
    """
    offset = 0
    for line in text.splitlines(keepends=True):
        shouted = _is_shouted(line)
        for m in TOKEN_RE.finditer(line):
            tok = m.group()
            start = offset + m.start()
            if _acronym_here(tok, shouted) and not any(p.islower() for p in re.split(r"['’-]", tok)):
                yield start, start + len(tok), tok, True
                continue
            pos = 0
            parts = re.split(r"(['’-])", tok)
            for k, part in enumerate(parts):
                if part == "s" and k >= 2 and parts[k - 1] in "'’":
                    pos += len(part)
                    continue  # the "s" of a possessive ("Kaposi's")
                if part and part not in "'’-":
                    acro = _acronym_here(part, shouted)
                    yield start + pos, start + pos + len(part), part if acro else part.lower(), acro
                pos += len(part)
        offset += len(line)


ROMAN_RE = re.compile(r"^(?:I{1,3}|IV|VI{0,3}|IX|X)[A-C]?(?:[-/](?:I{1,3}|IV|VI{0,3}|IX|X)[A-C]?)*$")

# Prefixes left alone when a hyphen is split ("non-pregnant", "anti-HIV", "pre-existing"):
# the word after them is judged instead.
AFFIXES = frozenset(
    ["non", "anti", "pre", "post", "sub", "semi", "multi", "intra", "inter", "co", "re", "un", "ex", "etc"]
)


def is_technical(token: str, acronym: bool, common: frozenset[str] | None = None) -> bool:
    """A token a lay reader may not know: an acronym, or a word that is not common English.

    SCOWL's small sizes list some words without all their inflections ("treatment" at size
    10, "treatments" at 35), so a word also counts as common when its singular or its stem
    without "-ed"/"-ing"/"-ly" does.
    """
    if acronym:
        # Roman numerals ("stage II", "class III or IV") are numbers, not terms to explain;
        # letters with digits ("T2DM", "CD4") and other acronyms are terms.
        return len(token) >= 2 and not ROMAN_RE.match(token)
    if len(token) < 3 or token.isdigit() or token in AFFIXES:
        return False
    common = common if common is not None else common_words()
    return token not in common and not any(base in common for base in _bases(token))


def _bases(word: str) -> list[str]:
    """Candidate base forms of an inflected word: therapies → therapy, enrolled → enroll."""
    out = []
    if word.endswith("ies"):
        out.append(word[:-3] + "y")
    if word.endswith("es"):
        out.append(word[:-2])
    if word.endswith("s"):
        out.append(word[:-1])
    if word.endswith("ed"):
        out += [word[:-2], word[:-1]]
    if word.endswith("ing"):
        out += [word[:-3], word[:-3] + "e"]
    if word.endswith("ly"):
        out.append(word[:-2])
    return out


# ---------------------------------------------------------------- corpus
def trial_texts(trial) -> tuple[str, str]:
    """(criteria text, all other patient-facing text) of one Trial."""
    other = [trial.brief_summary or ""]
    other += [i.description or "" for i in trial.interventions]
    other += [o.measure or "" for o in trial.primary_outcomes + trial.secondary_outcomes]
    return trial.eligibility.criteria or "", "\n".join(other)


def iter_trials(paths: Iterable[Path]):
    """Every readable Trial in the given files (records that cannot be read are skipped)."""
    from cleartrial.errors import RecordError
    from cleartrial.sources import parse_record
    from cleartrial.sources.files import iter_records

    for path in paths:
        for raw in iter_records(path):
            try:
                yield parse_record(raw)
            except RecordError:
                continue


def default_paths() -> list[Path]:
    shared = Path(os.environ.get("CLEARTRIAL_SHARED_DATA", REPO.parent / "shared" / "data")) / "ctgov"
    return [shared / "AllPublicXML-sample.zip", shared / "ctg-studies-sample.json.zip"]


def terms_of(text: str, common: frozenset[str]) -> set[tuple[str, str]]:
    """The candidate (kind, term) pairs one text uses: words, acronyms, n-grams, units."""
    found: set[tuple[str, str]] = set()
    for clause in CLAUSE_RE.split(text):
        toks = list(tokens(clause))
        tech = [is_technical(t, a, common) for _, _, t, a in toks]
        for i, (_, _, tok, acro) in enumerate(toks):
            if tech[i]:
                found.add(("acronym" if acro else "word", tok))
        for n in (2, 3, 4):
            for i in range(len(toks) - n + 1):
                window = toks[i : i + n]
                first, last = window[0][2], window[-1][2]
                if first in FUNCTION_WORDS or last in FUNCTION_WORDS or first.isdigit() or last.isdigit():
                    continue
                if not any(tech[i : i + n]):
                    continue
                found.add(("phrase", " ".join(t for _, _, t, _ in window)))
    for m in UNIT_AFTER_NUMBER_RE.finditer(text):
        unit = re.sub(r"\s+", "", m.group(1))
        # A unit has a slash, a digit or "µ", or is a short symbol ("mg", "IU", "kg"); a word
        # after a number ("5 years", "2 Hepatic") is not one, nor is a plain "%".
        if unit != "%" and (re.search(r"[/\d%µμ²³]", unit) or (len(unit) <= 4 and unit.lower() not in common)):
            found.add(("unit", unit))
    return found


def count(paths: Iterable[Path]) -> tuple[Counter, Counter, int]:
    """Trials whose criteria use each term, trials whose any text uses it, trials read."""
    common = common_words()
    in_criteria: Counter = Counter()
    in_any: Counter = Counter()
    n = 0
    for trial in iter_trials(paths):
        n += 1
        criteria, other = trial_texts(trial)
        crit_terms = terms_of(criteria, common)
        in_criteria.update(crit_terms)
        in_any.update(crit_terms | terms_of(other, common))
    return in_criteria, in_any, n


def ranked(in_criteria: Counter, in_any: Counter, min_trials: int) -> list[dict]:
    """Candidates by trials-with-criteria-using-it, with cohesion for multi-word terms."""
    levels = scowl_levels()
    single = {term: c for (kind, term), c in in_criteria.items() if kind in ("word", "acronym")}
    rows = []
    for (kind, term), c in in_criteria.items():
        if c < min_trials:
            continue
        row = {"kind": kind, "term": term, "trials_criteria": c, "trials_any": in_any[(kind, term)]}
        words = term.split(" ")
        rarest = [w for w in words if w in single]
        if kind == "phrase":
            # Share of the rarest technical token's trials that use it inside this phrase.
            row["cohesion"] = round(c / min(single[w] for w in rarest), 2) if rarest else 0.0
        else:
            row["cohesion"] = 1.0
        # Which of its tokens are technical: what the glossary has to explain (tests use it).
        row["technical"] = " ".join(t for _, _, t, a in tokens(term) if is_technical(t, a)) if kind != "unit" else term
        lv = [levels.get(w.lower()) for w in words if w.lower() not in FUNCTION_WORDS]
        row["level"] = "-" if any(v is None for v in lv) or not lv else max(lv)
        rows.append(row)
    # A phrase whose words mostly occur elsewhere ("patients with cancer") is not a term: keep
    # phrases used in at least a fifth of the trials that use their rarest technical word.
    rows = [r for r in rows if r["kind"] != "phrase" or r["cohesion"] >= 0.2]
    rows.sort(key=lambda r: (-r["trials_criteria"], -r["trials_any"], r["term"]))
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--top", type=int, default=3000)
    ap.add_argument("--min-trials", type=int, default=5)
    ap.add_argument("--out", type=Path, help="write the TSV here (default: standard output)")
    args = ap.parse_args(argv)
    in_criteria, in_any, n = count(args.paths or default_paths())
    rows = ranked(in_criteria, in_any, args.min_trials)[: args.top]
    cols = ["kind", "term", "trials_criteria", "trials_any", "cohesion", "level", "technical"]
    lines = ["\t".join(cols)] + ["\t".join(str(r[c]) for c in cols) for r in rows]
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    print(f"{n} trials read; {len(rows)} candidates written", file=sys.stderr)


if __name__ == "__main__":
    main()
