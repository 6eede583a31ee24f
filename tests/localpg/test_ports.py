"""Loopback port helpers: free or taken, who holds it (real and fake /proc), the next free one."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.localpg.ports import (
    describe_port_conflict,
    is_port_free,
    next_free_port,
    port_holder,
)
from tests.support.ports import candidate_ports, ephemeral_range, pick_free_port


@pytest.fixture
def listener() -> Iterator[int]:
    """A loopback port held by a listening socket of this process."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_listening_port_is_not_free(listener: int) -> None:
    assert not is_port_free(listener)


def test_picked_port_is_free() -> None:
    assert is_port_free(pick_free_port())


def test_picked_port_is_outside_the_ephemeral_range() -> None:
    first, last = ephemeral_range()
    port = pick_free_port()
    assert port >= 20_000
    assert not first <= port <= last


def test_candidate_ports_lie_below_and_above_the_ephemeral_range() -> None:
    ports = candidate_ports((32_768, 60_999))
    assert (ports[0], ports[-1], len(ports)) == (20_000, 65_535, (32_768 - 20_000) + (65_535 - 60_999))
    assert {32_767, 61_000} <= set(ports)
    assert not {32_768, 60_999} & set(ports)


def test_ephemeral_range_read_from_the_kernel_file_or_linux_default(tmp_path: Path) -> None:
    source = tmp_path / "ip_local_port_range"
    source.write_text("40000\t50000\n")
    assert ephemeral_range(source) == (40_000, 50_000)
    assert ephemeral_range(tmp_path / "missing") == (32_768, 60_999)


def test_no_port_outside_the_ephemeral_range_is_an_error_not_a_kernel_pick(tmp_path: Path) -> None:
    source = tmp_path / "ip_local_port_range"
    source.write_text("1024 65535\n")
    with pytest.raises(
        RuntimeError, match=r"^no free port on 127\.0\.0\.1 from 20000 up outside the ephemeral range 1024-65535$"
    ):
        pick_free_port(source=source)


def test_next_free_port_skips_the_taken_one(listener: int) -> None:
    found = next_free_port(listener)

    assert found is not None
    assert found > listener
    assert is_port_free(found)


def test_next_free_port_gives_up_after_the_last_port() -> None:
    assert next_free_port(65536) is None


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")
def test_port_holder_names_this_process(listener: int) -> None:
    holder = port_holder(listener)

    assert holder is not None
    assert holder.pid == os.getpid()
    assert holder.command == Path(f"/proc/{os.getpid()}/comm").read_text().strip()


def test_port_holder_free_port_is_none() -> None:
    assert port_holder(pick_free_port()) is None


def test_port_holder_from_a_fake_proc(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    (proc / "net").mkdir(parents=True)
    header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    (proc / "net" / "tcp").write_text(
        header
        + "   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 777 1\n"
        + "   1: 0100007F:1539 0100007F:9C40 01 00000000:00000000 00:00000000 00000000   101        0 888 1\n"
    )
    (proc / "net" / "tcp6").write_text(header)
    (proc / "4242" / "fd").mkdir(parents=True)
    (proc / "4242" / "comm").write_text("nginx\n")
    (proc / "4242" / "cmdline").write_bytes(b"nginx\0--password=hunter2\0")
    os.symlink("socket:[777]", proc / "4242" / "fd" / "5")
    (proc / "self").mkdir()

    holder = port_holder(0x1538, proc_root=proc)

    assert holder is not None
    assert (holder.pid, holder.command) == (4242, "nginx")  # the name only, never the arguments
    assert port_holder(0x1539, proc_root=proc) is None  # established, not listening


def test_describe_conflict_names_holder_and_alternative(listener: int) -> None:
    message = describe_port_conflict(listener)

    assert message is not None
    assert message.startswith(f"Port {listener} on 127.0.0.1 is already in use by")
    if Path("/proc/net/tcp").exists():
        assert f"pid {os.getpid()}" in message
    assert ", or use port " in message


def test_describe_conflict_free_port_is_none() -> None:
    assert describe_port_conflict(pick_free_port()) is None
