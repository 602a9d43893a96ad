"""A fleet of "hosts" on this machine: local connection, each with its own directories, for the stand-in."""

import getpass
import os
import sys

PYTHON_BIN = os.path.dirname(sys.executable)


def host_root(root, host):
    return os.path.join(str(root), "hosts", host)


def inventory(root, hosts, group="rolesanywhere_hosts"):
    """Inventory data: each host keeps its certificates, AWS config and helper under root/hosts/<host>."""
    members = {}
    for host in hosts:
        base = host_root(root, host)
        members[host] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "rolesanywhere_cert_dir": os.path.join(base, "certs"),
            "rolesanywhere_aws_config_file": os.path.join(base, "aws", "config"),
            "rolesanywhere_signing_helper_install_dir": os.path.join(base, "bin"),
        }
    return {"all": {"children": {group: {"hosts": members}}}}


def variables(server, root, **overrides):
    """Onboarding variables that point every role at the stand-in ``server`` and keep state under ``root``."""
    values = {
        "rolesanywhere_region": server.region,
        "rolesanywhere_endpoint_url": server.endpoint,
        "rolesanywhere_ca_path": os.path.join(str(root), "ca"),
        "rolesanywhere_service_user": getpass.getuser(),
        "rolesanywhere_signing_helper": "python",
        "rolesanywhere_awscli_path": os.path.join(PYTHON_BIN, "aws"),
    }
    values.update(overrides)
    return values


def environment(server, root):
    """Process environment: the stand-in's administrator for the controller; Ansible and cache state under ``root``."""
    env = dict(server.env)
    env.update(
        {
            "ANSIBLE_HOME": os.path.join(str(root), "ansible"),
            "ANSIBLE_LOCAL_TEMP": os.path.join(str(root), "ansible", "tmp"),
            "ANSIBLE_REMOTE_TEMP": os.path.join(str(root), "ansible", "remote-tmp"),
            "XDG_CACHE_HOME": os.path.join(str(root), "cache"),
            # One process per task instead of copying each module to a temporary file first.
            "ANSIBLE_PIPELINING": "True",
        }
    )
    return env
