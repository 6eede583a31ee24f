"""Errors raised by infra.devdb; messages say what to do.

DevDbError                  (beneath infra.errors.WorkshelfError)
├── EngineUnavailableError  the requested database engine (or any) is not available
└── EnvFileError            the .env file cannot be read or written (nothing was changed)
"""

from __future__ import annotations

from infra.errors import WorkshelfError


class DevDbError(WorkshelfError):
    """Base class: the message is meant to be shown to a developer as is."""


class EngineUnavailableError(DevDbError):
    pass


class EnvFileError(DevDbError):
    pass
