"""Coverage and sharpness of the 90 % bands on the validation datasets (issue 24, item 5)."""
from . import band_coverage as C


def test_every_validation_dataset_gets_a_coverage_and_a_width():
    rows = C.rows()
    assert len(rows) >= 5 and all(r.n > 0 and 0 <= r.inside <= r.n for r in rows)
    text = C.table(rows)
    assert all(r.name[:40] in text for r in rows)


def test_conductivity_bands_cover_other_laboratories_without_being_unbounded():
    """The held-out conductivities of two other laboratories (Doux 2020, Minnmann 2021) lie inside the band of a new
    laboratory, and that band is less than a factor 10 wide (high/low), so covering them is not by being huge."""
    rows = [r for r in C.rows() if "conductivity" in r.quantity]
    assert len(rows) == 2
    assert all(r.coverage == 1.0 for r in rows)
    assert all(r.median_width < 3.0 for r in rows)  # (high - low) / middle < 3 <=> high/low < about 9
