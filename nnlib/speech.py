"""A toy speech recogniser's data: four spoken words, synthesised, and their features.

Chapter 9 (case study: speech) builds a network that tells four words apart:
*Reindeer*, *Raining*, *Adhere* and *Adding*. No recordings are downloaded; instead
:func:`toy_speech` synthesises utterances from a handful of syllables, each a short
*pitch contour* (how the frequency of the voice glides over time), with consonants as
bursts of hiss or short silences. The words share syllables in pairs, so no single
syllable gives the answer away::

    Reindeer = RAIN + DEER      Raining = RAIN + ING
    Adhere   = AD   + HERE      Adding  = AD   + ING

Every utterance gets its own speaker: a higher or lower voice, faster or slower speech,
syllables that start a little earlier or later, a louder or softer voice, a small wobble
in the pitch, and background noise. So no two waveforms are ever the same, just as no two
real recordings of a word are.

:func:`speech_features` turns each waveform into the network's input: it cuts the
waveform into 128 equal chunks and measures the average frequency of each chunk, in kHz.

Shapes: ``N`` utterances, ``T`` samples (time steps) per utterance
(``sample_rate * duration``), ``D`` features per utterance, one per chunk (128 by default).
"""
import functools

import numpy as np

from ._checks import check_positive

__all__ = [
    "WORDS", "SYLLABLES", "WORD_SYLLABLES", "SAMPLE_RATE", "DURATION",
    "say", "toy_speech", "speech_features", "chunk_edges",
    "speech_model", "trained_recogniser", "layer_values", "word_probabilities",
    "check_answer",
]

#: The four words the recogniser knows, in label order (label 0 is "Reindeer").
WORDS = ("Reindeer", "Raining", "Adhere", "Adding")

#: Samples per second of the synthetic recordings (telephone quality).
SAMPLE_RATE = 8000

#: Seconds per utterance: 6,144 samples at 8 kHz, i.e. 128 chunks of 48 samples (6 ms).
DURATION = 0.768

# A segment is (kind, milliseconds, start Hz, end Hz, loudness) for a reference speaker:
# "tone" is a voiced sound (the pitch glides from start to end Hz), "hiss" is a consonant
# made of noise (h, the release of d), "gap" is silence (the closure before d).
#: Syllables as sequences of segments, for a speaker whose pitch shift is 0 semitones.
SYLLABLES = {
    "RAIN": (("tone", 50, 105, 120, 0.8),    # r: a low, rising start
             ("tone", 120, 175, 150, 1.0),   # ai: high, falling
             ("tone", 50, 135, 125, 0.5)),   # n: a quiet nasal
    "DEER": (("gap", 30, 0, 0, 0.0),         # d: closure ...
             ("hiss", 12, 0, 0, 0.4),        # ... and release
             ("tone", 180, 165, 105, 1.0)),  # eer: a long fall
    "AD": (("tone", 140, 150, 160, 1.0),     # a: level and fairly high
           ("gap", 30, 0, 0, 0.0),           # d: closure ...
           ("hiss", 12, 0, 0, 0.4)),         # ... and release
    "HERE": (("hiss", 55, 0, 0, 0.4),        # h: breath
             ("tone", 175, 160, 105, 1.0)),  # ere: a long fall
    "ING": (("tone", 90, 200, 195, 1.0),     # i: high and level
            ("tone", 80, 130, 120, 0.5)),    # ng: low and quiet
}

#: The syllables of each word, in order.
WORD_SYLLABLES = {
    "Reindeer": ("RAIN", "DEER"),
    "Raining": ("RAIN", "ING"),
    "Adhere": ("AD", "HERE"),
    "Adding": ("AD", "ING"),
}

_RAMP = 0.005  # seconds over which every segment fades in and out (no clicks)


def _word_index(word):
    """Accept a word (any case) or its label; return the label."""
    if isinstance(word, str):
        names = [w.lower() for w in WORDS]
        if word.lower() in names:
            return names.index(word.lower())
    elif isinstance(word, (int, np.integer)) and not isinstance(word, bool):
        if 0 <= word < len(WORDS):
            return int(word)
    raise ValueError(f"word: expected one of {WORDS} or a label 0-{len(WORDS) - 1}, "
                     f"got {word!r}")


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng: expected a numpy Generator such as "
                         f"np.random.default_rng(0), got {type(rng).__name__}")
    return rng


def _check_nonnegative(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
            or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name}: expected a number >= 0, got {value!r}")
    return float(value)


