-- Restore-drill checks for WorkShelf's database (RUNBOOK §4):
--   workshelf-infra restore-drill --stack production --check checks/production.sql
-- Each query runs read-only on the drill's copy and is followed by the value it must return
-- (`-- expect: <value>`, or a comparison: = != <> > >= < <=). Besides these, every drill compares the
-- row count of each non-empty table on the copy with the source (--tolerance, default 10%).
-- Add the invariants your data must keep: a catalogue that is never empty, loans that point at books...

-- name: the copy has the application's tables
SELECT count(*) FROM pg_catalog.pg_tables
WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'workshelf_infra');
-- expect: >= 1

-- name: the schema is at one Alembic revision (migrations run through `migrate`)
SELECT count(*) FROM alembic_version;
-- expect: = 1

-- name: the copy accepts no writes (checks run read-only)
SELECT current_setting('transaction_read_only');
-- expect: on
