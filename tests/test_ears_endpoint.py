"""The endpointer, on the loudness detector so that plain tones can stand for words: utterance
boundaries, padding, steady noise, overlong stretches, early offers."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.audio import SAMPLE_RATE_HZ, to_pcm16
from voicecoach.ears.endpoint import EarlyOffers, Endpointer, Utterance
from voicecoach.ears.voice_activity import FRAME_SAMPLES, LoudnessDetector
from voicecoach.sim.synth import Noise, make_noise


def tone(duration_s: float, level: float = 0.3) -> np.ndarray:
    t = np.arange(round(duration_s * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    return (level * np.sin(2 * np.pi * 300 * t)).astype(np.float32)


def quiet(duration_s: float, level: float = 0.001, seed: int = 0) -> np.ndarray:
    noise = make_noise(Noise.WHITE, round(duration_s * SAMPLE_RATE_HZ), np.random.default_rng(seed))
    return noise * level


def run(audio: np.ndarray, block_s: float = 0.1) -> list[Utterance | None]:
    endpointer = Endpointer(LoudnessDetector())
    pcm = to_pcm16(audio)
    step = round(block_s * SAMPLE_RATE_HZ) * 2
    found = [u for i in range(0, len(pcm), step) for u in endpointer.process(pcm[i : i + step])]
    return found + endpointer.close()


def test_silence_opens_nothing() -> None:
    assert run(quiet(3.0)) == []


def test_one_burst_is_one_utterance_with_its_times_and_padding() -> None:
    found = run(np.concatenate([quiet(1.0), tone(0.6), quiet(1.0, seed=1)]))
    assert len(found) == 1 and found[0] is not None
    utterance = found[0]
    assert utterance.start_s == pytest.approx(1.0, abs=0.06)
    assert utterance.end_s == pytest.approx(1.6, abs=0.1)  # smoothing lags by <= 60 ms
    # 0.2 s of padding each side, in whole 30 ms frames.
    padded_s = len(utterance.pcm) / 2 / SAMPLE_RATE_HZ
    assert padded_s == pytest.approx(utterance.duration_s + 0.4, abs=0.04)


def test_a_short_pause_inside_a_phrase_does_not_split_it_but_a_long_one_does() -> None:
    joined = run(np.concatenate([quiet(0.5), tone(0.3), quiet(0.1), tone(0.3), quiet(1.0)]))
    split = run(np.concatenate([quiet(0.5), tone(0.3), quiet(0.6), tone(0.3), quiet(1.0)]))
    assert len(joined) == 1
    assert len(split) == 2


def test_block_size_does_not_change_the_result() -> None:
    audio = np.concatenate([quiet(0.5), tone(0.4), quiet(0.8)])
    assert run(audio, 0.1) == run(audio, 0.037)


def test_steady_noise_is_learned_and_speech_above_it_still_found() -> None:
    # Loud fan noise starts with the stream; a louder burst comes later.
    noise = quiet(6.0, level=0.03, seed=2)
    noise[int(4.0 * SAMPLE_RATE_HZ) : int(4.5 * SAMPLE_RATE_HZ)] += tone(0.5)
    found = [u for u in run(noise) if u is not None]
    assert len(found) == 1
    assert found[0].start_s == pytest.approx(4.0, abs=0.06)


def test_noise_that_starts_mid_stream_is_one_overlong_stretch_then_the_new_floor() -> None:
    audio = np.concatenate([quiet(1.0), quiet(5.0, level=0.05, seed=3)])
    burst_at = int(4.5 * SAMPLE_RATE_HZ)
    audio[burst_at : burst_at + int(0.5 * SAMPLE_RATE_HZ)] += tone(0.5, 0.5)
    found = run(audio)
    assert found[0] is None  # the noise's onset: longer than any command
    assert [u.start_s for u in found[1:] if u is not None] == [pytest.approx(4.5, abs=0.06)]


def offers_to(offered: list[Utterance]) -> EarlyOffers:
    """Early offers (after 0.12 s of quiet or 0.21 s of dip) that are noted and turned down."""
    return EarlyOffers(0.12, 0.21, 2.5, lambda u: offered.append(u) is not None)


def test_a_short_utterance_is_offered_early_and_once_answered_is_not_cut_again() -> None:
    offered: list[Utterance] = []

    def answer(utterance: Utterance) -> bool:
        offered.append(utterance)
        return True

    endpointer = Endpointer(LoudnessDetector(), end_silence_s=0.3, early=EarlyOffers(0.12, 0.21, 2.5, answer))
    pcm = to_pcm16(np.concatenate([quiet(0.5), tone(0.4), quiet(1.0, seed=1)]))
    step = 2 * FRAME_SAMPLES  # one frame at a time, to see when the offer comes
    ended, offered_at_s = [], None
    for i in range(0, len(pcm), step):
        ended += endpointer.process(pcm[i : i + step])
        if offered and offered_at_s is None:
            offered_at_s = (i + step) / 2 / SAMPLE_RATE_HZ
    assert len(offered) == 1 and ended == [] and endpointer.close() == []
    assert offered[0].end_s == pytest.approx(0.9, abs=0.1)
    # 0.12 s of quiet after the last loud frame, which is one 32 ms frame past the words' core
    delay_s = 0.12 + FRAME_SAMPLES / SAMPLE_RATE_HZ
    assert offered_at_s is not None and offered_at_s - offered[0].end_s == pytest.approx(delay_s, abs=0.02)


def test_an_early_offer_turned_down_leaves_the_utterance_to_end_as_usual() -> None:
    offered: list[Utterance] = []
    endpointer = Endpointer(LoudnessDetector(), end_silence_s=0.3, early=offers_to(offered))
    pcm = to_pcm16(np.concatenate([quiet(0.5), tone(0.3), quiet(0.2), tone(0.3), quiet(1.0, seed=1)]))
    ended = endpointer.process(pcm) + endpointer.close()
    assert len(offered) == 2  # one offer at each pause
    assert len(ended) == 1 and ended[0] is not None
    assert ended[0].duration_s == pytest.approx(0.8, abs=0.1)  # the whole phrase, not its first word


def test_a_breath_right_after_a_command_does_not_hold_back_the_early_offer() -> None:
    offered: list[Utterance] = []
    endpointer = Endpointer(LoudnessDetector(), end_silence_s=0.3, early=offers_to(offered))
    breath = quiet(0.8, level=0.03, seed=3)  # ~15 dB under the words, far above the room's hiss
    endpointer.process(to_pcm16(np.concatenate([quiet(1.0), tone(0.4), breath])))
    assert len(offered) == 1
    assert offered[0].end_s == pytest.approx(1.4, abs=0.1)  # the words, not the breath


@pytest.mark.parametrize("before", [
    pytest.param(quiet(3.0, level=0.05, seed=3), id="loud noise"),
    pytest.param(np.concatenate([quiet(0.5), tone(2.9)]), id="an overlong stretch"),
    pytest.param(quiet(0.0101), id="half a frame"),
])
def test_a_stream_after_close_is_cut_as_if_the_endpointer_were_new(before: np.ndarray) -> None:
    audio = np.concatenate([quiet(0.3), tone(0.5), quiet(0.8, seed=1)])
    endpointer = Endpointer(LoudnessDetector())
    endpointer.process(to_pcm16(before))
    endpointer.close()
    later = endpointer.process(to_pcm16(audio)) + endpointer.close()
    fresh = run(audio, block_s=len(audio) / SAMPLE_RATE_HZ)
    assert [u.pcm for u in later if u] == [u.pcm for u in fresh if u] != []
    # times go on from the audio fed before, so they still say where in the input it was
    offset_s = len(before) / SAMPLE_RATE_HZ
    assert [t for u in later if u for t in (u.start_s, u.end_s)] == pytest.approx(
        [t + offset_s for u in fresh if u for t in (u.start_s, u.end_s)])


class AnythingAudible:
    """A detector that calls every audible frame speech, as Silero does other people talking."""

    name = "audible"
    onset_lag_frames = 0

    def is_speech(self, frame: np.ndarray, energy_db: float, in_speech: bool) -> bool:
        return energy_db > 40.0

    def reset(self) -> None:
        pass


def test_words_louder_than_the_talk_around_them_are_offered_from_their_own_start() -> None:
    offered: list[Utterance] = []
    endpointer = Endpointer(AnythingAudible(), end_silence_s=0.3, max_s=8.0,
                            early=EarlyOffers(0.064, 0.21, 1.5, lambda u: offered.append(u) is None))
    talk = quiet(2.0, level=0.02, seed=4)  # ~21 dB under the words, and speech all the same
    ended = endpointer.process(to_pcm16(np.concatenate([quiet(0.3), talk, tone(0.5), talk])))
    # open since 0.3 s, longer than any early offer by the time the words end at 2.8 s
    assert len(offered) == 1 and ended == []
    assert offered[0].start_s == pytest.approx(2.3, abs=0.07)
    assert offered[0].end_s == pytest.approx(2.8, abs=0.1)


def test_talk_as_loud_as_the_words_is_not_offered_early() -> None:
    offered: list[Utterance] = []
    endpointer = Endpointer(AnythingAudible(), end_silence_s=0.3, max_s=8.0, early=offers_to(offered))
    talk = quiet(2.0, level=0.2, seed=4)  # as loud as the tone: no loud core of its own
    endpointer.process(to_pcm16(np.concatenate([quiet(0.3), talk, tone(0.5), talk])))
    assert offered == []
