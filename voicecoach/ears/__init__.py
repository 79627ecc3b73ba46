"""Hearing commands: audio capture, recognizer backends and the gate against the coach's own voice."""

from voicecoach.ears.base import Recognition, Recognizer
from voicecoach.ears.capture import BLOCK_FRAMES, Capture
from voicecoach.ears.factory import choose_recognizer, gate_for, open_ears
from voicecoach.ears.gate import EchoGate, GatePolicy
from voicecoach.ears.hotkeys import KEYS_HINT, EarsGroup, Keyboard
from voicecoach.ears.listener import Heard, Listener
from voicecoach.ears.recognizers.vosk_model import (
    DEFAULT_MODEL,
    download_with_bar,
    find_model,
    installed_models,
    lookup_order,
)
from voicecoach.ears.speaker_check import NOT_YOUR_VOICE
from voicecoach.ears.typed import TypedCommands, parse_typed_command
from voicecoach.ears.voice_lock import apply_voice_profile, calibration_hint
from voicecoach.ears.voice_profile import VoiceProfile, load_profile, profile_path, save_profile

__all__ = [
    "BLOCK_FRAMES",
    "DEFAULT_MODEL",
    "KEYS_HINT",
    "NOT_YOUR_VOICE",
    "Capture",
    "EarsGroup",
    "EchoGate",
    "GatePolicy",
    "Heard",
    "Keyboard",
    "Listener",
    "Recognition",
    "Recognizer",
    "TypedCommands",
    "VoiceProfile",
    "apply_voice_profile",
    "calibration_hint",
    "choose_recognizer",
    "download_with_bar",
    "find_model",
    "gate_for",
    "installed_models",
    "load_profile",
    "lookup_order",
    "open_ears",
    "parse_typed_command",
    "profile_path",
    "save_profile",
]
