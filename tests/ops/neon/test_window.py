"""The history window: its bounds, and refusals that print them in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra.neon.models import Branch, Project
from infra.ops.neon.errors import NeonStackError
from infra.ops.neon.window import check_point, default_point, history_window, point_ago, pre_restore_branch

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def project(retention: int | None) -> Project:
    return Project(
        id="p-1",
        name="workshelf-staging",
        region_id="aws-eu-central-1",
        pg_version=17,
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        history_retention_seconds=retention,
    )


def branch(created: datetime, reset: datetime | None = None) -> Branch:
    return Branch(id="br-main", project_id="p-1", name="main", created_at=created, last_reset_at=reset)


def test_window__retention_bounds_an_old_branch() -> None:
    window = history_window(project(604_800), branch(datetime(2025, 6, 1, tzinfo=UTC)), NOW.timestamp())
    assert (window.earliest, window.latest) == (NOW - timedelta(days=7), NOW)
    assert window.bounds == "2026-01-03T12:00:00Z .. 2026-01-10T12:00:00Z (UTC)"


def test_window__never_before_the_branch_began_or_was_last_restored() -> None:
    young = history_window(project(604_800), branch(NOW - timedelta(hours=2)), NOW.timestamp())
    assert young.earliest == NOW - timedelta(hours=2)
    restored = history_window(
        project(604_800), branch(NOW - timedelta(days=30), reset=NOW - timedelta(hours=1)), NOW.timestamp()
    )
    assert restored.earliest == NOW - timedelta(hours=1)


@pytest.mark.parametrize("retention", [0, None])
def test_window__no_history_is_refused(retention: int | None) -> None:
    with pytest.raises(NeonStackError) as caught:
        history_window(project(retention), branch(NOW - timedelta(days=30)), NOW.timestamp())
    assert "keeps no history (history_retention_seconds=0)" in caught.value.message
    assert "historyRetentionSeconds" in caught.value.hint


def test_check_point__outside_names_the_bounds_and_retention() -> None:
    window = history_window(project(86_400), branch(NOW - timedelta(days=30)), NOW.timestamp())
    with pytest.raises(NeonStackError) as before:
        check_point(window, NOW - timedelta(days=2), what="the drill point")
    assert before.value.message == (
        "the drill point 2026-01-08T12:00:00Z is before the window starts: the history window of branch main "
        "(br-main) is 2026-01-09T12:00:00Z .. 2026-01-10T12:00:00Z (UTC): "
        "history_retention_seconds=86400 (1 day)"
    )
    with pytest.raises(NeonStackError, match="is after now"):
        point_ago(window, timedelta(seconds=-5), what="the drill point")
    assert check_point(window, NOW - timedelta(hours=3), what="x") == NOW - timedelta(hours=3)


def test_default_point__one_hour_ago_or_clamped_inside_a_short_window() -> None:
    old = history_window(project(604_800), branch(NOW - timedelta(days=30)), NOW.timestamp())
    assert default_point(old, timedelta(hours=1)) == (NOW - timedelta(hours=1), None)
    young = history_window(project(604_800), branch(NOW - timedelta(minutes=10)), NOW.timestamp())
    point, note = default_point(young, timedelta(hours=1))
    assert point == NOW - timedelta(minutes=9)  # the start plus a minute of clock-skew margin
    assert note is not None
    assert "older than the window allows" in note
    tiny = history_window(project(604_800), branch(NOW - timedelta(seconds=20)), NOW.timestamp())
    assert default_point(tiny, timedelta(hours=1))[0] == NOW - timedelta(seconds=10)


def test_default_point__whole_seconds_only() -> None:
    odd = history_window(project(604_800), branch(NOW - timedelta(seconds=21)), NOW.timestamp())
    point, _note = default_point(odd, timedelta(hours=1))
    assert point == NOW - timedelta(seconds=11)  # 21 s window, 10.5 s margin, truncated
    assert point.microsecond == 0


def test_window__after_a_restore_names_the_restore_and_the_pre_restore_branch() -> None:
    restored_at = NOW - timedelta(hours=1)
    window = history_window(project(604_800), branch(NOW - timedelta(days=30), reset=restored_at), NOW.timestamp())
    assert window.restored_at == restored_at
    assert window.describe().endswith(
        "; it starts at the restore of 2026-01-10T11:00:00Z: no backup/pre-restore-* branch from that restore was found"
    )

    def kept(name: str, created: datetime) -> Branch:
        return Branch(id=f"br-{name[-4:]}", project_id="p-1", name=name, created_at=created)

    candidates = [
        kept("backup/pre-restore-old1", restored_at - timedelta(days=2)),
        kept("backup/pre-restore-near", restored_at + timedelta(seconds=3)),
        kept("backup/other-nea2", restored_at),
    ]
    assert pre_restore_branch(candidates, restored_at) == candidates[1]
    assert pre_restore_branch(candidates[:1], restored_at) is None
    named = window.model_copy(update={"pre_restore": "backup/pre-restore-near (br-near)"})
    with pytest.raises(NeonStackError) as caught:
        check_point(named, restored_at - timedelta(minutes=1), what="the drill point")
    assert caught.value.message.endswith("the state from before it is on branch backup/pre-restore-near (br-near)")
    assert caught.value.hint.endswith(
        "; for a point before the restore, use the pre-restore branch backup/pre-restore-near (br-near)"
    )


def test_window__a_restore_older_than_the_retention_changes_nothing() -> None:
    window = history_window(
        project(86_400), branch(NOW - timedelta(days=30), reset=NOW - timedelta(days=3)), NOW.timestamp()
    )
    assert window.restored_at is None
    assert window.earliest == NOW - timedelta(days=1)
