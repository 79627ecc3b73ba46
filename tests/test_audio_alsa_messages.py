"""ALSA's C-level error lines stay off stderr once voicecoach has imported sounddevice."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(ctypes.util.find_library("asound") is None,
                                reason="no ALSA library here (libasound2)")

PROVOKE = """
import ctypes, ctypes.util
{silence}
pcm = ctypes.c_void_p()
asound = ctypes.CDLL(ctypes.util.find_library("asound"))
asound.snd_pcm_open(ctypes.byref(pcm), b"no_such_device", 0, 0)  # ALSA complains on stderr
"""


def stderr_of(silence: str) -> str:
    code = PROVOKE.format(silence=silence)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30, check=True).stderr


def test_alsa_complains_on_stderr_by_default() -> None:
    assert "ALSA lib" in stderr_of("")  # so the test below can fail


def test_importing_sounddevice_through_voicecoach_silences_alsa() -> None:
    silence = "from voicecoach.audio.devices import import_sounddevice; import_sounddevice()"
    assert "ALSA lib" not in stderr_of(silence)
