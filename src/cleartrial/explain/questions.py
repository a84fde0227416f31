"""Questions a patient can take to their doctor and to the study team, built from one record.

Each question names something from this trial (its conditions, treatments, sites, tests,
contacts) and carries ``why``: the record's fact behind it, in plain words. A question is
asked only when its fact holds, so two different trials get different lists, and no question
suggests that the reader qualifies: eligibility is always something to check with the team.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Trial
from ..words import PHASE_MEANING, age_range_words, phase_words, sex_words, status_words
from ._common import (
    active_interventions,
    arms_mixing_placebo,
    end_sentence,
    join_words,
    placebo_arms,
    placebo_kind,
    quote,
    unique,
    uses_placebo,
)
from ._record import (
    OPEN_STATUSES,
    condition_names,
    first_exclusion_item,
    healthy_volunteer_study,
    is_prevention,
    masked_roles_words,
    treatment_names,
)
from .participation import ParticipationFact, participation_facts
from .timeframes import parse_time_frame
from .timing import study_dates, study_length

# The trial page's sections a question can point to (their HTML ids): the part of the page
# that shows the fact the question rests on.
SECTIONS = ("glance", "who", "happens", "involves", "measure", "where", "runs")


@dataclass(slots=True)
class Question:
    text: str
    why: str  # the trial fact behind it, in plain words
    # The record's own words the question rests on (participation.py's source texts, or a
    # field as "Name: value"); empty for a general question that names nothing from the record.
    facts: list[str] = field(default_factory=list)
    section: str = "glance"  # one of SECTIONS


    def as_dict(self) -> dict:
        return {"text": self.text, "why": self.why, "facts": self.facts, "section": self.section}


MAX_QUESTIONS = 10


class _Facts:
    """A trial's participation facts by kind, computed once for both lists."""

    def __init__(self, facts: list[ParticipationFact]):
        self.all = facts
        self.by_kind: dict[str, list[ParticipationFact]] = {}
        for f in facts:
            self.by_kind.setdefault(f.kind, []).append(f)

    def get(self, *kinds: str) -> list[ParticipationFact]:
        return [f for k in kinds for f in self.by_kind.get(k, [])]

    def first(self, *kinds: str) -> ParticipationFact | None:
        found = self.get(*kinds)
        return found[0] if found else None


def doctor_questions(trial: Trial, facts: list[ParticipationFact] | None = None) -> list[Question]:
    """Questions for the patient's own doctor, most important first (at most 10).

    ``facts`` are the trial's participation facts when the caller already has them (a page
    shows both); otherwise they are read here.
    """
    # The brief's core questions first; at most 10 are kept, so the extras come last.
    makers = (_fit, _phase, _observed_care, _observational_gain, _extra_tests, _risks, _placebo_meanwhile,
              _medicine_changes, _interactions, _procedure_risks, _exclusions, _after_trial, _stopped,
              _contraception, _no_treatment_group, _comparator, _blinded_emergency)  # fmt: skip
    return _collect(trial, makers, facts)


def coordinator_questions(trial: Trial, facts: list[ParticipationFact] | None = None) -> list[Question]:
    """Questions for the study team (coordinator), most important first (at most 10)."""
    makers = (_still_open, _sites_and_visits, _length, _costs, _time_off, _procedures, _who_to_call,
              _overnight, _getting_worse, _entry_check, _leaving, _results)  # fmt: skip
    return _collect(trial, makers, facts)


def question_lists(trial: Trial, facts: list[ParticipationFact] | None = None) -> dict[str, list[dict]]:
    """Both lists as plain data: the trial page, the API and ``cleartrial questions --json``."""
    facts = participation_facts(trial) if facts is None else facts
    return {"doctor": [q.as_dict() for q in doctor_questions(trial, facts)],
            "coordinator": [q.as_dict() for q in coordinator_questions(trial, facts)]}  # fmt: skip


def _collect(trial: Trial, makers, facts: list[ParticipationFact] | None) -> list[Question]:
    pf = _Facts(participation_facts(trial) if facts is None else facts)
    out: list[Question] = []
    for make in makers:
        q = make(trial, pf)
        if q is not None and q.why:
            out.append(q)
    return out[:MAX_QUESTIONS]


