"""A minimum-reporting checklist of a logged pellet, for a paper's supporting information (Markdown).

Each item says what a reader needs to repeat the pellet (powder, die, pressing steps, atmosphere, how
density and conductivity were measured, outcomes) and is ticked when the record holds it; missing items
are listed as such, so the checklist also shows what to measure next time.
"""
from __future__ import annotations

from ...design import Design


def checklist(record: dict) -> list[tuple[str, str | None]]:
    """(item, value or None when the record does not hold it) for one record."""
    design = Design.from_toml(record["design_toml"], validate=False)
    steps = "; ".join(f"{i + 1}: add {', '.join(s.add)}, {s.pressure:g} MPa, {s.hold:g} s, {s.temperature:g} degC"
                      for i, s in enumerate(design.steps))
    layers = "; ".join(f"{l.name} ({l.role}): {l.material or l.composition}, "
                       + (f"{l.mass:g} mg" if l.mass is not None else f"{l.thickness:g} um") for l in design.layers)
    gb = record.get("glovebox") or {}

    def val(x, fmt="{:g}", unit=""):
        return None if x in (None, "") else fmt.format(x) + (f" {unit}" if unit else "")

    return [
        ("Powder material, supplier, lot", val(", ".join(x for x in (record["material"], record["supplier"],
                                                                     record["lot"]) if x), "{}")
         if record["supplier"] and record["lot"] else None),
        ("Powder preparation (milling)", val(record["milling"], "{}")),
        ("Die diameter and die", f"{design.die.diameter:g} mm" + (f", {record['die']}" if record["die"] else "")),
        ("Press", val(record["press"], "{}")),
        ("Layers (material, mass or thickness)", layers),
        ("Pressing steps (pressure, hold, temperature)", steps),
        ("Glovebox atmosphere (O2, H2O)", ", ".join(f"{k} {v:g}" for k, v in gb.items()) or None),
        ("Date pressed, operator", f"{record['pressed_on']}, {record['operator']}" if record["operator"] else None),
        ("Layer masses as weighed", ", ".join(f"{k} {v:g} mg" for k, v in (record["masses_mg"] or {}).items()) or None),
        ("Pellet thickness (final; after each step)", val(record["thickness_um"], unit="um") and (
            val(record["thickness_um"], unit="um") + (" (steps: " + ", ".join(f"{t:g}" for t in record["thickness_steps_um"])
                                                      + " um)" if record["thickness_steps_um"] else ""))),
        ("Relative density after ejection, and how", val(record["ejected_density"], "{:.3f}")),
        ("Ionic conductivity, with temperature and stack pressure",
         None if record["conductivity_mS_cm"] is None else
         f"{record['conductivity_mS_cm']:.4g} mS/cm at {val(record['conductivity_temperature_C'], unit='degC') or '? degC'}"
         f" under {val(record['stack_pressure_MPa'], unit='MPa') or '? MPa'}"),
        ("Outcomes (cracked, delaminated, shorted, cycles to short)",
         ", ".join(f"{k}: {'yes' if record[k] else 'no'}" for k in ("cracked", "delaminated", "shorted")
                   if record[k] is not None) + (f", cycles to short {record['cycles_to_short']}"
                                                if record["cycles_to_short"] is not None else "") or None),
        ("Model prediction and versions", f"ejected density {record['pred_density']:.3f} (pressbook "
                                          f"{record['pressbook_version']}, materials library {record['library_version']})"),
    ]


def checklist_markdown(record: dict) -> str:
    lines = [f"# Minimum-reporting checklist: pellet {record['uid']}", "",
             f"{record['title'] or 'pellet'}, logged by the pressbook pellet log.", ""]
    for item, value in checklist(record):
        lines.append(f"- [{'x' if value else ' '}] **{item}**: {value if value else 'not recorded'}")
    return "\n".join(lines) + "\n"
