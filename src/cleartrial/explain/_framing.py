"""Criteria as sentences to the reader: "You can join if you …", "You cannot join if you …".

Registry criteria are fragments written about a third person ("Patients must have",
"Histologically confirmed adenocarcinoma", "Age ≥ 18 years", "No prior chemotherapy").
:func:`as_you` turns the common shapes into a clause about "you", keeping every word that
carries meaning and changing only the subject and the verb around it:

* "Patients with X" → "you have X"; "Patients who are X" → "you are X"; "Patients must not
  have X" → "you do not have X"; "Has X" → "you have X"; "Able to X" → "you are able to X";
* "Age 18 or older" → "you are 18 or older"; "Hemoglobin of at least 9 g/dL" → "your
  hemoglobin is at least 9 g/dL";
* "History of X" → "you have a history of X"; "Known X" → "you are known to have X";
  "Prior X" → "you have had prior X"; "No X" → "you have no X"; a condition → "you have X";
* "Women of childbearing potential must use …" is a rule for some readers only: "If you are a
  woman of childbearing potential, you must use …" (said without the join framing).

A sentence with its own verb ("Prior radiotherapy is allowed", "Bleeding disorders will
exclude a patient …") or a label ("Liver: …") is not reframed: it is shown as written (with
the plain words), because forcing it into "you have …" would change what it says.
"""

from __future__ import annotations

import re

from ._aliases import SAYS_SECTION
from ._grammar import (
    ADVERB,
    ING_NOUNS,
    NOT_ABOUT_YOU,
    PARENS,
    PARTICIPLES,
    PAST,
    PAST_PARTICIPLE,
    PERSONS,
    STATE_WORDS,
    VERBS,
    agree,
    base,
    is_clause,
    lower_first,
    third_person,
)

_SUBJECT = (r"(?:all\s+|any\s+|the\s+|eligible\s+|adult\s+|female\s+|male\s+)?"
            r"(?:patients?|subjects?|participants?|individuals?|persons|people|volunteers?|candidates?)")
