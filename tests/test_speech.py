"""Tests of nnlib.data.speech: the synthetic four-word speech data and its chunk features."""

import numpy as np
import pytest

from nnlib.data import speech as speech
from nnlib.data.speech import WORDS, chunk_edges, say, speech_features, toy_speech


def tone(freq, seconds=speech.DURATION, rate=speech.SAMPLE_RATE, amp=1.0):
    t = np.arange(int(round(seconds * rate))) / rate
    return amp * np.sin(2 * np.pi * freq * t + 0.3)


# ------------------------------------------------------------------ toy_speech
def test_shapes_types_and_balanced_labels():
    waveforms, labels, words = toy_speech(40, np.random.default_rng(0))
    assert waveforms.shape == (40, 6144) and waveforms.dtype == np.float64
    assert labels.shape == (40,) and labels.dtype.kind == "i"
    assert words == WORDS == ("Reindeer", "Raining", "Adhere", "Adding")
    assert np.bincount(labels, minlength=4).tolist() == [10, 10, 10, 10]
    assert np.isfinite(waveforms).all()


def test_no_two_utterances_are_identical_even_of_the_same_word():
    waveforms, labels, _ = toy_speech(60, np.random.default_rng(1))
    same = waveforms[labels == 0]
    gaps = np.abs(same[:, None, :] - same[None, :, :]).max(axis=2)
    off_diagonal = gaps[~np.eye(len(same), dtype=bool)]
    assert off_diagonal.min() > 0.1
    # ... and the features differ too, not only the noise
    feats = speech_features(same)
    fgaps = np.abs(feats[:, None, :] - feats[None, :, :]).max(axis=2)
    assert fgaps[~np.eye(len(same), dtype=bool)].min() > 0.005


def test_deterministic_given_the_seed():
    a = toy_speech(8, np.random.default_rng(7))
    b = toy_speech(8, np.random.default_rng(7))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    c = toy_speech(8, np.random.default_rng(8))
    assert not np.array_equal(a[0], c[0])


def test_duration_and_sample_rate_set_the_length():
    waveforms, _, _ = toy_speech(4, np.random.default_rng(0), sample_rate=4000, duration=0.8)
    assert waveforms.shape == (4, 3200)


def test_pitch_of_the_voice_is_in_the_human_range():
    waveforms, labels, _ = toy_speech(200, np.random.default_rng(2), noise=0.0)
    feats = speech_features(waveforms)
    voiced = feats[(feats > 0)]
    # the tones lie in 0.08-0.26 kHz; consonant hiss is higher, so look at the bulk
    lo, hi = np.percentile(voiced, [2, 80])
    assert 0.075 < lo < 0.12 and 0.15 < hi < 0.26


def test_pitch_shift_of_12_semitones_doubles_the_pitch():
    low = speech_features(say("Raining", np.random.default_rng(3), pitch_shift=0, noise=0))
    high = speech_features(say("Raining", np.random.default_rng(3), pitch_shift=12, noise=0))
    both = (low > 0) & (high > 0)
    assert both.sum() > 40
    ratio = np.median(high[both] / low[both])
    assert ratio == pytest.approx(2.0, rel=0.03)


def test_noise_only_changes_the_noise_not_the_speaker():
    quiet = say("Adhere", np.random.default_rng(4), noise=0.0)
    loud = say("Adhere", np.random.default_rng(4), noise=0.2)
    residual = loud - quiet
    assert residual.std() == pytest.approx(0.2, rel=0.05)
    assert abs(np.corrcoef(residual, quiet)[0, 1]) < 0.05


def test_with_noise_raises_the_hiss_and_keeps_the_speaker():
    waves, _, _ = toy_speech(8, np.random.default_rng(7))           # recorded at 0.02
    louder = speech.with_noise(waves, 0.3, np.random.default_rng(8))
    added = louder - waves
    assert added.shape == waves.shape
    assert added.std() == pytest.approx(np.sqrt(0.3 ** 2 - 0.02 ** 2), rel=0.02)
    # the total hiss matches a recording made at 0.3 with the same speakers
    quiet, _, _ = toy_speech(8, np.random.default_rng(7), noise=0.0)
    assert (louder - quiet).std() == pytest.approx(0.3, rel=0.02)
    np.testing.assert_array_equal(speech.with_noise(waves, 0.02, np.random.default_rng(9)),
                                  waves)
    one = speech.with_noise(waves[0], 0.15, np.random.default_rng(8))
    assert one.shape == waves[0].shape


