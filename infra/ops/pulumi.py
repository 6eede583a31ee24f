"""Run the Pulumi CLI for a stack with the right backend and passphrase, and read its outputs.

Backends: the dev stack always lives in the local, git-ignored backend (each developer has their
own dev database); staging and production use `PULUMI_BACKEND_URL` (a team's shared backend) and
fall back to the same local backend for solo use. Passphrases: dev uses the documented one;
staging and production must get theirs from the environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from infra.config.guards import DEV_PASSPHRASE
from infra.errors import WorkshelfError
from infra.toolchain.paths import REPO_ROOT, VENV_BIN, default_backend_url


class PulumiError(WorkshelfError):
    """A pulumi command failed, or cannot run; the message says what to do."""


class StackNotFoundError(PulumiError):
    """The state backend holds no such stack; `backend` says which backend was asked, and why that one."""

    def __init__(self, stack: str, backend: str) -> None:
        super().__init__(f"no {stack} stack in the state backend {backend}")
        self.stack = stack
        self.backend = backend


def backend_of(stack: str, env: Mapping[str, str]) -> str:
    """The backend a stack's commands use, and why, for messages (same rules as `stack_env`)."""
    if stack == "dev":
        return f"{default_backend_url()} (the local backend: dev always lives there)"
    chosen = env.get("PULUMI_BACKEND_URL")
    if chosen:
        return f"{chosen} (PULUMI_BACKEND_URL)"
    return f"{default_backend_url()} (the local default: PULUMI_BACKEND_URL is not set)"


@dataclass(frozen=True)
class PulumiResult:
    returncode: int
    stdout: str
    stderr: str


class PulumiPort(Protocol):
    """What the workflows need of `PulumiCli` (tests pass a fake)."""

    def run(self, stack: str, args: Sequence[str], *, check: bool = True, stream: bool = False) -> PulumiResult: ...

    def stack_exists(self, stack: str) -> bool: ...

    def ensure_stack(self, stack: str) -> bool: ...


def pulumi_binary(env: Mapping[str, str] | None = None) -> str:
    env = env if env is not None else os.environ
    found = shutil.which("pulumi", path=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}")
    if found is None:
        raise PulumiError("the Pulumi CLI is not installed: run `make setup` (it finds or builds it)")
    return found


def stack_env(stack: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a `pulumi` command for `stack` runs with."""
    env = dict(base if base is not None else os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PULUMI_SKIP_UPDATE_CHECK", "true")
    if stack == "dev":
        env["PULUMI_BACKEND_URL"] = default_backend_url()
        env["PULUMI_CONFIG_PASSPHRASE"] = DEV_PASSPHRASE
        env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
        return env
    env.setdefault("PULUMI_BACKEND_URL", default_backend_url())
    # Self-managed backends encrypt with a passphrase; Pulumi Cloud manages secrets itself.
    no_passphrase = not env.get("PULUMI_CONFIG_PASSPHRASE") and not env.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if no_passphrase and env["PULUMI_BACKEND_URL"].startswith(("file://", "s3://", "gs://", "azblob://")):
        raise PulumiError(
            f"PULUMI_CONFIG_PASSPHRASE is not set: the {stack} stack's secrets need your team's passphrase "
            "(or PULUMI_CONFIG_PASSPHRASE_FILE)"
        )
    return env


class PulumiCli:
    """`pulumi` for one project directory; every call names its stack explicitly."""

    def __init__(self, project_dir: Path = REPO_ROOT, base_env: Mapping[str, str] | None = None) -> None:
        self.project_dir = project_dir
        self.base_env = dict(base_env if base_env is not None else os.environ)

    def run(
        self, stack: str, args: Sequence[str], *, check: bool = True, stream: bool = False, select: bool = True
    ) -> PulumiResult:
        """`pulumi <args> [--stack <stack>]` with `stack`'s environment; `select=False` for `stack ls/init`."""
        env = stack_env(stack, self.base_env)
        argv = [pulumi_binary(env), *args, *(["--stack", stack] if select else []), "--non-interactive"]
        done = subprocess.run(
            argv,
            cwd=self.project_dir,
            env=env,
            text=True,
            check=False,
            stdout=None if stream else subprocess.PIPE,
            stderr=None if stream else subprocess.PIPE,
        )
        result = PulumiResult(done.returncode, done.stdout or "", done.stderr or "")
        if check and done.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
            raise PulumiError(f"`pulumi {' '.join(argv[1:-1])}` failed (exit {done.returncode})\n{tail}")
        return result

    def stack_exists(self, stack: str) -> bool:
        listed = self.run(stack, ["stack", "ls", "--json"], check=False, select=False)
        if listed.returncode != 0:
            return False
        return any(entry.get("name") == stack for entry in json.loads(listed.stdout or "[]"))

    def ensure_stack(self, stack: str) -> bool:
        """Create the stack if needed; returns True when it was created."""
        if self.stack_exists(stack):
            return False
        self.run(stack, ["stack", "init", stack, "--secrets-provider", "passphrase"], select=False)
        return True

    def outputs(self, stack: str, *, show_secrets: bool = False) -> dict[str, Any]:
        """The stack's outputs; StackNotFoundError (naming the backend) when the backend has no such stack."""
        args = ["stack", "output", "--json"] + (["--show-secrets"] if show_secrets else [])
        try:
            result = self.run(stack, args)
        except PulumiError as exc:
            if f"no stack named '{stack}' found" in exc.message:
                raise StackNotFoundError(stack, backend_of(stack, self.base_env)) from None
            raise
        parsed: dict[str, Any] = json.loads(result.stdout or "{}")
        return parsed

    def preview_json(self, stack: str, *extra: str) -> dict[str, Any]:
        result = self.run(stack, ["preview", "--json", *extra], check=False)
        try:
            parsed: dict[str, Any] = json.loads(result.stdout)
        except json.JSONDecodeError:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
            raise PulumiError(
                f"`pulumi preview --json --stack {stack}` failed (exit {result.returncode})\n{tail}"
            ) from None
        return parsed
