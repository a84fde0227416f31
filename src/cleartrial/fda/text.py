"""Label sections shortened for a page, in the label's own words.

Labels are written for prescribers and run to pages; a trial page has room for a few
sentences. Rewriting them into plain words needs a rewriter whose output is checked against
the source (no dropped "not", no changed number); until the explain layer offers one, we do
not paraphrase at all: we keep the label's own sentences, cut at sentence ends, and the page
says so. What we remove is only what points elsewhere in the label: section numbers and
headings ("1 INDICATIONS AND USAGE"), cross-references ("[see Warnings and Precautions
(5.2)]", "(5.1, 9.2)").
"""

from __future__ import annotations

import re

from ..explain.readability import split_sentences

# PLR section headings, upper case in openFDA's text, with their number.
_HEADING = re.compile(
    r"^\s*(?:\d+(?:\.\d+)*\s+)?(?:INDICATIONS\s*(?:AND|&)\s*USAGE|CONTRAINDICATIONS|WARNINGS\s+AND\s+PRECAUTIONS|"
    r"WARNINGS|PRECAUTIONS|BOXED\s+WARNING)\b\s*:?\s*"
)
# Over-the-counter labels start each section with its title ("Uses", "Purpose", "Warnings").
_OTC_HEADING = re.compile(r"^\s*(?:Uses?|Purposes?|Warnings?)\b\s*:?\s*")
_SEE = re.compile(r"\s*\[\s*see\b[^\]]*\]", re.IGNORECASE)
_REF = re.compile(r"\s*\(\s*\d+(?:\.\d+)*(?:\s*,\s*\d+(?:\.\d+)*)*\s*\)")
_FIRST_SUBSECTION = re.compile(r"\s5\.1\s+[A-Z]")
_ELLIPSIS = "…"


def tidy(text: str | None, *, otc: bool = False) -> str:
    """The section without its heading and cross-references, spaces collapsed."""
    if not text:
        return ""
    text = " ".join(text.split())
    text = _HEADING.sub("", text, count=1)
    if otc:
        text = _OTC_HEADING.sub("", text, count=1)
    text = _SEE.sub("", text)
    text = _REF.sub("", text)
    return re.sub(r"\s+([.,;:])", r"\1", text).strip()


def shorten(text: str, limit: int = 400) -> tuple[str, bool]:
    """Whole sentences from the start, as many as fit in ``limit`` characters (at least one);
    a first sentence far longer than that (labels often run bullet lists together without
    full stops) is cut after a word and marked with "…". Returns (text, whether shortened)."""
    sentences = split_sentences(text)
    if not sentences:
        return "", False
    kept: list[str] = []
    size = 0
    shortened = False
    for s in sentences:
        if any(s.rstrip(". ").lower() in k.lower() for k in kept):
            continue  # labels repeat their highlights after the full text
        if kept and size + 1 + len(s) > limit:
            shortened = True
            break
        kept.append(s)
        size += len(s) + (1 if size else 0)
    out = " ".join(kept)
    hard = int(limit * 1.5)
    if len(out) > hard:
        cut = out.rfind(" ", 0, hard)
        out = out[: cut if cut > limit // 2 else hard].rstrip(" ,;:") + _ELLIPSIS
        shortened = True
    return out, shortened


def warning_items(text: str | None, *, otc: bool = False, items: int = 6,
                  per_item: int = 220) -> tuple[list[str], bool]:
    """The main warnings. A prescription label opens its Warnings and Precautions section with
    a summary, one point per subsection, each ending in its number ("… (5.2)"): those points
    are the main warnings, in the label's order. Other labels: the first sentences."""
    if not text:
        return [], False
    flat = " ".join(text.split())
    flat = _HEADING.sub("", flat, count=1)
    if otc:
        flat = _OTC_HEADING.sub("", flat, count=1)
    cut = _FIRST_SUBSECTION.search(flat)
    summary = flat[: cut.start()] if cut else flat
    points = [p for p in (tidy(x) for x in _REF.split(_SEE.sub("", summary))) if p]
    if cut and len(points) >= 2:
        out, shortened = [], len(points) > items
        for p in points[:items]:
            short, more = shorten(p, per_item)
            out.append(short)
            shortened = shortened or more
        return out, shortened
    short, shortened = shorten(tidy(text, otc=otc), 500)
    return ([short] if short else []), shortened


def boxed_warning(text: str | None, limit: int = 450) -> tuple[str, bool]:
    """The boxed warning, shortened. openFDA often holds it twice (the full box, then the
    highlights' copy starting again with "WARNING:"): the second copy is dropped."""
    body = tidy(text)
    second = body.find("WARNING", 8)
    if body.startswith("WARNING") and second > 0:
        body = body[:second].strip()
    return shorten(body, limit)
