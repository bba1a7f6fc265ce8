# The page template without CDN requests (etc/voila/offline.py).
load_subconfig("../offline.py")  # noqa: F821 - provided by traitlets
