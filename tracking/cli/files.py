"""Files the command line writes for the operator (an export, the secrets file): readable by their
owner only, whatever was there before, and never through a symbolic link."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from tracking.errors import AlreadyExists, KoersError


def refuse_link(path: Path, what: str) -> None:
    """A symbolic link is no place for `what`: writing through it would put health data or a key
    wherever it points."""
    if path.is_symlink():
        raise KoersError(f"{path}: is a symbolic link; Koers writes {what} only to a plain file. "
                         "Remove the link or choose another name.")


def write_private(path: Path, text: str, *, replace: bool, what: str) -> None:
    """Write `text` to `path` with mode 0600. The text goes to a new file in the same folder that then
    takes the name, so a file already there (with its looser mode) is replaced, never written into. A
    symbolic link at `path` is refused (`refuse_link`). Without `replace`, an existing file is refused too."""
    refuse_link(path, what)
    if path.exists() and not replace:
        raise AlreadyExists(f"{path}: exists already; choose another name, or add --force to replace it")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mode 0600
    except OSError as exc:
        raise KoersError(f"{path}: cannot write {what} ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)  # replaces a link itself (made meanwhile), never its target
        else:
            os.link(temporary, path)  # fails if the name was taken meanwhile
            os.unlink(temporary)
    except FileExistsError:
        raise AlreadyExists(f"{path}: exists already; choose another name, or add --force to replace it") from None
    except OSError as exc:
        raise KoersError(f"{path}: cannot write {what} ({exc.strerror})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
