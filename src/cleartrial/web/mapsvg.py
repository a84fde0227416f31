"""A small map of a trial's sites as inline SVG: no tiles, no CDN, no script.

The list of sites is the accessible primary view; the map only shows where they are
relative to each other (and to the person, when they gave a location). Positions use an
equirectangular projection squeezed by the cosine of the middle latitude, which is close
enough at the scale of a country and honest about being a sketch (no streets, no borders).
"""

from __future__ import annotations

import math

WIDTH, HEIGHT, PAD = 640, 360, 24
MAX_POINTS = 300


def site_map(sites: list[dict], place=None) -> dict | None:
    pts = [(s["lat"], s["lon"], i + 1, s) for i, s in enumerate(sites[:MAX_POINTS])
           if s.get("lat") is not None and s.get("lon") is not None]
    if not pts:
        return None
    lats = [p[0] for p in pts] + ([place.lat] if place is not None else [])
    lons = [p[1] for p in pts] + ([place.lon] if place is not None else [])
    mid = math.radians((min(lats) + max(lats)) / 2)
    squeeze = max(math.cos(mid), 0.2)
    span_x = max((max(lons) - min(lons)) * squeeze, 0.5)
    span_y = max(max(lats) - min(lats), 0.5)
    scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)
    cx, cy = (max(lons) + min(lons)) / 2, (max(lats) + min(lats)) / 2

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (round(WIDTH / 2 + (lon - cx) * squeeze * scale, 1), round(HEIGHT / 2 - (lat - cy) * scale, 1))

    points = []
    for lat, lon, number, s in pts:
        x, y = xy(lat, lon)
        where = ", ".join(v for v in (s.get("city"), s.get("state"), s.get("country")) if v)
        points.append({"x": x, "y": y, "number": number, "open": s.get("open", False),
                       "label": f"{number}. {s.get('facility') or where}" + (f" ({where})" if s.get("facility") else "")})
    you = None
    if place is not None:
        x, y = xy(place.lat, place.lon)
        you = {"x": x, "y": y, "label": place.label}
    # A scale bar: how many miles 100 px is, rounded to a friendly number.
    miles_per_px = 69.0 / scale
    bar_miles = _friendly(miles_per_px * 120)
    return {"width": WIDTH, "height": HEIGHT, "points": points, "you": you,
            "scale_px": round(bar_miles / miles_per_px, 1), "scale_miles": bar_miles, "shown": len(points)}


def _friendly(x: float) -> int:
    """The largest 1, 2 or 5 × 10ⁿ miles not above ``x`` (at least 1)."""
    if x < 1:
        return 1
    magnitude = 10 ** int(math.log10(x))
    return max(step * magnitude for step in (1, 2, 5) if step * magnitude <= x)
