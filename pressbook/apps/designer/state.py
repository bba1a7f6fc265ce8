"""The designer's single state object and its controller.

``DesignerState`` (traitlets) holds the design as typed (``draft``, may be invalid), the last valid
design and its Outcome, per-field error messages and the pinned design A. Widgets write into it
(``set_field``, ``set_design``, structural edits); they hold no state of their own.
``Controller`` runs ``simulate`` once per change of the draft and pushes the Outcome into the views.
A bad draft leaves the last good design and outcome in place and sets ``errors``.
"""
from __future__ import annotations

import copy
import logging
import re
import sys
import time
import uuid
from dataclasses import asdict

from traitlets import Any, Dict, HasTraits, Int, Unicode

from ...design import D50_FIELDS, MAX_LAYERS, MAX_NAME_CHARS, MAX_STEPS, Design
from ...errors import InvalidInputError, PressbookError
from ...inputs import clean_text
from ...bands import bands as bands_of
from ...simulate import simulate
from ...views.words import plain_message
from ..serving import SimulationTimeout, time_limit

#: Longest a single simulate() may take in the app (s); it normally takes about 1 ms.
SIMULATE_LIMIT_S = 5.0

log = logging.getLogger("pressbook.apps.designer.app")
if not log.handlers:  # the real stderr (the server's log), never the page's output area
    _h = logging.StreamHandler(sys.__stderr__)
    _h.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    log.addHandler(_h)
    log.propagate = False
    log.setLevel(logging.INFO)


def error_key(field: str) -> str:
    """'layers.1 (cathode).mass' -> 'layers.1.mass': the key widgets use to place a message."""
    return re.sub(r" \([^)]*\)", "", str(field)).strip()


def new_error_id() -> str:
    return uuid.uuid4().hex[:8]


class DesignerState(HasTraits):
    """Everything the designer shows. Assign new objects (never mutate in place) so observers fire."""

    draft = Dict(help="the design as typed: dataclasses.asdict form, numbers in default units")
    design = Any(None, help="last valid Design (what `outcome` describes)")
    outcome = Any(None, help="last good Outcome")
    errors = Dict(help="error key -> message; 'app' for unexpected errors, 'link'/'file' for loading")
    notice = Unicode("", help="information for the user, e.g. problems found in the link")
    pinned = Any(None, help="the pinned design A, or None")
    pinned_outcome = Any(None, help="Outcome of A")
    preset = Unicode("", help="name of the preset last loaded ('' when not a preset)")
    revision = Int(0, help="incremented whenever the design is replaced as a whole")

    # ------------------------------------------------------------- whole designs
    def set_design(self, design: Design, preset: str = "") -> None:
        """Replace the whole design (preset, upload, link); the same design again changes nothing."""
        self.preset = preset
        draft = asdict(design)
        if draft != self.draft:
            self.revision += 1
            self.draft = draft

    # ------------------------------------------------------------- fields
    def set_field(self, path: str, value) -> None:
        """Set one field of the draft by dotted path with 1-based indices: 'steps.2.pressure', 'die.diameter'."""
        draft = copy.deepcopy(self.draft)
        *parents, last = path.split(".")
        target = draft
        for p in parents:
            target = target[int(p) - 1] if isinstance(target, list) else target[p]
        if isinstance(target, list):
            target[int(last) - 1] = value
        else:
            target[last] = value
        self.draft = draft

    def set_layer_amount(self, i: int, kind: str, value: float) -> None:
        """Layer i (1-based): kind 'mass' (mg) or 'thickness' (um); the other becomes None."""
        draft = copy.deepcopy(self.draft)
        layer = draft["layers"][i - 1]
        layer["mass"], layer["thickness"] = (value, None) if kind == "mass" else (None, value)
        self.draft = draft

    def set_layer_material(self, i: int, material, composition) -> None:
        """A single material drops the layer's composite particle sizes (d50) with its composition."""
        draft = copy.deepcopy(self.draft)
        draft["layers"][i - 1].update(material=material, composition=composition)
        if composition is None:
            draft["layers"][i - 1].update(dict.fromkeys(D50_FIELDS))
        self.draft = draft

    # ------------------------------------------------------------- steps
    def add_step(self) -> None:
        """Append a step that adds nothing yet, at 10 MPa for 60 s."""
        draft = copy.deepcopy(self.draft)
        if len(draft["steps"]) >= MAX_STEPS:
            self.errors = {"steps": f"steps: at most {MAX_STEPS}"}
            return
        draft["steps"].append({"add": [], "pressure": 10.0, "hold": 60.0, "temperature": 25.0})
        self.draft = draft

    def remove_step(self, k: int) -> None:
        draft = copy.deepcopy(self.draft)
        del draft["steps"][k - 1]
        self.draft = draft

    def move_step(self, k: int, delta: int) -> None:
        """Move step k (1-based) by delta (-1 up, +1 down); no-op at the ends."""
        draft = copy.deepcopy(self.draft)
        steps = draft["steps"]
        j = k - 1 + delta
        if 0 <= j < len(steps):
            steps[k - 1], steps[j] = steps[j], steps[k - 1]
            self.draft = draft

    def set_step_adds(self, k: int, name: str, included: bool) -> None:
        """Add or remove layer ``name`` from step k's list, keeping stack order."""
        draft = copy.deepcopy(self.draft)
        order = [l["name"] for l in draft["layers"]]
        add = set(draft["steps"][k - 1]["add"])
        add = add | {name} if included else add - {name}
        draft["steps"][k - 1]["add"] = [n for n in order if n in add] + sorted(n for n in add if n not in order)
        self.draft = draft

    # ------------------------------------------------------------- layers
    def add_layer(self) -> None:
        """Append a 50 mg Li6PS5Cl separator layer on top (not yet added by any step)."""
        draft = copy.deepcopy(self.draft)
        if len(draft["layers"]) >= MAX_LAYERS:
            self.errors = {"layers": f"layers: at most {MAX_LAYERS}"}
            return
        names = {l["name"] for l in draft["layers"]}
        n = len(draft["layers"]) + 1
        while f"layer{n}" in names:
            n += 1
        draft["layers"].append({"name": f"layer{n}", "role": "separator", "material": "Li6PS5Cl",
                                "composition": None, "mass": 50.0, "thickness": None})
        self.draft = draft

    def remove_layer(self, i: int) -> None:
        draft = copy.deepcopy(self.draft)
        name = draft["layers"].pop(i - 1)["name"]
        for s in draft["steps"]:
            s["add"] = [a for a in s["add"] if a != name]
        self.draft = draft

    def rename_layer(self, i: int, new: str) -> None:
        """Rename layer i and every step's reference to it.  A name that is empty, too long or already
        another layer's is refused with a message and the design stays as it was (a rename into a
        clash, then back, would otherwise rewrite the other layer's step references)."""
        draft = copy.deepcopy(self.draft)
        old = draft["layers"][i - 1]["name"]
        where = f"layers.{i} ({old}).name"
        try:
            new = clean_text(new, where, MAX_NAME_CHARS, allow_empty=False)
        except InvalidInputError as exc:
            self.errors = {f"layers.{i}.name": str(exc)}
            return
        others = [l["name"] for k, l in enumerate(draft["layers"]) if k != i - 1]
        if new in others:
            self.errors = {f"layers.{i}.name": str(InvalidInputError(where, new, "a name used by one layer only"))}
            return
        if new == old:  # e.g. back to the kept name after a refusal
            self.errors = {k: v for k, v in self.errors.items() if k != f"layers.{i}.name"}
            return
        draft["layers"][i - 1]["name"] = new
        for s in draft["steps"]:
            s["add"] = [new if a == old else a for a in s["add"]]
        self.draft = draft

    # ------------------------------------------------------------- compare
    def pin(self) -> None:
        """Pin the current (last good) design as A."""
        if self.outcome is not None:
            self.pinned_outcome = self.outcome
            self.pinned = self.design.copy()

    def unpin(self) -> None:
        self.pinned_outcome = None
        self.pinned = None

    def restore_pinned(self) -> None:
        """Make A the current design again (A stays pinned)."""
        if self.pinned is not None:
            self.set_design(self.pinned.copy())


