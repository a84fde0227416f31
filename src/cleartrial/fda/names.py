"""Trial intervention names → the drug names we may look up at the FDA, conservatively.

A wrong label next to a trial is worse than none: a person could read the safety facts of a
different medicine as those of the one they would take. So this module only ever proposes
*names*, never products; :func:`same_drug` then accepts an FDA product only when its own
generic or brand name equals the proposed name after normalisation (case, accents, ®/™,
"HCl" for "hydrochloride", salt words such as "tartrate", a biosimilar's four-letter suffix).
Anything vaguer is refused, and the reason is kept so the page can say it:

* ``placebo`` / ``saline``: a dummy treatment or salt water: no drug label applies;
* ``investigational``: a development code ("ABC-123", "AZD2693") or a name the record itself
  calls investigational: not approved, so no label exists;
* ``general``: a kind of treatment ("chemotherapy", "PD-1 inhibitor"), not one product;
* ``regimen``: a combination known by its initials ("FOLFOX"): ask which drugs it holds.

Combinations are split on clear separators ("+", "/", ";", ",", "and", "plus", "with",
"combined with", a hyphen between two long words) and each part is judged alone, so
"Placebo and zolpidem" gives one placebo and one lookup of "zolpidem". The record's *other
names* are synonyms of the intervention, so they are tried (in order, first match wins) only
when the main name gives nothing to look up, for instance a code with a generic name beside it
("MK-3475", other name "pembrolizumab"). A real drug name without an FDA label ("anlotinib")
never falls back to its other names: registries sometimes list related drugs there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Intervention types whose names can be FDA drug products (issue: DRUG and BIOLOGICAL).
DRUG_TYPES = frozenset({"DRUG", "BIOLOGICAL"})
MAX_NAME = 100  # longer "names" are descriptions, not product names

KINDS = ("lookup", "placebo", "saline", "investigational", "general", "regimen")

_SEPARATORS = re.compile(
    r"\s*(?:\+|/|;|,|&|\s-\s|\b(?:and|plus|with|or|versus|vs\.?|combined with|in combination with|"
    r"followed by|then)\b)\s*",
    re.IGNORECASE,
)
# A hyphen between two long alphabetic words joins two drugs ("sulfamethoxazole-trimethoprim");
# a short prefix ("ado-trastuzumab") or a number ("alfa-2b") belongs to one name.
_LONG_HYPHEN = re.compile(r"\b([a-z]{5,})-([a-z]{5,})\b")
_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}")
_DOSE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:mg|g|mcg|µg|ug|ng|ml|l|iu|units?|%|mmol|meq|mg/kg|mg/m2|mg/m²|mcg/kg)"
    r"(?:\s*/\s*(?:kg|m2|m²|day|d|dose|ml|h|hr|hour|week|wk))*\b|\b\d+(?:[.,]\d+)?\s*%",
    re.IGNORECASE,
)
# Words about form, route, schedule or study arm: dropped before a name is compared.
_NOISE = frozenset("""
    tablet tablets tab tabs capsule capsules cap caps pill pills injection injections injectable
    infusion suspension solution oral orally intravenous iv intravenously subcutaneous sc sq
    intramuscular im topical cream ointment gel patch patches spray nasal inhaled inhalation
    inhaler powder granules syrup drops ophthalmic eye film coated film-coated extended-release
    extended release delayed-release delayed modified-release sustained-release er xr sr xl cr dr
    dose doses dosing daily once twice weekly monthly qd bid tid qid qw q2w q3w q4w day days
    high-dose low-dose high low standard formulation arm group regimen therapy treatment
    blinded unblinded open label open-label only alone monotherapy single multiple
    ascending mg kg drug drugs medication for of the in to a an per at by on
""".split())
# Abbreviations written out, so "Metformin HCl" is looked up as openFDA spells it.
_EXPAND = {"hcl": "hydrochloride", "hbr": "hydrobromide"}
# Words that name a kind of treatment rather than a product: a part made only of these
# (and noise words) is "general".
_GENERAL = frozenset("""
    chemotherapy chemo immunotherapy radiotherapy therapy therapies treatment treatments care usual
    standard best supportive physician physicians choice investigator's investigators choice
    adjuvant neoadjuvant induction consolidation maintenance salvage conventional systemic
    targeted hormonal hormone hormones antibiotic antibiotics steroid steroids corticosteroid
    corticosteroids inhibitor inhibitors antibody antibodies agent agents vaccine vaccines
    vaccination medicine medicines medications drug drugs regimen regimens cytotoxic platinum
    based platinum-based doublet triplet combination combinations immune checkpoint checkpoints
    angiogenesis anti-angiogenic antiangiogenic pd-1 pd-l1 ctla-4 tki tkis egfr blood sample
    samples cells cell transplant transfusion nutrition supplement supplements anesthesia
    anaesthesia sedation analgesia analgesic analgesics opioid opioids study trial
    intervention control comparator active reference without other others usual-care soc
