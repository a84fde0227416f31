"""The lay glossary: technical words of trial records in plain English, and abbreviations.

The glossary is this project's own: ``data/glossary.tsv`` (columns ``term``, ``plain``,
``explanation``, ``kind``), about a thousand terms chosen by how many trials' eligibility
criteria use them (``scripts/glossary_candidates.py``). ``plain`` is a short replacement that
can stand in the sentence ("myocardial infarction" → "heart attack"); ``explanation`` is one
sentence a careful nurse would say.

Lookups (:func:`find_terms`) work on tokens, not on one big regular expression: the text is cut
into word tokens (letters and digits) and single punctuation marks; entries are indexed by their
first token, and at each token the longest entry that matches wins, so "left ventricular
ejection fraction" beats "ejection fraction" and matches never overlap. Whitespace and hyphens
are both separators, so "non-small cell" and "non small cell" match the same entry, and
"mg / dL" matches "mg/dL".

Case rules, per token of a term (so "ECOG performance status" is exact on ECOG only):

* a token typed like an acronym (two or more capitals, a capital after the first letter, or a
  capital with digits: ECOG, eGFR, HbA1c, CD4, QTc) must match exactly, so the leukemia "ALL"
  never matches the word "all", and "AIDS" never matches "aids";
* every other token matches in any case ("Hepatitis B", "hepatitis b");
* units ignore case altogether ("mg/dl" is "mg/dL").

A few acronyms are also English words (ALL, PET, AIDS …): in text typed in capitals
("ALL PATIENTS MUST …") and before words like "the" or "of" ("ALL the following") they are
read as words. Plurals and possessives of a term's last word match too: "infarctions",
"metastases" (for "metastasis"), "therapies", "MRIs", "Crohn's disease" for "Crohn disease".

:func:`record_abbreviations` finds the abbreviations a record defines itself ("left
ventricular ejection fraction (LVEF)", "LVEF (left ventricular ejection fraction)"), keeping
only those whose letters really come from the words beside them; :func:`expand_abbreviations`
writes them out.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

KINDS = frozenset(
    {"condition", "drug_class", "lab", "score", "procedure", "anatomy", "general", "abbreviation", "unit"}
)


@dataclass(frozen=True, slots=True)
class Entry:
    term: str  # as records write it: "myocardial infarction", "ECOG", "mg/dL"
    plain: str  # a short plain-English replacement that can stand in the sentence
    explanation: str  # one plain sentence (grade 6–8, at most 25 words)
    kind: str  # one of KINDS


@dataclass(frozen=True, slots=True)
class Match:
    start: int  # character offsets into the text given to find_terms
    end: int
    entry: Entry
    text: str  # the words as the text has them ("Myocardial infarctions")


# ------------------------------------------------------------------------------ tokens
# A word token is a run of letters and digits, with a possessive "'s" kept on it (and ignored
# when comparing); any other non-space character except hyphens and apostrophes is a token
# of its own ("/", "^", "%", "×", "≥", ","). Hyphens, dashes and whitespace only separate.
_TOKEN_RE = re.compile(r"[^\W_]+(?:['’]s\b)?|[^\w\s\-‐‑–—'’]")
# µ (micro sign) and μ (Greek mu) are both written for "micro"; ² and ³ for 2 and 3.
_FOLD = str.maketrans({"µ": "u", "μ": "u", "²": "2", "³": "3"})


def _norm(token: str) -> str:
    """Token as compared: possessive dropped, micro and superscripts folded (case kept)."""
    if token.endswith(("'s", "’s")):
        token = token[:-2]
    if not token.isascii():  # rare: skip the (slow) translate for plain ASCII tokens
        token = token.translate(_FOLD)
    return token


def _acronym_like(token: str) -> bool:
    """ECOG, eGFR, HbA1c, CD4, QTc, pH: compared case-sensitively. "B", "Hodgkin", "mm3": not."""
    upper = sum(c.isupper() for c in token)
    if upper >= 2 or any(c.isupper() for c in token[1:]):
        return True
    return upper >= 1 and any(c.isdigit() for c in token)


def _tokenize(text: str) -> list[tuple[int, int, str]]:
    """(start, end, normalised token) for each token of ``text``."""
    out = []
    for m in _TOKEN_RE.finditer(text):
        out.append((m.start(), m.end(), _norm(m.group())))
    return out


def _raw_tokens(text: str) -> list[str]:
    """The tokens alone, found in C (``findall``): offsets are worked out only for matches."""
    return _TOKEN_RE.findall(text)


# ------------------------------------------------------------------------------ plurals
def _plurals(word: str) -> set[str]:
    """Plural forms of a lower-case word: regular English and the Latin/Greek ones records use."""
    forms = {word + "s", word + "es"}
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        forms.add(word[:-1] + "ies")  # therapy → therapies
    if word.endswith("is"):
        forms.add(word[:-2] + "es")  # metastasis → metastases, diagnosis → diagnoses
    if word.endswith("um"):
        forms.add(word[:-2] + "a")  # bacterium → bacteria
    if word.endswith("on") and len(word) > 6:
        forms.add(word[:-2] + "a")  # criterion → criteria
    if word.endswith("a"):
        forms.add(word + "e")  # vertebra → vertebrae
    if word.endswith("us"):
        forms.add(word[:-2] + "i")  # bronchus → bronchi
    if word.endswith(("ex", "ix")):
        forms.add(word[:-2] + "ices")  # cervix → cervices
    if word.endswith("oma"):
        forms.add(word + "ta")  # carcinoma → carcinomata
    return forms


# ------------------------------------------------------------------------------ the glossary
# Acronyms that are also English words: read as words in shouted text or before these words
# (scripts/glossary_candidates.py uses the same list to tell acronyms from shouted words).
WORDLIKE_ACRONYMS = frozenset({"ALL", "AIDS", "PET", "CAT", "MAP", "CAP", "PAD", "ACE", "ARC", "US", "MS"})
# "IV" is intravenous, except as a roman numeral: "stage III-IV", "class III or IV".
_ROMAN_ACRONYMS = frozenset({"IV"})
_ROMAN_RE = re.compile(r"^(?:i{1,3}|iv|vi{0,3}|ix|x)[a-c]?$")
_ROMAN_LEADS = frozenset(
    [
        "stage",
        "stages",
        "grade",
        "grades",
        "class",
        "classes",
        "phase",
        "phases",
        "type",
        "types",
        "level",
        "part",
        "cohort",
        "category",
        "group",
        "arm",
        "step",
    ]
)
_ROMAN_JOINERS = frozenset({"/", ",", "or", "and", "to", "through", "&"})
_WORD_FOLLOWERS = frozenset(
    [
        "the",
        "of",
        "these",
        "those",
        "other",
        "following",
        "must",
        "are",
        "is",
        "will",
        "have",
        "has",
        "should",
        "patients",
        "participants",
        "subjects",
        "criteria",
        "three",
        "two",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
    ]
)


class Glossary:
    """The loaded glossary and its token index (build once: :func:`glossary`)."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self.by_term = {e.term: e for e in entries}
        # first token (lower-cased) → [(tokens lower-cased, exact tokens or None, entry)],
        # longest first, so the first candidate that fits is the longest match there.
        index: dict[str, list[tuple[list[str], tuple[tuple[int, str], ...], Entry]]] = {}
        order: dict[int, tuple] = {}
        for entry in entries:
            for variant, seq in enumerate(self._variants(entry)):
                low = [t.lower() for t in seq]
                # Only the tokens that must match case-sensitively: (position, exact text).
                exact = tuple((j, t) for j, t in enumerate(seq) if entry.kind != "unit" and _acronym_like(t))
                cand = (low, exact, entry)
                # Longest first; then a term as written before another's plural ("NSAIDS"
                # before "NSAID" + s); then the more case-exact candidate.
                order[id(cand)] = (-len(low), variant > 0, -len(exact))
                index.setdefault(low[0], []).append(cand)
        for cands in index.values():
            cands.sort(key=lambda c: order[id(c)])
        self._index = index

    @staticmethod
    def _variants(entry: Entry) -> list[tuple[str, ...]]:
        """The token sequences that spell the term: as written, and with its last word plural."""
        seq = tuple(t for _, _, t in _tokenize(entry.term))
        out = [seq]
        last = seq[-1]
        if entry.kind == "unit" or not last[-1:].isalpha():
            return out
        if _acronym_like(last):
            out.append(seq[:-1] + (last + "s",))  # MRIs, NSAIDs
        elif len(last) > 2 and last.islower():
            out.extend(seq[:-1] + (p,) for p in sorted(_plurals(last)))
        return out

    def find_terms(self, text: str) -> list[Match]:
        raw = _raw_tokens(text)
        # Normalise only what needs it (a possessive "'s", a µ or ²): most tokens are plain.
        toks = [_norm(t) if (t[-1] == "s" or not t.isascii()) else t for t in raw]
        lows = [t.lower() for t in toks]
        index = self._index
        out: list[Match] = []
        i, n = 0, len(toks)
        # Offsets are found lazily by searching each raw token from the end of the previous
        # one: only separators lie between tokens, so the next occurrence is the token itself.
        located, pos = 0, 0
        starts: list[int] = []
        while i < n:
            cands = index.get(lows[i])
            if cands is None:
                i += 1
                continue
            hit = None
            for low, exact, entry in cands:
                k = len(low)
                if k > 1 and (i + k > n or lows[i + 1] != low[1] or (k > 2 and lows[i : i + k] != low)):
                    continue
                if exact and any(toks[i + j] != t for j, t in exact):
                    continue
                if entry.term in _ROMAN_ACRONYMS and _roman_here(lows, i):
                    continue
                if entry.term in WORDLIKE_ACRONYMS:
                    while located <= i:
                        pos = text.find(raw[located], pos)
                        starts.append(pos)
                        pos += len(raw[located])
                        located += 1
                    if _read_as_word(text, starts[i], starts[i] + len(raw[i]), lows, toks, i):
                        continue
                hit = (k, entry)
                break
            if hit is None:
                i += 1
                continue
            k, entry = hit
            last = i + k - 1
            while located <= last:
                pos = text.find(raw[located], pos)
                starts.append(pos)
                pos += len(raw[located])
                located += 1
            start, end = starts[i], starts[last] + len(raw[last])
            out.append(Match(start, end, entry, text[start:end]))
            i += k
        return out


