"""`make rehearse`: staging and production deployed onto the Neon emulator, in a throwaway copy of the project.

The emulator runs backed by a PostgreSQL of its own, each stack in an organization on the plan its
stack file declares, and both stacks deploy into a state backend with its own passphrase. The
committed stack files are never touched (Pulumi writes `encryptionsalt:` into the stack file it
initialises: the copy's, `sandbox.py`). `make rehearse-down` removes it all.
"""
