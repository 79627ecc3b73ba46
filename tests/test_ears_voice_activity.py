"""The speech detectors on real audio: Silero hears words, not tones, breath or hiss; endpoints
cut by it end where the words end, even with a breath drawn right after them."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from voicecoach.audio import SAMPLE_RATE_HZ, to_pcm16
from voicecoach.ears.endpoint import EarlyOffers, Endpointer, Utterance
from voicecoach.ears.voice_activity import (
    FRAME_SAMPLES,
    LoudnessDetector,
    SileroDetector,
    open_speech_detector,
)
from voicecoach.sim import corpus
from voicecoach.sim.corpus import Speaker
from voicecoach.sim.synth import Noise, make_noise, speech_rms

VOICE = Speaker("en-us+f3", 160, 60)


def speech_frames(detector: SileroDetector | LoudnessDetector, audio: np.ndarray) -> list[bool]:
    samples = np.frombuffer(to_pcm16(audio), dtype="<i2")
    frames = samples[: len(samples) // FRAME_SAMPLES * FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES)
    return [detector.is_speech(f, 10 * np.log10(np.mean(f.astype(float) ** 2) + 1), False)
            for f in frames]


def noise(kind: Noise, duration_s: float, level: float, seed: int = 0) -> np.ndarray:
    n = round(duration_s * SAMPLE_RATE_HZ)
    return (make_noise(kind, n, np.random.default_rng(seed)) * level).astype(np.float32)


def test_silero_hears_a_word_and_not_a_tone_breath_or_hiss() -> None:
    word = VOICE.say("pause", lead_s=0.5, tail_s=0.5)
    t = np.arange(SAMPLE_RATE_HZ) / SAMPLE_RATE_HZ
    others = {
        "tone": (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32),
        "breath": noise(Noise.BREATH, 1.0, 0.1),
        "hiss": noise(Noise.WHITE, 1.0, 0.05),
    }
    assert sum(speech_frames(SileroDetector(), word)) >= 5
    for name, audio in others.items():
        assert not any(speech_frames(SileroDetector(), audio)), name


def test_reset_makes_the_same_audio_judged_the_same() -> None:
    detector = SileroDetector()
    audio = VOICE.say("how many left", lead_s=0.3, tail_s=0.3)
    first = speech_frames(detector, audio)
    speech_frames(detector, noise(Noise.PINK, 2.0, 0.1))
    detector.reset()
    assert speech_frames(detector, audio) == first


def breath_after(text: str) -> tuple[np.ndarray, float]:
    """`text` said, then a loud breath (as loud as the words) for 0.8 s; and where the words end."""
    words = VOICE.say(text, lead_s=1.0)
    end_s = corpus.speech_end_s(words)
    breath = noise(Noise.BREATH, 0.8, speech_rms(words), seed=4)
    return np.concatenate([words, breath, np.zeros(SAMPLE_RATE_HZ // 2, np.float32)]), end_s


def test_a_command_ended_by_a_loud_breath_is_offered_as_soon_as_the_words_end() -> None:
    audio, words_end_s = breath_after("pause")
    offered_at_s: list[float] = []
    fed_s = [0.0]

    def answer(utterance: Utterance) -> bool:
        offered_at_s.append(fed_s[0])
        return True

    endpointer = Endpointer(SileroDetector(), end_silence_s=0.3,
                            early=EarlyOffers(0.12, 0.21, 1.5, answer))
    pcm = to_pcm16(audio)
    step = 2 * FRAME_SAMPLES
    for i in range(0, len(pcm), step):
        fed_s[0] = (i + step) / 2 / SAMPLE_RATE_HZ
        endpointer.process(pcm[i : i + step])
    assert len(offered_at_s) == 1
    # Silero's own hangover is a frame or two; the breath (0.8 s) does not count
    assert offered_at_s[0] - words_end_s < 0.3


@pytest.mark.parametrize(("detector", "is_breath_speech"), [
    pytest.param(SileroDetector, False, id="silero"),
    pytest.param(LoudnessDetector, True, id="loudness: why Silero"),
])
def test_the_breath_itself_is_speech_only_to_loudness(detector: type, is_breath_speech: bool) -> None:
    audio, words_end_s = breath_after("pause")
    endpointer = Endpointer(detector(), end_silence_s=0.3)
    ended = [u for u in endpointer.process(to_pcm16(audio)) + endpointer.close() if u is not None]
    in_breath = [u for u in ended if u.end_s > words_end_s + 0.3]
    assert bool(in_breath) is is_breath_speech
    assert ended[0].start_s < words_end_s  # the word itself is found either way


def test_without_the_silero_library_loudness_is_used_and_the_note_says_why(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails as if not installed
    detector, note = open_speech_detector()
    assert isinstance(detector, LoudnessDetector)
    assert note is not None and "Silero" in note and "loudness" in note
    assert Endpointer().detector_note == note


def test_the_recognizer_note_says_when_silero_cannot_load(monkeypatch: pytest.MonkeyPatch) -> None:
    from voicecoach.ears import choose_recognizer
    from voicecoach.files import Backend, load_settings

    settings = load_settings().settings
    _, note = choose_recognizer(settings, Backend.POCKETSPHINX)
    assert "Silero" not in note
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    _, note = choose_recognizer(settings, Backend.POCKETSPHINX)
    assert note.startswith("recognizer: pocketsphinx") and "Silero voice detector cannot load" in note
