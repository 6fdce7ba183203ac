"""articles are found by their date (publication, else ingestion) through one index: a question naming a year no
longer reads every article

Revision ID: 0009
Revises: 0008
"""

from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_articles_dates', 'articles', ['published_at', 'ingested_at'])


def downgrade() -> None:
    op.drop_index('ix_articles_dates', table_name='articles')