def _segments(word, rng, stretch, pause, onset):
    """The segments of one utterance as arrays (start s, end s, f_start, f_end, amp, kind).

    Each segment's length is the reference length times ``stretch`` (speaking rate) times
    its own jitter; ``pause`` seconds separate the syllables; the word starts at ``onset``.
    """
    rows = []
    t = onset
    for position, syllable in enumerate(WORD_SYLLABLES[WORDS[word]]):
        if position:
            t += pause
        for kind, ms, f_start, f_end, amp in SYLLABLES[syllable]:
            length = ms / 1000 * stretch * rng.uniform(0.85, 1.15)
            code = ("tone", "hiss", "gap").index(kind)
            rows.append((t, t + length, f_start, f_end, amp, code))
            t += length
    return np.array(rows)


def say(word, rng, *, pitch_shift=None, stretch=None, noise=0.02,
        sample_rate=SAMPLE_RATE, duration=DURATION):
    """Synthesise one utterance of ``word``; returns a waveform of shape (T,).

    ``word`` is one of :data:`WORDS` (any case) or its label 0-3. The speaker is drawn
    from ``rng``: a pitch shift in semitones (uniform in [-4, 4] unless given; 12
    semitones double the pitch), a duration factor ``stretch`` (uniform in [0.85, 1.2]
    unless given; above 1 is slower speech), a loudness in [0.5, 1], when the word starts
    (30-110 ms in), the pause between its syllables (0-40 ms), each segment's length
    (+-15 %) and a slow wobble of the pitch (about 1.5 %). ``noise`` is the standard
    deviation of the background hiss added on top (the loudest voice peaks at 1).

    All random draws that describe the speaker come before the noise is drawn, so the
    same ``rng`` state with a different ``noise`` gives the same speaker, more or less
    buried in hiss. Chapter 9 explains the sounds and why no two waveforms are alike.
    """
    label = _word_index(word)
    _check_rng(rng)
    check_positive("sample_rate", sample_rate)
    check_positive("duration", duration)
    noise = _check_nonnegative("noise", noise)
    n_samples = int(round(sample_rate * duration))
    if n_samples < 2:
        raise ValueError(f"duration: expected at least 2 samples at sample_rate={sample_rate}, "
                         f"got duration={duration!r}")
    # --- the speaker (drawn first, in a fixed order) ---
    semitones = rng.uniform(-4.0, 4.0) if pitch_shift is None else float(pitch_shift)
    stretch = rng.uniform(0.85, 1.2) if stretch is None else check_positive("stretch", stretch)
    loudness = rng.uniform(0.5, 1.0)
    onset = rng.uniform(0.03, 0.11)
    pause = rng.uniform(0.0, 0.04)
    wobble_rate, wobble_phase, phase0 = rng.uniform(3, 7), rng.uniform(0, 2 * np.pi), \
        rng.uniform(0, 2 * np.pi)
    segs = _segments(label, rng, stretch, pause, onset)
    # --- sample-by-sample tracks, built with array operations ---
    t = np.arange(n_samples) / sample_rate
    start, end = segs[:, 0], segs[:, 1]
    index = np.clip(np.searchsorted(start, t, side="right") - 1, 0, len(segs) - 1)
    inside = (t >= start[index]) & (t < end[index])
    frac = (t - start[index]) / (end[index] - start[index])
    pitch = segs[index, 2] + frac * (segs[index, 3] - segs[index, 2])
    pitch = pitch * 2.0 ** (semitones / 12) * (1 + 0.015 * np.sin(2 * np.pi * wobble_rate * t
                                                                    + wobble_phase))
    ramp = np.clip(np.minimum(t - start[index], end[index] - t) / _RAMP, 0.0, 1.0)
    envelope = np.where(inside, segs[index, 4] * ramp * loudness, 0.0)
    kind = segs[index, 5]
    phase = phase0 + 2 * np.pi * np.cumsum(np.where(kind == 0, pitch, 0.0)) / sample_rate
    voiced = np.where(kind == 0, np.sin(phase), 0.0)
    hiss = np.where(kind == 1, rng.standard_normal(n_samples), 0.0)
    background = rng.standard_normal(n_samples)
    return envelope * (voiced + hiss) + noise * background


