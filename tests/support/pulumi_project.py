"""Drive the real Pulumi CLI on a temporary copy of this project (end-to-end tests).

The copy holds the real program and the real stack files; only the state backend (a temp
directory), the passphrase and the Neon API URL/key differ. The virtualenv is shared by symlink.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infra.config.guards import DEV_PASSPHRASE
from infra.config.keys import PROJECT
from tests.support.e2e import unavailable

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"

TEST_PASSPHRASE = "e2e-only-passphrase"  # staging/production refuse the dev one
_COPIED = (
    "Pulumi.yaml",
    "Pulumi.dev.yaml",
    "Pulumi.staging.yaml",
    "Pulumi.production.yaml",
    "__main__.py",
    "requirements.txt",
)


def pulumi_cli() -> str | None:
    return shutil.which("pulumi", path=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")


def require_pulumi() -> str:
    """The CLI, or a skip locally; `make test` sets WORKSHELF_REQUIRE_E2E=1 so CI fails instead."""
    cli = pulumi_cli()
    if cli is None:
        unavailable("no pulumi CLI: run `make setup` (builds or finds it)")
    return cli


@dataclass
class CommandRun:
    """A finished command (pulumi, or python -m infra) and what it printed."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class PulumiProject:
    """A temp copy of the project plus the environment every `pulumi` call gets."""

    root: Path
    backend: Path
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, base: Path, extra_env: Mapping[str, str] | None = None) -> PulumiProject:
        root, backend, home = base / "project", base / "state", base / "pulumi-home"
        root.mkdir(parents=True)
        backend.mkdir()
        home.mkdir()
        for name in _COPIED:
            shutil.copy2(REPO / name, root / name)
        shutil.copytree(REPO / "infra", root / "infra", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(REPO / "checks", root / "checks")  # the sample drill checks (RUNBOOK §4)
        (root / ".venv").symlink_to(REPO / ".venv")
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "PULUMI_BACKEND_URL": f"file://{backend}",
            "PULUMI_HOME": str(home),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            # Each copy compiles its code once (outside the copy), not in every pulumi process.
            "PYTHONPYCACHEPREFIX": str(base / "pycache"),
            # The learned Neon operation durations stay with this copy (tests stay hermetic).
            "WORKSHELF_CACHE": str(base / "cache"),
            **(extra_env or {}),
        }
        return cls(root=root, backend=backend, env=env)

    # -- running the CLI ----------------------------------------------------------------------
    def run(
        self,
        *args: str,
        stack: str | None = None,
        check: bool = True,
        timeout: float = 600,
        for_stack: str = "",
    ) -> CommandRun:
        """`pulumi <args> --stack <stack>`; `for_stack` picks the passphrase when no --stack is passed."""
        argv = [require_pulumi(), *args, "--non-interactive"]
        if stack:
            argv += ["--stack", stack]
        passphrase = DEV_PASSPHRASE if (stack or for_stack) == "dev" else TEST_PASSPHRASE
        env = {**self.env, "PULUMI_CONFIG_PASSPHRASE": passphrase}
        done = subprocess.run(
            argv, cwd=self.root, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        result = CommandRun(argv, done.returncode, done.stdout, done.stderr)
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({done.returncode}):\n{result.output[-6000:]}")
        return result

    def init(self, stack: str) -> None:
        self.run("stack", "init", stack, "--secrets-provider", "passphrase", for_stack=stack)

    def up(self, stack: str, *extra: str) -> CommandRun:
        return self.run("up", "--yes", "--skip-preview", *extra, stack=stack)

    def preview_json(self, stack: str, *extra: str) -> dict[str, Any]:
        result = self.run("preview", "--json", *extra, stack=stack)
        parsed: dict[str, Any] = json.loads(result.stdout)
        return parsed

    def outputs(self, stack: str, *, secrets: bool = False) -> dict[str, Any]:
        args = ["stack", "output", "--json"] + (["--show-secrets"] if secrets else [])
        parsed: dict[str, Any] = json.loads(self.run(*args, stack=stack).stdout)
        return parsed

    # -- files ------------------------------------------------------------------------------------
    def state_file(self, stack: str) -> Path:
        return self.backend / ".pulumi" / "stacks" / PROJECT / f"{stack}.json"

    def stack_file(self, stack: str) -> Path:
        return self.root / f"Pulumi.{stack}.yaml"

    def set_config(self, stack: str, section: str, key: str, value: Any) -> None:
        """Edit a value in the copy's stack file, as a developer would in a pull request."""
        path = self.stack_file(stack)
        document = yaml.safe_load(path.read_text())
        document["config"][f"{PROJECT}:{section}"][key] = value
        path.write_text(yaml.safe_dump(document, sort_keys=False))