def _field(name: str, value) -> str:
    """A structured field as a fact's source, in participation.py's form: "Name: value"."""
    return f"{name}: {value}"


def _intervention_sources(trial: Trial, names: list[str]) -> list[str]:
    wanted = {n.lower() for n in names}
    return unique([_field("Intervention", i.name) for i in trial.interventions if i.name and i.name.lower() in wanted])


# --- doctor ---------------------------------------------------------------------------------


def _conditions_field(trial: Trial, conditions: list[str]) -> list[str]:
    listed = "Conditions" if unique(trial.conditions) else "Conditions (MeSH terms)"
    return [_field(listed, "; ".join(conditions))] if conditions else []


def _fit(trial: Trial, pf: _Facts) -> Question | None:
    conditions = condition_names(trial)
    if healthy_volunteer_study(trial):
        facts = [_field("Accepts healthy volunteers", "Yes")] if trial.eligibility.healthy_volunteers else []
        facts += [_field("Conditions", "; ".join(unique(trial.conditions)))] if trial.conditions else []
        return Question(
            "This study takes healthy volunteers: is it safe for me to take part, given my health?",
            "The record says the study accepts healthy volunteers and names no illness it treats.",
            facts, "who",
        )  # fmt: skip
    if not conditions:
        return None
    named = _conditions_in_text(conditions)
    why = f"The record lists the condition{'s' if len(conditions) > 1 else ''}: {join_words([quote(c, 80) for c in conditions])}."
    facts = _conditions_field(trial, conditions)
    if trial.study_type == "OBSERVATIONAL":
        return Question(f"Would taking part in this study change the usual care I get for {named}?", why, facts)
    if is_prevention(trial):
        if trial.design.primary_purpose:
            why += f" Its main purpose is {trial.design.primary_purpose.lower()}."
            facts.append(_field("Primary purpose", trial.design.primary_purpose))
        if trial.eligibility.healthy_volunteers:
            why += " It takes healthy volunteers."
            facts.append(_field("Accepts healthy volunteers", "Yes"))
        return Question(
            f"This study is about lowering the risk of {named}: is it a good fit for me, given my own risk?", why, facts
        )
    if trial.design.primary_purpose in ("DIAGNOSTIC", "SCREENING"):
        why += f" Its main purpose is {trial.design.primary_purpose.lower()}."
        facts.append(_field("Primary purpose", trial.design.primary_purpose))
        return Question(
            f"This study tests a way to find or diagnose {named}: would it help me more than the tests I would have anyway?",
            why, facts,
        )  # fmt: skip
    return Question(
        f"Is this trial a good fit for my {named}, compared with the standard treatment I could get now?", why, facts
    )


_PHASE_QUESTION = {
    "EARLY_PHASE1": "This is an early phase 1 study of {t} with very few people so far: how much is known about its safety?",
    "PHASE1": "This phase 1 trial mainly tests the safety and dose of {t}: how likely is it to help me?",
    "PHASE2": "This is a phase 2 trial: what early results make people think {t} may work?",
    "PHASE3": "This is a phase 3 trial: how {does} {t} compare with the treatment I would get otherwise?",
    "PHASE4": "This phase 4 study looks at {t} after approval: how would taking part change my usual care?",
}


def _phase(trial: Trial, pf: _Facts) -> Question | None:
    phases = [p for p in trial.phases if p in _PHASE_QUESTION]
    if not phases:
        return None
    first = phases[0]  # phase 1/2: the earlier phase is what is known so far
    names = treatment_names(trial)
    if healthy_volunteer_study(trial) and first in ("EARLY_PHASE1", "PHASE1"):
        text = f"This is an early trial in healthy volunteers: what is known so far about the safety of {_names(names) or 'the treatment'}?"
    else:
        text = _PHASE_QUESTION[first].format(
            t=_names(names) or "the treatment", does="do" if len(names) > 1 else "does"
        )
    why = f"The record lists the phase as {phase_words(trial.phases, trial.study_type)}: a phase that {PHASE_MEANING[first]}."
    return Question(text, why, [_field("Phase", ", ".join(trial.phases))], "glance")


