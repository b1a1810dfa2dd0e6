"""`python -m devstack.watchdog OWNER STACK_FILE [GROUP]`: what `make run` leaves
running beside itself, to clean up after it however it ends, `kill -9` included.

`make run` (OWNER, the pid of `python -m devstack`) starts it in a session of its
own, so that no signal meant for the stack (Ctrl-C, make's SIGTERM, a kill of the
process group) reaches it, with standard input a pipe whose only writer is OWNER.
End of file there means OWNER is gone. Then it stops GROUP (chalice local's process
group, given only where no parent-death signal could be set on it) and removes
STACK_FILE and stack.env beside it (which holds the stand-in's client secret),
unless they now belong to another stack.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from pathlib import Path

from devstack.process import env_file_for


def remove_stack_files(stack_file: Path, owner: int) -> None:
    """STACK_FILE and its stack.env, when STACK_FILE names `owner` or is gone (OWNER
    writes stack.env just before it): never the files of a stack started since."""
    try:
        named = json.loads(stack_file.read_text()).get("pid")
    except FileNotFoundError:
        named = owner
    except (OSError, ValueError, AttributeError):
        return  # not a description OWNER wrote (it writes them whole)
    if named != owner:
        return
    stack_file.unlink(missing_ok=True)
    env_file_for(stack_file).unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    owner, stack_file = int(argv[0]), Path(argv[1])
    group = int(argv[2]) if len(argv) > 2 else None
    sys.stdin.buffer.read()
    if group is not None:
        # Chalice, with no parent-death signal, is still running and holds its
        # group's id: that id names no one else's group. Gone already: nothing to do.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
    remove_stack_files(stack_file, owner)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
