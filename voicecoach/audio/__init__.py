"""The sound card and PCM: one door to sounddevice, ALSA's messages kept quiet, one PCM module."""

from voicecoach.audio.devices import (
    default_device,
    import_sounddevice,
    list_devices,
    release_stream,
    resolve_device,
)
from voicecoach.audio.pcm import (
    SAMPLE_RATE_HZ,
    decode_wav,
    from_pcm16,
    read_wav,
    read_wav_16k,
    resample,
    to_pcm16,
    wav_duration_s,
    write_wav,
)

__all__ = [
    "SAMPLE_RATE_HZ",
    "decode_wav",
    "default_device",
    "from_pcm16",
    "import_sounddevice",
    "list_devices",
    "read_wav",
    "read_wav_16k",
    "release_stream",
    "resample",
    "resolve_device",
    "to_pcm16",
    "wav_duration_s",
    "write_wav",
]
