"""The rule-based plain-language rewriter: deterministic, offline, fast.

One criterion goes through four steps, each in its own module:

1. technical words → plain words, from the lay glossary and the record's own abbreviations
   (``_terms``);
2. comparisons, ranges and units → words (``_wording``);
3. the sentence framed for the reader (``_framing``): "You can join if you …" for inclusion,
   "You cannot join if you …" for exclusion; a rule for some readers ("Women of childbearing
   potential must …") as "If you are …, you must …"; sub-items, notes and criteria with no
   section are not framed (their lead-in or heading says what they are);
4. long sentences split: at the sentence ends the text already has, at "; " before a new
   clause, and by moving a closing "(e.g. …)" or "such as …" list into a sentence of its own.

The result is *proposed* text: :mod:`.plain` shows it only when :func:`.faithful.check`
passes, else the original. The rewriter never adds a number, a limit or an opinion, and never
says that someone qualifies: "You can join if …" states the trial's rule, not a verdict.
"""

from __future__ import annotations

import re

from ._framing import as_you, conditional, measure
from ._grammar import capitalize, is_clause
from ._lay import plain_label, split_label, split_values, stock_phrases
from ._terms import TermState, replace_terms
from ._wording import in_words

__all__ = ["frame_for", "group_lead", "rewrite_criterion", "simplify"]

INCLUDE_FRAME = "You can join if "
EXCLUDE_FRAME = "You cannot join if "

_CONNECTOR = re.compile(r"(?:^|(?<=[\s,;]))(and/or|and|or)\Z", re.I)


def _trailing(text: str) -> tuple[str, str | None]:
    """The text without its closing punctuation and a closing "and" / "or" (which is kept
    aside: "… lactating; or" still means "or")."""
    body = text.rstrip(" \t\n,;.")
    m = _CONNECTOR.search(body[-8:])
    if m:
        return body[: len(body) - len(m.group(1))].rstrip(" \t\n,;."), m.group(1)
    return body, None
# Sentence ends: ". " before a capital, not after "e.g.", "i.e.", "vs.", "Dr.", "approx." or
# one letter ("J. Smith"), and never inside a number ("2.5").
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(]?[A-Z])")
_NO_END = re.compile(r"(?:\b(?:e\.g|i\.e|vs|dr|approx|etc|no|inc|fig|st|mr|mrs|ms|ca|cf|al)|\b[A-Za-z])\.\Z", re.I)
_EXAMPLES = re.compile(
    r"\s*\((?P<lead>e\.g\.?,?|eg\.?,?|for\s+example,?|such\s+as|including|i\.e\.?,?|ie\.?,?)\s*(?P<list>[^()]+)\)\s*(?P<end>[.:]?)\Z",
    re.I,
)
_SUCH_AS = re.compile(r",?\s+such\s+as\s+(?P<list>[^;()]{3,})\Z", re.I)
_WIDE = str.maketrans({"；": ";", "，": ",", "。": ".", "：": ":", "（": "(", "）": ")", "\u00a0": " "})
LONG = 20  # words: a sentence longer than this is split where it can be


# Old (PDQ) records run their items together: "… adenocarcinoma Measurable disease No prior
# chemotherapy". A capitalised item opener after a lower-case word starts a new sentence.
_RUN_ON = re.compile(
    r"(?<=[a-z0-9)%³²])\s+(?=(?:No|Not|At least|At most|Must|Fertile|Prior|Concurrent|Recovered|Measurable|Evaluable|"
    r"Adequate|Negative|Life expectancy|See|Patients|Bidimensionally|Unidimensionally|Histologically|Cytologically|"
    r"Stage|Age|Absolute|Platelet|Hemoglobin|Bilirubin|Creatinine|Performance|Karnofsky|ECOG|WBC|AST|ALT|SGOT|SGPT)\b)"
)


