"""The CLI's token file: `$XDG_CONFIG_HOME/cognito-auth-client/session.json`
(`~/.config/...` when XDG_CONFIG_HOME is unset), readable by its owner only."""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

import msgspec

from cognito_auth_client.errors import InsecureTokenFile, NotLoggedIn
from cognito_auth_client.models import SessionState

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


def default_path(environ: Mapping[str, str] = os.environ) -> Path:
    configured = environ.get("XDG_CONFIG_HOME", "")
    # The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored.
    base = Path(configured) if os.path.isabs(configured) else Path.home() / ".config"
    return base / "cognito-auth-client" / "session.json"


def write_private(path: Path, data: bytes) -> None:
    """`data` as the whole of `path`, readable by its owner only: written to a new
    file created 0600 beside it, then renamed over it. No reader sees half of it,
    and a file already there (whatever its mode, whoever holds it open) is replaced,
    never written into."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as file:
            # The umask may have taken bits away; none can have been added.
            os.fchmod(file.fileno(), FILE_MODE)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


class TokenFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> SessionState | None:
        """The stored session, None if there is none. InsecureTokenFile when group
        or others have any permission on it: tokens others could read are not used."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            return None
        with os.fdopen(fd, "rb") as file:
            mode = stat.S_IMODE(os.fstat(fd).st_mode)
            if mode & 0o077:
                raise InsecureTokenFile(
                    f"Permissions {mode:04o} for '{self.path}' are too open.\n"
                    "It is required that your token file is NOT accessible by others.\n"
                    f"This token file will be ignored: run `chmod 600 '{self.path}'`, "
                    "or log in again."
                )
            raw = file.read()
        try:
            return msgspec.json.decode(raw, type=SessionState)
        except msgspec.DecodeError:
            raise NotLoggedIn(f"The token file '{self.path}' is unreadable: log in again") from None

    def save(self, state: SessionState) -> None:
        """Replaces the file at once (no reader sees half of it), mode 0600 from its
        creation on."""
        self.path.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
        write_private(self.path, msgspec.json.encode(state))

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)
