"""The model's 5-95 % range of the predicted ejected density, kept beside the prediction (parity plots).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pellets") as batch:
        batch.add_column(sa.Column("pred_density_lo", sa.Float, nullable=True))
        batch.add_column(sa.Column("pred_density_hi", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pellets") as batch:
        batch.drop_column("pred_density_hi")
        batch.drop_column("pred_density_lo")
