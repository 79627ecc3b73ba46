"""Wording: what the coach says, as numbers, fixed sentences and answers.

Every fixed sentence lives here, so `fixed_phrases` can list them for pre-rendering and a test
can check that none contains a command phrase (the coach must never hear itself give a command).
"""

from __future__ import annotations

from collections.abc import Iterator

from voicecoach.history import WorkoutSummary
from voicecoach.routine import Exercise, Phase, Routine, Sides, Variation

# ---- numbers --------------------------------------------------------------------------------

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def number_words(n: int) -> str:
    """0..999 in words ("forty-two"); counts and durations are spoken, never read as digits."""
    if not 0 <= n < 1000:
        raise ValueError(f"cannot say {n} in words")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    return f"{_ONES[hundreds]} hundred" + (f" and {number_words(rest)}" if rest else "")


def seconds_words(seconds: float) -> str:
    """A duration as a coach says it: "thirty seconds", "one minute and fifteen seconds"."""
    total = max(1, round(seconds))
    minutes, secs = divmod(total, 60)
    parts = []
    if minutes:
        parts.append(f"{number_words(minutes)} minute{'s' if minutes > 1 else ''}")
    if secs:
        parts.append(f"{number_words(secs)} second{'s' if secs > 1 else ''}")
    return " and ".join(parts)


def side_of(rep: int, sides: Sides) -> str | None:
    """Which side an alternating rep (or hold side) works: odd = left, even = right."""
    if sides is Sides.NONE:
        return None
    return "left" if rep % 2 == 1 else "right"


def count_text(rep: int, side: str | None = None) -> str:
    """The rep count, with the side for alternating exercises: "three", "three, left"."""
    return number_words(rep) + (f", {side}" if side else "")


def side_text(side: str) -> str:
    """The first rep of an alternating set names its side instead of counting: "Left."."""
    return f"{side.capitalize()}."


def countdown_text(seconds_left: float) -> str:
    """A countdown step: "ten seconds" for the warning, bare numbers for the last three."""
    n = round(seconds_left)
    return number_words(n) if n <= 3 else f"{number_words(n)} seconds"


# ---- fixed sentences (none may contain a command phrase; see tests/test_session_wording.py) ---

GET_IN_POSITION = "Get in position."
PICKING_UP = "Picking up where you left off."
PAUSED = "Paused. Take your time."
STILL_PAUSED = "Still paused. Take your time."
RESUMED = "Back to it."
NOTHING_SAID_YET = "I haven't said anything yet."
SET_DONE = "Set done."
EXERCISE_DONE = "Exercise done."
ENDING_SET_EARLY = "Okay, ending this set early."
ENDING_BREAK_EARLY = "Okay, here comes the next set."
MOVING_ON = "Okay, moving on."
LAST_EXERCISE_LEFT_OUT = "Okay, that was the last exercise."
WORKOUT_COMPLETE = "Workout complete. Great job."
WORKOUT_ENDED = "Workout ended. Well done."
SAFETY = "End the set now. Lie still, bring your knees to your chest, and breathe."
SAFETY_NO_GENTLER = "If anything still feels wrong, call it a day."
LONGER_PHASES = "Okay, longer phases from here."
QUICKER_PHASES = "Okay, quicker phases from here."
LONGEST_PHASES = "The phases are already as long as they get."
QUICKEST_PHASES = "The phases are already as quick as they get."
HOLD_HAS_NO_TEMPO = "A hold has no tempo; breathe steadily."
GENTLEST_FEWER_REPS = "This is already the gentlest version, so two fewer reps instead."
GENTLEST_SHORTER_HOLD = "This is already the gentlest version, so a shorter hold instead."
TOUGHEST_LONGER_REPS = "This is already the toughest version, so each rep gets longer instead."
TOUGHEST_LONGER_HOLD = "This is already the toughest version, so a longer hold instead."
LONGEST_HOLD = "The hold is already as long as it gets."
SHORTEST_HOLD = "The hold is already as short as it gets."
LAST_SET_OF_WORKOUT = "This is the last set of the workout."
HOLD_BEGIN = "Hold."
OTHER_SIDE = "Other side."
HALFWAY = "Halfway."
LAST_REP = "Last one."
MIC_LOST = "I can't hear you right now; I'll keep counting."
MIC_BACK = "I can hear you again."

