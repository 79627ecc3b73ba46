"""The user's voice profile: their calibration takes of each command, and each command's threshold.

Kept as one JSON file in the data folder (`voice-profile.json`), with a format version, written
to a temporary file beside it and renamed over the old one, so an interrupted calibration
(Ctrl-C, a crash, a full disk) leaves the previous profile whole.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voicecoach.commands import Command, normalize
from voicecoach.ears import speaker_check
from voicecoach.errors import ModelError
from voicecoach.files import paths

FORMAT_VERSION = 1
"""Bumped when the stored features change meaning; an older file asks for a new calibration."""
FILE_NAME = "voice-profile.json"


def profile_path() -> Path:
    """Where `voicecoach calibrate` keeps the profile (VOICECOACH_DATA_DIR moves it)."""
    return paths.user_data_dir() / FILE_NAME


@dataclass(frozen=True)
class Take:
    """One calibration recording: the words heard and their cepstra (frames x coefficients)."""

    text: str
    features: np.ndarray


@dataclass(frozen=True)
class CommandVoice:
    """The user's takes of one command and the distance beyond which a voice is not theirs."""

    takes: tuple[Take, ...]
    threshold: float

    def takes_for(self, text: str) -> list[np.ndarray]:
        """The takes of the same words when there are some (a synonym sounds different), else all."""
        same = [t.features for t in self.takes if normalize(t.text) == normalize(text)]
        return same or [t.features for t in self.takes]


@dataclass(frozen=True)
class VoiceProfile:
    """Everything calibration learned about the user's voice."""

    created: str
    """ISO date and time of the calibration."""
    noise_floor_db: float
    """The room's noise level measured at the start (dBFS)."""
    commands: Mapping[Command, CommandVoice] = field(default_factory=dict)

    @classmethod
    def from_takes(cls, created: str, noise_floor_db: float,
                   takes: Mapping[Command, Sequence[Take]]) -> VoiceProfile:
        """A profile with each command's threshold fitted from its takes."""
        return cls(created, noise_floor_db, {
            command: CommandVoice(tuple(items),
                                  speaker_check.fit_threshold([t.features for t in items]))
            for command, items in takes.items() if items})

    def judge(self, command: Command, text: str, samples: np.ndarray) -> str | None:
        """Why an utterance of `command` is not the user's, or None when it is."""
        voice = self.commands.get(command)
        if voice is None:
            return (f"{speaker_check.NOT_YOUR_VOICE}: '{command.value}' was not calibrated; run "
                    f"`voicecoach calibrate --commands {command.value}`")
        return speaker_check.judge(samples, voice.takes_for(text), voice.threshold).reason

    def to_json(self) -> str:
        """The file's text: features rounded to 3 decimals (far below the distances compared)."""
        return json.dumps({
            "version": FORMAT_VERSION,
            "created": self.created,
            "noise_floor_db": round(self.noise_floor_db, 1),
            "commands": {
                command.value: {
                    "threshold": round(voice.threshold, 3),
                    "takes": [{"text": t.text, "features": np.round(t.features, 3).tolist()}
                              for t in voice.takes],
                } for command, voice in self.commands.items()},
        })

    @classmethod
    def from_json(cls, text: str, source: str) -> VoiceProfile:
        """Read a profile file's text; ModelError naming `source` and the fix if it is not one."""
        fix = "run `voicecoach calibrate` to make a new one"
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModelError(f"{source}: not a voice profile ({exc.msg} at line {exc.lineno}); "
                             f"{fix}") from None
        version = data.get("version") if isinstance(data, dict) else None
        if version != FORMAT_VERSION:
            raise ModelError(f"{source}: voice profile version {version!r}, this voicecoach reads "
                             f"version {FORMAT_VERSION}; {fix}")
        try:
            commands = {
                Command(name): CommandVoice(
                    tuple(Take(str(t["text"]), _features(t["features"])) for t in body["takes"]),
                    float(body["threshold"]))
                for name, body in data["commands"].items()}
            return cls(str(data["created"]), float(data["noise_floor_db"]), commands)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{source}: damaged voice profile ({type(exc).__name__}: {exc}); "
                             f"{fix}") from None


def _features(rows: object) -> np.ndarray:
    array = np.asarray(rows, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != speaker_check.N_CEPSTRA:
        raise ValueError(f"features of shape {array.shape}")
    return array


def load_profile(path: Path | None = None) -> VoiceProfile | None:
    """The stored profile, or None when there is none; ModelError when it is damaged."""
    path = path or profile_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: cannot read the voice profile ({exc}); run `voicecoach "
                         "calibrate` to make a new one") from None
    return VoiceProfile.from_json(text, str(path))


def save_profile(profile: VoiceProfile, path: Path | None = None) -> Path:
    """Replace the stored profile atomically (a temporary file renamed over the old one)."""
    path = path or profile_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".voice-profile-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(profile.to_json())
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
