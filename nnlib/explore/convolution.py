"""The computations of chapter 12, *Convolutional networks*: hand-set filters, digit CNNs
and the shape table of a photo classifier.

Three parts, each used by the chapter's notebook, its figures (:mod:`nnlib.viz.convolution`)
and its explorer:

- **Filters by hand** (:data:`KERNELS`, :func:`digit_image`, :func:`feature_map`,
  :func:`relu_map`, :func:`max_pool_map`, :func:`slide_step`): a 3x3 filter slid over one
  8x8 digit, computed with the library's own ``conv2d_forward`` and ``maxpool2d_forward``.
  Pixels are the digits' raw grey levels, whole numbers from 0 (blank) to 16 (full ink), so
  the arithmetic can be read; the networks below see them divided by 16.
- **Digit networks** (:func:`digits_cnn`, :func:`digits_mlp`, :func:`train_digit_model`,
  :func:`shift_summary`): the chapter's CNN (conv 16 -> pool -> conv 32 -> pool -> dense)
  and a dense network of about the same size, trained on the digits with or without
  shifted copies of the training images, and scored on test digits moved by 1 or 2 pixels.
- **Shapes and parameter counts** (:func:`conv`, :func:`pool`, :func:`dense`, ...,
  :func:`layer_table`, :func:`build`): a list of layers traced through an input shape,
  layer by layer, with arithmetic only, so that a 224x224 colour photo and a dense layer of
  150 million weights cost nothing to tabulate. :func:`build` turns the same list into real
  nnlib layers, which is how the tests check the arithmetic.

The networks train in float64 with one BLAS thread: float32 would be faster, but its
last-bit rounding differs between processors, and over hundreds of steps that can change a
test answer or two; the book's numbers must come out the same on every machine.
"""
import functools
import math
import numbers
from dataclasses import dataclass

import numpy as np

from nnlib.explore.runs import check_int, one_blas_thread

__all__ = [
    "KERNELS", "PRESETS", "DIGIT_EXAMPLES", "digit_image", "as_kernel", "feature_map",
    "relu_map", "max_pool_map", "SlideStep", "slide_step",
    "LR", "EPOCHS", "BATCH_SIZE", "SEEDS", "SHIFT_DISTANCES", "KINDS", "digit_split",
    "digits_cnn", "digits_mlp", "shifted_test_set", "DigitRun", "train_digit_model",
    "shift_summary", "layer_outputs", "LOOKALIKES", "closest_kernels",
    "LayerSpec", "conv", "pool", "relu", "flatten", "dense", "softmax", "LayerRow",
    "layer_table", "table_totals", "build", "CAT_INPUT", "CAT_CLASSES", "cat_cnn",
    "cat_dense",
]

# ---------------------------------------------------------------------------- filters by hand

_VERTICAL = [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]
_HORIZONTAL = [[-1, -1, -1], [0, 0, 0], [1, 1, 1]]

#: Hand-set 3x3 filters by name. The first five are the usual presets of image editors;
#: the others are set by hand for the chapter. Signs follow the ink: "vertical edge" is
#: positive where ink increases from left to right (a stroke's left side), "horizontal
#: edge" where it increases downwards (a stroke's top side).
KERNELS = {
    "vertical edge": np.array(_VERTICAL, dtype=float),
    "horizontal edge": np.array(_HORIZONTAL, dtype=float),
    "blur": np.full((3, 3), 1 / 9),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
    "vertical edge, flipped": -np.array(_VERTICAL, dtype=float),
    "diagonal edge": np.array([[0, 1, 1], [-1, 0, 1], [-1, -1, 0]], dtype=float),
    "outline": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float),
}
for _k in KERNELS.values():
    _k.flags.writeable = False
#: The five presets (the rest of :data:`KERNELS` are hand-set extras).
PRESETS = ("vertical edge", "horizontal edge", "blur", "sharpen", "identity")

#: Indices into scikit-learn's 1,797 digits of the examples the chapter uses (a 0, a 2
#: and a 7, each clearly written).
DIGIT_EXAMPLES = {0: 0, 2: 2, 7: 7}


@functools.lru_cache(maxsize=1)
def _all_digit_images():
    from sklearn.datasets import load_digits

    images = load_digits().images.astype(np.float64)      # (1797, 8, 8), 0..16
    images.flags.writeable = False
    return images


