"""nnlib.data.reviews (chapter 16): the course's review data and the bag of words."""
import numpy as np
import pytest

from nnlib.data import reviews as rv


def test_reviews_are_seeded_and_balanced():
    texts, labels = rv.reviews(200, rng=3)
    again, labels2 = rv.reviews(200, rng=3)
    assert texts == again and np.array_equal(labels, labels2)
    assert len(texts) == 200 and labels.sum() == 100
    assert rv.reviews(200, rng=4)[0] != texts


def test_each_review_carries_its_sentiment():
    texts, labels = rv.reviews(300, rng=0)
    for text, label in zip(texts, labels):
        words = rv.tokenize(text)
        same = set(rv.POSITIVE if label else rv.NEGATIVE)
        other = set(rv.NEGATIVE if label else rv.POSITIVE)
        negated = {words[i + 2] for i in range(len(words) - 2)
                   if words[i:i + 2] == ["was", "not"]}
        assert negated <= other            # "was not <a word of the other side>"
        plain = set(words) - negated
        assert not plain & other
        assert plain & same or negated


def test_bag_of_words_counts():
    bow = rv.BagOfWords().fit(["a good film", "a bad film"])
    assert bow.words == ["a", "bad", "film", "good"]
    X = bow.transform(["Good, good film!", "unknown words only"])
    assert X.tolist() == [[0, 0, 1, 2], [0, 0, 0, 0]]


def test_min_count_drops_rare_words():
    bow = rv.BagOfWords(min_count=2).fit(["a good film", "a bad film"])
    assert bow.words == ["a", "film"]


def test_bad_input():
    with pytest.raises(ValueError, match="texts"):
        rv.BagOfWords().fit("one string")
    with pytest.raises(ValueError, match="fit"):
        rv.BagOfWords().transform(["a"])
    with pytest.raises(ValueError, match="n"):
        rv.reviews(0)
