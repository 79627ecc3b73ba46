"""The pure state machine on a fake clock: pacing, pause/resume, commands in every state, safety."""

from __future__ import annotations

import math

import pytest

from voicecoach.commands import STATE_GRAMMAR, Command, contained_phrases
from voicecoach.errors import UsageError
from voicecoach.events import (
    Action,
    CancelPending,
    CommandHeard,
    CueKind,
    Earcon,
    Event,
    Finish,
    Mark,
    PhaseDue,
    PlayEarcon,
    Record,
    Say,
    Schedule,
    SetVolume,
    Snapshot,
)
from voicecoach.files import Verbosity, load_settings
from voicecoach.routine import Routine, load_routine_text
from voicecoach.session import TRANSITIONS, FakePacer, Session, StartAt, Volume, rule_for, wording
from voicecoach.states import State

PHRASES = load_settings().settings.commands


class FixedTimer:
    """Every cue takes 0.3 s, so fitting is predictable."""

    def duration_s(self, text: str) -> float:
        return 0.3


LEG_LIFTS = """
name: Test leg lifts
count_in_s: 5
rest_between_exercises_s: 30
exercises:
  - name: Leg lifts
    sets: 3
    rest_between_sets_s: 30
    safety: Keep your lower back on the floor.
    start_at: straight
    cues:
      form: [Ribs down., Back flat.]
    variations:
      - name: Bent-knee lifts
        id: bent
        tempo: 4-0-2-0
        start_phase: lift
        reps: 10
        key_cue: Knees bent, heels light.
      - name: Straight-leg lifts
        id: straight
        tempo: 4-0-2-0
        start_phase: lift
        reps: 10
        key_cue: Legs straight, back flat.
  - name: Side plank
    sets: 1
    safety: Stack your hips.
    variations:
      - name: Knee side plank
        hold_s: 20
        sides: alternating
"""


def routine(text: str = LEG_LIFTS) -> Routine:
    return load_routine_text(text)


class Drive:
    """Runs a session on the fake pacer, keeping every action and snapshot with its time."""

    def __init__(self, text: str = LEG_LIFTS, verbosity: Verbosity = Verbosity.NORMAL,
                 volume: Volume | None = None) -> None:
        self.session = Session(routine(text), PHRASES, verbosity, FixedTimer(), volume=volume)
        self.pacer = FakePacer()
        self.pacer.start(self.deliver)
        self.actions: list[tuple[float, Action]] = []
        self.snapshots: list[Snapshot] = []

    def deliver(self, event: Event) -> list[Action]:
        actions = self.session.handle(event, self.pacer.now_s())
        self.snapshots.append(self.session.snapshot())
        for action in actions:
            self.actions.append((self.pacer.now_s(), action))
            if isinstance(action, Schedule):
                self.pacer.schedule(action.event, action.at_s)
            elif isinstance(action, CancelPending):
                self.pacer.cancel_all()
        return actions

    def command(self, command: Command, at_s: float | None = None) -> list[Action]:
        """Say a command at `at_s` (running the clock up to it), or now."""
        if at_s is not None:
            self.pacer.run(until_s=at_s)
        return self.deliver(CommandHeard(command, text=command.value))

    def run(self, until_s: float = math.inf) -> None:
        self.pacer.run(until_s)

    def run_until(self, state: State, limit_s: float = 3600) -> None:
        """Run event by event until the session is in `state`."""
        while self.session.state is not state:
            assert self.pacer._queue and self.pacer.now_s() < limit_s, f"never reached {state}"
            self.pacer.run(until_s=self._next_due())  # pops at least one entry

    def _next_due(self) -> float:
        return min(at for at, *_ in self.pacer._queue) if self.pacer._queue else math.inf

    @property
    def set_start_s(self) -> float:
        return next(s.phase_start_s for s in self.snapshots
                    if s.state is State.WORKING and s.phase_start_s is not None)

    def onsets(self, set_no: int = 1) -> list[tuple[float, int, str]]:
        """(time relative to the set's first onset, rep, phase) of each phase onset."""
        seen = {(s.phase_start_s, s.rep, s.phase) for s in self.snapshots
                if s.state is State.WORKING and s.set == set_no and s.phase_start_s == s.time_s}
        start = min(t for t, _, _ in seen)
        return sorted((round(t - start, 6), rep, phase) for t, rep, phase in seen)

    def said(self, since_s: float = 0.0) -> list[str]:
        return [a.cue.text for t, a in self.actions if isinstance(a, Say) and t >= since_s]


