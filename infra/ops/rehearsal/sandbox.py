"""A throwaway copy of the project: its own state backend, Pulumi home and passphrase.

The program, the stack files and the project file are copied (Pulumi writes `encryptionsalt:` into
the stack file of the stack it initialises, and the copy is what it writes to); `infra/` and `.venv`
are symlinked, so the copy runs the repository's current code with its virtualenv. Everything lives
under one directory, so removing the sandbox is removing that directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.toolchain.paths import REPO_ROOT

_COPIED = ("Pulumi.yaml", "__main__.py", "requirements.txt")
_LINKED = ("infra", ".venv")


def stack_files(repo: Path = REPO_ROOT) -> list[Path]:
    return sorted(repo.glob("Pulumi.*.yaml"))


@dataclass(frozen=True)
class Sandbox:
    """`root/project` (the copy), `root/state` (a file:// backend), `root/pulumi-home`."""

    root: Path

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def home(self) -> Path:
        return self.root / "pulumi-home"

    @classmethod
    def create(cls, root: Path, repo: Path = REPO_ROOT) -> Sandbox:
        sandbox = cls(root)
        for directory in (sandbox.project, sandbox.state, sandbox.home):
            directory.mkdir(parents=True, exist_ok=True)
        for source in [repo / name for name in _COPIED] + stack_files(repo):
            shutil.copy2(source, sandbox.project / source.name)
        for name in _LINKED:
            link = sandbox.project / name
            if not link.is_symlink():
                link.symlink_to(repo / name, target_is_directory=True)
        return sandbox

    def env(self, base: Mapping[str, str], **extra: str) -> dict[str, str]:
        """`base` (usually os.environ) pointed at this sandbox's backend and Pulumi home."""
        venv_bin = self.project / ".venv" / "bin"
        return {
            **base,
            "PATH": f"{venv_bin}{os.pathsep}{base.get('PATH', '')}",
            "PULUMI_BACKEND_URL": f"file://{self.state}",
            "PULUMI_HOME": str(self.home),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            **extra,
        }

    def pulumi(
        self, args: Sequence[str], env: Mapping[str, str], *, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """`pulumi <args> --non-interactive` in the copy; the caller checks the exit code."""
        cli = shutil.which("pulumi", path=env.get("PATH")) or "pulumi"
        return subprocess.run(
            [cli, *args, "--non-interactive"],
            cwd=self.project,
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
