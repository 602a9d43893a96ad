"""The one exception type the Roles Anywhere emulation raises; the server renders it as a rest-json error."""


class ServiceError(Exception):
    """An error response: `code` becomes the x-amzn-ErrorType header, `message` the JSON body, `status` the HTTP status."""

    def __init__(self, code, message, status):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def __repr__(self):
        return "ServiceError(%r, %r, %r)" % (self.code, self.message, self.status)


def validation_error(message):
    return ServiceError("ValidationException", message, 400)


def not_found(message):
    return ServiceError("ResourceNotFoundException", message, 404)


def access_denied(message):
    return ServiceError("AccessDeniedException", message, 403)
