# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two calls of verify made in-process with botocore, through the AWS profile, as a workload's SDK makes them.

One botocore session on the profile and config file resolves the credentials once (one start of the profile's
credential_process, or one read of the serve endpoint / credentials file) and both clients reuse them: one program
start instead of two AWS CLI starts and two helper starts. A failure is returned as the text the AWS CLI prints for
the same botocore exception, so the diagnosis catalogue reads either client's failures alike.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import signal
import subprocess
import time

try:
    import botocore
    import botocore.config
    import botocore.credentials
    import botocore.exceptions
    import botocore.loaders
    import botocore.session

    HAS_BOTOCORE = True
except ImportError:
    HAS_BOTOCORE = False

# botocore reads endpoint_url and the [services] section of a profile from this release on, as the AWS CLI 1.29 that
# bundles it does; an older one would call the public endpoints instead of the profile's.
MINIMUM_BOTOCORE = (1, 31, 0)


def botocore_version():
    """botocore's (major, minor, patch), or None when it is not importable."""
    if not HAS_BOTOCORE:
        return None
    try:
        return tuple(int(part) for part in botocore.__version__.split(".")[:3])
    except (AttributeError, ValueError):
        return None


def usable():
    version = botocore_version()
    return version is not None and version >= MINIMUM_BOTOCORE


class DeadlineExceeded(Exception):
    """The check ran out of its time; the text reads like the CLI path's, which coreutils' timeout stopped."""


class BoundedProcess:
    """A started credential_process whose communicate() gives up at the check's deadline, stopping its process group."""

    def __init__(self, process, seconds_left, timeout):
        self.process = process
        self.seconds_left = seconds_left
        self.timeout = timeout

    @property
    def returncode(self):
        return self.process.returncode

    def communicate(self, input=None):  # pylint: disable=redefined-builtin
        try:
            return self.process.communicate(input, timeout=max(0.1, self.seconds_left()))
        except subprocess.TimeoutExpired:
            # The helper may have started children of its own (a shell wrapper, a signer); the whole group goes.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.process.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                # A descendant that left the group still holds the pipes; the helper itself is gone.
                pass
            raise DeadlineExceeded("the credential_process timed out after {0} s".format(self.timeout))


def bounded_popen(seconds_left, timeout):
    """A Popen for botocore's ProcessProvider that runs the helper in its own process group, bounded by the deadline."""

    def popen(args, **kwargs):
        kwargs["start_new_session"] = True
        # botocore's ProcessProvider hands its own Popen arguments through; no AnsibleModule is in reach here.
        return BoundedProcess(subprocess.Popen(args, **kwargs), seconds_left, timeout)  # pylint: disable=ansible-bad-function

    return popen


if HAS_BOTOCORE:

    class CalledServicesLoader(botocore.loaders.Loader):
        """botocore's loader, except that the services it lists are the two that verify calls.

        botocore lists every service it has a model for (some 400 directories, several times: once per kind of model)
        only to check that the one asked for is among them; every host's check paid for that scan. The models
        themselves are found and loaded by botocore's own code on the session's own search paths.
        """

        def list_available_services(self, type_name):
            available = []
            for service in sorted(CALLS):
                try:
                    self.list_api_versions(service, type_name)
                except botocore.exceptions.DataNotFoundError:
                    continue
                available.append(service)
            return available


def use_called_services_loader(session):
    """Give the session a CalledServicesLoader on the search paths of its own loader (AWS_DATA_PATH, ~/.aws/models)."""
    search_paths = list(session.get_component("data_loader").search_paths)
    loader = CalledServicesLoader(extra_search_paths=search_paths, include_default_search_paths=False)
    session.register_component("data_loader", loader)


def bound_credential_process(session, profile, popen):
    """Give the session's credential_process provider a bounded Popen; botocore's own builds it with subprocess.Popen."""
    resolver = session.get_component("credential_provider")
    for index, provider in enumerate(resolver.providers):
        if isinstance(provider, botocore.credentials.ProcessProvider):
            resolver.providers[index] = botocore.credentials.ProcessProvider(
                profile_name=profile, load_config=lambda: session.full_config, popen=popen
            )


def caller_identity(client):
    return client.get_caller_identity()


def cluster_identifiers(client):
    """All pages, as the CLI's --query Clusters[].ClusterIdentifier gives them.

    The Marker is followed here rather than by botocore's paginator, which would load and parse one more model file
    (the service's paginators) in every host's check for a loop this short.
    """
    identifiers = []
    markers_seen = set()
    arguments = {}
    while True:
        page = client.describe_clusters(**arguments)
        identifiers += [cluster.get("ClusterIdentifier") for cluster in page.get("Clusters", [])]
        marker = page.get("Marker")
        if not marker:
            return identifiers
        if marker in markers_seen:
            # A marker given twice would never end; botocore's paginator stops with the same error.
            raise botocore.exceptions.PaginationError(
                message="The same next token was received twice: {0}".format({"Marker": marker})
            )
        markers_seen.add(marker)
        arguments["Marker"] = marker


CALLS = {"sts": caller_identity, "redshift": cluster_identifiers}


class SdkCaller:
    """Makes verify's calls in this process: call(command) -> (document, error text or None).

    ``environment`` is what the CLI path would add to the CLI's environment (config file, credentials file); it is
    set on this process, which is the module's own and ends with it, so botocore and the credential_process it starts
    see exactly what they see under the CLI.
    """

    name = "sdk"

    def __init__(self, profile, region, timeout, clock=time.monotonic):
        self.profile = profile
        self.region = region
        self.timeout = timeout
        self.clock = clock
        self.deadline = clock() + timeout
        self.session = None

    def seconds_left(self):
        return self.deadline - self.clock()

    def open_session(self, environment):
        os.environ.update(environment)
        session = botocore.session.Session(profile=self.profile)
        use_called_services_loader(session)
        bound_credential_process(session, self.profile, bounded_popen(self.seconds_left, self.timeout))
        return session

    def client(self, service):
        # The CLI's connect and read timeouts are a third of the bound too, so a failure names the endpoint in time.
        seconds = max(1, self.timeout // 3)
        config = botocore.config.Config(connect_timeout=seconds, read_timeout=seconds)
        return self.session.create_client(service, region_name=self.region, config=config)

    def call(self, command, environment):
        """Run the call of ``command`` (access_check's CLI words: the service is the first) through the profile."""
        service = command[0]
        try:
            if self.seconds_left() <= 0:
                raise DeadlineExceeded("{0} timed out after {1} s".format(" ".join(command[:2]), self.timeout))
            if self.session is None:
                self.session = self.open_session(environment)
            # Credentials are resolved here, once: the second client reuses the session's.
            return CALLS[service](self.client(service)), None
        except DeadlineExceeded as error:
            return None, str(error)
        except Exception as error:  # pylint: disable=broad-except
            # botocore's exceptions (ClientError, CredentialRetrievalError, EndpointConnectionError, ReadTimeoutError,
            # ProfileNotFound, NoCredentialsError...) and the OSError of a helper that cannot start print, under the
            # AWS CLI, as exactly this text: the diagnosis rules match it whichever client made the call.
            return None, str(error) or error.__class__.__name__
