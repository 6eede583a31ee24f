"""The one error root, and the exit codes of `python -m infra`.

Every error the product raises on purpose derives from `WorkshelfError`: its message is written for the
person at the terminal (what happened, with names and values), its `hint` says what to do next, and its
`exit_code` is what the command exits with. The CLI's single handler (`infra/cli/console.py`) turns any
of them into one line on stderr (plus the hint), masked, never a traceback; anything else is a bug.

    WorkshelfError                  infra/errors.py
    ├── ConfigError                 infra/config/errors.py        invalid stack settings (every problem at once)
    ├── NeonError                   infra/neon/errors.py          the Neon API client (its subtree is drawn there)
    ├── LocalPgError                infra/localpg/errors.py       native PostgreSQL clusters (subtree there)
    ├── DevDbError                  infra/devdb/errors.py         the developer's database engine
    │   ├── EngineUnavailableError      the requested engine (or any) is not available
    │   └── EnvFileError                `.env` cannot be read or written
    ├── DevOpsError                 infra/ops/dev/errors.py       a dev-database command cannot go on
    ├── ProviderError               infra/providers/errors.py     a dynamic provider refused a step or left it undone
    ├── PulumiError                 infra/ops/pulumi.py           a `pulumi` command failed or cannot run
    ├── NeonStackError              infra/ops/neon/errors.py      a deployed Neon stack: its outputs, branches, window
    ├── SafetyError                 infra/ops/safety/errors.py    a data-safety workflow refused or failed
    ├── MigrationError              infra/ops/migrations/errors.py the lint or a migration could not run; a refusal (8)
    ├── RehearsalError              infra/ops/rehearsal/errors.py `make rehearse` could not set up or remove
    ├── PrDiffError                 infra/ops/prdiff/run.py       bad pr-diff arguments, an unreadable saved preview
    ├── PreviewError                infra/ops/preview/errors.py   a pull-request branch refused or failed
    ├── ReleaseError                infra/ops/release/errors.py   a release refused (8) or its checks failed (9)
    ├── HealthError                 infra/ops/health/errors.py    health cannot look (reported as a critical check)
    ├── ActionlintError             infra/toolchain/actionlint.py actionlint can be neither found nor built
    ├── HostBuildError              infra/toolchain/hostbuild.py  our Go language host cannot be built
    └── NotConfirmedError           infra/cli/console.py          a destructive command was not confirmed

A package raises its own class (or a subclass); only the CLI's handler catches the root.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What `python -m infra` exits with; the README's exit-code table lists the same values."""

    OK = 0  # done (pr-diff: nothing blocking, or acknowledged; drift: none)
    ERROR = 1  # an expected error: a refusal, a failed check or step, a declined confirmation
    USAGE = 2  # a bad option or argument (typer says which)
    BLOCKED = 3  # pr-diff: the destructive-change gate blocks the change
    PREVIEW_FAILED = 4  # pr-diff: a stack's preview failed (the comment shows why)
    DRIFT = 5  # drift: a stack differs from its last deployment
    WARNING = 6  # health: at least one check at its warning threshold (none critical)
    CRITICAL = 7  # health: at least one check at its critical threshold, or the database unreachable
    REFUSED = 8  # refused by a safety rule: migration-lint's blocking finding (migrate refuses it), release
    # (staging first, the window), previews of production
    VERIFICATION_FAILED = 9  # the checks after a change failed (release: the printed restore command undoes it;
    # restore-drill: the drill failed or proved nothing)
    INTERRUPTED = 130  # Ctrl-C, or SIGTERM (a cancelled CI job); cleanups ran


class WorkshelfError(Exception):
    """An expected failure: `message` says what happened, `hint` what to do, `exit_code` how the CLI exits."""

    exit_code: int = ExitCode.ERROR

    def __init__(self, message: str, *, hint: str = "", exit_code: int | None = None) -> None:
        super().__init__(message)
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message
