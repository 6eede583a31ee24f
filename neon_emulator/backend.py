"""`NeonBackend`: the whole emulated Neon account, assembled from per-resource mixins."""

from __future__ import annotations

from copy import deepcopy

from neon_emulator.branches import BranchesMixin
from neon_emulator.core import synchronized
from neon_emulator.databases import DatabasesMixin
from neon_emulator.endpoints import EndpointsMixin
from neon_emulator.models import Project
from neon_emulator.plans import REGIONS, Region
from neon_emulator.projects import ProjectsMixin
from neon_emulator.restore import RestoreMixin
from neon_emulator.snapshot_restore import SnapshotRestoreMixin


class NeonBackend(ProjectsMixin, BranchesMixin, RestoreMixin, DatabasesMixin, EndpointsMixin, SnapshotRestoreMixin):
    """Stateful, thread-safe model of the Neon API v2; methods are named after API operations.

    `clock` returns epoch seconds and is the only source of time: operation progress, branch expiry
    and timestamps depend on it alone. Pass a fake clock to make tests deterministic.
    """

    def get_active_regions(self) -> list[Region]:
        return list(REGIONS)

    @synchronized
    def settle(self) -> None:
        """Bring clock-driven state (operations, expiry, scheduled snapshots) up to the clock's now."""

    @synchronized
    def snapshot(self) -> list[Project]:
        """Deep copies of every project (for the admin state dump)."""
        return deepcopy(list(self.projects.values()))