def _conditions_in_text(conditions: list[str]) -> str:
    """One or two conditions by name; with more, say how many the record lists.

    MeSH-style names with commas ("Hypertension, Pulmonary") read as several items in a list,
    so names without commas are preferred when naming only two.
    """
    plain = [c for c in conditions if "," not in c]
    if len(conditions) == 1 or (len(conditions) == 2 and len(plain) == 2):
        return " and ".join(conditions)
    return f"{(plain or conditions)[0]} (or another of the {len(conditions)} conditions the record lists)"


def _names(names: list[str]) -> str:
    return join_words(names, 2, "other treatments")


def _observed_care(trial: Trial, pf: _Facts) -> Question | None:
    names = treatment_names(trial)
    if trial.study_type != "OBSERVATIONAL" or not names:
        return None
    return Question(
        f"The study looks at people who get {_names(names)}: does that match the care you plan for me?",
        f"The record lists {join_words([quote(n, 60) for n in names], 3)}; an observational study does not assign it.",
        _intervention_sources(trial, names), "happens",
    )  # fmt: skip


def _observational_gain(trial: Trial, pf: _Facts) -> Question | None:
    if trial.study_type != "OBSERVATIONAL":
        return None
    return Question(
        "Since this study gives no treatment, what would I gain from joining, and what would it ask of me?",
        "The record says it is observational: researchers observe and do not assign a treatment.",
        [_field("Study type", "OBSERVATIONAL")], "happens",
    )  # fmt: skip


def _extra_tests(trial: Trial, pf: _Facts) -> Question | None:
    if trial.study_type != "OBSERVATIONAL" or trial.design.time_perspective != "PROSPECTIVE":
        return None
    tests = pf.get(*_PROCEDURE_KINDS)
    if tests:
        # The record names what it adds: ask about those, by name.
        return Question(
            f"This study adds {_procedure_names(tests)}: could any of them affect my health or my usual care?",
            f"The record mentions {_procedure_names(tests)}, and says the study collects new information going forward.",
            [f.source_text for f in tests[:4]] + [_field("Time perspective", "PROSPECTIVE")], "involves",
        )  # fmt: skip
    return Question(
        "Would this study add any tests or visits beyond my usual care, and could any of them affect my health?",
        "The record says the study collects new information going forward (prospective).",
        [_field("Time perspective", "PROSPECTIVE")], "happens",
    )  # fmt: skip


def _risks(trial: Trial, pf: _Facts) -> Question | None:
    names = treatment_names(trial)
    if not names or trial.study_type == "OBSERVATIONAL":
        return None
    listed = join_words([quote(n, 60) for n in names], 4, "others")
    facts = _intervention_sources(trial, names)
    medicines = ("DRUG", "BIOLOGICAL", "DIETARY_SUPPLEMENT", "COMBINATION_PRODUCT", "RADIATION", "GENETIC")
    if not any(i.type in medicines for i in active_interventions(trial)):
        # "Side effects" of a web program or a walking plan reads oddly; risks and downsides do not.
        return Question(f"What are the possible risks or downsides of {join_words(names, 3, 'other treatments')} for me?",
                        f"The record lists these: {listed}.", facts, "glance")  # fmt: skip
    return Question(
        f"What are the known risks and side effects of {join_words(names, 3, 'other treatments')}?",
        f"The record lists these treatments: {listed}.", facts, "glance",
    )  # fmt: skip


