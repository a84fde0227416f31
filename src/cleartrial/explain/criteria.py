"""Eligibility criteria as a tree: sections, items, sub-items, notes and "one of" groups.

The registry keeps eligibility as one free-text field (``Eligibility.criteria``). API v2
records hold it as Markdown ("Inclusion Criteria:\\n\\n* item\\n  * sub-item"); legacy XML
records hold a hard-wrapped block that ``sources/text.py`` already re-flowed into the same
shape (one item a line, ``*`` bullets, two spaces of indentation per level). Authors still
write every imaginable layout inside it, so the parser reads the lines one by one:

* a *heading* ("Inclusion Criteria:", "Key Exclusion Criteria", "Criteria for exclusion")
  starts a section and is kept in :attr:`ParsedCriteria.headings`, exactly as written;
* a *marked* line ("* x", "1. x", "a) x", "(iv) x") is an item; it nests under the item above
  when it is indented further, or when it sits at the same indentation with a different
  marker type ("1. Adequate function:" followed by "* ANC ≥ 1500");
* an *unmarked* line is either the continuation of the item above (indented under it), a
  lead-in that ends with ":" and owns the list that follows ("Patients must have:",
  "Hepatic:", "PATIENT CHARACTERISTICS:"), a "Note:", or a paragraph of prose.

Nothing is ever dropped: every non-whitespace character of the input appears, in order, in
exactly one heading, marker or source (:func:`pieces` lists them in document order and the
tests check this on every shared record and on random text). What the parser cannot classify
stays as a ``text`` criterion.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["Criterion", "ParsedCriteria", "iter_criteria", "parse_criteria", "pieces"]

INCLUSION, EXCLUSION, OTHER = "inclusion", "exclusion", "other"


@dataclass(slots=True)
class Criterion:
    section: str  # "inclusion" | "exclusion" | "other"
    source: str  # this criterion's own original text (its marker removed), children not included
    marker: str | None  # "*", "-", "•", "1.", "a)", "i." … as written, or None
    kind: str  # "item" | "note" | "group" (children are the options) | "text" (prose)
    children: list[Criterion] = field(default_factory=list)


@dataclass(slots=True)
class ParsedCriteria:
    criteria: list[Criterion]  # top level, in document order
    headings: list[str]  # section headings exactly as written
    structure: str  # "both_sections" | "one_section" | "no_sections"
    # Where each heading sits: heading i comes just before criteria[heading_positions[i]]
    # (== len(criteria) for a heading with nothing after it). Lets pieces() rebuild the
    # document order, which is what proves that no text was lost.
    heading_positions: list[int] = field(default_factory=list)


def iter_criteria(parsed: ParsedCriteria | list[Criterion]) -> Iterator[Criterion]:
    """Every criterion, depth-first in document order (a parent before its children)."""
    stack = list(reversed(parsed.criteria if isinstance(parsed, ParsedCriteria) else parsed))
    while stack:
        c = stack.pop()
        yield c
        stack.extend(reversed(c.children))


def pieces(parsed: ParsedCriteria) -> Iterator[str]:
    """Headings, markers and sources in document order: together they are the whole input."""
    heads = sorted(zip(parsed.heading_positions, range(len(parsed.headings))))
    h = 0
    for i, top in enumerate(parsed.criteria):
        while h < len(heads) and heads[h][0] <= i:
            yield parsed.headings[heads[h][1]]
            h += 1
        for c in iter_criteria([top]):
            if c.marker is not None:
                yield c.marker
            yield c.source
    for _, k in heads[h:]:
        yield parsed.headings[k]


# ---------------------------------------------------------------------------------------------
# Headings

# Words that may stand before "inclusion"/"exclusion" in a heading ("Key Inclusion Criteria",
# "PARTICIPANT EXCLUSION CRITERIA", "Disease-specific exclusion criteria"). A fixed list, so a
# sentence such as "Patients not meeting inclusion criteria are excluded." is never a heading.
_HEAD_PREFIX = (
    r"key|main|major|general|specific|other|additional|further|principal|primary|secondary|"
    r"selected|important|study|trial|participant|patient|subject|donor|recipient|disease[- ]specific|"
    r"protocol|medical|clinical|the"
)
_HEAD_CORE = re.compile(
    rf"""
    (?:[-*•·]\s*)?(?:\*\*|__|\#+\s*)?                  # a stray bullet, bold or '#' before it
    (?:(?:{_HEAD_PREFIX})\s+){{0,2}}
    (?:
        (?P<kw>inclusion\s*(?:/|and|&|or|-)\s*exclusion|in-?\s*and\s+exclusion|  # both first:
               inclusions?|exclusions?|eligibility)                             # longest wins
        (?:\s+(?:criteri(?:a|on|as)|requirements?|conditions?))?
      | criteria\s+(?:for|of)\s+(?P<kw2>inclusion|exclusion|eligibility|participation|enrol?ment|entry)
      | (?:protocol\s+)?entry\s+criteria (?P<kw3>)
      | (?:study\s+)?population(?:\s+characteristics)? (?P<kw4>)
      | criteria (?P<kw5>)
    )
    (?P<tail>\s*(?:
        \b(?:include|includes|are|is|were)
      | \b(?:for|in|of)\b[^:.;]{{1,70}}
      | [-–—,][^:.;]{{1,70}}
      | \([^()]{{1,50}}\)
    ))?
    \s*(?:\*\*|__)?
    """,
    re.I | re.X,
)
# The core must be followed by a colon (then possibly the first criterion on the same line:
# "Inclusion Criteria: none") or by nothing at all.
_HEAD_END = re.compile(r"\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?(?:\s*[-–—]+(?=\s|\Z))?")


def _heading(line: str) -> tuple[str, str | None, str] | None:
    """(heading as written, its section or None, text after it on the same line) or None."""
    m = _HEAD_CORE.match(line)
    if not m:
        return None
    end = m.end()
    colon = _HEAD_END.match(line, end)
    if colon:
        end = colon.end()
    elif line[end:].strip():
        return None  # "Inclusion criteria are assessed by…": a sentence, not a heading
    elif len(line.split()) > 8:
        return None
    kw = (m.group("kw") or m.group("kw2") or "").lower()
    if "inclu" in kw and "exclu" in kw or "in-" in kw or kw.startswith("in ") or " and " in kw:
        section = OTHER
    elif kw.startswith("exclu"):
        section = EXCLUSION
    elif kw.startswith("inclu"):
        section = INCLUSION
    else:
        # "Eligibility Criteria:", "Study population", "Criteria for children under 15:":
        # says nothing about inclusion or exclusion, so the section above goes on.
        section = None
    # Keep the whitespace between heading and inline text with neither: the invariant only
    # counts non-whitespace, and the source should read cleanly.
    return line[:end].rstrip(), section, line[end:].strip()


# ---------------------------------------------------------------------------------------------
# Markers

_ROMAN = re.compile(r"(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})\Z")
# A marker is the first word of a line, followed by white space or the end of the line, so
# "2.5 mg", "e.g." or "-Over" are never taken for one.
_MARKER = re.compile(
    r"""
    (?P<m>
        (?P<bullet>[*\-•·‣◦▪▫■□○●➢➤►✓✔–—+o]|--|->|\u2022)
      | \((?P<pnum>\d{1,3}|[A-Za-z]|[ivxIVX]{1,5})\)
      | (?P<num>\d{1,3}|[A-Za-z]|[ivxIVX]{1,5})(?P<close>[.)])
      | (?P<dotted>\d{1,2}(?:\.\d{1,2}){1,3})\.?(?=\s+[A-Z(])   # "1.1 Patients…" numbering
      | (?P<circled>[\u2460-\u2473\u2776-\u277f])
    )
    (?=\s|\Z)
    """,
    re.X,
)


def _marker_type(m: re.Match[str], prev_type: str | None) -> str:
    """A key telling marker *styles* apart: '*', '-', '1.', '1)', '(1)', 'a.', 'A)', 'i.'…"""
    if m.group("bullet"):
        b = m.group("bullet")
        return "-" if b in ("-", "--", "–", "—") else b
    if m.group("dotted"):
        # "1.1" and "1.1.1" are different levels: the count of parts tells the depth.
        return "1" + ".1" * m.group("dotted").count(".")
    if m.group("circled"):
        return "①"
    if m.group("pnum") is not None:
        v, fmt = m.group("pnum"), "({})"
    else:
        v, fmt = m.group("num"), "{}" + m.group("close")
    if v.isdigit():
        return fmt.format("1")
    low = v.lower()
    case = "a" if v.islower() else "A"
    roman = "i" if v.islower() else "I"
    if _ROMAN.match(low):
        # "i", "v", "x" are letters too: after "h." an "i." is a letter, after "iv." a "v." is
        # a roman numeral. Multi-letter forms ("ii", "iv") are always roman.
        if len(low) == 1 and prev_type == fmt.format(case):
            return fmt.format(case)
        if len(low) == 1 and low != "i" and prev_type != fmt.format(roman):
            return fmt.format(case)
        return fmt.format(roman)
    if len(v) > 1:
        return "?"  # "(AB)": not a marker style we know (filtered out by the caller)
    return fmt.format(case)


# ---------------------------------------------------------------------------------------------
# Line classification

_NOTE = re.compile(r"\(?\s*(?:notes?|nb|n\.b\.|please note|important)\b\s*[:.\-–]", re.I)
_CONNECTOR = re.compile(r"(?:and/or|or|and|and\s+or)\s*[:.]?\Z", re.I)
# "Patients must meet one of the following:", "Either:", "at least two of these criteria".
_GROUP = re.compile(
    r"\b(?:(?:at\s+least|only|exactly)\s+)?(?:one|two|three|four|any|either|1|2|3|4)\b(?:\s+or\s+more)?"
    r"\s+(?:\([^)]*\)\s+)?of\s+(?:the\s+)?(?:following|these|below|criteria|conditions)"
    r"|\beither\b[^.]*:\s*\Z|\bone\s+of\s*:?\s*\Z",
    re.I,
)
# Lead-ins that flip what their list means, whatever the section heading above says: under
# "Inclusion Criteria" the old AIDS-trial records list "Concurrent Medication: Excluded: …".
_LEAD_EXCLUDES = re.compile(
    r"\bexclu(?:ded|de|sion)\b|\b(?:will|may|are|is)\s+not\s+(?:be\s+)?eligible\b|\bineligible\b",
    re.I,
)
# Not "must not": "Patients with B-ALL must not be in first remission, and must meet…" is a
# requirement to join, phrased negatively.
_LEAD_INCLUDES = re.compile(
    r"\b(?:required|included|inclusion|may\s+be\s+eligible|are\s+eligible|is\s+eligible|must\s+(?:have|be|meet))\b",
    re.I,
)
_LEAD_ALLOWS = re.compile(r"\A\W*(?:allowed|permitted|recommended)\b", re.I)

# A short label ("Hepatic:", "Co-existing Condition:", "Performance status:") groups the
# lead-ins and lists below it; a longer lead-in ("Patients must have:") only owns its list.
_LABEL_STOPWORDS = frozenset(
    "must have has be is are will may with if the following who they you should can not no of "
    "for to in any all one either excluded allowed required included recommended permitted note notes".split()
)
# PDQ (NCI) records: "PATIENT CHARACTERISTICS:" and "--Disease Characteristics--".
_CAPS_LABEL = re.compile(r"(?=[^a-z]*[A-Z]{3})[^a-z:]{3,60}:\Z|--[^-].{1,58}--\Z")
# Inside a one-paragraph PDQ block the sub-labels run on: "Age: 18 and over Performance
# status: ECOG 0-2 …". A sub-label is one to three words, the first capitalised, then ":".
_PDQ_LEAD = re.compile(r"(?:[A-Z][A-Z/ ]{2,40}|--[^-][^:]{1,40}--)\s*:?\s")
# Only the first word is capitalised ("Performance status:", "Co-existing condition:"), so in
# "Not specified Other: …" the label is "Other:", not the three words before the colon.
_PDQ_SUBLABEL = re.compile(r"(?<=\s)[A-Z][a-z]+(?:[-/][A-Za-z]+)*(?:\s[a-z]+(?:[-/][a-z]+)*){0,2}:(?=\s)")


def _label_rank(text: str) -> int:
    """How high an unmarked line ending in ':' sits: 3 PDQ block, 2 short label, 1 lead-in."""
    if _CAPS_LABEL.match(text):
        return 3
    head = text[:-1] if text.endswith(":") else text
    words = head.replace("/", " ").split()
    if 1 <= len(words) <= 4 and head[:1].isupper() and not any(w.lower().strip("(),") in _LABEL_STOPWORDS for w in words):
        return 2
    return 1


@dataclass(slots=True)
class _Frame:
    """An open node that later lines may nest under."""

    indent: int
    mtype: str | None  # marker style of an item; None for a lead-in
    rank: int  # 0 item; 1..3 lead-in (see _label_rank)
    node: Criterion
    has_list: bool = False  # a marked item was put under this lead-in


class _Builder:
    def __init__(self) -> None:
        self.top: list[Criterion] = []
        self.stack: list[_Frame] = []
        self.section = OTHER
        self.headings: list[str] = []
        self.positions: list[int] = []
        self.sections_seen: set[str] = set()

    # -- helpers --------------------------------------------------------------------------------
    def _attach(self, node: Criterion) -> None:
        if self.stack:
            parent = self.stack[-1]
            parent.node.children.append(node)
        else:
            self.top.append(node)

    def _new(self, source: str, marker: str | None, kind: str) -> Criterion:
        return Criterion(section=self.section, source=source, marker=marker, kind=kind, children=[])

    # -- line handlers --------------------------------------------------------------------------
    def heading(self, text: str, section: str | None) -> None:
        self.stack.clear()
        self.headings.append(text)
        self.positions.append(len(self.top))
        if section is not None:
            self.section = section
        if self.section != OTHER:
            self.sections_seen.add(self.section)

    def marked(self, indent: int, marker: str, mtype: str, text: str) -> None:
        stack = self.stack
        # Close whatever is indented deeper than this item; a lead-in owns only the items at
        # or right of its own indentation.
        while stack and stack[-1].indent > indent:
            stack.pop()
        top = stack[-1] if stack else None
        if top is not None and top.rank == 0 and top.indent == indent and top.mtype != mtype:
            # Same indentation, different marker style: back to an open item of this style if
            # there is one ("1. x / * sub / * sub / 2. y"), else a sub-list ("1. x / a) sub").
            for k in range(len(stack) - 1, -1, -1):
                f = stack[k]
                if f.rank != 0 or f.indent != indent:
                    break
                if f.mtype == mtype:
                    del stack[k:]
                    break
        elif top is not None and top.rank == 0 and top.indent == indent:
            stack.pop()  # a sibling
        if stack and stack[-1].rank > 0:
            stack[-1].has_list = True
        kind = "note" if _NOTE.match(text) else "item"
        node = self._new(text, marker, kind)
        self._attach(node)
        stack.append(_Frame(indent, mtype, 0, node))

    def unmarked(self, indent: int, text: str) -> None:
        stack = self.stack
        while stack and stack[-1].rank == 0 and stack[-1].indent >= indent:
            stack.pop()
        top = stack[-1] if stack else None
        is_note = bool(_NOTE.match(text))
        if top is not None and top.rank == 0:
            # Indented under an open item: the rest of that item, or a note / paragraph of it.
            if not top.node.children and not is_note and not text.endswith(":") and top.node.kind != "note":
                top.node.source += "\n" + text
            else:
                node = self._new(text, None, "note" if is_note else "text")
                top.node.children.append(node)
                if text.endswith(":"):
                    stack.append(_Frame(indent, None, 1, node))
            return
        if text.endswith(":"):
            rank = 1 if is_note else _label_rank(text)
            while stack and stack[-1].rank <= rank:
                stack.pop()
            node = self._new(text, None, "note" if is_note else "item")
            self._attach(node)
            stack.append(_Frame(indent, None, rank, node))
            return
        if _CAPS_LABEL.match(text):  # "--Disease Characteristics--"
            while stack and stack[-1].rank <= 3:
                stack.pop()
            node = self._new(text, None, "item")
            self._attach(node)
            stack.append(_Frame(indent, None, 3, node))
            return
        # Prose. A lead-in whose list has ended does not own the paragraph after it.
        while stack and stack[-1].rank == 1 and stack[-1].has_list:
            stack.pop()
        kind = "note" if is_note else "text" if _CONNECTOR.match(text) else "item"
        self._attach(self._new(text, None, kind))


def parse_criteria(text: str | None) -> ParsedCriteria:
    """Split eligibility free text into sections and a tree of criteria (see the module doc)."""
    b = _Builder()
    if text:
        prev_types: dict[int, str] = {}
        for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            line = raw.expandtabs(4).rstrip()
            content = line.lstrip()
            if not content:
                continue
            indent = len(line) - len(content)
            head = _heading(content)
            if head is not None:
                b.heading(head[0], head[1])
                prev_types.clear()
                if head[2]:
                    _line(b, 0, head[2], prev_types)
                continue
            _line(b, indent, content, prev_types)
    criteria = _postprocess(b.top, b.positions)
    seen = set(b.sections_seen)
    for c in iter_criteria(criteria):
        if c.section != OTHER:
            seen.add(c.section)
    structure = "both_sections" if len(seen) == 2 else "one_section" if seen else "no_sections"
    return ParsedCriteria(criteria=criteria, headings=b.headings, structure=structure, heading_positions=b.positions)


def _line(b: _Builder, indent: int, content: str, prev_types: dict[int, str]) -> None:
    m = _MARKER.match(content)
    if m:
        mtype = _marker_type(m, prev_types.get(indent))
        if mtype != "?":
            marker = m.group("m")
            rest = content[m.end() :].strip()
            prev_types[indent] = mtype
            for k in [k for k in prev_types if k > indent]:
                del prev_types[k]
            b.marked(indent, marker, mtype, rest)
            return
    b.unmarked(indent, content)


# ---------------------------------------------------------------------------------------------
# After the tree is built: split run-on lists inside one paragraph, then name kinds and sections.


def _postprocess(top: list[Criterion], positions: list[int]) -> list[Criterion]:
    # Splitting may turn one top-level node into several; move the heading positions along.
    nodes: list[Criterion] = []
    starts: list[int] = []
    for n in top:
        starts.append(len(nodes))
        nodes.extend(_split_all([n]))
    starts.append(len(nodes))
    positions[:] = [starts[p] for p in positions]
    for n in nodes:
        _finish(n, n.section, 0)
    if len(nodes) == 1 and nodes[0].kind == "item" and nodes[0].marker is None and not nodes[0].children:
        if nodes[0].section == OTHER and not nodes[0].source.endswith(":"):
            # The whole field is one paragraph with no heading and no list: prose. (Several
            # paragraphs are kept as items: old records write one criterion a paragraph.)
            nodes[0].kind = "text"
    return nodes


def _split_all(nodes: list[Criterion]) -> list[Criterion]:
    out: list[Criterion] = []
    for n in nodes:
        n.children = _split_all(n.children)
        out.extend(_split_inline(n))
    return out


# Numbered items run into one paragraph: "… the following: 1) age over 18; 2) no diabetes".
# Item 1 must follow the start, a colon, semicolon, comma or full stop; later ones must follow
# white space (and for the "2." form also a punctuation mark), and the numbers must count up
# from 1 without gaps, so "stage 2. The" or "(ref 3)" are left alone.
_INLINE_NUM = re.compile(r"(?:(?<=\s)|\A)(\(?)(\d{1,2})(\)|\.(?!\d))(?=\s)")


def _inline_numbers(text: str, first_number: int = 1, style: tuple[str, str] | None = None) -> list[re.Match[str]]:
    """The longest run of inline markers numbered first_number, first_number + 1, …"""
    best: list[re.Match[str]] = []
    cands = list(_INLINE_NUM.finditer(text))
    for i, first in enumerate(cands):
        if int(first.group(2)) != first_number or (style and (first.group(1), first.group(3)) != style):
            continue
        before = text[: first.start()].rstrip()
        if before and before[-1] not in ":;,.-–(" and not first.group(1):
            continue
        style_here = (first.group(1), first.group(3))
        run = [first]
        want = first_number + 1
        for c in cands[i + 1 :]:
            if (c.group(1), c.group(3)) != style_here or int(c.group(2)) != want:
                continue
            if style_here[1] == ".":
                prev = text[: c.start()].rstrip()
                if not prev or prev[-1] not in ":;,.":
                    continue
            run.append(c)
            want += 1
        if len(run) >= (2 if first_number == 1 else 1) and len(run) > len(best):
            best = run
    return best


def _pieces_at(text: str, run: list[re.Match[str]], section: str) -> list[Criterion]:
    out = []
    for k, m in enumerate(run):
        end = run[k + 1].start() if k + 1 < len(run) else len(text)
        out.append(Criterion(section, text[m.end() : end].strip(), m.group(0), "item", []))
    return out


_NUMBERED = re.compile(r"(\(?)(\d{1,2})([.)])\Z")


def _split_inline(n: Criterion) -> list[Criterion]:
    text = n.source
    if _PDQ_LEAD.match(text) and _CAPS_LABEL.match(text.split(":", 1)[0] + ":"):
        if _split_pdq(n):
            return [n]
    if not any(ch.isdigit() for ch in text):
        return [n]
    numbered = _NUMBERED.match(n.marker or "")
    if numbered and not n.children:
        # "(1) age over 18. (2) no diabetes, (3) …" on one line: the line's own marker is
        # item 1, and the rest are its siblings, not its children.
        style = (numbered.group(1), numbered.group(3))
        run = _inline_numbers(text, int(numbered.group(2)) + 1, style)
        if run:
            n.source = text[: run[0].start()].strip()
            return [n, *_pieces_at(text, run, n.section)]
    run = _inline_numbers(text)
    if not run:
        return [n]
    n.source = text[: run[0].start()].strip()
    n.children = _pieces_at(text, run, n.section) + n.children
    return [n]


def _split_pdq(n: Criterion) -> bool:
    """'PATIENT CHARACTERISTICS: Age: 18 and over Hepatic: …' → the block label and one child
    per sub-label. Returns False (and changes nothing) when there is nothing to split."""
    text = n.source
    m = re.match(r"(?:[^a-z:]{3,60}:|--[^-][^:]{1,40}--)\s*", text)
    if not m or m.end() >= len(text):
        return False
    label = text[: m.end()].strip()
    body = text[m.end() :]
    cuts = [s.start() for s in _PDQ_SUBLABEL.finditer(body)]
    bounds = [0, *cuts, len(body)] if cuts and cuts[0] > 0 else [*cuts, len(body)] if cuts else [0, len(body)]
    subs = []
    for a, z in zip(bounds, bounds[1:]):
        part = body[a:z].strip()
        if part:
            subs.append(Criterion(n.section, part, None, "item", []))
    n.source = label
    n.children = subs + n.children
    return True


def _finish(n: Criterion, section: str, depth: int) -> None:
    """Name the kind of each node and let a lead-in's own words set its list's section."""
    if n.children and n.source.rstrip().endswith(":"):
        s = n.source
        if _LEAD_ALLOWS.match(s):
            section = OTHER
        elif _LEAD_EXCLUDES.search(s):
            section = EXCLUSION
        elif _LEAD_INCLUDES.search(s) and section != EXCLUSION:
            section = INCLUSION
    n.section = section
    if n.kind == "item":
        if n.children and _GROUP.search(n.source):
            n.kind = "group"
        elif not n.source.strip():
            n.kind = "text"
    for c in n.children:
        _finish(c, section, depth + 1)
