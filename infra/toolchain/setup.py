"""`make setup`, second half: make a Pulumi CLI usable from `.venv/bin` (found on PATH, or built).

Order of preference:
1. a `pulumi` already on PATH (a developer laptop) that is recent enough: used as is;
2. the pinned version from the cache outside the repository, built from the Go module proxy when
   missing (`scripts/build-pulumi-cli.sh`), plus our Go language host (see `hostbuild.py`);
3. otherwise stop with exact install instructions.
In case 2, `.venv/bin/pulumi` becomes a small wrapper that sets offline-friendly defaults and execs
the cached binary from the host's directory, so activating the virtualenv puts `pulumi` on PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from infra.toolchain.hostbuild import HostBuildError, ensure_host
from infra.toolchain.paths import (
    PINNED_VERSION,
    REPO_ROOT,
    VENV_BIN,
    cli_cache_dir,
    default_backend_url,
)

MIN_VERSION = (3, 200, 0)
_WRAPPER_MARK = "# workshelf-infra: pulumi wrapper"
_ACTIVATE_MARK = "# workshelf-infra: defaults"


def say(message: str) -> None:
    print(f"\033[1m==>\033[0m {message}", flush=True)


def parse_version(text: str) -> tuple[int, int, int] | None:
    match = re.search(r"v?(\d+)\.(\d+)\.(\d+)", text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def external_pulumi() -> tuple[Path, tuple[int, int, int]] | None:
    """A `pulumi` on PATH that is not our own wrapper, with its version."""
    dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and Path(d).resolve() != VENV_BIN.resolve()]
    found = shutil.which("pulumi", path=os.pathsep.join(dirs))
    if not found:
        return None
    out = subprocess.run([found, "version"], capture_output=True, text=True, check=False, timeout=60)
    version = parse_version(out.stdout)
    return (Path(found), version) if version else None


def pinned_requirement(name: str) -> str:
    """`name==x.y.z` as pinned in requirements.txt (the host env uses the same versions)."""
    for line in (REPO_ROOT / "requirements.txt").read_text().splitlines():
        if re.match(rf"^{re.escape(name)}(\[.*\])?==", line.strip(), re.IGNORECASE):
            return line.strip()
    raise SystemExit(f"requirements.txt does not pin {name}")


def build_cli() -> Path:
    """Run the cached build; returns the directory holding `pulumi` and the Python helpers."""
    started = time.monotonic()
    result = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "build-pulumi-cli.sh"), PINNED_VERSION],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(install_instructions(f"building Pulumi v{PINNED_VERSION} failed (exit {result.returncode})"))
    bin_dir = Path(result.stdout.strip().splitlines()[-1])
    say(f"Pulumi CLI v{PINNED_VERSION} ready in {bin_dir} ({time.monotonic() - started:.0f}s)")
    return bin_dir


def sdk_version() -> str:
    """The Python SDK version the language host reports: requirements.txt's `pulumi` pin."""
    return pinned_requirement("pulumi").split("==", 1)[1]


def install_language_host(cli_bin: Path) -> Path:
    """Our Go language host next to a link to the CLI; returns the directory `pulumi` runs from."""
    try:
        run_dir, took = ensure_host(cli_bin, sdk_version())
    except HostBuildError as exc:
        raise SystemExit(install_instructions(str(exc))) from exc
    if took is not None:
        say(f"language host built into {run_dir} ({took:.0f}s)")
    return run_dir


def write_if_changed(path: Path, content: str, mode: int = 0o644) -> bool:
    if path.exists() and path.read_text() == content:
        return False
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(content)
    tmp.chmod(mode)
    tmp.replace(path)
    return True


def install_wrapper(bin_dir: Path) -> None:
    """`.venv/bin/pulumi`: offline-friendly defaults, then exec the cached CLI.

    The engine looks for bundled plugins (the language host, the dynamic-provider launcher) next to
    the resolved `pulumi` executable, so they are found without any PATH warnings.
    """
    wrapper = (
        "#!/bin/sh\n"
        f"{_WRAPPER_MARK} (written by `make setup`; CLI v{PINNED_VERSION} built from source)\n"
        "# No update check and no automatic plugin downloads unless you ask for them.\n"
        ': "${PULUMI_SKIP_UPDATE_CHECK:=true}"; export PULUMI_SKIP_UPDATE_CHECK\n'
        ': "${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:=true}"; export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION\n'
        f'exec "{bin_dir / "pulumi"}" "$@"\n'
    )
    target = VENV_BIN / "pulumi"
    if target.is_symlink():
        target.unlink()
    write_if_changed(target, wrapper, mode=0o755)


def remove_wrapper() -> None:
    target = VENV_BIN / "pulumi"
    if target.exists() and _WRAPPER_MARK in target.read_text(errors="replace"):
        target.unlink()


def install_activate_defaults() -> None:
    """Activating the venv picks the default local state backend unless one is already chosen."""
    activate = VENV_BIN / "activate"
    text = activate.read_text()
    if _ACTIVATE_MARK in text:
        return
    block = (
        f"\n{_ACTIVATE_MARK}: a local state backend unless you chose one (PULUMI_BACKEND_URL or `pulumi login`)\n"
        'if [ -z "${PULUMI_BACKEND_URL:-}" ] && \\\n'
        '   ! grep -qs \'"current": *"[^"]\' "$HOME/.pulumi/credentials.json"; then\n'
        f'    export PULUMI_BACKEND_URL="{default_backend_url()}"\n'
        "fi\n"
    )
    activate.write_text(text + block)


def install_instructions(reason: str) -> str:
    return (
        f"{reason}.\nInstall the Pulumi CLI (>= {'.'.join(map(str, MIN_VERSION))}) yourself "
        "and run `make setup` again:\n"
        "  Linux/macOS:  curl -fsSL https://get.pulumi.com | sh     (then open a new shell)\n"
        "  macOS:        brew install pulumi/tap/pulumi\n"
        f"or install Go >= 1.25 (https://go.dev/doc/install) so `make setup` can build v{PINNED_VERSION} "
        f"into {cli_cache_dir()}."
    )


def main() -> int:
    found = external_pulumi()
    if found and found[1] >= MIN_VERSION:
        remove_wrapper()
        say(f"using the Pulumi CLI on PATH: {found[0]} (v{'.'.join(map(str, found[1]))})")
    else:
        if found:
            say(f"{found[0]} is v{'.'.join(map(str, found[1]))}, older than needed; using the pinned build")
        if shutil.which("go") is None and not (cli_cache_dir() / "bin" / ".complete").exists():
            print(
                install_instructions("No suitable `pulumi` on PATH and no Go toolchain to build one"),
                file=sys.stderr,
            )
            return 2
        install_wrapper(install_language_host(build_cli()))
    install_activate_defaults()
    (REPO_ROOT / ".pulumi-state").mkdir(exist_ok=True)
    say("setup complete: `. .venv/bin/activate` puts pulumi on PATH")
    return 0


if __name__ == "__main__":
    sys.exit(main())