def _placebo_meanwhile(trial: Trial, pf: _Facts) -> Question | None:
    if not uses_placebo(trial) or trial.study_type == "OBSERVATIONAL" or healthy_volunteer_study(trial):
        return None  # a healthy volunteer has no symptoms to leave untreated
    kind = placebo_kind(trial)
    conditions = condition_names(trial)
    about = f"my {_conditions_in_text(conditions)}" if conditions else "my symptoms"
    facts = [f.source_text for f in pf.get("placebo", "ratio", "crossover")]
    if is_prevention(trial):
        risk = f"my risk of {_conditions_in_text(conditions)}" if conditions else "my risk"
        return Question(f"If I get the {kind}, what should I do meanwhile to keep {risk} down?",
                        _placebo_why(trial, kind), facts, "happens")  # fmt: skip
    if trial.design.intervention_model == "CROSSOVER":
        return Question(
            f"Everyone gets each treatment in turn here: what happens to {about} while I am on the {kind}?",
            f"The record calls the design crossover and names a {kind}.", facts, "happens",
        )  # fmt: skip
    return Question(
        f"If I get the {kind}, what happens to {about} meanwhile, and can I keep my usual treatment?",
        _placebo_why(trial, kind), facts, "happens",
    )  # fmt: skip


def _placebo_why(trial: Trial, kind: str) -> str:
    arms = placebo_arms(trial)
    if not arms or arms_mixing_placebo(trial):
        return f"The record names a {kind}."
    return f"The record lists a {kind} group{_label_words(arms[0].label)}."


def _label_words(label: str | None) -> str:
    """ ": “Placebo”" for a label that says something; " (labelled “2”)" for a bare number."""
    label = label or ""
    if len(label) >= 3 and re.search(r"[A-Za-z]{2}", label):
        return f": {quote(label, 80)}"
    return f" (labelled {quote(label, 20)})" if label else ""


# The medicine change a doctor most needs to weigh in on first: a change to a medicine the
# person takes now outranks a rule about what they may add.
_CHANGE_QUESTION = {
    "steroid_taper": "The study lowers steroid doses step by step (a taper): is that safe for me, and what should I watch for?",
    "stop_medicines": "The study asks that some medicines be stopped: is it safe for me to stop mine, and for how long?",
    "washout": "The study has a washout, a time without certain medicines: is that safe for me, and would it affect my own medicines?",
    "keep_medicines": "The study talks about keeping some medicines at a steady dose: does that fit the plan for my current treatment?",
}


def _medicine_changes(trial: Trial, pf: _Facts) -> Question | None:
    if trial.study_type == "OBSERVATIONAL":
        return None
    for kind, text in _CHANGE_QUESTION.items():
        fact = pf.first(kind)
        if fact is not None:
            if kind == "keep_medicines" and fact.value.startswith("The study treatment is added"):
                text = "The study treatment is added to treatment people already get: which of my medicines would I keep taking?"
            return Question(text, fact.value, [fact.source_text], "involves")
    return None


def _procedure_risks(trial: Trial, pf: _Facts) -> Question | None:
    """Tests with a risk of their own (a needle in the back, radiation, a tissue sample)."""
    risky = pf.get("biopsies", "bone_marrow_tests", "lumbar_puncture", "ct", "pet", "endoscopy", "x_rays")
    if not risky:
        return None
    return Question(
        f"The study involves {_procedure_names(risky)}: "
        f"{'is that' if len(risky) == 1 else 'are any of these'} risky for me, given my health?",
        f"The record mentions {_procedure_names(risky)}.",
        [f.source_text for f in risky[:4]], "involves",
    )  # fmt: skip


def _contraception(trial: Trial, pf: _Facts) -> Question | None:
    fact = pf.first("contraception")
    if fact is None:
        return None
    return Question(
        "The study has rules about birth control: which methods would be safe for me with my health and medicines?",
        fact.value, [fact.source_text], "who",
    )  # fmt: skip


def _no_treatment_group(trial: Trial, pf: _Facts) -> Question | None:
    arms = [a for a in trial.arms if a.type == "NO_INTERVENTION"]
    if not arms or trial.study_type == "OBSERVATIONAL":
        return None
    return Question(
        "If I am put in the group that gets no study treatment, what care would I get meanwhile?",
        f"The record lists a group with no study treatment{_label_words(arms[0].label)}.",
        [_field("Arm", f"{arms[0].label or ''} (NO_INTERVENTION)")], "happens",
    )  # fmt: skip