""".split())
# Combination regimens known by their initials: not one product and not investigational.
_REGIMENS = frozenset("""
    folfox folfiri folfirinox folfoxiri xelox capox chop r-chop rchop abvd beacopp bep ec ac tc
    tch ecf eox cmf fec tac gemox gp ip vip ice dhap esHAP hyper-cvad cvad mopp vad vrd rvd
    kd dara-vrd cyBorD
""".lower().split())
_PLACEBO = re.compile(r"\b(?:placebos?|sham|dummy|sugar pills?|vehicle)\b", re.IGNORECASE)
_SALINE = re.compile(r"\b(?:saline|sodium chloride|nacl)\b", re.IGNORECASE)
_INVESTIGATIONAL = re.compile(r"\binvestigational\b|\bstudy (?:drug|product|medication)\b", re.IGNORECASE)
_SLASH = "\u2215"  # stands in for "/" inside a dose while a name is split
_ACRONYM = re.compile(r"^[A-Z]{2,6}$")  # "ULSC": only capitals, short

# Salt and hydrate words: "zolpidem" is the same medicine as "ZOLPIDEM TARTRATE".
_SALTS = frozenset("""
    hydrochloride hcl dihydrochloride hydrobromide hbr sodium disodium potassium dipotassium
    calcium magnesium zinc lithium tartrate bitartrate sulfate sulphate bisulfate mesylate mesilate
    dimesylate maleate fumarate hemifumarate citrate acetate diacetate phosphate diphosphate
    succinate besylate besilate tosylate bromide chloride iodide nitrate lactate malate gluconate
    hyclate trihydrate dihydrate monohydrate hemihydrate sesquihydrate hydrate anhydrous
    meglumine tromethamine ethanolate propionate dipropionate valerate pamoate palmitate
    stearate oxalate benzoate decanoate enanthate cypionate camsylate edisylate napsylate
