"""Working on a deployed Neon stack: shared by the data-safety commands (`infra/ops/safety`) and every
command that makes branches (pull-request branches, releases, the backup lifecycle).

    target.py   which stack: its settings, its outputs and a Neon client (`NeonStacks.neon_target`)
    budget.py   the branch budget every branch-making command checks first; what counts as prunable
    branches.py creating and deleting branches, Neon's refusals explained; throwaway branches
    backups.py  backup branches with an expiry (or protection), and the command that restores one
    previews.py pull-request branches `preview/pr-<N>`: created or reset, their compute, listed, deleted
    window.py   a branch's history window (point-in-time range) and refusals that name its bounds
    errors.py   NeonStackError

Durations, timestamps and the injectable clock are in `infra/ops/times.py`.
"""
