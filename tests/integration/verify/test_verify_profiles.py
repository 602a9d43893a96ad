"""Several profiles on one host, proven by including the role once per profile as docs/verify.md shows."""

import os
import sys

from verify_world import PROFILE_NAME, World

from support.ansible_run import run_playbook
from support.x509 import write_file


def test_each_profile_of_a_host_is_proven_on_its_own(localaws, tmp_path):
    world = World(localaws, tmp_path)
    good = "[profile {0}]\nregion = {1}\nendpoint_url = {2}\ncredential_process = {3}\n".format(
        PROFILE_NAME, localaws.region, localaws.endpoint, world.credential_process()
    )
    write_file(world.config_path, good + "\n[profile second]\nregion = {0}\n".format(localaws.region), 0o600)
    include = {
        "name": "Prove every profile of the host",
        "ansible.builtin.include_role": {"name": "hybridcloud.rolesanywhere.verify"},
        "vars": {
            "rolesanywhere_aws_profile": "{{ profile.aws_profile }}",
            "rolesanywhere_service_user": "{{ profile.service_user | default('') }}",
            "rolesanywhere_aws_config_file": "{{ profile.aws_config_file | default('') }}",
        },
        "loop": "{{ rolesanywhere_profiles }}",
        "loop_control": {"loop_var": "profile"},
    }
    play = [{"name": "verify every profile", "hosts": "all", "gather_facts": False, "tasks": [include]}]
    inventory = {
        "all": {"hosts": {"host1": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}
    }
    variables = {
        "rolesanywhere_region": localaws.region,
        "rolesanywhere_awscli_path": os.path.join(os.path.dirname(sys.executable), "aws"),
        "rolesanywhere_verify_fail": False,
        "rolesanywhere_profiles": [
            {"aws_profile": PROFILE_NAME, "aws_config_file": world.config_path},
            {"aws_profile": "second", "aws_config_file": world.config_path},
        ],
    }
    env = dict(localaws.env, XDG_CACHE_HOME=str(tmp_path / "cache"))
    result = run_playbook(play, tmp_path=tmp_path, inventory=inventory, extra_vars=variables, env=env)

    assert result.rc == 0, result.explain()
    outcomes = [
        entry["result"] for entry in result.results if entry["action"] == "hybridcloud.rolesanywhere.verify_access"
    ]
    assert [(outcome["profile"], outcome["ok"]) for outcome in outcomes] == [(PROFILE_NAME, True), ("second", False)]
    assert outcomes[1]["diagnosis"]["code"] == "credential_process_missing"