def started() -> Drive:
    drive = Drive()
    drive.command(Command.START)
    return drive


def working() -> Drive:
    drive = started()
    drive.run_until(State.WORKING)
    return drive


# ---- pacing ---------------------------------------------------------------------------------


def test_4020_lift_first_onsets_come_exactly_from_one_anchor() -> None:
    drive = working()
    drive.run(until_s=drive.set_start_s + 61)
    onsets = drive.onsets()[:7]
    assert onsets == [
        (0.0, 1, "lift"), (2.0, 1, "lower"), (6.0, 2, "lift"), (8.0, 2, "lower"),
        (12.0, 3, "lift"), (14.0, 3, "lower"), (18.0, 4, "lift")]
    assert drive.onsets()[-1] == (56.0, 10, "lower")


def test_pause_mid_phase_keeps_the_remaining_time_of_that_phase() -> None:
    drive = working()
    t0 = drive.set_start_s
    drive.command(Command.PAUSE, t0 + 3.0)
    assert drive.session.state is State.PAUSED
    drive.run(until_s=t0 + 10.0)
    assert drive.onsets() == [(0.0, 1, "lift"), (2.0, 1, "lower")]
    drive.command(Command.RESUME)
    snap = drive.session.snapshot()
    assert (snap.state, snap.phase, snap.rep) == (State.WORKING, "lower", 1)
    assert snap.phase_end_s - (t0 + 10.0) == pytest.approx(3.0, abs=1e-9)
    drive.run(until_s=t0 + 20.0)
    assert drive.onsets()[2:4] == [(13.0, 2, "lift"), (15.0, 2, "lower")]


def test_easier_during_rep_3_switches_at_rep_4_and_announces_it() -> None:
    drive = working()
    t0 = drive.set_start_s
    answer = drive.command(Command.EASIER, t0 + 13.0)
    assert any(isinstance(a, Say) and a.cue.kind is CueKind.ACK
               and "Bent-knee lifts" in a.cue.text for a in answer)
    assert drive.session.snapshot().variation == "straight"
    drive.run(until_s=t0 + 24.0)
    by_rep = {s.rep: s.variation for s in drive.snapshots if s.state is State.WORKING}
    assert by_rep[3] == "straight" and by_rep[4] == "bent"
    rep4 = [text for t, a in drive.actions if isinstance(a, Say)
            and t0 + 18.0 <= t < t0 + 24.0 for text in [a.cue.text]]
    assert "Bent-knee lifts. Knees bent, heels light." in rep4
    assert any(isinstance(a, Record) and a.kind == "easier" and a.data["to"] == "bent"
               for _, a in drive.actions)


def test_slower_scales_only_the_later_phases() -> None:
    drive = working()
    t0 = drive.set_start_s
    drive.command(Command.SLOWER, t0 + 1.0)
    drive.run(until_s=t0 + 20.0)
    # The lift under way keeps its 2 s; after it every phase is 1.25 times longer.
    assert drive.onsets()[:5] == [
        (0.0, 1, "lift"), (2.0, 1, "lower"), (7.0, 2, "lift"), (9.5, 2, "lower"),
        (14.5, 3, "lift")]
    assert drive.session.snapshot().tempo == "5-0-2.5-0"


def test_faster_then_limits_say_why() -> None:
    drive = working()
    for _ in range(3):
        drive.command(Command.FASTER)
    assert drive.said()[-1] == wording.QUICKER_PHASES
    drive.command(Command.FASTER)  # 0.8 ** 4 is below the 0.5 floor
    assert drive.said()[-1] == wording.QUICKEST_PHASES


@pytest.mark.parametrize(("at_s", "answers"), [
    (13.0, ["Seven more reps after this one.", "Then two more sets."]),
    (56.5, ["This is the last rep.", "Then two more sets."]),
])
def test_how_many_left_during_a_set(at_s: float, answers: list[str]) -> None:
    drive = working()
    actions = drive.command(Command.HOW_MANY_LEFT, drive.set_start_s + at_s)
    assert [a.cue.text for a in actions if isinstance(a, Say)] == answers


def test_how_many_left_between_sets() -> None:
    drive = working()
    drive.run_until(State.REST)
    actions = drive.command(Command.HOW_MANY_LEFT)
    assert [a.cue.text for a in actions if isinstance(a, Say)] == [
        "Two sets of this exercise to do."]


