"""Spelling correction of search words, offline, from the words the trials themselves use.

A person who types "diabtes" or "alzeimer" should still find the trials. The vocabulary is
``spelling_words`` (store/schema.py, migration 2): the words of trials' conditions, MeSH
condition terms, keywords and intervention names, case and accents folded, each with the
number of trials holding it. Summaries and criteria are left out: they are long free prose
whose own typos would become "corrections".

Finding candidates is a symmetric-delete lookup: every vocabulary word is indexed under
itself and each string one deletion away from it ("diabetes" → "iabetes", "dabetes", …); a
typed word looks up itself and every string up to two deletions away. Two words that share
such a string are close, and the Damerau–Levenshtein distance confirms it. Deleting on both
sides finds substitutions and swapped letters (one deletion each side), missing letters (one
on the vocabulary side) and extra letters (on the typed side). With a single deletion on the
vocabulary side, two edits are found only when one of them is an extra letter ("alzhiemerr":
swapped and extra), not two missing or wrong letters; one edit ("diabtes", "alzeimer",
"schizophrenai") always is. That bound keeps the index at about ten entries per word instead
of about fifty.

A word is never "corrected" when the vocabulary has it or any trial's text matches it (a
drug name from a summary is not a typo). Words shorter than four letters are never corrected
(too many real words lie one edit apart: "hiv", "flu", "copd"); words of four or five letters
by one edit at most, longer ones by up to two.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import threading
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from .store import SPELLING_META, Store

MIN_LENGTH = 4  # shorter words are never corrected
ONE_EDIT_UP_TO = 5  # words of 4-5 letters: one edit at most
MAX_EDITS = 2  # longer words: up to two
MAX_LENGTH = 40  # longer "words" are codes or pasted chemical names: left alone

# "Did you mean" is for text that did find trials, so it must be sure: only a word of at
# least SUGGEST_MIN_LENGTH letters that at most SUGGEST_RARE trials match is doubted, only a
# single typo away (one letter missing, extra, wrong or two swapped) and never in its first
# letter, and only for a word in at least SUGGEST_RATIO times as many trials; search.py then
# checks that the whole query would find clearly more. Typing each of the 7,595 rare
# vocabulary words of the shared corpus as a query, two edits and any first letter gave 125
# suggestions, many of them other real words ("tremor" → "tumor", "silver" → "liver",
# "amnesia" → "anemia"); these rules give 32, mostly misspellings and foreign spellings
# ("lukemia", "positve", "cisplatina"), with a few real words left ("codon" → "colon").
SUGGEST_MIN_LENGTH = 5
SUGGEST_RARE = 100
SUGGEST_RATIO = 20

# Words as FTS5's unicode61 tokenizer splits them: runs of letters and digits.
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Candidate:
    word: str
    distance: int
    trials: int  # trials whose conditions, MeSH terms, keywords or interventions hold it


def fold(word: str) -> str:
    """Lower case without accents, as the index stores words ("Sjögren" → "sjogren")."""
    word = word.lower()
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def max_edits(word: str) -> int:
    """How many edits a (folded) word of this length may be corrected by; 0 = never."""
    n = len(word)
    if n < MIN_LENGTH or n > MAX_LENGTH:
        return 0
    return 1 if n <= ONE_EDIT_UP_TO else MAX_EDITS


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau–Levenshtein distance between ``a`` and ``b``, or ``limit + 1`` once it is
    certain to be more than ``limit``.

    Insertions, deletions, substitutions and swaps of two adjacent letters cost 1 each (the
    "optimal string alignment" form, which never edits a swapped pair again: it differs
    from the unrestricted form only for strings like "ca" → "abc", 3 edits instead of 2).
    """
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    before: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        ca = a[i - 1]
        cur = [i] + [0] * lb
        for j in range(1, lb + 1):
            cb = b[j - 1]
            d = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                d = min(d, before[j - 2] + 1)
            cur[j] = d
        # Every later cell is at least the smallest of this row (a swap reaches back two
        # rows, but a substitution from there is never dearer), so stop once it is too big.
        if min(cur) > limit:
            return limit + 1
        before, prev = prev, cur
    return prev[lb] if prev[lb] <= limit else limit + 1


