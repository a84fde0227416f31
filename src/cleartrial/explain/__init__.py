"""Explain one trial to a patient: its design in plain words, what taking part involves, and questions to ask.

Everything here reads a :class:`~cleartrial.model.Trial` and nothing else (never the store,
search or web layers), and says only what the record supports: each sentence carries the
registry wording it came from, no number, unit or negation is dropped, and nothing tells a
person that they qualify.
"""

from __future__ import annotations

from .design import Fact, design_facts, placebo_chance, study_dates, study_length, what_is_tested
from .faithful import Check, check, check_structure
from .participation import ParticipationFact, participation_facts
from .plain import explain_criteria, explain_texts, explain_trial
from .questions import Question, coordinator_questions, doctor_questions, question_lists
from .rewrite import rewrite_criterion, simplify

__all__ = [
    "Check",
    "check",
    "check_structure",
    "explain_criteria",
    "explain_texts",
    "explain_trial",
    "rewrite_criterion",
    "simplify",
    "Fact",
    "ParticipationFact",
    "Question",
    "coordinator_questions",
    "design_facts",
    "doctor_questions",
    "participation_facts",
    "placebo_chance",
    "question_lists",
    "study_dates",
    "study_length",
    "what_is_tested",
]
