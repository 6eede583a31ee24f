"""The severity table: which rules block a migration, why each is dangerous, and the safe way.

Blocking rules come from squawk (its rule ids) and from our pglast checks (`ban-truncate`,
`ban-unqualified-delete`, `ban-unqualified-update`, which squawk misses). Any other squawk rule that
our squawk.toml leaves on is reported as a warning. A blocking finding becomes reported when the
migration file acknowledges it, or, for drops, when expand/contract (rule 1) allows it.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class Rule(NamedTuple):
    why: str
    safe: str
    target: str  # what an acknowledgement's `target` names for this rule


_EXPAND_CONTRACT: Final = (
    "expand/contract: list it in `deprecates` in an earlier revision, ship code that no longer uses it, "
    "and drop it in a later revision once that deprecation has been applied for `migrations.dropAfterDays` days"
)

BLOCKING_RULES: Final[dict[str, Rule]] = {
    "ban-drop-column": Rule(
        "running code that still reads or writes the column fails, and its data is gone",
        _EXPAND_CONTRACT,
        "table.column",
    ),
    "ban-drop-table": Rule(
        "running code that still uses the table fails, and its rows are gone", _EXPAND_CONTRACT, "table"
    ),
    "ban-drop-database": Rule(
        "every table and row in it is gone", "drop databases by hand, never in a migration", "database"
    ),
    "renaming-column": Rule(
        "running code still uses the old name and fails until it is redeployed",
        "add the new column, write both, backfill, move readers, then deprecate and drop the old one",
        "table.column (the old name)",
    ),
    "renaming-table": Rule(
        "running code still uses the old name and fails until it is redeployed",
        "create the new table (or a view with the old name), move readers and writers, then deprecate the old one",
        "table (the old name)",
    ),
    "changing-column-type": Rule(
        "rewrites the table under an ACCESS EXCLUSIVE lock (reads and writes wait) and may break running code",
        "add a column of the new type, backfill it in batches, switch readers, then deprecate the old column",
        "table.column",
    ),
    "adding-required-field": Rule(
        "a NOT NULL column without a default fails on a table with rows, and breaks inserts from running code",
        "add it nullable (or with a default), backfill, then add a CHECK (col IS NOT NULL) NOT VALID and validate it",
        "table.column",
    ),
    "adding-not-nullable-field": Rule(
        "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock",
        "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it in a later revision, then SET NOT NULL (no scan)",
        "table.column",
    ),
    "constraint-missing-not-valid": Rule(
        "validating the constraint scans the table while holding a lock that blocks writes",
        "add the constraint with NOT VALID, then VALIDATE CONSTRAINT in a separate revision (transaction)",
        "table.constraint",
    ),
    "adding-foreign-key-constraint": Rule(
        "validating the foreign key locks both tables against writes while it scans",
        "add the foreign key with NOT VALID, then VALIDATE CONSTRAINT in a separate revision",
        "table.constraint",
    ),
    "disallowed-unique-constraint": Rule(
        "builds a unique index under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole build",
        "CREATE UNIQUE INDEX CONCURRENTLY (in an autocommit_block), then ADD CONSTRAINT ... UNIQUE USING INDEX",
        "table.constraint",
    ),
    "require-concurrent-index-creation": Rule(
        "building an index on an existing table blocks its writes until the build ends",
        "op.create_index(..., postgresql_concurrently=True) inside `with op.get_context().autocommit_block():`",
        "index",
    ),
    "require-concurrent-index-deletion": Rule(
        "DROP INDEX takes an ACCESS EXCLUSIVE lock: reads and writes of the table wait",
        "op.drop_index(..., postgresql_concurrently=True) inside `with op.get_context().autocommit_block():`",
        "index",
    ),
    "ban-concurrent-index-creation-in-transaction": Rule(
        "CREATE INDEX CONCURRENTLY cannot run inside a transaction: the migration fails",
        "wrap it in `with op.get_context().autocommit_block():`",
        "index",
    ),
    "ban-truncate": Rule(
        "deletes every row of the table (with CASCADE, of every table referencing it too)",
        "delete only the rows you mean, with a WHERE clause, in batches; keep data fixes out of schema migrations",
        "table",
    ),
    "ban-unqualified-delete": Rule(
        "a DELETE without WHERE removes every row of the table",
        "add the WHERE clause that selects the rows you mean",
        "table",
    ),
    "ban-unqualified-update": Rule(
        "an UPDATE without WHERE rewrites every row, locking them all for the whole transaction",
        "add a WHERE clause; backfill large tables in batches outside the migration's transaction",
        "table",
    ),
}

# migration-test's data checks; acknowledgeable like lint rules (a column filled with now() differs each time).
ROUND_TRIP_RULES: Final[dict[str, Rule]] = {
    "round-trip-rows": Rule(
        "a table's row count differs after a downgrade or a second upgrade: rows were lost or duplicated",
        "make downgrade() give back what upgrade() took (or mark the revision `irreversible = True`)",
        "table",
    ),
    "round-trip-data": Rule(
        "a column's values differ after a downgrade or a second upgrade: its data was lost or rewritten",
        "make downgrade() restore the column's values (copy them aside in upgrade), or mark it irreversible",
        "table.column",
    ),
}
ACKNOWLEDGEABLE: Final = frozenset(BLOCKING_RULES) | frozenset(ROUND_TRIP_RULES)

# Our checks (pglast): squawk flags TRUNCATE only with CASCADE, and DELETE/UPDATE never.
OWN_RULES: Final = ("ban-truncate", "ban-unqualified-delete", "ban-unqualified-update")
DROP_RULES: Final = ("ban-drop-column", "ban-drop-table")
UNUSED_ACKNOWLEDGEMENT: Final = "unused-acknowledgement"