def deletes(word: str, depth: int) -> set[str]:
    """``word`` and every string made by deleting up to ``depth`` of its letters."""
    out = {word}
    level = {word}
    for _ in range(depth):
        level = {w[:i] + w[i + 1 :] for w in level for i in range(len(w))}
        out |= level
    return out


class Vocabulary:
    """The spelling vocabulary with its symmetric-delete index, compact in memory.

    The index is one sorted array of 64-bit integers, one per (deletion string, word):
    the string's hash in the high bits and the word's number in the low bits. Looking a
    string up is a binary search; a hash collision only brings an extra candidate, which the
    distance check turns away. Strings themselves are never stored: at eight bytes an entry
    this is several times smaller than a dict of strings.
    """

    def __init__(self, rows: Iterable[tuple[str, int]]):
        rows = sorted(rows)  # by word, for lookups by bisection (the table's order already)
        self._words = [word for word, _ in rows]
        self._trials = array("q", [n for _, n in rows])
        self._shift = shift = max(1, len(self._words).bit_length())
        self._hash_mask = mask = (1 << (63 - shift)) - 1
        # Python's str hash is fixed for the life of the process, which is all an in-memory
        # index needs. i == len(word) deletes nothing: the word itself. A letter doubled
        # ("sleep") gives the same entry twice; lookups skip repeats, so it is left in.
        keys = [
            (hash(d) & mask) << shift | number
            for number, word in enumerate(self._words)
            for d in [word[:i] + word[i + 1 :] for i in range(len(word) + 1)]
        ]
        keys.sort()
        self._index = array("Q", keys)

    def __len__(self) -> int:
        return len(self._words)

    @property
    def index_entries(self) -> int:
        return len(self._index)

    def nbytes(self) -> int:
        """Memory held (the words, their counts, the index), in bytes."""
        return (
            sys.getsizeof(self._words)
            + sum(sys.getsizeof(w) for w in self._words)
            + self._trials.itemsize * len(self._trials)
            + self._index.itemsize * len(self._index)
        )

    def trials(self, word: str) -> int:
        """Trials holding ``word`` (folded); 0 when it is not in the vocabulary."""
        i = bisect_left(self._words, word)
        return self._trials[i] if i < len(self._words) and self._words[i] == word else 0

    def candidates(self, word: str, limit: int) -> list[Candidate]:
        """Vocabulary words within ``limit`` edits of ``word`` (folded), best first: fewest
        edits, then most trials (then alphabetical, so the answer never varies)."""
        index, shift, mask = self._index, self._shift, self._hash_mask
        low_bits = (1 << shift) - 1
        seen: set[int] = set()
        found = []
        for d in deletes(word, limit):
            h = hash(d) & mask
            i = bisect_left(index, h << shift)
            while i < len(index) and index[i] >> shift == h:
                number = index[i] & low_bits
                i += 1
                if number in seen:
                    continue
                seen.add(number)
                other = self._words[number]
                distance = edit_distance(word, other, limit)
                if distance <= limit:
                    found.append(Candidate(other, distance, self._trials[number]))
        found.sort(key=lambda c: (c.distance, -c.trials, c.word))
        return found


# -- one vocabulary per store, rebuilt when the table changes ------------------------------

_cache: WeakKeyDictionary[Store, tuple[str | None, Vocabulary]] = WeakKeyDictionary()
_cache_lock = threading.Lock()


