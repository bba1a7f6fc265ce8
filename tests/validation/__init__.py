"""Validation of pressbook against published measurements (see README in data/ and test_literature.py)."""
