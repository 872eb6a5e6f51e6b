"""Offline datasets for the course: small generators and the bundled handwritten digits.

Everything here is made on the spot with numpy (``digits()`` reads scikit-learn's bundled
copy of the UCI 8x8 digits); nothing is downloaded. Every random generator takes ``rng``:
a ``np.random.Generator``, an int seed, or None, which means seed 0, so that a chapter
re-run gives the same numbers.

Shapes follow the library's convention: features ``X`` are ``(N, D)``, labels ``y`` are
``(N,)`` integers.
"""
import numbers
from dataclasses import dataclass, field

import numpy as np

from nnlib._checks import as_rng
from nnlib.data.speech import WORDS, speech_features, toy_speech  # the four-word speech set (chapter 9)

__all__ = [
    "xor", "travel_insurance", "travel_insurance_customers", "TravelInsuranceNeuron",
    "bank_churn", "BANK_CHURN_FEATURES", "spirals", "digits", "Digits",
    "train_test_split", "standardize", "toy_speech", "speech_features", "WORDS",
]



def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def _fraction(name, value, allow_zero=False):
    low_ok = value >= 0 if allow_zero else value > 0
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (low_ok and value < 1):
        interval = "[0, 1)" if allow_zero else "(0, 1)"
        raise ValueError(f"{name}: expected a fraction in {interval}, got {value!r}")
    return float(value)


# ---------------------------------------------------------------------------- XOR (chapters 3-4)