def vocabulary(store: Store) -> Vocabulary:
    """The store's vocabulary, built on first use and again after Store.refresh_spelling
    (in any process: the refresh writes a new value under SPELLING_META)."""
    version = store.get_meta(SPELLING_META)
    with _cache_lock:  # one build at a time; searches in other threads wait for it
        cached = _cache.get(store)
        if cached is not None and cached[0] == version:
            return cached[1]
        try:
            rows = store.conn.execute("SELECT word, trials FROM spelling_words").fetchall()
        except sqlite3.OperationalError:  # a schema-1 database opened read-only
            rows = []
        vocab = Vocabulary(rows)
        _cache[store] = (version, vocab)
        return vocab


def _vocabulary_trials(store: Store, word: str) -> int:
    # One primary-key lookup: deciding that a word is known never builds the index.
    try:
        row = store.conn.execute("SELECT trials FROM spelling_words WHERE word = ?", (word,)).fetchone()
    except sqlite3.OperationalError:
        return 0
    return row[0] if row else 0


def _matching_trials(store: Store, word: str, cap: int) -> int:
    """How many trials the search index matches for ``word`` anywhere (stemmed, as a search
    would), counting no further than ``cap``."""
    return store.conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM trials_fts WHERE trials_fts MATCH ? LIMIT ?)",
        ('"' + word + '"', cap),
    ).fetchone()[0]


def _eligible(word: str) -> str | None:
    """The folded form of a typed word that may be doubted at all, else None."""
    if not word.isalpha():  # digits ("covid19") are codes, not spelling
        return None
    folded = fold(word)
    if not folded.isascii() or not max_edits(folded):
        return None  # the vocabulary holds a-z words only
    return folded


def _same_case(typed: str, word: str) -> str:
    if len(typed) > 1 and typed.isupper():
        return word.upper()
    if typed[:1].isupper():
        return word.capitalize()
    return word


def _rewrite(text: str, replace: Callable[[str], str | None]) -> str | None:
    """``text`` with each word that ``replace`` changes replaced (spaces, punctuation and
    quotes kept), or None when none changes. A word typed as a prefix (``word*``) is kept:
    it is a stem on purpose."""
    out, pos, changed = [], 0, False
    for m in _TOKEN.finditer(text):
        if text.startswith("*", m.end()):
            continue
        new = replace(m.group())
        if new is not None and new != m.group():
            out += [text[pos : m.start()], new]
            pos, changed = m.end(), True
    return "".join(out) + text[pos:] if changed else None


def correct(store: Store, text: str) -> str | None:
    """``text`` with its misspelt words corrected, or None when no word needs it.

    A word is misspelt when neither the vocabulary nor the search index knows it and a
    vocabulary word lies within its edit budget; the closest one wins, then the one in most
    trials.
    """

    def fix(word: str) -> str | None:
        folded = _eligible(word)
        if folded is None or _vocabulary_trials(store, folded) or _matching_trials(store, word, 1):
            return None
        best = vocabulary(store).candidates(folded, max_edits(folded))
        return _same_case(word, best[0].word) if best else None

    return _rewrite(text, fix)


def suggest(store: Store, text: str) -> str | None:
    """A "did you mean" for text that found trials, or None.

    Only a rare word is doubted: at most SUGGEST_RARE trials match it, and a vocabulary word
    within its edit budget is in at least SUGGEST_RATIO times as many trials ("cancr" in
    one record's summary next to "cancer" in thousands). The caller decides whether the
    suggested text would find clearly more trials.
    """

    def alternative(word: str) -> str | None:
        folded = _eligible(word)
        if folded is None or len(folded) < SUGGEST_MIN_LENGTH or _vocabulary_trials(store, folded) > SUGGEST_RARE:
            return None
        matched = _matching_trials(store, word, SUGGEST_RARE + 1)
        if matched > SUGGEST_RARE:
            return None
        for c in vocabulary(store).candidates(folded, 1):
            if c.distance == 1 and c.word[0] == folded[0] and c.trials >= SUGGEST_RATIO * max(matched, 1):
                return _same_case(word, c.word)
        return None

    return _rewrite(text, alternative)
