"""Command line: `pressbook simulate DESIGN.toml [--json]`, `pressbook presets`, `pressbook load`, `pressbook app`,
`pressbook log add|list|export|import` (the pellet log)."""
from __future__ import annotations

import argparse
import math
import sys

from .errors import DesignFileError, PressbookError


def _simulate(args) -> int:
    from .design import Design
    from .presets import preset
    from .simulate import simulate

    library = None
    if args.materials:  # a user's materials file; its [laboratory] table makes the bands that laboratory's
        from .materials import load_user_materials

        library = load_user_materials(args.materials)
    design = preset(args.design[len("preset:"):]) if args.design.startswith("preset:") else Design.load(args.design)
    outcome = simulate(design, library, bands=args.bands or args.tolerances is not None, tolerances=args.tolerances)
    print(outcome.to_json() if args.json else outcome.summary())
    return 0


def _presets(args) -> int:
    from .presets import PRESETS

    for name, make in PRESETS.items():
        d = make()
        print(f"{name:<22} {d.title}")
        if args.toml:
            print(d.to_toml())
    return 0


#: Ram diameters accepted by `pressbook load --ram-diameter` (mm).
RAM_DIAMETER_MM = (1.0, 1000.0)


def _load(args) -> int:
    from .design import check_range
    from .errors import InvalidInputError
    from .lab.press import gauge_reading, pressure_to_load
    from .units import format_quantity, to_magnitude

    # the same ranges as a design file's step pressure and die diameter
    check_range("pressure", to_magnitude(args.pressure, "MPa", "pressure"), "pressure")
    check_range("diameter", to_magnitude(args.diameter, "mm", "diameter"), "die.diameter")
    if args.ram_diameter:
        ram = to_magnitude(args.ram_diameter, "mm", "--ram-diameter")
        lo, hi = RAM_DIAMETER_MM
        if not (math.isfinite(ram) and lo <= ram <= hi):
            raise InvalidInputError("--ram-diameter", format_quantity(ram, "mm") if math.isfinite(ram) else ram,
                                    f"{lo:g} to {hi:g} mm")
    for unit in ("kN", "tf", "tonf", "lbf"):
        print(f"{pressure_to_load(args.pressure, args.diameter, unit):10.3f} {unit}")
    if args.ram_diameter:
        for unit in ("bar", "psi", "MPa"):
            print(f"{gauge_reading(args.pressure, args.diameter, ram_diameter=args.ram_diameter, unit=unit):10.1f} {unit} (gauge)")
    return 0


def _app(args) -> int:
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    nb = root / "notebooks" / "designer.ipynb"
    if not nb.exists():
        raise DesignFileError(f"app: {nb} not found; allowed: a source checkout of pressbook (notebooks/ beside the package)")
    print(f"Open http://127.0.0.1:{args.port}/ in your browser")
    cmd = [sys.executable, "-m", "voila", str(nb), "--no-browser", f"--port={args.port}", "--Voila.ip=127.0.0.1",
           f"--Voila.config_file_paths={root / 'etc' / 'voila' / 'app'}"]
    return subprocess.call(cmd, env=os.environ.copy())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="pressbook", description="Pressing protocols for solid-state battery pellets")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("simulate", help="simulate a design file (TOML or JSON) or preset:NAME")
    p.add_argument("design")
    p.add_argument("--json", action="store_true", help="print the outcome as JSON")
    p.add_argument("--bands", action="store_true", help="add the 5-95 %% bands (the model's uncertainty for a new "
                   "laboratory) to every number and each risk's probability")
    p.add_argument("--tolerances", choices=["manual", "automatic"], help="add a press's tolerances (step pressure, "
                   "hold and mass scatter) to the bands; implies --bands")
    p.add_argument("--materials", metavar="FILE.toml", help="add the materials of a materials TOML file (e.g. a lot "
                   "recalibrated in the pellet log); with its [laboratory] table the bands are that laboratory's")
    p.set_defaults(func=_simulate)
    p = sub.add_parser("presets", help="list the preset designs")
    p.add_argument("--toml", action="store_true", help="print each preset as TOML")
    p.set_defaults(func=_presets)
    p = sub.add_parser("load", help="press load for a die pressure")
    p.add_argument("pressure", help="e.g. '300 MPa'")
    p.add_argument("diameter", help="die diameter, e.g. '10 mm'")
    p.add_argument("--ram-diameter", help="hydraulic ram diameter for a gauge reading, e.g. '50 mm'")
    p.set_defaults(func=_load)
    p = sub.add_parser("app", help="serve the sequence designer with Voila")
    p.add_argument("--port", type=int, default=8866)
    p.set_defaults(func=_app)
    from .lab.lablog.command import register as register_log  # `pressbook log add|list|export|import`

    register_log(sub)
    args = parser.parse_args(argv)
    for stream in (sys.stdout, sys.stderr):  # text the terminal cannot show is escaped, never a traceback
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        return args.func(args)
    except PressbookError as exc:
        message = " ".join(str(exc).split())  # one line, whatever the message holds
        print(f"pressbook: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `pressbook ... | head`: the reader left; no traceback at exit either
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ArithmeticError, RecursionError, MemoryError, UnicodeError) as exc:  # never a traceback
        print(f"pressbook: error: the input could not be handled ({type(exc).__name__}); "
              "allowed: values inside the ranges of the README's design format", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
