"""A trial's design in plain words: how groups are formed, who knows what, what is tested.

Every function returns :class:`Fact` objects whose ``source`` is the registry wording behind
the sentence, so a page can show both. A fact is produced only when the record states it:
an old record without design fields gets fewer facts, never guessed ones.
"""

from __future__ import annotations

from fractions import Fraction

from ..model import Intervention, Trial
from ._common import (
    PLACEBO_MEANING,
    SHAM_MEANING,
    Fact,
    arms_mixing_placebo,
    end_sentence,
    is_placebo_only,
    is_sham,
    mentions_placebo,
    placebo_arms,
    placebo_kind,
    quote,
    unique,
    uses_placebo,
)
from .ratio import stated_ratios
from .timing import study_dates, study_length

__all__ = ["Fact", "design_facts", "placebo_chance", "study_dates", "study_length", "what_is_tested"]

_MODEL_WORDS = {
    "CROSSOVER": "Everyone gets each treatment in turn, in an assigned order (crossover).",
    "FACTORIAL": "Two or more treatments are tested at once: each group gets a different combination of them (factorial).",
    "SEQUENTIAL": "Groups start one after another, and what a later group gets can depend on how earlier groups did (sequential).",
    "PARALLEL": "Each group gets its own treatment, side by side, and people stay in their group (parallel).",
}
_BLIND = {"SINGLE": "single-blind", "DOUBLE": "double-blind", "TRIPLE": "triple-blind", "QUADRUPLE": "quadruple-blind"}
# Masked roles as a patient would name them, in the order a sentence reads best.
_WHO = {
    "CARE_PROVIDER": "your doctors",
    "INVESTIGATOR": "the researchers",
    "OUTCOMES_ASSESSOR": "the people who measure the results",
}
_OBSERVATIONAL_MODEL = {
    "COHORT": "It follows a group of people over time (cohort).",
    "CASE_CONTROL": "It compares people who have a condition with people who do not (case-control).",
    "CASE_ONLY": "It studies only people who have the condition (case-only).",
    "CASE_CROSSOVER": "It compares each person's own times before an event with other times (case-crossover).",
    "FAMILY_BASED": "It studies families (family-based).",
    "NATURAL_HISTORY": "It follows how a condition develops over time (natural history).",
    "DEFINED_POPULATION": "It studies a defined group of people, such as one community (defined population).",
    "ECOLOGIC_OR_COMMUNITY": "It studies whole communities rather than single people (community).",
}
_TIME_PERSPECTIVE = {
    "PROSPECTIVE": "It collects new information going forward (prospective).",
    "RETROSPECTIVE": "It looks back at information that was already recorded (retrospective).",
    "CROSS_SECTIONAL": "It collects information at one point in time (cross-sectional).",
}
_TYPE_WORDS = {
    "DRUG": "Drug",
    "BIOLOGICAL": "Biological (a medicine made from living cells)",
    "DEVICE": "Device",
    "PROCEDURE": "Procedure",
    "BEHAVIORAL": "Behavioral (a program or change in habits)",
    "DIETARY_SUPPLEMENT": "Dietary supplement",
    "RADIATION": "Radiation",
    "GENETIC": "Genetic",
    "DIAGNOSTIC_TEST": "Diagnostic test",
    "COMBINATION_PRODUCT": "Combination product",
    "OTHER": "Other",
}


def design_facts(trial: Trial) -> list[Fact]:
    """The design in words for a patient, only facts the record supports."""
    if trial.study_type == "OBSERVATIONAL":
        return _observational_facts(trial)
    if trial.study_type == "EXPANDED_ACCESS":
        return [
            Fact(
                "This is expanded access: a way for some patients to get a treatment that is not yet approved, outside a clinical trial.",
                "study_type: EXPANDED_ACCESS",
            )
        ]
    facts = [f for f in (_allocation_fact(trial), _model_fact(trial), _masking_fact(trial), _placebo_fact(trial)) if f]
    return facts


def _allocation_fact(trial: Trial) -> Fact | None:
    allocation = trial.design.allocation
    if allocation == "RANDOMIZED":
        return Fact("People are put into groups by chance (randomized), like a coin toss.", "allocation: RANDOMIZED")
    if allocation == "NON_RANDOMIZED":
        return Fact("People are put into groups, but not by chance (non-randomized).", "allocation: NON_RANDOMIZED")
    return None


