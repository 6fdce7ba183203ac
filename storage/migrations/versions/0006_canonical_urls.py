"""articles carry their canonical link, unique, so a re-sent or edited article replaces the stored one; channels
whose posts are taken in are counted

The column starts empty; the engine fills it for stored articles when it opens the library (the canonical form is
the engine's rule, not storage's).

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('articles', sa.Column('canonical_url', sa.Text(), nullable=True))
    op.create_index('uq_articles_canonical_url', 'articles', ['canonical_url'], unique=True)
    op.create_table(
        'channels',
        sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('posts', sa.Integer(), nullable=False),
        sa.Column('last_post_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('chat_id'),
    )


def downgrade() -> None:
    op.drop_table('channels')
    op.drop_index('uq_articles_canonical_url', table_name='articles')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('canonical_url')
