"""The .env merge: managed keys replaced in place or appended, everything else byte for byte, 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from infra.devdb.envfile import format_value, read_env_file, update_env_file
from infra.devdb.errors import EnvFileError

URL = "postgresql://dev:s3cret@127.0.0.1:5432/devdb"
NEW_URL = "postgresql://dev:n3w@127.0.0.1:5433/devdb"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_fresh_file_is_created_with_mode_0600(tmp_path: Path) -> None:
    env = tmp_path / ".env"

    result = update_env_file(env, {"DATABASE_URL": URL, "PGPORT": "5432"})

    assert env.read_text() == f"DATABASE_URL={URL}\nPGPORT=5432\n"
    assert mode_of(env) == 0o600
    assert (result.created, result.changed, result.added) == (True, True, ("DATABASE_URL", "PGPORT"))


def test_other_lines_comments_and_order_are_preserved(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# app settings\n"
        "DEBUG=1\n"
        "\n"
        "DATABASE_URL=postgresql://old@127.0.0.1/x   # written by make onboard\n"
        "   # indented comment\n"
        "SECRET_KEY='abc def'\n"
        "not a valid line\n"
        "TAIL=last"  # no final newline
    )

    result = update_env_file(env, {"DATABASE_URL": URL, "PGPORT": "5433"})

    assert env.read_text() == (
        "# app settings\n"
        "DEBUG=1\n"
        "\n"
        f"DATABASE_URL={URL}   # written by make onboard\n"
        "   # indented comment\n"
        "SECRET_KEY='abc def'\n"
        "not a valid line\n"
        "TAIL=last\n"
        "PGPORT=5433\n"
    )
    assert (result.created, result.updated, result.added) == (False, ("DATABASE_URL",), ("PGPORT",))


def test_export_prefix_and_spacing_are_kept(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("export DATABASE_URL = old\n")

    update_env_file(env, {"DATABASE_URL": URL})

    assert env.read_text() == f"export DATABASE_URL = {URL}\n"


def test_quoting_style_of_the_existing_line_is_kept(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("A='old'\nB=\"old\" # note\nC=old\n")

    update_env_file(env, {"A": "new value", "B": 'say "hi" $HOME', "C": "it's"})

    assert env.read_text() == 'A=\'new value\'\nB="say \\"hi\\" \\$HOME" # note\nC="it\'s"\n'
    assert read_env_file(env) == {"A": "new value", "B": 'say "hi" $HOME', "C": "it's"}


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (URL, URL),
        ("postgresql://a:b@h:1/d?sslmode=disable", "postgresql://a:b@h:1/d?sslmode=disable"),
        ("two words", "'two words'"),
        ("", ""),
        ("a&b", "'a&b'"),
        ("it's $x", '"it\'s \\$x"'),
    ],
)
def test_format_value(value: str, written: str) -> None:
    assert format_value(value) == written


@pytest.mark.parametrize("value", ["plain", "two words", "it's", 'q"uote', "back\\slash", "#hash", " pad "])
def test_written_values_read_back_identically(tmp_path: Path, value: str) -> None:
    env = tmp_path / ".env"

    update_env_file(env, {"K": value})

    assert read_env_file(env) == {"K": value}


def test_second_run_reports_unchanged_and_does_not_rewrite(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    update_env_file(env, {"DATABASE_URL": URL})
    inode = env.stat().st_ino

    again = update_env_file(env, {"DATABASE_URL": URL})

    assert not again.changed
    assert (again.unchanged, again.updated, again.added, again.mode_tightened) == (
        ("DATABASE_URL",),
        (),
        (),
        False,
    )
    assert env.stat().st_ino == inode  # not even an atomic replace


def test_equal_value_in_another_quoting_is_left_alone(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"DATABASE_URL='{URL}'\n")
    env.chmod(0o600)

    assert not update_env_file(env, {"DATABASE_URL": URL}).changed
    assert env.read_text() == f"DATABASE_URL='{URL}'\n"


def test_loose_mode_is_tightened_when_content_changes(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DATABASE_URL=old\n")
    env.chmod(0o644)

    result = update_env_file(env, {"DATABASE_URL": URL})

    assert mode_of(env) == 0o600
    assert result.mode_tightened


def test_loose_mode_is_tightened_even_when_content_is_unchanged(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"DATABASE_URL={URL}\n")
    env.chmod(0o664)

    result = update_env_file(env, {"DATABASE_URL": URL})

    assert (result.changed, result.mode_tightened) == (False, True)
    assert mode_of(env) == 0o600


def test_every_occurrence_of_a_duplicated_key_is_updated(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DATABASE_URL=a\nX=1\nDATABASE_URL=b\n")

    result = update_env_file(env, {"DATABASE_URL": URL})

    assert env.read_text() == f"DATABASE_URL={URL}\nX=1\nDATABASE_URL={URL}\n"
    assert result.updated == ("DATABASE_URL",)


def test_crlf_line_endings_are_kept(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_bytes(b"A=1\r\nDATABASE_URL=old\r\n")

    update_env_file(env, {"DATABASE_URL": URL, "B": "2"})

    assert env.read_bytes() == f"A=1\r\nDATABASE_URL={URL}\r\nB=2\r\n".encode()


def test_symlinked_env_updates_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "shared.env"
    target.write_text("A=1\n")
    link = tmp_path / ".env"
    link.symlink_to(target)

    update_env_file(link, {"DATABASE_URL": URL})

    assert link.is_symlink()
    assert target.read_text() == f"A=1\nDATABASE_URL={URL}\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_root_keeps_the_developers_ownership(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("A=1\n")
    os.chown(env, 12345, 12345)

    update_env_file(env, {"DATABASE_URL": URL})

    assert (env.stat().st_uid, env.stat().st_gid) == (12345, 12345)


def test_read_only_file_is_an_error_and_stays_intact(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# mine\nDATABASE_URL=old\n")
    env.chmod(0o400)

    with pytest.raises(EnvFileError) as exc:
        update_env_file(env, {"DATABASE_URL": URL})

    assert f"The file {env} is not writable" in str(exc.value)
    assert f"chmod u+w {env}" in str(exc.value)
    assert "Nothing was changed" in str(exc.value)
    assert env.read_text() == "# mine\nDATABASE_URL=old\n"
    assert mode_of(env) == 0o400
    assert leftovers(tmp_path) == []


def test_read_only_file_that_is_already_right_is_fine(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"DATABASE_URL={URL}\n")
    env.chmod(0o400)

    result = update_env_file(env, {"DATABASE_URL": URL})

    assert (result.changed, result.mode_tightened) == (False, False)
    assert mode_of(env) == 0o400


def test_unchanged_file_loses_only_group_and_other_bits(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"DATABASE_URL={URL}\n")
    env.chmod(0o444)

    assert update_env_file(env, {"DATABASE_URL": URL}).mode_tightened
    assert mode_of(env) == 0o400  # still read-only for its owner: we remove access, never add it


def test_read_only_directory_is_an_error_for_an_existing_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DATABASE_URL=old\n")
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(EnvFileError, match=f"The directory {tmp_path} is not writable"):
            update_env_file(env, {"DATABASE_URL": URL})
        assert env.read_text() == "DATABASE_URL=old\n"
        assert leftovers(tmp_path) == []
    finally:
        tmp_path.chmod(0o755)


def test_read_only_directory_is_an_error_for_a_new_file(tmp_path: Path) -> None:
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(EnvFileError, match="is not writable"):
            update_env_file(tmp_path / ".env", {"DATABASE_URL": URL})
        assert list(tmp_path.iterdir()) == []
    finally:
        tmp_path.chmod(0o755)


def test_failed_rename_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("DATABASE_URL=old\n")

    def broken_replace(_src: object, _dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)

    with pytest.raises(EnvFileError, match=r"No space left on device\. Nothing was changed\."):
        update_env_file(env, {"DATABASE_URL": URL})

    assert env.read_text() == "DATABASE_URL=old\n"
    assert leftovers(tmp_path) == []


def test_error_messages_never_contain_values(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DATABASE_URL=old\n")
    env.chmod(0o400)

    with pytest.raises(EnvFileError) as exc:
        update_env_file(env, {"DATABASE_URL": URL})

    assert "s3cret" not in str(exc.value)


@pytest.mark.parametrize(("values", "message"), [({"1BAD": "x"}, "Not a valid .env key"), ({"K": "a\nb"}, "one line")])
def test_invalid_keys_and_values_are_rejected_before_touching_the_file(
    tmp_path: Path, values: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        update_env_file(tmp_path / ".env", values)

    assert not (tmp_path / ".env").exists()


def test_read_env_file__forms_and_last_occurrence_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text('# comment\nA=1 # trailing\nexport B=\'two words\'\nC="x\\"y\\\\z\\n"\nA=2\nD=\nnot valid\nE=a#b\n')

    assert read_env_file(env) == {"A": "2", "B": "two words", "C": 'x"y\\z\n', "D": "", "E": "a#b"}


def test_read_env_file__missing_file_is_empty(tmp_path: Path) -> None:
    assert read_env_file(tmp_path / ".env") == {}
