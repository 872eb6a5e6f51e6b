"""Short product and film reviews written for the course, and a bag-of-words vectoriser
(chapter 16, *In practice*: the sentiment-analysis starter project).

:func:`reviews` builds a few hundred one-sentence reviews from templates and word lists
with a seeded generator: "the battery was great and i loved it", "not worth the money, the
plot was dull". Each is labelled 1 (positive) or 0 (negative). Some reviews negate a word
("was not good"), so a model that only counts happy words is sometimes fooled: a small
taste of why sentiment is harder than it looks. Everything is offline and deterministic.

:class:`BagOfWords` turns texts into count vectors: one column per word of the training
texts' vocabulary, one row per text (scikit-learn's ``CountVectorizer`` does the same).
"""
import re

import numpy as np

from nnlib._checks import as_rng, check_size

__all__ = ["POSITIVE", "NEGATIVE", "THINGS", "reviews", "BagOfWords", "tokenize"]

#: Words that make a review positive / negative.
POSITIVE = ("great", "excellent", "wonderful", "good", "brilliant", "lovely", "superb",
            "fantastic", "enjoyable", "solid")
NEGATIVE = ("terrible", "awful", "boring", "bad", "poor", "dull", "horrible", "disappointing",
            "weak", "broken")
#: What the reviews talk about.
THINGS = ("film", "plot", "acting", "battery", "screen", "service", "food", "book", "ending",
          "price", "sound", "design")

_TEMPLATES = (
    "the {thing} was {word}",
    "the {thing} was {word} and the {thing2} was {word2}",
    "{word} {thing}, {closing}",
    "i thought the {thing} was {word}",
    "honestly the {thing} is {word}",
    "the {thing} was not {antiword}",
    "what a {word} {thing}",
    "{closing}, the {thing} was {word}",
)
_CLOSINGS = {1: ("i loved it", "highly recommended", "would buy again", "worth every penny"),
             0: ("i hated it", "not recommended", "never again", "a waste of money")}


def tokenize(text):
    """Lower-case words of ``text`` (letters and apostrophes), in order."""
    if not isinstance(text, str):
        raise ValueError(f"text: expected a string, got {type(text).__name__}")
    return re.findall(r"[a-z']+", text.lower())


def _one_review(label, rng):
    same, other = (POSITIVE, NEGATIVE) if label == 1 else (NEGATIVE, POSITIVE)
    template = _TEMPLATES[rng.integers(len(_TEMPLATES))]
    thing, thing2 = rng.choice(THINGS, size=2, replace=False)
    return template.format(
        thing=thing, thing2=thing2, word=rng.choice(same), word2=rng.choice(same),
        antiword=rng.choice(other), closing=rng.choice(_CLOSINGS[label]))


def reviews(n=400, rng=None):
    """``n`` short reviews, half positive and half negative, in shuffled order.

    Returns ``(texts, labels)``: a list of n strings and an int array (n,) of 1 (positive)
    and 0 (negative). The same ``rng`` seed gives the same reviews.
    """
    n = check_size("n", n)
    rng = as_rng(rng)
    labels = np.array([i % 2 for i in range(n)], dtype=np.int64)
    labels = labels[rng.permutation(n)]
    texts = [_one_review(int(label), rng) for label in labels]
    return texts, labels


class BagOfWords:
    """Texts -> word counts (chapter 16). ``fit`` learns the vocabulary (words seen at least
    ``min_count`` times in the training texts, sorted); ``transform`` counts them.

    Attributes after ``fit``: ``vocabulary_`` (word -> column), ``words`` (column -> word).
    Words never seen in training are ignored by ``transform``, as a real vectoriser does.

    >>> bow = BagOfWords().fit(["a good film", "a bad film"])
    >>> bow.words
    ['a', 'bad', 'film', 'good']
    >>> bow.transform(["good good film"]).tolist()
    [[0.0, 0.0, 1.0, 2.0]]
    """

    def __init__(self, min_count=1):
        self.min_count = check_size("min_count", min_count)
        self.vocabulary_ = None

    @staticmethod
    def _check_texts(texts):
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise ValueError("texts: expected a list of strings, got "
                             f"{type(texts).__name__}")
        return list(texts)

    def fit(self, texts):
        counts = {}
        for text in self._check_texts(texts):
            for word in tokenize(text):
                counts[word] = counts.get(word, 0) + 1
        self.words = sorted(w for w, c in counts.items() if c >= self.min_count)
        self.vocabulary_ = {w: i for i, w in enumerate(self.words)}
        return self

    def transform(self, texts):
        """(N, V) float array: row n counts each vocabulary word in ``texts[n]``."""
        if self.vocabulary_ is None:
            raise ValueError("BagOfWords: call fit(texts) before transform")
        texts = self._check_texts(texts)
        X = np.zeros((len(texts), len(self.words)))
        for n, text in enumerate(texts):
            for word in tokenize(text):
                column = self.vocabulary_.get(word)
                if column is not None:
                    X[n, column] += 1
        return X

    def fit_transform(self, texts):
        return self.fit(texts).transform(texts)
