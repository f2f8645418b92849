"""One error hierarchy: every failure the user can cause carries a code, a message and a status.

The API renders every `SincerityError` as `{"error": {"code", "message", "details"}}`; the CLI
prints the message on one line. Anything else escaping to a face is a bug.
"""

from __future__ import annotations

from typing import Any, ClassVar


class SincerityError(Exception):
    """A failure with a stable machine code, a human message and an HTTP status."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidInputError(SincerityError):
    code = "invalid_input"
    status = 422


class NotFoundError(SincerityError):
    code = "not_found"
    status = 404


class ConflictError(SincerityError):
    code = "conflict"
    status = 409


class AuthenticationError(SincerityError):
    code = "unauthenticated"
    status = 401


class PermissionDeniedError(SincerityError):
    code = "forbidden"
    status = 403


class ConfigurationError(SincerityError):
    """Settings, keys or data files that make the node unable to run safely."""

    code = "configuration"
    status = 500


class DataFileError(ConfigurationError):
    """A shipped or operator data file failed validation: names file, path and reason."""

    code = "data_file"

    def __init__(self, file: str, path: str, reason: str) -> None:
        super().__init__(f"{file}: {path}: {reason}", details={"file": file, "path": path})
        self.file = file
        self.path = path
        self.reason = reason