def _roman_here(lows: list[str], i: int) -> bool:
    """Is the token at i a roman numeral in a series ("III-IV", "stage IV") rather than "IV"?"""
    j = i - 1
    while j >= 0 and lows[j] in _ROMAN_JOINERS:
        j -= 1
    return j >= 0 and (lows[j] in _ROMAN_LEADS or bool(_ROMAN_RE.match(lows[j])))


def _read_as_word(text: str, start: int, end: int, lows: list[str], toks: list[str], i: int) -> bool:
    """Is the capitalised token at i ("ALL") an English word here rather than an acronym?"""
    if i + 1 < len(toks) and lows[i + 1] in _WORD_FOLLOWERS and toks[i + 1].islower():
        return True  # "ALL the following"
    # Only this line counts: a heading typed in capitals is its own line.
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    around = text[max(line_start, start - 40) : start] + text[end : min(line_end, end + 40)]
    letters = [c for c in around if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.8


def load_entries(text: str) -> list[Entry]:
    """Parse glossary TSV text (header row ``term plain explanation kind``) into entries."""
    rows = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(rows)
    if header != ["term", "plain", "explanation", "kind"]:
        raise ValueError(f"glossary header is {header!r}")
    entries = []
    for lineno, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) != 4:
            raise ValueError(f"glossary line {lineno}: {len(row)} fields, expected 4: {row!r}")
        entries.append(Entry(*(field.strip() for field in row)))
    return entries


