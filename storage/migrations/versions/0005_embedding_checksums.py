"""chunks carry a checksum of their embedding's bytes, so a vector damaged on disk is re-embedded, not searched

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa

from storage.checksums import embedding_checksum


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table('chunks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('embedding_checksum', sa.String(length=16), nullable=True))
    chunks = sa.table('chunks', sa.column('id', sa.Integer()), sa.column('embedding', sa.LargeBinary()),
                      sa.column('embedding_checksum', sa.String(16)))
    connection, last = op.get_bind(), 0
    while True:
        rows = connection.execute(sa.select(chunks.c.id, chunks.c.embedding)
                                  .where(chunks.c.id > last, chunks.c.embedding.is_not(None))
                                  .order_by(chunks.c.id).limit(BATCH)).all()
        if not rows:
            return
        connection.execute(sa.update(chunks).where(chunks.c.id == sa.bindparam('chunk_id'))
                           .values(embedding_checksum=sa.bindparam('checksum')),
                           [{'chunk_id': r.id, 'checksum': embedding_checksum(r.embedding)} for r in rows])
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table('chunks', schema=None) as batch_op:
        batch_op.drop_column('embedding_checksum')
