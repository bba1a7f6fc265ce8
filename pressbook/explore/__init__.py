"""Design-space tools on top of ``pressbook.batch.simulate_many``: process maps, an optimiser,
sensitivity (tornado) and uncertainty (Monte Carlo). Pure functions returning plain data; the
notebook apps draw them. Importing this package loads numpy and pressbook only."""
