"""Technical words into plain ones: the lay glossary and the record's own abbreviations.

For each glossary term found in a criterion the rewriter either *replaces* it with the
glossary's ``plain`` wording or *keeps* it and lists its one-line explanation once for the
trial (the ``glossary`` of ``explain_trial``). A replacement must read right in the sentence,
and the glossary's ``plain`` column was written to stand in for a term in general, not in
every grammatical slot, so the choice is made per entry (:func:`policy`):

* ``plain`` writes out an acronym ("ANC" → "neutrophil count (ANC)"): used every time.
* ``plain`` is the term with a gloss ("pembrolizumab (immunotherapy medicine)"): the term is
  kept and the gloss goes to the trial's list of explanations; in every line it would make
  the criteria longer and harder to read.
* ``plain`` is other words: replaced when they can stand where the term stood — a noun for a
  noun ("myocardial infarction" → "heart attack", "hypersensitivity" → "allergy"), one or two
  words for an adjective ("renal" → "kidney", "malignant" → "cancerous"), a short name for a
  treatment ("radiotherapy" → "radiation treatment"). Not when the plain words start with a
  verb, a preposition or a negation ("prior" → "before" would turn "no prior chemotherapy"
  into nonsense; "history of" → "have had"), nor for a lab test or a score, whose exact name
  the study team and the lab report use: those are kept and explained in the list.
* units and comparison phrases are left to the wording step.

Abbreviations a record defines ("left ventricular ejection fraction (LVEF)") and the glossary
does not know are written out at their first use in each criterion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ._aliases import LAY_TERMS
from ._lay import swap_words
from ._signals import glossary_matches
from .glossary import Entry, Match, expand_abbreviations, lookup

KEEP, REPLACE, WORDS = "keep", "replace", "words"

# Entries whose plain words do not fit the places records use the term in (checked by reading
# the rewrites of the shared corpus): "arm or leg" is no study arm, a "nursing home" no
# breastfeeding, "baseline" and "screening" are moments, not things.
_BLOCK = frozenset(
    w.strip()
    for w in """arm|nursing|baseline|screening|relapse|relapsed|remission|eligibility|eligible|ineligible|
    inclusion criteria|exclusion criteria|stool|participant|dose|medical history|compliance|noncompliance|
    abnormality|subtype|donor|oral|orally|prior|concurrent|diagnosis|diagnosed|history of|documented|
    progression|enroll|enrolled|enrollment|protocol|advanced|cohort|clinically|measurable|evaluable|
    therapeutic|toxic|supportive|responsive|potent|overt|occult|lateral|focal|diffuse|de novo|reflux|
    elective|naive|nadir|onset|initiation|study drug|complete remission|complete response|
    partial response|fasting|injection|injections|spine|spinal|exon|first-line|second-line|third-line|front-line|later-line|follow-up|long-term|
    short-term|allergy|contraindication|contraindications|contraindicated|serum|urine|pregnancy test|
    surgical|pathology|aspiration|cytology|expectancy|negative pregnancy test|tissue""".split("|")
)
_NOT_A_START = frozenset(
    """have has had is are was were be can cannot could should comes came not no without of in on by
    for about to into from with at under above after before around nearer farther causing caused
    taking getting being passed running able unable found joined spread grown meant affecting helping
    improves treating assigned approved breathed made given needing needs used coming going how what when
    where why whether""".split()
)
_VERBISH = frozenset(
    """is are was were be been has have had can cannot could should must may might will would needs need
    makes make helps help causes cause takes take gets get keeps keep comes come goes go stops stop
    means mean shows show""".split()
)
_ADJECTIVE_ENDINGS = ("ic", "al", "ous", "ive", "ary", "oid", "ar", "ed", "ing", "ant", "ent", "able", "ible", "tic", "ile")
_PAREN = re.compile(r"\s*\([^()]*\)")
_NAMED_KINDS = frozenset({"lab", "score", "drug_class", "procedure"})


@lru_cache(maxsize=4096)
def policy(entry: Entry) -> str:
    """How a glossary term is put into plain words (see the module doc)."""
    term, plain = entry.term.lower(), entry.plain.lower()
    if entry.kind == "unit" or term in _BLOCK:
        return KEEP
    if plain == term or not plain:
        return KEEP
    if term in plain:
        # "neutrophil count (ANC)": an acronym written out reads better every time. A gloss
        # after the word ("pembrolizumab (immunotherapy medicine)") goes to the trial's list
        # of explanations instead: in every line it would make the criteria longer and harder.
        return KEEP if plain.startswith(term) else WORDS
    words = _PAREN.sub("", plain).split()
    if not words or words[0] in _NOT_A_START or words[0].endswith("ing") or _VERBISH.intersection(words):
        return KEEP  # "losing touch with reality", "body needs a substance": not a noun
    if {"you", "your", "who", "which", "that"}.intersection(words):
        return KEEP  # "person who looks after you": would read as the reader in a "you" sentence
    if entry.kind in ("lab", "score"):
        return KEEP  # the study team and the lab report use the exact name: explained, not replaced
    if entry.kind in ("procedure", "drug_class"):
        return REPLACE if len(words) <= 4 and "(" not in plain else KEEP
    last = term.split()[-1]
    adjective = last.endswith(_ADJECTIVE_ENDINGS)
    if adjective:
        return REPLACE if len(words) <= 2 and "(" not in plain and "," not in plain else KEEP
    return REPLACE if len(words) <= 7 else KEEP


@dataclass(slots=True)
class TermState:
    """What one trial's rewrite needs and has said: the record's abbreviations, and the
    explanations to list (each term once)."""

    abbreviations: dict[str, str] = field(default_factory=dict)  # the record's own, not in the glossary
    explained: dict[str, str] = field(default_factory=dict)  # term as shown → explanation, in order

    @classmethod
    def for_record(cls, defined: dict[str, str]) -> TermState:
        own = {k: v for k, v in defined.items() if lookup(k) is None and not _same(k, v)}
        return cls(abbreviations=own)

    _seen: set[str] = field(default_factory=set)

    def explain(self, term: str, explanation: str) -> None:
        key = term.lower()
        if explanation and key not in self._seen:
            self._seen.add(key)
            self.explained[term] = explanation


def _same(short: str, long: str) -> bool:
    return short.lower() == long.lower()


def terms_in(text: str) -> tuple[Match, ...]:
    return glossary_matches(text)


def _plural(phrase: str) -> str:
    """Make the head noun of a plain phrase plural: "heart attack" → "heart attacks"."""
    m = re.match(r"(.*?)(\s*\([^()]*\))?$", phrase)
    head, tail = m.group(1), m.group(2) or ""
    if re.search(r" (?:and|or) ", head):
        return phrase  # "amount and schedule of medicine": which word is the head is unclear
    cut = re.search(r" (?:of|to|not|that|for|in|from|with|who|which|on|after|before) ", head)
    if cut:  # "return of the disease", "reason not to use a treatment": the head comes first
        return _plural(head[: cut.start()]) + head[cut.start() :] + tail
    w = head.split(" ")[-1]
    if not w.isalpha() or w.endswith("s"):
        return phrase
    if w.endswith("y") and w[-2:-1] not in "aeiou":
        pl = w[:-1] + "ies"
    elif w.endswith(("ch", "sh", "x", "z")):
        pl = w + "es"
    else:
        pl = w + "s"
    return head[: len(head) - len(w)] + pl + tail


def _is_plural_form(m: Match) -> bool:
    said, term = m.text.split()[-1].lower(), m.entry.term.split()[-1].lower()
    said = said.removesuffix("'s")
    return said != term and said.endswith("s") and not term.endswith("s")


_ARTICLE = re.compile(r"(?:^|(?<=\s))(a|an|A|An)\s+$")
_VOWEL_SOUND = re.compile(r"[aeiouAEIOU]|[FHLMNRSX][A-Z]|8|11|18")


def _fix_article(before: str, word: str) -> str:
    """"an" before a vowel sound, "a" before a consonant: for the words just put in."""
    m = _ARTICLE.search(before)
    if not m or not word:
        return before
    want_an = bool(_VOWEL_SOUND.match(word)) and not word.lower().startswith(("one", "uni", "use", "usu", "eu"))
    art = m.group(1)
    new = ("an" if want_an else "a") if art.islower() else ("An" if want_an else "A")
    return before[: m.start(1)] + new + before[m.end(1) :]


_DETERMINER = re.compile(r"(?:^|\s)(?:the|a|an|any|this|that|your|their|his|her|its)\s+$", re.I)


def replace_terms(text: str, state: TermState, end: int | None = None) -> str:
    """``text[:end]`` with glossary terms and the record's abbreviations in plain words.

    The terms are looked up in the whole ``text`` (the criterion as the faithfulness check
    also reads it, so one lookup serves both) and those ending after ``end`` are ignored."""
    out: list[str] = []
    pos = 0
    end = len(text) if end is None else end
    expanded: set[str] = set()  # record abbreviations written out in this criterion
    for m in terms_in(text):
        if m.end > end:
            break
        if m.start < pos:
            continue
        out.append(_abbreviations(text[pos : m.start], text, state, expanded))
        if m.entry.kind != "unit" and _AFTER_NUMBER.search(text[max(0, m.start - 40) : m.start]):
            # "2.5 times the upper normal limit": a unit, put into words by the wording step.
            out.append(m.text)
            pos = m.end
            continue
        if _in_compound(text, m):
            # "anti-Cytotoxic", "stage II-IIIA": part of a longer word; replacing half of it
            # would garble it.
            state.explain(m.text, m.entry.explanation)
            out.append(m.text)
            pos = m.end
            continue
        if " " in m.entry.term and _SHARED_HEAD.search(text[max(0, m.start - 40) : m.start]):
            # "adjuvant or neoadjuvant therapy": the first word shares the term's last word, so
            # the term must stay whole for the list to read right.
            state.explain(m.text, m.entry.explanation)
            out.append(m.text)
            pos = m.end
            continue
        said = _one_term(m, text, state, "".join(out[-2:]))
        stop = m.end
        if said != m.text:
            stop = min(_skip_repeat(text, stop, said), end)
            if len(out) >= 1:
                out[-1] = _fix_article(out[-1], said)
        out.append(said)
        pos = stop
    out.append(_abbreviations(text[pos:end], text, state, expanded))
    return "".join(out)


# Nouns a term can qualify ("hemodialysis patients", "autoimmune liver disease"): then a
# plain phrase of several words cannot take the term's place.
_HEADS = (
    "patients people subjects participants persons individuals disease diseases disorder disorders condition "
    "conditions cancer cancers tumor tumors tumour tumours infection infections therapy therapies treatment "
    "treatments function failure involvement status score scores test tests level levels count counts history "
    "symptoms syndrome medication medications medicine medicines drug drugs agent agents procedure procedures "
    "surgery insufficiency impairment damage injury injuries lesion lesions metastases metastasis effusion "
    "transplant transplantation support care liver kidney heart lung lungs brain bone blood skin cell cells "
    "virus antibody antibodies abnormalities abnormality complications problems problem event events"
)
_ATTRIBUTIVE = re.compile(r"(?:\s+[a-z-]+){0,2}?\s+(?:" + "|".join(_HEADS.split()) + r")\b", re.I)
_SHARED_HEAD = re.compile(
    r"(?:^|\s)(?:[A-Za-z-]+(?:ant|ent|ive|ic|al|ary|ous|ed|ing)|pre|post|non|neo|first|second|third|partial|complete|"
    r"primary|secondary|acute|chronic|adjuvant|local|systemic)\s*(?:,\s*)?(?:or|and|and/or|/)\s*\Z",
    re.I,
)
_AFTER_NUMBER = re.compile(r"\d\s*(?:x|×|X|times)?\s*(?:the\s+)?(?:institutional\s+)?\Z")


def _in_compound(text: str, m: Match) -> bool:
    before = text[m.start - 1 : m.start]
    after = text[m.end : m.end + 2]
    return m.entry.kind != "unit" and (before == "-" or (after[:1] == "-" and after[1:2].isalnum()))


def _skip_repeat(text: str, end: int, said: str) -> int:
    """End of the match, past a word the replacement already says: "ECOG score (…) score 0"."""
    words = _PAREN.sub("", said).split()
    if not words:
        return end
    nxt = re.match(r"\s+([A-Za-z]+)(?=\W|\Z)", text[end:])
    if nxt and nxt.group(1).lower() == words[-1].lower():
        return end + nxt.end()
    return end


def _one_term(m: Match, text: str, state: TermState, before: str) -> str:
    e = m.entry
    lay = LAY_TERMS.get(m.text.lower())
    if lay is not None:
        state.explain(m.text, e.explanation)
        return _keep_case(m.text, lay, before)
    how = policy(e)
    if how == KEEP:
        state.explain(m.text if e.kind != "unit" else e.term, e.explanation)
        return m.text
    plain = _plural(e.plain) if _is_plural_form(m) else e.plain
    after = text[m.end : m.end + 40].lstrip()
    if text[m.start - 1 : m.start] == "(" and text[m.end : m.end + 1] == ")":
        # "left ventricular ejection fraction (LVEF)": the record's own definition stays.
        state.explain(m.text, e.explanation)
        return m.text
    if how in (WORDS, REPLACE) and len(_PAREN.sub("", plain).split()) >= 3 and _ATTRIBUTIVE.match(text, m.end):
        # "autoimmune liver disease", "hemodialysis patients": the term qualifies the next
        # noun, and a phrase of several words cannot stand in that place.
        state.explain(m.text, e.explanation)
        return m.text
    if how == WORDS:
        # "absolute neutrophil count (ANC)": the record already gives the short form.
        paren = re.search(r"\s*\(([^()]*)\)$", plain)
        if paren and after.startswith("(" + paren.group(1) + ")"):
            plain = plain[: paren.start()]
        return _keep_case(m.text, plain, before)
    return _keep_case(m.text, plain, before)


_JOINS_THE = re.compile(r"(?:^|[\s(,;:])(?:of|with|have|has|had|for|to|in|on|at|by|from|and|or|is|are|was|were|than|as)\s+\Z|"
                        r"(?:^|[(,;:.])\s*\Z", re.I)


def _keep_case(said: str, plain: str, before: str) -> str:
    if plain.startswith("the "):
        if _DETERMINER.search(before):
            plain = plain[4:]
        elif not _JOINS_THE.search(before):
            return said  # "metastatic the most common type of lung cancer": keep the term
    if said[:1].isupper() and said[1:2].islower() and plain[:1].islower():
        return plain[0].upper() + plain[1:]
    return plain


def _abbreviations(segment: str, whole: str, state: TermState, expanded: set[str]) -> str:
    segment = swap_words(segment)
    if not state.abbreviations or not segment:
        return segment
    known = {}
    for short, long in state.abbreviations.items():
        if short in expanded or short not in segment:
            continue
        if long.lower() in whole.lower():
            continue  # the criterion defines it itself
        if re.search(rf"(?<![\w-]){re.escape(short)}(?![\w-])", segment):
            if long[:1].isupper() and long[1:2].islower() and not re.search(r"\s[A-Z]", long):
                long = long[0].lower() + long[1:]  # "Transarterial chemoembolization" mid-sentence
            known[short] = long
            expanded.add(short)
            state.explain(short, f"Short for {long}.")
    return expand_abbreviations(segment, known) if known else segment
