"""A second opinion on echo that does not depend on the canceller's state: how much of one
utterance the coach's played sound explains, with the echo path found afresh for it alone.

The streaming canceller follows the echo with timestamps and a slowly adapting filter. On a loaded
machine the output underruns (measured: 8-68 a minute with one of two cores busy), each moves the
echo by tens of milliseconds, and for the next second the canceller takes little away: Whisper
then wrote commands ("stop") from the coach's own "three". For an utterance about to become a
command, this module searches the whole delay range again (GCC-PHAT) and fits a short filter from
what was played to what was heard by least squares: if that leaves little, the utterance was the
coach's voice, wherever the canceller's estimate was. What the fit leaves is also the second
listen's audio (ears/listener.py): the user's words with the coach's voice taken from under them
and nothing turned down, where the streaming canceller, lost, had left the echo and cut the word.
Written by hand: it is one Toeplitz solve on numpy, and no audio library offers "how much of
this signal does that one explain".
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from voicecoach.echo.delay import estimate_delay

TAPS_BEFORE = 64
"""Filter taps before the found direct path (4 ms): the peak's own error."""

TAPS_AFTER = 320
"""Taps after it (20 ms): the direct path and a room's first reflections. A room's later
reverberation is left unexplained, so in a very reverberant room this check says "not echo"
more often; it never calls a voice the coach did not play an echo."""

PIECE_SAMPLES = 6400
"""Utterances are fitted in pieces of 0.4 s, each with its own delay: an underrun inside one
moves the echo part-way through (measured in CI: the echo of "three. Up." came out as "stop",
kept -10.5 dB by one fit over both words). 384 taps against 6400 samples can explain only
~6 % (-0.3 dB) of a voice the coach never played."""

WELL_EXPLAINED = 0.01
"""A whole-utterance fit that leaves less than this (-20 dB) needs no second look in pieces."""

LOADING = 1e-6
"""Diagonal loading of the normal equations (relative to the reference's energy per tap): speech
played through a 16 kHz path has little energy at the top of the band, so they are ill-conditioned."""


def unexplained_db(mic: np.ndarray, reference: np.ndarray) -> float:
    """Energy left in `mic` after the best short filter of `reference` is taken away, against
    `mic`'s energy (0 dB: nothing explained, -30 dB: it is nearly all played sound).

    `reference` is what was played from the longest delay looked for before `mic`'s first
    sample to the shortest after its last: len(reference) = len(mic) + lags - 1.
    """
    mic = np.asarray(mic, dtype=np.float64)
    energy = float(np.sum(mic * mic))
    if energy <= 0.0:
        return 0.0
    left = without_played(mic, reference)
    return 10.0 * math.log10(max(float(np.sum(left * left)), 1e-12 * energy) / energy)


def without_played(mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """`mic` with the best short filter of `reference` taken away (`reference` as for
    unexplained_db): the user's words over the coach, with nothing of them turned down.

    When one fit over the whole leaves much, pieces of about PIECE_SAMPLES are fitted each on its
    own too (several times the cost, so only then) and the answer that leaves less stands.
    """
    mic = np.asarray(mic, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    energy = float(np.sum(mic * mic))
    if energy <= 0.0 or not reference.any():
        return mic
    whole = _fitted_residual(mic, reference)
    n_pieces = len(mic) // PIECE_SAMPLES
    if float(np.sum(whole * whole)) <= WELL_EXPLAINED * energy or n_pieces < 2:
        return whole
    lags = len(reference) - len(mic) + 1
    bounds = [len(mic) * i // n_pieces for i in range(n_pieces + 1)]
    pieces = np.concatenate([_fitted_residual(mic[a:b], reference[a : b + lags - 1])
                             for a, b in itertools.pairwise(bounds)])
    return pieces if np.sum(pieces * pieces) < np.sum(whole * whole) else whole


def _fitted_residual(mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """What the best short filter of `reference` leaves of `mic` (all of it when the piece is
    too short to fit or nothing was played)."""
    if len(mic) < 2 * (TAPS_BEFORE + TAPS_AFTER) or not reference.any() or not mic.any():
        return mic
    lag, _ = estimate_delay(mic, reference)
    taps = TAPS_BEFORE + TAPS_AFTER
    padded = np.concatenate([np.zeros(taps), reference, np.zeros(taps)])
    # Window k of `seg` pairs mic[j] with reference[lag - TAPS_AFTER + j + k]: k = TAPS_AFTER is
    # the direct path, smaller k earlier playing (reflections), larger k the estimate's error.
    first = taps + round(lag) - TAPS_AFTER
    seg = padded[first : first + len(mic) + taps - 1]
    cross = np.correlate(seg, mic, "valid")
    normal = window_products(seg, len(mic), taps)
    if normal[0, 0] <= 0.0:
        return mic
    normal[np.diag_indices(taps)] += LOADING * float(np.trace(normal)) / taps
    weights = np.linalg.solve(normal, cross)
    return mic - np.correlate(seg, weights, "valid")


def window_products(seg: np.ndarray, n: int, taps: int) -> np.ndarray:
    """The exact normal matrix R[a, b] = sum over j < n of seg[j + a] * seg[j + b], for a, b < taps.

    Its first row is one correlation; every step down a diagonal adds one product and drops one,
    so the rest is a running sum (taps^2 work instead of n * taps^2). Speech is far from
    stationary over a second, and the usual Toeplitz shortcut (every diagonal equal to the first
    row's value) was off by up to 9 % of the diagonal, which the solve amplified into nonsense.
    """
    first_row = np.correlate(seg, seg[:n], "valid")[:taps]
    padded = np.concatenate([seg, np.zeros(taps)])
    start = np.arange(taps)[:, None]
    offset = np.arange(taps)[None, :]
    steps = padded[n + start] * padded[n + start + offset] - padded[start] * padded[start + offset]
    along = first_row[None, :] + np.vstack([np.zeros((1, taps)), np.cumsum(steps, axis=0)[:-1]])
    rows, diagonal = np.nonzero(start + offset < taps)
    normal = np.zeros((taps, taps))
    normal[rows, rows + diagonal] = along[rows, diagonal]
    return normal + np.triu(normal, 1).T
