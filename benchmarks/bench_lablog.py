"""The pellet log at lab scale: 10,000 logged pellets listed, filtered and drawn in the app's parity plot
and control chart; a powder lot of 500 pellets recalibrated (with 5-fold cross-validation).

    python benchmarks/run_all.py lablog

The log is an SQLite file in a temporary folder: one pellet logged through ``PelletLog.add`` (the
simulation), then 9,999 copies with other pressures, measurements, lots and operators inserted in one
transaction (what 10,000 calls of ``add`` would store, without 10,000 simulations; each with a 5-95 % range of its
predicted density, as ``add`` keeps it, drawn in the parity plot).
"""
from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import numpy as np
from _timing import row, times


def _fill(log, n: int, lots: int, seed: int = 1) -> None:
    from sqlalchemy import insert

    from pressbook import presets
    from pressbook.lab.lablog.store import RECORD_COLUMNS, P

    first = log.add(presets.three_step(), lot="L0", operator="op0")
    rng = np.random.default_rng(seed)
    pressure = rng.uniform(150, 550, n)
    pred = 1 - np.exp(-(1.0 + pressure / 300))                      # a Heckel-like prediction
    rows = []
    for i in range(n - 1):
        rec = {k: first[k] for k in RECORD_COLUMNS}
        rec.update(uid=str(uuid.uuid4()), lot=f"L{i % lots}", operator=f"op{i % 7}", die=f"die{i % 3}",
                   pressed_on=f"20{24 + i // 4000}-{1 + (i // 340) % 12:02d}-{1 + i % 28:02d}",
                   pressure_MPa=float(pressure[i]), pred_density=float(pred[i]),
                   pred_density_lo=float(0.974 * pred[i]), pred_density_hi=float(min(1.0, 1.024 * pred[i])),
                   ejected_density=float(min(0.99, pred[i] + rng.normal(0.01, 0.01))),
                   conductivity_mS_cm=float(2.0 * pred[i] ** 3 * np.exp(rng.normal(0, 0.05))),
                   conductivity_temperature_C=25.0)
        rows.append(rec)
    with log.engine.begin() as conn:
        conn.execute(insert(P), rows)


def run(quick: bool = False) -> list[dict]:
    from pressbook.lab.lablog import open_log
    from pressbook.lab.lablog.stats import COLUMNS, recalibrate

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        log = open_log(Path(tmp) / "lab.sqlite", user="bench")
        _fill(log, 10_000, lots=20)
        assert log.count() == 10_000
        rep = 3 if quick else 7
        t = times(lambda: log.table(COLUMNS), repeat=rep)
        out.append(row("pellet log: list 10,000 pellets", t, "s", target="< 1 s", ok=float(np.median(t)) < 1,
                       group="lablog", note="PelletLog.table(stats.COLUMNS), SQLite: what the app and statistics read"))
        t = times(lambda: log.table(), repeat=rep)
        out.append(row("pellet log: 10,000 complete records", t, "s", group="lablog",
                       note="every field, with the design TOML and the prediction JSON (export, --json)"))
        t = times(lambda: log.table(COLUMNS, lot="L3", operator="op3"), repeat=rep)
        out.append(row("pellet log: filter 10,000 pellets by lot and operator", t, "s", target="< 1 s",
                       ok=float(np.median(t)) < 1, group="lablog"))
        try:
            from pressbook.apps.lablog import LabLogApp
        except ImportError:  # no app extra
            LabLogApp = None
        if LabLogApp is not None:
            app = LabLogApp(log.engine.url.render_as_string(hide_password=False))
            t = times(app.refresh, repeat=rep)
            out.append(row("lab log app: refresh with 10,000 pellets (list, parity plot, control chart, outliers)", t,
                           "s", target="< 1 s", ok=float(np.median(t)) < 1, group="lablog",
                           note="query + statistics + Bokeh sources set, in the kernel; the parity plot with "
                                "each prediction's 5-95 % range"))

            def filter_lot():
                app.filter_lot.value = "L5" if app.filter_lot.value != "L5" else "L6"

            t = times(filter_lot, repeat=rep)
            out.append(row("lab log app: choose a lot (parity plot and control chart redrawn)", t, "s",
                           target="< 1 s", ok=float(np.median(t)) < 1, group="lablog"))
        log2 = open_log(Path(tmp) / "lot.sqlite", user="bench")
        _fill(log2, 500, lots=1, seed=2)
        table = log2.table(COLUMNS)
        t = times(lambda: recalibrate(table, "L0"), repeat=3 if quick else 5)
        out.append(row("recalibrate a powder lot of 500 pellets (5-fold cross-validation)", t, "s", target="< 2 s",
                       ok=float(np.median(t)) < 2, group="lablog", note="stats.recalibrate: 6 calibrate_compaction fits"))
    return out
