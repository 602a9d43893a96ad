"""The onboard playbook run the way AWX and Automation Controller run it: ansible-runner over a private data directory.

The secrets arrive the way credential types inject them: the AWS keys as environment variables (env/envvars), the CA
key passphrase as an extra variable (env/extravars). The job's events and output, which the controller stores and
shows, must carry none of them, and no private key.
"""

import glob
import os
import stat

import ansible_runner

from support import local_fleet
from support.ansible_run import BIN, COLLECTIONS_ROOT, write_yaml

HOSTS = ["runner-1", "runner-2"]
PASSPHRASE = "runner-test CA passphrase 7f3c"
# moto's STS mints every session token with this prefix.
SESSION_TOKEN_PREFIX = "FQoGZXIvYXdzEBYaD"


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    write_yaml(directory, name, data)


def private_data_dir(path, localaws, state):
    """What AWX writes for a job: project, inventory, extra vars and environment from the job's credentials."""
    write(
        os.path.join(path, "project"),
        "onboard.yml",
        [{"ansible.builtin.import_playbook": "hybridcloud.rolesanywhere.onboard"}],
    )
    write(os.path.join(path, "inventory"), "hosts.yml", local_fleet.inventory(state, HOSTS))
    extra_vars = local_fleet.variables(
        localaws,
        state,
        rolesanywhere_trust_anchor_name="runner-anchor",
        rolesanywhere_profile_name="runner-profile",
        rolesanywhere_role_name="runner-redshift-reader",
        rolesanywhere_ca_passphrase=PASSPHRASE,
    )
    write(os.path.join(path, "env"), "extravars", extra_vars)
    envvars = local_fleet.environment(localaws, state)
    envvars.update({"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_ROOT, "PATH": BIN + os.pathsep + os.environ["PATH"]})
    write(os.path.join(path, "env"), "envvars", envvars)


def job_record(artifact_dir):
    """The job events and stdout: what the controller keeps and shows.

    ansible-runner also writes ``command``, its own 0600 record of the environment it was given (the credentials we
    injected ourselves); it is not job output, so it is checked for its mode instead.
    """
    texts = []
    for path in glob.glob(os.path.join(artifact_dir, "job_events", "*.json")) + [os.path.join(artifact_dir, "stdout")]:
        with open(path, encoding="utf-8") as handle:
            texts.append(handle.read())
    return texts


def test_onboard_through_ansible_runner_keeps_secrets_out_of_the_job_record(localaws, tmp_path):
    localaws.client("redshift").create_cluster(
        ClusterIdentifier="runner-analytics",
        NodeType="ra3.xlplus",
        MasterUsername="admin",
        MasterUserPassword="Runner-test-Passw0rd",
        ClusterType="single-node",
    )
    state, job = str(tmp_path / "state"), str(tmp_path / "job")
    private_data_dir(job, localaws, state)

    run = ansible_runner.run(private_data_dir=job, playbook="onboard.yml", ident="onboard", quiet=True)

    stdout = run.stdout.read()
    assert (run.status, run.rc) == ("successful", 0), stdout[-3000:]
    assert all(run.stats["failures"].get(host, 0) == 0 for host in HOSTS), run.stats
    verified = [
        event["event_data"]["res"]
        for event in run.events
        if event["event"] == "runner_on_ok" and event["event_data"].get("task_action", "").endswith("verify_access")
    ]
    assert sorted(result["ok"] for result in verified) == [True] * len(HOSTS)
    assert all("runner-analytics" in result["clusters"] for result in verified)

    record = "\n".join(job_record(run.config.artifact_dir))
    for secret in (PASSPHRASE, localaws.secret_access_key, SESSION_TOKEN_PREFIX, "PRIVATE KEY"):
        assert secret not in record, secret
    assert stat.S_IMODE(os.stat(os.path.join(run.config.artifact_dir, "command")).st_mode) == 0o600

    # The passphrase did reach the CA: its key is encrypted with it.
    with open(os.path.join(state, "ca", "ca.key"), encoding="utf-8") as handle:
        assert "ENCRYPTED PRIVATE KEY" in handle.read()
