"""Errors raised by infra.devenv; messages say what to do.

DevEnvError
├── EnvFileError            the .env file cannot be read or written (nothing was changed)
└── EngineUnavailableError  the requested database engine (or any) is not available
"""

from __future__ import annotations

from infra.errors import WorkshelfError


class DevEnvError(WorkshelfError):
    """Base class: the message is meant to be shown to a developer as is."""


class EnvFileError(DevEnvError):
    pass


class EngineUnavailableError(DevEnvError):
    pass
