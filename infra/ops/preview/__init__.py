"""Pull-request branches (`python -m infra preview ...`): create or reset, delete, list and prune the
`preview/pr-<N>` branches of a Neon stack (staging; production is refused). The branches themselves
are made in `infra/ops/neon/previews.py`; `infra/cli/preview.py` is the CLI."""
