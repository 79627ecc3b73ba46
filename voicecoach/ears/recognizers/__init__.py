"""Recognizer backends: one module per speech library, each behind `ears.base.Recognizer`."""

from voicecoach.ears.recognizers.pocketsphinx import PocketsphinxRecognizer
from voicecoach.ears.recognizers.vosk import VoskRecognizer
from voicecoach.ears.recognizers.vosk_model import (
    DEFAULT_MODEL,
    FoundModel,
    download_with_bar,
    find_model,
    installed_models,
    lookup_order,
)
from voicecoach.ears.recognizers.whisper import WhisperRecognizer
from voicecoach.ears.recognizers.whisper_model import is_whisper_installed

__all__ = [
    "DEFAULT_MODEL",
    "FoundModel",
    "PocketsphinxRecognizer",
    "VoskRecognizer",
    "WhisperRecognizer",
    "download_with_bar",
    "find_model",
    "installed_models",
    "is_whisper_installed",
    "lookup_order",
]
