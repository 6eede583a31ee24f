"""The application's Alembic runs as given: the caller's cwd, PATH and virtualenv; the URL in the
variable its env.py reads. Failures name the command, where it ran, and Alembic's own last lines."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from infra.masking import Masker
from infra.ops.migrations.alembic import OFFLINE_URL, AlembicCommand, history_paths, render_upgrade_sql
from infra.ops.migrations.errors import MigrationError
from infra.ops.migrations.lint import LintRequest, lint
from tests.support.migrations import SHELFAPP_URL_ENV, AppVenv, add_next_revision, policy

PY = sys.executable


def test_a_subcommand_after_the_double_dash_is_refused() -> None:
    with pytest.raises(MigrationError) as caught:
        AlembicCommand(argv=("alembic", "-c", "alembic.ini", "upgrade", "head"))
    assert caught.value.message == (
        "give the Alembic command without a subcommand (found 'upgrade' in `alembic -c alembic.ini upgrade head`)"
    )


def test_no_command_is_refused() -> None:
    with pytest.raises(MigrationError, match=r"^no Alembic command: give how your application runs Alembic after --"):
        AlembicCommand(argv=())


def test_the_environment_has_the_url_under_the_chosen_name_and_no_credentials() -> None:
    base = {"PATH": "/app/bin", "NEON_API_KEY": "k" * 20, "PULUMI_CONFIG_PASSPHRASE": "p" * 20, "HOME": "/h"}
    command = AlembicCommand(argv=("alembic",), url_env="APP_DB", base_env=base)
    assert command.env(SecretStr("postgresql://u:pw@h/db")) == {
        "PATH": "/app/bin",
        "HOME": "/h",
        "APP_DB": "postgresql://u:pw@h/db",
    }


def test_a_missing_alembic_ini_says_where_it_ran(tmp_path: Path) -> None:
    command = AlembicCommand(argv=(PY, "-m", "alembic"), cwd=tmp_path)
    with pytest.raises(MigrationError) as caught:
        history_paths(command, Masker())
    assert caught.value.message == (
        f"reading the migration history failed: `{PY} -m alembic history --verbose` exited with 255\n"
        "  | FAILED: No 'script_location' key found in configuration."
    )
    assert caught.value.hint == f"it ran in {tmp_path} with DATABASE_URL set; run it there yourself to see why"


def test_a_command_not_on_path(tmp_path: Path) -> None:
    command = AlembicCommand(argv=("no-such-alembic-xyz",), cwd=tmp_path)
    with pytest.raises(MigrationError) as caught:
        history_paths(command, Masker())
    assert caught.value.message == "cannot run `no-such-alembic-xyz history --verbose`: No such file or directory"


def test_our_virtualenv_cannot_import_the_application(shelfapp_dir: Path) -> None:
    """The point of running as given: env.py imports `shelfapp`, which only the app's virtualenv has."""
    command = AlembicCommand(argv=(PY, "-m", "alembic"), cwd=shelfapp_dir, url_env=SHELFAPP_URL_ENV)
    with pytest.raises(MigrationError) as caught:
        render_upgrade_sql(command, "base", Masker())
    assert caught.value.message.startswith("rendering the migrations' SQL (Alembic offline mode) failed")
    assert caught.value.message.endswith("ModuleNotFoundError: No module named 'shelfapp'")


@pytest.mark.e2e
def test_the_application_virtualenv_renders_and_lints(shelfapp_venv: AppVenv, shelfapp_dir: Path) -> None:
    add_next_revision(shelfapp_dir, "a004_drop_pages.py")
    command = AlembicCommand(
        argv=(str(shelfapp_venv.python), "-m", "alembic"), cwd=shelfapp_dir, url_env=SHELFAPP_URL_ENV
    )
    report = lint(LintRequest(command=command, applied=("a002",), policy=policy()))
    assert [r.revision for r in report.revisions] == ["a003", "a004"]
    assert [(f.revision, f.rule, f.severity, f.target, f.file) for f in report.findings] == [
        ("a004", "ban-drop-column", "blocking", "books.pages", "migrations/versions/a004_drop_pages.py")
    ]


@pytest.mark.e2e
def test_path_decides_which_alembic_runs(shelfapp_venv: AppVenv, shelfapp_dir: Path) -> None:
    """`-- python -m alembic` with the app's virtualenv first on PATH, as after `source .venv/bin/activate`."""
    env = {"PATH": f"{shelfapp_venv.bin}:/usr/bin:/bin"}
    command = AlembicCommand(argv=("python", "-m", "alembic"), cwd=shelfapp_dir, url_env=SHELFAPP_URL_ENV, base_env=env)
    sql = render_upgrade_sql(command, "base", Masker())
    assert "-- Running upgrade a002 -> a003" in sql
    assert OFFLINE_URL.get_secret_value() not in sql
