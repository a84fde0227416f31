"""Search parameters from a URL: one reading for the HTML page, its JSON twin and the API.

Everything arrives as text and is checked by :func:`cleartrial.search.validate`, so a bad
value gets the same actionable message on every surface ("Age "abc" is not a number…")
instead of a framework's generic 422.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Path, Query

from ..errors import InvalidQuery
from ..search import DEFAULT_RADIUS_MILES, MAX_PER_PAGE, MAX_RADIUS_MILES, SearchQuery

# The search page shows trials a person can join now unless they ask for more.
DEFAULT_STATUSES = ["RECRUITING"]
ANY = ("any", "all")
STATUS_CHOICES = {
    "recruiting": ["RECRUITING"],
    "open": ["RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"],
    "any": None,
}
MAX_TEXT = 500  # characters; longer text is almost certainly not a search
MAX_NEAR = 200  # characters of a place name
# Page numbers beyond this are refused rather than searched: no search has that many pages
# (the whole registry is under a million trials), and (page - 1) * per_page then stays far
# inside both SQLite's 64-bit OFFSET and the integers JavaScript clients can hold exactly.
MAX_PAGE = 10_000_000
_ECHO = 40  # characters of a bad value quoted back in a message (it may be huge)


@dataclass(slots=True)
class SearchParams:
    """The raw values, kept to refill the form and to build links (pages, sorts, relaxing)."""

    q: str = ""
    near: str = ""
    radius_miles: str = ""
    status: list[str] = field(default_factory=list)
    age: str = ""
    sex: str = ""
    phase: list[str] = field(default_factory=list)
    study_type: str = ""
    healthy_volunteers: str = ""
    sort: str = ""
    page: str = ""
    per_page: str = ""

    def status_choice(self) -> str:
        """Which of the form's status options these statuses are ("recruiting", "open", "any")."""
        statuses = self.statuses()
        for name, codes in STATUS_CHOICES.items():
            if statuses == codes:
                return name
        return "custom"

    def statuses(self) -> list[str] | None:
        values = [v for v in self.status if v.strip()]
        if not values:
            return list(DEFAULT_STATUSES)
        if any(v.strip().lower() in ANY for v in values):
            return None
        if len(values) == 1 and values[0].strip().lower() in STATUS_CHOICES:
            return STATUS_CHOICES[values[0].strip().lower()]
        return values  # validated (and refused if unknown) by search.validate

    def to_query(self) -> SearchQuery:
        if len(self.q) > MAX_TEXT:
            raise InvalidQuery(f"That search is too long ({len(self.q):,} characters). "
                               f"Use at most {MAX_TEXT} characters.")
        if len(self.near) > MAX_NEAR:
            raise InvalidQuery(f"That place is too long. Give a ZIP code or a city in at most {MAX_NEAR} characters.")
        # Every other value is a number or a word from a short list; a long one is a mistake,
        # and refusing it here keeps a 60 kB value from being echoed back in a message, or
        # thousands of repeated "phase=2" from being searched (and listed in the reply).
        for name in ("radius_miles", "age", "sex", "study_type", "healthy_volunteers", "sort", "page", "per_page",
                     "status", "phase"):
            value = getattr(self, name)
            size = sum(len(v) + 1 for v in value) if isinstance(value, list) else len(value)
            if size > MAX_TEXT:
                raise InvalidQuery(f'The value of "{name}" is too long ({size:,} characters). It takes a number or a '
                                   f"few words: at most {MAX_TEXT} characters.")
        return SearchQuery(
            text=self.q,
            statuses=self.statuses(),
            age=_number(self.age, "Age", "Give an age in years, like 45.") if self.age.strip() else None,
            sex=self.sex.strip() or None,
            phases=[p for p in self.phase if p.strip()] or None,
            study_types=[self.study_type] if self.study_type.strip() and self.study_type.strip().lower() not in ANY else None,
            healthy_volunteers=_yes_no(self.healthy_volunteers),
            near=self.near.strip() or None,
            radius_miles=_number(self.radius_miles, "Distance", "Give a number of miles, like 50.")
            if self.radius_miles.strip()
            else DEFAULT_RADIUS_MILES,
            sort=self.sort.strip().lower() or "relevance",
            page=_page(self.page),
            per_page=_whole(self.per_page, "Results per page", 20),
        )

    def as_pairs(self, **changes) -> list[tuple[str, str]]:
        """URL query pairs for a link to a variant of this search (empty values left out)."""
        values = {
            "q": self.q, "near": self.near, "radius_miles": self.radius_miles, "status": self.status,
            "age": self.age, "sex": self.sex, "phase": self.phase, "study_type": self.study_type,
            "healthy_volunteers": self.healthy_volunteers, "sort": self.sort, "page": self.page,
            "per_page": self.per_page,
        }
        values.update(changes)
        pairs = []
        for key, value in values.items():
            for v in value if isinstance(value, list) else [value]:
                if v not in (None, ""):
                    pairs.append((key, str(v)))
        return pairs


