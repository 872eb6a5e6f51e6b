"""nnlib: a small neural-network library written from scratch with numpy.

It accompanies the course *How Neural Networks Work*; every chapter's notebook calls it.
"""
__version__ = "0.1.0"
