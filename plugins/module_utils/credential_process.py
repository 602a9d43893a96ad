# -*- coding: utf-8 -*-
# Copyright: Contributors to the hybridcloud.rolesanywhere collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A credential_process program for IAM Roles Anywhere with a per-user credential cache.

It understands the official ``aws_signing_helper credential-process`` command line for
certificates and keys in files, prints the AWS CLI/SDK ``credential_process`` JSON, and
keeps the credentials in a per-user cache for at most ``--cache-max-age`` seconds (and never
closer than five minutes to their expiry), so a burst of CLI calls makes one CreateSession
instead of one each, while a revoked certificate stops working within that bound.

The environment variable ``ROLESANYWHERE_CREDENTIAL_CACHE`` overrides the cache for one call:
``refresh`` asks the service even when a fresh entry exists (and keeps the answer, or drops
the entry when the service refuses), ``off`` neither reads nor writes the cache.  The verify
role sets ``refresh`` so that it proves what the service says now, not what it said earlier.

Two long-running modes deliver credentials without a CreateSession per process start, like the
official helper's subcommands of the same names: ``serve`` answers the EC2 instance metadata
protocol (IMDSv2) on 127.0.0.1, ``update`` keeps a profile of the AWS credentials file current.
Both refresh at a random point of a window before expiry (``--refresh-window``), so a fleet does
not refresh in lock-step, and both notice a rotated certificate without a restart.

Hosts run it as a single executable program, ``roles/credential_helper/files/rolesanywhere-credential-process``,
which scripts/build_credential_program.py generates from this file and the module_utils it imports (embedded verbatim
and imported under their collection names), so the program needs only the Python standard library plus
python3-cryptography or ``openssl``.
"""

import argparse
import contextlib
import datetime
import errno
import fcntl
import hashlib
import json
import os
import random
import secrets
import stat
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import (
    atomic_files,
    credential_command,
    sigv4x509,
)

PROGRAM_NAME = "rolesanywhere-credential-process"
PROGRAM_VERSION = "1.0.0"
# The official helper's credential-process flags this program does not implement: hardware tokens,
# OS certificate stores and encrypted keys.  They fail loudly instead of being ignored.
UNSUPPORTED_FLAGS = {
    "--cert-selector": False,
    "--system-store-name": True,
    "--use-latest-expiring-certificate": False,
    "--pkcs11-lib": True,
    "--reuse-pin": False,
    "--tpm-key-password": True,
    "--no-tpm-key-password": False,
    "--pkcs8-password": True,
}
UNSUPPORTED_SUBCOMMANDS = ("sign-string", "read-certificate-data")
REFRESH_BEFORE_EXPIRY = datetime.timedelta(minutes=5)
# serve and update refresh at a random point between these two leads before expiry. The mean lead decides the rate of
# CreateSession calls per host: 3600 / (session duration - mean lead) per hour.
DEFAULT_REFRESH_WINDOW = 600
MIN_REFRESH_LEAD = 60
DEFAULT_SERVE_PORT = 9911
CACHE_DIR_NAME = "hybridcloud-rolesanywhere"
# Longest time an answer of CreateSession is reused.  It bounds how long a revoked certificate keeps
# producing credentials on a host that revocation could not reach; each refresh is one CreateSession,
# and CreateSession shares a quota of 10 requests per second per account and region.
DEFAULT_CACHE_MAX_AGE = 900
CACHE_MODE_VARIABLE = "ROLESANYWHERE_CREDENTIAL_CACHE"
CACHE_MODES = ("use", "refresh", "off")
REFUSAL_STATUSES = (401, 403)
# Kept next to the credentials in a cache entry, never printed: when the service answered.
OBTAINED_AT = "ObtainedAt"


class UsageError(Exception):
    """The command line asks for something this program does not do."""


# --- command line -------------------------------------------------------------------------


def add_session_arguments(command):
    """The flags of every subcommand that calls CreateSession (the official helper's names), defined in credential_command."""
    credential_command.add_session_arguments(command)


def add_refresh_arguments(command):
    """When the long-running modes refresh: at a random point between the two leads before expiry."""
    command.add_argument(
        "--refresh-window",
        type=non_negative_seconds,
        default=DEFAULT_REFRESH_WINDOW,
        metavar="SECONDS",
        help="refresh at most this many seconds before the credentials expire, at a random point of the "
        "window (default %d)" % DEFAULT_REFRESH_WINDOW,
    )
    command.add_argument(
        "--refresh-min-lead",
        type=non_negative_seconds,
        default=MIN_REFRESH_LEAD,
        metavar="SECONDS",
        help="and at least this many seconds before (default %d)" % MIN_REFRESH_LEAD,
    )


def build_parser():
    parser = argparse.ArgumentParser(
        prog=PROGRAM_NAME,
        description="Obtain AWS credentials from IAM Roles Anywhere with an X.509 certificate "
        "(the credential-process, serve and update parts of aws_signing_helper, with a per-user cache).",
    )
    subcommands = parser.add_subparsers(dest="command", metavar="{credential-process,serve,update,version}")
    subcommands.add_parser("version", help="print the program version")
    command = subcommands.add_parser("credential-process", help="print credentials as credential_process JSON")
    add_session_arguments(command)
    command.add_argument(
        "--no-cache", action="store_true", help="always call CreateSession; neither read nor write the cache"
    )
    command.add_argument(
        "--cache-max-age",
        type=non_negative_seconds,
        default=DEFAULT_CACHE_MAX_AGE,
        metavar="SECONDS",
        help="reuse cached credentials for at most this many seconds (default %d; 0 disables reuse)"
        % DEFAULT_CACHE_MAX_AGE,
    )
    serve = subcommands.add_parser(
        "serve", help="serve credentials on 127.0.0.1 through the EC2 instance metadata protocol (IMDSv2)"
    )
    add_session_arguments(serve)
    serve.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_SERVE_PORT,
        help="port on 127.0.0.1 (default %d)" % DEFAULT_SERVE_PORT,
    )
    add_refresh_arguments(serve)
    update = subcommands.add_parser("update", help="keep a profile of the AWS credentials file current")
    add_session_arguments(update)
    update.add_argument(
        "--profile", default="default", help="profile (section) of the credentials file (default: default)"
    )
    update.add_argument(
        "--credentials-file", help="the file to write (default: AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials)"
    )
    update.add_argument("--once", action="store_true", help="write the profile once and exit")
    add_refresh_arguments(update)
    return parser


