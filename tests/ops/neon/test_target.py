"""Reading a stack for the workflows: outputs through Pulumi, and the refusals on the way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from infra.ops.neon.backups import BackupRequest
from infra.ops.neon.errors import NeonStackError
from infra.ops.neon.target import outputs_reader
from infra.ops.pulumi import PulumiCli, PulumiError
from infra.ops.safety.backup import backup_branch
from infra.toolchain.paths import default_backend_url
from tests.support.pulumi_project import REPO
from tests.support.safety import Harness


class FakePulumi(PulumiCli):
    def __init__(self, outputs: dict[str, Any] | Exception) -> None:
        super().__init__(REPO, base_env={})
        self._outputs = outputs
        self.calls: list[tuple[str, bool]] = []

    def outputs(self, stack: str, *, show_secrets: bool = False) -> dict[str, Any]:
        self.calls.append((stack, show_secrets))
        if isinstance(self._outputs, Exception):
            raise self._outputs
        return self._outputs


FULL = {
    "environment": "staging",
    "database_url": "postgresql://u:pw-123456@h/db",
    "host": "h",
    "database": "db",
    "role": "u",
    "neon_project_id": "p-1",
    "neon_branch_id": "br-1",
}


def test_outputs_reader__reads_secrets_into_a_model() -> None:
    pulumi = FakePulumi(FULL)
    outputs = outputs_reader(pulumi)("staging")
    assert pulumi.calls == [("staging", True)]
    assert outputs.neon_branch_id == "br-1"
    assert "pw-123456" not in repr(outputs)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "the staging stack has no outputs (is it deployed?)"),
        ({k: v for k, v in FULL.items() if k != "database_url"}, "the staging stack's outputs lack database_url"),
        (PulumiError("PULUMI_CONFIG_PASSPHRASE is not set"), "PULUMI_CONFIG_PASSPHRASE is not set"),
    ],
)
def test_unreadable_outputs_are_a_clear_refusal(
    harness: Harness, raw: dict[str, Any] | Exception, message: str
) -> None:
    harness.ctx.outputs = outputs_reader(FakePulumi(raw))
    with pytest.raises(NeonStackError) as caught:
        backup_branch(harness.ctx, "staging", BackupRequest())
    assert caught.value.message.startswith("cannot read the staging stack's outputs: ")
    assert message in caught.value.message
    assert caught.value.hint == (
        "check PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) and PULUMI_BACKEND_URL"
    )
    assert "pulumi up" not in caught.value.hint  # against the wrong backend it would make a second project


class MissingStackPulumi(PulumiCli):
    """`pulumi stack output` as the CLI answers when the backend holds no such stack."""

    def run(self, stack: str, args: Sequence[str], *, check: bool = True, stream: bool = False, select: bool = True):  # type: ignore[no-untyped-def]
        raise PulumiError(f"`pulumi {' '.join(args)}` failed (exit 255)\nerror: no stack named '{stack}' found")


@pytest.mark.parametrize(
    ("environ", "where"),
    [
        ({}, f"{default_backend_url()} (the local default: PULUMI_BACKEND_URL is not set)"),
        ({"PULUMI_BACKEND_URL": "s3://team-state"}, "s3://team-state (PULUMI_BACKEND_URL)"),
    ],
)
def test_a_stack_the_backend_does_not_hold_names_the_backend_and_never_suggests_up(
    harness: Harness, environ: dict[str, str], where: str
) -> None:
    harness.ctx.outputs = outputs_reader(MissingStackPulumi(REPO, base_env=environ))
    with pytest.raises(NeonStackError) as caught:
        backup_branch(harness.ctx, "staging", BackupRequest())
    assert caught.value.message == (
        f"cannot read the staging stack's outputs: no staging stack in the state backend {where}"
    )
    assert caught.value.hint == (
        "if staging is deployed, point PULUMI_BACKEND_URL at the backend that holds it "
        "(README, 'Passphrases and state'); `pulumi stack ls` lists what this backend holds"
    )


def test_outputs_without_neon_ids_are_refused(harness: Harness) -> None:
    harness.ctx.outputs = outputs_reader(FakePulumi({**FULL, "neon_project_id": None}))
    with pytest.raises(NeonStackError, match="the staging stack's outputs name no Neon project or branch"):
        backup_branch(harness.ctx, "staging", BackupRequest())


def test_an_unknown_stack_names_the_missing_stack_file(harness: Harness) -> None:
    with pytest.raises(NeonStackError, match=r"Pulumi\.prod\.yaml not found"):
        backup_branch(harness.ctx, "prod", BackupRequest())
