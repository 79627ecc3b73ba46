"""Routines: the validated, immutable model of a workout, its tempo notation, and the library."""

from voicecoach.routine.library import (
    find_routine,
    load_routine,
    load_routine_text,
    routine_dirs,
    routine_files,
)
from voicecoach.routine.model import CueSet, Exercise, Routine, Sides, Variation, slugify
from voicecoach.routine.tempo import Phase, Tempo, TempoError

__all__ = [
    "CueSet",
    "Exercise",
    "Phase",
    "Routine",
    "Sides",
    "Tempo",
    "TempoError",
    "Variation",
    "find_routine",
    "load_routine",
    "load_routine_text",
    "routine_dirs",
    "routine_files",
    "slugify",
]