def _model_fact(trial: Trial) -> Fact | None:
    model = trial.design.intervention_model
    source = f"intervention_model: {model}"
    if model == "SINGLE_GROUP":
        # Some records call themselves single-group yet list several arms or say randomized;
        # then "everyone gets the same treatment" would contradict the record itself.
        if len(trial.arms) > 1 or trial.design.allocation == "RANDOMIZED":
            return None
        return Fact("Everyone gets the same treatment (single group).", source)
    if model == "PARALLEL" and len(trial.arms) == 1:
        return None  # one arm: there is nothing side by side
    if model in _MODEL_WORDS:
        return Fact(_MODEL_WORDS[model], source)
    return None


def _masking_fact(trial: Trial) -> Fact | None:
    d = trial.design
    if d.masking == "NONE":
        return Fact("You and your doctors will know which treatment you get (open-label).", "masking: NONE")
    if d.masking not in _BLIND:
        return None
    label = _BLIND[d.masking]
    source = f"masking: {d.masking}" + (f" ({', '.join(d.who_masked)})" if d.who_masked else "")
    if not d.who_masked:
        return Fact(
            f"Some of the people involved will not be told which treatment each person gets ({label}); the record does not say who.",
            source,
        )
    others = [_WHO[w] for w in _WHO if w in d.who_masked]
    if "PARTICIPANT" in d.who_masked:
        if not others:
            return Fact(f"You will not know which treatment you get ({label}).", source)
        if len(others) == 1:
            return Fact(f"Neither you nor {others[0]} will know which treatment you get ({label}).", source)
        return Fact(f"You will not know which treatment you get, and neither will {_and(others)} ({label}).", source)
    if not others:
        return None  # roles we have no words for: say nothing rather than something vague
    who = _and(others)
    return Fact(
        f"{who[0].upper()}{who[1:]} will not know which treatment you get, but you are not kept from knowing ({label}).",
        source,
    )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _placebo_fact(trial: Trial) -> Fact | None:
    kind = placebo_kind(trial)
    meaning = SHAM_MEANING if kind == "sham" else PLACEBO_MEANING
    arms = placebo_arms(trial)
    if arms and not arms_mixing_placebo(trial) and trial.design.intervention_model != "CROSSOVER":
        n, k = len(arms), len(trial.arms)
        sources = "; ".join(f"Arm {quote(a.label or '', 80)}" + (f" ({a.type})" if a.type else "") for a in arms)
        head = f"One of the {k} groups gets" if n == 1 else f"{n} of the {k} groups get"
        text = f"{head} a {kind} \u2014 {meaning}."
        extras = unique([x for a in arms for x in a.interventions if not is_placebo_only(x)])
        if extras:
            text += f" {'That group' if n == 1 else 'Those groups'} also {'gets' if n == 1 else 'get'}: {', '.join(extras)}."
        return Fact(text, sources)
    if uses_placebo(trial):
        named = [i.name for i in trial.interventions if mentions_placebo(i.name)]
        named += [a.label for a in trial.arms if mentions_placebo(a.label)]
        source = "; ".join(quote(n or "", 80) for n in unique(named)[:3]) or None
        if trial.design.intervention_model == "CROSSOVER":
            return Fact(
                f"The study uses a {kind} \u2014 {meaning}; in a crossover, everyone gets it for part of the study.",
                source,
            )
        return Fact(f"The study uses a {kind} \u2014 {meaning}.", source)
    return None


def _observational_facts(trial: Trial) -> list[Fact]:
    d = trial.design
    facts = [Fact("Researchers observe; the study does not assign a treatment.", "study_type: OBSERVATIONAL")]
    if d.observational_model in _OBSERVATIONAL_MODEL:
        facts.append(Fact(_OBSERVATIONAL_MODEL[d.observational_model], f"observational_model: {d.observational_model}"))
    if d.time_perspective in _TIME_PERSPECTIVE:
        facts.append(Fact(_TIME_PERSPECTIVE[d.time_perspective], f"time_perspective: {d.time_perspective}"))
    if d.patient_registry:
        facts.append(
            Fact(
                "It is a patient registry: a list of people with a condition, kept to learn more over time.",
                "patient_registry: true",
            )
        )
    return facts


