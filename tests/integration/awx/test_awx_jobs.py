"""The AWX project's jobs, run as AWX runs them: ansible-runner over a fresh private data directory per job.

The execution environment starts empty at every job: the project is a copy of examples/awx, the CA arrives only
through the "Roles Anywhere CA" credential type's injectors (rendered from its inputs with the injector templates of
controller/definitions.yml), the AWS keys as environment variables, and survey answers as the text a survey sends.
"""

import copy
import os
import shutil

import ansible_runner
import pytest
from cryptography import x509
from test_awx_project import HOSTS, PROJECT, definitions, inject

from support import local_fleet
from support.ansible_run import BIN, COLLECTIONS_ROOT, run_module, write_yaml

NAMES = {
    "rolesanywhere_trust_anchor_name": "awx-anchor",
    "rolesanywhere_profile_name": "awx-profile",
    "rolesanywhere_role_name": "awx-redshift-reader",
}


@pytest.fixture(scope="module")
def ca_credential(tmp_path_factory):
    """The inputs a person types into the "Roles Anywhere CA" credential: an existing CA's certificate and key."""
    directory = tmp_path_factory.mktemp("awx-ca")
    created = run_module(
        "hybridcloud.rolesanywhere.certificate_authority", {"path": str(directory / "ca")}, tmp_path=directory
    )
    assert not created.get("failed"), created
    with open(directory / "ca" / "ca.key", encoding="utf-8") as handle:
        key = handle.read()
    return {"ca_certificate_pem": created["ca_certificate"], "ca_private_key_pem": key}


def launch(localaws, state, job_dir, playbook, survey=None, credential=None, limit=None):
    """One job as AWX runs it: a fresh private data directory and nothing left from earlier jobs but the hosts."""
    shutil.copytree(PROJECT, os.path.join(job_dir, "project"))
    os.makedirs(os.path.join(job_dir, "inventory"))
    write_yaml(os.path.join(job_dir, "inventory"), "hosts.yml", local_fleet.inventory(state, HOSTS))
    extra_vars = local_fleet.variables(localaws, state, **NAMES)
    # No CA directory survives between jobs: the execution environment starts empty every time.
    extra_vars["rolesanywhere_ca_path"] = os.path.join(job_dir, "empty-ca-dir")
    (ca_type,) = definitions()["rolesanywhere_awx_credential_types"]
    extra_vars.update(inject(ca_type, credential))
    extra_vars.update(survey or {})
    os.makedirs(os.path.join(job_dir, "env"))
    write_yaml(os.path.join(job_dir, "env"), "extravars", extra_vars)
    envvars = local_fleet.environment(localaws, state)
    envvars.update({"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_ROOT, "PATH": BIN + os.pathsep + os.environ["PATH"]})
    write_yaml(os.path.join(job_dir, "env"), "envvars", envvars)
    return ansible_runner.run(
        private_data_dir=job_dir, playbook=playbook, ident=playbook.split(".")[0], quiet=True, limit=limit
    )


def results(run, action):
    return {
        event["event_data"]["host"]: event["event_data"]["res"]
        for event in run.events
        if event["event"] in ("runner_on_ok", "runner_on_failed")
        and event["event_data"].get("task_action", "").endswith(action)
    }


def test_jobs_onboard_revoke_from_a_survey_and_verify(localaws, ca_credential, tmp_path):
    localaws.client("redshift").create_cluster(
        ClusterIdentifier="awx-analytics",
        NodeType="ra3.xlplus",
        MasterUsername="admin",
        MasterUserPassword="Awx-test-Passw0rd1",
        ClusterType="single-node",
    )
    state = str(tmp_path / "hosts")

    onboard = launch(localaws, state, str(tmp_path / "job-onboard"), "onboard.yml", credential=ca_credential)
    assert (onboard.status, onboard.rc) == ("successful", 0), onboard.stdout.read()[-3000:]
    assert all(result["ok"] for result in results(onboard, "verify_access").values())
    record = onboard.stdout.read()
    assert "PRIVATE KEY" not in record and ca_credential["ca_private_key_pem"].splitlines()[1] not in record

    # A survey sends text: " awx-2 , " must become ["awx-2"].
    revoke = launch(
        localaws,
        state,
        str(tmp_path / "job-revoke"),
        "revoke.yml",
        credential=ca_credential,
        survey={"survey_revoke": " awx-2 , ", "rolesanywhere_revoke_active_sessions": "false"},
    )
    assert (revoke.status, revoke.rc) == ("successful", 0), revoke.stdout.read()[-3000:]

    verify = launch(
        localaws, state, str(tmp_path / "job-verify"), "verify.yml", credential=copy.deepcopy(ca_credential)
    )
    verified = results(verify, "verify_access")
    assert verified["awx-1"].get("ok") is True, verified["awx-1"]
    assert not verified["awx-2"].get("ok"), verified["awx-2"]
    assert verify.status == "failed"
    (first_revoked,) = imported_crl_serials(localaws)

    # A later job revokes another certificate by its serial, again from an empty CA directory: the CRL it imports must
    # keep what the first job revoked (built from scratch, it would give awx-2 its access back).
    serial = host_certificate(state, "awx-1").serial_number
    second = launch(
        localaws,
        state,
        str(tmp_path / "job-revoke-2"),
        "revoke.yml",
        credential=copy.deepcopy(ca_credential),
        survey={"survey_revoke": "%X" % serial, "rolesanywhere_revoke_active_sessions": "false"},
    )
    assert (second.status, second.rc) == ("successful", 0), second.stdout.read()[-3000:]
    assert imported_crl_serials(localaws) == {first_revoked, serial}
    assert first_revoked == host_certificate(state, "awx-2").serial_number

    verify = launch(
        localaws, state, str(tmp_path / "job-verify-2"), "verify.yml", credential=copy.deepcopy(ca_credential)
    )
    verified = results(verify, "verify_access")
    assert not verified["awx-1"].get("ok") and not verified["awx-2"].get("ok"), verified


def imported_crl_serials(localaws):
    """The serials the CRL imported for the trust anchor revokes, as the stand-in holds it."""
    # By name: the worker's stand-in also holds the CRLs of the tests that ran before this one.
    pages = localaws.client("rolesanywhere").get_paginator("list_crls").paginate()
    (crl,) = [
        crl
        for page in pages
        for crl in page["crls"]
        if crl["name"] == NAMES["rolesanywhere_trust_anchor_name"] + "-crl"
    ]
    return {entry.serial_number for entry in x509.load_pem_x509_crl(crl["crlData"])}


def host_certificate(state, host):
    with open(os.path.join(local_fleet.host_root(state, host), "certs", "certificate.pem"), "rb") as handle:
        return x509.load_pem_x509_certificate(handle.read())
