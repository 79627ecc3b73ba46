"""The explicit states of a workout session (their own module so grammar and engine share them)."""

from enum import StrEnum


class State(StrEnum):
    """Where a session is; the transition table in `session` says what each command does here."""

    READY = "ready"
    COUNT_IN = "count_in"
    WORKING = "working"
    REST = "rest"
    PAUSED = "paused"
    FINISHED = "finished"
    STOPPED = "stopped"
