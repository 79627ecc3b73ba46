"""The coach's own voice in the microphone: what was played, and cancelling its echo."""

from voicecoach.echo.canceller import EchoCanceller
from voicecoach.echo.coach_speech import CoachUtterance, SpeakingSignal
from voicecoach.echo.played import PlayedAudio

__all__ = ["CoachUtterance", "EchoCanceller", "PlayedAudio", "SpeakingSignal"]
