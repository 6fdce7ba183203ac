"""feeds: RSS/Atom subscriptions with their validators, health, schedule and a lease so one process polls each;
articles are indexed by who added them, so a feed's stored entries are counted exactly

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'feeds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('etag', sa.String(length=300), nullable=True),
        sa.Column('last_modified', sa.String(length=100), nullable=True),
        sa.Column('last_success_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('last_error_code', sa.String(length=40), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('next_due_at', sa.DateTime(), nullable=False),
        sa.Column('entries_stored', sa.Integer(), nullable=False),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('added_by', sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('url'),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_feeds_next_due_at', 'feeds', ['next_due_at'])
    op.create_index('ix_articles_added_by', 'articles', ['added_by'])


def downgrade() -> None:
    op.drop_index('ix_articles_added_by', table_name='articles')
    op.drop_index('ix_feeds_next_due_at', table_name='feeds')
    op.drop_table('feeds')
