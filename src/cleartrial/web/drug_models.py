"""Exact response models of the drug-safety JSON (see api.py for why exact)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .api import _Exact

Waiting = Literal["pending", "unavailable", "off"]
WithoutReason = Literal["placebo", "saline", "investigational", "general", "regimen", "no_label"]


class LabelText(_Exact):
    text: str = Field(description="The label's own words, cut at the end of a sentence.")
    shortened: bool = Field(description="More follows on the full label.")


class WarningList(_Exact):
    items: list[str] = Field(description="The label's main warnings, one per item, in its own words.")
    shortened: bool


class FdaMatch(_Exact):
    field: Literal["generic_name", "brand_name"] = Field(description="The openFDA field that matched.")
    fda_name: str = Field(description="The product's name exactly as openFDA writes it.")
    how: Literal["exact", "salt", "brand"] = Field(
        description="exact: same generic name; salt: same medicine, salt words differ (zolpidem / zolpidem "
                    "tartrate); brand: same brand name.")


class Reaction(_Exact):
    term: str = Field(description="The reported problem (MedDRA preferred term, sentence case).")
    fda_term: str = Field(description="As openFDA writes it.")
    count: int = Field(ge=0, description="Reports naming this problem.")


class Reports(_Exact):
    total: int | None = Field(description="FAERS reports that list the drug; null when openFDA did not say.")
    searched_as: str | None = Field(description="The generic name FAERS was searched by.")
    reactions: list[Reaction] = Field(description="The (up to) 10 most reported problems, most first.")
    max_count: int = Field(ge=0)
    data_date: str | None = Field(description="When openFDA last updated FAERS (ISO date).")
    data_date_words: str | None


class DrugWords(_Exact):
    name: str
    named_as: list[str] = Field(description="How the trial (or the request) names it.")
    from_other_names: bool = Field(description="Matched through the record's other names for the intervention.")
    match: FdaMatch
    match_words: str
    brand_names: list[str]
    generic_names: list[str]
    manufacturer: str | None
    product_type_words: str | None
    approved_use: LabelText | None
    purpose: str | None = Field(description="An over-the-counter label's stated purpose.")
    boxed_warning: LabelText | None = Field(description="The FDA's strongest warning, when the label has one.")
    warnings: WarningList | None
    contraindications: LabelText | None = Field(description="Who should not take it.")
    label_date: str | None = Field(description="The label version's date (ISO).")
    label_date_words: str | None
    label_url: str | None = Field(description="The full label on DailyMed (US National Library of Medicine).")
    reports: Reports | None
    fetched_at: str = Field(description="When we asked openFDA (UTC).")
    stale: bool = Field(description="Older than our time-to-live; a fresh answer has been asked for.")


class WaitingDrug(_Exact):
    name: str
    status: Waiting
    words: str


class WithoutLabel(_Exact):
    name: str = Field(description="The part of the intervention's name this is about.")
    intervention: str
    reason: WithoutReason
    words: str


class DrugSafetySection(_Exact):
    """The trial page's drug-safety section (``/trials/{nct_id}/drug-safety.json``)."""

    nct_id: str
    status: Literal["complete", "pending", "unavailable", "off", "none"] = Field(
        description="complete: every drug has its answer; pending, unavailable, off: some are still missing, "
                    "and why; none: the trial names no drug or biological product.")
    notice: str | None
    drugs: list[DrugWords]
    waiting: list[WaitingDrug]
    without_label: list[WithoutLabel]
    caveats: list[str]
    page_url: str
    json_url: str
    poll_url: str | None = Field(description="Where the page asks again while answers are pending.")


class DrugResponse(_Exact):
    """What the FDA publishes under one drug name (``/api/v1/drugs/{name}``)."""

    query: str
    name: str | None = Field(description="The name as looked up (normalised).")
    kind: Literal["lookup", "placebo", "saline", "investigational", "general", "regimen"]
    status: Literal["found", "no_label", "pending", "unavailable", "off", "not_looked_up"] = Field(
        description="found: `drug` holds the label and reports; no_label: openFDA has none under this name; "
                    "pending: asked just now, ask again in a few seconds; unavailable: openFDA could not be "
                    "reached; off: this server does not ask openFDA; not_looked_up: a placebo, code or kind "
                    "of treatment (see `kind` and `message`).")
    message: str | None
    drug: DrugWords | None
    caveats: list[str]