@pytest.mark.parametrize("kwargs, message", [
    (dict(noise=0.01), r"noise: expected at least the recorded noise 0.02"),
    (dict(noise=-1.0), r"noise: expected a number >= 0"),
    (dict(recorded=-0.1), r"recorded: expected a number >= 0"),
    (dict(rng=3), r"rng: expected a numpy Generator"),
    (dict(waveforms=np.zeros((2, 3, 4))), r"waveforms: expected shape \(N, T\) or \(T,\)"),
])
def test_with_noise_validates_its_arguments(kwargs, message):
    kwargs = dict(waveforms=np.zeros((2, 64)), noise=0.3, rng=np.random.default_rng(0)) | kwargs
    with pytest.raises(ValueError, match=message):
        speech.with_noise(**kwargs)


def test_stretch_makes_the_word_longer():
    def voiced_chunks(stretch):
        feats = speech_features(say(0, np.random.default_rng(5), stretch=stretch, noise=0))
        return (feats > 0).sum()
    assert voiced_chunks(1.15) > voiced_chunks(0.85) + 10


def test_the_words_differ_where_the_syllables_differ():
    """Reindeer and Raining share RAIN: their first halves agree, their second halves do not."""
    waveforms, labels, _ = toy_speech(400, np.random.default_rng(6))
    mean = np.stack([speech_features(waveforms[labels == k]).mean(axis=0) for k in range(4)])
    first, second = slice(10, 35), slice(50, 80)
    shared = np.abs(mean[0, first] - mean[1, first]).mean()
    different = np.abs(mean[0, second] - mean[1, second]).mean()
    assert different > 2 * shared


@pytest.mark.parametrize("bad, arg", [
    (dict(n=0), "n"), (dict(n=2.5), "n"), (dict(rng=42), "rng"),
    (dict(noise=-0.1), "noise"), (dict(sample_rate=0), "sample_rate"),
    (dict(duration=-1.0), "duration"),
])
def test_toy_speech_validates_its_arguments(bad, arg):
    kwargs = dict(n=4, rng=np.random.default_rng(0)) | bad
    with pytest.raises(ValueError, match=arg):
        toy_speech(**kwargs)


@pytest.mark.parametrize("word", ["Sneezing", 4, -1, True, None])
def test_say_rejects_unknown_words(word):
    with pytest.raises(ValueError, match="word"):
        say(word, np.random.default_rng(0))


def test_say_accepts_names_in_any_case_and_labels():
    a = say("ADDING", np.random.default_rng(0))
    b = say(3, np.random.default_rng(0))
    np.testing.assert_array_equal(a, b)


def test_two_thousand_utterances_give_one_feature_row_each():
    waveforms, labels, _ = toy_speech(2000, np.random.default_rng(0))
    features = speech_features(waveforms)
    assert features.shape == (2000, 128)
    assert np.bincount(labels).tolist() == [500] * 4


# ------------------------------------------------------------------ speech_features
@pytest.mark.parametrize("freq", [80.0, 150.0, 255.0, 400.0])
def test_a_steady_tone_gives_its_frequency_in_every_chunk(freq):
    feats = speech_features(tone(freq))
    assert feats.shape == (128,)
    # the FFT treats the wave as periodic: the abrupt start and end blur the outer chunks
    np.testing.assert_allclose(feats[2:-2], freq / 1000, rtol=0.02)
    np.testing.assert_allclose(feats, freq / 1000, rtol=0.25)


def test_a_glide_gives_rising_features():
    rate, n = speech.SAMPLE_RATE, 6144
    t = np.arange(n) / rate
    f = 100 + 100 * t / t[-1]                       # 100 Hz -> 200 Hz
    wave = np.sin(2 * np.pi * np.cumsum(f) / rate)
    feats = speech_features(wave)
    centres = (chunk_edges(n)[:-1] + 24) / rate
    inner = slice(4, -4)                            # the FFT wraps around at the ends
    np.testing.assert_allclose(feats[inner], (100 + 100 * centres / t[-1])[inner] / 1000,
                               rtol=0.02)


def test_silent_chunks_get_zero_and_loud_ones_do_not():
    wave = tone(200)
    wave[:3072] *= 0.01                              # first half: almost silence
    feats = speech_features(wave)
    assert (feats[:60] == 0).all()
    np.testing.assert_allclose(feats[68:-2], 0.2, rtol=0.02)
    assert (speech_features(np.zeros((2, 6144))) == 0).all()


def test_louder_samples_count_more_in_the_average():
    n = 6144
    t = np.arange(n) / speech.SAMPLE_RATE
    wave = np.sin(2 * np.pi * 100 * t) + 0.5 * np.sin(2 * np.pi * 300 * t)
    # power-weighted average frequency: (1 * 100 + 0.25 * 300) / 1.25 = 140 Hz
    assert np.median(speech_features(wave)) == pytest.approx(0.140, rel=0.05)


