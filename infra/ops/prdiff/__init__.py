"""Infra diffs for pull requests: preview steps -> typed changes -> risks -> a Markdown comment and a gate.

`run.pr_diff` is the entry point; `drift.check_drift` is the scheduled drift check's.
"""
