"""The language host's build: keyed by its sources, one directory per build, links to the CLI's files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from infra.toolchain import hostbuild


@pytest.fixture
def sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "langhost"
    folder.mkdir()
    (folder / "main.go").write_text("package main\n")
    (folder / "go.mod").write_text("module x\n")
    monkeypatch.setattr(hostbuild, "SOURCES", folder)
    return folder


@pytest.fixture
def cli_bin(tmp_path: Path) -> Path:
    folder = tmp_path / "v1" / "bin"
    folder.mkdir(parents=True)
    for name in hostbuild.BUNDLED:
        (folder / name).write_text(f"#!/bin/sh\n# {name}\n")
    return folder


def fake_build(built: list[Path]) -> Callable[[Path, str], None]:
    def build(output: Path, sdk_version: str) -> None:
        built.append(output)
        output.write_text(f"host for SDK {sdk_version}\n")

    return build


def test_source_key__changes_with_a_source_file_or_the_sdk_version(sources: Path) -> None:
    first = hostbuild.source_key("3.272.0")
    assert hostbuild.source_key("3.272.0") == first
    assert hostbuild.source_key("3.273.0") != first
    (sources / "main.go").write_text("package main // changed\n")
    assert hostbuild.source_key("3.272.0") != first


def test_ensure_host__builds_once_next_to_the_cli_with_links_to_its_files(
    sources: Path, cli_bin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Path] = []
    monkeypatch.setattr(hostbuild, "go_build", fake_build(built))
    run_dir, took = hostbuild.ensure_host(cli_bin, "3.272.0")
    assert run_dir == cli_bin.parent / f"host-{hostbuild.source_key('3.272.0')}"
    assert took is not None
    assert (run_dir / hostbuild.HOST).read_text() == "host for SDK 3.272.0\n"
    for name, installed in hostbuild.BUNDLED.items():
        assert (run_dir / installed).samefile(cli_bin / name)
    for ours in hostbuild.OURS:  # our dynamic-provider launcher, the SDK's beside it
        assert (run_dir / ours.name).read_bytes() == ours.read_bytes()
    assert (run_dir / "pulumi-resource-pulumi-python.sdk").samefile(cli_bin / "pulumi-resource-pulumi-python")
    assert sorted(p.name for p in cli_bin.parent.iterdir()) == ["bin", run_dir.name]  # no staging left
    assert hostbuild.ensure_host(cli_bin, "3.272.0") == (run_dir, None)
    assert len(built) == 1


def test_ensure_host__a_failed_build_leaves_nothing_behind(
    sources: Path, cli_bin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(output: Path, sdk_version: str) -> None:
        output.write_text("half")
        raise hostbuild.HostBuildError("`go build` of the language host failed (exit 1):\nboom")

    monkeypatch.setattr(hostbuild, "go_build", failing)
    with pytest.raises(hostbuild.HostBuildError, match="exit 1"):
        hostbuild.ensure_host(cli_bin, "3.272.0")
    assert sorted(p.name for p in cli_bin.parent.iterdir()) == ["bin"]


def test_ensure_host__replaces_an_interrupted_build(
    sources: Path, cli_bin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    leftover = hostbuild.host_dir(cli_bin, "3.272.0")
    leftover.mkdir()
    (leftover / hostbuild.HOST).write_text("truncated")  # no .complete marker
    monkeypatch.setattr(hostbuild, "go_build", fake_build([]))
    run_dir, _ = hostbuild.ensure_host(cli_bin, "3.272.0")
    assert (run_dir / hostbuild.HOST).read_text() == "host for SDK 3.272.0\n"


def test_go_build__without_go_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(hostbuild.HostBuildError) as caught:
        hostbuild.go_build(tmp_path / "host", "3.272.0")
    assert str(caught.value) == "the language host is built with Go, and `go` is not on PATH"


def test_go_build__a_compile_error_shows_go_output(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    go = tmp_path / "bin" / "go"
    go.parent.mkdir()
    go.write_text("#!/bin/sh\necho './main.go:3:1: syntax error' >&2\nexit 1\n")
    go.chmod(0o755)
    monkeypatch.setenv("PATH", str(go.parent))
    with pytest.raises(hostbuild.HostBuildError) as caught:
        hostbuild.go_build(tmp_path / "host", "3.272.0")
    assert str(caught.value) == "`go build` of the language host failed (exit 1):\n./main.go:3:1: syntax error"
