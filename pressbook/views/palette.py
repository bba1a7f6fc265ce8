"""The Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008), defined once for every view and app.

Pure constants (no imports), so the light modules (views/columns.py) can use it too. Each module picks
its own order or mapping from ``OKABE_ITO`` by name.
"""

#: Okabe-Ito colour-blind-safe colours by name
OKABE_ITO = {"blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
             "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000"}
