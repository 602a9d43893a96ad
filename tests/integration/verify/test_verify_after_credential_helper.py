"""The verify role proves the profile exactly as the credential_helper role writes it."""

import os
import sys

from verify_world import CLUSTER, World

from support.ansible_run import run_playbook

ROLE = "hybridcloud.rolesanywhere.verify : "


def test_verify_proves_the_profile_written_by_the_credential_helper_role(localaws, tmp_path):
    world = World(localaws, tmp_path, two_tier=True)
    install_dir = str(tmp_path / "helper-bin")
    config_file = str(tmp_path / "aws" / "config")
    variables = {
        "rolesanywhere_signing_helper": "python",
        "rolesanywhere_signing_helper_install_dir": install_dir,
        "rolesanywhere_python_interpreter": sys.executable,
        "rolesanywhere_trust_anchor_arn": world.trust_anchor["trustAnchorArn"],
        "rolesanywhere_profile_arn": world.profile["profileArn"],
        "rolesanywhere_role_arn": world.role_arn,
        "rolesanywhere_certificate_path": world.cert_path,
        "rolesanywhere_private_key_path": world.key_path,
        "rolesanywhere_intermediates_path": world.chain_path,
        "rolesanywhere_aws_config_file": config_file,
        "rolesanywhere_region": localaws.region,
        "rolesanywhere_endpoint_url": localaws.endpoint,
        "rolesanywhere_awscli_path": os.path.join(os.path.dirname(sys.executable), "aws"),
    }
    play = [
        {
            "name": "credentials and proof",
            "hosts": "all",
            "gather_facts": False,
            "roles": [
                {"role": "hybridcloud.rolesanywhere.credential_helper"},
                {"role": "hybridcloud.rolesanywhere.verify"},
            ],
        }
    ]
    inventory = {
        "all": {"hosts": {"host1": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}
    }
    env = dict(localaws.env, XDG_CACHE_HOME=str(tmp_path / "cache"))
    result = run_playbook(play, tmp_path=tmp_path, inventory=inventory, extra_vars=variables, env=env)

    assert result.rc == 0, result.explain()
    outcome = result.task(ROLE + "Prove the AWS profile works as the service user", "host1")
    assert outcome["ok"] is True
    assert outcome["config_file"] == config_file
    assert outcome["helper"].startswith(install_dir)
    assert outcome["findings"] == []
    assert CLUSTER in outcome["clusters"]
    assert outcome["role_arn"] == world.role_arn
