"""Headless simulation: timelines, drift, cue fitting, command scripts, `run --simulate`."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from voicecoach.cli import main
from voicecoach.commands import Command, contained_phrases
from voicecoach.errors import FileProblemsError
from voicecoach.events import CueKind
from voicecoach.files import load_settings, paths
from voicecoach.routine import Routine, load_routine, load_routine_text
from voicecoach.session import wording
from voicecoach.sim.simulation import (
    SimulationParams,
    parse_command_script,
    planned_duration_s,
    run_simulation,
    simulate,
)
from voicecoach.views import TimelineRecord, read_timeline, write_timeline

SETTINGS = load_settings().settings
PHRASES = SETTINGS.commands
ROUTINES = sorted(Path(paths.SHIPPED_ROUTINES_DIR).glob("*.yaml"))


def long_routine() -> Routine:
    """About 45 minutes: three exercises, rests long enough that nothing is lengthened."""
    return load_routine_text("""
name: Long
count_in_s: 20
rest_between_exercises_s: 90
exercises:
  - name: Leg lifts
    sets: 5
    rest_between_sets_s: 60
    variations:
      - {name: Straight-leg lifts, tempo: 4-0-2-0, start_phase: lift, reps: 25}
  - name: Slow lowers
    sets: 5
    rest_between_sets_s: 60
    variations:
      - {name: Slow lowers, tempo: 5.3-0.7-1.9-0.3, start_phase: lift, reps: 25}
  - name: Hover
    sets: 4
    rest_between_sets_s: 45
    variations:
      - {name: Hover hold, hold_s: 40}
