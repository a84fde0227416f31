"""Text-block normalisation: registry-wrapped legacy text → the API v2 (Markdown-like) layout.

Three kinds of check: hand-written cases for each rule, real criteria from the shared XML
sample compared with what a person reading the record expects, and properties over every
text block of the sample (no word lost or moved, no hard wraps, no \\r) plus a generated
round trip (render like the registry, clean, get the structure back).
"""

from __future__ import annotations

import re
import textwrap
import zipfile
from xml.etree.ElementTree import fromstring

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleartrial.sources.text import clean_plain_text, clean_text_block

BULLET_GLYPHS = set("-*•·‣◦▪")
# A line that may follow another non-blank line: a list item (any nesting) only.
ITEM_LINE_RE = re.compile(r"^(?:  )*(?:\*|\(?(?:\d{1,3}|[A-Za-z]|[ivxIVX]{2,5})[.)]) ")


def words(text: str) -> list[str]:
    """The words of a text, bullet glyphs left out (they are markers, rewritten to '*')."""
    return [w for w in text.split() if w not in BULLET_GLYPHS]


def registry_block(text: str, indent: int = 8) -> str:
    """Indent and \\r\\n-terminate lines the way the registry's XML text blocks are written."""
    lines = textwrap.dedent(text).strip("\n").split("\n")
    body = "".join((" " * indent + line if line.strip() else "") + "\r\n" for line in lines)
    return "\n" + body + " " * (indent - 2)


# --- rules, one by one ---------------------------------------------------------------------


@pytest.mark.parametrize("empty", [None, "", "   ", "\n\r\n   \r\n  "])
def test_empty_is_none(empty):
    assert clean_text_block(empty) is None


def test_single_line_is_stripped_and_squeezed():
    assert clean_text_block("\n    Slow  accrual\r\n  ") == "Slow accrual"


def test_hard_wraps_are_joined_and_paragraphs_kept():
    raw = registry_block(
        """
        This study will test the ability of extended release nifedipine, a blood
        pressure medication.  It is   short.

        A second
        paragraph.
        """
    )
    assert clean_text_block(raw) == (
        "This study will test the ability of extended release nifedipine, a blood pressure "
        "medication. It is short.\n\nA second paragraph."
    )


def test_bullets_become_api_style_items_one_per_line():
    raw = registry_block(
        """
        Inclusion Criteria:

          -  diagnosed with Congenital Adrenal Hyperplasia (CAH), confirmed by a long
             wrapped line

          -  normal ECG

        Exclusion Criteria:

          -  history of liver disease
        """
    )
    assert clean_text_block(raw) == (
        "Inclusion Criteria:\n\n"
        "* diagnosed with Congenital Adrenal Hyperplasia (CAH), confirmed by a long wrapped line\n"
        "* normal ECG\n\n"
        "Exclusion Criteria:\n\n"
        "* history of liver disease"
    )


def test_numbered_items_keep_their_numbers_and_right_aligned_tens_stay_siblings():
    raw = registry_block(
        """
        Exclusion:

          9. Cardiac conduction system disease.

         10. Current use of other prescribed psychotropic medications within the last 2
             weeks.

         11. History of failure.
        """
    )
    assert clean_text_block(raw) == (
        "Exclusion:\n\n"
        "9. Cardiac conduction system disease.\n"
        "10. Current use of other prescribed psychotropic medications within the last 2 weeks.\n"
        "11. History of failure."
    )


def test_nested_lists_are_indented_two_spaces_per_level():
    raw = registry_block(
        """
          -  Severity defined by:

               -  For patients addressed by the model, there must be a 30% or greater
                  risk.

               -  For all other patients:

                    -  renal dysfunction

                    -  pulmonary dysfunction

          -  Consent.
        """
    )
    assert clean_text_block(raw) == (
        "* Severity defined by:\n"
        "  * For patients addressed by the model, there must be a 30% or greater risk.\n"
        "  * For all other patients:\n"
        "    * renal dysfunction\n"
        "    * pulmonary dysfunction\n"
        "* Consent."
    )


def test_numbered_list_nested_in_numbered_item():
    raw = registry_block(
        """
          4. Depressive disorder is either:

               1. primary or

               2. persistent

          5. Age 18-60.
        """
    )
    assert clean_text_block(raw) == "4. Depressive disorder is either:\n  1. primary or\n  2. persistent\n5. Age 18-60."


def test_indented_paragraph_under_an_item_stays_with_it():
    raw = registry_block(
        """
          5. medication free.

             Note: all patients will have already participated in Protocol No.
             81-M-0126.

          6. next
        """
    )
    assert clean_text_block(raw) == (
        "5. medication free.\n\n"
        "  Note: all patients will have already participated in Protocol No. 81-M-0126.\n"
        "6. next"
    )


def test_note_paragraph_at_the_margin_closes_the_list():
    raw = registry_block(
        """
          -  one

        NOTE: a note

          -  two
        """
    )
    assert clean_text_block(raw) == "* one\n\nNOTE: a note\n\n* two"