def toy_speech(n, rng, *, sample_rate=SAMPLE_RATE, duration=DURATION, noise=0.02):
    """``n`` synthetic utterances of the four words, as many of each word as possible.

    Returns ``(waveforms, labels, words)``: waveforms of shape (N, T) with
    ``T = round(sample_rate * duration)`` (6,144 by default), float64; labels of shape (N,),
    integers in 0-3 indexing ``words``; and ``words``, the tuple :data:`WORDS`.
    Each utterance has its own random speaker (see :func:`say`), so no two are identical.
    Chapter 9 uses it; chapter 13 reads the same features in order with a recurrent network.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n: expected a positive integer number of utterances, got {n!r}")
    _check_rng(rng)
    labels = rng.permutation(np.arange(n) % len(WORDS))
    waveforms = np.stack([say(int(label), rng, noise=noise, sample_rate=sample_rate,
                              duration=duration) for label in labels])
    return waveforms, labels, WORDS


def chunk_edges(n_samples, n_chunks=128):
    """Sample indices where the ``n_chunks`` equal chunks start, plus the end: shape (D + 1,).

    Each chunk is ``n_samples // n_chunks`` samples long; the last ``n_samples % n_chunks``
    samples (fewer than one chunk) are left out, so every chunk has the same length.
    """
    n_chunks = _check_chunks(n_chunks)
    if n_samples < n_chunks:
        raise ValueError(f"waveforms: expected at least n_chunks={n_chunks} samples per "
                         f"waveform, got {n_samples}")
    return np.arange(n_chunks + 1) * (n_samples // n_chunks)


def _check_chunks(n_chunks):
    if isinstance(n_chunks, bool) or not isinstance(n_chunks, (int, np.integer)) \
            or n_chunks < 1:
        raise ValueError(f"n_chunks: expected a positive integer, got {n_chunks!r}")
    return int(n_chunks)


def _analytic(x, sample_rate, max_freq):
    """Analytic signal of each row of ``x`` (N, T), keeping only 0 < f <= max_freq.

    Removing the negative frequencies (the Hilbert transform, done with one FFT) turns a
    real wave ``a cos(phi)`` into the rotating complex number ``a exp(i phi)``, whose angle
    turns at the wave's frequency. Dropping everything above ``max_freq`` removes the hiss
    above the range of the voice.
    """
    n = x.shape[1]
    freqs = np.fft.fftfreq(n, d=1 / sample_rate)
    keep = np.where((freqs > 0) & (freqs <= max_freq), 2.0, 0.0)
    return np.fft.ifft(np.fft.fft(x, axis=1) * keep, axis=1)


def speech_features(waveforms, n_chunks=128, sample_rate=SAMPLE_RATE, *, max_freq=1000.0,
                    silence=0.05):
    """The average frequency of each of ``n_chunks`` equal chunks, in kHz: shape (N, D).

    ``waveforms`` has shape (N, T) (or (T,) for one waveform, giving shape (D,)), and ``D = n_chunks``.

    How the average frequency is measured: a chunk is only 6 ms long by default, shorter
    than one period of a deep voice (12.5 ms at 80 Hz), so counting how often the wave
    crosses zero would give only 0, 1, 2 or 3 per chunk. Instead we follow the wave's
    *phase*: the analytic signal (see :func:`_analytic`, frequencies above ``max_freq``
    Hz removed) is a point turning around a circle, and the angle it turns between one
    sample and the next, times ``sample_rate / (2 pi)``, is the frequency at that moment.
    The feature is the average of these frequencies over the chunk, louder samples
    counting more (weights ``|z_t z_{t+1}|``); for a steady tone it is exactly the tone's
    frequency. A chunk whose power is below ``silence`` times the power of the loudest
    chunk of the same waveform holds no voice and gets 0 kHz. The FFT treats each waveform
    as if it repeated forever, so a wave that starts or stops abruptly (no silence at its
    ends) blurs its first and last chunk or two; the utterances of :func:`toy_speech`
    begin and end in silence.
    Chapter 9 explains the features; no Python loop runs over samples.
    """
    x = np.asarray(waveforms, dtype=np.float64)
    if x.ndim not in (1, 2):
        raise ValueError(f"waveforms: expected shape (N, T) or (T,), got shape {x.shape}")
    if x.size and not np.isfinite(x).all():
        raise ValueError("waveforms: expected finite values, got NaN or inf")
    check_positive("sample_rate", sample_rate)
    check_positive("max_freq", max_freq)
    if max_freq > sample_rate / 2:
        raise ValueError(f"max_freq: expected at most sample_rate / 2 = {sample_rate / 2}, "
                         f"got {max_freq!r}")
    silence = _check_nonnegative("silence", silence)
    single = x.ndim == 1
    x = x[None, :] if single else x
    edges = chunk_edges(x.shape[1], n_chunks)
    length = edges[1]
    out = np.empty((x.shape[0], len(edges) - 1))
    for rows in range(0, x.shape[0], 256):  # blocks of rows keep memory small
        out[rows:rows + 256] = _block_features(x[rows:rows + 256, :edges[-1] + 1],
                                               len(edges) - 1, length, sample_rate,
                                               max_freq, silence)
    return out[0] if single else out


def _block_features(x, n_chunks, length, sample_rate, max_freq, silence):
    """speech_features for one block of rows (N, T'); returns (N, D)."""
    z = _analytic(x, sample_rate, max_freq)
    if z.shape[1] < n_chunks * length + 1:  # no sample after the last chunk: repeat the last
        z = np.concatenate([z, z[:, -1:]], axis=1)
    step = z[:, 1:n_chunks * length + 1] * np.conj(z[:, :n_chunks * length])  # (N, D*L)
    weight = np.abs(step).reshape(len(x), n_chunks, length)
    hz = np.angle(step).reshape(len(x), n_chunks, length) * sample_rate / (2 * np.pi)
    power = weight.sum(axis=2)                                              # (N, D)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_hz = (weight * hz).sum(axis=2) / power
    loud = power > silence * power.max(axis=1, keepdims=True)
    return np.where(loud & (power > 0), mean_hz, 0.0) / 1000.0


def speech_model(rng, hidden=(32, 16)):
    """The chapter 9 network: 128 -> hidden[0] -> hidden[1] -> 4, ReLU between layers.

    Returns an ``nnlib.nn.Sequential`` whose last layer gives 4 logits (softmax turns them
    into the probabilities of the four words).
    """
    from . import nn
    sizes = (128, *hidden, len(WORDS))
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out, rng=rng))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