_SUBJECT_RE = re.compile(rf"{_SUBJECT}(?P<poss>'s?|’s?)?(?![\w-])\s*", re.IGNORECASE)
_WOMEN = re.compile(r"(?P<who>women|men|females|males|female|male|mothers|girls|boys)(?![\w-])\s*", re.IGNORECASE)
_MODAL = re.compile(
    r",?\s*(?P<modal>must\s+(?:agree|be\s+willing)\s+to|must|should|shall|will\s+(?:need|have)\s+to|need\s+to|"
    r"(?:are|is)\s+required\s+to|have\s+to|agree\s+to)\s+(?P<vp>.+)$",
    re.IGNORECASE,
)
# A subject's own predicate further on ("Subjects with X are eligible", "… should not be
# enrolled"): the sentence is not a description of the reader, unless the predicate only says
# what the section heading says (then it goes, and "You can/cannot join if" says it).
_PREDICATE = re.compile(
    r"(?<![\w-])(?:(?:should|must|will|shall|may|can|would)\s+(?:not\s+)?be|cannot\s+be|(?:are|is)(?:\s+not)?)\s+"
    r"(?:eligible|ineligible|excluded|included|allowed|permitted|acceptable|enrolled|considered|candidates?)(?![\w-])"
    r"[^.;]*\Z|(?<![\w-])(?:can|cannot)\s+join(?![\w-])",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^[A-Z][\w /&'-]{1,40}:\s+\S")
def _woman(w: re.Match[str], rest: str) -> str:
    noun = {"women": "a woman", "men": "a man", "females": "female", "males": "male", "mothers": "a mother",
            "girls": "a girl", "boys": "a boy"}.get(w.group("who").lower(), w.group("who").lower())
    rest = re.sub(r"^(who|that)\s+(not\s+)?(\w+)", lambda q: f"{q.group(1)} {q.group(2) or ''}{third_person(q.group(3))}",
                  rest, flags=re.IGNORECASE)
    return f"you are {noun} {rest}".rstrip()


def conditional(text: str) -> str | None:
    """ "Women of childbearing potential must use …" → "If you are a woman of childbearing
    potential, you must use …"; None when the sentence is not such a rule."""
    s = _SUBJECT_RE.match(text)
    w = None if s else _WOMEN.match(text)
    m = s or w
    if not m or not m.end() < len(text) or (s and s.group("poss")):
        return None
    rest = text[m.end() :]
    if not re.match(r"(?:of|with|who|that|in|on|taking|receiving|using|undergoing|having|not|without)(?![\w-])", rest, re.IGNORECASE):
        return None
    modal = _MODAL.search(rest)
    if not modal or modal.start() == 0:
        return None
    qual, vp = rest[: modal.start()].strip(), modal.group("vp")
    if re.search(r"(?<![\w-])(?:and|or)\s+(?:their|his|her)\b", qual, re.IGNORECASE):
        return None  # "Women … and their partners must …": a rule for two people
    verb = modal.group("modal").lower()
    verb = "must agree to" if verb == "agree to" else verb
    cond = _woman(w, qual) if w else _you_subject(qual)
    if cond is None:
        return None
    return f"If {cond}, you {verb} {agree(vp)}"


_SINCE = re.compile(r"(?:at\s+least\s+|more\s+than\s+|a\s+minimum\s+of\s+)?\d[\d,.]*\s+(?:days?|weeks?|months?|years?)\s+(?:since|from|after)\b", re.IGNORECASE)


def _you_subject(rest: str) -> str | None:
    """The clause after a subject ("Patients …"), for "you"; None when it cannot be said."""
    r = rest.strip()
    low = r.lower()
    m = re.match(r"(?:who|that)\s+(\w+)(?:\s+(not)\b)?\s*", low)
    if m:
        verb, neg = m.group(1), m.group(2)
        tail = r[m.end() :]
        if verb in ("do", "does", "did") and neg:
            return f"you {'did' if verb == 'did' else 'do'} not {tail}"
        return f"you {base(verb)}{' not' if neg else ''} {tail}".rstrip()
    m = re.match(r"(must|should|shall|need\s+to|have\s+to|(?:are|is)\s+required\s+to)(\s+not)?(?:\s+(be|have|had)(?![\w-]))?\s*", low)
    if m:
        neg, verb, tail = bool(m.group(2)), m.group(3), r[m.end() :]
        if verb == "be":
            if _SINCE.match(tail) and not neg:
                return f"it has been {tail}"  # "Must be at least 4 weeks since surgery"
            return f"you are{' not' if neg else ''} {tail}"
        if verb in ("have", "had"):
            if tail.lower().startswith(("been ", "had ", "received ", "undergone ", "taken ")):
                return f"you have{' not' if neg else ''} {tail}"
            tail = re.sub(r"(?<![\w-])(or|and)\s+be(?![\w-])", r"\1 are", tail)
            return f"you {'do not have' if neg else 'have'} {tail}"
        return f"you {'do not ' if neg else ''}{tail}" if tail else None
    m = re.match(r"(may|can|cannot|will|could|might)(?![\w-])\s*", low)
    if m:
        return f"you {lower_first(r)}"
    m = re.match(r"(are|is|were|was|have|has|had|do|does|did)(?![\w-])\s*", low)
    if m:
        return f"you {base(m.group(1))} {r[m.end():]}".rstrip()
    if re.search(r"(?<![\w-])who(?![\w-])", low) or is_clause(r):
        # "Subjects with melanoma who have …": "who" is the subject, not the melanoma;
        # "Patients with X can also have Y": the sentence has its own verb.
        return None
    if low.startswith("with "):
        return f"you have {r[5:]}"
    if low.startswith("without "):
        return f"you do not have {r[8:]}"
    if low.startswith("having "):
        return f"you have {r[7:]}"
    first = low.split(" ", 1)[0]
    if first in ("of", "in", "on", "from", "at", "under", "over", "aged", "older", "younger", "between") or first.endswith("ing"):
        return f"you are {r}"
    if first in PARTICIPLES:
        return f"you have been {r}"
    if first == "known" or first in STATE_WORDS or (first.endswith("ed") and len(first) > 5):
        return f"you are {r}"  # "Patient immunocompromised at enrollment"
    return None


_AGE_LEAD = re.compile(r"(?:age|aged|ages)\s*:?\s*(?:of\s+|is\s+|must\s+be\s+)?(?=\d|older|younger|between|over|under|at\s+least|no\s+more|more|less|from)", re.IGNORECASE)
_NUMBER_LEAD = re.compile(r"\d[\d,.]*\s*(?:to\s+\d[\d,.]*\s*)?(?:years?|months?)?\s*(?:old|of\s+age)?\s*(?:or|and)\s+(?:older|younger)", re.IGNORECASE)
_BOTH_SEXES = re.compile(r"(?:both\s+)?(?:men|males?|man)\s*(?:and|or|&|/|and/or)\s*(?:women|females?|woman)\s*,?\s*", re.IGNORECASE)
_MEASURE = re.compile(
    r"(?P<name>[A-Za-z](?:[^,;:.!?()]|\([^()]{1,30}\)){0,120}?)\s*(?::\s*)?\s(?P<cmp>(?:of\s+)?(?:at\s+least|no\s+more\s+than|more\s+than|less\s+than)|"
    r"above|below|between|up\s+to|(?:of\s+)?(?=\d))\s*(?P<rest>.*)$",
    re.DOTALL,
)
_MEASURE_BAD = re.compile(
    r"(?<![\w-])(?:no|not|any|prior|previous|history|with|without|who|that|must|has|have|had|is|are|was|were|"
    r"be|been|within|for|since|after|before|received|receiving|treated|use|using|taking|age|aged|in|on|at|to|"
    r"from|than|if|or|stage|grade|phase|type|class|cycle|cycles|day|days|week|weeks|month|months|year|years|"
    r"dose|doses|least|all|one|two|three|more|less|under|over|above|below|greater|lower|higher|exceeding|up|"
    r"each|every|per|some|between|during|most|percent|informed|assent|if|when|while|your|you|maximum|minimum|max|"
    r"min|total|number|cohort|cohorts|group|groups|arm|arms|part|parts|step|level)(?![\w-])",
    re.IGNORECASE,
)


def measure(text: str) -> str | None:
    """ "Hemoglobin of at least 9 g/dL" → "your hemoglobin is at least 9 g/dL"."""
    m = _MEASURE.match(text)
    if not m or not m.group("rest") and not m.group("cmp"):
        return None
    name = m.group("name").strip()
    bare = PARENS.sub(" ", name)
    last = bare.split()[-1].lower() if bare.split() else ""
    if len(bare.split()) == 1 and last.endswith("ed"):
        return None  # "Failed at least 4 …" is a verb, not a measure
    if last.endswith("ly") or last in ("of", "to", "for", "with", "in", "on", "by", "at", "from", "than", "and", "or"):
        return None
    if len(bare.split()) > 7 or _MEASURE_BAD.search(bare) or not m.group("rest")[:1].strip() or ": " in m.group("rest"):
        return None
    cmp = re.sub(r"^of\s+", "", m.group("cmp"), flags=re.IGNORECASE).strip()
    head = bare.split()[-1].lower() if bare.split() else ""
    plural = re.search(r"\band\b|/", bare) or (head.endswith("s") and not head.endswith(("ss", "us", "is")) and head.islower())
    return f"your {lower_first(name)} {'are' if plural else 'is'} {cmp + ' ' if cmp else ''}{m.group('rest')}"


_PREDICATE_HINT = re.compile(r"eligible|included|excluded|allowed|permitted|acceptable|enrolled|considered|candidate|join")
_DOUBLE_NEGATIVE = re.compile(r"(?:[\w'-]+\s+){0,2}(?:may|must|should|can|shall)\s+not\b|(?:[\w'-]+\s+){0,2}cannot\b", re.IGNORECASE)
_HISTORY = [
    (re.compile(r"^you have no (?:prior |past |previous )?(?:medical )?history of ", re.IGNORECASE), "you have never had "),
    (re.compile(r"^you have (?:a )?known (?:medical )?history of ", re.IGNORECASE), "you are known to have had "),
    (re.compile(r"^you have (?:a |any )?(?:prior |past |previous )?(?:medical )?history of ", re.IGNORECASE), "you have had "),
]


def as_you(text: str, section: str = "inclusion", *, lead_in: bool = False) -> str | None:
    """The criterion as a clause about "you" (see the module doc), or None to leave it as it is.
    ``lead_in``: the criterion introduces a list ("Patients must have:"); only a clear subject
    or verb is reframed then, never a bare noun phrase."""
    out = _as_you(text, section, lead_in)
    if out and "history of" in out:
        for pat, said in _HISTORY:  # "you have a history of stroke" → "you have had a stroke"
            if pat.match(out):
                anyword = "any " if re.match(r"you have any ", out, re.IGNORECASE) else ""
                return said + anyword + out[pat.match(out).end() :]
    return out


def _as_you(text: str, section: str, lead_in: bool) -> str | None:
    t = text.strip()
    low = t.lower()
    if not t or low.startswith(("see ", "not specified", "not applicable", "none", "n/a")):
        return None
    if section == "exclusion" and _DOUBLE_NEGATIVE.match(t):
        return None  # "Patients may not be pregnant" under exclusion: framed, a double negative
    hint = _PREDICATE_HINT.search(low)
    says = SAYS_SECTION.get(section) if hint else None
    said = says.search(t) if says else None
    if said and t[said.end() :].strip(" ."):
        said = None
    if said:
        t = t[: said.start()].rstrip(" ,")  # "Subjects with X are eligible": the frame says it
        low = t.lower()
    elif hint and _PREDICATE.search(t):
        return None
    s = _SUBJECT_RE.match(t)
    if s and s.group("poss"):
        return measure(t[s.end() :])  # "Patient's life expectancy of more than 3 months"
    if s:
        out = _you_subject(t[s.end() :])
        return agree(out) if out else None
    both = _BOTH_SEXES.match(t)
    if both:
        t, low = t[both.end() :], low[both.end() :]
        if not t:
            return None
    w = _WOMEN.match(t)
    if w and w.end() < len(t) and not is_clause(t):
        return _woman(w, t[w.end() :])
    a = _AGE_LEAD.match(t)
    if a or _NUMBER_LEAD.match(t):
        rest = t[a.end() :] if a else t
        rest = re.sub(r"^(\d[\d.,]*)\s*(?:and|or|&)\s*(?:older|over|above|greater|more|up)\b", r"\1 or older", rest, flags=re.IGNORECASE)
        rest = re.sub(r"^(\d[\d.,]*)\s*(?:and|or|&)\s*(?:younger|under|below|less)\b", r"\1 or younger", rest, flags=re.IGNORECASE)
        bare = re.match(r"(?:from\s+)?\d+(?:[.,]\d+)*(?:\s*to\s*\d+(?:[.,]\d+)*)?(?=\s*(?:[,;.]|\Z|\s+and\s|\s+or\s(?!older|younger)|\s+\())", rest)
        if bare:
            rest = rest[: bare.end()] + " years old" + rest[bare.end() :]  # "Aged 18 to 70" → "18 to 70 years old"
        elif re.search(r"(?:years?|months?)\s*\Z", rest, re.IGNORECASE):
            rest += " old"
        return f"you are {rest}"
    if _LABEL.match(t) and not measure(t):
        return None
    adv = ADVERB.match(t) or re.match(r"(?P<adv>[a-z]+ly)\s+(?=[a-z]+(?:ed|s)?\b)", t, re.IGNORECASE)
    lead = t[adv.end() :] if adv else t
    adv_word = adv.group("adv").lower() + " " if adv else ""
    first = lead.split(" ", 1)[0].lower().strip(",")
    rest = lead[len(first) :].strip()
    if first in ("has", "have"):
        return agree(f"you {adv_word}have {rest}")
    if first in ("is", "are", "be"):
        return agree(f"you are {adv_word}{rest}")
    if first in ("was", "were"):
        return agree(f"you were {adv_word}{rest}")
    if first in ("had",):
        return agree(f"you {adv_word}had {rest}")
    if first in ("must", "should", "shall", "may", "can", "cannot", "will"):
        if section == "exclusion" and re.match(r"\w+\s+not\b", lead, re.IGNORECASE):
            return None  # "May not be receiving …" under exclusion: framed, it would be a double negative
        out = _you_subject(lead)
        return agree(out) if out else None
    if is_clause(t) or first in NOT_ABOUT_YOU:
        return None
    if first == "not":
        return _negated(rest, adv_word)
    if first in STATE_WORDS:
        said = re.sub(r"\s+(?:women|females|mothers|patients|subjects|people|individuals)\s*\Z", "", lead, flags=re.IGNORECASE)
        return f"you are {adv_word}{lower_first(said)}"
    if first.endswith("ing") and first not in ING_NOUNS:
        if first == "having":
            return f"you have {adv_word}{rest}"
        if rest.lower().startswith("of "):  # "Taking of any blood thinners"
            return f"you are {adv_word}{first} {rest[3:]}"
        return f"you are {adv_word}{lower_first(lead)}"  # "Receiving dialysis" → "you are receiving dialysis"
    if first in PARTICIPLES:
        lead = re.sub(r"^(\w+)\s+(?:people|patients|subjects|participants|women|men|children|adults)\b", r"\1", lead, flags=re.IGNORECASE)
        return f"you have {adv_word}been {lower_first(lead)}"
    if re.match(r"[\w-]+-free\b", lead, re.IGNORECASE):
        return f"you are {adv_word}{lower_first(lead)}"  # "Drug-free for 2 weeks"
    if first in PAST_PARTICIPLE:
        return f"you have {adv_word}{lower_first(lead)}"
    if first in PAST:
        return f"you {adv_word}{first} {rest}".rstrip()
    if base(first) in VERBS and not rest.lower().startswith("of "):
        return agree(f"you {adv_word}{base(first)} {rest}".rstrip())
    if adv and ADVERB.match(t):
        return None  # "Currently …" with no verb we know: said as written
    measured = measure(t)
    if measured:
        return measured
    return None if lead_in else _noun_phrase(t)


def _negated(rest: str, adv_word: str) -> str | None:
    first = rest.split(" ", 1)[0].lower()
    tail = rest[len(first) :].strip()
    if first in ("have", "has"):
        return f"you do not have {tail}"
    if first in ("had", "received", "undergone", "taken", "been", "used"):
        return f"you have not {adv_word}{rest}"
    if first in PAST:
        return f"you have not {adv_word}{rest}"
    if first in ("be", "is", "are"):
        return f"you are not {tail}"
    if not first or first in ("specified", "applicable", "required", "allowed", "permitted"):
        return None
    return f"you are not {adv_word}{rest}"


_PREGNANT = re.compile(
    r"pregnan(?:cy|t)(?:\s*(?:,|or|and|and/or|/)\s*(?:breastfeeding|breast-feeding|lactating|nursing|lactation))*"
    r"(?:\s+women)?\s*\Z",
    re.IGNORECASE,
)


_PERSON_FOLLOWERS = frozenset("in with who of on at for from aged over under between receiving undergoing taking".split())


def _noun_phrase(t: str) -> str | None:
    low = t.lower()
    words = low.split()
    k = 1 if words[0] in ("a", "an", "adult", "female", "male") and len(words) > 1 else 0
    if words[k] in PERSONS and (len(words) <= k + 1 or words[k + 1] in _PERSON_FOLLOWERS):
        t = re.sub(r"^an?\s+", "", t, flags=re.IGNORECASE)
        article = "an" if re.match(r"[aeiou]", t, re.IGNORECASE) else "a"
        return f"you are {article} {lower_first(t)}"  # "Adolescent in treatment" → "you are a teenager …"
    if words[0] in ("age", "ages", "aged"):
        return None
    m = re.match(r"(?:any\s+|a\s+|prior\s+|past\s+|previous\s+|known\s+|documented\s+)?(?:history|diagnosis)\s+of\b", low)
    if m:
        return f"you have {'' if low.startswith(('any ', 'a ')) else 'a '}{lower_first(t)}"
    m = re.match(r"(?:current\s+|concurrent\s+|active\s+|ongoing\s+)?(?:participation|enrollment|enrolment)\s+in\b", low)
    if m:
        now = low.split()[0] in ("current", "concurrent", "active", "ongoing")
        return f"you are {'currently ' if now else ''}taking part in{t[m.end():]}" if now else f"you have taken part in{t[m.end():]}"
    m = re.match(r"(?:inability|unable)\s+to\b", low)
    if m:
        return f"you are unable to{t[m.end():]}"
    m = re.match(r"(?:ability|willingness)\s+to\b", low)
    if m:
        return f"you are {'able' if low.startswith('ability') else 'willing'} to{t[m.end():]}"
    m = re.match(r"unwillingness\s+to\b", low)
    if m:
        return f"you are unwilling to{t[m.end():]}"
    m = re.match(r"(?:the\s+)?presence\s+of\s+", low)
    if m:
        return f"you have {t[m.end():]}"
    m = re.match(r"absence\s+of\b", low)
    if m:
        return f"you have no{t[m.end():]}"
    if _PREGNANT.match(t):
        return "you are pregnant" + t[t.find(" ") :] if " " in t else "you are pregnant"
    m = re.match(r"(?:current\s+|concurrent\s+|concomitant\s+|regular\s+|chronic\s+)?use\s+of\b", low)
    if m:
        how = low.split()[0]
        lead = "you currently use" if how in ("current", "concurrent", "concomitant") else "you regularly use" if how in (
            "regular", "chronic") else "you have used"
        return f"{lead}{t[m.end():]}"
    m = re.match(r"(?:treatment|therapy)\s+with\b", low)
    if m:
        return f"you have had {lower_first(t)}"
    if low.startswith("known "):
        if re.match(r"known\s+(?:allergy|allergies|hypersensitivity|intolerance)\b", low):
            return f"you have a {lower_first(t)}"  # keeps "known allergy" together
        return f"you are known to have {t[6:]}" if not low.startswith("known to ") else f"you are {lower_first(t)}"
    if re.match(r"(?:prior|previous|past|recent)\s", low):
        return f"you have had {lower_first(t)}"
    if low.startswith("no "):
        had = re.match(r"no\s+(?:prior|previous|recent|more\s+than|other\s+prior)\b", low)
        return f"you have {'had ' if had else ''}{lower_first(t)}"
    if low.startswith("at least ") and re.search(r"\bsince\b", low):
        return f"it has been {lower_first(t)}"
    if re.match(r"(?:within|more\s+than|less\s+than|during|after|before|following|if|when|for)\b", low):
        return None
    head = re.sub(r"\([^()]*\)", "", t).split()
    if head and head[-1].lower().rstrip(".,") in PERSONS:
        article = "an" if re.match(r"[aeiou]", t, re.IGNORECASE) else "a"
        return f"you are {article} {lower_first(t)}"  # "Liver transplant recipient"
    return f"you have {lower_first(t)}"
