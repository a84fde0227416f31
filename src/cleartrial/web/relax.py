"""When a search finds nothing: which single change would find something, and how much.

Each option is one filter loosened (a wider radius, more statuses, no age…), counted by
running the search again, so the page can say "Search up to 250 miles (4 trials)" instead
of a bare "no results". Only options that find at least one trial are offered.
"""

from __future__ import annotations

from urllib.parse import urlencode

from ..errors import CleartrialError
from ..search import search
from ..store import Store
from .params import SearchParams

_RADIUS_STEPS = (25, 50, 100, 250, 500, 1000, 3000)
MAX_OPTIONS = 6


def _variants(p: SearchParams) -> list[tuple[str, dict]]:
    out: list[tuple[str, dict]] = []
    q = p.to_query()
    if p.near.strip():
        wider = next((r for r in _RADIUS_STEPS if r > q.radius_miles), None)
        if wider:
            out.append((f"Search up to {wider:,} miles away", {"radius_miles": str(wider)}))
    choice = p.status_choice()
    if choice == "recruiting":
        out.append(("Include trials that will open soon or enrol by invitation", {"status": ["open"]}))
    if choice != "any":
        out.append(("Include trials of any status (also finished ones, for information)", {"status": ["any"]}))
    if p.age.strip():
        out.append(("Remove the age", {"age": ""}))
    if p.sex.strip():
        out.append(("Remove the sex filter", {"sex": ""}))
    if [x for x in p.phase if x.strip()]:
        out.append(("Any phase", {"phase": []}))
    if p.study_type.strip():
        out.append(("Any type of study", {"study_type": ""}))
    if p.healthy_volunteers.strip():
        out.append(("Not only trials for healthy volunteers", {"healthy_volunteers": ""}))
    if p.near.strip():
        out.append(("Anywhere (remove the location)", {"near": "", "radius_miles": "", "sort": ""}))
    return out


def relaxations(store: Store, p: SearchParams) -> list[dict]:
    options = []
    for label, change in _variants(p):
        variant_pairs = p.as_pairs(**change, page="")
        variant = SearchParams(**{**_fields(p), **change, "page": "", "per_page": "1"})
        try:
            total = search(store, variant.to_query()).total
        except CleartrialError:
            continue
        if total:
            options.append({"label": label, "total": total, "url": "/search?" + urlencode(variant_pairs)})
        if len(options) >= MAX_OPTIONS:
            break
    return options


def _fields(p: SearchParams) -> dict:
    return {name: getattr(p, name) for name in SearchParams.__dataclass_fields__}