NOT_NOW = {
    "ready": "We haven't begun yet.",
    "count_in": "We're about to begin.",
    "working": "We're in the middle of a set.",
    "rest": "You're recovering right now.",
    "paused": "We're on hold right now.",
    "finished": "The workout is over.",
    "stopped": "The workout is over.",
}
"""The short answer to a command that means nothing in a state (keyed by State value)."""

DEFAULT_PHASE_CUES: dict[Phase, tuple[str, ...]] = {
    Phase.LIFT: ("Up.", "And up."),
    Phase.TOP: ("Hold at the top.",),
    Phase.LOWER: ("Down, with control.", "And down."),
    Phase.BOTTOM: ("Hover.",),
}
"""Said at a phase's start when the routine has no cue of its own for it, so pacing is heard."""


def safety_response(gentler: Variation | None) -> str:
    """What the coach says after a pain phrase; names the gentler variation when there is one."""
    if gentler is None:
        return f"{SAFETY} {SAFETY_NO_GENTLER}"
    return f"{SAFETY} Next time try {gentler.name}."


def ladder_answer(is_down: bool, variation: Variation, when: str) -> str:
    """Acknowledge a ladder step: "Okay, gentler from the next rep: Bent-knee lifts."."""
    which = "gentler" if is_down else "tougher"
    return f"Okay, {which}{when}: {variation.name}."


LADDER_WHEN = ("", " from the next rep", " from the next set")
"""When a ladder step takes effect, as said in `ladder_answer`."""


def intro(exercise: Exercise, variation: Variation) -> str:
    """Names the exercise and the variation: "Leg lifts: bent-knee lifts."."""
    if exercise.name == variation.name:
        return f"{exercise.name}."
    return f"{exercise.name}: {variation.name}."


def plan_text(sets: int, variation: Variation) -> str:
    """How much work: "Three sets of ten." or "Two sets, hold thirty seconds each side."."""
    set_words = "One set" if sets == 1 else f"{number_words(sets).capitalize()} sets"
    if variation.reps is not None:
        return f"{set_words} of {number_words(variation.reps)}."
    each = " each side" if variation.sides is Sides.ALTERNATING else ""
    return f"{set_words}, hold {seconds_words(variation.hold_s or 0)}{each}."


def recover_text(rest_s: float) -> str:
    """The rest announcement: "Forty-five seconds to recover."."""
    return f"{seconds_words(rest_s).capitalize()} to recover."


def next_set_text(set_no: int, sets: int) -> str:
    """Announces the coming set of the same exercise."""
    return f"Next up: set {number_words(set_no)} of {number_words(sets)}."


def next_exercise_text(exercise: Exercise, variation: Variation) -> str:
    """Announces the coming exercise."""
    return f"Next up: {intro(exercise, variation)}"


def hold_text(hold_s: float, side: str | None) -> str:
    """Begins a hold: "Left side. Hold, thirty seconds."."""
    lead = f"{side.capitalize()} side. " if side else ""
    return f"{lead}Hold, {seconds_words(hold_s)}."


def reps_left_text(reps_after: int) -> str:
    """Answer to "how many left", reps part."""
    if reps_after <= 0:
        return "This is the last rep."
    if reps_after == 1:
        return "One more rep after this one."
    return f"{number_words(reps_after).capitalize()} more reps after this one."


def sets_left_text(sets_after: int) -> str:
    """Answer to "how many left", sets part."""
    if sets_after <= 0:
        return "This is the last set."
    if sets_after == 1:
        return "Then one more set."
    return f"Then {number_words(sets_after)} more sets."


