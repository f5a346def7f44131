"""Domain errors. Every service raises an ApplicationError subclass with a user-facing text."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A refusal the user can understand: a code for machines, a Vietnamese message for people."""

    code = "application_error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        if code is not None:
            self.code = code
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.extra:
            payload["detail"] = self.extra
        return payload


class ValidationFailed(ApplicationError):
    """Input that breaks a rule; ``extra['errors']`` may carry per-field or per-row messages."""

    code = "validation_failed"


class NotFoundOrForbidden(ApplicationError):
    """The same answer for "does not exist" and "you may not see it" (deny by default)."""

    code = "not_found"
    status = 404


class InvalidTransition(ApplicationError):
    """An action that the object's current state does not allow."""

    code = "invalid_transition"
    status = 409
