"""The Roles Anywhere API as botocore's shipped service model describes it: routes, input parsing, validation, output.

Nothing here is retyped from the documentation: routes, HTTP methods, success codes, member locations, required
members, enums, lengths, ranges and patterns all come from `botocore/data/rolesanywhere/2018-05-10`.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re
from urllib.parse import unquote

import botocore.session

from .errors import ServiceError, validation_error

SERVICE_NAME = "rolesanywhere"


def serialization_error(message: str) -> ServiceError:
    return ServiceError("SerializationException", message, 400)


# JSON scalar types of the model: what a value must look like in a request body.
_JSON_SCALARS = {
    "string": ("a string", lambda value: isinstance(value, str)),
    "integer": ("an integer", lambda value: isinstance(value, int) and not isinstance(value, bool)),
    "long": ("an integer", lambda value: isinstance(value, int) and not isinstance(value, bool)),
    "boolean": ("a boolean", lambda value: isinstance(value, bool)),
    "timestamp": ("a timestamp", lambda value: isinstance(value, (int, float, str)) and not isinstance(value, bool)),
}


class Route:
    """One operation's HTTP binding: method plus a path template such as /trustanchor/{trustAnchorId}."""

    def __init__(self, operation):
        self.operation = operation
        self.method = operation.http["method"]
        self.success_code = operation.http.get("responseCode", 200)
        path_template = operation.http["requestUri"].split("?", 1)[0]
        self.path_regex = re.compile(f"^{self._template_to_regex(path_template)}$")

    @staticmethod
    def _template_to_regex(template):
        # Labels match one raw (still percent-encoded) segment, so an ARN sent as an id stays one label.
        parts = re.split(r"(\{[^}]+\})", template)
        regex = ""
        for part in parts:
            if part.startswith("{") and part.endswith("}"):
                name = part[1:-1]
                if name.endswith("+"):
                    regex += f"(?P<{name[:-1]}>.+)"
                else:
                    regex += f"(?P<{name}>[^/]+)"
            else:
                regex += re.escape(part)
        return regex

    def match(self, raw_path: str) -> dict[str, str] | None:
        found = self.path_regex.match(raw_path)
        if not found:
            return None
        return {name: unquote(value) for name, value in found.groupdict().items()}


