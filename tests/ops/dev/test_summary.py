"""Onboarding's summary: an aligned table with the masked URL, a psql command and the stop/reset/remove commands."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from infra.devdb.engine import EngineChoice
from infra.devdb.envfile import EnvFileUpdate
from infra.devdb.url import DatabaseUrl
from infra.ops.dev.onboard import OnboardResult
from infra.ops.dev.summary import env_file_line, format_table, onboard_rows
from infra.ops.pulumi_events import UpdateReport
from tests.ops.dev.fakes import PASSWORD
from tests.support.followup import WORKSHELF


def env_update(**changes: object) -> EnvFileUpdate:
    base: dict[str, object] = {
        "path": Path("/p/.env"), "created": False, "added": (), "updated": (), "unchanged": ("DATABASE_URL",),
        "mode_tightened": False,
    }  # fmt: skip
    return EnvFileUpdate.model_validate(base | changes)


def result(**changes: object) -> OnboardResult:
    base: dict[str, object] = {
        "project_dir": Path("/p"),
        "choice": EngineChoice(engine="native", reason="no Docker engine (no docker CLI on PATH); using PostgreSQL 15"),
        "location": ".dev/pgdata",
        "url": DatabaseUrl(user="workshelf", password=SecretStr(PASSWORD), port=55432, database="workshelf"),
        "env": env_update(created=True, added=("DATABASE_URL",), unchanged=()),
        "update": UpdateReport(succeeded=True, changes={"create": 3}),
        "stack_created": True,
        "server_version": "15.18 (Debian 15.18-0+deb12u1)",
        "elapsed_s": 3.64,
        "psql": 'psql "$(grep -m1 ^DATABASE_URL= .env | cut -d= -f2-)"',
    }
    return OnboardResult.model_validate(base | changes)


def test_format_table__aligns_keys_and_continuation_lines() -> None:
    assert format_table([("a", "1"), ("longer", "two\nlines"), ("e", "")]) == (
        "  a       1\n  longer  two\n          lines\n  e"
    )


def test_onboard_rows__the_whole_summary() -> None:
    assert format_table(onboard_rows(result())).splitlines() == [
        "  environment   dev (your own local database; staging and production are never touched)",
        "  engine        native: no Docker engine (no docker CLI on PATH); using PostgreSQL 15",
        "  data          .dev/pgdata",
        "  DATABASE_URL  postgresql://workshelf:****@127.0.0.1:55432/workshelf",
        "  server        PostgreSQL 15.18 (Debian 15.18-0+deb12u1)",
        "  .env          .env created with DATABASE_URL (mode 0600)",
        "  pulumi        dev stack created; 3 created",
        '  psql          psql "$(grep -m1 ^DATABASE_URL= .env | cut -d= -f2-)"',
        f"  stop          make -C /p dev-down     or  {WORKSHELF} dev down",
        f"  reset         make -C /p dev-reset    or  {WORKSHELF} dev reset",
        f"  remove        make -C /p dev-destroy  or  {WORKSHELF} dev destroy",
        "  took          3.6s",
    ]


def test_onboard_rows__never_show_the_password() -> None:
    assert PASSWORD not in format_table(onboard_rows(result()))


def test_onboard_rows__second_run_and_restart() -> None:
    rows = dict(onboard_rows(result(
        env=env_update(), update=UpdateReport(succeeded=True, changes={"update": 1, "same": 2}),
        stack_created=False, restarted=True, warnings=("w1",),
    )))  # fmt: skip
    assert rows[".env"] == ".env unchanged"
    assert rows["pulumi"] == "1 updated, 2 unchanged; the stopped server was started again"
    assert rows["warning 1"] == "w1"


def test_env_file_line__added_updated_tightened() -> None:
    assert env_file_line(env_update(added=("DATABASE_URL",), unchanged=())) == (
        "DATABASE_URL added to .env; every other line kept"
    )
    assert env_file_line(env_update(updated=("DATABASE_URL",), unchanged=(), mode_tightened=True)) == (
        "DATABASE_URL updated in place in .env; every other line kept; mode tightened to 0600"
    )
