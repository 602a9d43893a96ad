"""The CA from variables, as an AWX credential injects it, over two ansible-runner jobs whose private data directories
(and CA directories) start empty: both jobs use the same CA and trust anchor, the second changes nothing, and the CA
key is written nowhere and shows up in no job record."""

import glob
import os

import ansible_runner
from test_ansible_runner import job_record, write

from support import local_fleet
from support.ansible_run import BIN, COLLECTIONS_ROOT
from support.x509 import DAY, NOW, Authority, key_pem

HOSTS = ["pem-1", "pem-2"]
PASSPHRASE = "pem-source passphrase 41c9"


def ca_as_pem():
    """A CA that lives only in a credential store: certificate and encrypted key as text."""
    # Ten years, as a real CA: host certificates end with their CA, and one ending within the renewal window is re-issued.
    authority = Authority("Credential Store CA", not_after=NOW + 3650 * DAY)
    return authority.pem, key_pem(authority.key, passphrase=PASSPHRASE)


def run_job(job_dir, localaws, hosts_state, credential):
    """One AWX job: a fresh private data directory, the CA credential injected as extra variables."""
    write(
        os.path.join(job_dir, "project"),
        "onboard.yml",
        [{"ansible.builtin.import_playbook": "hybridcloud.rolesanywhere.onboard"}],
    )
    write(os.path.join(job_dir, "inventory"), "hosts.yml", local_fleet.inventory(hosts_state, HOSTS))
    extra_vars = local_fleet.variables(
        localaws,
        hosts_state,
        rolesanywhere_trust_anchor_name="pem-anchor",
        rolesanywhere_profile_name="pem-profile",
        rolesanywhere_role_name="pem-redshift-reader",
        rolesanywhere_ca_path=os.path.join(job_dir, "records"),
        **credential,
    )
    write(os.path.join(job_dir, "env"), "extravars", extra_vars)
    # The hosts' own state (their credential cache among it) persists between jobs, as real hosts' does.
    envvars = local_fleet.environment(localaws, hosts_state)
    envvars.update({"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_ROOT, "PATH": BIN + os.pathsep + os.environ["PATH"]})
    write(os.path.join(job_dir, "env"), "envvars", envvars)
    run = ansible_runner.run(private_data_dir=job_dir, playbook="onboard.yml", ident="onboard", quiet=True)
    assert (run.status, run.rc) == ("successful", 0), run.stdout.read()[-3000:]
    return run


def test_two_jobs_with_empty_environments_share_the_ca_from_variables(localaws, tmp_path):
    localaws.client("redshift").create_cluster(
        ClusterIdentifier="pem-analytics",
        NodeType="ra3.xlplus",
        MasterUsername="admin",
        MasterUserPassword="Pem-test-Passw0rd",
        ClusterType="single-node",
    )
    certificate_pem, key_pem = ca_as_pem()
    credential = {
        "rolesanywhere_ca_certificate_pem": certificate_pem,
        "rolesanywhere_ca_private_key_pem": key_pem,
        "rolesanywhere_ca_passphrase": PASSPHRASE,
    }
    hosts_state = str(tmp_path / "hosts-state")

    first = run_job(str(tmp_path / "job-1"), localaws, hosts_state, credential)
    second = run_job(str(tmp_path / "job-2"), localaws, hosts_state, credential)

    changed = [
        (event["event_data"]["host"], event["event_data"]["task"])
        for event in second.events
        if event["event"] == "runner_on_ok" and event["event_data"]["res"].get("changed")
    ]
    assert changed == [], changed
    anchors = [
        a
        for a in localaws.client("rolesanywhere")
        .get_paginator("list_trust_anchors")
        .paginate()
        .build_full_result()["trustAnchors"]
        if a["name"] == "pem-anchor"
    ]
    assert len(anchors) == 1
    assert anchors[0]["source"]["sourceData"]["x509CertificateData"].strip() == certificate_pem.strip()
    for run in (first, second):
        verified = [
            event["event_data"]["res"]
            for event in run.events
            if event["event"] == "runner_on_ok" and event["event_data"].get("task_action", "").endswith("verify_access")
        ]
        assert sorted(result["ok"] for result in verified) == [True] * len(HOSTS)
        record = "\n".join(job_record(run.config.artifact_dir))
        assert "PRIVATE KEY" not in record and PASSPHRASE not in record
    # The CA key was never written: no key file in either job's directories, only the records of issued certificates.
    assert not glob.glob(str(tmp_path / "job-*" / "records" / "*.key"))
    assert not glob.glob(str(tmp_path / "job-*" / "records" / "*.crt"))
