"""The workout's specification: in each state, what each command and scheduled moment does.

For each state, what each command and each kind of scheduled moment does (the Session's handler
of that name) and which states it may lead to. Commands missing from it get a short spoken
"not now" answer; scheduled moments missing from it are stale and ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from voicecoach.commands import Command
from voicecoach.events import Mark
from voicecoach.states import State

Trigger = Command | Mark

# One letter per state, so each row of the table below fits on one line.
R, C, W, B, P, F, X = (State.READY, State.COUNT_IN, State.WORKING, State.REST, State.PAUSED,
                       State.FINISHED, State.STOPPED)
_ALL = (R, C, W, B, P, F, X)
_LIVE = (C, W, B)
_OPEN = (R, C, W, B, P)
_SAME = ()

_ROWS: tuple[tuple[tuple[State, ...], Trigger, str, tuple[State, ...]], ...] = (
    # in states   trigger                  handler          may lead to (() = stays)
    (_OPEN,       Command.STOP,            "stop",          (X,)),
    ((F, X),      Command.STOP,            "stop",          _SAME),
    ((R, F, X),   Command.SAFETY,          "safety_advice", _SAME),
    ((C, W, B, P), Command.SAFETY,         "safety_stop",   (P,)),
    (_ALL,        Command.REPEAT,          "repeat",        _SAME),
    (_OPEN,       Command.HOW_MANY_LEFT,   "how_many_left", _SAME),
    (_OPEN,       Command.WHATS_NEXT,      "whats_next",    _SAME),
    ((R,),        Command.START,           "begin_workout", (C,)),
    ((P,),        Command.START,           "resume",        (C, W, B, F)),
    ((P,),        Command.RESUME,          "resume",        (C, W, B, F)),
    ((P,),        Command.READY,           "resume",        (C, W, B, F)),
    (_LIVE,       Command.PAUSE,           "pause",         (P,)),
    ((P,),        Command.PAUSE,           "still_paused",  _SAME),
    ((C,),        Command.REST,            "pause",         (P,)),
    ((W,),        Command.REST,            "end_set_early", (B, C, F)),
    ((B,),        Command.READY,           "end_rest_early", (C,)),
    ((B,),        Command.START,           "end_rest_early", (C,)),
    ((C, W, B, P), Command.SKIP,           "skip_exercise", (C, F)),
    (_OPEN,       Command.EASIER,          "easier",        _SAME),
    (_OPEN,       Command.HARDER,          "harder",        _SAME),
    (_OPEN,       Command.SLOWER,          "slower",        _SAME),
    (_OPEN,       Command.FASTER,          "faster",        _SAME),
    (_OPEN,       Command.LOUDER,          "louder",        _SAME),
    (_OPEN,       Command.QUIETER,         "quieter",       _SAME),
    ((C, W, B),   Mark.COUNTDOWN,          "countdown",     _SAME),
    ((C, B),      Mark.END,                "begin_set",     (W,)),
    ((W,),        Mark.PHASE,              "phase_due",     (W, B, C, F)),
    ((W,),        Mark.HALFWAY,            "hold_halfway",  _SAME),
    ((W,),        Mark.FORM,               "hold_form",     _SAME),
    ((W,),        Mark.END,                "end_block",     (W, B, C, F)),
)


@dataclass(frozen=True)
class Rule:
    """What a trigger does in a state: the handler and the states it may lead to."""

    handler: str
    goes_to: frozenset[State]


TRANSITIONS: Mapping[tuple[State, Trigger], Rule] = {
    (state, trigger): Rule(handler, frozenset(goes_to or (state,)))
    for states, trigger, handler, goes_to in _ROWS
    for state in states
}
"""The transition table: (state, trigger) -> Rule. Built from `_ROWS`, which reads as a spec."""


def rule_for(state: State, trigger: Trigger) -> Rule:
    """The table's rule, or the default: commands get a "not now" answer, timers are stale."""
    default = Rule("not_now", frozenset({state})) if isinstance(trigger, Command) else Rule(
        "ignore", frozenset({state}))
    return TRANSITIONS.get((state, trigger), default)
