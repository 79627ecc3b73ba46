"""KeptEnergy: the share of the microphone's sound the echo canceller let through."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.audio import SAMPLE_RATE_HZ as RATE_HZ
from voicecoach.echo.kept_energy import KeptEnergy

LATENCY = 319
CLOCK = 16_000_000
"""Clock index (monotonic time at 16 kHz) of the first microphone sample."""


def feed(kept: KeptEnergy, heard: np.ndarray, cleaned: np.ndarray, block: int = 1600,
         found_from: int = 0) -> None:
    for at in range(0, len(heard), block):
        kept.add(heard[at : at + block], cleaned[at : at + block], found_from <= at, CLOCK + at)


def test_echo_taken_away_and_a_voice_let_through_are_told_apart() -> None:
    rng = np.random.default_rng(1)
    echo, voice = 0.3 * rng.standard_normal(3 * RATE_HZ), 0.2 * rng.standard_normal(RATE_HZ)
    heard = echo.copy()
    heard[RATE_HZ : 2 * RATE_HZ] += voice  # the user talks over the echo in the second second
    residual = 0.01 * echo  # the canceller took 40 dB of the echo away
    residual[RATE_HZ : 2 * RATE_HZ] += voice
    cleaned = np.concatenate([np.zeros(LATENCY), residual])[: len(heard)]  # it comes out late
    kept = KeptEnergy(keep_s=12.0, latency_samples=LATENCY)
    feed(kept, heard, cleaned)
    assert kept.kept_db(0.1, 0.9) == pytest.approx(-40.0, abs=0.5)
    # voice at 0.2 over echo at 0.3: 4/13 of the microphone's energy is left
    assert kept.kept_db(1.1, 1.9) == pytest.approx(10 * np.log10(4 / 13), abs=0.5)


def test_nothing_taken_away_is_0_db_and_what_is_gone_is_unknown() -> None:
    rng = np.random.default_rng(2)
    heard = 0.1 * rng.standard_normal(3 * RATE_HZ)
    cleaned = np.concatenate([np.zeros(LATENCY), heard])[: len(heard)]
    kept = KeptEnergy(keep_s=1.0, latency_samples=LATENCY)
    feed(kept, heard, cleaned)
    assert kept.kept_db(2.2, 2.9) == pytest.approx(0.0, abs=0.2)
    assert kept.kept_db(0.5, 1.0) is None  # older than the second kept
    assert kept.kept_db(2.5, 3.5) is None  # not heard yet
    assert kept.kept_db(2.5, 2.5) is None


def test_an_utterance_that_began_before_the_echo_was_found_is_marked() -> None:
    heard = np.full(3 * RATE_HZ, 0.1)
    kept = KeptEnergy(keep_s=12.0, latency_samples=LATENCY)
    feed(kept, heard, heard, found_from=RATE_HZ)  # found 1 s in
    assert not kept.was_echo_found(0.5)
    assert kept.was_echo_found(1.0)


def test_the_microphone_behind_an_utterance_is_kept_with_its_place_on_the_clock() -> None:
    heard = np.arange(3 * RATE_HZ, dtype=np.float64) / (3 * RATE_HZ)
    kept = KeptEnergy(keep_s=12.0, latency_samples=LATENCY)
    feed(kept, heard, heard)
    got = kept.heard(1.0, 1.5)
    assert got is not None
    samples, first = got
    # the recognizer's 1.0 s is the canceller's output, LATENCY samples behind the microphone
    assert first == CLOCK + RATE_HZ - LATENCY
    assert np.array_equal(samples, heard[RATE_HZ - LATENCY : RATE_HZ + RATE_HZ // 2 - LATENCY])
    assert kept.heard(2.5, 3.5) is None