def test_halfway_last_rep_and_form_cues_are_planned() -> None:
    drive = working()
    drive.run_until(State.REST)
    said = drive.said()
    assert wording.HALFWAY in said and wording.LAST_REP in said
    assert said.count("Ribs down.") + said.count("Back flat.") == 3  # reps 3, 6, 9


def test_minimal_verbosity_has_no_form_cues() -> None:
    drive = Drive(verbosity=Verbosity.MINIMAL)
    drive.command(Command.START)
    drive.run_until(State.REST)
    kinds = {a.cue.kind for _, a in drive.actions if isinstance(a, Say)}
    assert CueKind.FORM not in kinds


# ---- safety ---------------------------------------------------------------------------------


def test_safety_phrase_stops_the_set_in_the_same_tick() -> None:
    drive = working()
    actions = drive.command(Command.SAFETY, drive.set_start_s + 7.0)
    assert isinstance(actions[0], CancelPending)
    safety = [a.cue for a in actions if isinstance(a, Say)]
    assert safety[0].kind is CueKind.SAFETY
    assert "knees to your chest" in safety[0].text and "Bent-knee lifts" in safety[0].text
    assert any(isinstance(a, Record) and a.kind == "safety" and a.data["gentler"] == "bent"
               for a in actions)
    assert drive.session.state is State.PAUSED
    before = len(drive.onsets())
    drive.run(until_s=drive.set_start_s + 60)
    assert len(drive.onsets()) == before  # nothing more was paced
    drive.command(Command.RESUME)
    drive.run_until(State.WORKING)
    snap = drive.session.snapshot()
    assert (snap.set, snap.variation) == (2, "bent")


def test_safety_note_is_spoken_before_each_exercise() -> None:
    drive = started()
    said = drive.said()
    assert said.index("Keep your lower back on the floor.") < said.index(
        "Leg lifts: Straight-leg lifts.")
    drive.command(Command.SKIP)
    said = drive.said()
    assert said.index("Stack your hips.") < said.index("Side plank: Knee side plank.")


# ---- the transition table -------------------------------------------------------------------


def reach(state: State) -> Drive:
    """A session put into `state` the way a user would get there."""
    drive = Drive()
    if state is State.READY:
        return drive
    drive.command(Command.START)
    if state is State.COUNT_IN:
        return drive
    if state is State.STOPPED:
        drive.command(Command.STOP)
        return drive
    if state is State.FINISHED:
        drive.command(Command.SKIP)
        drive.command(Command.SKIP)
        return drive
    drive.run_until(State.WORKING)
    drive.run(until_s=drive.set_start_s + 3.0)
    if state is State.PAUSED:
        drive.command(Command.PAUSE)
    elif state is State.REST:
        drive.run_until(State.REST)
    return drive


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("command", list(Command))
def test_every_command_in_every_state(state: State, command: Command) -> None:
    drive = reach(state)
    assert drive.session.state is state
    rule = rule_for(state, command)
    actions = drive.command(command)
    assert drive.session.state in rule.goes_to, f"{rule.handler} led to {drive.session.state}"
    said = [a.cue for a in actions if isinstance(a, Say)]
    if command is Command.STOP:
        assert isinstance(actions[-1], Finish)
    elif rule.handler in ("louder", "quieter"):  # the coach cannot say these words: a tone
        assert not said and isinstance(actions[-1], PlayEarcon), actions
    else:
        assert said, f"{command} in {state} got silence"
    if rule.handler == "not_now":
        assert [c.kind for c in said] == [CueKind.ACK]
    for cue in said:
        assert contained_phrases(cue.text, PHRASES) == [], cue.text


@pytest.mark.parametrize("state", list(State))
def test_what_a_state_listens_for_has_a_rule_there(state: State) -> None:
    """No recognizer grammar holds a command that would only get "not now"."""
    not_now = [c for c in STATE_GRAMMAR[state] if rule_for(state, c).handler == "not_now"]
    assert not_now == []


@pytest.mark.parametrize("state", [State.READY, State.COUNT_IN, State.WORKING, State.REST,
                                   State.PAUSED])
