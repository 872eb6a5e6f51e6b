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

from nnlib._checks import check_positive

__all__ = [
    "WORDS", "SYLLABLES", "WORD_SYLLABLES", "SAMPLE_RATE", "DURATION",
    "say", "toy_speech", "with_noise", "speech_features", "chunk_edges",
    "speech_model", "split_indices", "trained_recogniser", "layer_values",
    "word_probabilities",
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


_KINDS = ("tone", "hiss", "gap")


def _word_table(word):
    """Segments of ``word`` as rows (ms, f_start, f_end, loudness, kind code, syllable)."""
    return [(ms, f0, f1, amp, _KINDS.index(kind), position)
            for position, syllable in enumerate(WORD_SYLLABLES[word])
            for kind, ms, f0, f1, amp in SYLLABLES[syllable]]


def _segment_tables():
    """(4, S, 6) array of every word's segments, padded with zero-length gaps at the end."""
    tables = [_word_table(word) for word in WORDS]
    longest = max(len(t) for t in tables)
    pad = (0, 0, 0, 0, _KINDS.index("gap"), 1)
    return np.array([t + [pad] * (longest - len(t)) for t in tables], dtype=float)


_TABLES = _segment_tables()


def _check_recording(sample_rate, duration, noise):
    """Validate the recording settings; return (number of samples, noise)."""
    check_positive("sample_rate", sample_rate)
    check_positive("duration", duration)
    noise = _check_nonnegative("noise", noise)
    n_samples = int(round(sample_rate * duration))
    if n_samples < 2:
        raise ValueError(f"duration: expected at least 2 samples at sample_rate={sample_rate}, "
                         f"got duration={duration!r}")
    return n_samples, noise


def _speakers(n, rng, pitch_shift, stretch):
    """Draw ``n`` speakers: a dict of arrays of shape (N,), in a fixed order."""
    def draw(low, high):
        return rng.uniform(low, high, size=n)
    return {
        "semitones": draw(-4.0, 4.0) if pitch_shift is None else np.full(n, float(pitch_shift)),
        "stretch": draw(0.85, 1.2) if stretch is None else np.full(n, float(stretch)),
        "loudness": draw(0.5, 1.0),
        "onset": draw(0.03, 0.11),
        "pause": draw(0.0, 0.04),
        "wobble_rate": draw(3.0, 7.0),
        "wobble_phase": draw(0.0, 2 * np.pi),
        "phase": draw(0.0, 2 * np.pi),
    }


def _timeline(labels, speakers, rng):
    """Start and end times (N, S) of every segment, and the segment table (N, S, 6).

    Each segment lasts its reference length times the speaker's ``stretch`` times its own
    jitter (+-15 %); the second syllable starts ``pause`` seconds after the first ends.
    """
    table = _TABLES[labels]                                          # (N, S, 6)
    jitter = rng.uniform(0.85, 1.15, size=table.shape[:2])
    lengths = table[..., 0] / 1000 * speakers["stretch"][:, None] * jitter
    starts = (speakers["onset"][:, None] + np.cumsum(lengths, axis=1) - lengths
              + speakers["pause"][:, None] * table[..., 5])
    return starts, starts + lengths, table


def _segment_of_each_sample(starts, t):
    """Index (N, T) of the last segment that has started at each time ``t`` (T,).

    One ``searchsorted`` over all rows: shifting row ``r`` by ``r * span`` keeps the rows
    apart in a single sorted array.
    """
    n, n_segments = starts.shape
    span = max(float(starts.max()), float(t[-1])) + 1.0
    offsets = np.arange(n)[:, None] * span
    flat = np.searchsorted((starts + offsets).ravel(), (t[None, :] + offsets).ravel(),
                           side="right").reshape(n, len(t))
    return np.clip(flat - 1 - np.arange(n)[:, None] * n_segments, 0, n_segments - 1)


def _synthesise(labels, rng, pitch_shift, stretch, noise, sample_rate, n_samples):
    """Waveforms (N, T) of the words ``labels`` (N,), every sample computed at once."""
    labels = np.asarray(labels)
    sp = _speakers(len(labels), rng, pitch_shift, stretch)
    starts, ends, table = _timeline(labels, sp, rng)
    t = np.arange(n_samples) / sample_rate
    index = _segment_of_each_sample(starts, t)

    def per_sample(values):                                          # (N, S) -> (N, T)
        return np.take_along_axis(values, index, axis=1)

    start, end = per_sample(starts), per_sample(ends)
    length = np.where(end > start, end - start, 1.0)
    frac = (t - start) / length
    f0, f1 = per_sample(table[..., 1]), per_sample(table[..., 2])
    wobble = 1 + 0.015 * np.sin(2 * np.pi * sp["wobble_rate"][:, None] * t
                                + sp["wobble_phase"][:, None])
    pitch = (f0 + frac * (f1 - f0)) * 2.0 ** (sp["semitones"][:, None] / 12) * wobble
    ramp = np.clip(np.minimum(t - start, end - t) / _RAMP, 0.0, 1.0)
    inside = (t >= start) & (t < end)
    envelope = np.where(inside, per_sample(table[..., 3]) * ramp, 0.0) * sp["loudness"][:, None]
    kind = per_sample(table[..., 4])
    phase = sp["phase"][:, None] + 2 * np.pi * np.cumsum(np.where(kind == 0, pitch, 0.0),
                                                         axis=1) / sample_rate
    voiced = np.where(kind == 0, np.sin(phase), 0.0)
    hiss = np.zeros_like(voiced)
    hissing = kind == 1
    hiss[hissing] = rng.standard_normal(int(hissing.sum()))
    background = rng.standard_normal((len(labels), n_samples))
    return envelope * (voiced + hiss) + noise * background


def say(word, rng, *, pitch_shift=None, stretch=None, noise=0.02,
        sample_rate=SAMPLE_RATE, duration=DURATION):
    """Synthesise one utterance of ``word``; returns a waveform of shape (T,).

    ``word`` is one of ``WORDS`` (any case) or its label 0-3. The speaker is drawn
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
    n_samples, noise = _check_recording(sample_rate, duration, noise)
    if stretch is not None:
        check_positive("stretch", stretch)
    if pitch_shift is not None and (isinstance(pitch_shift, bool) or not isinstance(
            pitch_shift, (int, float, np.number)) or not np.isfinite(pitch_shift)):
        raise ValueError(f"pitch_shift: expected a number of semitones, got {pitch_shift!r}")
    return _synthesise([label], rng, pitch_shift, stretch, noise, sample_rate, n_samples)[0]


def toy_speech(n, rng, *, sample_rate=SAMPLE_RATE, duration=DURATION, noise=0.02):
    """``n`` synthetic utterances of the four words, as many of each word as possible.

    Returns ``(waveforms, labels, words)``: waveforms of shape (N, T) with
    ``T = round(sample_rate * duration)`` (6,144 by default), float64; labels of shape (N,),
    integers in 0-3 indexing ``words``; and ``words``, the tuple ``WORDS``.
    Each utterance has its own random speaker (see :func:`~nnlib.data.speech.say`), so no two are identical.
    Chapter 9 uses it; chapter 13 will read the same features in order with a recurrent
    network.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n: expected a positive integer number of utterances, got {n!r}")
    _check_rng(rng)
    n_samples, noise = _check_recording(sample_rate, duration, noise)
    labels = rng.permutation(np.arange(n) % len(WORDS))
    blocks = [_synthesise(labels[i:i + 256], rng, None, None, noise, sample_rate, n_samples)
              for i in range(0, n, 256)]                 # blocks of rows keep memory small
    return np.concatenate(blocks), labels, WORDS


def with_noise(waveforms, noise, rng, *, recorded=0.02):
    """The same recordings in a noisier room: background hiss raised to ``noise``.

    ``waveforms`` (N, T) or (T,) were recorded with background hiss of standard deviation
    ``recorded`` (the default of :func:`toy_speech`). Adding fresh hiss of standard
    deviation ``sqrt(noise**2 - recorded**2)`` gives hiss of standard deviation ``noise``
    in total (independent noises add their variances), so the speakers stay exactly the
    same and only the room changes. Chapter 9 tests the recogniser on its own test
    recordings this way. Returns a new array of the same shape; ``noise == recorded``
    returns an unchanged copy.
    """
    x = np.asarray(waveforms, dtype=np.float64)
    if x.ndim not in (1, 2) or x.shape[-1] < 2:
        raise ValueError(f"waveforms: expected shape (N, T) or (T,), got shape {x.shape}")
    _check_rng(rng)
    recorded = _check_nonnegative("recorded", recorded)
    noise = _check_nonnegative("noise", noise)
    if noise < recorded:
        raise ValueError(f"noise: expected at least the recorded noise {recorded:g} (hiss "
                         f"cannot be taken out again), got {noise!r}")
    extra = np.sqrt(noise ** 2 - recorded ** 2)
    return x + extra * rng.standard_normal(x.shape)


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

    ``waveforms`` has shape (N, T) (or (T,) for one waveform, giving shape (D,)), and
    ``D = n_chunks``.

    How the average frequency is measured: a chunk is only 6 ms long by default, shorter
    than one period of a deep voice (12.5 ms at 80 Hz), so counting how often the wave
    crosses zero would give only 0, 1, 2 or 3 per chunk. Instead we follow the wave's
    *phase*: the analytic signal (see ``_analytic``, frequencies above ``max_freq``
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


def speech_model(rng, hidden=(32, 16), n_inputs=128):
    """The chapter 9 network: n_inputs -> hidden[0] -> hidden[1] -> 4, ReLU between layers.

    ``n_inputs`` is the number of features per utterance, one per chunk (128 in the
    chapter; its exercise 9.5 tries fewer). Returns an ``nnlib.nn.Sequential`` whose last
    layer gives 4 logits (softmax turns them into the probabilities of the four words).
    """
    from nnlib import nn
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, (int, np.integer)) \
            or n_inputs < 1:
        raise ValueError(f"n_inputs: expected a positive integer, got {n_inputs!r}")
    sizes = (int(n_inputs), *hidden, len(WORDS))
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out, rng=rng))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def split_indices(labels, train=0.6, validation=0.15):
    """Chapter 9's stratified split: ``(train_idx, val_idx, test_idx)``, sorted arrays.

    For each word, its utterances in data-set order go ``train`` (60 %) to training, the
    next ``validation`` (15 %) to validation and the rest (25 %) to the test set, so every
    part has the same share of each word (for 2,000 utterances: 1,200, 300 and 500, with
    300, 75 and 125 of each word). :func:`toy_speech` puts the words in random order, so
    each part is also a random sample; no random numbers are drawn here.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"labels: expected a non-empty 1-D array, got shape {labels.shape}")
    for name, value in (("train", train), ("validation", validation)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            raise ValueError(f"{name}: expected a fraction between 0 and 1, got {value!r}")
    if train + validation >= 1:
        raise ValueError(f"train, validation: expected fractions that leave a test set, got "
                         f"{train} + {validation} >= 1")
    parts = ([], [], [])
    for word in np.unique(labels):
        rows = np.flatnonzero(labels == word)
        a = int(round(train * len(rows)))
        b = a + int(round(validation * len(rows)))
        for part, chosen in zip(parts, (rows[:a], rows[a:b], rows[b:])):
            part.append(chosen)
    return tuple(np.sort(np.concatenate(part)) for part in parts)


def trained_recogniser(seed=0, n=2000, epochs=20):
    """The recogniser of chapter 9, trained once per process and then reused.

    Exactly the notebook's recipe: ``rng = np.random.default_rng(seed)``,
    ``toy_speech(n, rng)``, :func:`speech_features` in kHz fed to the network as they are,
    the training part of :func:`split_indices` (60 % of each word),
    :func:`speech_model` built from the same ``rng``, Adam (lr 0.01), cross-entropy,
    ``epochs`` epochs of batches of 32, shuffled with the same ``rng``. (The notebook also
    measures the validation set after every epoch; that draws no random numbers, so it
    does not change the weights.) Deterministic: the same arguments give the same weights,
    however they are passed. Returns the model (in eval mode); it maps features (N, 128)
    to logits (N, 4). ``trained_recogniser.cache_clear()`` forgets the trained models.
    """
    return _trained(int(seed), int(n), int(epochs))


@functools.lru_cache(maxsize=4)
def _trained(seed, n, epochs):
    from nnlib import losses
    from nnlib import optim
    from nnlib.train.loop import fit
    rng = np.random.default_rng(seed)
    waveforms, labels, _ = toy_speech(n, rng)
    features = speech_features(waveforms)
    train, _, _ = split_indices(labels)
    model = speech_model(rng)
    fit(model, features[train], labels[train], loss=losses.cross_entropy,
        optimizer=optim.Adam(model.parameters(), lr=0.01), epochs=epochs,
        batch_size=32, rng=rng, progress=False)
    return model.eval()


trained_recogniser.cache_clear = _trained.cache_clear


def layer_values(model, features):
    """What every layer of ``model`` holds for ``features`` (N, D): a list of arrays.

    One entry per layer of the :class:`~nnlib.nn.Sequential`, in order, each the layer's
    output for the batch: for :func:`speech_model` ``[linear 1 (N, H1), ReLU 1 (N, H1),
    linear 2 (N, H2), ReLU 2 (N, H2), logits (N, 4)]``. Runs without building a graph.
    """
    from nnlib.tensor import Tensor, no_grad
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