@functools.lru_cache(maxsize=4)
def trained_recogniser(seed=0, n=2000, epochs=20):
    """The recogniser of chapter 9, trained once per process and then reused.

    Exactly the notebook's recipe: ``rng = np.random.default_rng(seed)``,
    ``toy_speech(n, rng)``, :func:`speech_features` in kHz fed to the network as they are,
    the first 75 % of the utterances for training, :func:`speech_model` built from the same
    ``rng``, Adam (lr 0.01), cross-entropy, ``epochs`` epochs of batches of 32, shuffled
    with the same ``rng``. Deterministic: the same arguments give the same weights.
    Returns the model (in eval mode); it maps features (N, 128) to logits (N, 4).
    """
    from . import losses, optim
    from .train import fit
    rng = np.random.default_rng(seed)
    waveforms, labels, _ = toy_speech(n, rng)
    features = speech_features(waveforms)
    n_train = int(0.75 * n)
    model = speech_model(rng)
    fit(model, features[:n_train], labels[:n_train], loss=losses.cross_entropy,
        optimizer=optim.Adam(model.parameters(), lr=0.01), epochs=epochs,
        batch_size=32, rng=rng, progress=False)
    return model.eval()


def layer_values(model, features):
    """What every layer of ``model`` holds for ``features`` (N, D): a list of arrays.

    One entry per layer of the :class:`~nnlib.nn.Sequential`, in order, each the layer's
    output for the batch: for :func:`speech_model` ``[linear 1 (N, H1), ReLU 1 (N, H1),
    linear 2 (N, H2), ReLU 2 (N, H2), logits (N, 4)]``. Runs without building a graph.
    """
    from .tensor import Tensor, no_grad
    x = np.asarray(features, dtype=np.float64)
    values = []
    with no_grad():
        out = Tensor(x)
        for layer in model:
            out = layer(out)
            values.append(np.array(out.data))
    return values


def word_probabilities(model, features):
    """Softmax of the model's logits: shape (N, 4), each row sums to 1 (chapter 4)."""
    logits = layer_values(model, features)[-1]
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def check_answer(answer, expected, tolerance=0.0, unit=""):
    """Self-check for the chapter 9 exercises: print whether ``answer`` is close enough.

    Right when ``|answer - expected| <= tolerance``. ``answer`` None (not answered yet)
    prints a reminder. Never raises for a wrong answer, so a notebook keeps running.
    Returns True, False, or None when there is no answer yet.
    """
    if answer is None:
        print("Replace None with your answer, then run this cell again.")
        return None
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.number)):
        raise ValueError(f"answer: expected a number, got {answer!r}")
    unit = f" {unit}" if unit else ""
    if abs(float(answer) - float(expected)) <= tolerance:
        print(f"Right: {answer:g}{unit} (the notebook measured {expected:.3g}{unit}).")
        return True
    hint = "too high" if answer > expected else "too low"
    print(f"Not quite: {answer:g}{unit} is {hint}. Reread the hint and try again.")
    return False
