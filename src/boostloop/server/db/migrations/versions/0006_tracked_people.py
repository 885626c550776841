"""tracked people: boost_tracked_people (per boost and touchpoint type, each person with a tracked touch in
rolled-up events, so that the overlap split's distinct counts survive a retention roll-up)

Revision ID: 0006_tracked_people
Revises: 0005_eff
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import boostloop.server.db.types

revision = "0006_tracked_people"
down_revision = "0005_eff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('boost_tracked_people',
    sa.Column('boost_campaign_id', sa.Uuid(), nullable=False),
    sa.Column('touchpoint_type', sa.Enum('ORGANIC', 'PAID', 'UNKNOWN', name='touchpoint_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=False),
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('first_touch_at', boostloop.server.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['boost_campaign_id'], ['boost_campaigns.id'], name=op.f('fk_boost_tracked_people_boost_campaign_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_boost_tracked_people_workspace_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('boost_campaign_id', 'touchpoint_type', 'person_hash', name=op.f('pk_boost_tracked_people'))
    )
    with op.batch_alter_table('boost_tracked_people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_boost_tracked_people_person_hash'), ['person_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_boost_tracked_people_workspace_id'), ['workspace_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('boost_tracked_people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_boost_tracked_people_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_boost_tracked_people_person_hash'))

    op.drop_table('boost_tracked_people')
