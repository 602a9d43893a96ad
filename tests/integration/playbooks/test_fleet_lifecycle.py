"""The playbooks end to end against the stand-in: onboard -> again (changed=0) -> verify -> rotate -> offboard.

Three local hosts, each with its own directories; the real AWS CLI runs on each through its credential_process
profile. One module-scoped fleet so the life cycle is tested in order, like an operator would run it.
"""

import configparser
import copy
import os

import pytest
from cryptography import x509

from support import local_fleet
from support.ansible_run import run_playbook

HOSTS = ["web-1", "web-2", "db-1"]
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
        ClusterIdentifier="fleet-analytics", NodeType="ra3.xlplus", MasterUsername="admin",
        MasterUserPassword="Fleet-test-Passw0rd", ClusterType="single-node")
    names = {"rolesanywhere_trust_anchor_name": "fleet-anchor", "rolesanywhere_profile_name": "fleet-profile",
             "rolesanywhere_role_name": "fleet-redshift-reader", "rolesanywhere_aws_profile": PROFILE}

    class Fleet:
        directory = root
        inventory = local_fleet.inventory(root, HOSTS)
        variables = local_fleet.variables(localaws, root, **names)
        env = local_fleet.environment(localaws, root)

        def run(self, playbook, **kwargs):
            extra_vars = dict(self.variables, **kwargs.pop("extra_vars", {}))
            return run_playbook("hybridcloud.rolesanywhere." + playbook, tmp_path=root, inventory=self.inventory,
                                extra_vars=extra_vars, env=self.env, **kwargs)

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
    inventory = fleet.inventory_with({host: {"rolesanywhere_awscli_path": "/nonexistent/aws" if host == "web-1" else aws_cli}
                                      for host in HOSTS})
    before = {host: fleet.certificate(host).serial_number for host in HOSTS}
    rotated = run_playbook("hybridcloud.rolesanywhere.rotate", tmp_path=fleet.directory, inventory=inventory,
                           extra_vars=extra_vars, env=fleet.env)
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
    inventory = fleet.inventory_with({gone: {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 9}})
    run_playbook("hybridcloud.rolesanywhere.offboard", tmp_path=fleet.directory, inventory=inventory,
                 extra_vars=fleet.variables, env=fleet.env, limit=gone)
    assert gone_serial in revoked_serials(localaws)
    # Its files could not be touched; they are still there.
    assert os.path.exists(fleet.cert_file(gone, "private-key.pem"))