def _comparator(trial: Trial, pf: _Facts) -> Question | None:
    arms = [a for a in trial.arms if a.type == "ACTIVE_COMPARATOR" and a.label]
    if not arms or trial.design.allocation != "RANDOMIZED" or trial.design.intervention_model == "CROSSOVER":
        return None  # in a crossover everyone gets every treatment: there is no group to land in
    return Question(
        f"If chance puts me in the {quote(arms[0].label or '', 60)} group, is that treatment a good choice for me?",
        f"The record says people are put into groups by chance, and lists a comparison group: {quote(arms[0].label or '', 80)}.",
        [_field("Allocation", "RANDOMIZED"), _field("Arm", f"{arms[0].label} (ACTIVE_COMPARATOR)")], "happens",
    )  # fmt: skip


def _interactions(trial: Trial, pf: _Facts) -> Question | None:
    kinds = ("DRUG", "BIOLOGICAL", "DIETARY_SUPPLEMENT", "COMBINATION_PRODUCT")
    drugs = unique([i.name or "" for i in active_interventions(trial) if i.type in kinds])
    if not drugs or trial.study_type == "OBSERVATIONAL":
        return None
    return Question(
        f"Could {join_words(drugs, 3, 'other study medicines')} interact with the medicines I take now?",
        f"The record lists {'this medicine' if len(drugs) == 1 else 'these medicines'}: {join_words([quote(d, 60) for d in drugs], 4)}.",
        _intervention_sources(trial, drugs), "glance",
    )  # fmt: skip


def _exclusions(trial: Trial, pf: _Facts) -> Question | None:
    item, count = first_exclusion_item(trial.eligibility.criteria)
    if count == 0:
        return None
    if item:
        return Question(
            f"The reasons someone cannot join include {quote(item, 150)}: could that or any other reason apply to me?",
            end_sentence(
                f"The record's exclusion criteria list {count} item{'s' if count != 1 else ''}; the first is {quote(item, 150)}"
            ),
            [item], "who",
        )  # fmt: skip
    return Question(
        f"Could any of the {count} reasons the record gives for not joining apply to me?",
        f"The record's eligibility criteria have an exclusion section with {count} item{'s' if count != 1 else ''}.",
        [], "who",
    )  # fmt: skip


def _blinded_emergency(trial: Trial, pf: _Facts) -> Question | None:
    roles = masked_roles_words(trial)
    if not roles or "you" not in roles:
        return None
    return Question(
        "If I have a serious side effect, how would my doctors quickly find out which treatment I got?",
        f"The record says {join_words(roles, 4)} will not be told which treatment each person gets (masking: {trial.design.masking}).",
        [f.source_text for f in pf.get("blinding")], "happens",
    )  # fmt: skip


def _stopped(trial: Trial, pf: _Facts) -> Question | None:
    if not trial.why_stopped:
        return None
    return Question(
        "The study was stopped early: what does the reason mean for the treatment it tested?",
        end_sentence(f"The record gives the reason it stopped: {quote(trial.why_stopped, 200)}"),
        [_field("Why stopped", " ".join(trial.why_stopped.split()))], "glance",
    )  # fmt: skip


def _after_trial(trial: Trial, pf: _Facts) -> Question | None:
    names = treatment_names(trial)
    if not names or trial.study_type == "OBSERVATIONAL" or healthy_volunteer_study(trial):
        return None
    if trial.design.primary_purpose in ("DIAGNOSTIC", "SCREENING", "BASIC_SCIENCE"):
        return None  # nothing to keep taking after a test
    kept = ("DRUG", "BIOLOGICAL", "DEVICE", "DIETARY_SUPPLEMENT", "COMBINATION_PRODUCT", "BEHAVIORAL")
    if not any(i.type in kept for i in active_interventions(trial)):
        return None
    fact = study_length(trial) or study_dates(trial)
    why = fact.text if fact else f"The record lists {join_words(names, 3, 'others')} as what is tested."
    sources = [f.source_text for f in pf.get("measurements")] or _intervention_sources(trial, names)
    verb, it = ("help", "them") if len(names) > 1 else ("helps", "it")
    return Question(f"If {_names(names)} {verb} me, can I keep getting {it} after the trial ends?", why, sources, "glance")


