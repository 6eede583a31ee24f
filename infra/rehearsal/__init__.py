"""Rehearsals: the real stacks deployed into a throwaway copy of the project (own backend and passphrase).

The committed stack files are never touched: `pulumi stack init` writes an `encryptionsalt:` line into
the stack file it runs against, so every rehearsal runs in a copy (`sandbox.Sandbox`).
"""
