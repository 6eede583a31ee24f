"""Data-safety workflows for Neon stacks: backup branches, guarded migrations, migration tests,
restore drills and restores. Plain typed functions; `infra/cli/safety.py` is their CLI."""