def _split_sentences(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _SENT_END.finditer(text):
        piece = text[start : m.start()]
        if _NO_END.search(piece):
            continue
        out.append(piece)
        start = m.end()
    out.append(text[start:])
    pieces: list[str] = []
    for s in out:
        # "…; patients with X are excluded": a new clause after a semicolon is a new sentence.
        parts = re.split(r";\s+", s)
        cur = parts[0]
        for p in parts[1:]:
            if is_clause(p) and len(cur.split()) > 4:
                pieces.append(cur)
                cur = capitalize(p)
            else:
                cur += "; " + p
        pieces.append(cur)
    return [p.strip() for p in pieces if p.strip()]


def _split_long(sentence: str) -> list[str]:
    """A long sentence ending in a list of examples: the examples as a sentence of their own."""
    if len(sentence.split()) <= LONG:
        return [sentence]
    m = _EXAMPLES.search(sentence)
    if m and len(m.group("list").split()) >= 3:
        lead = m.group("lead").lower()
        said = ("This means" if lead.startswith(("i.e", "ie")) else "This includes" if lead == "including"
                else "For example")
        head = sentence[: m.start()].rstrip(" ,")
        return [head + (m.group("end") or "."), f"{said}: {m.group('list').strip().rstrip('.')}."]
    m = _SUCH_AS.search(sentence)
    if m and len(sentence[: m.start()].split()) >= 6:
        return [sentence[: m.start()].rstrip(" ,") + ".", f"For example: {m.group('list').strip().rstrip('.')}."]
    return [sentence]


def _end(sentence: str) -> str:
    s = sentence.rstrip()
    if not s or s[-1] in ".:?!":
        return s
    if s[-1] in ",;":
        s = s[:-1]
    return s + "."


def frame_for(section: str) -> str | None:
    return INCLUDE_FRAME if section == "inclusion" else EXCLUDE_FRAME if section == "exclusion" else None


_GROUP = re.compile(
    r"(?P<patients>(?:patients|subjects|participants)\s+(?:must\s+(?:have|meet)|with|who\s+(?:have|meet))\s+)?"
    r"(?P<q>(?:at\s+least\s+)?(?:one|two|three|four|1|2|3|4)(?:\s+or\s+more)?|any|all|either|both)\s+of\s+the\s+following"
    r"(?:\s+(?:criteria|conditions|requirements))?(?:\s+(?:must\s+be\s+(?:met|true)|must\s+apply|apply|is\s+required|"
    r"are\s+required|are\s+met))?\s*:?\s*\Z",
    re.I,
)


def group_lead(source: str, section: str) -> str | None:
    """The lead-in of a "one of the following" group in plain words, or None if it says more.

    "One of the following:" → "One of these must be true:"; under exclusion "Any of the
    following:" → "You cannot join if any of these is true:". The quantity is kept word for
    word ("at least two", "one"), so the count the group asks for cannot change."""
    m = _GROUP.match(" ".join(source.split()))
    if not m:
        return None
    q = " ".join(m.group("q").split()).lower()
    if q in ("either",):
        q = "one"
    verb = "is" if q in ("one", "1", "any", "either") else "are"
    if section == "exclusion":
        return f"{EXCLUDE_FRAME}{q} of these {verb} true for you:"
    if section == "inclusion":
        return f"{INCLUDE_FRAME}{q} of these {verb} true for you:"
    return f"{capitalize(q)} of these must be true:"


_VALUE_START = re.compile(r"\s*(?:[≥≤<>=]|\d|at\s+least|no\s+more|more\s+than|less\s+than|greater|above|below|over|under|up\s+to)", re.I)


def _prepare(text: str, state: TermState, end: int | None = None) -> str:
    """Steps 1–2 on ``text[:end]``: glossary terms and abbreviations, stock phrases,
    comparisons and units."""
    return in_words(stock_phrases(_RUN_ON.sub(". ", replace_terms(text, state, end))))


def _say(sentences: list[str], prefix: str | None, section: str, lead_in: bool) -> list[str]:
    """Step 3–4 on prepared sentences: the first framed (when ``prefix``), all split if long."""
    out: list[str] = []
    for i, s in enumerate(sentences):
        if i == 0 and prefix:
            rule = conditional(s)
            you = None if rule else as_you(s, section, lead_in=lead_in)
            s = rule if rule else prefix + you if you else s
        elif not prefix:
            s = measure(s) or s  # "Hemoglobin of at least 9 g/dL" → "Your hemoglobin is …"
        out.extend(_split_long(capitalize(s)))
    return out


def _join(out: list[str], conn: str | None, lead_in: bool) -> str:
    text = " ".join(_end(s) for s in out[:-1])
    last = out[-1] if out else ""
    if conn:
        last = last.rstrip(" .;,") + f", {conn.lower()}"
    elif not lead_in:
        last = _end(last)
    return (text + " " + last).strip()


def rewrite_criterion(source: str, section: str = "other", *, frame: bool = True, state: TermState | None = None) -> str:
    """Plain-English text for one criterion's own words (its sub-items are separate).

    ``frame`` puts "You can join if" / "You cannot join if" before an inclusion / exclusion
    criterion; sub-items and notes are rewritten without it. ``state`` carries what this
    trial's rewrite has explained so far (each explanation is listed once per trial)."""
    state = state if state is not None else TermState()
    if not source.isascii():
        source = source.translate(_WIDE)
    text = source if "  " not in source and "\n" not in source and source == source.strip() else " ".join(source.split())
    if not text:
        return source
    lead_in = text.rstrip().endswith(":")
    body, conn = (text.rstrip(), None) if lead_in else _trailing(text)
    if not body:
        return source
    label = split_label(body)
    if label and not _VALUE_START.match(label[1]):
        # "Hepatic: Bilirubin less than 1.5 mg/dL AST less than 3 times normal" (PDQ records):
        # the label in plain words, then each value as a sentence of its own.
        head = plain_label(label[0])
        if not label[1]:
            return head + ":"
        out: list[str] = []
        for value in split_values(label[1]):
            out.extend(_say(_split_sentences(_prepare(value, state)), None, section, False))
        return f"{head}: {_join(out, conn, lead_in)}"
    prefix = frame_for(section) if frame else None
    return _join(_say(_split_sentences(_prepare(text, state, len(body))), prefix, section, lead_in), conn, lead_in)


def simplify(text: str | None, *, state: TermState | None = None) -> str:
    """Plain words for running text (a brief summary, an intervention description, an outcome
    name): glossary terms, abbreviations, comparisons and units, long sentences split. No
    framing. Paragraphs (line breaks) are kept."""
    if not text:
        return text or ""
    state = state if state is not None else TermState()
    paragraphs = []
    for para in text.split("\n"):
        if not para.strip():
            paragraphs.append(para)
            continue
        body = _prepare(" ".join(para.split()), state)
        sentences: list[str] = []
        for s in _split_sentences(body):
            sentences.extend(_split_long(s))
        paragraphs.append(" ".join(sentences))
    return "\n".join(paragraphs)
