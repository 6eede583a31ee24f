"""Operator workflows as plain typed functions (no CLI imports): the CLI in `infra/cli` delegates here."""
