"""Coordinates for a trial site: the registry's own geo point, else the offline gazetteer.

Legacy XML records (and some JSON ones) carry no coordinates. Placing their sites from the
ZIP code, "City, ST" or city and country lets distance search work for them too; the store
records which source a point came from so that pages can say "approximate location".
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..geo import locate
from ..model import Site

_US = {"united states", "usa", "us", "united states of america"}
_ZIP5 = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")


def site_point(site: Site) -> tuple[float | None, float | None, str | None]:
    if site.lat is not None and site.lon is not None:
        return site.lat, site.lon, "registry"
    point = _lookup(site.city or "", site.state or "", site.zip or "", site.country or "")
    if point is None:
        return None, None, None
    return point[0], point[1], "gazetteer"


@lru_cache(maxsize=65536)
def _lookup(city: str, state: str, zip_code: str, country: str) -> tuple[float, float] | None:
    queries = []
    if country.strip().lower() in _US:
        m = _ZIP5.match(zip_code)
        if m:
            queries.append(m.group(1))
        if city and state:
            queries.append(f"{city}, {state}")
    elif city and country:
        queries.append(f"{city}, {country}")
    for q in queries:
        place = locate(q)
        if place is not None:
            return place.lat, place.lon
    return None