@pytest.mark.parametrize("command", [Command.LOUDER, Command.QUIETER])
def test_the_volume_is_heard_and_changed_wherever_other_commands_are(state: State,
                                                                     command: Command) -> None:
    assert command in STATE_GRAMMAR[state]
    assert rule_for(state, command).goes_to == {state}
    drive = reach(state)
    drive.session._volume = Volume(0.5)  # mid-range, so both directions move
    actions = drive.command(command)
    level = 10 ** ((-3 if command is Command.LOUDER else -9) / 20)
    assert actions == [SetVolume(pytest.approx(level)), PlayEarcon(Earcon.VOLUME)]
    assert drive.session.snapshot().volume == pytest.approx(level)


def test_the_table_names_only_real_handlers_and_states() -> None:
    for (_, trigger), rule in TRANSITIONS.items():
        assert callable(getattr(Session, "_" + rule.handler)), rule.handler
        assert rule.goes_to <= set(State)
        assert isinstance(trigger, Command | Mark)


@pytest.mark.parametrize("state", list(State))
def test_stale_timer_events_are_ignored_in_every_state(state: State) -> None:
    drive = reach(state)
    before = drive.session.snapshot()
    assert drive.session.handle(PhaseDue(token=10_000, mark=Mark.END), 1.0) == []
    assert drive.session.state is before.state
    # the timeline says it came and was dropped: no "end" that never happened (a stale tick
    # handled after a pause once showed up as a phase in the paused state)
    after = drive.session.snapshot()
    assert (after.event, after.detail) == ("cancelled", "end")


# ---- other commands -------------------------------------------------------------------------


def test_harder_at_the_top_of_the_ladder_slows_the_tempo_instead() -> None:
    drive = working()
    drive.command(Command.HARDER)
    assert drive.said()[-1] == wording.TOUGHEST_LONGER_REPS
    assert drive.session.snapshot().tempo == "5-0-2.5-0"


def test_easier_at_the_bottom_of_the_ladder_takes_reps_off() -> None:
    drive = working()
    drive.command(Command.EASIER)
    drive.command(Command.EASIER)
    assert drive.said()[-1] == wording.GENTLEST_FEWER_REPS
    assert drive.session.snapshot().reps == 8


def test_ready_ends_a_rest_early() -> None:
    drive = working()
    drive.run_until(State.REST)
    rest_at = drive.pacer.now_s()
    drive.command(Command.READY, rest_at + 2.0)
    drive.run_until(State.WORKING)
    assert drive.pacer.now_s() - rest_at < 10.0
    assert drive.session.snapshot().set == 2


def test_repeat_says_the_last_instruction_again() -> None:
    drive = started()
    last = drive.said()[-1]
    actions = drive.command(Command.REPEAT)
    assert [a.cue.text for a in actions if isinstance(a, Say)] == [last]


def test_rest_command_ends_the_set_early_and_records_it_partial() -> None:
    drive = working()
    actions = drive.command(Command.REST, drive.set_start_s + 7.0)
    assert drive.session.state is State.REST
    done = [a for a in actions if isinstance(a, Record) and a.kind == "set_done"]
    assert done[0].data["is_partial"] is True and done[0].data["reps"] == 2


def test_alternating_hold_does_both_sides_then_finishes() -> None:
    drive = started()
    drive.command(Command.SKIP)
    drive.run()
    said = drive.said()
    assert "Left side. Hold, twenty seconds." in said
    assert "Right side. Hold, twenty seconds." in said
    assert drive.session.state is State.FINISHED


def test_a_command_phrase_the_coach_would_say_is_refused() -> None:
    phrases = {**PHRASES, Command.READY: ("three",)}
    with pytest.raises(UsageError, match="'three'"):
        Session(routine(), phrases)


def test_a_resumed_session_begins_at_the_saved_set_and_rung() -> None:
    session = Session(routine(), PHRASES, cue_timer=FixedTimer(),
                      start=StartAt(exercise_index=0, set_number=2, variation_id="bent"))
    said = [a.cue.text for a in session.handle(CommandHeard(Command.START), 0.0)
            if isinstance(a, Say)]
    assert "Leg lifts: Bent-knee lifts." in said and "Next up: set two of three." in said
    snap = session.snapshot()
    assert (snap.exercise, snap.set, snap.variation) == ("leg-lifts", 2, "bent")


@pytest.mark.parametrize("start", [StartAt(5), StartAt(0, 4)])
def test_resuming_past_the_routine_is_a_clear_error(start: StartAt) -> None:
    with pytest.raises(UsageError, match="begin a new workout"):
        Session(routine(), PHRASES, start=start)


