"""Decisions stored by their key on SQLite: the table rebuilt ``WITHOUT ROWID``, one B-tree
ordered by (decree, person) instead of rows by rowid plus an index on the key. A person's
decision is then one look-up, not two (an incremental screen reads and rewrites a million of
them at registry scale), and a decree's decisions are one range of the tree. PostgreSQL is
left as it is.

Revision ID: 0011_decisions_by_key
Revises: 0010_grants
Create Date: 2026-11-22
"""

from alembic import op

revision = "0011_decisions_by_key"
down_revision = "0010_grants"
branch_labels = None
depends_on = None

COLUMNS = "decree_id, person_id, version, as_of, decision, until, ground, grounds, screen_id"


def _rebuild(rowid: bool) -> None:
    op.execute(
        "CREATE TABLE decisions_rebuilt ("
        "decree_id VARCHAR(60) NOT NULL, person_id INTEGER NOT NULL, "
        "version INTEGER NOT NULL, as_of DATE NOT NULL, decision VARCHAR(10) NOT NULL, "
        "until DATE, ground VARCHAR(60), grounds BIGINT NOT NULL, screen_id INTEGER, "
        "PRIMARY KEY (decree_id, person_id), "
        "CONSTRAINT decision CHECK (decision IN ('eligible', 'deferred', 'exempt', 'ineligible'))"
        ")" + ("" if rowid else " WITHOUT ROWID")
    )
    op.execute(
        f"INSERT INTO decisions_rebuilt ({COLUMNS}) SELECT {COLUMNS} FROM decisions "
        "ORDER BY decree_id, person_id"
    )
    op.execute("DROP TABLE decisions")
    op.execute("ALTER TABLE decisions_rebuilt RENAME TO decisions")
    op.execute(
        "CREATE INDEX ix_decisions_until ON decisions (decree_id, until) WHERE until IS NOT NULL"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(rowid=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(rowid=True)