def test_features_of_a_batch_match_row_by_row():
    waveforms, _, _ = toy_speech(300, np.random.default_rng(9))   # more than one block
    batch = speech_features(waveforms)
    for i in (0, 255, 256, 299):
        np.testing.assert_allclose(batch[i], speech_features(waveforms[i]), atol=1e-12)


def test_n_chunks_and_a_remainder_of_samples():
    feats = speech_features(tone(150, seconds=0.5), n_chunks=64)   # 4000 samples
    assert feats.shape == (64,)
    np.testing.assert_allclose(feats[2:-2], 0.15, rtol=0.02)
    assert chunk_edges(4000, 64)[-1] == 62 * 64
    assert np.diff(chunk_edges(4000, 64)).tolist() == [62] * 64


@pytest.mark.parametrize("kwargs, arg", [
    (dict(waveforms=np.zeros((2, 3, 4))), "waveforms"),
    (dict(waveforms=np.zeros((2, 100))), "waveforms"),           # fewer samples than chunks
    (dict(waveforms=np.full((1, 6144), np.nan)), "waveforms"),
    (dict(n_chunks=0), "n_chunks"), (dict(n_chunks=12.0), "n_chunks"),
    (dict(sample_rate=-8000), "sample_rate"),
    (dict(max_freq=5000.0), "max_freq"), (dict(silence=-1), "silence"),
])
def test_speech_features_validates_its_arguments(kwargs, arg):
    kwargs = dict(waveforms=np.zeros((2, 6144))) | kwargs
    with pytest.raises(ValueError, match=arg):
        speech_features(**kwargs)


# ------------------------------------------------------------------ the recogniser
def test_speech_model_shapes():
    model = speech.speech_model(np.random.default_rng(0), hidden=(8, 6))
    out = model(np.zeros((5, 128)))
    assert out.shape == (5, 4)
    assert [tuple(p.shape) for p in model.parameters()] == [
        (128, 8), (8,), (8, 6), (6,), (6, 4), (4,)]


def test_speech_model_takes_any_number_of_chunks():
    model = speech.speech_model(np.random.default_rng(0), n_inputs=8)
    assert model(np.zeros((3, 8))).shape == (3, 4)
    assert tuple(next(iter(model.parameters())).shape) == (8, 32)
    with pytest.raises(ValueError, match="n_inputs: expected a positive integer, got 0"):
        speech.speech_model(np.random.default_rng(0), n_inputs=0)


def test_split_indices_is_stratified_disjoint_and_complete():
    _, labels, _ = toy_speech(2000, np.random.default_rng(0))
    train, val, test = speech.split_indices(labels)
    assert (len(train), len(val), len(test)) == (1200, 300, 500)
    for part, per_word in ((train, 300), (val, 75), (test, 125)):
        assert np.bincount(labels[part]).tolist() == [per_word] * 4
        assert np.all(np.diff(part) > 0)                           # sorted
    assert np.array_equal(np.sort(np.concatenate([train, val, test])), np.arange(2000))
    # each word's earliest utterances train, its latest test
    for word in range(4):
        rows = np.flatnonzero(labels == word)
        assert set(rows[:300]) <= set(train) and set(rows[-125:]) <= set(test)


@pytest.mark.parametrize("kwargs, message", [
    (dict(labels=np.zeros((2, 2))), "labels: expected a non-empty 1-D array"),
    (dict(train=0.0), "train: expected a fraction between 0 and 1"),
    (dict(validation=1.5), "validation: expected a fraction"),
    (dict(train=0.8, validation=0.3), "train, validation: expected fractions that leave"),
])
def test_split_indices_validates_its_arguments(kwargs, message):
    kwargs = dict(labels=np.array([0, 1, 2, 3] * 5)) | kwargs
    with pytest.raises(ValueError, match=message):
        speech.split_indices(**kwargs)


def test_trained_recogniser_is_deterministic_and_beats_chance():
    model = speech.trained_recogniser(seed=3, n=400, epochs=8)
    assert speech.trained_recogniser(seed=3, n=400, epochs=8) is model    # cached
    assert speech.trained_recogniser(3, 400, 8) is model    # however the arguments come
    speech.trained_recogniser.cache_clear()
    fresh = speech.trained_recogniser(seed=3, n=400, epochs=8)
    assert fresh is not model
    for p, q in zip(model.parameters(), fresh.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    waveforms, labels, _ = toy_speech(200, np.random.default_rng(99))
    logits = np.asarray(model(speech_features(waveforms)).data)
    assert (logits.argmax(axis=1) == labels).mean() > 0.6
