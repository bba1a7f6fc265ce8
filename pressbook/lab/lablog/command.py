"""`pressbook log add|list|export|import`: the pellet log from the command line (registered by pressbook.cli).

    pressbook log add design.toml --lot L-7 --supplier NEI --operator ana --die "10 mm #3" --o2-ppm 0.3
    pressbook log list --lot L-7 [--json]
    pressbook log export lab.zip [--anonymous] [--lot L-7]
    pressbook log import other-lab.zip
    pressbook log --db postgresql+psycopg://postgres@server/pellets grant ana [--admin]   (an admin of the server)

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
                "thickness_um", "ejected_density", "conductivity_mS_cm", "conductivity_temperature_C",
                "stack_pressure_MPa")
#: option names where the field's name (with its unit) is not what a person types; the field's own name
#: (--thickness-um, ...) still works
OPTION = {"thickness_um": "thickness", "conductivity_mS_cm": "conductivity",
          "conductivity_temperature_C": "conductivity-temperature", "stack_pressure_MPa": "stack-pressure"}
#: an example of each option's value, for its help
EXAMPLE = {"title": "'three-step, 80 mg SE'", "press": "'Specac 15 t'", "die": "'10 mm #3'", "operator": "ana",
           "pressed_on": "2026-12-07 (default: today)", "supplier": "NEI", "lot": "L-7", "milling": "'none' or "
           "'planetary, 300 rpm, 1 h'", "notes": "'edge chipped'", "thickness_um": "'730 um' or '0.73 mm' (the "
           "whole pellet)", "ejected_density": "0.84 or '84 %%'", "conductivity_mS_cm": "'2.1 mS/cm'",
           "conductivity_temperature_C": "'25 degC'", "stack_pressure_MPa": "'5 MPa' or '50 bar'"}
#: the glove box's atmosphere: option -> (key of the record's glovebox, help)
GLOVEBOX = {"o2-ppm": ("o2_ppm", "glove-box O2 while the pellet was made (ppm, 0-1000), e.g. 0.3"),
            "h2o-ppm": ("h2o_ppm", "glove-box H2O while the pellet was made (ppm, 0-1000), e.g. 0.1"),
            "dew-point": ("dew_point_C", "glove-box dew point (degC, -100 to 50), e.g. -80")}


def register(sub) -> None:
    """Add the ``log`` command to the argparse sub-parsers of pressbook's command line."""
    log = sub.add_parser("log", help="the lab's pellet log: add, list, export, import")
    log.add_argument("--db", help="database file or URL (default: PRESSBOOK_DB, else ~/.local/share/pressbook/pellets.sqlite)")
    cmd = log.add_subparsers(dest="log_command", required=True)
    p = cmd.add_parser("add", help="log a pellet pressed to a design file")
    p.add_argument("design", help="design TOML file")
    p.add_argument("--material", help="the logged powder's material (default: the separator's)")
    from .records import FIELD

    for name in ENTRY_FIELDS:
        flags = dict.fromkeys(["--" + OPTION.get(name, name), "--" + name]).keys()  # one, or the short one first
        p.add_argument(*(f.replace("_", "-") for f in flags), dest=name, metavar="VALUE",
                       help=f"{FIELD[name].meaning}, e.g. {EXAMPLE[name]}")
    for option, (key, text) in GLOVEBOX.items():
        p.add_argument("--" + option, dest="glovebox_" + key, metavar="NUMBER", help=text)
    p.set_defaults(func=_add)
    p = cmd.add_parser("list", help="list pellets (optionally only some)")
    for name in ("material", "lot", "operator", "die", "press"):
        p.add_argument("--" + name, help=f"only pellets of this {name}")
    p.add_argument("--deleted", action="store_true", help="include deleted pellets")
    p.add_argument("--json", action="store_true", help="complete records as JSON")
    p.set_defaults(func=_list)
    p = cmd.add_parser("export", help="write a round-robin package (zip: CSV + JSON + raw files)")
    p.add_argument("package", help="zip file to write")
    p.add_argument("--anonymous", action="store_true", help="replace people's names with person-1, person-2, ...")
    for name in ("material", "lot", "operator", "die"):
        p.add_argument("--" + name, help=f"only pellets of this {name}")
    p.set_defaults(func=_export)
    p = cmd.add_parser("import", help="add the pellets of a package (already present ones are skipped)")
    p.add_argument("package", help="zip file made by `pressbook log export`")
    p.set_defaults(func=_import)
    p = cmd.add_parser("grant", help="PostgreSQL: give USER a database role of their own in this log (admins: "
                       "--admin); the database then lets them change only their own pellets")
    p.add_argument("user", help="the user name (as JupyterHub knows it), e.g. ana")
    p.add_argument("--admin", action="store_true", help="a lab admin: may change, delete and restore any pellet "
                   "and import packages")
    p.add_argument("--no-password", action="store_true", help="set no password (the role logs in another way, "
                   "e.g. peer or certificate authentication)")
    p.set_defaults(func=_grant)
    p = cmd.add_parser("revoke", help="PostgreSQL: take USER's membership of this log away (their pellets stay)")
    p.add_argument("user", help="the user name")
    p.set_defaults(func=_revoke)


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
    glovebox = {key: getattr(args, "glovebox_" + key) for key, _ in GLOVEBOX.values()
                if getattr(args, "glovebox_" + key) is not None}
    if glovebox:
        fields["glovebox"] = glovebox
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


def _members_log(args):
    """The log opened by whoever runs grant/revoke: PostgreSQL, with the right to create roles."""
    from .store import LogError

    log = _open(args)
    if log.engine.dialect.name != "postgresql":
        raise LogError("grant/revoke: this log is an SQLite file, which has no users of its own (one person's "
                       "file: single-user); allowed: a PostgreSQL log (--db postgresql+psycopg://...)")
    return log


def _grant(args) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from .roles import grant
    from .store import LogError

    log = _members_log(args)
    try:
        password = grant(log.engine, args.user, admin=args.admin, login_password=not args.no_password)
    except SQLAlchemyError as exc:
        first = (str(exc.orig or exc).splitlines() or [""])[0][:160]
        raise LogError(f"grant {args.user}: the database refused ({first}); allowed: run it as the database's "
                       "owner or a role with CREATEROLE") from None
    url = log.engine.url.set(username=args.user, password=None).render_as_string(hide_password=False)
    print(f"{args.user} is a {'lab admin' if args.admin else 'member'} of this pellet log; they connect as "
          f"PRESSBOOK_DB={url}" + (" with this password (shown once):" if password else ""))
    if password:
        print(password)
    return 0


def _revoke(args) -> int:
    from .roles import revoke

    revoke(_members_log(args).engine, args.user)
    print(f"{args.user} is no longer a member of this pellet log (their pellets and history stay)")
    return 0