def sets_to_do_text(sets_to_do: int) -> str:
    """Answer to "how many left" between sets."""
    if sets_to_do == 1:
        return "One set of this exercise to do."
    return f"{number_words(sets_to_do).capitalize()} sets of this exercise to do."


def hold_left_text(seconds: float) -> str:
    """Answer to "how many left" during a hold, rounded to 5 s so the texts can be pre-rendered."""
    rounded = max(5, 5 * round(seconds / 5))
    return f"About {seconds_words(rounded)} in this hold."


def _counted(n: int, unit: str) -> str:
    amount = number_words(n) if n < 1000 else str(n)
    return f"{amount} {unit}{'' if n == 1 else 's'}"


def summary_text(summary: WorkoutSummary) -> str | None:
    """The spoken ending, one or two sentences: "In all: two sets, twenty-four reps, in eight
    minutes and ten seconds." (None when no set was begun). The table shows the rest."""
    if not summary.sets_done:
        return None
    done = [_counted(summary.sets_done, "set")]
    if summary.reps:
        done.append(_counted(summary.reps, "rep"))
    text = f"In all: {', '.join(done)}, in {seconds_words(summary.total_s)}."
    if summary.safety_stops:
        text += " Something hurt today; look after yourself."
    return text


# ---- timing ---------------------------------------------------------------------------------

MAX_HOLD_FACTOR = 2.0
"""The longest a hold can be made (harder at the top of its ladder), for listing answers."""


# ---- everything the engine can say ----------------------------------------------------------


def max_reps(routine: Routine) -> int:
    """The largest rep number any set of the routine can reach."""
    return max((v.reps or 2 for e in routine.exercises for v in e.variations), default=1)


def _exercise_phrases(routine: Routine, exercise: Exercise) -> Iterator[str]:
    yield recover_text(routine.rest_between_exercises_s)
    yield recover_text(exercise.rest_between_sets_s)
    for set_no in range(1, exercise.sets + 1):
        yield next_set_text(set_no, exercise.sets)
    for n in range(1, exercise.sets + 1):
        yield sets_to_do_text(n)
        yield sets_left_text(n - 1)
    if exercise.safety:
        yield exercise.safety
    for i, variation in enumerate(exercise.variations):
        yield intro(exercise, variation)
        yield next_exercise_text(exercise, variation)
        yield plan_text(exercise.sets, variation)
        yield safety_response(exercise.variations[i - 1] if i > 0 else None)
        for when in LADDER_WHEN:
            yield ladder_answer(True, variation, when)
            yield ladder_answer(False, variation, when)
        if variation.key_cue:
            yield f"{variation.name}. {variation.key_cue}"
        if variation.hold_s is not None:
            for side in (None, "left", "right"):
                yield hold_text(variation.hold_s, side)
            for seconds in range(5, int(variation.hold_s * MAX_HOLD_FACTOR) + 6, 5):
                yield hold_left_text(seconds)


def fixed_phrases(routine: Routine) -> list[str]:
    """Every sentence the engine itself may say in this routine (not the routine's own cues)."""
    # Every upper-case str constant of this module is a sentence the coach says.
    sentences = [v for k, v in globals().items() if k.isupper() and isinstance(v, str)]
    texts: list[str] = [
        *sentences, *NOT_NOW.values(),
        *(cue for pool in DEFAULT_PHASE_CUES.values() for cue in pool),
        countdown_text(10), countdown_text(3), countdown_text(2), countdown_text(1),
        side_text("left"),
    ]
    top = max_reps(routine)
    for rep in range(1, top + 1):
        texts.extend((count_text(rep), count_text(rep, "left"), count_text(rep, "right")))
    texts.extend(reps_left_text(n) for n in range(top + 1))
    for exercise in routine.exercises:
        texts.extend(_exercise_phrases(routine, exercise))
    return list(dict.fromkeys(texts))


def all_texts(routine: Routine) -> list[str]:
    """Everything the coach may say in this routine: its own cues and the engine's sentences."""
    return list(dict.fromkeys([*routine.all_cue_texts(), *fixed_phrases(routine)]))