# --- coordinator ----------------------------------------------------------------------------

_PROCEDURE_KINDS = (
    "infusions", "injections", "blood_draws", "urine_tests", "biopsies", "bone_marrow_tests", "lumbar_puncture", "mri",
    "ct", "pet", "x_rays", "ultrasound", "ecg", "eeg", "endoscopy", "lung_function_tests", "exercise_tests",
    "questionnaires", "diaries", "wearable_devices",
)  # fmt: skip


def _procedure_names(facts: list[ParticipationFact]) -> str:
    return join_words([f.label for f in facts], 3, "other tests")


def _still_open(trial: Trial, pf: _Facts) -> Question | None:
    status = trial.overall_status
    if status is None:
        return None
    if status in OPEN_STATUSES:
        if trial.enrollment_count:
            planned = "plans to enroll about" if trial.enrollment_type != "ACTUAL" else "lists an enrollment of"
            return Question(
                "Are there still places open, and how soon could I start?",
                f"The record says: {status_words(status)}; it {planned} {trial.enrollment_count} people.",
                [_field("Overall status", status)] + [f.source_text for f in pf.get("size")], "glance",
            )  # fmt: skip
        return None
    return Question(
        f"The record lists this study as \u201c{status_words(status).lower()}\u201d: is anyone still joining, or is there a similar study?",
        f"The record's overall status is {status} ({status_words(status)}).",
        [_field("Overall status", status)], "glance",
    )  # fmt: skip


def _sites_and_visits(trial: Trial, pf: _Facts) -> Question | None:
    visits, remote, often = pf.first("visits"), pf.first("remote_visits"), pf.first("visit_frequency")
    if visits is not None:
        # The record gives a number: ask about it by name, and about doing some from home.
        extra = [f.source_text for f in (remote, often) if f is not None]
        ask = "which of them could be done by phone or video?" if remote else "could any be done from home?"
        return Question(
            f"The record mentions {visits.label}: how long does each take, and {ask}",
            visits.value, [visits.source_text] + extra, "involves",
        )  # fmt: skip
    if often is not None:
        return Question(
            f"The record mentions {often.label[0].lower()}{often.label[1:]}: how long does each visit take, and could any be done from home?",
            f"The record says: {often.value}", [often.source_text] + ([remote.source_text] if remote else []), "involves",
        )  # fmt: skip
    if remote is not None:
        return Question(
            f"The record mentions {remote.label}: which visits could I do from home, and which need me to come in?",
            remote.value, [remote.source_text], "involves",
        )  # fmt: skip
    n = len(trial.sites)
    if n == 0:
        return Question(
            "The record lists no study locations: where would my visits be, and how often?",
            "The record lists no sites.", [], "where",
        )  # fmt: skip
    countries = unique([s.country or "" for s in trial.sites])
    where = f" in {join_words(countries, 3, 'other countries')}" if countries else ""
    facts = [f.source_text for f in pf.get("sites")]
    if n == 1:
        site = trial.sites[0]
        place = ", ".join(x for x in (site.facility, site.city) if x) or "one site"
        return Question(
            f"The study runs at one site ({place}): how often would I need to go there?",
            f"The record lists 1 site{where}.", facts, "where",
        )  # fmt: skip
    return Question(
        f"This study has {n} sites: which one is nearest to me, and how often are visits?",
        f"The record lists {n} sites{where}.", facts, "where",
    )  # fmt: skip


def _length(trial: Trial, pf: _Facts) -> Question | None:
    total = pf.first("total_length")
    if total is not None:
        return Question(
            f"{total.value.rstrip('.')}: what happens in that time, and is there any follow-up after it?",
            total.value, [total.source_text], "involves",
        )  # fmt: skip
    parts = pf.get("treatment_length", "treatment_cycles", "follow_up")
    if parts:
        said = " ".join(f.value for f in parts[:2])
        return Question(
            "How long would I take part in all, from my first visit to my last, counting treatment and follow-up?",
            said, unique([f.source_text for f in parts[:2]]), "involves",
        )  # fmt: skip
    fact = study_length(trial)
    if fact is not None:
        return Question(
            f"{fact.text.split(',')[0].rstrip('.')}: how long would I take part in all, counting follow-up visits or calls?",
            f"{fact.text} ({fact.source})", [f.source_text for f in pf.get("measurements")], "measure",
        )  # fmt: skip
    dates = study_dates(trial)
    if dates is not None:
        return Question(
            "The record gives no length per person: how long would I take part, from my first visit to my last?",
            f"The record gives no clear length per person. {dates.text}", [], "glance",
        )  # fmt: skip
    return None