def digit_image(index=DIGIT_EXAMPLES[2]):
    """One digit of scikit-learn's bundled set as an (8, 8) array of grey levels 0 to 16
    (not divided by 16), read-only. ``index``: 0 to 1,796 (the same order as
    ``nnlib.datasets.digits(...).images``)."""
    images = _all_digit_images()
    return images[check_int("index", index, 0, len(images) - 1)]


def as_kernel(kernel):
    """A kernel given by name (a key of :data:`KERNELS`) or as numbers, as a 2-D float
    array (kH, kW) with odd sides."""
    if isinstance(kernel, str):
        if kernel not in KERNELS:
            raise ValueError(f"kernel: expected one of {list(KERNELS)} or a 2-D array of "
                             f"numbers, got {kernel!r}")
        return KERNELS[kernel]
    try:
        array = np.asarray(kernel, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"kernel: expected a name or a 2-D array of numbers, got "
                         f"{kernel!r}") from None
    if array.ndim != 2 or array.shape[0] % 2 == 0 or array.shape[1] % 2 == 0:
        raise ValueError(f"kernel: expected a 2-D array with odd sides such as (3, 3), got "
                         f"shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("kernel: expected finite numbers, got NaN or inf")
    return array


def _as_image(image):
    image = np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"image: expected one 2-D image (H, W), got shape {image.shape}")
    return image


def feature_map(image, kernel, stride=1, padding=0):
    """Slide ``kernel`` over ``image`` (H, W): the feature map (Ho, Wo).

    Entry ``[i, j]`` is the sum of the kernel times the patch whose top-left corner is at
    row ``i * stride``, column ``j * stride`` of the image padded with ``padding`` rows and
    columns of zeros (cross-correlation, as in PyTorch and ``nnlib.nn.Conv2d``, whose
    forward function computes it). ``Ho = (H + 2 padding - kH) // stride + 1``.
    """
    from nnlib.nn.conv import conv2d_forward

    image, kernel = _as_image(image), as_kernel(kernel)
    stride = check_int("stride", stride, 1)
    padding = check_int("padding", padding, 0)
    if kernel.shape[0] > image.shape[0] + 2 * padding or \
            kernel.shape[1] > image.shape[1] + 2 * padding:
        raise ValueError(f"kernel: expected a kernel no larger than the padded image, got "
                         f"shape {kernel.shape} for an image {image.shape} with padding "
                         f"{padding}")
    out, _ = conv2d_forward(image[None, None], kernel[None, None], None, stride, padding)
    return np.ascontiguousarray(out[0, 0])


def relu_map(fmap):
    """ReLU of a feature map: negative entries become 0."""
    return np.maximum(np.asarray(fmap, dtype=float), 0.0)


def max_pool_map(fmap, size=2):
    """Max pooling of a 2-D map (H, W) with ``size`` x ``size`` windows side by side:
    (H // size, W // size), a leftover row or column dropped (as ``nnlib.nn.MaxPool2d``).
    A map smaller than one window is returned unchanged."""
    from nnlib.nn.pooling import maxpool2d_forward

    fmap = _as_image(fmap)
    size = check_int("size", size, 1)
    if min(fmap.shape) < size:
        return fmap.copy()
    out, _ = maxpool2d_forward(fmap[None, None], size)
    return np.ascontiguousarray(out[0, 0])


@dataclass(frozen=True)
class SlideStep:
    """One position of a filter on an image: the patch under it, the products, their sum.

    ``row, col``: the output position (also the patch's top-left corner, with stride 1 and
    no padding); ``patch``, ``products``: (kH, kW); ``total``: the feature map's entry.
    """

    row: int
    col: int
    patch: np.ndarray
    products: np.ndarray
    total: float


def slide_step(image, kernel, row, col):
    """The filter at output position (``row``, ``col``) of ``image`` (stride 1, no
    padding), worked out: patch, products and their sum, a :class:`SlideStep`."""
    image, kernel = _as_image(image), as_kernel(kernel)
    kh, kw = kernel.shape
    row = check_int("row", row, 0, image.shape[0] - kh)
    col = check_int("col", col, 0, image.shape[1] - kw)
    patch = image[row:row + kh, col:col + kw].copy()
    products = patch * kernel
    return SlideStep(row, col, patch, products, float(products.sum()))


# ---------------------------------------------------------------------------- digit networks