class Controller:
    """Runs simulate once per draft change and pushes the result into the views.

    ``views`` are callables ``view(state)``, called after every successful run and after pin/unpin.
    ``runs`` counts simulate calls; ``last_update_s`` is the duration of the last update (simulate + views).
    """

    def __init__(self, state: DesignerState, views=(), library=None):
        self.state = state
        self.views = list(views)
        self.library = library
        self.runs = 0
        self.last_update_s = 0.0
        state.observe(self._on_draft, names="draft")
        state.observe(self._on_pinned, names="pinned_outcome")

    def _on_draft(self, _change=None) -> None:
        self.run()

    def _on_pinned(self, _change=None) -> None:
        if self.state.outcome is not None:
            self.push()

    def run(self) -> bool:
        """Validate and simulate the draft. True when the views were updated."""
        state = self.state
        t0 = time.perf_counter()
        try:
            design = Design.from_dict(copy.deepcopy(state.draft), library=self.library)
            self.runs += 1
            with time_limit(SIMULATE_LIMIT_S):  # an extreme design never freezes the app
                outcome = simulate(design, self.library, validate=False)
                outcome.bands = self._bands(design)
        except SimulationTimeout as exc:
            state.errors = {"app": str(exc)}
            return False
        except PressbookError as exc:
            field = exc.field if isinstance(exc, InvalidInputError) else "file"
            state.errors = {error_key(field): plain_message(exc)}
            return False
        except Exception:  # never a traceback in the page: a message with an id, the details in the log
            eid = new_error_id()
            log.exception("designer error %s while simulating %r", eid, state.draft)
            state.errors = {"app": f"Something went wrong (error id {eid}); the last good results are shown. "
                                   "Please report the id."}
            return False
        state.design, state.outcome = design, outcome
        state.errors = {}
        ok = self.push()
        self.last_update_s = time.perf_counter() - t0
        return ok

    def _bands(self, design):
        """The 5-95 % bands of the design, or None (the numbers are shown without bands, never lost)."""
        try:
            return bands_of(design, self.library, validate=False)
        except SimulationTimeout:
            raise
        except Exception:
            log.exception("designer: no bands for %r", self.state.draft)
            return None

    def push(self) -> bool:
        """Call every view with the state; an exception becomes a message with an error id."""
        try:
            for view in self.views:
                view(self.state)
        except Exception:
            eid = new_error_id()
            log.exception("designer view error %s", eid)
            self.state.errors = {"app": f"Something went wrong while drawing (error id {eid}). Please report the id."}
            return False
        return True
