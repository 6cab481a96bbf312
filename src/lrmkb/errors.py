"""Errors a user can act on. Each carries the exit code the CLI documents."""

from __future__ import annotations

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_SERVICE = 3
EXIT_DATABASE = 4
EXIT_BUG = 70  # an internal error (sysexits' EX_SOFTWARE): never expected, always reported


class LrmkbError(Exception):
    """Base error: `what` went wrong and `hint` says what to do about it."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, what: str, hint: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.what} — {self.hint}" if self.hint else self.what


class BadInput(LrmkbError):
    """The user's input cannot be used (exit 1)."""


class NotFound(LrmkbError):
    """A key, section or id does not exist (exit 1)."""


class UsageError(LrmkbError):
    """The command line itself is malformed (exit 2)."""

    exit_code = EXIT_USAGE


class ServiceError(LrmkbError):
    """An external service (arXiv) failed to answer properly (exit 3)."""

    exit_code = EXIT_SERVICE


class DatabaseProblem(LrmkbError):
    """The database cannot be opened, read or written (exit 4)."""

    exit_code = EXIT_DATABASE
