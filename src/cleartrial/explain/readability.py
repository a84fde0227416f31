"""Reading level of a text: Flesch–Kincaid grade and Coleman–Liau index, offline.

No dictionary and no download: syllables come from a small rule-based counter (English
spelling rules, checked on a word list in the tests), and sentences from a splitter that knows
what eligibility text looks like — every list item or line is a sentence of its own (criteria
rarely end items with a full stop), and "e.g.", "i.e.", "vs.", "Dr.", "2.5" never end one.

* Flesch–Kincaid grade = 0.39 × words/sentences + 11.8 × syllables/words − 15.59
* Coleman–Liau index  = 0.0588 × L − 0.296 × S − 15.8, where L is letters per 100 words and
  S sentences per 100 words. It counts letters, not syllables, so it is a check on the
  syllable counter: the two grades disagreeing by a lot means one of them is misled.

Both estimate the US school grade needed to read the text. Numbers count as words; a number's
syllables are estimated from its digits (see :func:`count_syllables`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Readability",
    "coleman_liau_index",
    "count_syllables",
    "flesch_kincaid_grade",
    "grade_words",
    "readability",
    "split_sentences",
    "words",
]


@dataclass(slots=True, frozen=True)
class Readability:
    fk_grade: float  # Flesch–Kincaid grade level
    coleman_liau: float  # Coleman–Liau index (also a US grade level)
    words: int
    sentences: int
    syllables: int
    letters: int  # letters and digits in the words (Coleman–Liau's L)


# ---------------------------------------------------------------------------------------------
# Syllables

_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
# Vowel pairs that are spoken as two syllables although they are written as one vowel group:
# "di-a-be-tes", "ra-di-o", "vi-ral" has none, "cre-ate", "po-em", "flu-id", "li-on".
_SPLIT_PAIRS = re.compile(
    r"[^aeiou]i(?:a|o(?!ns?$))|[^aeiou]iu|ie[rt]$|eo(?!ple)|ea$|^crea|[^gq]ua[^aeiouy]|[^qg]ui[dst]|oe[tlm]|"
    r"ue[lnt]|[aeiou]y[aeiou]|iet|ien[ct]|^scien|uo|^re[aeiou]|^pre[aeiou]|^bi[ao]|^co[aeiou](?!u)|io[ru]|ii|"
    r"[aeiouy]ing$|etes$"
)
# …except in these endings, where the pair really is one syllable: "-cial", "-cious",
# "-tial", "-ious" after c/t/s/g/x ("infec-tious", "spe-cial"). "-tion" never split at all.
_JOINED_ENDINGS = re.compile(r"(?<!^s)(?:[ctsgx]|ss)i(?:al|ally|ous|ously|ent|ents|ence|an|ans|a)$")
_SILENT_E = re.compile(r"[^aeiouy]e$")
_SILENT_ED = re.compile(r"[^aeiouytd]ed$")
_SILENT_ES = re.compile(r"[^aeiouyscxzhg]es$")
_SPOKEN_LE = re.compile(r"[^aeiouy]le$")  # "ta-ble", "cir-cle": the e is silent, the l is not
_SPOKEN_LES = re.compile(r"[^aeiouy]les$")
# A silent "e" inside a word, before a common ending or the second half of a compound:
# "complete-ly", "manage-ment", "life-time", "guide-line", "there-fore".
_SILENT_MID_E = re.compile(r"[aeiouy][^aeiouy]+e(?:ly|ful|less|ness|ments?|lines?|times?|fore|where|some)$")


@lru_cache(maxsize=65536)  # criteria reuse a small vocabulary; this makes the corpus 5x faster
def count_syllables(word: str) -> int:
    """Syllables in one English word, by spelling rules (never below 1 for a word).

    A number counts its digits (up to 4): "18" ~ "eigh-teen", "100" ~ "one hun-dred".
    An all-capital abbreviation of up to four letters is spelled out ("HIV" = H-I-V, 3).
    """
    if not word:
        return 0
    if any(ch.isdigit() for ch in word):
        digits = sum(ch.isdigit() for ch in word)
        letters = re.sub(r"[^A-Za-z]", "", word)
        return min(digits, 4) + (count_syllables(letters) if len(letters) > 1 else len(letters))
    if "." in word and not any(ch.isdigit() for ch in word):
        return sum(ch.isalpha() for ch in word)  # "e.g.", "U.S.": read letter by letter
    if "-" in word or "'" in word or "’" in word:
        parts = [p for p in re.split(r"[-'’]", word) if p]
        if "-" in word:
            return sum(count_syllables(p) for p in parts) or 1
        word = "".join(parts[:1]) + "".join(p for p in parts[1:] if len(p) > 1)  # "patient's"
    letters = re.sub(r"[^A-Za-z]", "", word)
    if not letters:
        return 0
    upper = sum(ch.isupper() for ch in letters)
    if 1 < upper < len(letters) and upper * 2 > len(letters) and len(letters) <= 6:
        return len(letters)  # "eGFR", "mRNA": read letter by letter
    if letters.isupper() and (len(letters) <= 3 or (len(letters) == 4 and not re.search(r"[AEIOU]", letters[1:3]))):
        # Read letter by letter ("MRI", "CT", "ANC"); W is the one letter of three syllables.
        return sum(3 if ch == "W" else 1 for ch in letters)
    w = letters.lower()
    if len(w) <= 3:
        return 1
    n = len(_VOWEL_GROUPS.findall(w))
    if w.endswith("e") and _SILENT_E.search(w) and not _SPOKEN_LE.search(w):
        n -= 1  # "make", "close", "dose"
    elif _SILENT_ED.search(w) or (_SILENT_ES.search(w) and not _SPOKEN_LES.search(w)):
        n -= 1  # "treated" keeps it (t/d before), "confirmed" and "doses"… see the tests
    if _SILENT_MID_E.search(w):
        n -= 1
    n += len(_SPLIT_PAIRS.findall(w))
    if _JOINED_ENDINGS.search(w):
        n -= 1
    if w.endswith("ism"):
        n += 1  # "al-co-hol-ism"
    return max(1, n)


# ---------------------------------------------------------------------------------------------
# Words and sentences

# A word: letters or digits, with inner hyphens, apostrophes, dots or commas in numbers
# ("non-small", "patient's", "1.5", "1,500"). Symbols such as "≥", "%", "/" are not words.
# Dotted abbreviations ("e.g.", "U.S.") are one word each.
_WORD = re.compile(r"(?:[A-Za-z]\.){2,}|[A-Za-z0-9]+(?:(?:[-'’]|(?<=\d)[.,](?=\d))[A-Za-z0-9]+)*")
# A list marker at the start of a line: "*", "-", "•", "1.", "2)", "(a)", "iv."…
_LINE_MARKER = re.compile(
    r"\s*(?:[*\-•·‣◦▪–—+o]|\(?(?:\d{1,3}|[A-Za-z]|[ivxIVX]{1,5})[.)]|\((?:\d{1,3}|[A-Za-z]|[ivxIVX]{1,5})\))(?=\s)"
)
# Words that end in a full stop without ending a sentence. Units ("10 mg.") and "etc." are
# left out on purpose: in criteria they end sentences far more often than not. Compared in lower case, without
# the final dot.
_ABBREVIATIONS = frozenset(
    """e.g eg i.e ie vs v al approx appr ca cf dr mr mrs ms prof st sr jr no nos inc ltd co corp
    fig figs ref refs vol ed eds dept univ incl excl resp u.s u.k p.o i.v b.i.d t.i.d q.d a.m p.m""".split()
)
# A sentence ends at ".", "!" or "?" (possibly closed by a quote or bracket) followed by space
# and something that can start a sentence.
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def split_sentences(text: str | None) -> list[str]:
    """Sentences of a text; each non-empty line (a list item, a heading) is at least one."""
    out: list[str] = []
    if not text:
        return out
    for line in text.splitlines():
        m = _LINE_MARKER.match(line)
        if m:
            line = line[m.end() :]
        line = line.strip()
        if not line:
            continue
        start = 0
        for end in _SENTENCE_END.finditer(line):
            before = line[start : end.start()]
            last = before.split()[-1] if before.split() else ""
            token = last.lower().rstrip(".").lstrip("([\"'")
            if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                continue  # "e.g. Smith", "Dr. Jones", an initial "J. Smith"
            piece = line[start : end.end()].strip()
            if words(piece):
                out.append(piece)
                start = end.end()
        rest = line[start:].strip()
        if rest and words(rest):
            out.append(rest)
        elif rest and out:
            out[-1] = out[-1] + " " + rest
    return out


# ---------------------------------------------------------------------------------------------
# Formulas


def readability(text: str | None) -> Readability | None:
    """Both grades and the counts behind them; None when the text has no words."""
    sentences = split_sentences(text)
    ws = [w for s in sentences for w in words(s)]
    if not ws:
        return None
    n_words, n_sent = len(ws), len(sentences)
    n_syll = sum(count_syllables(w) for w in ws)
    n_letters = sum(ch.isalnum() for w in ws for ch in w)
    fk = 0.39 * n_words / n_sent + 11.8 * n_syll / n_words - 15.59
    cli = 0.0588 * (100 * n_letters / n_words) - 0.296 * (100 * n_sent / n_words) - 15.8
    return Readability(round(fk, 2), round(cli, 2), n_words, n_sent, n_syll, n_letters)


def flesch_kincaid_grade(text: str | None) -> float | None:
    r = readability(text)
    return r.fk_grade if r else None


def coleman_liau_index(text: str | None) -> float | None:
    r = readability(text)
    return r.coleman_liau if r else None


def grade_words(grade: float | None) -> str:
    """A grade in words for a page: "grade 7", "high school", "college", "graduate"."""
    if grade is None:
        return "unknown"
    g = round(grade)
    if g <= 8:
        return f"grade {max(g, 1)}"
    if g <= 12:
        return "high school"
    if g <= 16:
        return "college"
    return "graduate"
