"""One drug name → what openFDA holds for it: one label and the FAERS report counts.

Four small requests, in this order, each for a reason:

1. ``/drug/label.json?search=openfda.generic_name:"<name>"&count=openfda.generic_name.exact``
   lists the exact generic names of every label that mentions the name (a few hundred bytes,
   where fetching labels to compare would move megabytes: "aspirin" alone has hundreds of
   labels, most of them combinations). Only a name :func:`~.names.same_drug` accepts is kept;
   if none, the same with ``brand_name`` and an exact brand match.
2. ``/drug/label.json?search=openfda.<field>.exact:"<that name>"&limit=10``: a few labels of
   exactly that product; the most complete prescription label wins, newest first.
3. ``/drug/event.json?search=patient.drug.openfda.generic_name.exact:"<generic>"
   &count=patient.reaction.reactionmeddrapt.exact&limit=10``: the ten most reported reactions.
4. the same search with ``limit=1``: ``meta.results.total`` is the number of reports.

FAERS is searched by the label's generic name, so the counts are about the same product as the
label, whatever name the trial used. Only the parts a page shows are kept (a label runs to
100 kB).
"""

from __future__ import annotations

from typing import Any

from ..sources.openfda import OpenFDAClient
from . import names

LABEL = "drug/label"
EVENT = "drug/event"
TOP_REACTIONS = 10
# The label sections a page uses. Prescription labels have the first group; over-the-counter
# labels say "purpose", "warnings" and "do not use" instead.
LABEL_SECTIONS = ("indications_and_usage", "purpose", "boxed_warning", "warnings_and_cautions", "warnings",
                  "contraindications", "do_not_use")
MAX_SECTION = 12_000  # characters kept per section: the summary and first paragraphs, with room
_TYPE_RANK = {"HUMAN PRESCRIPTION DRUG": 2, "HUMAN OTC DRUG": 1}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return []


def _terms(answer: dict | None) -> list[tuple[str, int]]:
    """``{term, count}`` rows of a count answer; odd rows (and quotes, which would end our
    quoted search) are skipped."""
    out = []
    for row in (answer or {}).get("results") or []:
        if not isinstance(row, dict):
            continue
        term, count = row.get("term"), row.get("count")
        if isinstance(term, str) and term.strip() and '"' not in term and "\\" not in term \
                and isinstance(count, int) and not isinstance(count, bool) and count >= 0:
            out.append((term, count))
    return out


def resolve(client: OpenFDAClient, key: str) -> tuple[str, str, str] | None:
    """(field, the FDA's exact name, how it matched) for a normalised name, or None."""
    base = names.base_name(key)
    answer = client.count(LABEL, f'openfda.generic_name:"{base}"', "openfda.generic_name.exact", limit=100)
    scored = []
    for term, count in _terms(answer):
        how = names.same_drug(key, term)
        if how:
            scored.append((how == "exact", count, term, how))
    if scored:
        _, _, term, how = max(scored)
        return "generic_name", term, how
    answer = client.count(LABEL, f'openfda.brand_name:"{key}"', "openfda.brand_name.exact", limit=100)
    brands = [(count, term) for term, count in _terms(answer) if names.same_brand(key, term)]
    if brands:
        return "brand_name", max(brands)[1], "brand"
    return None


def choose_label(answer: dict | None, field: str, term: str) -> dict | None:
    """The best of the labels found, or None. A label counts only if its own ``openfda`` block
    names the product exactly (a label without one can never be shown: we could not tell
    whose it is)."""
    best, best_rank = None, None
    for r in (answer or {}).get("results") or []:
        if not isinstance(r, dict) or not isinstance(r.get("openfda"), dict):
            continue
        if term not in _strings(r["openfda"].get(field)):
            continue
        types = _strings(r["openfda"].get("product_type"))
        rank = (bool(_strings(r.get("indications_and_usage"))), max((_TYPE_RANK.get(t, 0) for t in types), default=0),
                str(r.get("effective_time") or ""))
        if best_rank is None or rank > best_rank:
            best, best_rank = r, rank
    return best


def _label_record(r: dict, meta: dict) -> dict:
    o = r["openfda"]
    sections = {}
    for name in LABEL_SECTIONS:
        text = " ".join(" ".join(_strings(r.get(name))).split())
        if text:
            sections[name] = text[:MAX_SECTION]
    return {
        "set_id": r.get("set_id") if isinstance(r.get("set_id"), str) else None,
        "id": r.get("id") if isinstance(r.get("id"), str) else None,
        "version": r.get("version") if isinstance(r.get("version"), str) else None,
        "effective_time": r.get("effective_time") if isinstance(r.get("effective_time"), str) else None,
        "brand_names": _strings(o.get("brand_name")),
        "generic_names": _strings(o.get("generic_name")),
        "manufacturers": _strings(o.get("manufacturer_name")),
        "product_types": _strings(o.get("product_type")),
        "routes": _strings(o.get("route")),
        "sections": sections,
        "last_updated": meta.get("last_updated") if isinstance(meta.get("last_updated"), str) else None,
    }


def events(client: OpenFDAClient, generic: str) -> dict:
    """Top reactions and the report total for one exact generic name (zero when FAERS has none)."""
    search = f'patient.drug.openfda.generic_name.exact:"{generic}"'
    counted = client.count(EVENT, search, "patient.reaction.reactionmeddrapt.exact", limit=TOP_REACTIONS)
    reactions = [{"term": t, "count": c} for t, c in _terms(counted)][:TOP_REACTIONS]
    reactions.sort(key=lambda r: -r["count"])
    total_answer = client.search(EVENT, search, limit=1)
    meta = (total_answer or counted or {}).get("meta") or {}
    total = ((meta.get("results") or {}).get("total")) if isinstance(meta.get("results"), dict) else None
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        # No match at all: no reports. A total missing beside counted reactions: not known.
        total = 0 if total_answer is None and not reactions else None
    return {
        "search_name": generic,
        "total": total,
        "reactions": reactions,
        "last_updated": meta.get("last_updated") if isinstance(meta.get("last_updated"), str) else None,
    }


def fetch(client: OpenFDAClient, key: str) -> dict | None:
    """Everything a page shows for one normalised name, or None when openFDA has no label
    under that name. Network and server errors propagate (the caller caches nothing then)."""
    resolved = resolve(client, key)
    if resolved is None:
        return None
    field, term, how = resolved
    answer = client.search(LABEL, f'openfda.{field}.exact:"{term}"', limit=10)
    label = choose_label(answer, field, term)
    if label is None:
        return None
    record = _label_record(label, (answer or {}).get("meta") or {})
    generic = term if field == "generic_name" else next(iter(record["generic_names"]), None)
    return {
        "key": key,
        "match": {"field": field, "term": term, "how": how},
        "label": record,
        "events": events(client, generic) if generic and '"' not in generic else None,
    }
