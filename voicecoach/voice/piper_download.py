"""Fetching a Piper voice from its model site, before a workout, checked against the site's index.

The site's voices.json lists every voice's files with their size and md5. Files are downloaded
into a hidden folder beside the voices, checked, then the folder is renamed into place: a broken
or interrupted download never leaves a half voice that `voices` would list.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.errors import ModelError
from voicecoach.files import download
from voicecoach.files.download_bar import DownloadProgress, download_bar
from voicecoach.voice.piper_voices import VOICE_NAME, installed_voices, user_voices_dir

DEFAULT_BASE_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/main"
BASE_URL_ENV = "VOICECOACH_PIPER_URL"
"""Overrides the voice site (a mirror, or a local server in tests)."""

SITE = download.Site("voice", BASE_URL_ENV)
INDEX_NAME = "voices.json"

Progress = Callable[[int, int], None]
"""Called with (bytes so far, total bytes of the voice) while downloading."""


@dataclass(frozen=True)
class VoiceFile:
    """One file of a voice as the index lists it: path under the base URL, size, md5."""

    path: str
    size_bytes: int
    md5: str


def base_url(override: str | None = None) -> str:
    """The voice site: the argument, else VOICECOACH_PIPER_URL, else Hugging Face."""
    return (override or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")


def voice_files(index: dict[str, Any], name: str, where: str) -> list[VoiceFile]:
    """The files of voice `name` in a parsed voices.json; ModelError when it is not listed."""
    entry = index.get(name)
    if not isinstance(entry, dict) or not isinstance(entry.get("files"), dict):
        near = sorted(key for key in index if key.split("-")[0] == name.split("-")[0])[:5]
        hint = f" (some of that language: {', '.join(near)})" if near else ""
        raise ModelError(f"no Piper voice named {name!r} in {where}{hint}; check the name")
    files = []
    for path, facts in sorted(entry["files"].items()):
        try:
            files.append(VoiceFile(str(path), int(facts["size_bytes"]), str(facts["md5_digest"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{where} lists {path} without a size and md5 ({exc})") from exc
    if not any(f.path.endswith(".onnx") for f in files) or not any(
            f.path.endswith(".onnx.json") for f in files):
        raise ModelError(f"{where} lists no .onnx model and .onnx.json config for {name!r}")
    return files


def download_voice(
    name: str, dest_dir: Path | None = None, base: str | None = None,
    progress: Progress | None = None,
) -> Path:
    """Fetch and verify a Piper voice into `dest_dir/name/`; returns that folder.

    A voice already installed (packaged or downloaded) is not fetched again. Nothing is left
    behind on failure.
    """
    name = name.strip()
    if VOICE_NAME.match(name) is None:
        raise ModelError(f"bad Piper voice name {name!r}; names look like en_US-lessac-medium "
                         "(language_REGION-speaker-quality)")
    dest_dir = dest_dir or user_voices_dir()
    installed = next((v for v in installed_voices(dest_dir) if v.name == name), None)
    if installed is not None:
        return installed.model_path.parent
    site = base_url(base)
    index_url = f"{site}/{INDEX_NAME}"
    files = voice_files(_read_index(index_url), name, index_url)
    total = sum(f.size_bytes for f in files)
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest_dir, prefix=f".{name}-") as scratch:
        staged = Path(scratch) / name
        staged.mkdir()
        done = 0
        for file in files:
            url = f"{site}/{urllib.parse.quote(file.path)}"
            out = staged / Path(file.path).name
            expected = download.Expected(file.size_bytes, file.md5, "md5", "the voice list")
            done += download.download(url, out, SITE, expected, _shifted(progress, done, total)
                                      ).size_bytes
        target = dest_dir / name
        shutil.rmtree(target, ignore_errors=True)  # a leftover without a model is not a voice
        staged.rename(target)
    return target


def _shifted(progress: Progress | None, done: int, total: int) -> DownloadProgress | None:
    """One file's progress as progress through the whole voice (its files one after another)."""
    if progress is None:
        return None
    return lambda received, _: progress(done + received, total)


def _read_index(url: str) -> dict[str, Any]:
    try:
        index = json.loads(download.read_small(url, SITE))
    except ValueError as exc:
        raise ModelError(f"{url} is not a readable voice list ({exc}); try again") from exc
    if not isinstance(index, dict):
        raise ModelError(f"{url} is not a voice list (expected a JSON object)")
    return index


def download_with_bar(name: str, dest_dir: Path | None = None, base: str | None = None) -> Path:
    """download_voice with a rich progress bar on stderr, shown once the download has begun."""
    with download_bar(f"downloading {name}") as progress:
        return download_voice(name, dest_dir, base, progress)
