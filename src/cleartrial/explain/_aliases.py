"""Lay words this project treats as the same as a registry term, in both directions.

The rewriter uses them ("chemotherapy" → "chemo", "are excluded" → "cannot join") and the
faithfulness check accepts them in place of the term — and nothing else: a rewrite that drops
the term and has none of these still fails. Each pair is exact in every context the rewriter
puts it in; the list is short on purpose.
"""

from __future__ import annotations

import re

# term (lower case, as the glossary or the source writes it) → words accepted for it
ALIASES: dict[str, tuple[str, ...]] = {
    "chemotherapy": ("chemo",),
    "chemotherapies": ("chemo",),
    "histologically": ("tissue test", "tissue or cell test"),
    "cytologically": ("cell test", "tissue or cell test"),
    "eligible": ("can join", "cannot join", "able to join"),
    "ineligible": ("cannot join",),
    "history of": ("had",),
    "prior": ("before", "earlier", "had"),
    "previous": ("before", "earlier", "had"),
    "patients": ("people",),
    "subjects": ("people",),
    "participants": ("people",),
    "the following": ("these",),
    "evidence of": ("signs of",),
    "investigational": ("experimental",),
    "participation": ("taking part", "taken part"),
    "willingness": ("willing",),
    "unwillingness": ("unwilling",),
    "inability": ("unable",),
    "ability": ("able",),
}

# Glossary terms the rewriter writes in these words (the check accepts them via ALIASES).
LAY_TERMS = {"chemotherapy": "chemo", "chemotherapies": "chemo", "investigational": "experimental"}

# What a criterion may say of itself that "You can join if" / "You cannot join if" says for it
# ("Subjects with X are eligible", "Patients with X will be excluded from the study").
SAYS_SECTION = {
    "inclusion": re.compile(
        r"\s*(?:are|is|will\s+be|may\s+be|can\s+be|shall\s+be)\s+(?:eligible|included)"
        r"(?:\s+(?:for|in|to\s+\w+\s+in)\s+(?:the|this)\s+(?:study|trial|protocol))?|\s*can\s+join"
        r"(?:\s+(?:the|this)\s+(?:study|trial))?",
        re.I,
    ),
    "exclusion": re.compile(
        r"\s*(?:are|is|will\s+be|shall\s+be|must\s+be|should\s+be|would\s+be)\s+(?:excluded|ineligible|not\s+eligible)"
        r"(?:\s+(?:from|for)\s+(?:the|this)\s+(?:study|trial|protocol))?|\s*cannot\s+join(?:\s+(?:the|this)\s+(?:study|trial))?",
        re.I,
    ),
}
