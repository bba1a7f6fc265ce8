"""Bench and calibration logic for a lab (no widgets): imports the core only.

    press.py          press loads and gauge readings for a die (kN, tonne-force, psi, bar)
    protocol_card.py  the bench sheet of a design for a given press and die (HTML, CSV)
    measurements.py   measurement CSV files with units in their headers
    calibrate.py      Heckel, Kawakita and conductivity fits -> a calibrated material (TOML)
    spectrum.py       a measured impedance spectrum fitted with the predicted circuit
    lablog/           the lab's pellet log: storage (SQLAlchemy + Alembic), statistics, recalibration, exchange

The apps for these are in pressbook.apps.onboarding and pressbook.apps.lablog.
"""