#: Training settings of the chapter's digit networks: Adam, mini-batches of 64, 30 epochs.
LR, EPOCHS, BATCH_SIZE = 3e-3, 30, 64
#: Seeds of the repeated runs (each picks the split, the initial weights and the shuffling).
SEEDS = (0, 1, 2)
#: How far the test digits are moved (in pixels) to test translation invariance.
SHIFT_DISTANCES = (0, 1, 2)
#: The networks: the chapter's CNN, the same CNN with a global max pool before its dense
#: layer (exercise), and a dense network (MLP) of about the same size.
KINDS = ("cnn", "cnn_global_pool", "mlp")
_DIRECTIONS = ((0, 1), (0, -1), (1, 0), (-1, 0))   # right, left, down, up (rows, columns)
_DTYPE = np.float64


@functools.lru_cache(maxsize=4)
def digit_split(seed=0):
    """``nnlib.datasets.digits(test_size=0.25, rng=seed)``: 1,347 training and 450 test
    digits, pixels in [0, 1], cached per seed."""
    from nnlib.data.datasets import digits

    return digits(test_size=0.25, rng=check_int("seed", seed, 0))


def digits_cnn(rng=None, head="flatten"):
    """The chapter's CNN for (N, 1, 8, 8) digits; 6,090 parameters with ``head="flatten"``::

        Conv2d(1, 16, 3, padding=1) -> ReLU -> MaxPool2d(2)      # (N, 16, 4, 4)
        Conv2d(16, 32, 3, padding=1) -> ReLU -> MaxPool2d(2)     # (N, 32, 2, 2)
        Flatten -> Linear(128, 10)                               # scores (N, 10)

    ``head="global max"`` puts one more ``MaxPool2d(2)`` before ``Flatten``: each of the 32
    maps keeps only its largest value, wherever it was, and the dense layer is
    ``Linear(32, 10)``.
    """
    from nnlib import nn
    from nnlib._checks import as_rng

    if head not in ("flatten", "global max"):
        raise ValueError(f"head: expected 'flatten' or 'global max', got {head!r}")
    rng = as_rng(rng)
    layers = [nn.Conv2d(1, 16, 3, padding=1, rng=rng, dtype=_DTYPE), nn.ReLU(),
              nn.MaxPool2d(2),
              nn.Conv2d(16, 32, 3, padding=1, rng=rng, dtype=_DTYPE), nn.ReLU(),
              nn.MaxPool2d(2)]
    if head == "global max":
        layers += [nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32, 10, rng=rng, dtype=_DTYPE)]
    else:
        layers += [nn.Flatten(), nn.Linear(32 * 2 * 2, 10, rng=rng, dtype=_DTYPE)]
    return nn.Sequential(*layers)


def digits_mlp(rng=None):
    """A dense network for (N, 64) digits: Linear(64, 128) -> ReLU -> Linear(128, 10),
    9,610 parameters (chapter 8's digit reader)."""
    from nnlib import nn
    from nnlib._checks import as_rng

    rng = as_rng(rng)
    return nn.Sequential(nn.Linear(64, 128, rng=rng, dtype=_DTYPE), nn.ReLU(),
                         nn.Linear(128, 10, rng=rng, dtype=_DTYPE))


def _shift(images, dy, dx):
    """Move (N, H, W) images ``dy`` rows down and ``dx`` columns right; blank (0) moves in."""
    from nnlib.explore.generalisation import shift_images

    return shift_images(images, dy, dx)


def shifted_test_set(X, y, distance):
    """Every image of ``X`` (N, 64) moved ``distance`` pixels right, left, down and up:
    ``(X (4N, 64), y (4N,))``; distance 0 returns ``(X, y)`` unchanged."""
    distance = check_int("distance", distance, 0, 7)
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 64:
        raise ValueError(f"X: expected flattened 8x8 images (N, 64), got shape {X.shape}")
    if distance == 0:
        return X, np.asarray(y)
    images = X.reshape(-1, 8, 8)
    moved = [_shift(images, dy * distance, dx * distance).reshape(len(X), 64)
             for dy, dx in _DIRECTIONS]
    return np.concatenate(moved), np.tile(np.asarray(y), len(_DIRECTIONS))


def _as_input(kind, X):
    return X if kind == "mlp" else X.reshape(-1, 1, 8, 8)


