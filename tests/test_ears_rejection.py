"""The rejection model: phone distance, fitting, and confidences that order evidence sensibly."""

from __future__ import annotations

import dataclasses

import numpy as np

from voicecoach.ears.rejection import DEFAULT_MODEL, Evidence, fit


def evidence(ratio: float, distance: float) -> Evidence:
    return Evidence(score_ratio=ratio, speech_ratio=ratio, speech_s=0.5, length_ratio=1.0,
                    n_phones=4, worst_word_ratio=ratio, loop_score=-3.0,
                    phone_distance=distance, phone_count_ratio=1.0, speech_fraction=0.7)


def test_fit_learns_that_good_fits_are_commands() -> None:
    rng = np.random.default_rng(0)
    right = [evidence(rng.normal(0.5, 0.3), rng.uniform(0.0, 0.5)) for _ in range(200)]
    wrong = [evidence(rng.normal(-0.8, 0.3), rng.uniform(0.5, 1.2)) for _ in range(200)]
    model = fit(right + wrong, [True] * 200 + [False] * 200)
    assert np.mean([model.confidence(e) > 0.5 for e in right]) > 0.95
    assert np.mean([model.confidence(e) < 0.5 for e in wrong]) > 0.95
    assert model.confidence(evidence(1.0, 0.0)) > model.confidence(evidence(-1.0, 1.0))


def test_the_shipped_model_prefers_a_close_fit_to_a_poor_one() -> None:
    good, poor = evidence(0.5, 0.2), evidence(-2.0, 1.2)
    assert 0.0 <= DEFAULT_MODEL.confidence(poor) < DEFAULT_MODEL.confidence(good) <= 1.0
    assert len(DEFAULT_MODEL.weights) == len(dataclasses.fields(Evidence))
