"""Small English helpers for the framing: verb forms, pronouns, word lists, capitals.

Kept apart from :mod:`._framing` (which decides *what* a criterion says about the reader) so
that each stays short; nothing here knows about trials.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .glossary import entries

_FINITE = re.compile(
    r"(?<![\w-])(?<!\bto )(?<!\bnot )(?:is|are|was|were|will|must|should|shall|may|can|cannot|could|would|has|have|had|does|do|did|"
    r"needs?|includes?|means|excludes?|requires?|(?:is|are|be)\s+(?:not\s+)?(?:allowed|permitted|excluded|eligible|required))"
    r"(?![\w-])|(?<![\w-])(?:allowed|permitted|prohibited|excluded|acceptable|not\s+required|required)\s*\Z",
    re.I,
)
_CLAUSE_STOP = re.compile(r"(?<![\w-])(?:that|which|who|whom|whose|where|when|if|unless|because|while|until|although|"
                          r"whether)(?![\w-])", re.I)
PARENS = re.compile(r"\([^()]*\)")
STATE_WORDS = frozenset(
    """able unable willing unwilling eligible ineligible pregnant breastfeeding breast-feeding lactating nursing
    postmenopausal premenopausal perimenopausal menopausal fertile infertile healthy aged male female capable
    incapable ambulatory hospitalized currently unlikely likely expected available alive fit competent ready
    older younger over under between sexually surgically post-menopausal pre-menopausal english-speaking
    literate illiterate obese overweight underweight institutionalized homeless incarcerated""".split()
) - {"expected", "likely", "unlikely"}
NOT_ABOUT_YOU = frozenset(
    "the this these those it there he she they his her their its which what study investigator".split()
)
PARTICIPLES = frozenset(
    """treated diagnosed exposed infected vaccinated hospitalized admitted randomized enrolled selected referred
    tested assigned allocated operated transplanted immunized screened cured scheduled planned considered
    deemed judged identified evaluated examined seen followed registered""".split()
)
VERBS = frozenset(
    """agree meet require receive understand speak provide sign consent live reside use take need want plan intend
    complete demonstrate exhibit present report weigh smoke drink consume undergo participate comply follow
    accept own read write attend travel work sleep practice experience suffer refuse fail give sustain develop
    show maintain achieve lack tolerate continue remain""".split()
)
PAST = frozenset(
    """received underwent completed participated signed used took experienced failed donated smoked consumed lived
    travelled traveled attended tested had suffered sustained developed showed achieved discontinued stopped
    started""".split()
)
PAST_PARTICIPLE = frozenset("undergone taken given been done gone".split())
ADVERB = re.compile(r"(?P<adv>currently|now|previously|recently|ever|still|already|actively|presently|concurrently)\s+", re.I)


ING_NOUNS = frozenset(
    """bleeding swelling breastfeeding breast-feeding nursing smoking drinking hearing screening staging
    vomiting wheezing fasting training counseling counselling imaging testing dosing functioning
    wellbeing being housing clotting bruising itching""".split()
)
PERSONS = frozenset(
    """recipient candidate smoker nonsmoker non-smoker donor volunteer carrier survivor user resident speaker
    employee member veteran student athlete outpatient inpatient adult child adolescent infant woman man
    female male patient subject participant drinker runner worker teenager teen parent mother father
    person newborn baby""".split()
)


def base(verb: str) -> str:
    """Third person to base form: "has" → "have", "meets" → "meet", "carries" → "carry"."""
    low = verb.lower()
    special = {"has": "have", "is": "are", "was": "were", "does": "do", "goes": "go"}
    if low in special:
        return special[low]
    if low.endswith("ies") and len(low) > 4:
        return low[:-3] + "y"
    if low.endswith(("sses", "shes", "ches", "xes", "zes")):
        return low[:-2]
    if low.endswith("s") and not low.endswith(("ss", "us", "is")) and low[:-1] in VERBS:
        return low[:-1]
    return low


def agree(text: str) -> str:
    """Pronouns and verbs that followed a third-person subject, for "you"."""
    if not _THIRD_PERSON.search(text):
        return text
    for pat, said in _PRONOUNS:
        text = pat.sub(said, text)
    return _VERB_AFTER.sub(lambda m: f"{m.group(1)} {base(m.group(2))}", text)


_THIRD_PERSON = re.compile(r"(?<![\w-])(?:he|she|s/he|they|his|her|their|him|them|themselves|himself/herself|has|is|was|does)"
                           r"(?![\w-])", re.I)
_PRONOUNS = [
    (re.compile(r"(?<![\w-])(?:he\s+or\s+she|he/she|s/he|they)(?![\w-])", re.I), "you"),
    (re.compile(r"(?<![\w-])(?:his\s+or\s+her|his/her|their)(?![\w-])", re.I), "your"),
    (re.compile(r"(?<![\w-])(?:him\s+or\s+her|him/her|them)(?![\w-])", re.I), "you"),
    (re.compile(r"(?<![\w-])(?:themselves|himself/herself)(?![\w-])", re.I), "yourself"),
]
_VERB_AFTER = re.compile(r"(?<![\w-])(you|and|or)\s+(has|is|was|does)(?![\w-])")


@lru_cache(maxsize=1)
def _proper_terms() -> dict[str, tuple[str, ...]]:
    """Glossary terms that start with a capital (Hodgkin, Crohn, New York Heart Association),
    by their first word: a sentence starting with one keeps its capital."""
    out: dict[str, list[str]] = {}
    for e in entries():
        w = e.term.split()[0].removesuffix("'s")
        if w[:1].isupper() and w[1:].islower():
            out.setdefault(w, []).append(e.term)
    return {k: tuple(v) for k, v in out.items()}


def lower_first(text: str) -> str:
    """Lower-case the first word when it is an ordinary capitalised word."""
    m = re.match(r"([A-Z])([a-z]+)?(?=[\s,;:.)\-]|$)", text)
    if not m:
        return text
    word = m.group(0)
    names = _proper_terms().get(word)
    if names and any(text.lower().startswith(n.lower()) for n in names):
        return text
    if text[len(word) : len(word) + 2] in ("'s", "’s"):
        return text
    if re.match(r"\s+(?:and\s+|of\s+|&\s+)?[A-Z][a-z]", text[len(word) :]):
        return text  # "Diagnostic and Statistical Manual": a name in Title Case
    return text[0].lower() + text[1:]


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def is_clause(text: str) -> bool:
    """Does the sentence have its own verb (before any relative clause)? Then it is not reframed."""
    text = PARENS.sub(" ", text)
    stop = _CLAUSE_STOP.search(text)
    head = text[: stop.start()] if stop else text
    return bool(_FINITE.search(head))


# ---------------------------------------------------------------------------------------------


def third_person(verb: str) -> str:
    """Base form to third person, after "a woman who": "plan" → "plans", "are" → "is"."""
    low = verb.lower()
    special = {"are": "is", "have": "has", "were": "was", "do": "does"}
    if low in special:
        return special[low]
    if low in VERBS:
        return low + ("es" if low.endswith(("s", "sh", "ch", "x", "z", "o")) else "s")
    return verb
