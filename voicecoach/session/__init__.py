"""The workout itself: the transition table, the pure state machine, its wording, the one loop."""

from voicecoach.session.fitting import EstimatedCueTimer
from voicecoach.session.machine import Session, StartAt
from voicecoach.session.pacer import FakePacer, SchedulerPacer
from voicecoach.session.runner import Runner
from voicecoach.session.transitions import TRANSITIONS, rule_for
from voicecoach.session.volume import Volume
from voicecoach.session.wording import Wording, all_texts, wording_for

__all__ = [
    "TRANSITIONS",
    "EstimatedCueTimer",
    "FakePacer",
    "Runner",
    "SchedulerPacer",
    "Session",
    "StartAt",
    "Volume",
    "Wording",
    "all_texts",
    "rule_for",
    "wording_for",
]
