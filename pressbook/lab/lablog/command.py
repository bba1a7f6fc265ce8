"""`pressbook log add|list|export|import`: the pellet log from the command line (registered by pressbook.cli).

    pressbook log add design.toml --lot L-7 --supplier NEI --operator ana --die "10 mm #3"
    pressbook log list --lot L-7 [--json]
    pressbook log export lab.zip [--anonymous] [--lot L-7]
    pressbook log import other-lab.zip

``--db`` (or PRESSBOOK_DB) chooses the database: a file path (SQLite) or a URL.
"""
from __future__ import annotations

import json
from pathlib import Path

from ...errors import DesignFileError
from ...inputs import read_file_bytes, write_file_bytes

LIST_COLUMNS = ("uid", "pressed_on", "operator", "material", "lot", "die", "pressure_MPa", "pred_density",
                "ejected_density", "pred_conductivity_mS_cm", "conductivity_mS_cm")
ENTRY_FIELDS = ("title", "press", "die", "operator", "pressed_on", "supplier", "lot", "milling", "notes",
                "thickness_um", "ejected_density", "conductivity_mS_cm", "stack_pressure_MPa")


def register(sub) -> None:
    """Add the ``log`` command to the argparse sub-parsers of pressbook's command line."""
    log = sub.add_parser("log", help="the lab's pellet log: add, list, export, import")
    log.add_argument("--db", help="database file or URL (default: PRESSBOOK_DB, else ~/.local/share/pressbook/pellets.sqlite)")
    cmd = log.add_subparsers(dest="log_command", required=True)
    p = cmd.add_parser("add", help="log a pellet pressed to a design file")
    p.add_argument("design", help="design TOML file")
    p.add_argument("--material", help="the logged powder's material (default: the separator's)")
    for name in ENTRY_FIELDS:
        p.add_argument("--" + name.replace("_", "-"), dest=name)
    p.set_defaults(func=_add)
    p = cmd.add_parser("list", help="list pellets (optionally only some)")
    for name in ("material", "lot", "operator", "die", "press"):
        p.add_argument("--" + name)
    p.add_argument("--deleted", action="store_true", help="include deleted pellets")
    p.add_argument("--json", action="store_true", help="complete records as JSON")
    p.set_defaults(func=_list)
    p = cmd.add_parser("export", help="write a round-robin package (zip: CSV + JSON + raw files)")
    p.add_argument("package", help="zip file to write")
    p.add_argument("--anonymous", action="store_true", help="replace people's names with person-1, person-2, ...")
    for name in ("material", "lot", "operator", "die"):
        p.add_argument("--" + name)
    p.set_defaults(func=_export)
    p = cmd.add_parser("import", help="add the pellets of a package (already present ones are skipped)")
    p.add_argument("package", help="zip file made by `pressbook log export`")
    p.set_defaults(func=_import)


def _open(args):
    from .store import open_log

    return open_log(args.db)


def _add(args) -> int:
    raw = read_file_bytes(args.design, "design file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DesignFileError(f"{args.design}: not UTF-8 text; allowed: a design TOML file") from None
    fields = {k: getattr(args, k) for k in ENTRY_FIELDS if getattr(args, k) is not None}
    rec = _open(args).add(text, material=args.material, **fields)
    print(f"logged pellet {rec['uid']} ({rec['material']}, lot {rec['lot'] or '-'}): predicted ejected density "
          f"{rec['pred_density']:.3f} at {rec['pressure_MPa']:g} MPa")
    return 0


def _filters(args) -> dict:
    return {k: getattr(args, k) for k in ("material", "lot", "operator", "die", "press")
            if getattr(args, k, None) is not None}


def _list(args) -> int:
    log = _open(args)
    if args.json:
        print(json.dumps(log.list(include_deleted=args.deleted, **_filters(args)), indent=1))
        return 0
    rows = log.list(columns=LIST_COLUMNS, include_deleted=args.deleted, **_filters(args))
    print("\t".join(LIST_COLUMNS))
    for row in rows:
        print("\t".join("" if row[c] is None else (f"{row[c]:.4g}" if isinstance(row[c], float) else str(row[c]))
                        for c in LIST_COLUMNS))
    return 0


def _export(args) -> int:
    from .exchange import export_package

    data = export_package(_open(args), identities=not args.anonymous, **_filters(args))
    write_file_bytes(args.package, data, "package")
    print(f"wrote {args.package} ({len(data) / 1e3:.1f} kB)")
    return 0


def _import(args) -> int:
    from .exchange import MAX_PACKAGE_BYTES, import_package

    data = read_file_bytes(args.package, "package", MAX_PACKAGE_BYTES)
    result = import_package(_open(args), data, source=Path(args.package).name)
    print(f"imported {result['added']} pellets, skipped {result['skipped']} already in the log")
    return 0
