"""The WSGI application: one port for moto's services, IAM Roles Anywhere and the /_localaws/ admin API.

Requests are told apart the way AWS's own front doors would see them: a SigV4 credential scope naming the
`rolesanywhere` service, the `AWS4-X509-*` algorithm of CreateSession, or (unsigned) a Roles Anywhere path go to the
Roles Anywhere emulation; everything else goes to moto's dispatcher unchanged.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
import json
import sys
import traceback
import uuid
from urllib.parse import parse_qs, parse_qsl

from moto.acmpca.models import acmpca_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.wrappers import Request, Response

from .auth import Authenticator, authorize_moto_calls_on_their_resources, enforcement_active
from .control_plane import Caller, ControlPlane, resource_for_authorization
from .errors import ServiceError, internal_error, validation_error
from .faults import DEFAULT_HANG_SECONDS, FaultInjector
from .quota import SessionQuota
from .seed import seed_administrator
from .service_model import SERVICE_NAME, ServiceModel

ADMIN_PREFIX = "/_localaws/"
SESSIONS_PATH = "/sessions"
MOTO_RESET_PATH = "/moto-api/reset"
SESSIONS_OPERATION = "CreateSession"
X509_ALGORITHM_PREFIX = "AWS4-X509-"
EMULATED_SERVICES = ("iam", "sts", "redshift", "acm-pca", "rolesanywhere")


def _json_default(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_response(status: int, document, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(document, default=_json_default), status=status, content_type="application/json")
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(error: ServiceError) -> Response:
    return json_response(error.status, {"message": error.message}, {"x-amzn-ErrorType": error.code})


def credential_scope_service(authorization: str) -> str | None:
    """The service name in a SigV4 (or SigV4-X509) Authorization header's credential scope, or None."""
    for part in authorization.replace(",", " ").split():
        if part.startswith("Credential="):
            scope = part[len("Credential=") :].split("/")
            if len(scope) == 5:
                return scope[3]
    return None


