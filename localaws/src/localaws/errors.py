"""The one error model of the stand-in: every refusal, of the control plane and of CreateSession alike.

A ServiceError is what the server answers: `code` becomes the x-amzn-ErrorType header, `message` the JSON body's
"message", `status` the HTTP status. `reason` is the precise cause, which only goes to the CreateSession outcome log:
the real service keeps such detail out of its responses (a certificate that does not chain is "Untrusted signing
certificate" to the caller, whatever the cause).
"""

from __future__ import annotations

ACCESS_DENIED = "AccessDeniedException"
VALIDATION = "ValidationException"
NOT_FOUND = "ResourceNotFoundException"
THROTTLING = "ThrottlingException"
INTERNAL = "InternalServerException"

# The status each code is answered with when the caller does not name one.
HTTP_STATUS = {ACCESS_DENIED: 403, VALIDATION: 400, NOT_FOUND: 404, THROTTLING: 429, INTERNAL: 500}


class ServiceError(Exception):
    """An error response of the stand-in, with the precise reason kept apart from what the caller is told."""

    def __init__(self, code: str, message: str, status: int | None = None, reason: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = HTTP_STATUS[code] if status is None else status
        self.reason = reason or message

    def __repr__(self) -> str:
        return f"ServiceError({self.code!r}, {self.message!r}, {self.status!r})"


def access_denied(message: str, reason: str | None = None) -> ServiceError:
    return ServiceError(ACCESS_DENIED, message, reason=reason)


def validation_error(message: str, reason: str | None = None) -> ServiceError:
    return ServiceError(VALIDATION, message, reason=reason)


def not_found(message: str, reason: str | None = None) -> ServiceError:
    return ServiceError(NOT_FOUND, message, reason=reason)


def throttled(message: str = "Rate exceeded", reason: str | None = None) -> ServiceError:
    """The throttling answer of AWS rest-json services: botocore's retry handlers retry it."""
    return ServiceError(THROTTLING, message, reason=reason)


def internal_error(message: str, reason: str | None = None) -> ServiceError:
    return ServiceError(INTERNAL, message, reason=reason)


def untrusted(reason: str) -> ServiceError:
    """The service answers every failure to trust the presented chain with the same words."""
    return access_denied("Untrusted signing certificate", reason)
