"""ALSA's own error lines, kept off the terminal.

alsa-lib prints straight to the process's stderr (from C) whenever it recovers from an underrun
and at every failed reopen of a lost device: "ALSA lib pcm.c:8570:(snd_pcm_recover) underrun
occurred". Those lines tear through the live view's panel and tell the user nothing they can act
on; voicecoach reports lost and returning devices itself. Installing a handler that drops them
(alsa-lib's documented `snd_lib_error_set_handler`) stops the printing; PortAudio's and
voicecoach's own messages are untouched.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

_HANDLER_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                 ctypes.c_int, ctypes.c_char_p)


def _drop(file: bytes, line: int, function: bytes, error: int, message: bytes) -> None:
    """Receives one ALSA message and lets it go."""


_HANDLER = _HANDLER_TYPE(_drop)
"""Kept for the life of the process: ALSA holds a pointer to it."""


@functools.cache
def silence_alsa_messages() -> bool:
    """Stop alsa-lib printing to stderr (once per process); False where there is no ALSA."""
    name = ctypes.util.find_library("asound")
    if name is None:
        return False
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return False
    library.snd_lib_error_set_handler(_HANDLER)
    return True
