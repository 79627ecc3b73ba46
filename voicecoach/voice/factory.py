"""Choosing how the coach speaks: a WAV file if asked, else the speaker, else printed cues."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach.audio import resolve_device
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.errors import AudioDeviceError
from voicecoach.ports import Post, Voice
from voicecoach.voice.cue_cache import CueCache, open_cache

if TYPE_CHECKING:
    from voicecoach.files import Settings


def open_voice(
    settings: Settings, post: Post, audio_out: Path | None = None, *,
    speaking: SpeakingSignal | None = None, cache: CueCache | None = None,
) -> tuple[Voice, str]:
    """The best Voice available and one line saying what was chosen and why.

    A wrong `audio.output_device` is the user's mistake and raises; a machine with no output
    device at all (or no PortAudio) falls back to printing the cues. A speaker lost mid-workout
    is the player's business: it prints the cues until the device is back.
    """
    if cache is None:
        cache = open_cache(settings.voice)[0]
    volume = settings.voice.volume
    if audio_out is not None:
        from voicecoach.voice.wav_file import WavFileVoice

        voice = WavFileVoice(cache, audio_out, volume, post, speaking)
        return voice, f"writing the coach's voice to {audio_out} instead of the speaker"
    spec = settings.audio.output_device
    try:
        device = resolve_device(spec, "output")
        from voicecoach.voice.player import SoundDevicePlayer

        player = SoundDevicePlayer(cache, device, volume, post, speaking)
    except AudioDeviceError as exc:
        if spec not in ("", None):
            raise
        from voicecoach.voice.printed import PrintedVoice  # written by the engine's author

        return PrintedVoice(post=post), f"{exc}: cues will be printed"
    return player, f"speaking through {player.device_name}"


def say_ahead_s(voice: Voice) -> float:
    """How long before its time a cue must be said to be heard on time: the speaker's buffer.
    Nothing for printed cues or a WAV file, which are written at the clock's own time."""
    from voicecoach.voice.player import SoundDevicePlayer

    return voice.latency_s if isinstance(voice, SoundDevicePlayer) else 0.0
