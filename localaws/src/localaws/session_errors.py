"""Denials of CreateSession: what the caller is told, and the precise reason kept for the outcome log."""

from __future__ import annotations

ACCESS_DENIED = "AccessDeniedException"
VALIDATION = "ValidationException"
NOT_FOUND = "ResourceNotFoundException"

HTTP_STATUS = {ACCESS_DENIED: 403, VALIDATION: 400, NOT_FOUND: 404}


class SessionDenied(Exception):
    """A refused CreateSession request.

    `message` is what the service tells the caller (its own words where they are known); `reason` is the
    precise cause, which only goes to the outcome log, as the real service keeps such detail out of responses.
    """

    def __init__(self, code: str, message: str, reason: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason or message

    @property
    def status(self) -> int:
        return HTTP_STATUS[self.code]


def access_denied(message: str, reason: str | None = None) -> SessionDenied:
    return SessionDenied(ACCESS_DENIED, message, reason)


def validation_error(message: str, reason: str | None = None) -> SessionDenied:
    return SessionDenied(VALIDATION, message, reason)


def not_found(message: str, reason: str | None = None) -> SessionDenied:
    return SessionDenied(NOT_FOUND, message, reason)


def untrusted(reason: str) -> SessionDenied:
    """The service answers every failure to trust the presented chain with the same words."""
    return access_denied("Untrusted signing certificate", reason)
