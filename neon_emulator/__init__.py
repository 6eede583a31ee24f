"""An offline, stateful emulator of the Neon API v2 (projects, branches, databases, roles, endpoints,
operations), with fault injection and optional real-PostgreSQL backing."""

from neon_emulator.app import EmulatorApp
from neon_emulator.backend import NeonBackend
from neon_emulator.errors import EmulatorError
from neon_emulator.faults import FaultRule
from neon_emulator.pgbacking import PostgresBacking
from neon_emulator.requestlog import RequestLogEntry
from neon_emulator.server import EmulatorServer
from neon_emulator.transport import EmulatorTransport

__all__ = [
    "EmulatorApp",
    "EmulatorError",
    "EmulatorServer",
    "EmulatorTransport",
    "FaultRule",
    "NeonBackend",
    "PostgresBacking",
    "RequestLogEntry",
]