""")


def onsets(timeline: list[TimelineRecord]) -> list[TimelineRecord]:
    return [r for r in timeline if r.state == "working" and r.event in ("phase", "end")
            and r.phase is not None]


def test_a_45_minute_routine_has_no_drift() -> None:
    routine = long_routine()
    timeline = simulate(routine, SETTINGS)
    finish = timeline[-1]
    assert (finish.event, finish.detail) == ("finish", "finished")
    assert 44 * 60 < finish.time_s < 47 * 60
    last = onsets(timeline)[-1]
    # Count-in, then each exercise's sets and rests: the last hold begins 40 s before the end.
    grid_s = 20 + (5 * 25 * 6 + 4 * 60) + 90 + (5 * 25 * 8.2 + 4 * 60) + 90 + (4 * 40 + 3 * 45)
    assert last.time_s == pytest.approx(grid_s - 40.0, abs=0.001)
    assert [r.time_s for r in timeline] == sorted(r.time_s for r in timeline)


@pytest.mark.parametrize("verbosity", ["minimal", "normal", "chatty"])
@pytest.mark.parametrize("path", ROUTINES, ids=[p.stem for p in ROUTINES])
def test_planned_duration_is_what_run_simulate_takes(path: Path, verbosity: str,
                                                     tmp_path: Path) -> None:
    out = tmp_path / "timeline.jsonl"
    assert main(["run", str(path), "--simulate", "--verbosity", verbosity,
                 "--timeline", str(out)]) == 0
    finish = read_timeline(out)[-1]
    assert (finish.event, finish.detail) == ("finish", "finished")
    # 1 ms: both run the same engine at the default speaking rate, and the timeline rounds
    # times to the microsecond. Verbosity only picks which cues fit inside a phase, so no
    # block (and no workout) gets longer or shorter with it.
    assert planned_duration_s(load_routine(path)) == pytest.approx(finish.time_s, abs=0.001)


def test_phase_onsets_of_an_odd_tempo_stay_on_the_grid() -> None:
    timeline = simulate(long_routine(), SETTINGS)
    slow = [r for r in onsets(timeline) if r.exercise == "slow-lowers" and r.set == 5]
    rep_s = 5.3 + 0.7 + 1.9 + 0.3
    first = slow[0].time_s
    lifts = [r.time_s for r in slow if r.phase == "lift"]
    assert lifts[-1] - first == pytest.approx(24 * rep_s, abs=1e-6)


def test_no_planned_cue_runs_past_its_phase() -> None:
    timeline = simulate(load_routine(paths.SHIPPED_ROUTINES_DIR / "leg-lifts.yaml"), SETTINGS)
    starts = sorted({r.time_s for r in onsets(timeline)} | {
        r.time_s for r in timeline if r.event in ("end", "countdown")})
    spoken = [r for r in timeline if r.event == "cue" and r.state == "working"]
    assert spoken
    for cue in spoken:
        following = [t for t in starts if t > cue.time_s + 1e-9]
        if following:
            assert cue.time_s + cue.duration_s <= following[0] + 1e-6, cue


@pytest.mark.parametrize("path", ROUTINES, ids=[p.stem for p in ROUTINES])
def test_everything_said_is_clean_and_listed_for_pre_rendering(path: Path) -> None:
    routine = load_routine(path)
    script = [(0.0, Command.START), (20.0, Command.HOW_MANY_LEFT), (25.0, Command.HARDER),
              (31.0, Command.EASIER), (40.0, Command.PAUSE), (41.0, Command.REPEAT),
              (45.0, Command.RESUME), (60.0, Command.WHATS_NEXT), (70.0, Command.SLOWER),
              (90.0, Command.SAFETY), (95.0, Command.RESUME), (200.0, Command.SKIP)]
    simulated = run_simulation(routine, SETTINGS, script)
    said = {r.text for r in simulated.records if r.event == "cue"}
    assert {t: f for t in said if (f := contained_phrases(t, PHRASES))} == {}
    # The spoken totals are the one sentence made at the end (rendered then, checked here).
    assert said - set(wording.all_texts(routine)) == {wording.summary_text(simulated.summary)}


def test_a_script_without_start_begins_at_zero_and_commands_land_at_their_times() -> None:
    timeline = simulate(long_routine(), SETTINGS, [(30.0, Command.PAUSE), (40.0, Command.STOP)])
    commands = [(r.time_s, r.detail, r.state) for r in timeline if r.event == "command"]
    assert commands == [(0.0, "start", "count_in"), (30.0, "pause", "paused"),
                        (40.0, "stop", "stopped")]
    assert timeline[-1].detail == "stopped"


def test_answers_cut_in_and_queued_cues_wait_behind_them() -> None:
    timeline = simulate(long_routine(), SETTINGS, [(21.0, Command.HOW_MANY_LEFT)])
    spoken = [r for r in timeline if r.event == "cue"]
    for before, after in itertools.pairwise(spoken):
        if after.kind not in (CueKind.ACK, CueKind.SAFETY):
            assert before.time_s + before.duration_s <= after.time_s + 1e-9, (before, after)


def test_timeline_jsonl_round_trips(tmp_path: Path) -> None:
    timeline = simulate(long_routine(), SimulationParams(PHRASES), [(25.0, Command.PAUSE)])
    path = tmp_path / "t.jsonl"
    write_timeline(timeline, path)
    first = json.loads(path.read_text().splitlines()[0])
    assert list(first) == ["time_s", "event", "detail", "state", "exercise", "variation", "set",
                           "rep", "phase", "text", "kind", "duration_s", "data"]
    assert read_timeline(path) == timeline


def test_command_script_parses_times_phrases_and_names() -> None:
    text = "# warm up\n3 start\n12.5 pause   # mid rep\n\n1:30 How many left?\n95 how_many_left\n"
    assert parse_command_script(text, PHRASES) == [
        (3.0, Command.START), (12.5, Command.PAUSE), (90.0, Command.HOW_MANY_LEFT),
        (95.0, Command.HOW_MANY_LEFT)]


def test_command_script_errors_name_every_bad_line() -> None:
    with pytest.raises(FileProblemsError) as caught:
        parse_command_script("3 start\npause\n7 pasue\n", PHRASES, "cmds.txt")
    lines = caught.value.lines()
    assert lines[0].startswith("cmds.txt:2: a line needs a time and a command")
    assert lines[1].startswith("cmds.txt:3: not a command (got 'pasue'); use one of:")


def test_cli_simulates_with_a_script_and_writes_the_timeline(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "cmds.txt"
    script.write_text("0 start\n15 pause\n20 resume\n30 stop\n")
    out = tmp_path / "timeline.jsonl"
    assert main(["run", "leg-lifts", "--simulate", "--commands", str(script),
                 "--timeline", str(out), "--verbosity", "chatty"]) == 0
    records = read_timeline(out)
    assert records[-1].detail == "stopped"
    assert "Paused. Take your time." in capsys.readouterr().out


def test_cli_reports_a_bad_script_in_one_line(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "cmds.txt"
    script.write_text("0 start\n5 jump\n")
    assert main(["run", "leg-lifts", "--simulate", "--commands", str(script)]) == 2
    assert capsys.readouterr().err.startswith(f"voicecoach: {script}:2: not a command")


def test_cli_needs_simulate_for_a_script(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "leg-lifts", "--commands", "x.txt"]) == 2
    assert "--simulate" in capsys.readouterr().err


CUT_OFF = ("set_done", "safety", "skipped", "stopped")
"""Timeline records that end a set (their data names the exercise and set)."""


def test_the_summary_of_a_simulated_workout_with_commands_matches_its_timeline() -> None:
    routine = load_routine(paths.SHIPPED_ROUTINES_DIR / "beginner-core-10min.yaml")
    script = [(0.0, Command.START), (20.0, Command.PAUSE), (26.0, Command.RESUME),
              (40.0, Command.HARDER), (75.0, Command.EASIER), (90.0, Command.REST),
              (130.0, Command.SAFETY), (140.0, Command.RESUME), (200.0, Command.SKIP),
              (300.0, Command.HARDER), (420.0, Command.STOP)]
    simulated = run_simulation(routine, SETTINGS, script)
    records, summary = simulated.records, simulated.summary
    # Read the timeline on its own: a set is the working records of one (exercise, set).
    worked: dict[tuple[str, int], list[TimelineRecord]] = {}
    for r in records:
        if r.state == "working" and r.exercise is not None:
            worked.setdefault((r.exercise, r.set), []).append(r)
    ends = {(r.data["exercise"], r.data["set"]): r.time_s for r in records
            if r.event == "record" and r.detail in CUT_OFF and r.data
            and (r.detail == "set_done" or r.data.get("rep"))}
    pauses = [(r.time_s - r.data["paused_s"], r.time_s) for r in records
              if r.event == "record" and r.detail == "resumed" and r.data]
    commands = [r for r in records if r.event == "command"]
    for exercise, done in zip(routine.exercises, summary.exercises, strict=True):
        sets = sorted(s for e, s in worked if e == exercise.id)
        assert done.exercise == exercise.name
        assert done.sets_done == len(sets)
        assert done.reps == sum(max(r.rep for r in worked[exercise.id, s]) for s in sets
                                if not done.is_hold)
        expected_work_s = 0.0
        for s in sets:
            begin_s, end_s = worked[exercise.id, s][0].time_s, ends[exercise.id, s]
            paused_s = sum(max(0.0, min(b, end_s) - max(a, begin_s)) for a, b in pauses)
            expected_work_s += end_s - begin_s - paused_s
        assert done.work_s == pytest.approx(expected_work_s, abs=0.01)
        last_variation = worked[exercise.id, sets[-1]][-1].variation if sets else None
        assert done.variation == next((v.name for v in exercise.variations
                                       if v.id == last_variation), None)
        for command, count in ((Command.EASIER, done.easier), (Command.HARDER, done.harder),
                               (Command.SAFETY, done.safety_stops)):
            assert count == sum(c.detail == command.value and c.exercise == exercise.id
                                for c in commands), (exercise.name, command)
    stop = next(r for r in records if r.event == "record" and r.detail == "stopped")
    assert (summary.outcome.value, summary.total_s) == ("stopped", stop.time_s)
    # Something of each kind happened, so the comparison above meant something.
    assert summary.sets_done >= 7 and summary.safety_stops == 1
    assert sum(e.easier for e in summary.exercises) == 1
    assert sum(e.harder for e in summary.exercises) == 2
    assert sum(e.sets_cut_short for e in summary.exercises) >= 3


def test_cli_simulation_ends_with_the_summary_table_or_json(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "leg-lifts", "--simulate"]) == 0
    out = capsys.readouterr().out
    assert "Leg lifts: workout finished" in out and "Total time" in out
    assert main(["run", "leg-lifts", "--simulate", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)  # nothing but the JSON on stdout
    assert summary["outcome"] == "finished"
    assert [(e["exercise"], e["sets_done"]) for e in summary["exercises"]] == [("Leg lifts", 3)]
    assert summary["total_s"] == pytest.approx(planned_duration_s(
        load_routine(paths.SHIPPED_ROUTINES_DIR / "leg-lifts.yaml")), abs=30)
