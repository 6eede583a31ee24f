"""Markers are literals read with `ast`; a bad one stops the lint with one line naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.ops.migrations.errors import MigrationError
from infra.ops.migrations.markers import Acknowledgement
from infra.ops.migrations.scripts import ScriptHistory, read_revision_file

HEAD = 'from alembic import op\n\nrevision = "r2"\ndown_revision: str | None = "r1"\n'


def _file(tmp_path: Path, body: str, name: str = "r2.py") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body + "\n\ndef upgrade() -> None:\n    pass\n")
    return path


def test_all_three_markers(tmp_path: Path) -> None:
    body = (
        'deprecates = ["books.pages", "public.legacy"]\nirreversible = True\n'
        'acknowledge = [{"rule": "renaming-column", "target": "public.books.title", "reason": "  nobody reads it  "}]\n'
    )
    file = read_revision_file(_file(tmp_path, body))
    assert (file.revision, file.parents, file.upgrade_line) == ("r2", ("r1",), 10)
    assert file.markers.deprecates == ("books.pages", "legacy")
    assert file.markers.irreversible is True
    assert file.markers.acknowledge == (
        Acknowledgement(rule="renaming-column", target="books.title", reason="nobody reads it"),
    )


def test_no_markers_is_the_default(tmp_path: Path) -> None:
    markers = read_revision_file(_file(tmp_path, "")).markers
    assert (markers.deprecates, markers.irreversible, markers.acknowledge) == ((), False, ())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'acknowledge = [{"rule": "ban-drop-table", "target": "t", "reason": "ok"}]',
            "marker `acknowledge[0].reason`: say why in at least 10 characters (got 'ok')",
        ),
        (
            'acknowledge = [{"rule": "drop-everything", "target": "t", "reason": "a good reason"}]',
            "marker `acknowledge[0].rule`: 'drop-everything' is not a rule that blocks (one of: ",
        ),
        (
            'acknowledge = [{"rule": "ban-drop-table", "reason": "a good reason"}]',
            "marker `acknowledge[0].target`: Field required",
        ),
        ('deprecates = ["books pages"]', "marker `deprecates`: 'books pages' is not a table or table.column name"),
        ("irreversible = 'yes'", "marker `irreversible`: Input should be a valid boolean"),
    ],
)
def test_bad_markers_name_the_file_and_the_key(tmp_path: Path, body: str, message: str) -> None:
    path = _file(tmp_path, body)
    with pytest.raises(MigrationError) as caught:
        read_revision_file(path)
    assert caught.value.message.startswith(f"{path}: {message}")
    assert caught.value.exit_code == 1


def test_markers_must_be_literals(tmp_path: Path) -> None:
    path = _file(tmp_path, "COLUMNS = ['books.pages']\ndeprecates = COLUMNS")
    with pytest.raises(MigrationError) as caught:
        read_revision_file(path)
    assert caught.value.message == f"{path}:6: `deprecates` must be a literal (a string, list, dict, True/False)"


def test_history_orders_parents_first_and_finds_pending(tmp_path: Path) -> None:
    files = []
    for rev, down in (("r3", "r2"), ("r1", None), ("r2", "r1")):
        path = tmp_path / f"{rev}.py"
        path.write_text(f"revision = {rev!r}\ndown_revision = {down!r}\n")
        files.append(read_revision_file(path))
    history = ScriptHistory(files)
    assert [f.revision for f in history.ordered] == ["r1", "r2", "r3"]
    assert [f.revision for f in history.pending(["r1"])] == ["r2", "r3"]
    assert [f.revision for f in history.pending([])] == ["r1", "r2", "r3"]
    assert history.ancestors("r3") == {"r1", "r2"}
    assert history.heads == ["r3"]
    with pytest.raises(MigrationError, match=r"revision 'zz' is not among the migration files \(3 revisions"):
        history.resolve("zz")


def test_an_unknown_parent_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "r2.py"
    path.write_text("revision = 'r2'\ndown_revision = 'gone'\n")
    with pytest.raises(MigrationError) as caught:
        ScriptHistory([read_revision_file(path)])
    assert caught.value.message == f"{path}: down_revision 'gone' names no known revision"
