"""Raw data files of a pellet (impedance spectra, photos), stored as bytes with their SHA-256.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "raw_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("pellet_id", sa.Integer, sa.ForeignKey("pellets.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("added_at", sa.String(32), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_raw_files_pellet_id", "raw_files", ["pellet_id"])


def downgrade() -> None:
    op.drop_table("raw_files")
