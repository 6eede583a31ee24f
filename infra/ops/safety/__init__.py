"""Data-safety workflows for Neon stacks: backup branches, restore drills and restores, and the context,
database tools and command runner the migration commands (`infra/ops/migrations`) build on. Plain
typed functions; `infra/cli/safety.py` is their CLI."""
