"""Migration safety: lint pending Alembic revisions, enforce expand/contract, round-trip them on real data.

Modules, in dependency order:
- `errors`      the package's error (re-parented under the project's error root once it exists)
- `markers`     `deprecates`, `irreversible`, `acknowledge` read from migration files with `ast`
- `scripts`     the revision graph: files, parents, markers, what is pending after a revision
- `alembic`     the application's Alembic command, run as given (caller's cwd and environment)
- `sqlsplit`    one offline-mode rendering split into per-revision SQL at `-- Running upgrade`
- `statements`  pglast facts per statement: targets, and the rules squawk misses
- `squawk`      one squawk run (JSON reporter) over every revision's SQL
- `rules`       the severity table: which rule blocks, why it is dangerous, the safe way
- `contract`    rule 1: a drop needs an earlier deprecation applied for `dropAfterDays`
- `findings`    the report model; `lint` builds it; `output` renders it
- `log`         `workshelf_infra.migration_log`: DDL, writer, reader
- `fingerprint` row counts and per-column checksums; `roundtrip` the up/down/up engine
"""