""".split())
_SUFFIX = re.compile(r"-[a-z]{4}$")  # biosimilar suffix: "spesolimab-sbzo", "trastuzumab-dkst"


@dataclass(frozen=True, slots=True)
class Mention:
    """One drug an intervention names, and what we may do with it.

    ``keys`` are normalised names to look up in order (the first with a label wins); empty
    unless ``kind == "lookup"``. ``code_like``: an all-capitals short name ("ULSC"), which we
    still look up (it may be a brand written in capitals) but call investigational if the FDA
    has no label for it."""

    intervention: str
    part: str
    kind: str
    keys: tuple[str, ...] = ()
    from_other_names: bool = False
    code_like: bool = False


def fold(text: str) -> str:
    """Lower case, accents and ®/™ removed, fancy punctuation made plain, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("®", " ").replace("™", " ").replace("©", " ").replace("℠", " ")
    text = text.replace("\u2013", "-").replace("\u2014", " - ").replace("\u2010", "-").replace("\u2011", "-")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(text.lower().split())


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9][a-z0-9'-]*", text)


def clean(part: str) -> str:
    """One part of a name, as we would look it up: brackets, doses and noise words removed;
    only letters, digits, single spaces and inner hyphens left."""
    text = fold(part)
    text = _BRACKETS.sub(" ", text)
    text = _DOSE.sub(" ", text)
    words = [_EXPAND.get(w, w) for w in (w.replace("'", "").strip("-") for w in _tokens(text))]
    words = [w for w in words if w and w not in _NOISE and not w.isdigit()]
    return " ".join(words)


def is_code(part: str) -> bool:
    """A development code: letters with digits ("ABC-123", "AZD2693", "BI 853520", "IIV4") and no
    ordinary word of five letters or more ("bryostatin 1" and "gp100 antigen" are not codes)."""
    words = [w for w in re.split(r"[\s\-]+", clean(part)) if w]
    if not words or not any(ch.isdigit() for w in words for ch in w):
        return False
    return all(not (w.isalpha() and len(w) >= 5) for w in words)


def split_parts(name: str) -> list[str]:
    """The parts of a combination, as written ("Ramelteon and zolpidem" → two parts)."""
    text = unicodedata.normalize("NFKC", name)
    text = _BRACKETS.sub(lambda m: " " * len(m.group()), text)  # never split inside brackets
    text = _DOSE.sub(lambda m: m.group().replace("/", _SLASH), text)  # "mg/day" is not two drugs
    text = re.sub(r"(?i)\b([a-z]{5,})-([a-z]{5,})\b", r"\1 / \2", text)
    parts = [p.replace(_SLASH, "/").strip(" .-") for p in _SEPARATORS.split(text)]
    return [" ".join(p.split()) for p in parts if p and re.search(r"[A-Za-z]", p)]


def classify(part: str) -> tuple[str, bool]:
    """(kind, code_like) for one part of a name."""
    if _PLACEBO.search(part):
        return "placebo", False
    if _SALINE.search(fold(part)):
        return "saline", False
    if _INVESTIGATIONAL.search(part):
        return "investigational", False
    key = clean(part)
    if not key:
        return "general", False
    if key.replace(" ", "-") in _REGIMENS or key in _REGIMENS:
        return "regimen", False
    if is_code(part):
        return "investigational", False
    words = [w for w in re.split(r"[\s]+", key) if w]
    if all(w in _GENERAL or w in _NOISE for w in words):
        return "general", False
    if len(key) > MAX_NAME or len(words) > 6:
        return "general", False  # a description, not a product name
    stripped = _BRACKETS.sub(" ", unicodedata.normalize("NFKC", part)).replace("®", "").replace("™", "").strip()
    return "lookup", bool(_ACRONYM.match(stripped))


def mentions(interventions: Iterable) -> list[Mention]:
    """Every drug part of the trial's DRUG and BIOLOGICAL interventions (objects or dicts with
    ``type``, ``name``, ``other_names``), in record order."""
    out: list[Mention] = []
    for i in interventions:
        get = i.get if isinstance(i, dict) else (lambda k, _i=i: getattr(_i, k, None))
        if (get("type") or "") not in DRUG_TYPES or not (get("name") or "").strip():
            continue
        out.extend(mentions_for(get("name"), get("other_names") or []))
    return out


def mentions_for(name: str, other_names: Iterable[str] = ()) -> list[Mention]:
    name = name.strip()
    found: list[Mention] = []
    parts = split_parts(name) or [name]
    for part in parts:
        if len(parts) > 1 and not clean(part) and not _PLACEBO.search(part):
            continue  # "Cabotegravir - Injectable Suspension": the form is not a second drug
        kind, code_like = classify(part)
        keys = (clean(part),) if kind == "lookup" else ()
        found.append(Mention(name, part.strip(), kind, keys, False, code_like))
    if any(m.kind == "lookup" for m in found):
        return found
    # Nothing to look up under the main name: the other names may give the product's name.
    alternatives: list[str] = []
    for other in other_names:
        for part in split_parts(other or ""):
            kind, code_like = classify(part)
            key = clean(part)
            if kind == "lookup" and not code_like and key not in alternatives:
                alternatives.append(key)
    if not alternatives:
        return found
    # The codes and general words the main name held are replaced by one lookup; placebo
    # parts stay (a "placebo and X" name keeps saying that part has no label).
    kept = [m for m in found if m.kind in ("placebo", "saline")]
    replaced = [m for m in found if m.kind not in ("placebo", "saline")]
    part = " ".join(m.part for m in replaced) or name
    return kept + [Mention(name, part, "lookup", tuple(alternatives), True, False)]


# -- comparing our names with the FDA's ------------------------------------------------------

_SEVERAL = re.compile(r"\band\b|,|/|\+|&|\bwith\b")  # FDA names of multi-ingredient products


def _canonical(name: str) -> str:
    return " ".join(_EXPAND.get(w, w) for w in _tokens(fold(name)))


def base_name(name: str) -> str:
    """The active moiety's name: salt and hydrate words and a biosimilar suffix removed
    ("ZOLPIDEM TARTRATE" → "zolpidem", "spesolimab-sbzo" → "spesolimab"). Keeps at least one word."""
    words = _canonical(name).split()
    kept = [w for w in words if w not in _SALTS] or words  # "sodium chloride" is itself the drug
    if kept and len(kept[-1]) > 9:
        kept[-1] = _SUFFIX.sub("", kept[-1])
    return " ".join(kept)


def same_drug(ours: str, theirs: str) -> str | None:
    """How an FDA name matches ours: ``"exact"``, ``"salt"`` (same moiety, salt words differ),
    or None (not the same product: never guessed)."""
    a, b = _canonical(ours), _canonical(theirs)
    if not a or not b:
        return None
    if a == b:
        return "exact"
    # Several ingredients on the FDA side ("ASPIRIN AND CAFFEINE", "A, B") never match one name.
    if bool(_SEVERAL.search(fold(theirs))) != bool(_SEVERAL.search(fold(ours))):
        return None
    return "salt" if base_name(a) == base_name(b) else None


def same_brand(ours: str, theirs: str) -> bool:
    """Brands match only exactly (after case, accents and ®/™): "Ambien" is not "Ambien CR"."""
    return bool(_canonical(ours)) and _canonical(ours) == _canonical(theirs)