def port_number(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("'%s' is not a port number (1-65535)" % text)
    return value


def non_negative_seconds(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError("'%s' is not a number of seconds (0 or more)" % text)
    return value


def reject_unsupported(argv):
    """Fail with a clear message for the official helper's features that this program lacks."""
    if argv and argv[0] in UNSUPPORTED_SUBCOMMANDS:
        raise UsageError(
            "the %s subcommand is not supported by %s; it implements credential-process, serve and update. "
            "Install the official aws_signing_helper (rolesanywhere_signing_helper: official) for %s."
            % (argv[0], PROGRAM_NAME, argv[0])
        )
    for argument in argv:
        flag = argument.split("=", 1)[0]
        if flag in UNSUPPORTED_FLAGS:
            raise UsageError(
                "%s is not supported by %s (certificate and key must be files; hardware tokens, "
                "certificate stores and encrypted keys need the official aws_signing_helper)." % (flag, PROGRAM_NAME)
            )


def parse_arguments(argv):
    reject_unsupported(argv)
    arguments = build_parser().parse_args(argv)
    if arguments.command is None:
        raise UsageError("give a subcommand: credential-process, serve, update or version")
    if arguments.command in ("serve", "update"):
        check_refresh_window(arguments)
    return arguments


def check_refresh_window(arguments):
    """The window must lie inside the session: refreshing before the credentials are even used would be a loop."""
    if arguments.refresh_min_lead > arguments.refresh_window:
        raise UsageError(
            "--refresh-min-lead (%d) must not exceed --refresh-window (%d)"
            % (arguments.refresh_min_lead, arguments.refresh_window)
        )
    if arguments.refresh_window >= arguments.session_duration:
        raise UsageError(
            "--refresh-window (%d) must be shorter than --session-duration (%d)"
            % (arguments.refresh_window, arguments.session_duration)
        )


# --- credentials --------------------------------------------------------------------------


def parse_expiration(value):
    """Parse the ISO 8601 expiration of a credential (``2026-11-25T21:00:00Z``, with or without fractions)."""
    text = str(value).strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    if "." in text:  # fromisoformat before Python 3.11 accepts only 3 or 6 fraction digits
        head, _dot, rest = text.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        text = head + "." + (digits + "000000")[:6] + rest[len(digits) :]
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment


def process_output(credentials):
    """The credential_process document the AWS CLI and SDKs read."""
    return {
        "Version": 1,
        "AccessKeyId": credentials["accessKeyId"],
        "SecretAccessKey": credentials["secretAccessKey"],
        "SessionToken": credentials["sessionToken"],
        "Expiration": credentials["expiration"],
    }


def is_fresh(document, now, max_age_seconds=DEFAULT_CACHE_MAX_AGE):
    """A cached entry is used while younger than the maximum age and until five minutes before it expires.

    An entry without the time it was obtained (written by an older version) is never fresh: its age is unknown.
    """
    try:
        if document.get("Version") != 1 or not all(
            document.get(k) for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")
        ):
            return False
        age = now - parse_expiration(document[OBTAINED_AT])
        if age < datetime.timedelta(0) or age >= datetime.timedelta(seconds=max_age_seconds):
            return False  # too old, or obtained "in the future" after the clock was set back
        return parse_expiration(document["Expiration"]) - REFRESH_BEFORE_EXPIRY > now
    except (AttributeError, KeyError, TypeError, ValueError):
        return False


def cache_entry(document, now):
    """What the cache keeps: the printed document plus when the service answered."""
    return dict(document, **{OBTAINED_AT: now.strftime("%Y-%m-%dT%H:%M:%SZ")})


def printed_document(entry):
    """The credential_process document alone, as the AWS CLI and SDKs expect it."""
    return {key: value for key, value in entry.items() if key != OBTAINED_AT}


def cache_mode(arguments, environ):
    """use, refresh or off: the command line can only turn the cache off; the environment can ask for a refresh."""
    requested = (environ.get(CACHE_MODE_VARIABLE) or "use").strip().lower()
    if requested not in CACHE_MODES:
        raise UsageError(
            "%s=%s is not understood; use one of %s" % (CACHE_MODE_VARIABLE, requested, ", ".join(CACHE_MODES))
        )
    if arguments.no_cache or arguments.cache_max_age == 0:
        return "off"
    return requested


def read_file(path, what):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise sigv4x509.SigningError("cannot read the %s %s: %s" % (what, path, exc.strerror))


class Request(object):
    """Everything a CreateSession call needs, read from the command line and the files it names."""

    def __init__(self, arguments, environ=None, log=None):
        environ = os.environ if environ is None else environ
        self.arguments = arguments
        self.log = log
        self.certificate = read_file(arguments.certificate, "certificate")
        self.intermediates = (
            read_file(arguments.intermediates, "intermediates bundle") if arguments.intermediates else None
        )
        self.private_key_path = arguments.private_key
        # Resolved here, like the official helper does before it signs: --endpoint, then AWS_ENDPOINT_URL_ROLESANYWHERE /
        # AWS_ENDPOINT_URL, then the public endpoint of the region's partition (FIPS with AWS_USE_FIPS_ENDPOINT).
        region = arguments.region or sigv4x509.region_from_arn(
            sigv4x509.validate_arn("trust_anchor_arn", arguments.trust_anchor_arn)
        )
        self.endpoint = sigv4x509.resolve_endpoint(arguments.endpoint, region, environ)
        self.network = sigv4x509.network_settings_from_environment(environ, verify_tls=not arguments.no_verify_ssl)

    def cache_key(self):
        """Hash of everything that decides which credentials come back; the key file itself stays out of it."""
        a = self.arguments
        material = [
            hashlib.sha256(self.certificate).hexdigest(),
            hashlib.sha256(self.intermediates or b"").hexdigest(),
            a.trust_anchor_arn,
            a.profile_arn,
            a.role_arn,
            self.endpoint,
            a.region or "",
            a.session_duration,
            a.role_session_name or "",
        ]
        return hashlib.sha256(json.dumps(material).encode("utf-8")).hexdigest()

    def create_session(self):
        a = self.arguments
        document = sigv4x509.create_session(
            region=a.region,
            trust_anchor_arn=a.trust_anchor_arn,
            profile_arn=a.profile_arn,
            role_arn=a.role_arn,
            certificate_pem=self.certificate,
            private_key_pem=read_file(self.private_key_path, "private key"),
            intermediates_pem=self.intermediates,
            duration_seconds=a.session_duration,
            role_session_name=a.role_session_name,
            endpoint=self.endpoint,
            network=self.network,
            log=self.log,
        )
        return process_output(sigv4x509.session_credentials(document))


# --- cache --------------------------------------------------------------------------------


def cache_directory(environ=None):
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, CACHE_DIR_NAME)


def ensure_private_directory(path):
    """Create the cache directory 0700; refuse one that others can write to or that another user owns."""
    try:
        os.makedirs(path, mode=0o700)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise
    status = os.stat(path)
    if status.st_uid != os.getuid() or status.st_mode & 0o077:
        raise OSError(errno.EPERM, "cache directory %s must be owned by uid %d with mode 0700" % (path, os.getuid()))


def read_cached(path):
    """Return the cached document, or None when absent, unreadable, not ours or not private."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_uid != os.getuid() or status.st_mode & 0o077:
            return None
        with os.fdopen(os.dup(descriptor), "rb") as handle:
            return json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError):
        return None
    finally:
        os.close(descriptor)


def write_cached(path, document):
    """Write atomically: a 0600 temp file in the same directory, then rename over the old entry."""
    directory = os.path.dirname(path)
    descriptor, temp_path = tempfile.mkstemp(prefix=".tmp-", dir=directory)  # mkstemp creates the file 0600
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(json.dumps(document).encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(temp_path, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_path)
        raise


@contextlib.contextmanager
def exclusive_lock(path):
    """Hold an flock on ``path`` so that concurrent invocations refresh the cache one at a time."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def remove_entry(path, log):
    """Drop an entry the service no longer stands behind, so no later call serves it."""
    try:
        os.unlink(path)
        log("removed the cache entry %s" % path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log("cannot remove the cache entry %s: %s" % (path, exc))


def refresh_entry(request, entry, now_function, log):
    """Call CreateSession and keep the answer; a refusal also removes what was cached before."""
    try:
        document = request.create_session()
    except sigv4x509.SessionError as exc:
        # Only the service's "no" (revoked, untrusted, denied) condemns the entry; a lost connection or
        # throttling says nothing about the certificate.
        if exc.status in REFUSAL_STATUSES:
            remove_entry(entry, log)
        raise
    try:
        write_cached(entry, cache_entry(document, now_function()))
    except OSError as exc:
        # The credentials are good even when they cannot be kept (full disk, read-only home).
        log("cannot write the cache entry %s: %s" % (entry, exc))
    return document


def cached_credentials(request, directory, now_function, log, max_age_seconds=DEFAULT_CACHE_MAX_AGE, refresh=False):
    """Return credentials from the cache, refreshing them under the lock when they are missing, stale or ``refresh``."""
    key = request.cache_key()
    entry = os.path.join(directory, key + ".json")
    if not refresh:
        document = read_cached(entry)
        if is_fresh(document, now_function(), max_age_seconds):
            log("cache hit %s" % entry)
            return printed_document(document)
    with exclusive_lock(os.path.join(directory, key + ".lock")):
        if not refresh:
            # Another invocation may have refreshed the entry while this one waited for the lock.
            document = read_cached(entry)
            if is_fresh(document, now_function(), max_age_seconds):
                log("cache hit after waiting for the lock %s" % entry)
                return printed_document(document)
        log("%s %s: calling CreateSession" % ("refresh requested for" if refresh else "cache miss", entry))
        return refresh_entry(request, entry, now_function, log)


def obtain_credentials(arguments, log, now_function=None, environ=None):
    now_function = now_function or (lambda: datetime.datetime.now(datetime.timezone.utc))
    environ = os.environ if environ is None else environ
    mode = cache_mode(arguments, environ)
    request = Request(arguments, environ, log)
    if mode == "off":
        log("cache disabled: calling CreateSession")
        return request.create_session()
    directory = cache_directory(environ)
    try:
        ensure_private_directory(directory)
    except OSError as exc:
        # Credentials still work without a cache; only the burst protection is lost.
        log("cache unavailable (%s): calling CreateSession" % exc)
        return request.create_session()
    return cached_credentials(
        request, directory, now_function, log, arguments.cache_max_age, refresh=(mode == "refresh")
    )


# --- serve and update: long-running delivery -------------------------------------------------

# How often the long-running modes look at the certificate files: a rotated certificate is used within this bound.
FILE_CHECK_INTERVAL = 5
# After a failed CreateSession the old credentials are still served; retry with jitter between these bounds.
RETRY_MIN_SECONDS = 5
RETRY_MAX_SECONDS = 120
CREDENTIAL_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")


def refresh_delay(lifetime_seconds, window, min_lead, uniform=random.uniform):
    """Seconds from receiving credentials of ``lifetime_seconds`` until refreshing them.

    The lead before expiry is drawn uniformly from [min_lead, window], so the hosts of a fleet that started together
    spread their CreateSession calls over the window instead of calling in the same second.  Credentials shorter than
    the window (a certificate that expires first) are refreshed in their second half.
    """
    high = window if lifetime_seconds > window else lifetime_seconds / 2.0
    low = min(min_lead, high)
    return max(0.0, lifetime_seconds - uniform(low, high))


def lifetime_of(document, requested_seconds, now):
    """Seconds the credentials stay valid, by the host clock; the requested duration bounds a clock set back."""
    try:
        remaining = (parse_expiration(document["Expiration"]) - now).total_seconds()
    except (KeyError, TypeError, ValueError):
        remaining = requested_seconds
    return max(0.0, min(remaining, float(requested_seconds)))


def retry_delay(failures, uniform=random.uniform):
    """Full jitter over a doubling window, capped: a fleet that lost the endpoint does not come back in step."""
    return uniform(RETRY_MIN_SECONDS, min(RETRY_MAX_SECONDS, RETRY_MIN_SECONDS * 2.0**failures))


def files_fingerprint(arguments):
    """What identifies the certificate, key and chain on disk: a rotation changes it."""
    fingerprint = []
    for path in (arguments.certificate, arguments.private_key, arguments.intermediates):
        try:
            status = os.stat(path) if path else None
        except OSError:
            status = None
        fingerprint.append(None if status is None else (status.st_ino, status.st_mtime_ns, status.st_size))
    return tuple(fingerprint)


class Refresher(object):
    """Holds the current credentials and decides when to ask CreateSession for new ones.

    ``obtain()`` calls CreateSession with the files as they are now; ``deliver(document)`` hands the answer to the
    workload (the endpoint or the credentials file).  The clock, the sleep and the random source are passed in so the
    schedule can be proven without waiting for real sessions to expire.
    """

    def __init__(self, arguments, obtain, deliver, log, now_function=None, uniform=random.uniform, warn=None):
        self.arguments = arguments
        self.obtain = obtain
        self.deliver = deliver
        self.log = log
        self.warn = warn or warn_on_stderr
        self.now = now_function or (lambda: datetime.datetime.now(datetime.timezone.utc))
        self.uniform = uniform
        self.document = None
        self.fingerprint = None
        self.failures = 0
        self.refresh_at = None  # seconds on the monotonic-like clock of run()
        self.lock = threading.Lock()

    def current(self):
        with self.lock:
            return self.document

    def refresh(self, clock):
        """One CreateSession; on success deliver and schedule the next, on failure schedule a retry."""
        fingerprint = files_fingerprint(self.arguments)
        try:
            document = self.obtain()
        except (sigv4x509.SessionError, sigv4x509.SigningError, OSError) as exc:
            self.failures += 1
            delay = retry_delay(self.failures, self.uniform)
            self.warn("CreateSession failed (%s); retrying in %.0f s" % (exc, delay))
            self.refresh_at = clock + delay
            return False
        try:
            self.deliver(document)
        except (atomic_files.FileWriteError, OSError) as exc:
            self.failures += 1
            delay = retry_delay(self.failures, self.uniform)
            self.warn("cannot deliver the credentials (%s); retrying in %.0f s" % (exc, delay))
            self.refresh_at = clock + delay
            return False
        with self.lock:
            self.document = document
        self.fingerprint = fingerprint
        self.failures = 0
        lifetime = lifetime_of(document, self.arguments.session_duration, self.now())
        delay = refresh_delay(lifetime, self.arguments.refresh_window, self.arguments.refresh_min_lead, self.uniform)
        self.refresh_at = clock + delay
        self.log("credentials valid until %s; next refresh in %.0f s" % (document["Expiration"], delay))
        return True

    def due(self, clock):
        if self.refresh_at is None or clock >= self.refresh_at:
            return True
        if files_fingerprint(self.arguments) != self.fingerprint:
            self.log("the certificate, key or chain changed on disk: refreshing now")
            return True
        return False

    def run(self, clock=time.monotonic, sleep=time.sleep, until=None):
        """Refresh whenever due until ``until(clock())`` says stop (never, for a service)."""
        while until is None or not until(clock()):
            moment = clock()
            if self.due(moment):
                self.refresh(moment)
            sleep(max(0.0, min(FILE_CHECK_INTERVAL, self.refresh_at - clock())))


def warn_on_stderr(message):
    """A service's failures belong in its log (the journal) whether or not --debug is given."""
    sys.stderr.write("%s: %s\n" % (PROGRAM_NAME, message))
    sys.stderr.flush()


def session_obtainer(arguments, log, environ=None):
    """A CreateSession call that reads the certificate, key and chain afresh each time (a rotation is picked up)."""

    def obtain():
        return Request(arguments, environ, log).create_session()

    return obtain


# --- update: the AWS credentials file --------------------------------------------------------


def credentials_file_path(arguments, environ=None):
    environ = os.environ if environ is None else environ
    path = (
        arguments.credentials_file
        or environ.get("AWS_SHARED_CREDENTIALS_FILE")
        or os.path.join("~", ".aws", "credentials")
    )
    return os.path.expanduser(path)


def render_credentials_profile(text, profile, document):
    """``text`` with the section ``[profile]`` holding these credentials; other sections and other keys stay."""
    values = {
        "aws_access_key_id": document["AccessKeyId"],
        "aws_secret_access_key": document["SecretAccessKey"],
        "aws_session_token": document["SessionToken"],
    }
    lines = text.splitlines()
    header = "[%s]" % profile
    start = next((i for i, line in enumerate(lines) if line.strip() == header), None)
    if start is None:
        if lines and lines[-1].strip():
            lines.append("")
        lines.append(header)
        lines.extend("%s = %s" % (key, values[key]) for key in CREDENTIAL_KEYS)
        return "\n".join(lines) + "\n"
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    body = [line for line in lines[start + 1 : end] if line.split("=", 1)[0].strip() not in CREDENTIAL_KEYS]
    new_body = ["%s = %s" % (key, values[key]) for key in CREDENTIAL_KEYS] + body
    return "\n".join(lines[: start + 1] + new_body + lines[end:]) + "\n"


def write_credentials_profile(path, profile, document):
    """Replace the profile in the credentials file atomically, 0600, through the collection's symlink-proof writer."""
    try:
        existing = atomic_files.read_bytes(path)
    except atomic_files.FileWriteError:
        existing = None
    text = existing.decode("utf-8") if existing else ""
    directory = os.path.dirname(os.path.abspath(path))
    atomic_files.ensure_directory(directory, 0o700)
    atomic_files.write_atomically(path, render_credentials_profile(text, profile, document).encode("utf-8"), 0o600)


# --- serve: the EC2 instance metadata protocol ---------------------------------------------------------

TOKEN_PATH = "/latest/api/token"
CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/"
TOKEN_TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
MAX_TOKEN_TTL = 21600
MAX_TOKENS = 1000


def role_name_of(role_arn):
    return role_arn.rsplit("/", 1)[-1]


def metadata_credentials(document, now):
    """The document instance metadata returns for a role's credentials."""
    return {
        "Code": "Success",
        "LastUpdated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Type": "AWS-HMAC",
        "AccessKeyId": document["AccessKeyId"],
        "SecretAccessKey": document["SecretAccessKey"],
        "Token": document["SessionToken"],
        "Expiration": document["Expiration"],
    }


class MetadataTokens(object):
    """IMDSv2 session tokens: random, with the TTL the client asked for, kept in memory only."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.tokens = {}
        self.lock = threading.Lock()

    def issue(self, ttl):
        token = secrets.token_urlsafe(32)
        with self.lock:
            now = self.clock()
            self.tokens = {key: expiry for key, expiry in self.tokens.items() if expiry > now}
            if len(self.tokens) >= MAX_TOKENS:
                self.tokens.pop(min(self.tokens, key=self.tokens.get))
            self.tokens[token] = now + ttl
        return token

    def valid(self, token):
        with self.lock:
            expiry = self.tokens.get(token or "")
            return expiry is not None and expiry > self.clock()


def metadata_handler(refresher, tokens, role_name, log):
    """A request handler bound to one refresher: token PUT, role listing and the role's credentials; nothing else."""

    class Handler(BaseHTTPRequestHandler):
        server_version = PROGRAM_NAME
        sys_version = ""

        def log_message(self, message_format, *args):
            log("%s %s" % (self.address_string(), message_format % args))

        def answer(self, status, body, content_type="text/plain", headers=None):
            payload = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def do_PUT(self):
            # Like instance metadata: a request that went through a proxy (X-Forwarded-For) gets no token.
            if self.path != TOKEN_PATH or self.headers.get("X-Forwarded-For"):
                return self.answer(403 if self.path == TOKEN_PATH else 404, "")
            try:
                ttl = int(self.headers.get(TOKEN_TTL_HEADER, ""))
            except ValueError:
                ttl = 0
            if not 1 <= ttl <= MAX_TOKEN_TTL:
                return self.answer(400, "")
            self.answer(200, tokens.issue(ttl), headers={TOKEN_TTL_HEADER: str(ttl)})

        def do_GET(self):
            if not self.path.startswith(CREDENTIALS_PATH):
                return self.answer(404, "")
            if not tokens.valid(self.headers.get(TOKEN_HEADER)):
                return self.answer(401, "")
            name = self.path[len(CREDENTIALS_PATH) :]
            if name == "":
                return self.answer(200, role_name)
            if name != role_name:
                return self.answer(404, "")
            document = refresher.current()
            now = datetime.datetime.now(datetime.timezone.utc)
            if document is None or parse_expiration(document["Expiration"]) <= now:
                return self.answer(503, "no valid credentials: CreateSession has not succeeded yet")
            self.answer(200, json.dumps(metadata_credentials(document, now)), "application/json")

    return Handler


def start_metadata_server(arguments, refresher, log):
    """Listen on 127.0.0.1 only: the credentials are for the processes of this host."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", arguments.port),
        metadata_handler(refresher, MetadataTokens(), role_name_of(arguments.role_arn), log),
    )
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="metadata", daemon=True)
    thread.start()
    return server


def run_serve(arguments, log):
    refresher = Refresher(arguments, session_obtainer(arguments, log), lambda document: None, log)
    refresher.refresh(time.monotonic())  # the first credentials before the first request, when the service answers
    try:
        start_metadata_server(arguments, refresher, log)
    except OSError as exc:
        raise UsageError(
            "cannot listen on 127.0.0.1:%d: %s (another program holds the port; choose another --port)"
            % (arguments.port, exc.strerror or exc)
        )
    sys.stderr.write("%s: serving credentials on http://127.0.0.1:%d\n" % (PROGRAM_NAME, arguments.port))
    sys.stderr.flush()
    refresher.run()


def run_update(arguments, log):
    path = credentials_file_path(arguments)
    refresher = Refresher(
        arguments,
        session_obtainer(arguments, log),
        lambda document: write_credentials_profile(path, arguments.profile, document),
        log,
    )
    if arguments.once:
        document = refresher.obtain()
        refresher.deliver(document)
        return
    refresher.run()


def main(argv=None, stdout=None, stderr=None):
    argv = sys.argv[1:] if argv is None else argv
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        arguments = parse_arguments(argv)
    except UsageError as exc:
        stderr.write("%s: error: %s\n" % (PROGRAM_NAME, exc))
        return 2
    if arguments.command == "version":
        stdout.write("%s\n" % PROGRAM_VERSION)
        return 0

    def log(message):
        if arguments.debug:
            stderr.write("%s: %s\n" % (PROGRAM_NAME, message))

    try:
        if arguments.command == "serve":
            run_serve(arguments, log)
            return 0
        if arguments.command == "update":
            run_update(arguments, log)
            return 0
        document = obtain_credentials(arguments, log)
    except UsageError as exc:
        stderr.write("%s: error: %s\n" % (PROGRAM_NAME, exc))
        return 2
    except sigv4x509.SessionError as exc:
        stderr.write("%s: CreateSession failed: %s\n" % (PROGRAM_NAME, exc))
        return 1
    except (sigv4x509.SigningError, atomic_files.FileWriteError, OSError) as exc:
        stderr.write("%s: error: %s\n" % (PROGRAM_NAME, exc))
        return 1
    except KeyboardInterrupt:
        return 130
    stdout.write(json.dumps(document) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