@dataclass(frozen=True)
class DigitRun:
    """One trained digit network and its scores.

    ``kind``: one of :data:`KINDS`; ``augment``: trained on the training images plus their
    four one-pixel shifts; ``epochs``: :data:`EPOCHS`, or a fifth of it with augmentation
    (five times the images, so the same number of gradient steps); ``n_train``: training
    images per epoch; ``accuracy``: test accuracy for each distance of
    :data:`SHIFT_DISTANCES` (0: the ordinary test digits); ``model``: the trained network
    (reuse it, do not train it further: runs are cached).
    """

    kind: str
    augment: bool
    seed: int
    epochs: int
    n_train: int
    accuracy: tuple
    model: object

    @property
    def test_accuracy(self):
        """Accuracy on the ordinary test digits."""
        return self.accuracy[0]

    def shifted_accuracy(self, distance=1):
        """Accuracy on the test digits moved ``distance`` pixels in each direction."""
        return self.accuracy[SHIFT_DISTANCES.index(distance)]

    @property
    def n_parameters(self):
        return sum(p.data.size for p in self.model.parameters())


def train_digit_model(kind="cnn", seed=0, augment=False):
    """Train one digit network on :func:`digit_split` ``(seed)`` and score it; cached.

    Adam (learning rate :data:`LR`), mini-batches of :data:`BATCH_SIZE`, softmax
    cross-entropy, :data:`EPOCHS` epochs (a fifth of that with ``augment``). The seed
    picks the split, the initial weights (``default_rng(seed)``) and the shuffling
    (``fit(rng=seed)``). Returns a :class:`DigitRun`.
    """
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {list(KINDS)}, got {kind!r}")
    if not isinstance(augment, (bool, np.bool_)):
        raise ValueError(f"augment: expected True or False, got {augment!r}")
    return _train(kind, check_int("seed", seed, 0), bool(augment))


@functools.lru_cache(maxsize=32)
def _train(kind, seed, augment):
    from nnlib.optim import Adam
    from nnlib.train.loop import fit, predict

    d = digit_split(seed)
    X, y, epochs = d.X_train, d.y_train, EPOCHS
    if augment:
        moved, moved_y = shifted_test_set(X, y, 1)
        X, y = np.concatenate([X, moved]), np.concatenate([y, moved_y])
        epochs = EPOCHS // (1 + len(_DIRECTIONS))
    rng = np.random.default_rng(seed)
    if kind == "mlp":
        model = digits_mlp(rng)
    else:
        model = digits_cnn(rng, head="global max" if kind == "cnn_global_pool" else "flatten")
    scores = []
    with one_blas_thread():
        fit(model, _as_input(kind, X), y, loss="cross_entropy",
            optimizer=Adam(model.parameters(), lr=LR), epochs=epochs,
            batch_size=BATCH_SIZE, rng=seed, progress=False)
        for distance in SHIFT_DISTANCES:
            X_test, y_test = shifted_test_set(d.X_test, d.y_test, distance)
            guess = predict(model, _as_input(kind, X_test)).argmax(axis=1)
            scores.append(float(np.mean(guess == y_test)))
    return DigitRun(kind, augment, seed, epochs, len(X), tuple(scores), model)


def shift_summary(kinds=("cnn", "mlp"), seeds=SEEDS):
    """Accuracies of every (kind, augment) pair over ``seeds``, trained as needed.

    Returns ``{(kind, augment): array (len(seeds), len(SHIFT_DISTANCES))}``: row s holds
    seed s's accuracy on the test digits moved 0, 1 and 2 pixels.
    """
    seeds = tuple(check_int("seeds", s, 0) for s in seeds)
    if not seeds:
        raise ValueError("seeds: expected at least one seed, got none")
    return {(kind, augment): np.array([train_digit_model(kind, s, augment).accuracy
                                       for s in seeds])
            for kind in kinds for augment in (False, True)}


def layer_outputs(model, image):
    """Every layer's output for one digit, ``[(layer name, array)]`` in order: the arrays
    are (C, H, W) feature maps, then vectors. ``image``: (8, 8) pixels in [0, 1]."""
    from nnlib.tensor import no_grad

    image = np.asarray(image, dtype=_DTYPE)
    if image.shape != (8, 8):
        raise ValueError(f"image: expected one 8x8 digit (8, 8), got shape {image.shape}")
    x, outputs = image.reshape(1, 1, 8, 8), []
    with no_grad():
        for layer in model:
            x = layer(x)
            outputs.append((type(layer).__name__, np.asarray(x.data)[0]))
    return outputs


#: The hand-set filters a learned filter is compared with in :func:`closest_kernels`.
LOOKALIKES = ("vertical edge", "horizontal edge", "diagonal edge", "blur", "outline")