class LocalAws:
    """The whole stand-in as one WSGI callable."""

    def __init__(self, store, moto_app=None, administrator=None, state_file=None):
        self.store = store
        # A persistence.StateFile: saved after every request that may change state (all but GET and HEAD).
        self.state_file = state_file
        # The seeded administrator's key, restored after moto's own reset (POST /moto-api/reset) wipes IAM.
        self.administrator = administrator
        self.moto_app = moto_app or DomainDispatcherApplication(create_backend_app)
        self.faults = FaultInjector()
        self.session_quota = SessionQuota.from_environment()
        self.service_model = ServiceModel()
        self.control_plane = ControlPlane(store, acm_pca_lookup=self._acm_pca_exists)
        self.authenticator = Authenticator(store.account_id, store.region, SERVICE_NAME)
        authorize_moto_calls_on_their_resources()

    def __call__(self, environ, start_response):
        response = self._dispatch(environ, start_response)
        if self.state_file is not None and environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            # moto and the emulation both apply a request before returning its response: the state is final here.
            self.state_file.save()
        return response

    def _dispatch(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(ADMIN_PREFIX):
            return self._admin(Request(environ))(environ, start_response)
        if self._is_roles_anywhere(environ, path):
            return self._roles_anywhere(Request(environ))(environ, start_response)
        if path == MOTO_RESET_PATH and environ.get("REQUEST_METHOD") == "POST":
            return self._moto_reset(environ, start_response)
        return self.moto_app(environ, start_response)

    def _moto_reset(self, environ, start_response):
        """moto's reset, extended to the whole stand-in: Roles Anywhere state too, and the administrator comes back."""
        response = self.moto_app(environ, start_response)
        self.store.reset()
        self.faults.clear()
        if self.administrator:
            seed_administrator(
                self.store.account_id,
                self.store.region,
                self.administrator["access_key_id"],
                self.administrator["secret_access_key"],
            )
        return response

    # ---- routing ------------------------------------------------------------------------------------------------

    def _is_roles_anywhere(self, environ, path):
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        if authorization.startswith(X509_ALGORITHM_PREFIX):
            return True
        if authorization:
            return credential_scope_service(authorization) == SERVICE_NAME
        raw_path = _raw_uri(environ).split("?", 1)[0]
        return path == SESSIONS_PATH or self.service_model.is_service_path(raw_path)

    def _roles_anywhere(self, request):
        raw_uri = _raw_uri(request.environ)
        raw_path, raw_query = (raw_uri.split("?", 1) + [""])[:2]
        try:
            if raw_path == SESSIONS_PATH:
                return self._create_session(request, raw_query)
            return self._control_plane_call(request, raw_uri, raw_path, raw_query)
        except ServiceError as error:
            return error_response(error)
        except Exception:  # pylint: disable=broad-except
            # A defect in the emulation must reach the client as a 500, not as a dropped connection.
            traceback.print_exc(file=sys.stderr)
            return error_response(internal_error("Internal failure in the local stand-in; see its stderr"))

    def _control_plane_call(self, request, raw_uri, raw_path, raw_query):
        route, uri_params = self.service_model.resolve(request.method, raw_path)
        operation = route.operation
        fault = self.faults.take(operation.name)
        if fault is not None:
            raise fault
        body = request.get_data()
        identity = self.authenticator.authenticate(request.method, raw_uri, request.headers, body)
        params = self.service_model.parse_input(
            operation, uri_params, parse_qs(raw_query, keep_blank_values=True), body
        )
        identity.authorize(f"rolesanywhere:{operation.name}", resource_for_authorization(self.store, params))
        self.service_model.validate(operation, params)
        caller = Caller(identity.arn, self.store.account_id, identity.authorize)
        with self.store.lock:
            result = self.control_plane.handle(operation.name, params, caller)
            document = self.service_model.serialize_output(operation, result)
        return json_response(route.success_code, document)

    def _create_session(self, request, raw_query):
        fault = self.faults.take(SESSIONS_OPERATION)
        if fault is not None:
            raise fault
        if importlib.util.find_spec(f"{__package__}.sessions") is None:
            raise ServiceError(
                "NotImplementedException", "CreateSession is not available in this build of the stand-in", 501
            )
        sessions = importlib.import_module(f"{__package__}.sessions")
        try:
            self.session_quota.admit(self.store.account_id, self.store.region)
        except ServiceError as throttled:
            sessions.log_throttled(
                self.store, dict(parse_qsl(raw_query, keep_blank_values=True)), request.headers, throttled
            )
            raise
        status, document = sessions.create_session(
            method=request.method,
            path=SESSIONS_PATH,
            query=dict(parse_qsl(raw_query, keep_blank_values=True)),
            headers=request.headers,
            body=request.get_data(),
            store=self.store,
        )
        return json_response(status, document)

    def _acm_pca_exists(self, arn):
        parts = arn.split(":")
        if len(parts) < 6 or parts[2] != "acm-pca":
            return False
        try:
            backend = acmpca_backends[parts[4]][parts[3]]
            backend.describe_certificate_authority(arn)
        except Exception:  # pylint: disable=broad-except
            # moto raises its own not-found error types; any failure means the CA is not there.
            return False
        return True

    # ---- admin API ----------------------------------------------------------------------------------------------

    def _admin(self, request):
        action = request.path[len(ADMIN_PREFIX) :].strip("/")
        handlers = {
            ("GET", "health"): self._admin_health,
            ("POST", "faults"): self._admin_add_fault,
            ("GET", "faults"): lambda _request: json_response(200, {"faults": self.faults.pending()}),
            ("POST", "clock"): self._admin_clock,
            ("GET", "clock"): lambda _request: json_response(200, self._clock_state()),
            ("GET", "sessions"): self._admin_sessions,
            ("POST", "reset"): self._admin_reset,
            ("GET", "quota"): lambda _request: json_response(200, self.session_quota.state()),
            ("POST", "quota"): self._admin_quota,
        }
        handler = handlers.get((request.method, action))
        if handler is None:
            return error_response(ServiceError("NotFound", f"No admin endpoint {request.method} {request.path}", 404))
        try:
            return handler(request)
        except (ValueError, KeyError, TypeError) as exc:
            return error_response(validation_error(f"Bad admin request: {exc}"))

    def _admin_health(self, _request):
        return json_response(
            200,
            {
                "status": "ok",
                "region": self.store.region,
                "account_id": self.store.account_id,
                "services": list(EMULATED_SERVICES),
                "iam_enforcement": enforcement_active(),
            },
        )

    def _admin_add_fault(self, request):
        document = json.loads(request.get_data() or b"{}")
        operation = document["operation"]
        known = self.service_model.operation_names + [SESSIONS_OPERATION]
        if operation not in known:
            raise ValueError(
                f"operation {operation!r} is not a Roles Anywhere operation; use one of {', '.join(known)}"
            )
        self.faults.add(
            operation,
            document.get("kind", "throttle"),
            document.get("count", 1),
            document.get("seconds", DEFAULT_HANG_SECONDS),
        )
        return json_response(200, {"faults": self.faults.pending()})

    def _clock_state(self):
        return {"shift_seconds": self.store.clock_shift_seconds, "now": self.store.now()}

    def _admin_clock(self, request):
        document = json.loads(request.get_data() or b"{}")
        shift = document["shift_seconds"]
        if isinstance(shift, bool) or not isinstance(shift, (int, float)):
            raise ValueError("shift_seconds must be a number of seconds")
        self.store.set_clock_shift(shift)
        return json_response(200, self._clock_state())

    def _admin_sessions(self, _request):
        with self.store.lock:
            return json_response(200, {"sessions": list(self.store.session_log)})

    def _admin_quota(self, request):
        document = json.loads(request.get_data() or b"{}")
        unknown = set(document) - {"enabled", "rate", "burst"}
        if unknown:
            raise ValueError(f"unknown quota settings {', '.join(sorted(unknown))}; use enabled, rate, burst")
        self.session_quota.configure(**document)
        return json_response(200, self.session_quota.state())

    def _admin_reset(self, _request):
        self.store.reset()
        self.faults.clear()
        self.session_quota.configure()  # full buckets and zero counters; the settings stay
        return json_response(200, {"reset": True})


def _raw_uri(environ):
    # The path and query as the client sent them (percent-encoding intact), which is what SigV4 signed.
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        if raw.startswith("http://") or raw.startswith("https://"):
            raw = f"/{raw.split('/', 3)[3]}" if raw.count("/") >= 3 else "/"
        return raw
    query = environ.get("QUERY_STRING", "")
    return environ.get("PATH_INFO", "/") + (f"?{query}" if query else "")
