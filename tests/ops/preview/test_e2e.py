"""Pull-request branches end to end: `python -m infra preview ...` against the emulator server with real
PostgreSQL behind it and staging deployed by the Pulumi CLI. Three pull requests' previews are
created, one is changed and reset on a push (its data is the parent's again, through the same URL),
they are listed, pruned and deleted; production is refused. Tests run in file order."""

from __future__ import annotations

import json

import pytest

from tests.support.release import ReleaseWorld

pytestmark = pytest.mark.e2e

SEED = (
    "CREATE TABLE reading_list (id int PRIMARY KEY, title text NOT NULL)",
    "INSERT INTO reading_list VALUES (1, 'Dune'), (2, 'Earthsea'), (3, 'Solaris')",
)


def titles(world: ReleaseWorld, url: str) -> list[str]:
    return [str(r[0]) for r in world.query(url, "SELECT title FROM reading_list ORDER BY id")]


def previews(world: ReleaseWorld) -> dict[str, str]:
    return {b.name: b.id for b in world.branches_of("staging") if b.name.startswith("preview/")}


def test_1_three_pull_requests_get_their_previews(release_world: ReleaseWorld) -> None:
    world = release_world
    for statement in SEED:
        world.query(world.url("staging"), statement)
    for pr in (101, 102, 103):
        run = world.cli("preview", "create", "--pr", str(pr), "-o", "json")
        assert run.returncode == 0, run.output
        created = json.loads(run.stdout)
        assert list(created) == ["pr", "branch_id", "branch_name", "expires_at", "endpoint_host", "reset"]
        assert (created["pr"], created["branch_name"], created["reset"]) == (pr, f"preview/pr-{pr}", False)
        assert created["endpoint_host"].startswith("ep-")
        assert "postgresql://" not in run.output
    made = {b.name: b for b in world.branches_of("staging") if b.name.startswith("preview/")}
    assert sorted(made) == ["preview/pr-101", "preview/pr-102", "preview/pr-103"]
    staging_main = world.stack_outputs["staging"]["neon_branch_id"]
    assert {b.parent_id for b in made.values()} == {staging_main}
    assert all(b.expires_at is not None for b in made.values())
    with world.neon() as neon:
        computes = neon.list_endpoints(world.stack_outputs["staging"]["neon_project_id"])
    sizes = {
        (e.autoscaling_limit_min_cu, e.autoscaling_limit_max_cu, e.suspend_timeout_seconds)
        for e in computes
        if e.branch_id in {b.id for b in made.values()}
    }
    assert sizes == {(0.25, 0.25, 300)}


def test_2_a_push_resets_the_preview_to_the_parents_current_data(release_world: ReleaseWorld) -> None:
    world = release_world
    env = world.cli("preview", "create", "--pr", "102", "-o", "env", "--keep-data")
    assert env.returncode == 0, env.output
    lines = dict(line.split("=", 1) for line in env.stdout.splitlines())
    assert list(lines) == [
        "PREVIEW_BRANCH_NAME",
        "PREVIEW_BRANCH_ID",
        "PREVIEW_EXPIRES_AT",
        "PREVIEW_RESET",
        "DATABASE_URL",
    ]
    url = lines["DATABASE_URL"]
    assert url not in env.stderr
    assert titles(world, url) == ["Dune", "Earthsea", "Solaris"]  # the parent's data
    world.query(url, "DELETE FROM reading_list WHERE id = 1")  # the pull request's code at work
    world.query(world.url("staging"), "INSERT INTO reading_list VALUES (4, 'Kindred')")  # staging moves on
    assert titles(world, url) == ["Earthsea", "Solaris"]

    push = world.cli("preview", "create", "--pr", "102", "-o", "json")
    assert push.returncode == 0, push.output
    reset = json.loads(push.stdout)
    assert (reset["branch_id"], reset["reset"]) == (lines["PREVIEW_BRANCH_ID"], True)
    assert titles(world, url) == ["Dune", "Earthsea", "Solaris", "Kindred"]  # same URL, the parent's current data
    assert sorted(previews(world)) == ["preview/pr-101", "preview/pr-102", "preview/pr-103"]  # nothing doubled


def test_3_list(release_world: ReleaseWorld) -> None:
    run = release_world.cli("preview", "list", "-o", "json")
    assert run.returncode == 0, run.output
    rows = json.loads(run.stdout)["previews"]
    assert [(r["pr"], r["branch_name"], r["compute_state"]) for r in rows] == [
        (101, "preview/pr-101", "active"),
        (102, "preview/pr-102", "active"),
        (103, "preview/pr-103", "active"),
    ]
    text = release_world.cli("preview", "list")
    assert text.stdout.splitlines()[0].split() == ["PR", "BRANCH", "AGE", "EXPIRES", "COMPUTE"]
    assert [line.split()[0] for line in text.stdout.splitlines()[1:]] == ["101", "102", "103"]


def test_4_prune_keeps_the_open_pull_requests(release_world: ReleaseWorld) -> None:
    ids = previews(release_world)
    run = release_world.cli("preview", "prune", "--open", "102,999")
    assert run.returncode == 0, run.output
    assert run.stdout.splitlines() == [
        f"deleted preview/pr-101 ({ids['preview/pr-101']})",
        f"deleted preview/pr-103 ({ids['preview/pr-103']})",
        f"kept preview/pr-102 ({ids['preview/pr-102']})",
    ]
    assert sorted(previews(release_world)) == ["preview/pr-102"]


def test_5_delete_and_delete_again(release_world: ReleaseWorld) -> None:
    ids = previews(release_world)
    run = release_world.cli("preview", "delete", "--pr", "102")
    assert (run.returncode, run.stdout) == (0, f"deleted preview/pr-102 ({ids['preview/pr-102']})\n")
    again = release_world.cli("preview", "delete", "--pr", "102")
    assert (again.returncode, again.stdout) == (0, "preview/pr-102 does not exist (already deleted)\n")
    assert previews(release_world) == {}


def test_6_production_is_refused(release_world: ReleaseWorld) -> None:
    before = release_world.request_total()
    run = release_world.cli("preview", "create", "--pr", "1", "--stack", "production")
    assert run.returncode == 8
    assert run.stderr.startswith("error: `preview create` refuses production: a preview would copy production's data")
    assert release_world.request_total() == before


def test_7_no_secret_outside_the_env_output(release_world: ReleaseWorld) -> None:
    assert release_world.leaked() == []