def closest_kernels(filters, names=LOOKALIKES):
    """For each 3x3 filter of ``filters`` (F, 3, 3), the most similar hand-set kernel.

    Similarity is the cosine of the angle between the two filters read as vectors of 9
    numbers: 1 for the same pattern (at any scale), -1 for the same pattern with every sign
    flipped, about 0 for unrelated patterns. Returns a list of F pairs
    ``(name, similarity)``, the name with the largest absolute similarity.
    """
    filters = np.asarray(filters, dtype=float)
    if filters.ndim != 3 or filters.shape[1:] != (3, 3):
        raise ValueError(f"filters: expected an array (F, 3, 3), got shape {filters.shape}")
    kernels = np.stack([as_kernel(n).ravel() for n in names])            # (K, 9)
    kernels = kernels / np.linalg.norm(kernels, axis=1, keepdims=True)
    flat = filters.reshape(len(filters), 9)
    norms = np.linalg.norm(flat, axis=1, keepdims=True)
    sims = (flat / np.where(norms > 0, norms, 1.0)) @ kernels.T          # (F, K)
    best = np.argmax(np.abs(sims), axis=1)
    return [(names[k], float(sims[f, k])) for f, k in enumerate(best)]


# ---------------------------------------------------------------------------- shapes and counts

@dataclass(frozen=True)
class LayerSpec:
    """One layer of a list given to :func:`layer_table`: its ``kind`` and settings.

    Only the output size is given (``out``: filters or neurons); the input size follows
    from the layer before, as it does in the network.
    """

    kind: str
    out: int = 0
    kernel_size: int = 0
    stride: int = 1
    padding: int = 0

    @property
    def name(self):
        if self.kind == "conv":
            return f"conv {self.kernel_size}x{self.kernel_size}, {self.out} filters"
        if self.kind == "pool":
            return f"max pool {self.kernel_size}x{self.kernel_size}"
        if self.kind == "dense":
            return f"dense, {self.out} neurons"
        return self.kind


def conv(out_channels, kernel_size=3, stride=1, padding=None):
    """A convolution with ``out_channels`` filters (padding None: ``kernel_size // 2``,
    which keeps the size for an odd kernel and stride 1)."""
    kernel_size = check_int("kernel_size", kernel_size, 1)
    padding = kernel_size // 2 if padding is None else check_int("padding", padding, 0)
    return LayerSpec("conv", check_int("out_channels", out_channels, 1), kernel_size,
                     check_int("stride", stride, 1), padding)


def pool(kernel_size=2):
    """Max pooling with ``kernel_size`` x ``kernel_size`` windows side by side."""
    kernel_size = check_int("kernel_size", kernel_size, 1)
    return LayerSpec("pool", 0, kernel_size, kernel_size, 0)


def relu():
    """ReLU, applied to every number; no parameters, shape unchanged."""
    return LayerSpec("ReLU")


def flatten():
    """Flatten (C, H, W) feature maps into one vector of C*H*W numbers."""
    return LayerSpec("flatten")


def dense(out_features):
    """A dense (fully connected) layer of ``out_features`` neurons."""
    return LayerSpec("dense", check_int("out_features", out_features, 1))


def softmax():
    """Softmax over the last layer's scores; no parameters."""
    return LayerSpec("softmax")


@dataclass(frozen=True)
class LayerRow:
    """One row of :func:`layer_table`: a layer, the shape it outputs for ONE image, how many
    numbers that is, its parameters (weights and biases) and its multiply-adds."""

    name: str
    shape: tuple
    size: int
    parameters: int
    multiply_adds: int