def _costs(trial: Trial, pf: _Facts) -> Question | None:
    money = pf.get("compensation", "costs")
    if money:
        return Question(
            "The record mentions money matters: what exactly is paid for or paid back, how much, and what would my insurance need to cover?",
            " ".join(f.value for f in money), [f.source_text for f in money], "involves",
        )  # fmt: skip
    sponsor = trial.lead_sponsor
    if sponsor is None:
        return None
    kind = {
        "INDUSTRY": "a company",
        "NIH": "the U.S. National Institutes of Health",
        "FED": "a U.S. government agency",
    }.get(sponsor.agency_class or "", None)
    who = f"{sponsor.name} ({kind})" if kind else sponsor.name
    return Question(
        f"The study is run by {sponsor.name}: what costs does it pay for, and will I be paid back for travel and parking?",
        end_sentence(f"The record names the lead sponsor: {who}"),
        [f.source_text for f in pf.get("sponsor")], "runs",
    )  # fmt: skip


def _time_off(trial: Trial, pf: _Facts) -> Question | None:
    timed = [o for o in trial.primary_outcomes if o.time_frame]
    if not timed:
        return None
    o = timed[0]
    at = " ".join((o.time_frame or "").split())
    text = "How long does each visit take, so I can plan time off work or school?"
    frame = parse_time_frame(at)
    if len(at) <= 40 and frame is not None and frame.kind == "duration":  # a readable time, not "2029"
        text = f"For the main measurement the record says \u201c{at}\u201d: how long does each visit take, so I can plan time off work?"
    return Question(
        text,
        end_sentence(
            f"The main measurement, {quote(o.measure or 'the primary outcome', 90)}, is taken at: {quote(o.time_frame or '', 120)}"
        ),
        [f"Primary outcome time frame: {at} (outcome: {' '.join((o.measure or '').split())})"], "measure",
    )  # fmt: skip


def _procedures(trial: Trial, pf: _Facts) -> Question | None:
    found = pf.get(*_PROCEDURE_KINDS)
    if not found:
        return None
    tests = _procedure_names(found)
    sources = [f.source_text for f in found]
    prefix = "Outcome measure: "
    if all(s.startswith(prefix) for s in sources):
        # Read from what the study measures: name those measures, as the record words them.
        measures = unique([s[len(prefix) :] for s in sources])
        why = f"The record measures: {join_words([quote(m, 90) for m in measures], 2, 'other outcomes')}."
        section = "measure"
    else:
        why = f"The record mentions {tests}."
        section = "involves"
    return Question(f"What do the {tests} involve, and how many of them will I have?", why, sources[:4], section)


def _overnight(trial: Trial, pf: _Facts) -> Question | None:
    fact = pf.first("overnight_stays")
    if fact is None:
        return None
    return Question(
        "The record mentions a stay in the hospital or a study unit: how many nights, and can someone come with me?",
        "The record mentions overnight stays.", [fact.source_text], "involves",
    )  # fmt: skip


def _getting_worse(trial: Trial, pf: _Facts) -> Question | None:
    fact = pf.first("rescue_medicine")
    if fact is None:
        return None
    return Question(
        "If my symptoms get worse during the study, what extra (rescue) treatment can I use, and who do I tell?",
        fact.value, [fact.source_text], "involves",
    )  # fmt: skip