def test_harder_at_the_top_of_a_hold_ladder_lengthens_the_hold_up_to_a_limit() -> None:
    drive = started()
    drive.command(Command.SKIP)
    drive.run_until(State.WORKING)
    said = [drive.said()[-1] for _ in range(4) if drive.command(Command.HARDER)]
    assert said == [wording.TOUGHEST_LONGER_HOLD] * 3 + [wording.LONGEST_HOLD]  # 1.25 ** 4 > 2
    drive.run_until(State.FINISHED)
    assert "Right side. Hold, thirty-nine seconds." in drive.said()  # 20 s x 1.25 ** 3


# ---- volume ---------------------------------------------------------------------------------


def test_volume_commands_change_neither_the_pacing_nor_the_state() -> None:
    plain, loud = working(), Drive(volume=Volume(0.5))
    loud.command(Command.START)
    loud.run_until(State.WORKING)
    t0 = loud.set_start_s
    for at_s, command in ((3.0, Command.LOUDER), (3.1, Command.LOUDER), (7.5, Command.QUIETER)):
        loud.command(command, t0 + at_s)
        assert loud.session.state is State.WORKING
    plain.run(until_s=plain.set_start_s + 61)
    loud.run(until_s=t0 + 61)
    assert loud.onsets() == plain.onsets()
    assert loud.said() == plain.said()
    assert loud.session.snapshot().volume == pytest.approx(10 ** (-3 / 20))


@pytest.mark.parametrize(("command", "start"), [(Command.LOUDER, 1.0),
                                                (Command.QUIETER, 10 ** (-30 / 20))])
def test_at_either_end_a_tone_says_no_further(command: Command, start: float) -> None:
    drive = Drive(volume=Volume(start))
    assert drive.command(command) == [PlayEarcon(Earcon.VOLUME_LIMIT)]
    assert drive.session.snapshot().volume == start


def test_a_volume_command_leaves_repeat_with_the_last_instruction() -> None:
    drive = started()
    last = drive.said()[-1]
    drive.command(Command.QUIETER)
    assert [a.cue.text for a in drive.command(Command.REPEAT) if isinstance(a, Say)] == [last]


# ---- the count-in's end and the spoken ending ------------------------------------------------


def test_the_count_in_ends_on_one_and_the_first_rep_is_its_movement_not_a_second_one() -> None:
    drive = started()
    drive.run_until(State.WORKING)
    said = drive.said()
    last_count = len(said) - 1 - said[::-1].index("one")
    assert said[last_count - 2:last_count + 1] == ["three", "two", "one"]
    assert said[last_count + 1:] == ["Up."]  # the first movement, and no second "one"
    drive.run(drive.set_start_s + 6.5)  # the second rep is counted as before
    assert drive.said(drive.set_start_s + 5.9)[0] == "two"


def test_an_alternating_first_rep_names_its_side_then_the_movement() -> None:
    text = LEG_LIFTS.replace("        reps: 10\n        key_cue: Legs straight",
                             "        reps: 10\n        sides: alternating\n"
                             "        key_cue: Legs straight")
    drive = Drive(text)
    drive.command(Command.START)
    drive.run_until(State.WORKING)
    said = drive.said()
    assert said[said.index("one") + 1:] == ["Left.", "Up."]


def test_finishing_says_the_totals_after_the_goodbye() -> None:
    drive = started()
    drive.command(Command.SKIP)  # straight to the side plank: one hold set
    drive.run()
    assert drive.session.state is State.FINISHED
    assert drive.said()[-2:] == ["Workout complete. Great job.",
                                 "In all: one set, in forty-five seconds."]


def test_stopping_before_any_set_says_no_totals_and_mid_set_counts_the_set_cut_short() -> None:
    drive = started()
    drive.command(Command.STOP)
    assert drive.said()[-1] == "Workout ended. Well done."
    drive = working()
    drive.command(Command.STOP, drive.set_start_s + 13.0)  # rep three under way
    assert drive.said()[-1].startswith("In all: one set, three reps, in ")
    leg_lifts = drive.session.summary().exercises[0]
    assert (leg_lifts.sets_done, leg_lifts.sets_cut_short, leg_lifts.reps) == (1, 1, 3)
    assert leg_lifts.work_s == pytest.approx(13.0)


def test_in_addressed_mode_a_cue_holding_the_coach_s_name_is_refused() -> None:
    Session(routine(), PHRASES, name="coach")  # the shipped wording never says it
    with pytest.raises(UsageError, match=r"contains its name 'ribs'.*recognition.name"):
        Session(routine(), PHRASES, name="ribs")