def _trace(spec, shape):
    """``(output shape, parameters, multiply-adds)`` of ``spec`` on an input of ``shape``."""
    if spec.kind == "conv":
        if len(shape) != 3:
            raise ValueError(f"layers: a conv layer expected feature maps (C, H, W), got "
                             f"shape {shape} (put it before flatten)")
        c, h, w = shape
        k, s, p = spec.kernel_size, spec.stride, spec.padding
        ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        if ho < 1 or wo < 1:
            raise ValueError(f"layers: a {k}x{k} kernel does not fit an input {shape}")
        per_output = c * k * k                          # one filter's weights
        return (spec.out, ho, wo), spec.out * (per_output + 1), spec.out * ho * wo * per_output
    if spec.kind == "pool":
        if len(shape) != 3:
            raise ValueError(f"layers: pooling expected feature maps (C, H, W), got shape "
                             f"{shape}")
        c, h, w = shape
        k = spec.kernel_size
        if h < k or w < k:
            raise ValueError(f"layers: a {k}x{k} pooling window does not fit an input "
                             f"{shape}")
        return (c, h // k, w // k), 0, 0
    if spec.kind == "flatten":
        return (math.prod(shape),), 0, 0
    if spec.kind == "dense":
        if len(shape) != 1:
            raise ValueError(f"layers: a dense layer expected a vector, got shape {shape} "
                             "(put flatten before it)")
        n_in = shape[0]
        return (spec.out,), n_in * spec.out + spec.out, n_in * spec.out
    return tuple(shape), 0, 0                          # ReLU, softmax


def layer_table(layers, input_shape):
    """Trace ``layers`` (a list of :class:`LayerSpec`) through ``input_shape`` (C, H, W).

    Returns a list of :class:`LayerRow`, the input first (no parameters), then one row per
    layer: the shape it outputs for one image, its size, its parameters (a conv layer:
    ``filters * (C * kH * kW + 1)``; a dense layer: ``inputs * neurons + neurons``) and
    its multiply-adds (conv: one per weight per output position; dense: one per weight).
    """
    shape = tuple(check_int("input_shape", s, 1) for s in input_shape)
    if len(shape) not in (1, 3):
        raise ValueError(f"input_shape: expected (C, H, W) or (D,), got {input_shape!r}")
    rows = [LayerRow("input", shape, math.prod(shape), 0, 0)]
    for i, spec in enumerate(layers):
        if not isinstance(spec, LayerSpec):
            raise ValueError(f"layers[{i}]: expected a layer made by conv(), pool(), relu(), "
                             f"flatten(), dense() or softmax(), got {spec!r}")
        shape, params, madds = _trace(spec, shape)
        rows.append(LayerRow(spec.name, shape, math.prod(shape), params, madds))
    return rows


def table_totals(rows):
    """``(parameters, multiply-adds)`` summed over the rows of :func:`layer_table`."""
    return sum(r.parameters for r in rows), sum(r.multiply_adds for r in rows)


def build(layers, input_shape, rng=None):
    """The real nnlib network for ``layers`` on inputs of ``input_shape`` (C, H, W) (for
    small inputs: every weight is allocated). Softmax becomes ``nn.Softmax(axis=1)``."""
    from nnlib import nn
    from nnlib._checks import as_rng

    rng = as_rng(rng)
    shape, modules = tuple(input_shape), []
    for spec in layers:
        if spec.kind == "conv":
            modules.append(nn.Conv2d(shape[0], spec.out, spec.kernel_size, spec.stride,
                                     spec.padding, rng=rng))
        elif spec.kind == "pool":
            modules.append(nn.MaxPool2d(spec.kernel_size))
        elif spec.kind == "dense":
            modules.append(nn.Linear(shape[0], spec.out, rng=rng))
        else:
            modules.append({"ReLU": nn.ReLU, "flatten": nn.Flatten,
                            "softmax": lambda: nn.Softmax(axis=1)}[spec.kind]())
        shape = _trace(spec, shape)[0]
    return nn.Sequential(*modules)


#: The photo of the source example: 224 x 224 pixels, 3 colour channels (red, green, blue).
CAT_INPUT = (3, 224, 224)
#: Its classes and the answer a trained network gives in the source example.
CAT_CLASSES = {"cat": 0.95, "dog": 0.03, "bird": 0.02}


def cat_cnn(classes=len(CAT_CLASSES)):
    """The photo classifier of the chapter: five blocks of (3x3 conv, ReLU, 2x2 max pool)
    with 64, 128, 256, 512 and 512 filters, then flatten, a dense layer of 256 ReLU neurons
    and a dense layer of ``classes`` scores with softmax."""
    layers = []
    for filters in (64, 128, 256, 512, 512):
        layers += [conv(filters), relu(), pool(2)]
    return layers + [flatten(), dense(256), relu(), dense(classes), softmax()]


def cat_dense(hidden=(1024, 256), classes=len(CAT_CLASSES)):
    """A dense network on the same photo: flatten the 150,528 numbers, then dense ReLU
    layers of ``hidden`` neurons, then ``classes`` scores with softmax."""
    layers = [flatten()]
    for width in hidden:
        layers += [dense(width), relu()]
    return layers + [dense(classes), softmax()]
