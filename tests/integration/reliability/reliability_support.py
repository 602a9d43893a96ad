"""What every reliability case checks: a clear refusal (or convergence), no traceback, no unintended change, no secret.

Snapshots cover both sides a run could change: the files under the hosts' root (path, type, mode, owner, SHA-256 of
the content or the link target) and the stand-in's resources (trust anchors, profiles, CRLs, subjects, IAM roles with
their policies), each compared before and after.
"""

import hashlib
import json
import os

TRACEBACK = "Traceback (most recent call last)"


def file_snapshot(root, exclude=()):
    """Path -> (mode, uid, gid, SHA-256 of content or link target) for every entry under ``root``."""
    state = {}
    for directory, directories, files in os.walk(str(root)):
        directories[:] = [name for name in directories if os.path.join(directory, name) not in exclude]
        for path in [directory] + [os.path.join(directory, name) for name in directories + files]:
            info = os.lstat(path)
            if os.path.islink(path):
                digest = "link:" + os.readlink(path)
            elif os.path.isfile(path):
                with open(path, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
            else:
                digest = None
            state[path] = (info.st_mode, info.st_uid, info.st_gid, digest)
    return state


def _pages(client, operation, key):
    items, token = [], None
    while True:
        page = getattr(client, operation)(**({"nextToken": token} if token else {}))
        items.extend(page[key])
        token = page.get("nextToken")
        if not token:
            return items


def aws_snapshot(server):
    """The stand-in's resources as comparable JSON text (timestamps included: an update moves them)."""
    api = server.client("rolesanywhere")
    iam = server.client("iam")
    roles = {}
    for role in iam.get_paginator("list_roles").paginate().build_full_result()["Roles"]:
        name = role["RoleName"]
        roles[name] = {
            "role": role,
            "inline": {
                policy: iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
                for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]
            },
        }
    state = {
        "trust_anchors": _pages(api, "list_trust_anchors", "trustAnchors"),
        "profiles": _pages(api, "list_profiles", "profiles"),
        "crls": _pages(api, "list_crls", "crls"),
        "roles": roles,
    }
    return json.dumps(state, sort_keys=True, default=str)


def changed_paths(before, after):
    return sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))


def record(request, outcome, traceback=False, unintended_change=False):
    """Put the case's outcome where the summary plugin counts it (recorded before the assertions run)."""
    request.node.user_properties.append(("reliability_outcome", outcome))
    request.node.user_properties.append(("reliability_traceback", traceback))
    request.node.user_properties.append(("reliability_unintended_change", unintended_change))


def secrets_in(text, secrets):
    return [secret[:12] + "..." for secret in secrets if secret and secret in text]
