"""`python -m lrmkb` and the `lrmkb` console script.

A plain `lrmkb search …` (and `show KEY`, `tree`, `tags`, `stats`) is answered without
importing the Typer app (see `cli/fast.py`);
everything else goes to Typer. The standard streams are made safe first (`cli/streams.py`).

A Ctrl-C while lrmkb is still loading (importing Typer and Rich takes a while) ends the
process at once with one line: nothing has been written yet. The handler is installed
by the first lines of this module, so the only part of start-up it cannot cover is
Python's own (its `site` import, a few milliseconds before this module runs)."""

import _signal  # type: ignore[import-not-found]  # C module under `signal`: 10 ms less start-up
import os
import sys

STARTUP_INTERRUPTED = b"Error: interrupted \xe2\x80\x94 nothing was written\n"


def _interrupted_at_start(signum: int, frame: object) -> None:
    os.write(2, STARTUP_INTERRUPTED)
    os._exit(130)


def _on_interrupt(handler: object) -> bool:
    """Handle Ctrl-C with `handler`; False outside the main thread, where Python lets
    no one handle signals. (Not `contextlib.suppress`: importing contextlib takes
    longer than the rest of this module.)"""
    try:
        _signal.signal(_signal.SIGINT, handler)
    except ValueError:
        return False
    return True


_on_interrupt(_interrupted_at_start)


def _silent_interrupt(done: SystemExit) -> bool:
    """Did Typer turn a Ctrl-C outside the command (while Click parses the command
    line) into a silent exit? Typer 0.29 raises `Exit(130) from` the KeyboardInterrupt
    there; lrmkb's own commands say why they stop and raise their Exit `from None`."""
    cause = getattr(done.__context__, "__cause__", None)
    return isinstance(cause, KeyboardInterrupt)


def main() -> None:
    _on_interrupt(_interrupted_at_start)
    from .cli import streams
    from .cli.fast import run_fast, run_plain

    streams.install()
    sys.argv[1:] = streams.utf8_arguments(sys.argv[1:])
    try:
        _on_interrupt(_signal.default_int_handler)
        code = run_fast(sys.argv[1:])
        if code is None:
            code = run_plain(sys.argv[1:])
        if code is None:
            _on_interrupt(_interrupted_at_start)
            from .cli import app

            _on_interrupt(_signal.default_int_handler)
            try:
                app(prog_name="lrmkb")  # exits through SystemExit
            except SystemExit as done:
                if _silent_interrupt(done):
                    raise KeyboardInterrupt from None
                raise
            code = 0
    except KeyboardInterrupt:  # outside any command: nothing can have been written
        sys.stderr.write(STARTUP_INTERRUPTED.decode())
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
