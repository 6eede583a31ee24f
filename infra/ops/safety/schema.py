"""A schema fingerprint from the catalog (no pg_dump: its version must match the server's), and its diff.

Each object becomes one line (`column public.books.title character varying(200) not null`); lines are
sorted, so two snapshots compare as text. Column order and OIDs are left out on purpose: a downgrade
that drops a column and an upgrade that re-adds it is a faithful round trip.
"""

from __future__ import annotations

import difflib
from typing import Final, LiteralString

SNAPSHOT_QUERIES: Final[tuple[LiteralString, ...]] = (
    """SELECT format('schema %I', n.nspname) FROM pg_namespace n
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND n.nspname NOT LIKE 'pg\\_%'""",
    "SELECT format('extension %I', extname) FROM pg_extension WHERE extname <> 'plpgsql'",
    """SELECT format('relation %s %I.%I', c.relkind, n.nspname, c.relname)
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
         AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'""",
    """SELECT format('column %I.%I.%I %s%s%s', n.nspname, c.relname, a.attname,
                     format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                     coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''))
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
         AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'""",
    """SELECT format('constraint %I.%I %I %s', n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid))
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'""",
    """SELECT format('index %s', pg_get_indexdef(i.indexrelid))
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'""",
    """SELECT format('view %I.%I %s', n.nspname, c.relname, md5(pg_get_viewdef(c.oid)))
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('v', 'm')
         AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'""",
    """SELECT format('type %I.%I enum(%s)', n.nspname, t.typname,
                     (SELECT string_agg(quote_literal(e.enumlabel), ',' ORDER BY e.enumsortorder)
                      FROM pg_enum e WHERE e.enumtypid = t.oid))
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE t.typtype = 'e'
         AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'""",
    """SELECT format('function %I.%I(%s) %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
                     md5(pg_get_functiondef(p.oid)))
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE p.prokind IN ('f', 'p')
         AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')""",
    """SELECT format('trigger %I.%I %s', n.nspname, c.relname, pg_get_triggerdef(t.oid))
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE NOT t.tgisinternal
         AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'""",
)


def schema_diff(before: list[str], after: list[str], *, before_name: str, after_name: str) -> list[str]:
    """Unified-diff lines between two snapshots; empty when they are the same."""
    if before == after:
        return []
    return [
        line.rstrip("\n")
        for line in difflib.unified_diff(before, after, fromfile=before_name, tofile=after_name, lineterm="", n=0)
    ]