def xor():
    """The XOR truth table: output 1 when exactly one input is 1 (chapters 3 and 4).

    Returns ``(X, y)`` with ``X`` of shape (4, 2) float64 and ``y`` of shape (4,) int.
    No straight line separates the two classes, so a single neuron cannot learn it.
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return X, y


# ---------------------------------------------------------------------------- travel insurance

TRAVEL_FEATURES = ("trip_cost_high", "travelling_abroad", "long_trip", "has_existing_cover")
TRAVEL_WEIGHTS = (0.4, 0.3, 0.2, -0.5)
TRAVEL_THRESHOLD = 0.5


@dataclass(frozen=True)
class TravelInsuranceNeuron:
    """One neuron deciding whether a traveller buys travel insurance (chapter 2).

    ``inputs`` are yes/no answers (1/0) about one trip, ``weights`` say how much each one
    matters (a negative weight argues against buying), and the step activation outputs 1
    when the weighted sum is greater than ``threshold``.
    """

    feature_names: tuple
    inputs: tuple
    weights: tuple
    threshold: float

    def weighted_sum(self):
        """Sum of input x weight over the features: 0.4 + 0.3 + 0 + 0 = 0.7 for the default trip."""
        return float(np.dot(self.inputs, self.weights))

    def output(self):
        """Step activation: 1 if the weighted sum is greater than the threshold, else 0."""
        return int(self.weighted_sum() > self.threshold)

    def table(self):
        """Rows ``(feature, input, weight, input * weight)``, for printing the sum term by term."""
        return [(n, x, w, x * w) for n, x, w in zip(self.feature_names, self.inputs, self.weights)]


def travel_insurance():
    """The travel-insurance neuron with one worked-out trip (chapter 2).

    The trip is expensive (1) and abroad (1), short (0), and the traveller has no cover yet (0).
    Weights 0.4, 0.3, 0.2 and -0.5 give the weighted sum

        1 x 0.4 + 1 x 0.3 + 0 x 0.2 + 0 x (-0.5) = 0.7

    which is greater than the threshold 0.5, so the step function outputs 1: this traveller
    buys the insurance. (The numbers are chosen so that the sum is exactly the float 0.7.)
    """
    return TravelInsuranceNeuron(
        feature_names=TRAVEL_FEATURES, inputs=(1, 1, 0, 0),
        weights=TRAVEL_WEIGHTS, threshold=TRAVEL_THRESHOLD,
    )


def travel_insurance_customers(n=200, rng=None, noise=0.1):
    """A synthetic table of travellers for training a single neuron (chapter 2).

    Each row holds the four yes/no features of :func:`travel_insurance` (a trip is
    expensive 40 % of the time, abroad 50 %, long 30 %; 35 % of travellers already have
    cover). The label says whether the traveller bought insurance: the neuron of
    :func:`travel_insurance` decides, after Gaussian noise of standard deviation ``noise``
    is added to its weighted sum (people are not perfectly predictable).

    Returns ``(X, y, feature_names)``: ``X`` (n, 4) float64 of 0/1, ``y`` (n,) int of 0/1.
    """
    n = _positive_int("n", n)
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or noise < 0:
        raise ValueError(f"noise: expected a number >= 0, got {noise!r}")
    rng = as_rng(rng)
    rates = np.array([0.4, 0.5, 0.3, 0.35])
    X = (rng.random((n, 4)) < rates).astype(np.float64)
    scores = X @ np.array(TRAVEL_WEIGHTS) + noise * rng.standard_normal(n)
    y = (scores > TRAVEL_THRESHOLD).astype(np.int64)
    return X, y, list(TRAVEL_FEATURES)


# ---------------------------------------------------------------------------- bank churn (ch. 8)

BANK_CHURN_FEATURES = (
    "credit_score", "age", "tenure_years", "balance", "num_products", "has_credit_card",
    "is_active_member", "estimated_salary", "geography_france", "geography_germany",
    "geography_spain", "is_female",
)


def _churn_customers(n, rng):
    """Draw the customer features (columns in BANK_CHURN_FEATURES order)."""
    credit = np.clip(np.round(rng.normal(650, 95, n)), 350, 850)
    age = np.clip(np.round(18 + rng.gamma(4.0, 5.2, n)), 18, 92)
    tenure = rng.integers(0, 11, n)
    has_balance = rng.random(n) > 0.36
    balance = np.where(has_balance, np.clip(rng.normal(120_000, 30_000, n), 1_000, None), 0.0)
    products = rng.choice([1, 2, 3, 4], size=n, p=[0.5, 0.46, 0.03, 0.01])
    card = rng.random(n) < 0.7
    active = rng.random(n) < 0.52
    salary = rng.uniform(10_000, 200_000, n)
    country = rng.choice(3, size=n, p=[0.5, 0.25, 0.25])  # France, Germany, Spain
    female = rng.random(n) < 0.45
    columns = [credit, age, tenure, np.round(balance, 2), products, card, active,
               np.round(salary, 2), country == 0, country == 1, country == 2, female]
    return np.column_stack(columns).astype(np.float64)


def _churn_logit(X):
    """The hidden rule behind the churn labels: a nonlinear logit per customer.

    - age: risk rises through the 40s and 50s and falls again after retirement (a bump),
      much more for inactive members (interaction);
    - number of products: U-shaped, two is the safest, three or four is almost sure churn;
    - a balance with a single product, living in Germany, being female, a low credit
      score and a short tenure add a little risk.
    """
    credit, age, tenure, balance, products = X[:, 0], X[:, 1], X[:, 2], X[:, 3], X[:, 4]
    active, germany, female = X[:, 6], X[:, 9], X[:, 11]
    age_bump = np.exp(-(((age - 54) / 11) ** 2))
    product_risk = np.select([products == 1, products == 2, products == 3], [0.7, -1.7, 3.6], 5.4)
    z = (-3.4
         + 3.6 * age_bump * (1.5 - active)
         + product_risk
         + 1.0 * (balance > 0) * (products == 1)
         + 0.7 * germany
         + 0.4 * female
         - 0.6 * active
         - 0.5 * (credit - 650) / 100
         - 0.04 * (tenure - 5))
    return z


def bank_churn(n=10_000, rng=None):
    """A synthetic bank-customer table: will the customer leave within six months? (chapter 8)

    Features (columns of ``X``, names in ``feature_names``): credit score (350-850), age
    (18-92), tenure in years (0-10), account balance (0 for about a third of customers),
    number of products (1-4), has a credit card (0/1), is an active member (0/1), estimated
    salary, geography one-hot (France, Germany, Spain) and gender (is_female 0/1).

    The label ``y`` (1 = leaves) is drawn from a hidden nonlinear rule (an age bump that is
    stronger for inactive members, a U-shape in the number of products, a balance effect)
    so that about 20 % of customers leave. Always answering "stays" is right about 80 % of
    the time; a small network trained on standardised features reaches about 86 %.

    Returns ``(X, y, feature_names)``: ``X`` (n, 12) float64, ``y`` (n,) int, a list of 12 names.
    """
    n = _positive_int("n", n)
    rng = as_rng(rng)
    X = _churn_customers(n, rng)
    p_leave = 1.0 / (1.0 + np.exp(-_churn_logit(X)))
    y = (rng.random(n) < p_leave).astype(np.int64)
    return X, y, list(BANK_CHURN_FEATURES)


# ---------------------------------------------------------------------------- spirals

def spirals(n_per_class=100, n_classes=3, noise=0.2, rng=None):
    """Interleaved spiral arms, one per class: a classic non-linearly separable 2-D problem.

    Class ``k`` has ``n_per_class`` points at radius r in [0, 1] and angle
    ``4k + 4r + noise * N(0, 1)`` radians (the cs231n construction).

    Returns ``(X, y)``: ``X`` (n_per_class * n_classes, 2) float64, ``y`` int class indices.
    """
    n_per_class = _positive_int("n_per_class", n_per_class)
    n_classes = _positive_int("n_classes", n_classes)
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or noise < 0:
        raise ValueError(f"noise: expected a number >= 0, got {noise!r}")
    rng = as_rng(rng)
    radius = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)
    angle = 4.0 * y + 4.0 * radius + noise * rng.standard_normal(radius.size)
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    return X, y


# ---------------------------------------------------------------------------- splits & scaling

def _split_indices(y, fraction, rng, stratify):
    """Indices (rest, taken) with ``fraction`` of the rows taken, per class when stratified."""
    n = len(y)
    if not stratify:
        order = rng.permutation(n)
        k = int(round(fraction * n))
        return np.sort(order[k:]), np.sort(order[:k])
    taken = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        k = int(round(fraction * members.size))
        taken.append(rng.permutation(members)[:k])
    taken = np.sort(np.concatenate(taken))
    rest = np.setdiff1d(np.arange(n), taken, assume_unique=True)
    return rest, taken


def train_test_split(X, y, test_size=0.2, rng=None, stratify=True):
    """Split ``X`` (N, ...) and ``y`` (N,) into train and test parts (chapter 8).

    ``test_size`` is the fraction of rows that go to the test set. With ``stratify=True``
    each class keeps its share in both parts (rounded per class). Rows keep their original
    order inside each part.

    Returns ``X_train, X_test, y_train, y_test`` (the order scikit-learn uses).
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X, y: expected the same number of samples, got {len(X)} and {len(y)}")
    test_size = _fraction("test_size", test_size)
    train_idx, test_idx = _split_indices(y, test_size, as_rng(rng), stratify)
    if train_idx.size == 0 or test_idx.size == 0:
        raise ValueError(
            f"test_size: expected a fraction leaving rows in both parts, got {test_size} "
            f"for {len(y)} rows"
        )
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