def test_marker_like_words_inside_a_block_are_wrapped_text_not_items():
    # Real wraps from the sample: "(CDC) definition", "- 7 days." and "2) Vitamin E" start
    # lines only because the registry wrapped there.
    raw = registry_block(
        """
          -  Diagnosis of AIDS according to current Centers for Disease Control
             (CDC) definition. Treatment for 1
             - 7 days. Groups: 1) placebo.
             2) Vitamin E.
        """
    )
    assert clean_text_block(raw) == (
        "* Diagnosis of AIDS according to current Centers for Disease Control (CDC) definition. "
        "Treatment for 1 - 7 days. Groups: 1) placebo. 2) Vitamin E."
    )


@pytest.mark.parametrize(
    "paragraph",
    ["-Over 3 years of age.", "--Disease Characteristics--", "e.g. this", "U.S. residents", "2.5 mg daily", "o item"],
)
def test_things_that_are_not_markers_stay_paragraphs(paragraph):
    assert clean_text_block(registry_block(f"Intro\n\n{paragraph}")) == f"Intro\n\n{paragraph}"


@pytest.mark.parametrize(
    ("marker", "expected"),
    [("•", "*"), ("*", "*"), ("1)", "1)"), ("a.", "a."), ("(b)", "(b)"), ("iv.", "iv."), ("B)", "B)")],
)
def test_other_markers(marker, expected):
    assert clean_text_block(registry_block(f"  {marker} first\n\n  {marker} second")) == (
        f"{expected} first\n{expected} second"
    )


def test_lone_dash_is_dropped_but_its_neighbours_kept():
    raw = registry_block("Inclusion Criteria:\n\n-\n\nExclusion Criteria:\n\n-")
    assert clean_text_block(raw) == "Inclusion Criteria:\n\nExclusion Criteria:"


def test_bare_carriage_returns_and_tabs():
    assert clean_text_block("One\rline\r\rTwo\tparts") == "One line\n\nTwo parts"


def test_a_line_break_inside_a_block_is_always_a_wrap():
    # Deliberate: in registry text a marker-looking line inside a block is a wrapped line (see
    # the test above), so only a blank line can start an item. Extra blank lines collapse.
    assert clean_text_block("Header:\n\n\n\n- a\n- b wraps\n  on\n\nTail") == "Header:\n\n* a - b wraps on\n\nTail"


def test_plain_text_keeps_author_line_breaks():
    raw = "Induction:\r\nAfter topical xylocaine   \r\n\r\n\r\n\r\nMaintenance:\r\n"
    assert clean_plain_text(raw) == "Induction:\nAfter topical xylocaine\n\nMaintenance:"
    assert clean_plain_text("  \r\n ") is None
    assert clean_plain_text(None) is None


# --- real records ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def criteria(xml_zip):
    """nct_id → raw eligibility criteria text block, for a few records read by hand."""
    wanted = ["NCT00000102", "NCT00000271", "NCT00001246", "NCT00003966", "NCT00006205"]
    out = {}
    with zipfile.ZipFile(xml_zip) as zf:
        for nct in wanted:
            root = fromstring(zf.read(f"{nct[:7]}xxxx/{nct}.xml"))
            out[nct] = root.findtext("eligibility/criteria/textblock")
    return out


def test_real_criteria_inclusion_exclusion(criteria):
    raw = criteria["NCT00000102"]  # a 2005-era record: plain \n line ends
    assert clean_text_block(raw) == (
        "Inclusion Criteria:\n\n"
        "* diagnosed with Congenital Adrenal Hyperplasia (CAH)\n"
        "* normal ECG during baseline evaluation\n\n"
        "Exclusion Criteria:\n\n"
        "* history of liver disease, or elevated liver function tests\n"
        "* history of cardiovascular disease"
    )


def test_real_criteria_with_cr_line_ends_and_trailing_paragraph(criteria):
    raw = criteria["NCT00006205"]
    assert "\r\n" in raw
    assert clean_text_block(raw) == (
        "Inclusion Criteria:\n\n"
        "* Current diagnosis of alcohol dependence and drinking greater than or equal to 14 alcohol "
        "drinks/week for women and greater than or equal to 21 alcohol drinks/week for men in the "
        "last 30 days.\n"
        "* Provide a written, informed consent.\n"
        "* Good physical health and must weigh within at least 40 kg and no more than 140 kg.\n"
        "* Literate in English and able to read, understand, follow instructions, and complete "
        "questionnaires accurately.\n"
        "* Willingness to participate in behavioral treatments for alcoholism.\n"
        "* Provide evidence of stable residence in the last month prior to enrollment in the study "
        "and have no plans to move during the next three months.\n\n"
        "Exclusion Criteria:\n\n"
        "Please contact site for additional information"
    )