def _who_to_call(trial: Trial, pf: _Facts) -> Question | None:
    contacts = [c for c in trial.central_contacts if _is_name(c.name)]
    if contacts:
        c = contacts[0]
        phone = f" ({c.phone})" if c.phone else ""
        return Question(
            f"If I have a problem between visits, should I call {c.name}{phone} or someone at my site?",
            f"The record lists {c.name} as a central contact for the study.",
            [_field("Central contact", c.name + phone)], "where",
        )  # fmt: skip
    officials = [c for c in trial.overall_officials if _is_name(c.name)]
    if officials:
        c = officials[0]
        role = (c.role or "official").replace("_", " ").lower()
        return Question(
            f"The record names {c.name} as {role}: who do I call if I have a problem between visits, day or night?",
            f"The record names {c.name} ({role}) but no central contact.",
            [_field("Overall official", f"{c.name} ({c.role})" if c.role else c.name)], "runs",
        )  # fmt: skip
    return None


def _is_name(name: str | None) -> bool:
    """Some old records give ". ., ." as a name: not something to tell a person to call."""
    return bool(name and re.search(r"[^\W\d_]{2}", name))


def _entry_check(trial: Trial, pf: _Facts) -> Question | None:
    e = trial.eligibility
    if e.minimum_age is None and e.maximum_age is None and e.sex == "ALL":
        return None
    limits = age_range_words(e).lower() if (e.minimum_age or e.maximum_age) else None
    parts = [p for p in (limits, sex_words(e.sex) if e.sex != "ALL" else None) if p]
    facts = [_field(name, value) for name, value in (("Minimum age", e.minimum_age), ("Maximum age", e.maximum_age),
                                                     ("Sex", e.sex if e.sex != "ALL" else None)) if value]  # fmt: skip
    return Question(
        f"Before I travel, can you check the entry rules with me, such as {' and '.join(parts)}?",
        f"The record sets limits: {', '.join(parts)}; the full criteria decide who can join.",
        facts, "who",
    )  # fmt: skip


def _leaving(trial: Trial, pf: _Facts) -> Question | None:
    if trial.study_type == "OBSERVATIONAL" or not treatment_names(trial):
        return None
    roles = masked_roles_words(trial)
    if roles and "you" in roles:
        return Question(
            "Can I leave the study at any time, and would I then be told which treatment I had?",
            f"The record says you will not be told which treatment you get (masking: {trial.design.masking}).",
            [f.source_text for f in pf.get("blinding")], "happens",
        )  # fmt: skip
    names = treatment_names(trial)
    why = f"The record lists {join_words([quote(n, 60) for n in names], 3)} as what is tested."
    taken = ("DRUG", "BIOLOGICAL", "DIETARY_SUPPLEMENT", "COMBINATION_PRODUCT")
    facts = _intervention_sources(trial, names)
    if any(i.type in taken for i in active_interventions(trial)):
        return Question(f"Can I stop at any time, and what happens to my care if I stop {_names(names)}?", why, facts,
                        "happens")  # fmt: skip
    return Question("Can I leave the study at any time, and how would leaving affect my usual care?", why, facts, "happens")


def _results(trial: Trial, pf: _Facts) -> Question | None:
    if trial.has_results:
        return Question(
            "The results are posted on ClinicalTrials.gov: can you go over them with me?",
            "The record includes a results section.", [_field("Has results", "Yes")], "glance",
        )  # fmt: skip
    if trial.overall_status in ("COMPLETED", "TERMINATED"):
        return Question(
            "The study has ended: where can I read its results once they are out?",
            f"The record's status is {status_words(trial.overall_status).lower()} and it has no results section yet.",
            [_field("Overall status", trial.overall_status)], "glance",
        )  # fmt: skip
    dates = study_dates(trial)
    if dates is None:
        return None
    groups = len(trial.arms) > 1 and trial.design.allocation == "RANDOMIZED"
    text = "Will you tell me the results when the study ends" + (", and which group I was in?" if groups else "?")
    facts = [_field("Primary completion date", f"{trial.primary_completion_date.date}"
                    + (f" ({trial.primary_completion_date.type})" if trial.primary_completion_date.type else ""))
             ] if trial.primary_completion_date else []  # fmt: skip
    return Question(text, dates.text, facts, "glance")