def placebo_chance(trial: Trial) -> Fact | None:
    """What the record says about the odds of getting the placebo; None when it does not say.

    Equal odds are never assumed: "1 of the 3 groups" is not "1 in 3" unless the record
    states an even split or a ratio that maps onto drug and placebo.
    """
    if trial.study_type not in (None, "INTERVENTIONAL"):
        return None
    kind = placebo_kind(trial)
    d = trial.design
    if d.intervention_model == "CROSSOVER" and uses_placebo(trial):
        return Fact(
            f"Everyone gets each treatment in turn, so you would get the {kind} for part of the study (crossover).",
            f"intervention_model: CROSSOVER; {_placebo_source(trial)}",
        )
    if d.allocation not in ("RANDOMIZED", None):
        return None  # not assigned by chance: there are no odds to state
    arms = placebo_arms(trial)
    clear_arms = len(trial.arms) >= 2 and bool(arms) and not arms_mixing_placebo(trial)
    k, p = (len(trial.arms), len(arms)) if clear_arms else (0, 0)
    ratios = stated_ratios(trial, k, p)
    share = _one_share(ratios)
    if share is not None:
        chance, sentence = share
        if d.allocation == "RANDOMIZED" or "random" in sentence.lower():
            return Fact(
                f"There is about a {chance.numerator} in {chance.denominator} chance of getting the {kind}.",
                quote(sentence, 400),
            )
    if not clear_arms or d.allocation != "RANDOMIZED" or not uses_placebo(trial):
        return None
    head = f"1 of the {k} groups gets" if p == 1 else f"{p} of the {k} groups get"
    uneven = [r for r in ratios if len(set(r.ratio.split(":"))) > 1]
    if uneven:
        tail = f" The record mentions a {uneven[0].ratio} split, so the groups may not be the same size."
        return Fact(f"{head} a {kind}.{tail}", f"{_placebo_source(trial)}; {quote(uneven[0].sentence, 400)}")
    tail = " The record does not say how many people go into each group."
    return Fact(f"{head} a {kind}.{tail}", _placebo_source(trial) + f"; allocation: RANDOMIZED; {len(trial.arms)} arms")


def _one_share(ratios) -> tuple[Fraction, str] | None:
    """The placebo share when the record gives exactly one, and no other two-part ratio."""
    mapped = {r.placebo_share for r in ratios if r.placebo_share is not None}
    if len(mapped) != 1:
        return None
    two_part = {r.ratio for r in ratios if r.ratio.count(":") == 1}
    if len({tuple(sorted(r.split(":"))) for r in two_part}) > 1:
        return None  # "3:1" in one part and "1:1" in another: which applies is unclear
    first = next(r for r in ratios if r.placebo_share is not None)
    return first.placebo_share, first.sentence


def _placebo_source(trial: Trial) -> str:
    arms = placebo_arms(trial)
    if arms:
        return "; ".join(f"Arm {quote(a.label or '', 80)}" + (f" ({a.type})" if a.type else "") for a in arms)
    names = unique([i.name or "" for i in trial.interventions if mentions_placebo(i.name)])
    names += unique([a.label or "" for a in trial.arms if mentions_placebo(a.label)])
    return "; ".join(f"{quote(n, 80)}" for n in names[:3]) or "placebo named in the record"


def what_is_tested(trial: Trial) -> list[Fact]:
    """Each intervention in words: type, name, other names; placebos and shams flagged."""
    placebo_only_labels = {(a.label or "").lower() for a in placebo_arms(trial)}
    facts: list[Fact] = []
    seen: set[str] = set()
    for i in trial.interventions:
        if not i.name:
            continue
        text = _intervention_words(i, trial, placebo_only_labels)
        if text not in seen:  # some records list the same intervention twice, word for word
            seen.add(text)
            facts.append(Fact(text, _intervention_source(i)))
    return facts


def _intervention_words(i: Intervention, trial: Trial, placebo_labels: set[str]) -> str:
    kind = _TYPE_WORDS.get(i.type or "", (i.type or "Treatment").replace("_", " ").capitalize())
    text = f"{kind}: {i.name}"
    others = [n for n in unique(i.other_names) if n.lower() != i.name.lower()]
    if others:
        shown = others[:4]
        more = f" and {len(others) - 4} other names" if len(others) > 4 else ""
        text += f" (also called {', '.join(shown)}{more})"
    if is_placebo_only(i.name):
        text += f" \u2014 a sham: {SHAM_MEANING}" if is_sham(i.name) else f" \u2014 a placebo: {PLACEBO_MEANING}"
    elif mentions_placebo(i.name):
        text += f" \u2014 includes a {'sham' if is_sham(i.name) else 'placebo'}"
    elif i.arm_labels and placebo_labels and all(lbl.lower() in placebo_labels for lbl in i.arm_labels):
        text += f" \u2014 given only in the {placebo_kind(trial)} group"
    if trial.study_type == "OBSERVATIONAL":
        text += " (an observational study does not assign it)"
    return end_sentence(text)


def _intervention_source(i: Intervention) -> str:
    source = f"Intervention: {i.type or 'type not stated'}: {quote(i.name or '', 120)}"
    if i.other_names:
        source += "; other names: " + ", ".join(quote(n, 60) for n in i.other_names)
    return source