class ServiceModel:
    """Routes requests to operations and converts between HTTP and the operation's shapes."""

    def __init__(self):
        self.model = botocore.session.get_session().get_service_model(SERVICE_NAME)
        self.routes = [Route(self.model.operation_model(name)) for name in self.model.operation_names]

    @property
    def operation_names(self) -> list[str]:
        return list(self.model.operation_names)

    def is_service_path(self, raw_path: str) -> bool:
        """True when some operation (with any method) is bound to this path."""
        return any(route.match(raw_path) is not None for route in self.routes)

    def resolve(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]]:
        """(route, uri_params) for the request, or raise the error the service gives for an unknown route."""
        path_matches = False
        for route in self.routes:
            params = route.match(raw_path)
            if params is None:
                continue
            path_matches = True
            if route.method == method:
                return route, params
        if path_matches:
            raise ServiceError("MethodNotAllowedException", f"Method {method} is not allowed on {raw_path}", 405)
        raise ServiceError("UnknownOperationException", f"No operation is bound to {method} {raw_path}", 404)

    # ---- input --------------------------------------------------------------------------------------------------

    def parse_input(self, operation, uri_params: dict[str, str], query, body: bytes) -> dict:
        """The operation's input as a dict of member name -> Python value, taken from uri, query string and body.

        `query` maps a name to the list of its values. Type errors raise SerializationException, as a JSON
        protocol service does before it looks at constraints.
        """
        shape = operation.input_shape
        if shape is None:
            return {}
        body_document = self._decode_body(body)
        params = {}
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire_name = member.serialization.get("name", name)
            if location == "uri":
                if wire_name in uri_params:
                    params[name] = self._from_text(member, uri_params[wire_name], name)
            elif location == "querystring":
                if wire_name in query:
                    params[name] = self._from_query(member, query[wire_name], name)
            elif location in ("header", "headers"):
                continue
            elif name in body_document and body_document[name] is not None:
                params[name] = self._from_json(member, body_document[name], name)
        return params

    @staticmethod
    def _decode_body(body):
        if not body or not body.strip():
            return {}
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise serialization_error(f"The request body is not valid JSON: {exc}") from None
        if not isinstance(document, dict):
            raise serialization_error("The request body must be a JSON object")
        return document

    def _from_query(self, shape, values, path):
        if shape.type_name == "list":
            return [self._from_text(shape.member, value, path) for value in values]
        return self._from_text(shape, values[0], path)

    @staticmethod
    def _from_text(shape, text, path):
        if shape.type_name == "integer" or shape.type_name == "long":
            try:
                return int(text)
            except ValueError:
                raise serialization_error(f"Value '{text}' at '{path}' is not an integer") from None
        if shape.type_name == "boolean":
            if text not in ("true", "false"):
                raise serialization_error(f"Value '{text}' at '{path}' is not a boolean")
            return text == "true"
        return text

    def _from_json(self, shape, value, path):
        kind = shape.type_name
        if kind == "structure":
            self._expect(isinstance(value, dict), "an object", value, path)
            return {
                name: self._from_json(member, value[name], f"{path}.{name}")
                for name, member in shape.members.items()
                if value.get(name) is not None
            }
        if kind == "list":
            self._expect(isinstance(value, list), "a list", value, path)
            return [
                self._from_json(shape.member, item, f"{path}.{index + 1}.member") for index, item in enumerate(value)
            ]
        if kind == "map":
            self._expect(isinstance(value, dict), "an object", value, path)
            return {key: self._from_json(shape.value, item, f"{path}.{key}") for key, item in value.items()}
        if kind == "blob":
            self._expect(isinstance(value, str), "a base64 string", value, path)
            try:
                return base64.b64decode(value.encode("ascii"), validate=True)
            except (binascii.Error, UnicodeEncodeError):
                raise serialization_error(f"Value at '{path}' is not valid base64") from None
        if kind in _JSON_SCALARS:
            description, accepts = _JSON_SCALARS[kind]
            self._expect(accepts(value), description, value, path)
        return value

    @staticmethod
    def _expect(condition, expected, value, path):
        if not condition:
            raise serialization_error(f"Expected {expected} at '{path}', got {type(value).__name__}")

    # ---- validation ---------------------------------------------------------------------------------------------

    def validate(self, operation, params: dict) -> None:
        """Raise the service's ValidationException listing every constraint the input breaks."""
        if operation.input_shape is None:
            return
        problems = []
        self._check(operation.input_shape, params, "", problems)
        if problems:
            count = len(problems)
            raise validation_error(
                f"{count} validation error{'' if count == 1 else 's'} detected: {'; '.join(problems)}"
            )

    def _check(self, shape, value, path, problems):
        kind = shape.type_name
        if kind == "structure":
            self._check_structure(shape, value, path, problems)
        elif kind == "list":
            self._check_size(shape, value, len(value), path, problems)
            for index, item in enumerate(value):
                self._check(shape.member, item, f"{path}.{index + 1}.member", problems)
        elif kind == "map":
            self._check_size(shape, value, len(value), path, problems)
            for key, item in value.items():
                self._check(shape.key, key, f"{path}.{key}.key", problems)
                self._check(shape.value, item, f"{path}.{key}.value", problems)
        elif kind == "string":
            self._check_string(shape, value, path, problems)
        elif kind == "blob":
            self._check_size(shape, value, len(value), path, problems, show_value=False)
        elif kind in ("integer", "long"):
            self._check_range(shape, value, path, problems)

    def _check_structure(self, shape, value, path, problems):
        prefix = f"{path}." if path else ""
        for name in shape.required_members:
            if value.get(name) is None:
                problems.append(f"Value null at '{prefix}{name}' failed to satisfy constraint: Member must not be null")
        if shape.metadata.get("union"):
            present = [name for name in shape.members if value.get(name) is not None]
            if len(present) != 1:
                problems.append(
                    f"Value at '{path}' failed to satisfy constraint: Member must have exactly one of "
                    f"{', '.join(shape.members)} set"
                )
        for name, member in shape.members.items():
            if value.get(name) is not None:
                self._check(member, value[name], prefix + name, problems)

    @staticmethod
    def _describe(shape, value, path):
        # Sensitive members (tag keys and values) are never echoed back, as the service does for secrets.
        if shape.metadata.get("sensitive"):
            return f"Value at '{path}'"
        if isinstance(value, list):
            value = f"[{', '.join((str(item) for item in value))}]"
        return f"Value '{value}' at '{path}'"

    def _check_size(self, shape, value, size, path, problems, show_value=True):
        described = self._describe(shape, value, path) if show_value else f"Value at '{path}'"
        minimum = shape.metadata.get("min")
        maximum = shape.metadata.get("max")
        if minimum is not None and size < minimum:
            problems.append(
                f"{described} failed to satisfy constraint: Member must have length greater than or equal to {minimum}"
            )
        if maximum is not None and size > maximum:
            problems.append(
                f"{described} failed to satisfy constraint: Member must have length less than or equal to {maximum}"
            )

    def _check_string(self, shape, value, path, problems):
        described = self._describe(shape, value, path)
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            problems.append(
                f"{described} failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(enum)}]"
            )
        self._check_size(shape, value, len(value), path, problems)
        pattern = shape.metadata.get("pattern")
        # The service applies a pattern to the whole value, as Java's Pattern.matches does.
        if pattern and re.fullmatch(pattern, value, flags=re.DOTALL) is None:
            problems.append(
                f"{described} failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"
            )

    def _check_range(self, shape, value, path, problems):
        minimum = shape.metadata.get("min")
        maximum = shape.metadata.get("max")
        if minimum is not None and value < minimum:
            problems.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: Member must have value greater than "
                f"or equal to {minimum}"
            )
        if maximum is not None and value > maximum:
            problems.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: Member must have value less than or "
                f"equal to {maximum}"
            )

    # ---- output -------------------------------------------------------------------------------------------------

    def serialize_output(self, operation, result: dict) -> dict:
        """The JSON document for `result` (a dict in the output shape), keeping only the members the shape has."""
        if operation.output_shape is None:
            return {}
        return self.serialize(operation.output_shape, result)

    def serialize(self, shape, value):  # the JSON value of `value` in `shape`: any JSON type
        kind = shape.type_name
        if kind == "structure":
            return {
                name: self.serialize(member, value[name])
                for name, member in shape.members.items()
                if value.get(name) is not None
            }
        if kind == "list":
            return [self.serialize(shape.member, item) for item in value]
        if kind == "map":
            return {key: self.serialize(shape.value, item) for key, item in value.items()}
        if kind == "timestamp":
            return format_timestamp(value, shape.serialization.get("timestampFormat", "unixTimestamp"))
        if kind == "blob":
            return base64.b64encode(value).decode("ascii")
        return value


def format_timestamp(value: datetime.datetime, timestamp_format: str) -> str | float:
    """A datetime in the model's timestamp format (rest-json body default: epoch seconds)."""
    value = value.astimezone(datetime.timezone.utc)
    if timestamp_format == "iso8601":
        return f"{value.strftime('%Y-%m-%dT%H:%M:%S')}.{value.microsecond // 1000:03d}Z"
    return round(value.timestamp(), 3)
