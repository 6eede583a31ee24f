"""Operations, waiting and connection URIs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pydantic import SecretStr

from infra.neon._core import ClientCore, seg
from infra.neon.models._envelopes import ConnectionUri
from infra.neon.models.operations import Operation


class OperationsAPI(ClientCore):
    def get_operation(self, project_id: str, operation_id: str) -> Operation:
        """getProjectOperation."""
        return self._fetch_operation(seg(project_id, "project_id"), seg(operation_id, "operation_id"))

    def list_operations(self, project_id: str, *, page_size: int = 100) -> Iterator[Operation]:
        """listProjectOperations, newest first, following cursors lazily."""
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = self._operations_page(seg(project_id, "project_id"), limit=page_size, cursor=cursor)
            yield from page.operations
            if not page.operations or len(page.operations) < page_size or not page.cursor or page.cursor in seen:
                return
            seen.add(page.cursor)
            cursor = page.cursor

    def wait_for_operations(self, project_id: str, operations: Sequence[Operation] | None = None) -> list[Operation]:
        """Poll `operations` (default: every unfinished one of the project) to a terminal state.

        Raises OperationFailedError for failed/error/cancelled, OperationTimeoutError at the deadline.
        """
        pid = seg(project_id, "project_id")
        ops = list(operations) if operations is not None else self._in_flight(pid)
        return self._waiter.wait("wait_for_operations", pid, ops)

    def get_connection_uri(
        self,
        project_id: str,
        *,
        database_name: str,
        role_name: str,
        branch_id: str | None = None,
        endpoint_id: str | None = None,
        pooled: bool = False,
    ) -> SecretStr:
        """getConnectionURI: a postgres:// URI including the role's password (kept secret)."""
        params = {
            "database_name": database_name,
            "role_name": role_name,
            "branch_id": branch_id,
            "endpoint_id": endpoint_id,
            "pooled": "true" if pooled else None,
        }
        path = f"/projects/{seg(project_id, 'project_id')}/connection_uri"
        return self._get("get_connection_uri", path, ConnectionUri, params=params).uri
