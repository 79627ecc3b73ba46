"""Wording: what the coach says, as numbers, fixed sentences and answers, in the chosen language.

Every word comes from a language file (voicecoach/languages/*.toml, read by files/language.py);
this module only fills templates in. `fixed_phrases` lists every sentence for pre-rendering, and a
test checks that none contains a command phrase (the coach must never hear itself give a command).
The module-level names are the English wording, which most callers and tests use.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from voicecoach.files.language import Language, NumberWords, load_language
from voicecoach.history import WorkoutSummary
from voicecoach.routine import Exercise, Phase, Routine, Sides, Variation

MAX_HOLD_FACTOR = 2.0
"""The longest a hold can be made (harder at the top of its ladder), for listing answers."""


class _Number:
    """A number in a template: `{n:count}` says it with the language's `count` table."""

    def __init__(self, n: int, systems: Mapping[str, NumberWords]) -> None:
        self._n = n
        self._systems = systems

    def __format__(self, system: str) -> str:
        if not 0 <= self._n < 1000:
            return str(self._n)  # past what the tables say: digits, as a coach would read them
        return self._systems[system or "count"].say(self._n)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


class Wording:
    """Everything the coach says in one language."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self.sentences = language.sentences
        self._t = language.templates
        t = self._t
        self.ladder_when = (t.ladder_now, t.ladder_next_rep, t.ladder_next_set)
        """When a ladder step takes effect: now, from the next rep, from the next set."""
        self.not_now: dict[str, str] = language.not_now.model_dump()
        """The short answer to a command that means nothing in a state (keyed by State value)."""
        self.phase_cues: dict[Phase, tuple[str, ...]] = {
            Phase(k): tuple(v) for k, v in language.phase_cues.model_dump().items()}
        """Said at a phase's start when the routine has no cue of its own for it."""

    def _fill(self, template: str, **values: Any) -> str:
        numbers = self.language.numbers
        return template.format(**{k: _Number(v, numbers) if isinstance(v, int) else v
                                  for k, v in values.items()})

    # ---- numbers --------------------------------------------------------------------------

    def number_words(self, n: int, system: str = "count") -> str:
        """0..999 in words ("forty-two"); counts and durations are spoken, never read as digits."""
        return self.language.numbers[system].say(n)

    def seconds_words(self, seconds: float) -> str:
        """A duration as a coach says it: "thirty seconds", "one minute and fifteen seconds"."""
        d = self.language.duration
        minutes, secs = divmod(max(1, round(seconds)), 60)
        parts = []
        if minutes:
            parts.append(self._fill(d.minute if minutes == 1 else d.minutes, n=minutes))
        if secs:
            parts.append(self._fill(d.second if secs == 1 else d.seconds, n=secs))
        return d.join.join(parts)

    def side_of(self, rep: int, sides: Sides) -> str | None:
        """Which side an alternating rep (or hold side) works: odd = left, even = right."""
        if sides is Sides.NONE:
            return None
        return self.language.sides.left if rep % 2 == 1 else self.language.sides.right

    def count_text(self, rep: int, side: str | None = None) -> str:
        """The rep count, with the side for alternating exercises: "three", "three, left"."""
        if side:
            return self._fill(self._t.count_with_side, n=rep, side=side)
        return self._fill(self._t.count, n=rep)

    def side_text(self, side: str) -> str:
        """The first rep of an alternating set names its side instead of counting: "Left."."""
        return _upper_first(self._fill(self._t.side, side=side))

    def countdown_text(self, seconds_left: float) -> str:
        """A countdown step: "ten seconds" for the warning, bare numbers for the last three."""
        n = round(seconds_left)
        return self._fill(self._t.countdown if n <= 3 else self._t.countdown_with_unit, n=n)

    # ---- answers and announcements --------------------------------------------------------

    def safety_response(self, gentler: Variation | None) -> str:
        """What the coach says after a pain phrase; names the gentler variation when there is one."""
        s = self.sentences
        if gentler is None:
            return f"{s.safety} {s.safety_no_gentler}"
        return self._fill(self._t.safety_with_gentler, safety=s.safety, variation=gentler.name)

    def ladder_answer(self, is_down: bool, variation: Variation, when: str) -> str:
        """Acknowledge a ladder step: "Okay, gentler from the next rep: Bent-knee lifts."."""
        template = self._t.ladder_gentler if is_down else self._t.ladder_tougher
        return self._fill(template, when=when, variation=variation.name)

    def intro(self, exercise: Exercise, variation: Variation) -> str:
        """Names the exercise and the variation: "Leg lifts: bent-knee lifts."."""
        if exercise.name == variation.name:
            return self._fill(self._t.intro_same_name, exercise=exercise.name)
        return self._fill(self._t.intro, exercise=exercise.name, variation=variation.name)

    def key_cue_text(self, variation: Variation) -> str:
        """A new variation's name and its key cue: "Hover leg lifts. Heels just off the floor."."""
        return self._fill(self._t.key_cue, variation=variation.name, cue=variation.key_cue)

    def plan_text(self, sets: int, variation: Variation) -> str:
        """How much work: "Three sets of ten." or "Two sets, hold thirty seconds each side."."""
        set_words = self._t.one_set if sets == 1 else self._fill(self._t.sets, n=sets)
        if variation.reps is not None:
            return _upper_first(self._fill(self._t.plan_reps, sets=set_words, reps=variation.reps))
        template = (self._t.plan_hold_each_side if variation.sides is Sides.ALTERNATING
                    else self._t.plan_hold)
        return _upper_first(self._fill(template, sets=set_words,
                                       duration=self.seconds_words(variation.hold_s or 0)))

    def recover_text(self, rest_s: float) -> str:
        """The rest announcement: "Forty-five seconds to recover."."""
        return _upper_first(self._fill(self._t.recover, duration=self.seconds_words(rest_s)))

    def next_set_text(self, set_no: int, sets: int) -> str:
        """Announces the coming set of the same exercise."""
        return self._fill(self._t.next_set, n=set_no, sets=sets)

    def next_exercise_text(self, exercise: Exercise, variation: Variation) -> str:
        """Announces the coming exercise."""
        return self._fill(self._t.next_exercise, intro=self.intro(exercise, variation))

    def hold_text(self, hold_s: float, side: str | None) -> str:
        """Begins a hold: "Left side. Hold, thirty seconds."."""
        duration = self.seconds_words(hold_s)
        if side:
            return _upper_first(self._fill(self._t.hold_with_side, side=side, duration=duration))
        return _upper_first(self._fill(self._t.hold, duration=duration))

    def reps_left_text(self, reps_after: int) -> str:
        """Answer to "how many left", reps part."""
        if reps_after <= 0:
            return self._t.last_rep_now
        if reps_after == 1:
            return self._t.one_more_rep
        return _upper_first(self._fill(self._t.more_reps, n=reps_after))

    def sets_left_text(self, sets_after: int) -> str:
        """Answer to "how many left", sets part."""
        if sets_after <= 0:
            return self._t.last_set_now
        if sets_after == 1:
            return self._t.one_more_set
        return _upper_first(self._fill(self._t.more_sets, n=sets_after))

    def sets_to_do_text(self, sets_to_do: int) -> str:
        """Answer to "how many left" between sets."""
        if sets_to_do == 1:
            return self._t.one_set_to_do
        return _upper_first(self._fill(self._t.sets_to_do, n=sets_to_do))

    def hold_left_text(self, seconds: float) -> str:
        """Answer to "how many left" during a hold, rounded to 5 s so the texts can be pre-rendered."""
        rounded = max(5, 5 * round(seconds / 5))
        return self._fill(self._t.hold_left, duration=self.seconds_words(rounded))

    def summary_text(self, summary: WorkoutSummary) -> str | None:
        """The spoken ending, one or two sentences: "In all: two sets, twenty-four reps, in eight
        minutes and ten seconds." (None when no set was begun). The table shows the rest."""
        if not summary.sets_done:
            return None
        t = self._t
        n = summary.sets_done
        done = [self._fill(t.summary_set if n == 1 else t.summary_sets, n=n)]
        if summary.reps:
            n = summary.reps
            done.append(self._fill(t.summary_rep if n == 1 else t.summary_reps, n=n))
        text = self._fill(t.summary, done=t.summary_join.join(done),
                          duration=self.seconds_words(summary.total_s))
        if summary.safety_stops:
            text += t.summary_hurt
        return text

    # ---- everything the engine can say ----------------------------------------------------

    def _exercise_phrases(self, routine: Routine, exercise: Exercise) -> Iterator[str]:
        yield self.recover_text(routine.rest_between_exercises_s)
        yield self.recover_text(exercise.rest_between_sets_s)
        for set_no in range(1, exercise.sets + 1):
            yield self.next_set_text(set_no, exercise.sets)
        for n in range(1, exercise.sets + 1):
            yield self.sets_to_do_text(n)
            yield self.sets_left_text(n - 1)
        if exercise.safety:
            yield exercise.safety
        sides = self.language.sides
        for i, variation in enumerate(exercise.variations):
            yield self.intro(exercise, variation)
            yield self.next_exercise_text(exercise, variation)
            yield self.plan_text(exercise.sets, variation)
            yield self.safety_response(exercise.variations[i - 1] if i > 0 else None)
            for when in self.ladder_when:
                yield self.ladder_answer(True, variation, when)
                yield self.ladder_answer(False, variation, when)
            if variation.key_cue:
                yield self.key_cue_text(variation)
            if variation.hold_s is not None:
                for side in (None, sides.left, sides.right):
                    yield self.hold_text(variation.hold_s, side)
                for seconds in range(5, int(variation.hold_s * MAX_HOLD_FACTOR) + 6, 5):
                    yield self.hold_left_text(seconds)

    def fixed_phrases(self, routine: Routine) -> list[str]:
        """Every sentence the engine itself may say in this routine (not the routine's own cues)."""
        sides = self.language.sides
        texts: list[str] = [
            *self.sentences.model_dump().values(), *self.not_now.values(),
            *(cue for pool in self.phase_cues.values() for cue in pool),
            self.countdown_text(10), self.countdown_text(3), self.countdown_text(2),
            self.countdown_text(1), self.side_text(sides.left),
        ]
        top = max_reps(routine)
        for rep in range(1, top + 1):
            texts.extend((self.count_text(rep), self.count_text(rep, sides.left),
                          self.count_text(rep, sides.right)))
        texts.extend(self.reps_left_text(n) for n in range(top + 1))
        for exercise in routine.exercises:
            texts.extend(self._exercise_phrases(routine, exercise))
        return list(dict.fromkeys(texts))

    def all_texts(self, routine: Routine) -> list[str]:
        """Everything the coach may say in this routine: its own cues and the engine's sentences."""
        return list(dict.fromkeys([*routine.all_cue_texts(), *self.fixed_phrases(routine)]))


