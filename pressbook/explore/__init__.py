"""Design-space tools on top of ``pressbook.batch.simulate_many``: process maps, an optimiser,
sensitivity (tornado) and uncertainty (Monte Carlo). Pure functions returning plain data (no widgets);
imports the core and pressbook.lab (press loads) only. Importing this package loads numpy and pressbook
only; the apps that draw them are in pressbook.apps.explore."""
