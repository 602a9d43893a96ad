# -*- coding: utf-8 -*-
# Copyright: Contributors to the hybridcloud.rolesanywhere collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A credential_process program for IAM Roles Anywhere with a per-user credential cache.

It understands the official ``aws_signing_helper credential-process`` command line for
certificates and keys in files, prints the AWS CLI/SDK ``credential_process`` JSON, and
keeps the credentials in a per-user cache until five minutes before they expire, so a
burst of CLI calls makes one CreateSession instead of one each.

The ``credential_helper`` role installs this file as a single executable program: it
places the signer (``sigv4x509.py``) in front of it and replaces the import below, so the
program needs only the Python standard library plus python3-cryptography or ``openssl``.
"""

import argparse
import contextlib
import datetime
import errno
import fcntl
import hashlib
import json
import os
import stat
import sys
import tempfile

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import sigv4x509  # installed-program: signer inline

PROGRAM_NAME = "rolesanywhere-credential-process"
PROGRAM_VERSION = "1.0.0"
# The official helper's credential-process flags this program does not implement: hardware tokens,
# OS certificate stores and encrypted keys.  They fail loudly instead of being ignored.
UNSUPPORTED_FLAGS = {
    "--cert-selector": False, "--system-store-name": True, "--use-latest-expiring-certificate": False,
    "--pkcs11-lib": True, "--reuse-pin": False, "--tpm-key-password": True, "--no-tpm-key-password": False,
    "--pkcs8-password": True,
}
UNSUPPORTED_SUBCOMMANDS = ("serve", "update", "sign-string", "read-certificate-data")
REFRESH_BEFORE_EXPIRY = datetime.timedelta(minutes=5)
CACHE_DIR_NAME = "hybridcloud-rolesanywhere"


class UsageError(Exception):
    """The command line asks for something this program does not do."""


# --- command line -------------------------------------------------------------------------


def build_parser():
    parser = argparse.ArgumentParser(
        prog=PROGRAM_NAME,
        description="Obtain AWS credentials from IAM Roles Anywhere with an X.509 certificate "
                    "(the credential-process part of aws_signing_helper, with a per-user cache).")
    subcommands = parser.add_subparsers(dest="command", metavar="{credential-process,version}")
    subcommands.add_parser("version", help="print the program version")
    command = subcommands.add_parser("credential-process", help="print credentials as credential_process JSON")
    command.add_argument("--certificate", required=True, help="path of the end-entity certificate (PEM or DER)")
    command.add_argument("--private-key", required=True, help="path of the unencrypted private key (PEM)")
    command.add_argument("--intermediates", help="path of a PEM bundle of intermediate CA certificates")
    command.add_argument("--trust-anchor-arn", required=True)
    command.add_argument("--profile-arn", required=True)
    command.add_argument("--role-arn", required=True)
    command.add_argument("--region", help="region of the endpoint (default: the trust anchor ARN's region)")
    command.add_argument("--endpoint", help="base URL of the Roles Anywhere endpoint")
    command.add_argument("--session-duration", type=int, default=3600, help="seconds, 900-43200 (default 3600)")
    command.add_argument("--role-session-name", help="session name (the profile must accept role session names)")
    command.add_argument("--with-proxy", action="store_true", help="use the proxy from the HTTPS_PROXY environment")
    command.add_argument("--no-verify-ssl", action="store_true", help="do not verify the endpoint's TLS certificate")
    command.add_argument("--debug", action="store_true", help="log each step to stderr (never secrets)")
    command.add_argument("--no-cache", action="store_true", help="always call CreateSession; neither read nor write the cache")
    return parser


def reject_unsupported(argv):
    """Fail with a clear message for the official helper's features that this program lacks."""
    if argv and argv[0] in UNSUPPORTED_SUBCOMMANDS:
        raise UsageError("the %s subcommand is not supported by %s; it implements credential-process only. "
                         "Install the official aws_signing_helper (rolesanywhere_signing_helper: official) for %s."
                         % (argv[0], PROGRAM_NAME, argv[0]))
    for argument in argv:
        flag = argument.split("=", 1)[0]
        if flag in UNSUPPORTED_FLAGS:
            raise UsageError("%s is not supported by %s (certificate and key must be files; hardware tokens, "
                             "certificate stores and encrypted keys need the official aws_signing_helper)."
                             % (flag, PROGRAM_NAME))


