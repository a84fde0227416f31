"""The "Drug safety" section as plain data: the template renders it and the JSON twin returns it.

One dict per trial (:func:`trial_section`) and one per drug name (:func:`drug_answer`), built
from the trial's interventions (``fda.names``) and the FDA answers the service has
(``fda.service``). Label text is the label's own words, shortened at sentence ends
(``fda.text``): until the explain layer offers a rewriter with a faithfulness check, we do
not paraphrase prescribing information, and the page says so.
"""

from __future__ import annotations

import re

from ..fda import names, text
from ..fda.service import Answer, FdaService
from ..words import date_words

DAILYMED_URL = "https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid={}"
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
POLLS = 5  # times a page with pending answers asks again by itself (htmx), 3 s apart

# Our own words for the two sources' limits (the FDA's notices, rephrased for patients).
CAVEATS = [
    "Anyone can report a health problem to the FDA's Adverse Event Reporting System (FAERS): patients, "
    "doctors and drug companies. A report means someone saw a problem while the drug was being taken, "
    "not that the drug caused it.",
    "A drug with many reports is not necessarily riskier: widely used drugs get more reports. The counts "
    "are not rates and cannot be compared between drugs.",
    "Reports are not checked by the FDA, and the same event may be reported more than once.",
    "Some entries describe how a drug was used or how it worked (for example \"off label use\" or \"drug "
    "ineffective\") rather than a side effect.",
    "A label covers only the uses the FDA approved. A trial may test the drug for something else, at "
    "another dose or with other drugs, and labels can lag behind the newest research.",
    "These are patterns worth asking your doctor about, not medical advice. Do not start or stop a medicine "
    "because of them; talk with your doctor or the study team.",
]

WITHOUT_LABEL_WORDS = {
    "placebo": "No FDA label: a placebo (or sham) has no active drug.",
    "saline": "No FDA label shown: saline is salt water, used as a placebo or to give other drugs.",
    "investigational": "No FDA label — this is an investigational product, not approved for sale in the US, "
                       "so it has no label yet.",
    "general": "No FDA label: this names a kind of treatment, not one product. Ask the study team which "
               "drugs it means.",
    "regimen": "No single FDA label: this is a combination of drugs known by its initials. Ask the study "
               "team which drugs it includes.",
    "no_label": "No FDA label found under this name. The drug may not be approved in the US, or US labels "
                "may name it differently.",
}
WAITING_WORDS = {
    "pending": "We have just asked the FDA; the answer has not arrived yet.",
    "unavailable": "The FDA's service could not be reached just now.",
    "off": "This server does not look drugs up at the FDA.",
}
_TYPE_WORDS = {"HUMAN PRESCRIPTION DRUG": "Prescription medicine", "HUMAN OTC DRUG": "Over-the-counter medicine"}


def _day(value: str | None) -> str | None:
    """openFDA's "20120918" or "2015-01-21" as ISO "2012-09-18"."""
    if not value:
        return None
    digits = value.replace("-", "")
    if len(digits) == 8 and digits.isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
    return None


def _sentence_case(term: str) -> str:
    low = term.strip().lower()
    return low[:1].upper() + low[1:]


def _title(name: str) -> str:
    """"ZOLPIDEM TARTRATE" → "Zolpidem tartrate" (the FDA writes generic names in capitals)."""
    return _sentence_case(name) if name.isupper() else name


def _text(value: str | None, limit: int, *, otc: bool = False) -> dict | None:
    short, shortened = text.shorten(text.tidy(value, otc=otc), limit)
    return {"text": short, "shortened": shortened} if short else None


def drug_words(record: dict, named_as: list[str], *, from_other_names: bool, fetched_at: str,
               stale: bool) -> dict:
    label = record["label"]
    sections = label.get("sections") or {}
    otc = "HUMAN OTC DRUG" in label.get("product_types", []) and \
        "HUMAN PRESCRIPTION DRUG" not in label.get("product_types", [])
    match = record["match"]
    generic = label.get("generic_names") or []
    name = _title(generic[0]) if generic else _title(match["term"])
    how = {"exact": "Matched by its generic name.", "salt": f"Matched by its generic name ({_title(match['term'])}).",
           "brand": f"Matched by its brand name ({match['term']})."}[match["how"]]
    boxed = None
    if sections.get("boxed_warning"):
        short, shortened = text.boxed_warning(sections["boxed_warning"])
        boxed = {"text": short, "shortened": shortened} if short else None
    items, more = text.warning_items(sections.get("warnings_and_cautions") or sections.get("warnings"), otc=otc)
    purpose = text.tidy(sections.get("purpose"), otc=True) or None
    events = record.get("events")
    reports = None
    if events is not None:
        reactions = [{"term": _sentence_case(r["term"]), "fda_term": r["term"], "count": r["count"]}
                     for r in events.get("reactions", [])]
        data_date = events.get("last_updated")
        reports = {
            "total": events.get("total"),
            "searched_as": events.get("search_name"),
            "reactions": reactions,
            "max_count": max((r["count"] for r in reactions), default=0),
            "data_date": data_date,
            "data_date_words": date_words(data_date),
        }
    label_day = _day(label.get("effective_time"))
    set_id = label.get("set_id")
    return {
        "name": name,
        "named_as": named_as,
        "from_other_names": from_other_names,
        "match": {"field": match["field"], "fda_name": match["term"], "how": match["how"]},
        "match_words": how,
        "brand_names": sorted(set(label.get("brand_names") or []))[:5],
        "generic_names": generic,
        "manufacturer": next(iter(label.get("manufacturers") or []), None),
        "product_type_words": next((_TYPE_WORDS[t] for t in label.get("product_types", []) if t in _TYPE_WORDS), None),
        "approved_use": _text(sections.get("indications_and_usage"), 350, otc=otc),
        "purpose": purpose[:120] if purpose else None,
        "boxed_warning": boxed,
        "warnings": {"items": items, "shortened": more} if items else None,
        "contraindications": _text(sections.get("contraindications") or sections.get("do_not_use"), 350),
        "label_date": label_day,
        "label_date_words": date_words(label_day),
        "label_url": DAILYMED_URL.format(set_id) if isinstance(set_id, str) and _UUID.match(set_id) else None,
        "reports": reports,
        "fetched_at": fetched_at,
        "stale": stale,
    }


