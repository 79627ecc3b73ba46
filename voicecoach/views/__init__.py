"""What the user sees of a workout: the terminal panel and the JSONL timeline."""

from voicecoach.views.summary_view import clock_text, print_summary, summary_json, summary_table
from voicecoach.views.terminal import (
    LiveView,
    TerminalView,
    mic_level_of,
    open_view,
    voice_refusal,
)
from voicecoach.views.timeline import TimelineRecord, read_timeline, write_timeline
from voicecoach.views.timeline_view import TimelineView, ViewTee, VoiceTee

__all__ = [
    "LiveView",
    "TerminalView",
    "TimelineRecord",
    "TimelineView",
    "ViewTee",
    "VoiceTee",
    "clock_text",
    "mic_level_of",
    "open_view",
    "print_summary",
    "read_timeline",
    "summary_json",
    "summary_table",
    "voice_refusal",
    "write_timeline",
]