@lru_cache(maxsize=1)
def glossary() -> Glossary:
    """The project's glossary, read once from the package data."""
    text = resources.files("cleartrial.explain").joinpath("data/glossary.tsv").read_text(encoding="utf-8")
    return Glossary(load_entries(text))


def entries() -> list[Entry]:
    return glossary().entries


def lookup(term: str) -> Entry | None:
    """The entry whose term is exactly ``term`` (as the TSV writes it), if any."""
    return glossary().by_term.get(term)


def find_terms(text: str) -> list[Match]:
    """Glossary terms in ``text``, left to right, longest match first, never overlapping."""
    return glossary().find_terms(text)


# ------------------------------------------------------------------------------ abbreviations
# "(LVEF)": an acronym-like token alone in brackets.
_PAREN_ABBR_RE = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)?)\s*\)")
# "LVEF (left ventricular ejection fraction)": an acronym, then words in brackets.
_ABBR_PAREN_RE = re.compile(r"(?<![\w-])([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)?)\s*\(([^()]{4,120})\)")
_WORD_RE = re.compile(r"[^\W_]+")
# Small words a long form may hold without giving a letter to the abbreviation.
_SMALL_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "per", "the", "to", "with", "without"]
)


def _is_abbreviation(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return 2 <= len(letters) <= 10 and sum(c.isupper() for c in letters) >= 2


def _long_form_start(short: str, words: list[re.Match]) -> int | None:
    """Index of the word where the long form of ``short`` starts, or None if its letters don't fit.

    The abbreviation's letters and digits must be found in order in the words, each either
    a word's first letter or a letter inside a word (HbA1c ← "hemoglobin A1c", NNRTI ←
    "nonnucleoside reverse transcriptase inhibitor"), such that:

    * the abbreviation's first letter begins the long form's first word;
    * a letter taken from inside a word counts only if that word also gives its first letter
      ("hemoglobin" gives h and b), so "(ULN)" after "unless clearly related to NHL" is no
      definition;
    * every word of the long form gives a letter, except small words ("of", "the") and at
      most one other in a long form of four words or more (FEV1 ← "forced expiratory volume in
      1 second"), and the long form is at most twice as many words as the abbreviation has
      letters.

    The search is right to left with backtracking, trying first letters before inner ones,
    and gives up after a bounded number of steps (abbreviations are short).
    """
    # A version after a hyphen ("DSM-IV", "PHQ-9") need not be spelled out by the words.
    core = re.sub(r"-(?:[IVX]+|\d+)$", "", short)
    chars = [c.lower() for c in core if c.isalnum()]
    text = [w.group().lower() for w in words]
    if not chars or not text:
        return None
    max_words = min(len(chars) + 5, 2 * len(chars) + 1)
    budget = [2000]

    def valid(taken: list[tuple[int, int]]) -> int | None:
        start = taken[-1][0]  # the first letter's word (taken is built right to left)
        if len(text) - start > max_words:
            return None
        pairs = set(taken)
        if any(pos > 0 and (w, 0) not in pairs for w, pos in taken):
            return None
        used = {w for w, _ in taken}
        idle = [j for j in range(start, len(text)) if j not in used and text[j] not in _SMALL_WORDS]
        if len(idle) > (1 if len(text) - start >= 4 else 0):
            return None
        return start

    def search(k: int, wi: int, ci: int, taken: list[tuple[int, int]]) -> int | None:
        # Place chars[k] at or before (word wi, index ci); chars[k+1:] are already placed.
        if k < 0:
            return valid(taken)
        budget[0] -= 1
        if budget[0] < 0:
            return None
        c = chars[k]
        options = []
        for w in range(wi, -1, -1):
            limit = ci if w == wi else len(text[w]) - 1
            if limit >= 0 and text[w][0] == c:
                options.append((0, w, 0))  # first letters first
            if k > 0:  # the abbreviation's first letter must begin a word
                pos = text[w].rfind(c, 1, limit + 1)
                while pos > 0:
                    options.append((1, w, pos))
                    pos = text[w].rfind(c, 1, pos)
        options.sort(key=lambda o: o[0])  # stable: nearer words first within each rank
        for _, w, pos in options:
            found = search(k - 1, w, pos - 1, taken + [(w, pos)])
            if found is not None:
                return found
        return None

    last = len(text) - 1
    return search(len(chars) - 1, last, len(text[last]) - 1, [])


def record_abbreviations(text: str | None) -> dict[str, str]:
    """Abbreviations a text defines itself: {"LVEF": "left ventricular ejection fraction"}.

    Both shapes are read: "long form (ABBR)" and "ABBR (long form)". The first definition of
    an abbreviation wins. Only definitions whose letters match the words are kept (see
    :func:`_long_form_start`), so "(ALL)" after "patients with any of" is not taken as one.
    """
    if not text:
        return {}
    found: dict[str, str] = {}
    for m in _PAREN_ABBR_RE.finditer(text):
        short = m.group(1)
        if not _is_abbreviation(short) or short in found:
            continue
        # The words just before "(": at most twice the abbreviation's length, within the clause.
        before = text[max(0, m.start() - 200) : m.start()]
        before = re.split(r"[.;:()\[\]\n•*]", before)[-1]
        words = list(_WORD_RE.finditer(before))[-(2 * len(short) + 2) :]
        if not words:
            continue
        start = _long_form_start(short, words)
        if start is not None:
            found[short] = before[words[start].start() : words[-1].end()]
    for m in _ABBR_PAREN_RE.finditer(text):
        short, inside = m.group(1), m.group(2).strip()
        if not _is_abbreviation(short) or short in found:
            continue
        words = list(_WORD_RE.finditer(inside))
        if len(words) < 2:
            continue
        # The whole bracket must be the long form: its first word starts the match.
        if _long_form_start(short, words) == 0:
            found[short] = inside
    return found


def expand_abbreviations(text: str, known: dict[str, str], keep_short: bool = True) -> str:
    """Write out each abbreviation in ``known`` where ``text`` uses it.

    "LVEF ≥ 50%" → "left ventricular ejection fraction (LVEF) ≥ 50%" (or without "(LVEF)" when
    ``keep_short`` is false). Abbreviations match whole tokens and case-sensitively; the place
    where the text defines one ("… fraction (LVEF)") is left as it is.
    """
    if not known or not text:
        return text
    # Skip the definitions themselves: "(LVEF)" after its long form, "LVEF (…)".
    skip: list[tuple[int, int]] = []
    for short, long in known.items():
        for pat in (
            re.escape(long) + r"\s*\(\s*" + re.escape(short) + r"\s*\)",
            re.escape(short) + r"\s*\(\s*" + re.escape(long) + r"\s*\)",
        ):
            skip.extend((d.start(), d.end()) for d in re.finditer(pat, text))
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(k) for k in sorted(known, key=len, reverse=True)) + r")(?![\w-])"
    )

    def repl(m: re.Match) -> str:
        if any(a <= m.start() < b for a, b in skip):
            return m.group()
        short = m.group(1)
        return f"{known[short]} ({short})" if keep_short else known[short]

    return pattern.sub(repl, text)
