"""Running the user's editor on a text, as git does: `$VISUAL`, else `$EDITOR`, else `vi`,
split like a shell word list (`EDITOR="code --wait"` works), on a temporary file.

Typer vendors a Click without `click.edit`, hence this small function."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from ..errors import BadInput

DEFAULT_EDITOR = "vi"


def edit_text(text: str, *, suffix: str, name: str) -> str:
    """The text after the user edited and saved it (unchanged if they did not save).
    Raises `BadInput` when the editor cannot be started or exits with an error."""
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or DEFAULT_EDITOR
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise BadInput(f"cannot read $EDITOR {command!r} ({exc})", "fix or unset it") from None
    if not argv:
        raise BadInput("$EDITOR is set but empty", "set it to your editor, e.g. EDITOR=nano")
    handle, tmp = tempfile.mkstemp(prefix=f"lrmkb-{_safe(name)}-", suffix=suffix)
    path = Path(tmp)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        try:
            done = subprocess.run([*argv, str(path)], check=False)
        except OSError as exc:
            raise BadInput(
                f"cannot start the editor {argv[0]!r} ({exc.strerror or exc})",
                "set $EDITOR (or $VISUAL) to an editor you have, e.g. EDITOR=nano",
            ) from None
        if done.returncode != 0:
            raise BadInput(
                f"the editor {argv[0]!r} exited with status {done.returncode}",
                "nothing was changed; run the command again",
            )
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise BadInput(
                "the editor saved the file in an encoding other than UTF-8",
                "set your editor to save UTF-8 and run the command again",
            ) from None
    finally:
        path.unlink(missing_ok=True)


def keep(text: str, name: str, suffix: str) -> Path:
    """Save an edit that could not be applied, so the user's work is not lost."""
    handle, tmp = tempfile.mkstemp(prefix=f"lrmkb-{_safe(name)}-", suffix=suffix)
    with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
        out.write(text)
    return Path(tmp)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:40]
