"""The sound card and PCM: one door to sounddevice, ALSA's messages kept quiet, one PCM module."""

from voicecoach.audio.devices import (
    default_device,
    import_sounddevice,
    list_devices,
    release_stream,
    resolve_device,
)
from voicecoach.audio.pcm import SAMPLE_RATE_HZ

__all__ = [
    "SAMPLE_RATE_HZ",
    "default_device",
    "import_sounddevice",
    "list_devices",
    "release_stream",
    "resolve_device",
]
