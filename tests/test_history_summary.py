"""The ending's summary: folded from the session's records, and kept as JSON without loss."""

from __future__ import annotations

import json

from tests.fixtures.history import make_routine, set_data
from voicecoach.history import ExerciseSummary, Status, Tally, WorkoutSummary


def test_records_fold_into_sets_reps_time_under_tension_moves_and_safety_stops() -> None:
    routine = make_routine()
    tally = Tally(routine)
    legs = {"exercise": "leg-lifts", "set": 1}
    tally.add("started", {**legs, "variation": "straight-leg", "routine": routine.name})
    tally.add("set_done", {**set_data(routine, 0, 0), "work_s": 8.0})
    tally.add("easier", {**legs, "set": 2, "variation": "straight-leg", "to": "bent-knee"})
    tally.add("set_done", {**set_data(routine, 0, 1, level=0, reps_done=2, completed=False),
                           "work_s": 4.0})
    tally.add("safety", {**legs, "set": 3, "variation": "bent-knee", "rep": 3, "work_s": 6.5})
    tally.add("set_done", {**set_data(routine, 1, 0), "work_s": 5.0})
    tally.add("stopped", {"exercise": "plank", "variation": "knee-plank", "set": 2, "rep": 0,
                          "work_s": 0.0, "elapsed_s": 99.0})
    assert tally.summary(Status.STOPPED, 99.0) == WorkoutSummary(
        routine="Test core", outcome=Status.STOPPED, total_s=99.0,
        exercises=(
            ExerciseSummary("Leg lifts", sets_done=3, sets_planned=3, reps=9, work_s=18.5,
                            variation="Bent knee", sets_cut_short=2, easier=1,
                            safety_stops=1),
            ExerciseSummary("Plank", sets_done=1, sets_planned=2, reps=0, work_s=5.0,
                            variation="Knee plank", is_hold=True),
        ),
        suggestions=(
            "Leg lifts: something hurt last time: stay with Bent knee, and end the set if "
            "anything hurts.",
            "Plank: stay with Knee plank until every set feels solid.",
        ),
    )


def test_a_summary_goes_through_json_unchanged() -> None:
    summary = WorkoutSummary("Core", Status.FINISHED, 312.25, (
        ExerciseSummary("Plank", 2, 2, 0, 60.0, "Knee plank", is_hold=True, harder=1),),
        ("Plank: hold five seconds longer.",))
    assert WorkoutSummary.from_dict(json.loads(json.dumps(summary.to_dict()))) == summary
