# -*- coding: utf-8 -*-
# Copyright: Contributors to the hybridcloud.rolesanywhere collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sign and send IAM Roles Anywhere CreateSession requests (SigV4 with an X.509 certificate).

The request is signed with the private key that belongs to an end-entity certificate
instead of an AWS secret key.  The shape of the request follows what the official
``aws_signing_helper`` sends: ``POST /sessions`` with the trust anchor, profile and role
ARNs in the query string, a JSON body with ``durationSeconds``, and the certificate (and
optional intermediates) in the signed ``X-Amz-X509`` / ``X-Amz-X509-Chain`` headers.

This file must run with nothing but the Python standard library plus either the
``cryptography`` package or the ``openssl`` command: it is also the signing core of the
standalone credential-process program that the ``credential_helper`` role installs on
hosts, where neither Ansible nor third-party packages can be assumed. The keys, the
certificates' DER and the two signing backends are host_crypto's, which the program
bundles; its one import below is rewritten there (see the credential_helper role).
"""

import base64
import binascii
import datetime
import hashlib
import json
import random
import re
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import (
    host_crypto,  # installed-program: bundled
    service_limits,  # installed-program: bundled
)

# host_crypto imports cryptography only when a session is signed: the credential-process program answers most calls
# from its cache, and importing cryptography would be most of such a call's time. Hosts without
# python3-cryptography sign with the openssl command.

SERVICE = "rolesanywhere"
ALGORITHM_RSA = "AWS4-X509-RSA-SHA256"
ALGORITHM_ECDSA = "AWS4-X509-ECDSA-SHA256"
MIN_DURATION_SECONDS = service_limits.SESSION_DURATION_MIN
MAX_DURATION_SECONDS = service_limits.SESSION_DURATION_MAX
MAX_CHAIN_DEPTH = 5
# SigV4 leaves these out of the canonical request; everything else that is sent is signed.
UNSIGNED_HEADERS = frozenset(("authorization", "user-agent", "x-amzn-trace-id"))

_OID_RSA_ENCRYPTION = bytes.fromhex("2a864886f70d010101")  # 1.2.840.113549.1.1.1
_OID_EC_PUBLIC_KEY = bytes.fromhex("2a8648ce3d0201")  # 1.2.840.10045.2.1
_KEY_ALGORITHMS = {_OID_RSA_ENCRYPTION: ALGORITHM_RSA, _OID_EC_PUBLIC_KEY: ALGORITHM_ECDSA}

# The fields the program takes, and the kind of ARN each holds (patterns and written forms: service_limits).
_ARN_KINDS = {"trust_anchor_arn": "trust-anchor", "profile_arn": "profile", "role_arn": "role"}


class SigningError(Exception):
    """The request cannot be signed: bad input, unusable key or certificate, no signing backend."""


class SessionError(Exception):
    """CreateSession did not return credentials.

    ``status`` is the HTTP status (None when no HTTP answer arrived), ``code`` the AWS
    error code (for example ``AccessDeniedException``), ``message`` the service's text.
    """

    def __init__(self, status, code, message):
        super(SessionError, self).__init__(
            "%s: %s" % (code, message) if status is None else "%s (HTTP %s): %s" % (code, status, message)
        )
        self.status = status
        self.code = code
        self.message = message


# --- certificates -----------------------------------------------------------------------


def pem_blocks(data, label):
    """Return the DER bytes of every PEM block called ``label`` in ``data`` (bytes), in order."""
    try:
        return host_crypto.pem_blocks(data, label)
    except ValueError as exc:
        raise SigningError(str(exc))


def certificates_der(data, field):
    """Return the DER certificates in ``data`` (a PEM bundle, or one DER certificate)."""
    if not data:
        return []
    if isinstance(data, str):
        data = data.encode("ascii")
    if b"-----BEGIN" in data:
        blocks = pem_blocks(data, "CERTIFICATE")
        if not blocks:
            raise SigningError("%s holds no PEM CERTIFICATE block" % field)
        return blocks
    if data[:1] == b"\x30":  # a DER SEQUENCE: a single binary certificate, as the official helper also accepts
        return [bytes(data)]
    raise SigningError("%s is neither a PEM nor a DER certificate" % field)


def certificate_facts(der):
    """Return (serial, key algorithm OID bytes, SubjectPublicKeyInfo DER) of a DER certificate.

    A small DER walk keeps the openssl backend free of extra processes and of any
    dependence on the output format of ``openssl x509``.
    """
    try:
        return host_crypto.certificate_der_facts(der)
    except ValueError as exc:
        raise SigningError(str(exc))


def algorithm_for_key_oid(oid):
    """Map a SubjectPublicKeyInfo algorithm OID to the Roles Anywhere signing algorithm."""
    try:
        return _KEY_ALGORITHMS[oid]
    except KeyError:
        raise SigningError(
            "the certificate's key type is not supported (RSA and EC keys are; ML-DSA needs the official helper)"
        )


# --- signing backends ---------------------------------------------------------------------


class _SigningKey(object):
    """A private key checked against the certificate, signing through a host_crypto backend."""

    def __init__(self, backend, private_key_pem, spki_der, algorithm):
        self.name = backend.name
        self._backend = backend
        self._pem = private_key_pem
        try:
            public_der = backend.public_key_der(private_key_pem)
        except host_crypto.CryptoError as exc:
            if exc.encrypted_key:
                raise SigningError("private key is encrypted; give an unencrypted PEM key (file mode 0600 protects it)")
            raise SigningError("private key cannot be read as PEM: %s" % exc.detail)
        if public_der != spki_der:
            raise SigningError("private key does not match the certificate")
        self.algorithm = algorithm

    def sign(self, data):
        try:
            return self._backend.sign(self._pem, data)
        except host_crypto.CryptoError as exc:
            raise SigningError(str(exc))


def load_signing_key(private_key_pem, spki_der, key_oid, backend=None):
    """Return a signer for the key; ``backend`` is ``cryptography``, ``openssl`` or None (prefer cryptography)."""
    if isinstance(private_key_pem, str):
        private_key_pem = private_key_pem.encode("ascii")
    if b"-----BEGIN" not in private_key_pem:
        raise SigningError("private_key_pem is not a PEM private key")
    if backend not in (None, "cryptography", "openssl"):
        raise SigningError("unknown signing backend %r (use cryptography or openssl)" % (backend,))
    algorithm = algorithm_for_key_oid(key_oid)
    try:
        chosen = host_crypto.select_backend(backend or "auto", option="signing backend")
    except host_crypto.CryptoError as exc:
        raise SigningError(str(exc))
    return _SigningKey(chosen, private_key_pem, spki_der, algorithm)


# --- SigV4 pieces -------------------------------------------------------------------------


def validate_arn(field, value):
    """Return the ARN, or raise SigningError naming the field and the expected form."""
    kind = _ARN_KINDS[field]
    if not isinstance(value, str) or not service_limits.ARN_PATTERNS[kind].match(value):
        raise SigningError("%s %r is not valid; expected %s" % (field, value, service_limits.ARN_FORMS[kind]))
    return value


def region_from_arn(arn):
    """Return the region of a Roles Anywhere ARN (the official helper's default region)."""
    return arn.split(":")[3]


# --- endpoints ----------------------------------------------------------------------------

# The partitions of botocore's data/partitions.json (id, region pattern, DNS suffix), tried in this order.
# The program on hosts cannot import botocore, so the table lives here; a unit test keeps it equal to botocore's.
PARTITIONS = (
    ("aws-us-gov", r"^us\-gov\-\w+\-\d+$", "amazonaws.com"),
    ("aws-iso", r"^us\-iso\-\w+\-\d+$", "c2s.ic.gov"),
    ("aws-iso-b", r"^us\-isob\-\w+\-\d+$", "sc2s.sgov.gov"),
    ("aws-iso-e", r"^eu\-isoe\-\w+\-\d+$", "cloud.adc-e.uk"),
    ("aws-iso-f", r"^us\-isof\-\w+\-\d+$", "csp.hci.ic.gov"),
    ("aws-eusc", r"^eusc\-(de)\-\w+\-\d+$", "amazonaws.eu"),
    ("aws-cn", r"^cn\-\w+\-\d+$", "amazonaws.com.cn"),
    ("aws", r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$", "amazonaws.com"),
)
# A region no pattern matches is resolved in the aws partition, as botocore does.
FALLBACK_PARTITION = ("aws", "amazonaws.com")
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_ROLESANYWHERE", "AWS_ENDPOINT_URL")  # the service-specific one wins


def partition_of_region(region):
    """Return (partition id, DNS suffix) for a region name."""
    for partition, pattern, dns_suffix in PARTITIONS:
        if re.match(pattern, region):
            return partition, dns_suffix
    return FALLBACK_PARTITION


def default_endpoint(region, use_fips=False):
    """The public Roles Anywhere endpoint of ``region`` in its partition (``rolesanywhere-fips.`` with FIPS)."""
    dns_suffix = partition_of_region(region)[1]
    return "https://%s%s.%s.%s" % (SERVICE, "-fips" if use_fips else "", region, dns_suffix)


def environment_flag(environ, name):
    """Read a true/false variable as the AWS SDKs do; any other value is an error that names the variable."""
    value = (environ.get(name) or "").strip().lower()
    if value in ("", "false"):
        return False
    if value == "true":
        return True
    raise SigningError("%s=%r is not valid; set it to true or false" % (name, environ.get(name)))


def endpoint_from_environment(environ):
    """AWS_ENDPOINT_URL_ROLESANYWHERE, else AWS_ENDPOINT_URL, else None; none when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true."""
    if environment_flag(environ, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        return None
    return next((environ[name] for name in ENDPOINT_VARIABLES if environ.get(name)), None)


def resolve_endpoint(endpoint, region, environ):
    """The base URL to call: the explicit one, else the environment's, else the partition's (FIPS with AWS_USE_FIPS_ENDPOINT)."""
    if endpoint:
        return endpoint
    return endpoint_from_environment(environ) or default_endpoint(
        region, environment_flag(environ, "AWS_USE_FIPS_ENDPOINT")
    )


def uri_encode(value):
    """SigV4 URI encoding: everything but A-Z a-z 0-9 - _ . ~ as upper-case %XX."""
    return urllib.parse.quote(value, safe="-_.~")


def canonical_query_string(params):
    """Sorted ``key=value`` pairs, both URI-encoded, joined by ``&``."""
    encoded = sorted((uri_encode(key), uri_encode(value)) for key, value in params.items())
    return "&".join("%s=%s" % pair for pair in encoded)


def canonical_headers(headers):
    """Return (canonical header block, signed header list) for the headers that are signed."""
    signed = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower not in UNSIGNED_HEADERS:
            signed[lower] = " ".join(str(value).split())
    names = sorted(signed)
    block = "".join("%s:%s\n" % (name, signed[name]) for name in names)
    return block, ";".join(names)


def canonical_request(method, path, query, headers, body):
    """Return (canonical request, signed header list) as SigV4 defines them."""
    header_block, signed_headers = canonical_headers(headers)
    parts = [
        method,
        path,
        canonical_query_string(query),
        header_block,
        signed_headers,
        hashlib.sha256(body).hexdigest(),
    ]
    return "\n".join(parts), signed_headers


def credential_scope(amz_date, region):
    return "%s/%s/%s/aws4_request" % (amz_date[:8], region, SERVICE)


def string_to_sign(algorithm, amz_date, scope, canonical):
    return "\n".join([algorithm, amz_date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])


def amz_date_of(now=None):
    """``YYYYMMDDTHHMMSSZ`` for ``now`` (a datetime, naive meaning UTC; default: the current time)."""
    if now is None:
        now = datetime.datetime.now(datetime.timezone.utc)
    elif now.tzinfo is not None:
        now = now.astimezone(datetime.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ")


def _validate_duration(duration_seconds):
    if (
        isinstance(duration_seconds, bool)
        or not isinstance(duration_seconds, int)
        or not MIN_DURATION_SECONDS <= duration_seconds <= MAX_DURATION_SECONDS
    ):
        raise SigningError(
            "duration_seconds %r is not valid; use a whole number of seconds from %d to %d"
            % (duration_seconds, MIN_DURATION_SECONDS, MAX_DURATION_SECONDS)
        )


def _session_url_parts(endpoint):
    """Return (scheme, host, path of /sessions) for the endpoint base URL."""
    parsed = urllib.parse.urlsplit(endpoint)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
        raise SigningError(
            "endpoint %r is not valid; expected a base URL such as https://rolesanywhere.us-east-1.amazonaws.com"
            % (endpoint,)
        )
    path = parsed.path.rstrip("/") + "/sessions"
    return parsed.scheme, parsed.netloc.lower(), "/".join(uri_encode(segment) for segment in path.split("/"))


def sign_create_session(
    *,
    endpoint,
    region,
    trust_anchor_arn,
    profile_arn,
    role_arn,
    certificate_pem,
    private_key_pem,
    intermediates_pem=None,
    duration_seconds=3600,
    role_session_name=None,
    arns_in="query",
    now=None,
    backend=None,
    use_fips=False,
):
    """Build a signed CreateSession request.

    ``endpoint`` and ``region`` may be None: the region then comes from the trust anchor ARN
    and the endpoint from the region's partition (its FIPS endpoint with ``use_fips``).  ``arns_in`` is ``query`` (what the official helper
    does) or ``body``.  Returns ``(url, headers, body)``; send exactly these headers (they
    include ``Host``) with ``POST``.
    """
    validate_arn("trust_anchor_arn", trust_anchor_arn)
    validate_arn("profile_arn", profile_arn)
    validate_arn("role_arn", role_arn)
    _validate_duration(duration_seconds)
    if arns_in not in ("query", "body"):
        raise SigningError("arns_in %r is not valid; use query or body" % (arns_in,))
    if role_session_name is not None and not re.match(r"^[\w+=,.@-]{2,64}$", role_session_name):
        raise SigningError(
            "role_session_name %r is not valid; use 2-64 characters from letters, digits and +=,.@_-"
            % (role_session_name,)
        )
    region = region or region_from_arn(trust_anchor_arn)
    scheme, host, path = _session_url_parts(endpoint or default_endpoint(region, use_fips))

    leaf_der = certificates_der(certificate_pem, "certificate_pem")
    if not leaf_der:
        raise SigningError("certificate_pem is empty")
    leaf_der = leaf_der[0]  # the official helper also uses the first certificate of the file as the leaf
    chain_der = certificates_der(intermediates_pem, "intermediates_pem")
    if len(chain_der) > MAX_CHAIN_DEPTH:
        raise SigningError(
            "intermediates_pem holds %d certificates; Roles Anywhere accepts at most %d"
            % (len(chain_der), MAX_CHAIN_DEPTH)
        )
    serial, key_oid, spki_der = certificate_facts(leaf_der)
    key = load_signing_key(private_key_pem, spki_der, key_oid, backend)

    arns = {"profileArn": profile_arn, "roleArn": role_arn, "trustAnchorArn": trust_anchor_arn}
    document = {"durationSeconds": duration_seconds}
    if role_session_name is not None:
        document["roleSessionName"] = role_session_name
    query = {}
    if arns_in == "query":
        query = arns
    else:
        document.update(arns)
    body = json.dumps(document, separators=(",", ":"), sort_keys=True).encode("utf-8")

    amz_date = amz_date_of(now)
    headers = {
        "Content-Type": "application/json",
        "Host": host,
        "X-Amz-Date": amz_date,
        "X-Amz-X509": base64.b64encode(leaf_der).decode("ascii"),
    }
    if chain_der:
        headers["X-Amz-X509-Chain"] = ",".join(base64.b64encode(der).decode("ascii") for der in chain_der)

    canonical, signed_headers = canonical_request("POST", path, query, headers, body)
    scope = credential_scope(amz_date, region)
    signature = key.sign(string_to_sign(key.algorithm, amz_date, scope, canonical).encode("utf-8"))
    headers["Authorization"] = "%s Credential=%d/%s, SignedHeaders=%s, Signature=%s" % (
        key.algorithm,
        serial,
        scope,
        signed_headers,
        binascii.hexlify(signature).decode("ascii"),
    )

    url = "%s://%s%s" % (scheme, host, path)
    if query:
        url += "?" + canonical_query_string(query)
    return url, headers, body


# --- sending ------------------------------------------------------------------------------

# What is worth another attempt follows the AWS SDKs' standard retry mode: throttling, server errors and
# broken connections are transient; access and validation errors are answers and repeat themselves.
THROTTLING_CODES = frozenset(
    (
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
    )
)
RETRYABLE_STATUSES = frozenset((429, 500, 502, 503, 504))
TRANSIENT_NETWORK_CODES = frozenset(("ConnectionError", "Timeout"))
DEFAULT_MAX_ATTEMPTS = 5
MAX_ATTEMPTS_LIMIT = 20
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 20.0
# urllib applies one timeout to the connect and to every read; it bounds each, not the whole exchange.
DEFAULT_TIMEOUT_SECONDS = 10


class NetworkSettings(object):
    """How CreateSession reaches the service: TLS verification, CA bundle, proxies, timeout and retries.

    ``proxies`` maps a URL scheme to a proxy URL and ``no`` to the NO_PROXY list, as
    ``proxies_from_environment`` returns it; an empty dict means a direct connection.
    """

    def __init__(
        self,
        verify_tls=True,
        ca_bundle=None,
        proxies=None,
        timeout=DEFAULT_TIMEOUT_SECONDS,
        max_attempts=DEFAULT_MAX_ATTEMPTS,
    ):
        self.verify_tls = verify_tls
        self.ca_bundle = ca_bundle
        self.proxies = proxies or {}
        self.timeout = timeout
        self.max_attempts = max_attempts


def _first_set(environ, *names):
    return next((environ[name] for name in names if environ.get(name)), None)


def proxies_from_environment(environ):
    """Proxy settings from HTTPS_PROXY, HTTP_PROXY and NO_PROXY (upper case first, then lower case, as Go's net/http)."""
    proxies = {}
    for scheme in ("https", "http"):
        value = _first_set(environ, scheme.upper() + "_PROXY", scheme + "_proxy")
        if value:
            proxies[scheme] = value if "://" in value else "http://" + value
    no_proxy = _first_set(environ, "NO_PROXY", "no_proxy")
    if no_proxy:
        proxies["no"] = no_proxy
    return proxies


def max_attempts_from_environment(environ):
    """AWS_MAX_ATTEMPTS as the AWS SDKs read it: the total number of attempts, first one included."""
    value = environ.get("AWS_MAX_ATTEMPTS")
    if not value:
        return DEFAULT_MAX_ATTEMPTS
    try:
        attempts = int(value)
    except ValueError:
        attempts = 0
    if not 1 <= attempts <= MAX_ATTEMPTS_LIMIT:
        raise SigningError(
            "AWS_MAX_ATTEMPTS=%r is not valid; use a whole number from 1 to %d" % (value, MAX_ATTEMPTS_LIMIT)
        )
    return attempts


def network_settings_from_environment(environ, verify_tls=True, use_proxy=True):
    """The settings the official helper and the AWS SDKs take from the environment: proxies, AWS_CA_BUNDLE, AWS_MAX_ATTEMPTS."""
    return NetworkSettings(
        verify_tls=verify_tls,
        ca_bundle=environ.get("AWS_CA_BUNDLE") or None,
        proxies=proxies_from_environment(environ) if use_proxy else {},
        max_attempts=max_attempts_from_environment(environ),
    )


def proxy_for_url(url, proxies):
    """The proxy URL to reach ``url`` through, or None when no proxy is set for its scheme or NO_PROXY matches its host."""
    parsed = urllib.parse.urlsplit(url)
    proxy = proxies.get(parsed.scheme)
    if not proxy or urllib.request.proxy_bypass_environment(parsed.netloc, proxies):
        return None
    return proxy


def tls_context(settings):
    """An SSL context that verifies against AWS_CA_BUNDLE when one is given, else the system store."""
    if not settings.verify_tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=settings.ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise SigningError(
            "AWS_CA_BUNDLE %s cannot be used as a CA bundle (%s); point it at a PEM file of CA certificates"
            % (settings.ca_bundle, getattr(exc, "strerror", None) or exc)
        )


def _error_from_http(status, headers, payload):
    """Turn an AWS rest-json error answer into a SessionError."""
    code = (headers.get("x-amzn-ErrorType") or "").split(":")[0]
    message = payload.decode("utf-8", "replace").strip()
    try:
        document = json.loads(message)
    except ValueError:
        document = None
    if isinstance(document, dict):
        code = code or str(document.get("__type") or document.get("code") or "").rsplit("#", 1)[-1]
        message = document.get("message") or document.get("Message") or message
    return SessionError(status, code or "HTTPError", message or "no error message")


def _error_from_network(url, proxy, exc):
    """Name what failed: the TLS check (not retried: it fails the same way again), a timeout or the connection."""
    reason = getattr(exc, "reason", exc)
    target = url.split("?")[0] + (" through the proxy %s" % proxy if proxy else "")
    if isinstance(reason, ssl.SSLCertVerificationError):
        return SessionError(
            None,
            "TLSError",
            "cannot verify the TLS certificate of %s: %s; give the CA that issued it "
            "in AWS_CA_BUNDLE" % (target, reason.verify_message or reason),
        )
    if isinstance(reason, ssl.SSLError):
        return SessionError(None, "TLSError", "TLS with %s failed: %s" % (target, reason))
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return SessionError(None, "Timeout", "no answer from %s within the timeout: %s" % (target, reason))
    return SessionError(None, "ConnectionError", "cannot reach %s: %s" % (target, reason))


def is_retryable(error):
    """Throttling, 5xx and broken connections are retried; 4xx access or validation answers and TLS failures are not."""
    if error.status is None:
        return error.code in TRANSIENT_NETWORK_CODES
    return error.status in RETRYABLE_STATUSES or error.code in THROTTLING_CODES


def backoff_delay(retry_number, uniform=random.random):
    """Seconds to wait before retry ``retry_number`` (1, 2, ...): full jitter over a doubling window, capped."""
    window = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (retry_number - 1))
    return uniform() * window


def _send_once(url, headers, body, settings):
    proxy = proxy_for_url(url, settings.proxies)
    scheme = urllib.parse.urlsplit(url).scheme
    proxies = urllib.request.ProxyHandler({scheme: proxy} if proxy else {})
    opener = urllib.request.build_opener(proxies, urllib.request.HTTPSHandler(context=tls_context(settings)))
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with opener.open(request, timeout=settings.timeout) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as exc:
        raise _error_from_http(exc.code, exc.headers, exc.read())
    except (urllib.error.URLError, OSError) as exc:
        raise _error_from_network(url, proxy, exc)
    try:
        return status, json.loads(payload.decode("utf-8"))
    except ValueError:
        raise SessionError(status, "InvalidResponse", "CreateSession answer is not JSON")


def send_request(url, headers, body, settings=None, *, sleep=time.sleep, log=None):
    """POST the signed request with bounded, jittered retries; return (status, parsed JSON) or raise SessionError.

    The same signed request is sent again: its signature stays valid for minutes, far longer than the retries take.
    """
    settings = settings or NetworkSettings()
    attempt = 1
    while True:
        try:
            return _send_once(url, headers, body, settings)
        except SessionError as error:
            if attempt >= settings.max_attempts or not is_retryable(error):
                raise
            delay = backoff_delay(attempt)
            if log:
                log("attempt %d of %d failed (%s); retrying in %.2f s" % (attempt, settings.max_attempts, error, delay))
            sleep(delay)
            attempt += 1


def create_session(
    *,
    endpoint,
    region,
    trust_anchor_arn,
    profile_arn,
    role_arn,
    certificate_pem,
    private_key_pem,
    intermediates_pem=None,
    duration_seconds=3600,
    role_session_name=None,
    arns_in="query",
    now=None,
    backend=None,
    use_fips=False,
    network=None,
    log=None,
):
    """Sign and send CreateSession; return the parsed 201 answer (``credentialSet``, ``subjectArn``)."""
    url, headers, body = sign_create_session(
        endpoint=endpoint,
        region=region,
        trust_anchor_arn=trust_anchor_arn,
        profile_arn=profile_arn,
        role_arn=role_arn,
        certificate_pem=certificate_pem,
        private_key_pem=private_key_pem,
        intermediates_pem=intermediates_pem,
        duration_seconds=duration_seconds,
        role_session_name=role_session_name,
        arns_in=arns_in,
        now=now,
        backend=backend,
        use_fips=use_fips,
    )
    status, document = send_request(url, headers, body, network, log=log)
    if status != 201 or not isinstance(document, dict) or not document.get("credentialSet"):
        raise SessionError(status, "InvalidResponse", "CreateSession answered without a credentialSet")
    return document


def session_credentials(document):
    """Return the ``credentials`` dict (accessKeyId, secretAccessKey, sessionToken, expiration) of a CreateSession answer."""
    try:
        credentials = document["credentialSet"][0]["credentials"]
        for field in ("accessKeyId", "secretAccessKey", "sessionToken", "expiration"):
            if not credentials.get(field):
                raise KeyError(field)
    except (KeyError, IndexError, TypeError) as exc:
        raise SessionError(201, "InvalidResponse", "CreateSession answer lacks credentials (%s)" % exc)
    return credentials