def _echo(text: str) -> str:
    """A value quoted back to the person: trimmed, and cut short when long."""
    text = text.strip()
    return text if len(text) <= _ECHO else text[:_ECHO] + "…"


def _number(text: str, what: str, hint: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise InvalidQuery(f'{what} "{_echo(text)}" is not a number. {hint}') from None
    # float() reads "nan", "inf" and "1e999" (infinity); none is a usable age or distance.
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidQuery(f'{what} "{_echo(text)}" is not a number. {hint}')
    return value


def _whole(text: str, what: str, default: int) -> int:
    if not text.strip():
        return default
    try:
        return int(text.strip())
    except ValueError:  # also int()'s refusal of numbers over 4,300 digits
        raise InvalidQuery(f'{what} "{_echo(text)}" is not a whole number.') from None


def _page(text: str) -> int:
    page = _whole(text, "Page", 1)
    if page > MAX_PAGE:
        raise InvalidQuery(f"Page {_echo(text)} is past the last page of any search. Page numbers start at 1.")
    return page


def _yes_no(text: str) -> bool | None:
    t = text.strip().lower()
    if t in ("", "any"):
        return None
    if t in ("1", "true", "yes", "on"):
        return True
    if t in ("0", "false", "no", "off"):
        return False
    raise InvalidQuery(f'Healthy volunteers "{_echo(text)}" must be yes or no.')


# The OpenAPI document shows each parameter with an example (schemathesis also sends them).
# Every value is declared as text on purpose: a bad one gets this app's actionable 400 rather
# than the framework's generic validation error.
def search_params(
    q: Annotated[str, Query(description="Condition, treatment or keywords. Misspellings are corrected. "
                            f"At most {MAX_TEXT} characters.", examples=["breast cancer"])] = "",
    near: Annotated[str, Query(description='Where you are: a US ZIP code, "City, ST", "City, Country", or '
                               f'"latitude, longitude". At most {MAX_NEAR} characters.',
                               examples=["10001"])] = "",
    radius_miles: Annotated[str, Query(description=f"Distance from `near`, in miles: more than 0, at most "
                                       f"{MAX_RADIUS_MILES:,} (default {DEFAULT_RADIUS_MILES:g}).",
                                       examples=["50"])] = "",
    status: Annotated[
        list[str],
        Query(description="Recruitment status: `recruiting` (the default), `open` (also not yet recruiting and by "
              "invitation), `any`, or registry statuses such as `not_yet_recruiting`; repeat or comma-separate.",
              examples=[["open"]]),
    ] = [],  # noqa: B006 (FastAPI copies defaults)
    age: Annotated[str, Query(description="The person's age in years, 0 to 130: only trials whose age limits "
                              "include it.", examples=["45"])] = "",
    sex: Annotated[str, Query(description="`female` or `male`: trials open to that sex (trials for all sexes "
                              "included).", examples=["female"])] = "",
    phase: Annotated[list[str], Query(description="Phases: `early1`, `1`, `2`, `3`, `4`, `na`; repeat or "
                                      "comma-separate.", examples=[["2", "3"]])] = [],  # noqa: B006
    study_type: Annotated[str, Query(description="`interventional`, `observational` or `expanded_access`.",
                                     examples=["interventional"])] = "",
    healthy_volunteers: Annotated[str, Query(description="`yes`: only trials that accept healthy volunteers; "
                                             "`no`: only trials that do not.", examples=["yes"])] = "",
    sort: Annotated[str, Query(description="`relevance` (default), `distance` (needs `near`) or `newest`.",
                               examples=["distance"])] = "",
    page: Annotated[str, Query(description=f"Page number, from 1 (at most {MAX_PAGE:,}).", examples=["2"])] = "",
    per_page: Annotated[str, Query(description=f"Results per page, 1 to {MAX_PER_PAGE} (default 20).",
                                   examples=["20"])] = "",
) -> SearchParams:
    return SearchParams(q, near, radius_miles, list(status), age, sex, list(phase), study_type, healthy_volunteers,
                        sort, page, per_page)


# The trial addresses' parameters (pages and API). The limits are documented, and FastAPI
# answers a longer value with 422 in the usual {"error": ...} body (app.py).
NctPath = Annotated[str, Path(description="The ClinicalTrials.gov id, like NCT04280705.", max_length=64,
                              examples=["NCT04280705"])]
NearQuery = Annotated[str, Query(description='Sort sites by distance from here (ZIP, "City, ST", "City, Country").',
                                 max_length=MAX_NEAR, examples=["Boston, MA"])]
AllSitesQuery = Annotated[str, Query(description="`1` to list every site (otherwise the nearest or first 50).",
                                     max_length=10, examples=["1"])]
