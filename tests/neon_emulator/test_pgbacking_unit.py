"""PostgresBacking without a server: physical naming and secret hygiene."""

from __future__ import annotations

from neon_emulator import PostgresBacking

BRANCH = "br-withered-wildflower-abcd1234"


def test_physical_name__joins_name_and_branch() -> None:
    assert PostgresBacking.physical_name("neondb", BRANCH) == f"neondb.{BRANCH}"


def test_physical_name__long_names_fit_63_bytes_and_stay_distinct() -> None:
    first = PostgresBacking.physical_name("a" * 63, BRANCH)
    second = PostgresBacking.physical_name("a" * 62 + "b", BRANCH)
    assert len(first.encode()) <= 63
    assert first.endswith(f".{BRANCH}")
    assert first != second


def test_physical_name__multibyte_names_are_cut_on_character_boundaries() -> None:
    physical = PostgresBacking.physical_name("é" * 40, BRANCH)
    assert len(physical.encode()) <= 63
    physical.encode().decode()  # valid UTF-8


def test_repr__never_shows_the_password() -> None:
    backing = PostgresBacking("host=127.0.0.1 port=5499 user=postgres password=hunter2 dbname=postgres")
    assert "hunter2" not in repr(backing)
    assert backing.port == 5499
