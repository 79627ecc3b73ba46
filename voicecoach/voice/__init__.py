"""The coach's voice: text to speech, cached cue audio, the mixer and the sound card stream."""

from voicecoach.voice.cue_cache import CueCache, Progress, open_cache
from voicecoach.voice.factory import open_voice, say_ahead_s
from voicecoach.voice.mixer import CueMixer
from voicecoach.voice.player import SoundDevicePlayer
from voicecoach.voice.printed import PrintedVoice
from voicecoach.voice.tts import all_voices, is_fallback_note
from voicecoach.voice.wav_file import TimedSound, WavFileVoice, mix_timeline

__all__ = [
    "CueCache",
    "CueMixer",
    "PrintedVoice",
    "Progress",
    "SoundDevicePlayer",
    "TimedSound",
    "WavFileVoice",
    "all_voices",
    "is_fallback_note",
    "mix_timeline",
    "open_cache",
    "open_voice",
    "say_ahead_s",
]