def test_real_numbered_criteria_with_a_nested_list(criteria):
    text = clean_text_block(criteria["NCT00000271"])
    assert text.startswith(
        "Inclusion:\n\n"
        "1. Meets DSM-IV criteria for current cocaine dependence.\n"
        "2. Used cocaine at least one day in the past month.\n"
        "3. Currently meets DSM-IV criteria for Major Depression or Dysthymia.\n"
        "4. Depressive disorder is either:\n"
        "  1. primary (antedates earliest lifetime substance abuse or\n"
        "  2. persistent during 6 months of abstinence in the past or\n"
        "  3. at least 3 months duration in the current episode\n"
        "5. Age 18-60.\n"
    )
    assert "\n\nExclusion:\n\n1. Meets DSM-IV criteria for past mania" in text
    # The right-aligned "10." is a sibling of "9.", not nested under it.
    assert "\n9. Cardiac conduction system disease as indicated by QRS duration >0.11.\n10. Current use" in text


def test_real_nested_bullets(criteria):
    text = clean_text_block(criteria["NCT00001246"])
    assert (
        "INCLUSION CRITERIA FOR PATIENT POPULATIONS:\n\n"
        "* Male and female subjects over 3 years of age with no upper limit for age (with the "
        "exception of the Down syndrome group see below). Currently meet criteria for at least one "
        "of the following:\n"
        "  * DSM-IV (or other approved) criteria for one of the following clinical diagnoses: "
        "Multi-Dimensionally Impaired,"
    ) in text
    assert "\n  * ADHD\n  * Down s Syndrome\n* Newly enrolled adults" in text
    # A dash glued to its word is the author's text, not a list marker: kept as written.
    assert "\n\n-Over 3 years of age with no upper limit for age at time of enrollment.\n\n" in text


def test_real_three_levels_deep(criteria):
    text = clean_text_block(criteria["NCT00003966"])
    assert "\n* Severity of VOD defined by:\n  * For patients addressed by the Bearman model" in text
    assert "\n    * renal dysfunction: a) creatinine ≥2x value on the date of admission day" in text
    # An indented paragraph inside the third-level item stays with it.
    assert "\n\n      ----pulmonary dysfunction must not be attributable to another cause" in text


@pytest.mark.slow
def test_every_text_block_in_the_sample(xml_zip):
    """Over all 19k text blocks: same words in the same order, no \\r, no hard-wrapped line,
    and nothing but list items directly under another line."""
    paths = ("brief_summary", "detailed_description", "eligibility/criteria", "eligibility/study_pop")
    seen = 0
    with zipfile.ZipFile(xml_zip) as zf:
        for name in zf.namelist():
            if not name.endswith(".xml"):
                continue
            root = fromstring(zf.read(name))
            for path in paths:
                raw = root.findtext(f"{path}/textblock")
                if raw is None:
                    continue
                seen += 1
                out = clean_text_block(raw)
                where = f"{name} {path}"
                if out is None:
                    assert not raw.strip(), where
                    continue
                assert words(out) == words(raw), where
                assert "\r" not in out and out == out.strip() and "\n\n\n" not in out, where
                lines = out.split("\n")
                for prev, line in zip(lines, lines[1:]):
                    if prev and line:
                        assert ITEM_LINE_RE.match(line), f"{where}: hard wrap kept before {line[:60]!r}"
    assert seen > 19000


# --- generated round trip ------------------------------------------------------------------

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789,;:()%≥", min_size=1, max_size=12).filter(
    # a generated word must not itself look like a marker when it starts a block
    lambda w: not ITEM_LINE_RE.match(w + " ")
)
_sentence = st.lists(_word, min_size=1, max_size=40).map(" ".join)


@st.composite
def _document(draw):
    """A list of (kind, level, text) in the order they appear; levels only step down freely
    and up by one, as real nesting does."""
    pieces = []
    level = -1  # -1: outside any list
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.booleans()):
            new_level = draw(st.integers(0, level + 1))
            pieces.append(("item", new_level, draw(_sentence)))
            level = new_level
        else:
            pieces.append(("para", -1, draw(_sentence)))
            level = -1
    return pieces


def _render_registry_style(pieces) -> str:
    """Write pieces the way AllPublicXML does: indent 8, bullets "-  " at 2 + 5/level, wrapped
    at 90 columns with continuation lines at the text column, blank lines between blocks."""
    lines: list[str] = []
    for kind, level, text in pieces:
        if kind == "item":
            col = 2 + 5 * level
            wrapped = textwrap.wrap(text, 90 - col, break_long_words=False, break_on_hyphens=False)
            first, rest = wrapped[0], wrapped[1:]
            lines.append(" " * (8 + col) + "-  " + first)
            lines.extend(" " * (8 + col + 3) + w for w in rest)
        else:
            lines.extend(" " * 8 + w for w in textwrap.wrap(text, 90, break_long_words=False, break_on_hyphens=False))
        lines.append("")
    return "\n" + "\r\n".join(lines) + "\r\n      "


def _expected(pieces) -> str:
    out = []
    prev = None
    for kind, level, text in pieces:
        if out:
            out.append("\n" if kind == "item" and prev == "item" else "\n\n")
        out.append("  " * level + "* " + text if kind == "item" else text)
        prev = kind
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(_document())
def test_round_trip_of_generated_documents(pieces):
    assert clean_text_block(_render_registry_style(pieces)) == _expected(pieces)
