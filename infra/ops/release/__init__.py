"""Releases (`python -m infra release`): the deployment checklist as one command, on staging first.

window.py   the low-traffic window and its override (checked before any API call)
gate.py     staging first: production needs a successful staging release at the same revision
record.py   the release record in `workshelf_infra.release_log`, in the stack's own database
run.py      backup, migration (as `migrate` runs it), checks, record
status.py   the last releases per stack
"""
