"""The playbooks end to end against the stand-in: onboard -> again (changed=0) -> verify -> rotate -> offboard.

Three local hosts, each with its own directories; the real AWS CLI runs on each through its credential_process
profile. One module-scoped fleet so the life cycle is tested in order, like an operator would run it.
"""

import configparser
import copy
import datetime
import hashlib
import os
import shutil
import subprocess
import sys

import pytest
from cryptography import x509

from support import local_fleet
from support.ansible_run import run_playbook
from support.field_tools import build_official_helper

HOSTS = ["web-1", "web-2", "db-1"]
OFFICIAL_HOST = "db-1"
PROFILE = "redshift-reader"


def revoked_serials(localaws):
    """Every serial the CRLs imported into the stand-in revoke."""
    revoked = set()
    for crl in localaws.client("rolesanywhere").list_crls()["crls"]:
        revoked |= {entry.serial_number for entry in x509.load_pem_x509_crl(crl["crlData"])}
    return revoked


@pytest.fixture(scope="module")
def fleet(localaws, tmp_path_factory):
    root = tmp_path_factory.mktemp("fleet")
    localaws.client("redshift").create_cluster(
        ClusterIdentifier="fleet-analytics",
        NodeType="ra3.xlplus",
        MasterUsername="admin",
        MasterUserPassword="Fleet-test-Passw0rd",
        ClusterType="single-node",
    )
    names = {
        "rolesanywhere_trust_anchor_name": "fleet-anchor",
        "rolesanywhere_profile_name": "fleet-profile",
        "rolesanywhere_role_name": "fleet-redshift-reader",
        "rolesanywhere_aws_profile": PROFILE,
    }

    class Fleet:
        directory = root
        inventory = local_fleet.inventory(root, HOSTS)
        variables = local_fleet.variables(localaws, root, **names)
        env = local_fleet.environment(localaws, root)
        official_helper = build_official_helper()
        if official_helper is not None:
            # A mixed fleet, as real ones are: the official helper on one host, the Python program on the others.
            # The choice moves from the extra vars (which would override any host) into each host's variables.
            inventory["all"]["children"]["rolesanywhere_hosts"]["vars"] = {"rolesanywhere_signing_helper": "python"}
            inventory["all"]["children"]["rolesanywhere_hosts"]["hosts"][OFFICIAL_HOST].update(
                official_helper.role_vars()
            )
            del variables["rolesanywhere_signing_helper"]

        def run(self, playbook, inventory=None, variables=None, **kwargs):
            """``playbook`` over the fleet; ``inventory`` and ``variables`` replace the fleet's own when given."""
            extra_vars = dict(self.variables if variables is None else variables, **kwargs.pop("extra_vars", {}))
            return run_playbook(
                "hybridcloud.rolesanywhere." + playbook,
                tmp_path=root,
                inventory=self.inventory if inventory is None else inventory,
                extra_vars=extra_vars,
                env=self.env,
                **kwargs,
            )

        @staticmethod
        def cert_file(host, name):
            return os.path.join(local_fleet.host_root(root, host), "certs", name)

        @staticmethod
        def certificate(host):
            path = Fleet.cert_file(host, "certificate.pem")
            with open(path, "rb") as handle:
                return x509.load_pem_x509_certificate(handle.read())

        def inventory_with(self, host_vars):
            """A copy of the inventory with ``host_vars`` (host -> variables) laid over each host's own."""
            inventory = copy.deepcopy(self.inventory)
            for host, variables in host_vars.items():
                inventory["all"]["children"]["rolesanywhere_hosts"]["hosts"][host].update(variables)
            return inventory

        @staticmethod
        def config(host):
            parser = configparser.ConfigParser()
            parser.read(os.path.join(local_fleet.host_root(root, host), "aws", "config"))
            return parser

    return Fleet()


@pytest.fixture(scope="module")
def onboarded(fleet):
    result = fleet.run("onboard")
    assert result.rc == 0, result.explain()
    return result


def test_onboard_gives_every_host_access_through_its_profile(onboarded):
    for host in HOSTS:
        outcome = onboarded.action("verify_access", host)
        assert outcome["assumed_role_arn"].startswith("arn:aws:sts::")
        assert ":assumed-role/fleet-redshift-reader/" in outcome["assumed_role_arn"]
        assert "fleet-analytics" in outcome["clusters"]


