"""Shared machinery of NeonClient: calls, per-project locks, operation waits and safe creates."""

from __future__ import annotations

import logging
import random
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx
from pydantic import BaseModel

from infra.neon import errors
from infra.neon._durations import DurationFile
from infra.neon._http import Call, JsonBody, QueryValue, Reply, Safety, Session
from infra.neon._retry import RetryPolicy
from infra.neon._wait import OperationWaiter, PollPolicy
from infra.neon.models._envelopes import OperationEnvelope, OperationPage, WithOperations, lift_cursor
from infra.neon.models.operations import Operation
from infra.neon.settings import NeonSettings

logger = logging.getLogger("infra.neon")

ModelT = TypeVar("ModelT", bound=BaseModel)
EnvelopeT = TypeVar("EnvelopeT", bound=WithOperations)
CreatedT = TypeVar("CreatedT", bound=BaseModel)


def seg(value: str, what: str) -> str:
    """One URL path segment: validated non-empty and percent-encoded (role names may hold spaces)."""
    if not value or not value.strip():
        raise ValueError(f"{what} must not be empty")
    return urllib.parse.quote(value, safe="")


class ClientCore:
    """State and helpers every resource mixin of NeonClient builds on."""

    def __init__(
        self,
        *,
        settings: NeonSettings,
        transport: httpx.BaseTransport | None,
        retry: RetryPolicy,
        poll: PollPolicy,
        sleep: Callable[[float], None],
        monotonic: Callable[[], float],
        clock: Callable[[], float],
        rng: random.Random,
        durations: Path | None = None,
    ) -> None:
        self.settings = settings
        self.retry = retry
        self.poll = poll
        self._sleep = sleep
        self._clock = clock
        self._session = Session(settings, retry, transport, sleep, monotonic, clock, rng)
        self._waiter = OperationWaiter(
            fetch=self._fetch_operation,
            history=self._operation_history,
            poll_all=self._operation_history,
            policy=poll,
            sleep=sleep,
            monotonic=monotonic,
        )
        self._locks: dict[str, threading.RLock] = {}
        self._locks_guard = threading.Lock()
        self._durations = DurationFile(durations, settings.base_url) if durations else None
        self._learned: dict[str, float] = {}
        if self._durations is not None:
            self._learned = self._durations.load()
            self._waiter.estimates.preload(self._learned)

    def close(self) -> None:
        """Close the underlying HTTP connections; keep what the waits learned (if asked to)."""
        self._session.close()
        if self._durations is not None:
            learned = self._waiter.estimates.snapshot()
            if learned != self._learned:
                self._durations.save(learned)
                self._learned = learned

    @staticmethod
    def _seg(value: str, what: str) -> str:
        return seg(value, what)

    @staticmethod
    def _pid(project_id: str) -> str:
        return seg(project_id, "project_id")

    @staticmethod
    def _bid(branch_id: str) -> str:
        return seg(branch_id, "branch_id")

    # -- plain calls ------------------------------------------------------------------------------

    def _send(
        self,
        name: str,
        method: str,
        path: str,
        *,
        body: JsonBody | None = None,
        params: Mapping[str, QueryValue | None] | None = None,
    ) -> Reply:
        safety = Safety.UNSAFE if method == "POST" else Safety.IDEMPOTENT
        query = {k: v for k, v in (params or {}).items() if v is not None}
        return self._session.send(Call(name, method, path, safety, params=query or None, body=body))

    def _get(
        self,
        name: str,
        path: str,
        model: type[ModelT],
        *,
        params: Mapping[str, QueryValue | None] | None = None,
        cursor_key: str | None = None,
    ) -> ModelT:
        reply = self._send(name, "GET", path, params=params)
        return reply.parse(model, (lambda p: lift_cursor(p, cursor_key)) if cursor_key else None)

    # -- mutations --------------------------------------------------------------------------------

    @contextmanager
    def _project_lock(self, project_id: str) -> Iterator[None]:
        """Neon allows one in-flight mutation per project: serialize ours (re-entrant)."""
        with self._locks_guard:
            lock = self._locks.setdefault(project_id, threading.RLock())
        with lock:
            yield

    def _mutate(
        self,
        name: str,
        method: str,
        path: str,
        model: type[EnvelopeT],
        *,
        project_id: str,
        body: JsonBody | None = None,
        wait: bool,
    ) -> EnvelopeT:
        """An update-like call (PATCH, or a POST action) that returns operations to wait for."""
        with self._project_lock(project_id):
            envelope = self._send(name, method, path, body=body).parse(model)
            self._wait(name, project_id, envelope.operations, wait=wait)
        return envelope

    def _delete(self, name: str, path: str, model: type[WithOperations], *, project_id: str, wait: bool) -> bool:
        """DELETE; True if this call deleted the object, False if it was already gone.

        "Already gone" is a 404 or a 204 on the first attempt. A 404/204 answering a DELETE that was
        re-sent after an attempt which may have applied means our first attempt deleted it: True.
        """
        with self._project_lock(project_id):
            try:
                reply = self._send(name, "DELETE", path)
            except errors.NotFoundError:
                return False
            if reply.status_code in (204, 404):
                return reply.retried_after_ambiguity
            self._wait(name, project_id, reply.parse(model).operations, wait=wait)
        return True

    def _wait(
        self, name: str, project_id: str, ops: Sequence[Operation], *, wait: bool, seed: bool = True
    ) -> list[Operation]:
        """The operations in their final state if waited for, else as given."""
        if wait and ops:
            return self._waiter.wait(name, project_id, ops, seed=seed)
        return list(ops)

    def _post_safely(self, call: Call, model: type[CreatedT], lookup: Callable[[float], CreatedT | None]) -> CreatedT:
        """POST; after an ambiguous failure adopt what it did, or re-send if it verifiably did nothing.

        `lookup(sent_at)` finds the object the request would have created (None: not created); it
        may raise AmbiguousResultError when it cannot tell. A 409 after an ambiguous attempt means
        an earlier attempt did apply, so it is looked up too. Nothing is ever created twice.
        """
        sent_at = self._clock()
        uncertain = False
        for attempt in range(1, self.retry.create_attempts + 1):
            try:
                return self._session.send(call).parse(model)
            except errors.ConflictError:
                if not uncertain:
                    raise
                found = lookup(sent_at)
                if found is None:
                    raise
                return found
            except errors.NeonError as exc:
                if not exc.maybe_applied:
                    raise
                uncertain = True
                found = self._recover(call, exc, lookup, sent_at)
                if found is not None:
                    return found
                if attempt == self.retry.create_attempts:
                    exc.maybe_applied = False
                    exc.args = (f"{exc.message}; verified that it did not apply",)
                    raise
                logger.debug("%s: verified not applied, sending again", call.operation)
        raise AssertionError("unreachable")  # pragma: no cover

    def _recover(
        self, call: Call, exc: errors.NeonError, lookup: Callable[[float], CreatedT | None], sent_at: float
    ) -> CreatedT | None:
        logger.debug("%s: outcome unknown (%s), looking for the result", call.operation, type(exc).__name__)
        if isinstance(exc, errors.NeonTimeoutError):
            self._sleep(self.retry.settle_delay)  # the server may still be processing it
        found = lookup(sent_at)
        if found is not None:
            logger.debug("%s: the lost request did apply, adopting its result", call.operation)
        return found

    # -- operations -------------------------------------------------------------------------------

    def _fetch_operation(self, project_id: str, operation_id: str) -> Operation:
        path = f"/projects/{project_id}/operations/{operation_id}"
        return self._get("get_operation", path, OperationEnvelope).operation

    def _operations_page(self, project_id: str, *, limit: int | None, cursor: str | None) -> OperationPage:
        params: dict[str, QueryValue | None] = {"limit": limit, "cursor": cursor}
        path = f"/projects/{project_id}/operations"
        return self._get("list_operations", path, OperationPage, params=params, cursor_key="cursor")

    def _operation_history(self, project_id: str, limit: int) -> list[Operation]:
        return self._operations_page(project_id, limit=limit, cursor=None).operations

    def _in_flight(
        self, project_id: str, *, branch_id: str | None = None, endpoint_id: str | None = None
    ) -> list[Operation]:
        """Unfinished operations of a project (optionally of one branch/endpoint), oldest first."""
        recent = self._operations_page(project_id, limit=100, cursor=None).operations
        running = [
            op
            for op in recent
            if not op.is_terminal
            and (branch_id is None or op.branch_id == branch_id)
            and (endpoint_id is None or op.endpoint_id == endpoint_id)
        ]
        return sorted(running, key=lambda op: op.created_at.timestamp() if op.created_at else float("inf"))