def trial_section(nct_id: str, interventions, service: FdaService | None, conn, *, wait: float | None = None,
                  poll: int = 0) -> dict | None:
    """The section for one trial, or None when it names no drug or biological product."""
    mentions = names.mentions(interventions)
    if not mentions:
        return None
    chains = [m.keys for m in mentions if m.kind == "lookup"]
    answers: dict[tuple[str, ...], Answer] = service.answers(conn, chains, wait=wait) if service and chains else {}
    drugs: dict[str, dict] = {}
    without: list[dict] = []
    waiting: list[dict] = []
    for m in mentions:
        if m.kind != "lookup":
            without.append(_without(m, m.kind))
            continue
        answer = answers.get(m.keys) or Answer("off")
        if answer.status == "found":
            assert answer.entry is not None and answer.entry.record is not None
            record = answer.entry.record
            key = record["label"].get("set_id") or record["match"]["term"]
            if key in drugs:
                if m.intervention not in drugs[key]["named_as"]:
                    drugs[key]["named_as"].append(m.intervention)
                continue
            drugs[key] = drug_words(record, [m.intervention], from_other_names=m.from_other_names,
                                    fetched_at=answer.entry.fetched_at, stale=answer.stale)
        elif answer.status == "no_label":
            without.append(_without(m, "investigational" if m.code_like else "no_label"))
        elif not any(w["name"] == m.part for w in waiting):
            waiting.append({"name": m.part, "status": answer.status, "words": WAITING_WORDS[answer.status]})
    statuses = {w["status"] for w in waiting}
    status = next((s for s in ("pending", "unavailable", "off") if s in statuses), "complete")
    page_url = f"/trials/{nct_id}/drug-safety"
    return {
        "nct_id": nct_id,
        "status": status,
        "notice": _notice(status, bool(drugs)),
        "drugs": list(drugs.values()),
        "waiting": waiting,
        "without_label": _dedupe(without),
        "caveats": CAVEATS,
        "page_url": page_url,
        "json_url": page_url + ".json",
        "poll_url": f"{page_url}?poll={poll + 1}" if status == "pending" and poll < POLLS else None,
    }


def empty_section(nct_id: str) -> dict:
    """The JSON twin's answer for a trial that names no drug or biological product."""
    page_url = f"/trials/{nct_id}/drug-safety"
    return {"nct_id": nct_id, "status": "none", "notice": "This trial names no drug or biological product.",
            "drugs": [], "waiting": [], "without_label": [], "caveats": [], "page_url": page_url,
            "json_url": page_url + ".json", "poll_url": None}


def _notice(status: str, have_some: bool) -> str | None:
    if status == "pending":
        return ("We have asked the FDA about " + ("the other drugs" if have_some else "this trial's drugs")
                + " and are waiting for the answer. It usually takes a few seconds.")
    if status == "unavailable":
        return "The FDA's service could not be reached just now, so some drug information is missing."
    if status == "off":
        return "This server does not look drugs up at the FDA, and has no saved FDA information for some of them."
    return None


def _without(m: names.Mention, reason: str) -> dict:
    return {"name": m.part, "intervention": m.intervention, "reason": reason, "words": WITHOUT_LABEL_WORDS[reason]}


def _dedupe(items: list[dict]) -> list[dict]:
    seen, out = set(), []
    for item in items:
        key = (item["name"].lower(), item["reason"])
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def drug_answer(query: str, service: FdaService | None, conn, *, wait: float | None = None) -> dict:
    """``/api/v1/drugs/{name}``: what the FDA publishes under one name, or why nothing."""
    mention = names.mentions_for(query)[0]  # the caller has checked that there is one part
    out = {"query": query, "name": names.clean(mention.part) or None, "kind": mention.kind, "status": "not_looked_up",
           "message": None, "drug": None, "caveats": CAVEATS}
    if mention.kind != "lookup":
        out["message"] = WITHOUT_LABEL_WORDS[mention.kind]
        return out
    answer = service.answers(conn, [mention.keys], wait=wait)[mention.keys] if service else Answer("off")
    out["status"] = answer.status
    if answer.status == "found":
        assert answer.entry is not None and answer.entry.record is not None
        out["drug"] = drug_words(answer.entry.record, [mention.part], from_other_names=False,
                                 fetched_at=answer.entry.fetched_at, stale=answer.stale)
    elif answer.status == "no_label":
        reason = "investigational" if mention.code_like else "no_label"
        out["kind"] = "investigational" if mention.code_like else out["kind"]
        out["message"] = WITHOUT_LABEL_WORDS[reason]
    else:
        out["message"] = WAITING_WORDS[answer.status] + (" Try again in a few seconds." if answer.status != "off" else "")
    return out