def test_one_host_runs_the_official_helper_built_from_its_module(fleet, onboarded, official_helper):
    helper = os.path.join(local_fleet.host_root(fleet.directory, OFFICIAL_HOST), "bin", "aws_signing_helper")
    with open(helper, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == official_helper.sha256
    for host in HOSTS:
        line = fleet.config(host)["profile %s" % PROFILE]["credential_process"]
        assert line.startswith(helper + " ") == (host == OFFICIAL_HOST), line
    assert onboarded.action("verify_access", OFFICIAL_HOST)["ok"] is True


def test_every_host_has_its_own_key_and_certificate(fleet, onboarded):
    serials = {fleet.certificate(host).serial_number for host in HOSTS}
    assert len(serials) == len(HOSTS)
    for host in HOSTS:
        subject = fleet.certificate(host).subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
        assert subject == host
        assert os.stat(fleet.cert_file(host, "private-key.pem")).st_mode & 0o777 == 0o600


def test_second_onboard_changes_nothing(fleet, onboarded):
    again = fleet.run("onboard")
    assert again.rc == 0, again.explain()
    assert again.changed == 0, {host: stats for host, stats in again.stats.items() if stats.get("changed")}


ENROLL_CA_STEP = "hybridcloud.rolesanywhere.enroll : Ensure the local CA on the controller"
TRUST_CA_STEP = "hybridcloud.rolesanywhere.trust : Ensure the local CA whose certificate the trust anchor holds"


def test_enroll_takes_the_ca_the_trust_play_just_checked(fleet, onboarded):
    """The trust play's CA step held the custody rule for this CA directory; enroll does not run it a second time."""
    assert not onboarded.task(TRUST_CA_STEP).get("skipped"), onboarded.task(TRUST_CA_STEP)
    # (run once: one result for the whole batch)
    enroll_ca = [r["result"] for r in onboarded.results if r["task"] == ENROLL_CA_STEP]
    assert enroll_ca and all(result.get("skipped") for result in enroll_ca), enroll_ca
    with open(os.path.join(fleet.variables["rolesanywhere_ca_path"], "ca.crt"), encoding="utf-8") as handle:
        ca_pem = handle.read()
    for host in HOSTS:
        # The certificate that signs the hosts' certificates still reaches each host's key and CSR step (the
        # enrolment step of the single host step).
        arguments = onboarded.action("credential_setup", host)["invocation"]["module_args"]
        assert arguments["enrollment"]["issuer_certificate"].strip() == ca_pem.strip()


def test_enroll_checks_the_ca_itself_when_the_hosts_name_another_directory(fleet, onboarded, tmp_path):
    """Hosts whose CA directory is not the one the trust play checked: enroll holds the custody rule on its own."""
    extra_vars = dict(fleet.variables)
    ca_path = extra_vars.pop("rolesanywhere_ca_path")
    empty_ca = str(tmp_path / "empty-ca")
    inventory = fleet.inventory_with({host: {"rolesanywhere_ca_path": empty_ca} for host in HOSTS})
    inventory["all"]["hosts"] = {
        "localhost": {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "rolesanywhere_ca_path": ca_path,
        }
    }
    before = {host: fleet.certificate(host).serial_number for host in HOSTS}
    result = fleet.run("onboard", inventory=inventory, variables=extra_vars)
    assert result.rc != 0
    assert not result.task(TRUST_CA_STEP).get("failed")
    refusal = result.task(ENROLL_CA_STEP)
    assert refusal.get("failed") and "no CA was found in %s" % empty_ca in refusal["msg"], refusal
    assert not os.path.exists(empty_ca) or not os.listdir(empty_ca)
    assert {host: fleet.certificate(host).serial_number for host in HOSTS} == before


def test_check_mode_onboard_changes_nothing(fleet, onboarded):
    checked = fleet.run("onboard", check=True)
    assert checked.rc == 0, checked.explain()
    assert checked.changed == 0


def test_rotate_reissues_every_certificate_and_access_still_works(fleet, onboarded):
    before = {host: fleet.certificate(host).serial_number for host in HOSTS}
    rotated = fleet.run("rotate", extra_vars={"rolesanywhere_rotate_batch": 2})
    assert rotated.rc == 0, rotated.explain()
    for host in HOSTS:
        assert fleet.certificate(host).serial_number != before[host]
        assert "fleet-analytics" in rotated.action("verify_access", host)["clusters"]


def test_a_batch_that_fails_verification_stops_the_rotation(fleet, onboarded):
    """Batches of one in inventory order: web-1 cannot be verified, so web-2 and db-1 keep their certificates."""
    # The AWS CLI path moves from the extra vars (which would override any host) to each host; web-1's is wrong.
    extra_vars = dict(fleet.variables, rolesanywhere_rotate_batch=1)
    aws_cli = extra_vars.pop("rolesanywhere_awscli_path")
    # web-1 is verified with the AWS CLI (the default SDK client would not need it), which is not there.
    broken = {"rolesanywhere_awscli_path": "/nonexistent/aws", "rolesanywhere_verify_client": "cli"}
    inventory = fleet.inventory_with(
        {host: broken if host == "web-1" else {"rolesanywhere_awscli_path": aws_cli} for host in HOSTS}
    )
    before = {host: fleet.certificate(host).serial_number for host in HOSTS}
    rotated = fleet.run("rotate", inventory=inventory, variables=extra_vars)
    assert rotated.rc != 0
    assert rotated.stats["web-1"]["failures"] == 1, rotated.explain()
    assert fleet.certificate("web-1").serial_number != before["web-1"]
    for untouched in ("web-2", "db-1"):
        assert untouched not in rotated.stats
        assert fleet.certificate(untouched).serial_number == before[untouched]


def test_offboard_removes_the_profile_and_revokes_only_that_host(fleet, localaws, onboarded):
    leaving = "db-1"
    leaving_serial = fleet.certificate(leaving).serial_number
    # No localhost in the limit: the revocation runs on the controller from within the host's play.
    offboarded = fleet.run("offboard", extra_args=("--limit", leaving))
    assert offboarded.rc == 0, offboarded.explain()

    assert not fleet.config(leaving).has_section("profile " + PROFILE)
    assert not os.path.exists(fleet.cert_file(leaving, "private-key.pem"))
    assert leaving_serial in revoked_serials(localaws)

    remaining = fleet.run("verify", extra_args=("--limit", ",".join(h for h in HOSTS if h != leaving)))
    assert remaining.rc == 0, remaining.explain()


def test_offboarding_an_unreachable_host_still_revokes_it(fleet, localaws, onboarded):
    gone = "web-2"
    gone_serial = fleet.certificate(gone).serial_number
    # Nothing listens on port 9: the host is as good as dead.
    inventory = fleet.inventory_with(
        {gone: {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 9}}
    )
    run_playbook(
        "hybridcloud.rolesanywhere.offboard",
        tmp_path=fleet.directory,
        inventory=inventory,
        extra_vars=fleet.variables,
        env=fleet.env,
        limit=gone,
    )
    assert gone_serial in revoked_serials(localaws)
    # Its files could not be touched; they are still there.
    assert os.path.exists(fleet.cert_file(gone, "private-key.pem"))


def workload_call(fleet, host):
    """What a workload on ``host`` runs: the AWS CLI through its profile, with no credentials but the profile's."""
    env = {key: value for key, value in fleet.env.items() if not key.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=os.path.join(local_fleet.host_root(fleet.directory, host), "aws", "config"),
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    env["PATH"] = local_fleet.PYTHON_BIN + os.pathsep + os.environ.get("PATH", "")
    return subprocess.run(
        [
            os.path.join(local_fleet.PYTHON_BIN, "aws"),
            "sts",
            "get-caller-identity",
            "--profile",
            PROFILE,
            "--region",
            localaws_region(fleet),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def localaws_region(fleet):
    return fleet.variables["rolesanywhere_region"]


def ca_state(fleet):
    """The CA directory's revocation files, to prove that a refused revoke wrote nothing."""
    state = {}
    for name in ("crl.pem", "revoked.json", "issued.json"):
        path = os.path.join(fleet.variables["rolesanywhere_ca_path"], name)
        state[name] = open(path, "rb").read() if os.path.exists(path) else None  # pylint: disable=consider-using-with
    return state


def test_revoke_takes_effect_at_the_next_call(fleet, localaws, onboarded):
    """After revoke.yml the revoked host's next credential request is refused; verify does not pass on a cache."""
    back = fleet.run("onboard", extra_args=("--limit", "db-1,localhost"))  # offboarded above; a healthy neighbour again
    assert back.rc == 0, back.explain()
    revoked, neighbour = "web-1", "db-1"
    cache_dir = os.path.join(str(fleet.directory), "cache", "hybridcloud-rolesanywhere")
    assert workload_call(fleet, revoked).returncode == 0  # a fresh cache entry, as a busy workload has

    # Names and serials that match nothing: one error naming them, and nothing written or imported.
    crls_before, ca_before = localaws.client("rolesanywhere").list_crls()["crls"], ca_state(fleet)
    refused = fleet.run("revoke", extra_vars={"rolesanywhere_revoke": [revoked, "web-9", "4242"]})
    assert refused.rc != 0
    assert "'4242', 'web-9' match nothing this CA knows" in refused.explain()
    assert localaws.client("rolesanywhere").list_crls()["crls"] == crls_before
    assert ca_state(fleet) == ca_before

    serial = fleet.certificate(revoked).serial_number
    kept_cache = str(fleet.directory / "kept-cache")
    shutil.copytree(cache_dir, kept_cache)
    revoke = fleet.run(
        "revoke", extra_vars={"rolesanywhere_revoke": [revoked], "rolesanywhere_credential_cache_dir": cache_dir}
    )
    assert revoke.rc == 0, revoke.explain()
    assert serial in revoked_serials(localaws)
    assert not os.path.exists(cache_dir)
    denied = workload_call(fleet, revoked)
    assert denied.returncode != 0 and "AccessDenied" in denied.stderr, denied.stderr

    # A host the revocation could not reach keeps its cache; verify asks the service all the same.
    shutil.copytree(kept_cache, cache_dir, dirs_exist_ok=True)
    verified = fleet.run("verify", extra_args=("--limit", "%s,%s" % (revoked, neighbour)))
    assert verified.rc != 0
    assert verified.action("verify_access", revoked)["diagnosis"]["code"] == "certificate_revoked"
    assert verified.action("verify_access", neighbour)["ok"] is True, verified.action("verify_access", neighbour)
    assert workload_call(fleet, revoked).returncode != 0  # the refused refresh dropped the cached credentials


def test_revoke_can_end_the_sessions_already_issued(fleet, localaws, onboarded):
    """rolesanywhere_revoke_active_sessions: IAM's deny policy on the role, after the CRL, and every host's cache cleared."""
    revoked = "web-1"
    # The hosts of this fleet share one cache directory; here each gets its own, to show that every host's is cleared.
    caches = {host: fleet.directory / ("cache-" + host) / "hybridcloud-rolesanywhere" for host in HOSTS}
    for directory in caches.values():
        directory.mkdir(parents=True)
        (directory / "entry.json").write_text("{}")
    inventory = fleet.inventory_with(
        {host: {"rolesanywhere_credential_cache_dir": str(caches[host])} for host in HOSTS}
    )
    started = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    revoke = run_playbook(
        "hybridcloud.rolesanywhere.revoke",
        tmp_path=fleet.directory,
        inventory=inventory,
        env=fleet.env,
        extra_vars=dict(fleet.variables, rolesanywhere_revoke=[revoked], rolesanywhere_revoke_active_sessions=True),
    )
    assert revoke.rc == 0, revoke.explain()
    assert not any(directory.exists() for directory in caches.values())

    iam = localaws.client("iam")
    document = iam.get_role_policy(RoleName="fleet-redshift-reader", PolicyName="AWSRevokeOlderSessions")[
        "PolicyDocument"
    ]
    (statement,) = document["Statement"]
    assert (statement["Effect"], statement["Action"], statement["Resource"]) == ("Deny", ["*"], ["*"])
    cutoff = datetime.datetime.strptime(
        statement["Condition"]["DateLessThan"]["aws:TokenIssueTime"], "%Y-%m-%dT%H:%M:%SZ"
    )
    assert (
        started
        <= cutoff.replace(tzinfo=datetime.timezone.utc)
        <= datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)
    )
    names = [result["task"] for result in revoke.results if result["host"] == "localhost"]
    assert names.index("Import or update the CRL in IAM Roles Anywhere") < names.index(
        "Deny each role to every session issued before that moment"
    )
    # moto evaluates no DateLessThan (it takes the condition as met), so with the policy in place it would refuse new
    # sessions too, unlike IAM. Only the policy is checked here; it is removed again for whatever runs next.
    iam.delete_role_policy(RoleName="fleet-redshift-reader", PolicyName="AWSRevokeOlderSessions")
