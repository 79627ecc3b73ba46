"""What the user sees of a workout: the terminal panel and the JSONL timeline."""

from voicecoach.views.terminal import LiveView, TerminalView, mic_level_of, open_view
from voicecoach.views.timeline import TimelineRecord, read_timeline, write_timeline
from voicecoach.views.timeline_view import TimelineView, ViewTee, VoiceTee

__all__ = [
    "LiveView",
    "TerminalView",
    "TimelineRecord",
    "TimelineView",
    "ViewTee",
    "VoiceTee",
    "mic_level_of",
    "open_view",
    "read_timeline",
    "write_timeline",
]