def standardize(X_train, *others):
    """Scale every column to mean 0 and standard deviation 1, using the training rows only.

    The mean and standard deviation come from ``X_train`` (N, D) and are applied to
    ``X_train`` and to every array in ``others`` (validation and test sets), so no
    information leaks from the test set. Constant columns are only centred.

    Returns the scaled ``X_train`` alone if no other arrays are given, else a tuple.
    """
    X_train = np.asarray(X_train, dtype=np.float64)
    if X_train.ndim != 2 or len(X_train) == 0:
        raise ValueError(
            f"X_train: expected a non-empty 2-D array (N, D), got shape {X_train.shape}"
        )
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std[std == 0] = 1.0
    scaled = []
    for i, X in enumerate((X_train,) + others):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != mean.size:
            raise ValueError(
                f"others[{i - 1}]: expected shape (N, {mean.size}) like X_train, "
                f"got shape {X.shape}"
            )
        scaled.append((X - mean) / std)
    return scaled[0] if not others else tuple(scaled)


# ---------------------------------------------------------------------------- digits

@dataclass
class Digits:
    """The 8x8 handwritten digits, split into train / (validation) / test parts.

    ``X_*`` are flattened images (N, 64), ``y_*`` the digits 0-9 (N,). ``images`` holds all
    1797 images (1797, 8, 8) and ``target`` their labels, in the original order.
    """

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    X_val: np.ndarray = None
    y_val: np.ndarray = None
    images: np.ndarray = field(default=None, repr=False)
    target: np.ndarray = field(default=None, repr=False)

    @property
    def images_train(self):
        """Training images as (N, 8, 8)."""
        return self.X_train.reshape(-1, 8, 8)

    @property
    def images_test(self):
        """Test images as (N, 8, 8)."""
        return self.X_test.reshape(-1, 8, 8)

    def __repr__(self):
        val = "" if self.X_val is None else f", val={len(self.X_val)}"
        return (f"Digits(train={len(self.X_train)}{val}, test={len(self.X_test)}, "
                f"64 features, 10 classes)")


def digits(test_size=0.25, validation_size=0.0, rng=None, scale=True):
    """The UCI handwritten digits (1797 images of 8x8 pixels, 16 grey levels), split (chapter 8).

    Loaded from scikit-learn's bundled copy (offline). With ``scale=True`` pixels are divided
    by 16 so they lie in [0, 1]. The split is stratified (every digit keeps its share) and
    deterministic for a given ``rng``: ``test_size`` of all images go to the test set,
    then ``validation_size`` (a fraction of all images) to the validation set.

    Returns a :class:`Digits` with ``X_train, X_test, y_train, y_test`` (and ``X_val, y_val``
    when ``validation_size > 0``), plus ``images`` (1797, 8, 8) and ``target`` (1797,).
    """
    from sklearn.datasets import load_digits

    test_size = _fraction("test_size", test_size)
    validation_size = _fraction("validation_size", validation_size, allow_zero=True)
    if test_size + validation_size >= 1:
        raise ValueError(
            f"test_size + validation_size: expected a total below 1, got "
            f"{test_size} + {validation_size}"
        )
    rng = as_rng(rng)
    bunch = load_digits()
    X = bunch.data.astype(np.float64) / (16.0 if scale else 1.0)
    y = bunch.target.astype(np.int64)
    rest, test = _split_indices(y, test_size, rng, stratify=True)
    val = None
    if validation_size:
        share = validation_size / (1 - test_size)  # of the rows left after the test split
        inner_rest, inner_val = _split_indices(y[rest], share, rng, stratify=True)
        rest, val = rest[inner_rest], rest[inner_val]
    return Digits(
        X_train=X[rest], X_test=X[test], y_train=y[rest], y_test=y[test],
        X_val=None if val is None else X[val], y_val=None if val is None else y[val],
        images=X.reshape(-1, 8, 8), target=y,
    )