def parse_arguments(argv):
    reject_unsupported(argv)
    arguments = build_parser().parse_args(argv)
    if arguments.command is None:
        raise UsageError("give a subcommand: credential-process or version")
    return arguments


# --- credentials --------------------------------------------------------------------------


def parse_expiration(value):
    """Parse the ISO 8601 expiration of a credential (``2026-11-25T21:00:00Z``, with or without fractions)."""
    text = str(value).strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    if "." in text:  # fromisoformat before Python 3.11 accepts only 3 or 6 fraction digits
        head, _dot, rest = text.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        text = head + "." + (digits + "000000")[:6] + rest[len(digits):]
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


def is_fresh(document, now):
    """A cached document is used until five minutes before it expires."""
    try:
        if document.get("Version") != 1 or not all(document.get(k) for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")):
            return False
        return parse_expiration(document["Expiration"]) - REFRESH_BEFORE_EXPIRY > now
    except (AttributeError, KeyError, TypeError, ValueError):
        return False


def read_file(path, what):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise sigv4x509.SigningError("cannot read the %s %s: %s" % (what, path, exc.strerror))


class Request(object):
    """Everything a CreateSession call needs, read from the command line and the files it names."""

    def __init__(self, arguments):
        self.arguments = arguments
        self.certificate = read_file(arguments.certificate, "certificate")
        self.intermediates = read_file(arguments.intermediates, "intermediates bundle") if arguments.intermediates else None
        self.private_key_path = arguments.private_key

    def cache_key(self):
        """Hash of everything that decides which credentials come back; the key file itself stays out of it."""
        a = self.arguments
        material = [hashlib.sha256(self.certificate).hexdigest(), hashlib.sha256(self.intermediates or b"").hexdigest(),
                    a.trust_anchor_arn, a.profile_arn, a.role_arn, a.endpoint or "", a.region or "", a.session_duration,
                    a.role_session_name or ""]
        return hashlib.sha256(json.dumps(material).encode("utf-8")).hexdigest()

    def create_session(self):
        a = self.arguments
        document = sigv4x509.create_session(
            endpoint=a.endpoint, region=a.region, trust_anchor_arn=a.trust_anchor_arn, profile_arn=a.profile_arn,
            role_arn=a.role_arn, certificate_pem=self.certificate, private_key_pem=read_file(self.private_key_path, "private key"),
            intermediates_pem=self.intermediates, duration_seconds=a.session_duration, role_session_name=a.role_session_name,
            verify_tls=not a.no_verify_ssl, use_proxy=a.with_proxy)
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


def cached_credentials(request, directory, now_function, log):
    """Return credentials from the cache, refreshing them under the lock when they are missing or stale."""
    key = request.cache_key()
    entry = os.path.join(directory, key + ".json")
    document = read_cached(entry)
    if is_fresh(document, now_function()):
        log("cache hit %s" % entry)
        return document
    with exclusive_lock(os.path.join(directory, key + ".lock")):
        # Another invocation may have refreshed the entry while this one waited for the lock.
        document = read_cached(entry)
        if is_fresh(document, now_function()):
            log("cache hit after waiting for the lock %s" % entry)
            return document
        log("cache miss %s: calling CreateSession" % entry)
        document = request.create_session()
        try:
            write_cached(entry, document)
        except OSError as exc:
            # The credentials are good even when they cannot be kept (full disk, read-only home).
            log("cannot write the cache entry %s: %s" % (entry, exc))
        return document


def obtain_credentials(arguments, log, now_function=None, environ=None):
    now_function = now_function or (lambda: datetime.datetime.now(datetime.timezone.utc))
    request = Request(arguments)
    if arguments.no_cache:
        log("cache disabled: calling CreateSession")
        return request.create_session()
    directory = cache_directory(environ)
    try:
        ensure_private_directory(directory)
    except OSError as exc:
        # Credentials still work without a cache; only the burst protection is lost.
        log("cache unavailable (%s): calling CreateSession" % exc)
        return request.create_session()
    return cached_credentials(request, directory, now_function, log)


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
        document = obtain_credentials(arguments, log)
    except sigv4x509.SessionError as exc:
        stderr.write("%s: CreateSession failed: %s\n" % (PROGRAM_NAME, exc))
        return 1
    except (sigv4x509.SigningError, OSError) as exc:
        stderr.write("%s: error: %s\n" % (PROGRAM_NAME, exc))
        return 1
    stdout.write(json.dumps(document) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
