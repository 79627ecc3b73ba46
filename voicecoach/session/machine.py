"""The pure workout state machine: events in, actions out; no threads, no clock, no audio.

`transitions.py` is the specification this machine follows: for each state, what each command and
each kind of scheduled moment does (the `_handler` method of that name) and which states it may
lead to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from voicecoach.commands import Command, contained_phrases, normalize
from voicecoach.errors import UsageError
from voicecoach.events import (
    Action,
    CancelPending,
    CommandHeard,
    Cue,
    CueKind,
    Earcon,
    Event,
    Finish,
    Mark,
    MicrophoneBack,
    MicrophoneLost,
    PhaseDue,
    PlayEarcon,
    Record,
    Say,
    Schedule,
    SetVolume,
    Snapshot,
    SpeechFinished,
    SpeechStarted,
)
from voicecoach.files import Verbosity
from voicecoach.history import Status, Tally, WorkoutSummary
from voicecoach.ports import CueTimer
from voicecoach.routine import Exercise, Phase, Routine, Sides, Tempo, Variation
from voicecoach.session import adjust, fitting
from voicecoach.session.adjust import ExerciseAdjust
from voicecoach.session.fitting import Planned
from voicecoach.session.reps import RepPlan
from voicecoach.session.transitions import Trigger, rule_for
from voicecoach.session.volume import Volume
from voicecoach.session.wording import ENGLISH, Wording
from voicecoach.states import State

COUNTDOWN_S = (3.0, 2.0, 1.0)
"""Seconds left at which a count-in, rest or hold counts down."""

WARNING_S = 10.0
"""Seconds left at which a long rest or hold says "ten seconds"."""

HOLD_CUE_SPACING_S = 3.0
"""Cues during a hold are at least this far apart (countdown steps win over form cues)."""

EARLY_COUNT_IN_S = 3.5
"""Count-in after "ready" ends a rest early: just the countdown."""


@dataclass(frozen=True)
class _Held:
    """What a pause froze: the state to go back to and the schedule still to come."""

    state: State
    at_s: float
    items: tuple[Schedule, ...]
    is_next_set: bool = False
    """After a safety stop the set is abandoned: resuming begins the next set."""
    is_over: bool = False
    """The abandoned set was the workout's last: resuming finishes."""


@dataclass(frozen=True)
class StartAt:
    """Where a resumed workout begins: exercise (index from 0), set (from 1), ladder rung."""

    exercise_index: int
    set_number: int = 1
    variation_id: str | None = None


