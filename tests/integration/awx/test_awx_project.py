"""examples/awx is an AWX project: every job template runs a playbook of the project, surveys and the credential
type's injectors set only variables that something reads, and the controller configuration is valid."""

import os
import subprocess

import jinja2
import yaml

from support import local_fleet
from support.ansible_run import BIN, COLLECTIONS_ROOT, REPO, write_yaml

PROJECT = os.path.join(REPO, "examples", "awx")
HOSTS = ["awx-1", "awx-2"]


def definitions():
    class UnsafeLoader(yaml.SafeLoader):
        pass

    # Ansible's !unsafe marks text it must not template; for this test it is plain text.
    UnsafeLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))
    with open(os.path.join(PROJECT, "controller", "definitions.yml"), encoding="utf-8") as handle:
        return yaml.load(handle, Loader=UnsafeLoader)  # noqa: S506 - a SafeLoader subclass


def role_variables():
    """Every variable the collection's roles declare in their argument specs."""
    names = set()
    for role in os.listdir(os.path.join(REPO, "roles")):
        with open(os.path.join(REPO, "roles", role, "meta", "argument_specs.yml"), encoding="utf-8") as handle:
            for entry_point in yaml.safe_load(handle)["argument_specs"].values():
                names |= set(entry_point.get("options", {}))
    return names


def inject(credential_type, inputs):
    """The extra variables AWX's injector gives a job for a credential of this type with these inputs."""
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return {
        name: environment.from_string(template).render(**inputs)
        for name, template in credential_type["injectors"]["extra_vars"].items()
    }


def test_every_job_template_runs_a_playbook_of_the_project_that_passes_syntax_check(tmp_path):
    templates = definitions()["rolesanywhere_awx_job_templates"]
    assert {template["playbook"] for template in templates} == {
        "onboard.yml",
        "verify.yml",
        "rotate.yml",
        "revoke.yml",
        "offboard.yml",
    }
    env = {"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_ROOT, "PATH": BIN + os.pathsep + os.environ["PATH"]}
    inventory = write_yaml(tmp_path, "inventory.yml", local_fleet.inventory(tmp_path, HOSTS))
    for playbook in [template["playbook"] for template in templates] + ["configure_controller.yml"]:
        checked = subprocess.run(
            [os.path.join(BIN, "ansible-playbook"), "--syntax-check", "-i", inventory, playbook],
            cwd=PROJECT,
            env=dict(os.environ, **env),
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, (playbook, checked.stdout + checked.stderr)


def test_surveys_and_injectors_set_only_variables_that_something_reads():
    declared = role_variables()
    playbook_variables = {"rolesanywhere_revoke", "rolesanywhere_rotate_batch", "rolesanywhere_revoke_active_sessions"}
    for template in definitions()["rolesanywhere_awx_job_templates"]:
        for question in template.get("survey_spec", {}).get("spec", []):
            variable = question["variable"]
            if variable.startswith("survey_"):
                with open(os.path.join(PROJECT, template["playbook"]), encoding="utf-8") as handle:
                    assert variable in handle.read(), (template["name"], variable)
            else:
                assert variable in declared | playbook_variables, (template["name"], variable)
    (ca_type,) = definitions()["rolesanywhere_awx_credential_types"]
    assert set(ca_type["injectors"]["extra_vars"]) <= declared
    secret_fields = {field["id"] for field in ca_type["inputs"]["fields"] if field.get("secret")}
    assert {"ca_private_key_pem", "ca_passphrase", "intermediate_private_key_pem"} <= secret_fields