def max_reps(routine: Routine) -> int:
    """The largest rep number any set of the routine can reach."""
    return max((v.reps or 2 for e in routine.exercises for v in e.variations), default=1)


@functools.cache
def wording_for(language: str = "en") -> Wording:
    """The wording of a language tag ("en-us", "ko"), built once."""
    return Wording(load_language(language))


ENGLISH = wording_for("en")
"""The English wording: the default, and what the module-level names below say."""

number_words = ENGLISH.number_words
seconds_words = ENGLISH.seconds_words
side_of = ENGLISH.side_of
count_text = ENGLISH.count_text
side_text = ENGLISH.side_text
countdown_text = ENGLISH.countdown_text
safety_response = ENGLISH.safety_response
ladder_answer = ENGLISH.ladder_answer
intro = ENGLISH.intro
plan_text = ENGLISH.plan_text
recover_text = ENGLISH.recover_text
next_set_text = ENGLISH.next_set_text
next_exercise_text = ENGLISH.next_exercise_text
hold_text = ENGLISH.hold_text
reps_left_text = ENGLISH.reps_left_text
sets_left_text = ENGLISH.sets_left_text
sets_to_do_text = ENGLISH.sets_to_do_text
hold_left_text = ENGLISH.hold_left_text
summary_text = ENGLISH.summary_text
fixed_phrases = ENGLISH.fixed_phrases
all_texts = ENGLISH.all_texts
NOT_NOW = ENGLISH.not_now
DEFAULT_PHASE_CUES = ENGLISH.phase_cues
LADDER_WHEN = ENGLISH.ladder_when


def __getattr__(name: str) -> str:
    """`wording.PAUSED` and the other English fixed sentences, by their upper-case key."""
    sentences = ENGLISH.sentences.model_dump()
    if name.isupper() and name.lower() in sentences:
        return sentences[name.lower()]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