class Session:
    """One workout from "start" to the end: `handle(event, now_s)` returns what to do."""

    def __init__(
        self,
        routine: Routine,
        phrases: Mapping[Command, Iterable[str]],
        verbosity: Verbosity = Verbosity.NORMAL,
        cue_timer: CueTimer | None = None,
        start: StartAt | None = None,
        volume: Volume | None = None,
        name: str | None = None,
        words: Wording = ENGLISH,
    ) -> None:
        """`name`: the coach's name in addressed mode, which no cue may contain either;
        `words`: what the coach says, in the language of the settings (English by default)."""
        self.routine = routine
        self._words = words
        self.verbosity = verbosity
        self.timer: CueTimer = cue_timer or fitting.EstimatedCueTimer()
        self._check_clean(phrases, name)
        self.state = State.READY
        self._ex = 0
        self._set = 1
        self._rep = 0
        self._ladder = [e.start_index for e in routine.exercises]
        self._variation = self._ladder_variation()
        self._adjust = ExerciseAdjust()
        self._target_reps: int | None = None
        self._plan: RepPlan | None = None
        self._next_index = 0
        self._is_switch_due = False
        self._announce: Planned | None = None
        self._is_in_set = False
        self._phase: str | None = None
        self._phase_start_s: float | None = None
        self._phase_end_s: float | None = None
        self._block_end_s = 0.0
        self._pending: dict[int, Schedule] = {}
        self._tokens = 0
        self._held: _Held | None = None
        self._rotation = fitting.Rotation()
        self._last_instruction: Cue | None = None
        self._last_cue: str | None = None
        self._now_s = 0.0
        self._t = 0.0
        self._event_name = "none"
        self._detail: str | None = None
        self._out: list[Action] = []
        self._is_resumed = start is not None
        self._volume = volume or Volume()
        self._tally = Tally(routine, words.language.templates)
        self._set_began_s = 0.0
        self._set_paused_s = 0.0
        """Pauses inside the set under way: left out of its time under tension."""
        if start is not None:
            self._start_at(start)

    # ---- public ---------------------------------------------------------------------------

    def handle(self, event: Event, now_s: float) -> list[Action]:
        """Apply one event at session time `now_s`; returns the actions to carry out, in order."""
        self._out = []
        self._now_s = self._t = now_s
        self._detail = None
        match event:
            case CommandHeard(command=command):
                self._event_name, self._detail = "command", command.value
                self._dispatch(command, event)
            case PhaseDue(token=token, mark=mark):
                self._event_name = mark.value
                if mark is Mark.COUNTDOWN:
                    self._detail = f"{event.seconds_left:g}"
                due = self._pending.pop(token, None)
                if due is None:  # fired before a pause, skip or stop cancelled it
                    self._event_name, self._detail = "cancelled", mark.value  # not a phase
                    return []
                self._t = due.at_s  # plan from when it was due, not when it arrived
                self._dispatch(mark, event)
            case MicrophoneLost():
                self._event_name = "microphone"
                self._say(self._words.sentences.mic_lost, CueKind.INFO)
            case MicrophoneBack():
                self._event_name = "microphone"
                self._say(self._words.sentences.mic_back, CueKind.INFO)
            case SpeechStarted() | SpeechFinished():
                self._event_name = "speech"
        return self._out

    def summary(self) -> WorkoutSummary:
        """What was done so far, on the workout's own clock (the ending's table and history)."""
        outcome = {State.FINISHED: Status.FINISHED, State.STOPPED: Status.STOPPED}.get(
            self.state, Status.RUNNING)
        return self._tally.summary(outcome, self._now_s)

    def snapshot(self) -> Snapshot:
        """The session as the live view and the timeline show it."""
        exercise = self.routine.exercises[self._ex]
        working = self.state is State.WORKING or (
            self.state is State.PAUSED and self._held is not None
            and self._held.state is State.WORKING and not self._held.is_next_set)
        return Snapshot(
            time_s=self._now_s,
            event=self._event_name,
            detail=self._detail,
            state=self.state,
            exercise=exercise.id,
            variation=self._variation.id,
            set=self._set,
            sets=exercise.sets,
            rep=self._rep if working else 0,
            reps=self._target_reps if self._variation.reps is not None else None,
            phase=self._phase if working else None,
            phase_start_s=self._phase_start_s if working else None,
            phase_end_s=self._phase_end_s if working else None,
            tempo=str(self._tempo()) if self._variation.tempo else None,
            last_cue=self._last_cue,
            block_end_s=self._block_end_s if self.state in (State.COUNT_IN, State.REST) else None,
            volume=self._volume.level,
        )

    # ---- plumbing -------------------------------------------------------------------------

    def _check_clean(self, phrases: Mapping[Command, Iterable[str]], name: str | None) -> None:
        """The coach must not say a command phrase, nor its own name in addressed mode: it would
        hear and obey itself (the echo gate lets addressed commands in over the coach's voice
        because the coach never says its name)."""
        for text in self._words.all_texts(self.routine):
            found = contained_phrases(text, phrases)
            if found:
                raise UsageError(
                    f"the coach would hear itself: {text!r} contains the command phrase "
                    f"{found[0]!r}; reword that cue in routine {self.routine.name!r} or change "
                    "the phrase in the [commands] settings")
            if name is not None and f" {normalize(name)} " in f" {normalize(text)} ":
                raise UsageError(
                    f"the coach would hear itself: {text!r} contains its name {name!r}; reword "
                    f"that cue in routine {self.routine.name!r} or change recognition.name in "
                    "the settings")

    def _start_at(self, start: StartAt) -> None:
        """Begin later in the routine (resuming an unfinished workout)."""
        if not 0 <= start.exercise_index < len(self.routine.exercises):
            raise UsageError(f"cannot resume at exercise {start.exercise_index + 1}: routine "
                             f"{self.routine.name!r} has {len(self.routine.exercises)}; "
                             "begin a new workout instead")
        self._enter_exercise(start.exercise_index)
        if not 1 <= start.set_number <= self._exercise.sets:
            raise UsageError(f"cannot resume at set {start.set_number} of {self._exercise.name}: "
                             f"it has {self._exercise.sets}; begin a new workout instead")
        self._set = start.set_number
        ids = [v.id for v in self._exercise.variations]
        if start.variation_id in ids:
            self._ladder[self._ex] = ids.index(start.variation_id)
        self._variation = self._ladder_variation()

    def _dispatch(self, trigger: Trigger, event: Event) -> None:
        name = rule_for(self.state, trigger).handler
        handler: Callable[[Event], None] = getattr(self, "_" + name)
        handler(event)

    def _emit(self, action: Action) -> None:
        self._out.append(action)

    def _say(self, text: str, kind: CueKind) -> None:
        self._say_cue(Cue(text, kind))

    def _say_cue(self, cue: Cue) -> None:
        self._emit(Say(cue))
        self._last_cue = cue.text
        if cue.kind is not CueKind.COUNT:
            self._last_instruction = cue

    def _schedule(self, at_s: float, mark: Mark, rep: int = 0, phase: Phase | None = None,
                  seconds_left: float = 0.0) -> None:
        self._tokens += 1
        action = Schedule(PhaseDue(self._tokens, rep, phase, mark, seconds_left), at_s)
        self._pending[self._tokens] = action
        self._emit(action)

    def _cancel_all(self) -> None:
        self._pending.clear()
        self._emit(CancelPending())

    def _record(self, kind: str, **data: object) -> None:
        base: dict[str, object] = {
            "exercise": self._exercise.id, "variation": self._variation.id, "set": self._set}
        record = Record(kind, {**base, **data})
        self._tally.add(record.kind, record.data)
        self._emit(record)

    def _say_summary(self, kind: CueKind) -> None:
        """The ending's totals in a sentence, once a set was begun; `kind` that of the goodbye
        before it, so it follows at once (after "stop", ahead of the abandoned set's cues)."""
        text = self._words.summary_text(self.summary())
        if text is not None:
            self._say(text, kind)

    def _set_work_s(self) -> float:
        """Seconds of work in the set under way (pauses left out); 0 between sets."""
        if self._rep == 0:
            return 0.0
        until_s = self._held.at_s if self._held is not None else self._t
        return round(until_s - self._set_began_s - self._set_paused_s, 3)

    def _budget_s(self) -> float:
        """Time until the next scheduled moment: a cue said now must end before it."""
        upcoming = [s.at_s for s in self._pending.values() if s.at_s > self._t]
        return (min(upcoming) - self._t - fitting.MARGIN_S) if upcoming else float("inf")

    def _fitted(self, planned: list[Planned]) -> list[Cue]:
        """Say what fits before the next scheduled moment; returns what was said."""
        said = fitting.fit(planned, self._budget_s(), self.timer, self._rotation)
        for cue in said:
            self._say_cue(cue)
        return said

    @property
    def _exercise(self) -> Exercise:
        return self.routine.exercises[self._ex]

    def _ladder_variation(self) -> Variation:
        return self.routine.exercises[self._ex].variations[self._ladder[self._ex]]

    def _tempo(self) -> Tempo:
        assert self._variation.tempo is not None
        return self._variation.tempo.scaled(self._adjust.tempo_factor)

    def _hold_s(self) -> float:
        assert self._variation.hold_s is not None
        return round(self._variation.hold_s * self._adjust.hold_factor, 3)

    def _sets_after(self) -> int:
        return self._exercise.sets - self._set

    # ---- blocks: count-in, rest ---------------------------------------------------------

    def _countdown_block(self, length_s: float, texts: list[tuple[str, CueKind]],
                         state: State, with_warning: bool) -> None:
        """Say `texts`, then count down to the set; lengthened if the words need more time."""
        talk_s = fitting.speech_s([t for t, _ in texts], self.timer) + fitting.MARGIN_S
        length_s = max(length_s, talk_s + COUNTDOWN_S[0] + fitting.MARGIN_S)
        self.state = state
        self._is_in_set = False
        self._phase = None
        self._block_end_s = self._t + length_s
        for text, kind in texts:
            self._say(text, kind)
        marks = list(COUNTDOWN_S)
        if with_warning and length_s - WARNING_S >= talk_s + 1.0:
            marks.insert(0, WARNING_S)
        for left in marks:
            self._schedule(self._block_end_s - left, Mark.COUNTDOWN, seconds_left=left)
        self._schedule(self._block_end_s, Mark.END)

    def _upcoming(self, is_rest: bool) -> list[tuple[str, CueKind]]:
        """Announces the set about to begin; a new exercise gets its safety note first."""
        exercise, variation = self._exercise, self._ladder_variation()
        texts: list[tuple[str, CueKind]] = []
        if self._set == 1:
            if exercise.safety:
                texts.append((exercise.safety, CueKind.INFO))
            named = self._words.next_exercise_text if is_rest else self._words.intro
            texts.append((named(exercise, variation), CueKind.INFO))
            texts.append((self._words.plan_text(exercise.sets, variation), CueKind.INFO))
        else:
            texts.append((self._words.next_set_text(self._set, exercise.sets), CueKind.INFO))
        if variation.cues.set_start:
            texts.append((self._rotated(variation.cues.set_start), CueKind.INFO))
        return texts

    def _rotated(self, pool: tuple[str, ...]) -> str:
        text = self._rotation.order(pool)[0]
        self._rotation.used(pool, text)
        return text

    def _count_in(self, length_s: float, lead: list[tuple[str, CueKind]]) -> None:
        """Count in to the next set; mid-exercise (after a safety stop or a resume) the
        exercise is named again, since the rest that would have named it was skipped."""
        self._variation = self._ladder_variation()
        texts = [*lead, (self._words.sentences.get_in_position, CueKind.INFO)]
        if self._set > 1:
            texts.append((self._words.intro(self._exercise, self._variation), CueKind.INFO))
        self._countdown_block(length_s, [*texts, *self._upcoming(is_rest=False)],
                              State.COUNT_IN, False)

    def _enter_exercise(self, index: int) -> None:
        self._ex, self._set = index, 1
        self._adjust = ExerciseAdjust()
        self._variation = self._ladder_variation()

    def _advance(self) -> float | None:
        """Move to the next set or exercise; the rest before it, or None when all are done."""
        self._rep = 0
        if self._set < self._exercise.sets:
            self._set += 1
            return self._exercise.rest_between_sets_s
        if self._ex + 1 < len(self.routine.exercises):
            self._enter_exercise(self._ex + 1)
            return self.routine.rest_between_exercises_s
        return None

    def _after_set(self, texts: list[tuple[str, CueKind]]) -> None:
        """After a set: rest before the next one, or the end of the workout."""
        rest_pool = self._variation.cues.rest
        rest_s = self._advance()
        if rest_s is None:
            self._finish(texts)
            return
        if self._set == 1:
            texts.append((self._words.sentences.exercise_done, CueKind.INFO))
        texts.append((self._words.recover_text(rest_s), CueKind.INFO))
        if rest_pool:
            texts.append((self._rotated(rest_pool), CueKind.INFO))
        self._variation = self._ladder_variation()
        self._countdown_block(rest_s, [*texts, *self._upcoming(is_rest=True)], State.REST, True)

    def _finish(self, texts: list[tuple[str, CueKind]]) -> None:
        for text, kind in texts:
            self._say(text, kind)
        self._say(self._words.sentences.workout_complete, CueKind.INFO)
        self.state = State.FINISHED
        self._is_in_set = False
        self._phase = None
        self._record("finished", elapsed_s=round(self._now_s, 3))
        self._say_summary(CueKind.INFO)
        self._emit(Finish("finished"))

    # ---- sets and reps --------------------------------------------------------------------

    def _begin_set(self, event: Event) -> None:
        self._variation = self._ladder_variation()
        self._is_switch_due = False
        self._announce = None
        self.state = State.WORKING
        self._is_in_set = True
        self._set_began_s, self._set_paused_s = self._t, 0.0
        if self._variation.hold_s is not None:
            self._target_reps = None
            self._begin_hold_side(1)
            return
        self._target_reps = self._reps_target()
        self._new_plan(1)
        self._phase_onset(1, 0)

    def _reps_target(self) -> int:
        assert self._variation.reps is not None
        return max(1, self._variation.reps + self._adjust.reps_delta)

    def _new_plan(self, rep: int) -> None:
        tempo = self._tempo()
        phases = tuple(tempo.phases_from(self._variation.start_phase))
        self._plan = RepPlan(self._t, rep, tempo, phases)

    @property
    def _next_rep_index(self) -> tuple[int, int]:
        """The rep and phase index of the next phase onset."""
        return (self._rep if self._next_index else self._rep + 1), self._next_index

    def _phase_due(self, event: Event) -> None:
        assert self._target_reps is not None
        rep, index = self._next_rep_index
        if index == 0 and self._is_switch_due:
            self._is_switch_due = False
            self._variation = self._ladder_variation()
            self._target_reps = self._reps_target()
            self._new_plan(rep)
            v = self._variation
            if v.key_cue:  # the answer named it already; its key cue waits for room
                self._announce = Planned((self._words.key_cue_text(v), v.key_cue), CueKind.INFO,
                                         rotates=False)
        if rep > self._target_reps:
            self._end_set(partial=False)
            return
        self._phase_onset(rep, index)

    def _phase_onset(self, rep: int, index: int) -> None:
        """A rep phase begins now: schedule the next moment from the anchor, then speak."""
        plan, target = self._plan, self._target_reps
        assert plan is not None and target is not None
        phase = plan.phases[index][0]
        self._rep, self._phase = rep, phase.value
        if index + 1 < len(plan.phases):
            self._next_index = index + 1
            self._schedule(plan.onset_s(rep, index + 1), Mark.PHASE, rep, plan.phases[index + 1][0])
        else:
            self._next_index = 0
            if rep < target:
                self._schedule(plan.onset_s(rep + 1, 0), Mark.PHASE, rep + 1, plan.phases[0][0])
            else:
                self._schedule(plan.onset_s(rep + 1, 0), Mark.END, rep)
        self._phase_start_s = self._t
        self._phase_end_s = min(s.at_s for s in self._pending.values())
        planned = self._rep_cues(rep, index, phase)
        said = {cue.text for cue in self._fitted(planned)}
        if self._announce is not None and said & set(self._announce.pool):
            self._announce = None

    def _rep_cues(self, rep: int, index: int, phase: Phase) -> list[Planned]:
        """What a phase onset would like to say, most important first (counts are kept)."""
        v, target, phases = self._variation, self._target_reps or 0, self._plan_phases()
        side = self._words.side_of(rep, v.sides)
        # The count-in ended on "one": the first rep is led by its movement, not counted again.
        is_first_move = rep == 1 and index == 0
        planned = []
        if is_first_move:
            if side is not None:
                planned.append(Planned((self._words.side_text(side),), CueKind.COUNT,
                                       is_required=True))
        elif index == 0:
            planned.append(Planned((self._words.count_text(rep, side),), CueKind.COUNT,
                                   is_required=True))
        if self._announce is not None:
            planned.append(self._announce)
        if index == 0:
            if rep == target and target > 1:
                planned.append(Planned(v.cues.last_rep or (self._words.sentences.last_rep,), CueKind.INFO))
            elif target >= 4 and rep == target // 2 + 1:
                planned.append(Planned(v.cues.halfway or (self._words.sentences.halfway,), CueKind.INFO))
        planned.append(Planned(v.cues.phases.get(phase) or self._words.phase_cues[phase],
                               CueKind.COUNT, is_required=is_first_move))
        if index == 0:
            planned.append(Planned(v.cues.reps.get(rep, ()), CueKind.INFO))
        longest = max(range(len(phases)), key=lambda i: phases[i][1])
        if index == longest and fitting.is_form_due(self.verbosity, rep, v.cues.form_every_reps):
            planned.append(Planned(v.cues.form, CueKind.FORM))
        return planned

    def _plan_phases(self) -> tuple[tuple[Phase, float], ...]:
        assert self._plan is not None
        return self._plan.phases

    def _end_block(self, event: Event) -> None:
        if self._variation.hold_s is not None and self._rep == 1 and (
                self._variation.sides is Sides.ALTERNATING):
            self._say(self._words.sentences.other_side, CueKind.INFO)
            self._begin_hold_side(2)
            return
        self._end_set(partial=False)

    def _end_set(self, partial: bool) -> None:
        self._emit(PlayEarcon(Earcon.SET_DONE))
        self._record("set_done", reps=self._rep if self._target_reps else None,
                     is_partial=partial, work_s=self._set_work_s(),
                     tempo=str(self._tempo()) if self._variation.tempo else None)
        self._after_set([(self._words.sentences.set_done, CueKind.INFO)])

    # ---- holds ----------------------------------------------------------------------------

    def _begin_hold_side(self, side: int) -> None:
        hold_s = self._hold_s()
        start, end = self._t, self._t + hold_s
        self._rep, self._phase = side, "hold"
        self._phase_start_s, self._phase_end_s = start, end
        marks: list[tuple[float, Mark, float]] = [
            (end - left, Mark.COUNTDOWN, left) for left in COUNTDOWN_S if left < hold_s - 1]
        if hold_s >= 2 * WARNING_S:
            marks.append((end - WARNING_S, Mark.COUNTDOWN, WARNING_S))
        if hold_s >= 10:
            marks.append((start + hold_s / 2, Mark.HALFWAY, 0.0))
        if self.verbosity is not Verbosity.MINIMAL:
            step = 10.0 if self.verbosity is Verbosity.CHATTY else hold_s / 4
            marks.extend((start + k * step, Mark.FORM, 0.0) for k in range(1, int(hold_s // step)))
        kept = [m for m in marks if m[1] is Mark.COUNTDOWN]
        for mark in sorted(m for m in marks if m[1] is not Mark.COUNTDOWN):
            if all(abs(mark[0] - other[0]) >= HOLD_CUE_SPACING_S for other in kept):
                kept.append(mark)
        for at_s, mark, left in sorted(kept):
            self._schedule(at_s, mark, side, seconds_left=left)
        self._schedule(end, Mark.END, side)
        side_name = self._words.side_of(side, self._variation.sides)
        pool = (self._words.hold_text(hold_s, side_name), self._words.sentences.hold_begin)
        self._fitted([Planned(pool, CueKind.COUNT, is_required=True, rotates=False)])

    def _hold_halfway(self, event: Event) -> None:
        halfway = self._variation.cues.halfway or (self._words.sentences.halfway,)
        self._fitted([Planned(halfway, CueKind.INFO)])

    def _hold_form(self, event: Event) -> None:
        self._fitted([Planned(self._variation.cues.form, CueKind.FORM)])

    def _countdown(self, event: Event) -> None:
        assert isinstance(event, PhaseDue)
        self._say(self._words.countdown_text(event.seconds_left), CueKind.COUNT)

    # ---- commands -------------------------------------------------------------------------

    def _ignore(self, event: Event) -> None:
        """A scheduled moment that no longer applies in this state."""

    def _not_now(self, event: Event) -> None:
        self._say(self._words.not_now[self.state.value], CueKind.ACK)

    def _begin_workout(self, event: Event) -> None:
        self._record("started", routine=self.routine.name)
        lead = [(self._words.sentences.picking_up, CueKind.INFO)] if self._is_resumed else []
        self._count_in(self.routine.count_in_s, lead)

    def _stop(self, event: Event) -> None:
        if self.state not in (State.FINISHED, State.STOPPED):
            self._cancel_all()
            self._say(self._words.sentences.workout_ended, CueKind.ACK)
            self._record("stopped", rep=self._rep, work_s=self._set_work_s(),
                         elapsed_s=round(self._now_s, 3))
            self.state = State.STOPPED
            self._held = None
            self._is_in_set = False
            self._say_summary(CueKind.ACK)
        self._emit(Finish(self.state.value))

    def _gentler(self) -> Variation | None:
        index = self._ladder[self._ex]
        return self._exercise.variations[index - 1] if index > 0 else None

    def _safety_advice(self, event: Event) -> None:
        self._say(self._words.safety_response(self._gentler()), CueKind.SAFETY)
        self._record("safety", phrase=getattr(event, "text", ""), rep=0)

    def _safety_stop(self, event: Event) -> None:
        """Pain: end the set at once, advise, and hold; resuming goes on with the next set."""
        from_state = self._held.state if self._held else self.state
        self._cancel_all()
        gentler = self._gentler()
        self._say(self._words.safety_response(gentler), CueKind.SAFETY)
        self._record("safety", phrase=getattr(event, "text", ""), rep=self._rep,
                     work_s=self._set_work_s(), gentler=gentler.id if gentler else None)
        if gentler is not None:
            self._ladder[self._ex] -= 1
        is_over = self._is_in_set and self._advance() is None
        self._held = _Held(from_state, self._now_s, (), is_next_set=True, is_over=is_over)
        self._is_in_set = self._is_switch_due = False
        self._announce = None
        self.state = State.PAUSED

    def _repeat(self, event: Event) -> None:
        if self._last_instruction is None:
            self._say(self._words.sentences.nothing_said_yet, CueKind.ACK)
        else:
            self._say(self._last_instruction.text, CueKind.ACK)

    def _pause(self, event: Event) -> None:
        self._held = _Held(self.state, self._now_s, tuple(self._pending.values()))
        self._cancel_all()
        self._say(self._words.sentences.paused, CueKind.ACK)
        self._record("paused", rep=self._rep, phase=self._phase)
        self.state = State.PAUSED

    def _still_paused(self, event: Event) -> None:
        self._say(self._words.sentences.still_paused, CueKind.ACK)

    def _resume(self, event: Event) -> None:
        held = self._held
        assert held is not None
        self._held = None
        self._record("resumed", paused_s=round(self._now_s - held.at_s, 3))
        lead = [(self._words.sentences.resumed, CueKind.ACK)]
        if held.is_over:
            self._finish(lead)
            return
        if held.is_next_set:
            self._count_in(self.routine.count_in_s, lead)
            return
        shift_s = self._now_s - held.at_s
        self._set_paused_s += shift_s
        if self._plan is not None:
            self._plan.anchor_s += shift_s
        if self._phase_start_s is not None and self._phase_end_s is not None:
            self._phase_start_s += shift_s
            self._phase_end_s += shift_s
        self._block_end_s += shift_s
        self.state = held.state
        self._say(self._words.sentences.resumed, CueKind.ACK)
        for item in held.items:
            self._tokens += 1
            again = Schedule(replace(item.event, token=self._tokens), item.at_s + shift_s)
            self._pending[self._tokens] = again
            self._emit(again)

    def _end_set_early(self, event: Event) -> None:
        self._cancel_all()
        self._say(self._words.sentences.ending_set_early, CueKind.ACK)
        self._end_set(partial=True)

    def _end_rest_early(self, event: Event) -> None:
        self._cancel_all()
        self._countdown_block(EARLY_COUNT_IN_S, [(self._words.sentences.ending_break_early, CueKind.ACK)],
                              State.COUNT_IN, False)

    def _skip_exercise(self, event: Event) -> None:
        self._cancel_all()
        self._record("skipped", rep=self._rep, work_s=self._set_work_s())
        self._held = None
        self._rep = 0
        if self._ex + 1 >= len(self.routine.exercises):
            self._finish([(self._words.sentences.last_exercise_left_out, CueKind.ACK)])
            return
        self._enter_exercise(self._ex + 1)
        self._count_in(self.routine.count_in_s, [(self._words.sentences.moving_on, CueKind.ACK)])

    def _how_many_left(self, event: Event) -> None:
        if not self._is_in_set:
            self._say(self._words.sets_to_do_text(self._sets_after() + 1), CueKind.ACK)
            return
        if self._target_reps is None:
            end_s = self._phase_end_s if self._phase_end_s is not None else self._now_s
            if self.state is State.PAUSED and self._held is not None:
                end_s -= self._now_s - self._held.at_s
            self._say(self._words.hold_left_text(end_s - self._now_s), CueKind.ACK)
        else:
            self._say(self._words.reps_left_text(self._target_reps - self._rep), CueKind.ACK)
        self._say(self._words.sets_left_text(self._sets_after()), CueKind.ACK)

    def _whats_next(self, event: Event) -> None:
        if not self._is_in_set:
            if self._set == 1:
                text = self._words.next_exercise_text(self._exercise, self._ladder_variation())
            else:
                text = self._words.next_set_text(self._set, self._exercise.sets)
        elif self._set < self._exercise.sets:
            text = self._words.next_set_text(self._set + 1, self._exercise.sets)
        elif self._ex + 1 < len(self.routine.exercises):
            following = self.routine.exercises[self._ex + 1]
            variation = following.variations[self._ladder[self._ex + 1]]
            text = self._words.next_exercise_text(following, variation)
        else:
            text = self._words.sentences.last_set_of_workout
        self._say(text, CueKind.ACK)

    def _easier(self, event: Event) -> None:
        self._ladder_step(-1)

    def _harder(self, event: Event) -> None:
        self._ladder_step(+1)

    def _ladder_step(self, step: int) -> None:
        """Move along the difficulty ladder; at its end, change reps, hold or tempo instead."""
        index = self._ladder[self._ex] + step
        if not 0 <= index < len(self._exercise.variations):
            self._ladder_end(step)
            return
        current = self._variation
        self._ladder[self._ex] = index
        new = self._ladder_variation()
        if self._is_in_set and current.reps is not None and new.reps is not None:
            when = self._words.ladder_when[1]
            self._is_switch_due = True
        elif self._is_in_set:
            when = self._words.ladder_when[2]
        else:
            when = self._words.ladder_when[0]
            self._variation = new
        self._say(self._words.ladder_answer(step < 0, new, when), CueKind.ACK)
        if not self._is_in_set and new.key_cue:
            self._say(self._words.key_cue_text(new), CueKind.INFO)
        self._record("easier" if step < 0 else "harder", to=new.id)

    def _ladder_end(self, step: int) -> None:
        if self._variation.hold_s is not None:
            factor = self._adjust.hold_factor_after(step)
            if factor is None:
                said = self._words.sentences
                self._say(said.longest_hold if step > 0 else said.shortest_hold, CueKind.ACK)
                return
            self._adjust.hold_factor = factor
            said = self._words.sentences
            text = said.toughest_longer_hold if step > 0 else said.gentlest_shorter_hold
        elif step > 0:
            if not self._scale_tempo(adjust.TEMPO_STEP):
                return
            text = self._words.sentences.toughest_longer_reps
        else:
            self._adjust.reps_delta -= adjust.FEWER_REPS
            if self._target_reps is not None and self._is_in_set:
                self._target_reps = max(self._rep, 1, self._target_reps - adjust.FEWER_REPS)
            text = self._words.sentences.gentlest_fewer_reps
        self._say(text, CueKind.ACK)
        self._record("easier" if step < 0 else "harder", to=self._variation.id,
                     is_ladder_end=True)

    def _slower(self, event: Event) -> None:
        if self._scale_tempo(adjust.TEMPO_STEP):
            self._say(self._words.sentences.longer_phases, CueKind.ACK)

    def _faster(self, event: Event) -> None:
        if self._scale_tempo(1 / adjust.TEMPO_STEP):
            self._say(self._words.sentences.quicker_phases, CueKind.ACK)

    def _scale_tempo(self, factor: float) -> bool:
        """Scale every phase after the one under way; False (and says why) when it cannot."""
        if self._variation.tempo is None:
            self._say(self._words.sentences.hold_has_no_tempo, CueKind.ACK)
            return False
        new_factor = self._adjust.tempo_factor_after(factor)
        if new_factor is None:
            said = self._words.sentences
            self._say(said.longest_phases if factor > 1 else said.quickest_phases, CueKind.ACK)
            return False
        self._adjust.tempo_factor = new_factor
        if self._plan is not None and self._is_in_set and self._phase_end_s is not None:
            self._plan = self._plan.rebased(self._tempo(), *self._next_rep_index, self._phase_end_s)
        self._record("tempo", factor=new_factor, tempo=str(self._tempo()))
        return True

    def _louder(self, event: Event) -> None:
        self._step_volume(+1)

    def _quieter(self, event: Event) -> None:
        self._step_volume(-1)

    def _step_volume(self, steps: int) -> None:
        """Change only the loudness: no cue (the coach cannot say "louder" without obeying
        itself), no change to the pacing or the state; a tone at the new level answers."""
        volume = self._volume.stepped(steps)
        if volume == self._volume:
            self._emit(PlayEarcon(Earcon.VOLUME_LIMIT))
            return
        self._volume = volume
        self._emit(SetVolume(volume.level))
        self._emit(PlayEarcon(Earcon.VOLUME))
