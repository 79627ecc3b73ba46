"""Is this the calibrated user's voice? Text-dependent verification against their own takes.

The user's calibration recordings of each command are the evidence: an utterance of "pause"
is compared with the user's own takes of "pause" by dynamic time warping over cepstral
features, and refused when even the nearest take is further than that command's threshold.

Written by hand, on purpose (NOTES.md, "Speaker verification"): the speaker-embedding models
that install offline need torch (resemblyzer) or download their weights at run time
(SpeechBrain), and the DTW libraries in the package lists need scipy (dtw-python) or are
slow pure Python (fastdtw), while the whole check here is ~30 lines of numpy. The log-mel
front end is faster-whisper's (already installed for the Whisper backend).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from voicecoach.audio import SAMPLE_RATE_HZ

N_CEPSTRA = 13
"""Cepstral coefficients kept after dropping c0 (loudness): the usual MFCC size for speech."""
N_MELS = 40
"""Mel bands the cepstra are taken from."""
SPEECH_WITHIN_DB = 15.0
"""Frames quieter than the loudest by more than this are cut off before matching: the silence
around the words (the listener hands over its segment with some padding) and their faint edges,
which the room's noise covers in one recording and not in another."""
FLOOR_DB = 25.0
"""Every band is floored this far below the loudest: what lies under it is the room's noise in
one recording and digital silence in another, and must not count as a difference of voice.
Measured on the benchmark's tune voices (calibrated at 30 dB SNR, heard at 20 dB): with 20 dB
and 30 dB here instead of 15 and 25, the user's own words ranged up to 5.6 from their takes,
others' came as close as 1.3; with 15 and 25, up to 1.26 and no closer than 1.71."""
MIN_FRAMES = 8
"""Fewer frames of speech (80 ms) than this is too little to judge a voice by."""
THRESHOLD_MARGIN = 1.0
"""A command's threshold is this many times the largest distance between the user's own
takes of it (how much one person varies; a new utterance is compared with the nearest take,
so the spread itself is already generous)..."""
MIN_THRESHOLD = 1.5
"""...but never below this: two takes of a synthetic voice can be nearly identical, and a
real user says a command a little differently every time. Chosen on the benchmark's tune
voices (benchmarks/voice_lock.py) and checked on held-out ones."""
NOT_YOUR_VOICE = "not your voice"
"""How every refusal by the voice lock begins (the live view and the timeline look for it)."""


@lru_cache(maxsize=1)
def _filters() -> tuple[np.ndarray, np.ndarray]:
    """The mel filter bank (faster-whisper's) and a DCT-II matrix taking log-mel to cepstra."""
    from faster_whisper.feature_extractor import FeatureExtractor

    mel = FeatureExtractor.get_mel_filters(SAMPLE_RATE_HZ, 400, n_mels=N_MELS).astype(np.float32)
    n = np.arange(N_MELS)
    dct = np.cos(np.pi / N_MELS * (n[None, :] + 0.5) * np.arange(N_CEPSTRA + 1)[:, None])
    return mel, dct[1:].astype(np.float32)


def features(samples: np.ndarray) -> np.ndarray:
    """Cepstra (frames x N_CEPSTRA) of the speech in `samples` (float32, 16 kHz), silence cut.

    25 ms frames every 10 ms. The cepstral mean is kept, not removed: the average shape of the
    spectrum is much of what tells one voice from another (measured on the benchmark's tune
    voices: removing it let other voices' words match as closely as the user's own).
    """
    from faster_whisper.feature_extractor import FeatureExtractor

    samples = np.asarray(samples, dtype=np.float32)
    if samples.size < 400:
        return np.zeros((0, N_CEPSTRA), dtype=np.float32)
    mel, dct = _filters()
    window = np.hanning(401)[:-1].astype(np.float32)
    spectrum = FeatureExtractor.stft(samples, 400, 160, window=window, return_complex=True)
    power = np.abs(spectrum[..., :-1]) ** 2
    log_mel = np.log10(np.maximum(mel @ power, 1e-10))  # (mels, frames)
    log_mel = np.maximum(log_mel, log_mel.max() - FLOOR_DB / 10)
    energy_db = 10 * log_mel.max(axis=0)
    loud = np.flatnonzero(energy_db > energy_db.max() - SPEECH_WITHIN_DB)
    log_mel = log_mel[:, loud[0]: loud[-1] + 1]
    cepstra = (dct @ log_mel).T
    return cepstra.astype(np.float32)


def dtw_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean per-frame Euclidean distance along the best alignment of `a` and `b` (frames x dims).

    The classic recurrence (diagonal, horizontal and vertical steps), normalized by the path
    length bound len(a) + len(b) so short and long words compare on one scale.
    """
    cost = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))
    n, m = cost.shape
    total = np.full((n + 1, m + 1), np.inf)
    total[0, 0] = 0.0
    for i in range(1, n + 1):
        row = total[i]
        above = total[i - 1]
        # diagonal and vertical steps vectorized; the horizontal one needs the running minimum
        best = np.minimum(above[:-1], above[1:]) + cost[i - 1]
        for j in range(1, m + 1):
            row[j] = min(best[j - 1], row[j - 1] + cost[i - 1, j - 1])
    return float(total[n, m] / (n + m))


def fit_threshold(takes: Sequence[np.ndarray]) -> float:
    """A command's threshold from the user's own takes of it (see THRESHOLD_MARGIN)."""
    spread = max((dtw_distance(a, b) for i, a in enumerate(takes) for b in takes[i + 1:]),
                 default=0.0)
    return max(MIN_THRESHOLD, THRESHOLD_MARGIN * spread)


@dataclass(frozen=True)
class Verdict:
    """How far an utterance is from the user's nearest take, and what that means."""

    distance: float
    threshold: float

    @property
    def is_user(self) -> bool:
        """Near enough to one of the user's own takes."""
        return self.distance <= self.threshold

    @property
    def reason(self) -> str | None:
        """The gate-style refusal, or None when the voice is the user's."""
        if self.is_user:
            return None
        return f"{NOT_YOUR_VOICE}: distance {self.distance:.2f} > threshold {self.threshold:.2f}"


def judge(samples: np.ndarray, takes: Sequence[np.ndarray], threshold: float) -> Verdict:
    """Compare an utterance with the user's takes of the same command."""
    heard = features(samples)
    if len(heard) < MIN_FRAMES or not takes:
        return Verdict(float("inf"), threshold)
    return Verdict(min(dtw_distance(heard, take) for take in takes), threshold)
