"""Binary discovery over fake install trees: pg_config, Debian layout, PATH symlinks, Homebrew kegs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from infra.localpg.binaries import DEBIAN_ROOT, find_binaries, install_hint, locate_binaries, require_binaries
from infra.localpg.errors import BinariesNotFoundError
from tests.localpg.fakes import make_bindir, make_pg_config


def search(tmp_path: Path, **kwargs: Any) -> dict[str, Any]:
    """Search only inside tmp_path: an empty PATH, a fake Debian root and no Homebrew roots."""
    base: dict[str, Any] = {"path": "", "debian_root": tmp_path / "debian", "homebrew_roots": ()}
    return base | kwargs


def test_debian_layout__highest_major_wins(tmp_path: Path) -> None:
    make_bindir(tmp_path / "debian" / "14" / "bin")
    make_bindir(tmp_path / "debian" / "16" / "bin")

    found = find_binaries(**search(tmp_path))

    assert found is not None
    assert found.major == 16
    assert found.bindir == tmp_path / "debian" / "16" / "bin"
    assert found.pg_ctl == found.bindir / "pg_ctl"


def test_debian_layout__requested_major_is_preferred(tmp_path: Path) -> None:
    make_bindir(tmp_path / "debian" / "14" / "bin")
    make_bindir(tmp_path / "debian" / "16" / "bin")

    found = find_binaries(major=14, **search(tmp_path))

    assert found is not None
    assert (found.major, found.bindir.parent.name) == (14, "14")


def test_requested_major_absent__none_and_error_names_what_exists(tmp_path: Path) -> None:
    make_bindir(tmp_path / "debian" / "14" / "bin")

    assert find_binaries(major=17, **search(tmp_path)) is None
    with pytest.raises(BinariesNotFoundError) as exc:
        require_binaries(major=17, platform="linux", **search(tmp_path))

    message = str(exc.value)
    assert "PostgreSQL 17 server binaries were requested" in message
    assert f"PostgreSQL 14 at {tmp_path / 'debian' / '14' / 'bin'}" in message
    assert "sudo apt-get install postgresql-17" in message


def test_incomplete_directory_is_skipped(tmp_path: Path) -> None:
    make_bindir(tmp_path / "debian" / "16" / "bin", tools=["initdb", "pg_ctl", "postgres"])  # no psql...
    make_bindir(tmp_path / "debian" / "15" / "bin")

    found = find_binaries(**search(tmp_path))

    assert found is not None
    assert found.major == 15


def test_non_executable_tool_makes_directory_incomplete(tmp_path: Path) -> None:
    bindir = make_bindir(tmp_path / "debian" / "16" / "bin")
    (bindir / "initdb").chmod(0o644)

    assert locate_binaries(**search(tmp_path)) == []


def test_pg_config_comes_first(tmp_path: Path) -> None:
    make_bindir(tmp_path / "debian" / "16" / "bin")
    custom = make_bindir(tmp_path / "opt" / "pgsql" / "bin", version="13.9")
    make_pg_config(tmp_path / "path-bin", custom)

    found = find_binaries(**search(tmp_path, path=str(tmp_path / "path-bin")))

    assert found is not None
    assert (found.bindir, found.major) == (custom, 13)


def test_pg_config_pointing_at_a_client_only_directory_is_ignored(tmp_path: Path) -> None:
    client_only = make_bindir(tmp_path / "client" / "bin", tools=["psql", "pg_dump", "pg_ctl"])
    make_pg_config(tmp_path / "path-bin", client_only)
    make_bindir(tmp_path / "debian" / "15" / "bin")

    found = find_binaries(**search(tmp_path, path=str(tmp_path / "path-bin")))

    assert found is not None
    assert found.bindir == tmp_path / "debian" / "15" / "bin"


def test_path_symlink_leads_to_the_real_directory(tmp_path: Path) -> None:
    cellar = make_bindir(tmp_path / "Cellar" / "postgresql@17" / "17.2" / "bin", version="17.2")
    linked = tmp_path / "homebrew-bin"
    linked.mkdir()
    for tool in ("pg_ctl", "psql"):  # Homebrew links some tools, not always all of them
        os.symlink(cellar / tool, linked / tool)

    found = find_binaries(**search(tmp_path, path=f"/nonexistent{os.pathsep}{linked}"))

    assert found is not None
    assert (found.bindir, found.major) == (cellar, 17)


def test_homebrew_keg_only_formula_is_found_highest_first(tmp_path: Path) -> None:
    opt = tmp_path / "opt"
    make_bindir(opt / "postgresql@16" / "bin", version="16.4")
    make_bindir(opt / "postgresql@17" / "bin", version="17.2")

    found = find_binaries(**search(tmp_path, homebrew_roots=(opt,)))

    assert found is not None
    assert (found.bindir, found.major) == (opt / "postgresql@17" / "bin", 17)


def test_unversioned_directory_with_a_broken_pg_ctl_is_skipped(tmp_path: Path) -> None:
    broken = make_bindir(tmp_path / "opt" / "pgsql" / "bin")
    (broken / "pg_ctl").write_text("#!/bin/sh\nexit 1\n")

    assert locate_binaries(**search(tmp_path, path=str(broken))) == []


def test_same_directory_reached_twice_is_listed_once(tmp_path: Path) -> None:
    bindir = make_bindir(tmp_path / "debian" / "15" / "bin")
    make_pg_config(tmp_path / "path-bin", bindir)

    found = locate_binaries(**search(tmp_path, path=f"{tmp_path / 'path-bin'}{os.pathsep}{bindir}"))

    assert [b.bindir for b in found] == [bindir]


def test_nothing_installed__none_and_error_with_both_fixes(tmp_path: Path) -> None:
    assert find_binaries(**search(tmp_path)) is None

    with pytest.raises(BinariesNotFoundError) as exc:
        require_binaries(platform="linux", **search(tmp_path))

    assert "were not found" in str(exc.value)
    assert "sudo apt-get install postgresql " in str(exc.value)
    assert "brew install postgresql@17" in str(exc.value)


def test_install_hint__macos_names_the_keg_formula() -> None:
    hint = install_hint(platform="darwin", major=16)

    assert hint.startswith("brew install postgresql@16")
    assert "apt-get" not in hint


def test_install_hint__linux_without_major() -> None:
    assert install_hint(platform="linux").startswith("sudo apt-get install postgresql (Debian/Ubuntu")


@pytest.mark.postgres
@pytest.mark.skipif(not (DEBIAN_ROOT / "15" / "bin" / "initdb").exists(), reason="no Debian PostgreSQL 15")
def test_this_machine__finds_the_debian_install() -> None:
    found = find_binaries(major=15)

    assert found is not None
    assert found.bindir.resolve() == (DEBIAN_ROOT / "15" / "bin").resolve()
