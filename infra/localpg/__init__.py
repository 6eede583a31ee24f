"""A developer's native PostgreSQL: find/install binaries, run a cluster in the repo, probe it.

Plain Python (no Pulumi): the dev-database dynamic provider and `make onboard` build on this.
"""

from infra.localpg.binaries import PgBinaries, find_binaries, install_hint, locate_binaries, require_binaries
from infra.localpg.cluster import LocalCluster, socket_dir_for
from infra.localpg.datadir import ClusterMarker, ClusterState, ClusterStatus
from infra.localpg.errors import (
    BinariesInstallError,
    BinariesNotFoundError,
    ClusterAbsentError,
    ClusterCommandError,
    ClusterNotRunningError,
    ClusterStateError,
    CorruptedClusterError,
    DestroyRefusedError,
    ForeignDataDirError,
    InitError,
    LocalPgError,
    RunAsError,
    SqlError,
    StartError,
    StopError,
)
from infra.localpg.install import InstallPlan, install_binaries, plan_apt_install
from infra.localpg.ports import (
    PortHolder,
    describe_port_conflict,
    is_port_free,
    next_free_port,
    port_holder,
)
from infra.localpg.probe import ProbeResult, ProbeTarget, probe
from infra.localpg.roles import AdminLogin, Change
from infra.localpg.runas import RunAs, resolve_run_as

__all__ = [
    "AdminLogin",
    "BinariesInstallError",
    "BinariesNotFoundError",
    "Change",
    "ClusterAbsentError",
    "ClusterCommandError",
    "ClusterMarker",
    "ClusterNotRunningError",
    "ClusterState",
    "ClusterStateError",
    "ClusterStatus",
    "CorruptedClusterError",
    "DestroyRefusedError",
    "ForeignDataDirError",
    "InitError",
    "InstallPlan",
    "LocalCluster",
    "LocalPgError",
    "PgBinaries",
    "PortHolder",
    "ProbeResult",
    "ProbeTarget",
    "RunAs",
    "RunAsError",
    "SqlError",
    "StartError",
    "StopError",
    "describe_port_conflict",
    "find_binaries",
    "install_binaries",
    "install_hint",
    "is_port_free",
    "locate_binaries",
    "next_free_port",
    "plan_apt_install",
    "port_holder",
    "probe",
    "require_binaries",
    "resolve_run_as",
    "socket_dir_for",
]
