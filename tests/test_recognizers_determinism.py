"""The same recording is always heard the same way: whatever was decoded before it, whatever else
loads the CPU, through the recognizer API and through `voicecoach listen --file`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tests.fixtures.english_ears import PHRASES, hear
from voicecoach.audio import write_wav
from voicecoach.commands import STATE_GRAMMAR, Command
from voicecoach.ears.base import Recognizer
from voicecoach.ears.recognizers.pocketsphinx import PocketsphinxRecognizer
from voicecoach.ears.recognizers.whisper import WhisperRecognizer
from voicecoach.ears.recognizers.whisper_model import load_model
from voicecoach.sim import corpus
from voicecoach.sim.synth import Noise, mix_noise, pad
from voicecoach.states import State

USER = corpus.Speaker("en-us", 150, 50)
COACH = corpus.Speaker("en-us", 165, 50)


def stop_over_the_coach() -> np.ndarray:
    """The user's "stop" over the end of a cue (the hardest case: a long utterance, spotted)."""
    coach = COACH.say("Lower slowly, keep your lower back pressed down.")
    mixed = pad(coach, 0.5, 0.8)
    user = USER.say("stop")
    at = round((0.5 + len(coach) / 16000 - 0.2) * 16000)
    mixed[at : at + len(user)] += user
    return mixed


@pytest.fixture(scope="module")
def clips() -> dict[str, np.ndarray]:
    """Commands clean and in noise, other speech, noise alone and stop over the coach."""
    rng = np.random.default_rng(7)
    return {
        "pause": USER.say("pause", lead_s=0.5, tail_s=0.6),
        "how many left, pink noise": mix_noise(
            corpus.Speaker("en-gb", 150, 45).say("how many left", lead_s=0.5, tail_s=0.6),
            Noise.PINK, 10.0, rng),
        "chatter": USER.say("I think we should go home", lead_s=0.5, tail_s=0.6),
        "breathing": corpus.noise_stretch(Noise.BREATH, 3.0, 0.05, seed=5),
        "stop over the coach": stop_over_the_coach(),
    }


@contextmanager
def busy_core() -> Iterator[None]:
    """Another process keeps one of the cores fully busy meanwhile."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        hog.kill()
        hog.wait()


class Fed:
    """A recognizer and how much audio it has been fed (its results' times count from there)."""

    def __init__(self, recognizer: Recognizer) -> None:
        self.recognizer = recognizer
        self.seconds = 0.0


def heard_in_order(fed: Fed, clips: dict[str, np.ndarray], order: list[str]
                   ) -> dict[str, list[tuple[Any, ...]]]:
    """Each clip fed as its own stream to one recognizer, one after another; what was heard in
    each, with times from the clip's own start."""
    heard = {}
    for name in order:
        fed_s = fed.seconds
        heard[name] = [(r.command, r.text, r.confidence, r.is_spotted,
                        None if r.start_s is None else round(r.start_s - fed_s, 6),
                        None if r.end_s is None else round(r.end_s - fed_s, 6))
                       for r in hear(fed.recognizer, clips[name])]
        fed.seconds += len(clips[name]) / 16000
    return heard


@pytest.fixture(scope="module")
def whisper() -> WhisperRecognizer:
    return WhisperRecognizer(PHRASES, model=load_model())


@pytest.mark.parametrize("backend", ["whisper", "pocketsphinx"])
def test_the_recognizer_hears_each_clip_the_same_in_any_order_and_under_load(
        backend: str, whisper: WhisperRecognizer, clips: dict[str, np.ndarray]) -> None:
    fed = Fed(whisper if backend == "whisper" else PocketsphinxRecognizer(PHRASES))
    fed.recognizer.set_commands(STATE_GRAMMAR[State.WORKING])
    order = list(clips)
    first = heard_in_order(fed, clips, order)
    with busy_core():
        second = heard_in_order(fed, clips, order[::-1])
    assert second == first
    if backend == "whisper":  # the clips are no trivial case: commands were heard, and refused
        assert [c for c, *_ in first["pause"]] == [Command.PAUSE]
        assert Command.STOP in [c for c, *_ in first["stop over the coach"]]
        assert not [c for c, *_ in first["chatter"] if c is not None]


def listen(wav: Path) -> str:
    """`voicecoach listen --file` as a user runs it: its JSON lines."""
    done = subprocess.run([sys.executable, "-m", "voicecoach", "listen", "--file", str(wav),
                           "--backend", "whisper"], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120, check=True)
    return done.stdout


def test_listen_prints_the_same_lines_for_a_file_in_any_order_and_under_load(
        tmp_path: Path, clips: dict[str, np.ndarray]) -> None:
    wavs = {name: tmp_path / f"clip{i}.wav" for i, name in enumerate(clips)}
    for name, path in wavs.items():
        write_wav(path, clips[name])
    first = {name: listen(wavs[name]) for name in clips}
    with busy_core():
        second = {name: listen(wavs[name]) for name in reversed(clips)}
    assert second == first
    assert '"command": "pause"' in first["pause"]
