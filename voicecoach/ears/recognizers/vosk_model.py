"""Vosk models: where to find one (a fixed lookup order), and fetching one safely before a workout."""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.parse
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from voicecoach.errors import ModelError
from voicecoach.files import download, paths
from voicecoach.files.download_bar import DownloadProgress as Progress
from voicecoach.files.download_bar import download_bar

DEFAULT_MODEL = "vosk-model-small-en-us-0.15"
"""Small (40 MB, Apache-2.0) US-English model: the one `run` fetches when none is found."""

DEFAULT_BASE_URL = "https://alphacephei.com/vosk/models"
BASE_URL_ENV = "VOICECOACH_MODEL_URL"
"""Overrides the model site (a mirror, or a local server in tests)."""

SITE = download.Site("model", BASE_URL_ENV)
CONNECT_TIMEOUT_S = download.CONNECT_TIMEOUT_S
"""Short, so a machine without internet falls back to the offline recognizer at once."""


@dataclass(frozen=True)
class KnownArchive:
    """Published size and checksum of a model zip, checked after download."""

    size_bytes: int
    sha256: str


KNOWN_ARCHIVES: dict[str, KnownArchive] = {
    # Size as listed in the Vosk site's model-list.json; sha256 as pinned independently by
    # several public projects (the site itself publishes only md5).
    DEFAULT_MODEL: KnownArchive(
        41_205_931, "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"
    ),
}


@dataclass(frozen=True)
class FoundModel:
    """A usable Vosk model directory and which rule of the lookup order found it."""

    path: Path
    source: str


def is_vosk_model(path: Path) -> bool:
    """A Vosk model directory holds an acoustic model (am/) and its configuration (conf/)."""
    return path.is_dir() and ((path / "am").is_dir() or (path / "conf").is_dir())


def user_models_dir() -> Path:
    """Where `voicecoach model download` puts models."""
    return paths.user_data_dir() / "models"


def models_in(folder: Path) -> Iterator[Path]:
    """The folder itself if it is a model, else its model subfolders (default model first)."""
    if is_vosk_model(folder):
        yield folder
        return
    if not folder.is_dir():
        return
    children = sorted(p for p in folder.iterdir() if is_vosk_model(p))
    children.sort(key=lambda p: p.name != DEFAULT_MODEL)
    yield from children


def _explicit(path_text: str, where: str) -> FoundModel:
    """A model the user named: it must exist and be a model, or the user needs to know."""
    path = Path(path_text).expanduser()
    found = next(models_in(path), None)
    if found is None:
        problem = "does not exist" if not path.exists() else "is not a Vosk model (no am/ or conf/)"
        raise ModelError(
            f"{where} {path} {problem}; fix the path or run `voicecoach model download`"
        )
    return FoundModel(found, where)


def lookup_order(settings_path: str = "") -> list[tuple[str, Path]]:
    """The folders searched when no model is named, in order (shown by `model path`)."""
    order = []
    if settings_path:
        order.append(("settings recognition.model_path", Path(settings_path).expanduser()))
    if os.environ.get("VOSK_MODEL_PATH"):
        order.append(("VOSK_MODEL_PATH", Path(os.environ["VOSK_MODEL_PATH"]).expanduser()))
    order.append(("models/ folder", paths.PROJECT_MODELS_DIR))
    order.append(("user data dir", user_models_dir()))
    return order


def find_model(cli_model: str | Path | None = None, settings_path: str = "") -> FoundModel | None:
    """The Vosk model to use: --model, settings, VOSK_MODEL_PATH, models/, then the user data dir.

    A path the user gave explicitly (--model or settings) must be valid: ModelError otherwise.
    """
    if cli_model:
        return _explicit(str(cli_model), "--model")
    if settings_path:
        return _explicit(settings_path, "settings recognition.model_path")
    for source, folder in lookup_order():
        found = next(models_in(folder), None)
        if found is not None:
            return FoundModel(found, source)
    return None


def installed_models(settings_path: str = "") -> list[FoundModel]:
    """Every model found along the lookup order, for `voicecoach model list`."""
    seen: set[Path] = set()
    found = []
    for source, folder in lookup_order(settings_path):
        for model in models_in(folder):
            if model.resolve() not in seen:
                seen.add(model.resolve())
                found.append(FoundModel(model, source))
    return found


def model_url(name: str, base_url: str | None = None) -> str:
    """Where a named model's zip lives (VOICECOACH_MODEL_URL replaces the Vosk site)."""
    base = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    return f"{base.rstrip('/')}/{urllib.parse.quote(name)}.zip"


def download_model(
    name: str = DEFAULT_MODEL,
    dest_dir: Path | None = None,
    base_url: str | None = None,
    progress: Progress | None = None,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
) -> Path:
    """Fetch, verify (size, checksum, layout) and unpack a model; returns its directory.

    Nothing is left behind on failure, and an existing model of that name is not touched.
    """
    if not name or "/" in name or name.startswith("."):
        raise ModelError(f"bad model name {name!r}; use a name from the Vosk model list")
    dest_dir = dest_dir or user_models_dir()
    target = dest_dir / name
    if is_vosk_model(target):
        return target
    url = model_url(name, base_url)
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest_dir, prefix=f".{name}-") as scratch:
        archive = Path(scratch) / f"{name}.zip"
        known = KNOWN_ARCHIVES.get(name)
        expected = download.Expected(known.size_bytes if known else None,
                                     known.sha256 if known else None,
                                     listed_in="the published archive")
        download.download(url, archive, SITE, expected, progress, connect_timeout_s)
        unpacked = _unpack(archive, Path(scratch) / "unpacked", url)
        shutil.move(str(unpacked), target)
    return target


def _unpack(archive: Path, into: Path, url: str) -> Path:
    """Extract the zip (refusing paths that escape) and return the model directory inside it."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            root = into.resolve()
            for member in zipped.namelist():
                if not (root / member).resolve().is_relative_to(root):
                    raise ModelError(f"{url} contains an unsafe path {member!r}; not unpacked")
            zipped.extractall(into)
    except zipfile.BadZipFile as exc:
        raise ModelError(f"{url} is not a valid zip archive ({exc}); try again") from exc
    model = next(models_in(into), None) or next(
        (m for child in sorted(into.iterdir()) for m in models_in(child)), None
    )
    if model is None:
        raise ModelError(f"{url} does not contain a Vosk model (no am/ or conf/ folder)")
    return model


def download_with_bar(name: str = DEFAULT_MODEL, dest_dir: Path | None = None,
                      base_url: str | None = None) -> Path:
    """download_model with a rich progress bar on stderr (size known from Content-Length)."""
    with download_bar(f"downloading {name}") as progress:
        return download_model(name, dest_dir, base_url, progress)
