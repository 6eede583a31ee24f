"""Errors raised by infra.localpg; every message says what to do next.

LocalPgError
├── BinariesNotFoundError      no usable initdb/pg_ctl/postgres/... (message: how to install)
├── BinariesInstallError       apt-get could not install them
├── RunAsError                 cannot run the server as an unprivileged user
├── ClusterStateError          the data directory is not in a state this call accepts
│   ├── ClusterAbsentError     nothing initialised yet
│   ├── ForeignDataDirError    not our cluster, or made by another PostgreSQL major
│   ├── CorruptedClusterError  our marker is there but the cluster files are not
│   ├── ClusterNotRunningError the call needs a running server
│   └── DestroyRefusedError    refusing to delete something we did not create
├── ClusterCommandError        initdb / pg_ctl failed (carries the server's last log lines)
│   ├── InitError
│   ├── StartError
│   └── StopError
├── SqlError                   ensure_role / ensure_database failed
└── AttemptFailed              one readiness-probe attempt failed (internal to probe.py: never escapes)
"""

from __future__ import annotations

from collections.abc import Sequence

from infra.errors import WorkshelfError


class LocalPgError(WorkshelfError):
    """Base class: the message is meant to be shown to a developer as is."""


class BinariesNotFoundError(LocalPgError):
    pass


class BinariesInstallError(LocalPgError):
    pass


class RunAsError(LocalPgError):
    pass


class ClusterStateError(LocalPgError):
    pass


class ClusterAbsentError(ClusterStateError):
    pass


class ForeignDataDirError(ClusterStateError):
    pass


class CorruptedClusterError(ClusterStateError):
    pass


class ClusterNotRunningError(ClusterStateError):
    pass


class DestroyRefusedError(ClusterStateError):
    pass


class ClusterCommandError(LocalPgError):
    """A server command failed; `log_lines` holds the end of the server log (never secrets)."""

    def __init__(self, message: str, *, log_lines: Sequence[str] = (), output: str = "") -> None:
        self.summary = message
        self.log_lines = tuple(log_lines)
        self.output = output
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.summary]
        if self.output.strip():
            parts.append("command output:\n" + _indent(self.output.strip().splitlines()[-15:]))
        if self.log_lines:
            parts.append("last server log lines:\n" + _indent(self.log_lines))
        return "\n".join(parts)


class InitError(ClusterCommandError):
    pass


class StartError(ClusterCommandError):
    pass


class StopError(ClusterCommandError):
    pass


class SqlError(LocalPgError):
    pass


def _indent(lines: Sequence[str]) -> str:
    return "\n".join(f"  | {line}" for line in lines)
