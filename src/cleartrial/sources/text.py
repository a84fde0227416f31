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

# List markers. A bullet is one of these glyphs standing alone as the block's first word
# ("-  text"; the registry writes the dash with two spaces after it).
_BULLETS = frozenset("-*•·‣◦▪")
# A numbered/lettered marker is a whole first word: "1." "10)" "a." "B)" "iv." "(2)" "(c)".
# Being a whole word means "e.g.", "U.S." or "2.5" never count as one.
_NUMBER_RE = re.compile(r"(?:\(?(?:\d{1,3}|[A-Za-z]|[ivxIVX]{2,5})\)|(?:\d{1,3}|[A-Za-z]|[ivxIVX]{2,5})\.)\Z")
# One or more blank (or whitespace-only) lines: the paragraph / list-item separator.
_BLANK_LINES_RE = re.compile(r"\n(?:[ \t]*\n)+")
_LEADING_BLANK_LINES_RE = re.compile(r"\A(?:[ \t]*\n)+")
# Three or more newlines (with only spaces between) → one blank line.
_MANY_BLANKS_RE = re.compile(r"\n(?:[ \t]*\n){2,}")

_PARAGRAPH, _ITEM, _ITEM_PARAGRAPH = 0, 1, 2


def clean_text_block(s: str | None) -> str | None:
    """Re-flow a registry text block: paragraphs kept, hard wraps joined, lists one item a line.

    >>> clean_text_block("Criteria:\\r\\n\\r\\n  -  adults with\\r\\n     asthma\\r\\n\\r\\n  -  no smoking\\r\\n")
    'Criteria:\\n\\n* adults with asthma\\n* no smoking'

    Returns None for None or text that is only whitespace.
    """
    if s is None:
        return None
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in s:
        s = s.expandtabs(4)
    # Drop leading blank lines but keep the first line's indentation: nesting is read from
    # indentation relative to it.
    s = _LEADING_BLANK_LINES_RE.sub("", s.rstrip(), count=1)
    if not s:
        return None

    out: list[str] = []
    prev_kind = _PARAGRAPH
    # Open list items, innermost last, as (text column, nesting level). A block whose first
    # line starts left of an item's text column closes that item.
    stack: list[tuple[int, int]] = []
    for block in _BLANK_LINES_RE.split(s):
        # Splitting on whitespace joins the hard-wrapped lines and squeezes runs of spaces in
        # one go; the wrapper only broke lines at spaces, so one space is the faithful join.
        words = block.split()
        if not words:
            continue
        first = words[0]
        # The block starts with its first line's indentation, so the first word's position
        # is that indentation.
        indent = block.find(first)
        while stack and indent < stack[-1][0]:
            stack.pop()
        if first in _BULLETS or (first[-1] in ".)" and _NUMBER_RE.match(first)):
            # A list item: the marker is a word of its own ("-  text", "10. text"), so "-Over"
            # or "2.5 mg" is never taken for one.
            if first in _BULLETS:
                if len(words) == 1:
                    # A lone dash: an empty bullet the author left in (31 records in the
                    # sample, e.g. "Inclusion Criteria:\n\n-\n\nExclusion…"). No words, so
                    # nothing is lost by leaving it out, and a bare "*" line reads as noise.
                    continue
                first = "*"
            level = len(stack)
            # The item's text column in the source: where the words after the marker begin.
            after = indent + len(words[0])
            rest = block[after : after + 16]
            gap = len(rest) - len(rest.lstrip(" "))
            stack.append((after + max(gap, 1), level))
            words[0] = "  " * level + first
            out.append("\n" if prev_kind != _PARAGRAPH else "\n\n")
            out.append(" ".join(words))
            prev_kind = _ITEM
        elif stack:
            # Indented under an open item: a further paragraph of that item (a note, the rest
            # of a criterion the author split with a blank line). Keep it inside the item.
            out.append("\n\n")
            out.append("  " * (stack[-1][1] + 1) + " ".join(words))
            prev_kind = _ITEM_PARAGRAPH
        else:
            out.append("\n\n")
            out.append(" ".join(words))
            prev_kind = _PARAGRAPH
    # Every piece was preceded by a separator; drop the first one.
    return "".join(out[1:]) or None


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
