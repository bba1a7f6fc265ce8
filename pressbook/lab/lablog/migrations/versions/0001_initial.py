"""The first schema: pellets and their append-only history.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pellets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uid", sa.String(36), nullable=False, unique=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("deleted_at", sa.String(32)),
        sa.Column("deleted_by", sa.String(100)),
        sa.Column("title", sa.String(200)),
        sa.Column("design_toml", sa.Text, nullable=False),
        sa.Column("press", sa.String(100)),
        sa.Column("die", sa.String(100)),
        sa.Column("operator", sa.String(100)),
        sa.Column("pressed_on", sa.String(10), nullable=False),
        sa.Column("material", sa.String(80), nullable=False),
        sa.Column("supplier", sa.String(100)),
        sa.Column("lot", sa.String(100)),
        sa.Column("milling", sa.String(200)),
        sa.Column("glovebox", sa.JSON),
        sa.Column("subject_layer", sa.String(60), nullable=False),
        sa.Column("pressure_MPa", sa.Float, nullable=False),
        sa.Column("hold_s", sa.Float, nullable=False),
        sa.Column("temperature_C", sa.Float, nullable=False),
        sa.Column("predicted", sa.JSON, nullable=False),
        sa.Column("pred_density", sa.Float),
        sa.Column("pred_conductivity_mS_cm", sa.Float),
        sa.Column("pred_thickness_um", sa.Float),
        sa.Column("pressbook_version", sa.String(20), nullable=False),
        sa.Column("library_version", sa.String(64), nullable=False),
        sa.Column("masses_mg", sa.JSON),
        sa.Column("thickness_steps_um", sa.JSON),
        sa.Column("thickness_um", sa.Float),
        sa.Column("ejected_density", sa.Float),
        sa.Column("conductivity_mS_cm", sa.Float),
        sa.Column("conductivity_temperature_C", sa.Float),
        sa.Column("stack_pressure_MPa", sa.Float),
        sa.Column("cracked", sa.Boolean),
        sa.Column("delaminated", sa.Boolean),
        sa.Column("shorted", sa.Boolean),
        sa.Column("cycles_to_short", sa.Integer),
        sa.Column("notes", sa.Text),
    )
    for col in ("deleted_at", "die", "operator", "pressed_on", "material", "lot"):
        op.create_index(f"ix_pellets_{col}", "pellets", [col])
    op.create_table(
        "pellet_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("pellet_id", sa.Integer, sa.ForeignKey("pellets.id"), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("who", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
    )
    op.create_index("ix_pellet_history_pellet_id", "pellet_history", ["pellet_id"])


def downgrade() -> None:
    op.drop_table("pellet_history")
    op.drop_table("pellets")
