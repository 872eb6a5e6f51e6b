"""Shared pytest fixtures."""
import numpy as np
import pytest


@pytest.fixture
def rng():
    """A seeded generator, fresh for every test (tests never share random state)."""
    return np.random.default_rng(0)
