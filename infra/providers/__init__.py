"""Pulumi dynamic providers: thin adapters from typed props to `infra.neon` and `infra.localpg` calls.

Module paths are part of the state (providers are pickled by reference): keep them stable.
"""
