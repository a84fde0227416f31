"""Text normalisation shared by the readers.

Legacy ClinicalTrials.gov XML stores long texts (summaries, eligibility criteria…) as
``<textblock>`` elements that the registry pre-formatted for an 80–100 column screen:

* every line is hard-wrapped and indented, lines end in ``\\r\\n`` (``&#xD;``);
* paragraphs *and* list items are separated by blank lines;
* a bullet is ``-  text`` (two spaces after the dash), its wrapped lines are indented to the
  text column, and a nested list is indented further (about five columns per level);
* numbered items are right-aligned on the dot (`` 9.`` / ``10.``).

API v2 JSON holds the same texts as Markdown (``Inclusion Criteria:\\n\\n* item\\n* item``).
:func:`clean_text_block` turns the first form into the second so that a trial reads the same
whichever format it came from. It only re-flows whitespace and rewrites bullet glyphs to
``*``: no word is dropped, changed or moved.

Facts the rules below rely on, checked over the 19,205 text blocks of the shared
AllPublicXML sample:

* a list item or paragraph always starts after a blank line; a line that merely *looks* like
  a marker inside a block ("(CDC) definition", "- 7 days.", "2) Vitamin E…") is a wrapped
  continuation, so only the first line of a block can open an item;
* the indentation of a block's first line tells its nesting: a block that starts at or past
  the text column of the open item belongs to it (a sub-item or a continuation paragraph).
"""

from __future__ import annotations

import re

# A list marker at the start of a block, then the whitespace that follows it (kept apart so
# the text column can be computed). Bullets: ASCII dash/star and the usual Unicode glyphs.
# Numbers/letters: "1." "10)" "a." "B)" "iv." "(2)" "(c)". A single letter or roman numeral
# needs the dot/parenthesis *and* a following space, so "e.g." or "U.S." never match.
_BULLET_CHARS = "-*•·‣◦▪"
_MARKER_RE = re.compile(
    r"(?P<marker>[" + re.escape(_BULLET_CHARS) + r"]"
    r"|(?:\d{1,3}|[A-Za-z]|[ivxIVX]{2,5})[.)]"
    r"|\((?:\d{1,3}|[A-Za-z]|[ivxIVX]{2,5})\))"
    r"(?P<space>\s+|$)"
)
_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")
# Three or more newlines (with only spaces between) → one blank line.
_MANY_BLANKS_RE = re.compile(r"\n(?:[ \t]*\n){2,}")

_PARAGRAPH, _ITEM, _ITEM_PARAGRAPH = 0, 1, 2


def clean_text_block(s: str | None) -> str | None:
    """Re-flow a registry text block: paragraphs kept, hard wraps joined, lists one item a line.

    >>> clean_text_block("\\n  Inclusion Criteria:\\r\\n\\r\\n    -  adults with\\r\\n       asthma\\r\\n\\r\\n    -  no smoking\\r\\n")
    'Inclusion Criteria:\\n\\n* adults with asthma\\n* no smoking'

    Returns None for None or text that is only whitespace.
    """
    if s is None:
        return None
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in s:
        s = s.expandtabs(4)
    s = s.strip("\n")
    if not s.strip():
        return None
    if "\n" not in s:  # the common one-line case ("Slow accrual"): no structure to find
        return _collapse(s) or None

    out: list[str] = []
    prev_kind: int | None = None
    # Open list items, innermost last, as (text column, nesting level). A block whose first
    # line starts left of an item's text column closes that item.
    stack: list[tuple[int, int]] = []
    for block in _BLANK_LINE_RE.split(s):
        first = block.split("\n", 1)[0]
        indent = len(first) - len(first.lstrip(" "))
        text = _collapse(block)
        if not text:
            continue
        while stack and indent < stack[-1][0]:
            stack.pop()
        m = _MARKER_RE.match(first, indent)
        if m:
            marker = m.group("marker")
            body = text[len(marker) :].lstrip(" ")
            if marker in _BULLET_CHARS:
                if not body:
                    # A lone dash: an empty bullet the author left in (31 records in the
                    # sample, e.g. "Inclusion Criteria:\n\n-\n\nExclusion…"). No words, so
                    # nothing is lost by leaving it out, and a bare "*" line reads as noise.
                    continue
                marker = "*"
            level = len(stack)
            # Text column in the source: where the words after the marker begin.
            stack.append((max(m.end(), m.end("marker") + 1), level))
            line = "  " * level + marker + (" " + body if body else "")
            kind = _ITEM
            sep = "\n" if prev_kind in (_ITEM, _ITEM_PARAGRAPH) else "\n\n"
        elif stack:
            # Indented under an open item: a further paragraph of that item (a note, the rest
            # of a criterion the author split with a blank line). Keep it inside the item.
            line = "  " * (stack[-1][1] + 1) + text
            kind = _ITEM_PARAGRAPH
            sep = "\n\n"
        else:
            line, kind, sep = text, _PARAGRAPH, "\n\n"
        if out:
            out.append(sep)
        out.append(line)
        prev_kind = kind
    return "".join(out) or None


def clean_plain_text(s: str | None) -> str | None:
    """Tidy a short free-text field that is *not* pre-formatted (arm, intervention and outcome
    descriptions): there the registry keeps the author's own line breaks, so they are kept;
    only ``\\r`` line ends, trailing spaces and runs of blank lines go."""
    if s is None:
        return None
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in s:
        s = "\n".join(line.rstrip() for line in s.split("\n"))
        s = _MANY_BLANKS_RE.sub("\n\n", s)
    s = s.strip()
    return s or None


def _collapse(text: str) -> str:
    # Joins the hard-wrapped lines of one block and squeezes runs of spaces (the registry
    # often puts two after a full stop). The wrapper only ever broke lines at spaces, so a
    # single space is the faithful join.
    return " ".join(text.split())
