"""The pellet log's tables (SQLAlchemy 2 declarative models): pellets, their history and raw files.

Timestamps are ISO 8601 text in UTC ("2026-11-29T13:25:00.123456+00:00") and dates ISO text
("2026-11-29"): they sort as text and survive SQLite and PostgreSQL, export and import unchanged.
Units are in the column names (``_um``, ``_MPa``, ``_mS_cm``, ``_s``, ``_C``); densities are relative
(0-1). The schema is created and upgraded only by the Alembic migrations in ``migrations/``.
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Pellet(Base):
    __tablename__ = "pellets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)   # optimistic concurrency
    owner: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[str] = mapped_column(String(32), nullable=False)
    updated_at: Mapped[str] = mapped_column(String(32), nullable=False)
    deleted_at: Mapped[str | None] = mapped_column(String(32), index=True)
    deleted_by: Mapped[str | None] = mapped_column(String(100))
    # what was planned and who did it
    title: Mapped[str] = mapped_column(String(200), default="")
    design_toml: Mapped[str] = mapped_column(Text, nullable=False)
    press: Mapped[str] = mapped_column(String(100), default="")
    die: Mapped[str] = mapped_column(String(100), default="", index=True)
    operator: Mapped[str] = mapped_column(String(100), default="", index=True)
    pressed_on: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    material: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    supplier: Mapped[str] = mapped_column(String(100), default="")
    lot: Mapped[str] = mapped_column(String(100), default="", index=True)
    milling: Mapped[str] = mapped_column(String(200), default="")
    glovebox: Mapped[dict] = mapped_column(JSON, default=dict)
    # the model's prediction when the pellet was logged
    subject_layer: Mapped[str] = mapped_column(String(60), nullable=False)
    pressure_MPa: Mapped[float] = mapped_column(Float, nullable=False)
    hold_s: Mapped[float] = mapped_column(Float, nullable=False)
    temperature_C: Mapped[float] = mapped_column(Float, nullable=False)
    predicted: Mapped[dict] = mapped_column(JSON, nullable=False)
    pred_density: Mapped[float | None] = mapped_column(Float)
    pred_density_lo: Mapped[float | None] = mapped_column(Float)    # the model's 5-95 % range (0003)
    pred_density_hi: Mapped[float | None] = mapped_column(Float)
    pred_conductivity_mS_cm: Mapped[float | None] = mapped_column(Float)
    pred_thickness_um: Mapped[float | None] = mapped_column(Float)
    pressbook_version: Mapped[str] = mapped_column(String(20), nullable=False)
    library_version: Mapped[str] = mapped_column(String(64), nullable=False)
    # what was measured
    masses_mg: Mapped[dict] = mapped_column(JSON, default=dict)
    thickness_steps_um: Mapped[list] = mapped_column(JSON, default=list)
    thickness_um: Mapped[float | None] = mapped_column(Float)
    ejected_density: Mapped[float | None] = mapped_column(Float)
    conductivity_mS_cm: Mapped[float | None] = mapped_column(Float)
    conductivity_temperature_C: Mapped[float | None] = mapped_column(Float)
    stack_pressure_MPa: Mapped[float | None] = mapped_column(Float)
    cracked: Mapped[bool | None] = mapped_column(Boolean)
    delaminated: Mapped[bool | None] = mapped_column(Boolean)
    shorted: Mapped[bool | None] = mapped_column(Boolean)
    cycles_to_short: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")


class Change(Base):
    """Append-only history: one row per create, update, delete, restore or import of a pellet."""
    __tablename__ = "pellet_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pellet_id: Mapped[int] = mapped_column(ForeignKey("pellets.id"), nullable=False, index=True)
    at: Mapped[str] = mapped_column(String(32), nullable=False)
    who: Mapped[str] = mapped_column(String(100), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)      # the record's version after the change
    changes: Mapped[dict] = mapped_column(JSON, nullable=False)        # field -> [old, new]


class RawFile(Base):
    """A raw data file of a pellet (an impedance spectrum, a photo): the bytes as uploaded."""
    __tablename__ = "raw_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pellet_id: Mapped[int] = mapped_column(ForeignKey("pellets.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    added_at: Mapped[str] = mapped_column(String(32), nullable=False)
    added_by: Mapped[str] = mapped_column(String(100), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
