"""The CLI's token file: where it lives, 0600 from creation, refused when others
could read it, replaced whole."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cognito_auth_client import InsecureTokenFile, NotLoggedIn, SessionState, TokenFile
from cognito_auth_client.storage import default_path

STATE = SessionState("http://api.test", "alice@example.com", "id.x.y", "access.x.y", "refresh")


@pytest.fixture
def store(tmp_path: Path) -> TokenFile:
    return TokenFile(tmp_path / "config" / "cognito-auth-client" / "session.json")


@pytest.fixture
def lax_umask() -> Iterator[None]:
    previous = os.umask(0o000)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("lax_umask")
def test_the_file_is_created_readable_by_its_owner_only(store: TokenFile) -> None:
    store.save(STATE)

    assert mode(store.path) == 0o600
    assert mode(store.path.parent) == 0o700
    assert store.load() == STATE


def test_a_file_others_can_read_is_refused_as_ssh_does(store: TokenFile) -> None:
    store.save(STATE)
    store.path.chmod(0o644)

    with pytest.raises(InsecureTokenFile) as raised:
        store.load()

    assert str(raised.value).startswith(f"Permissions 0644 for '{store.path}' are too open.")
    assert "chmod 600" in str(raised.value)


@pytest.mark.parametrize("loose", [0o640, 0o604, 0o660, 0o601])
def test_any_permission_for_group_or_others_is_refused(store: TokenFile, loose: int) -> None:
    store.save(STATE)
    store.path.chmod(loose)

    with pytest.raises(InsecureTokenFile):
        store.load()


def test_saving_again_replaces_the_file_whole_and_leaves_nothing_behind(
    store: TokenFile,
) -> None:
    store.save(STATE)
    store.path.chmod(0o644)
    renewed = SessionState(STATE.api_url, STATE.username, "id.2.y", "access.2.y", "refresh")

    store.save(renewed)

    assert store.load() == renewed
    assert mode(store.path) == 0o600
    assert [path.name for path in store.path.parent.iterdir()] == ["session.json"]


def test_no_file_is_no_session(store: TokenFile) -> None:
    assert store.load() is None


def test_an_unreadable_file_asks_to_log_in_again(store: TokenFile) -> None:
    store.save(STATE)
    store.path.write_text("{not json")

    with pytest.raises(NotLoggedIn, match="log in again"):
        store.load()


def test_delete_removes_the_file(store: TokenFile) -> None:
    store.save(STATE)

    store.delete()
    store.delete()

    assert not store.path.exists()


def test_the_file_lives_in_the_xdg_config_directory(tmp_path: Path) -> None:
    assert default_path({"XDG_CONFIG_HOME": str(tmp_path)}) == (
        tmp_path / "cognito-auth-client" / "session.json"
    )


@pytest.mark.parametrize("configured", [{}, {"XDG_CONFIG_HOME": ""}, {"XDG_CONFIG_HOME": "rel"}])
def test_without_a_valid_xdg_config_home_it_is_under_dot_config(
    configured: dict[str, str],
) -> None:
    assert default_path(configured) == Path.home() / ".config/cognito-auth-client/session.json"
