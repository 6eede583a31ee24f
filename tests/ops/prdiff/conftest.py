"""Fixtures for pr-diff tests: saved previews for unit tests, a deployed world for end-to-end ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.ops.prdiff.changes import stack_preview
from infra.ops.prdiff.facts import stack_facts
from infra.ops.prdiff.model import Report, StackPreview, StackReport
from infra.ops.prdiff.preview import PreviewDigest
from infra.ops.prdiff.risks import assess
from tests.ops.prdiff.scenarios import load_fixture
from tests.support.neon_world import NeonWorld, deployed_world


def preview_of(name: str, stack: str | None = None) -> StackPreview:
    return stack_preview(stack or name.split("-", 1)[0], PreviewDigest.model_validate(load_fixture(name)))


def report_of(*names: str, acknowledged: bool = False, project_dir: Path | None = None) -> Report:
    """A report from saved previews; stack names are the fixture names' first word."""
    stacks = []
    for name in names:
        stack = name.split("-", 1)[0]
        digest = PreviewDigest.model_validate(load_fixture(name))
        preview = stack_preview(stack, digest)
        facts = stack_facts(stack, project_dir, digest.config)
        stacks.append(StackReport(preview=preview, facts=facts, risks=assess(preview, facts)))
    return Report(stacks=stacks, acknowledged=acknowledged)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NeonWorld]:
    """Staging and production deployed from the real stack files onto one emulator."""
    with deployed_world(tmp_path_factory.mktemp("prdiff-world")) as deployed:
        yield deployed


@pytest.fixture
def pristine(world: NeonWorld) -> Iterator[NeonWorld]:
    """Each test edits the copy's stack files and code as a pull request would; put them back after."""
    files = [world.project.stack_file(s) for s in ("staging", "production")]
    files += [world.project.root / "infra" / "program.py"]
    saved = {path: path.read_text() for path in files}
    yield world
    for path, text in saved.items():
        path.write_text(text)
