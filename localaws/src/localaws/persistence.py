"""The stand-in's state in a JSON file, so that a stand-in killed and started again serves what it served before.

What is kept: every Roles Anywhere resource, tag, subject and session record (the Store), the administrator's access
key (so clients keep working), and moto's IAM roles with their inline and attached policies (what the trust role
creates). Other moto state (users other than the administrator, Redshift clusters) starts empty again.

The file is written after every request that may change state, to a temporary file in the same directory that is
flushed, synced and renamed over the old one: a kill at any instant leaves the previous or the new state, never half.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import tempfile
import threading

from moto.iam.models import iam_backends

FORMAT_VERSION = 1
STORE_FIELDS = ("trust_anchors", "profiles", "crls", "subjects", "tags")


def _encode(value):
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    return value


def _decode(value):
    if isinstance(value, dict):
        if set(value) == {"$datetime"}:
            return datetime.datetime.fromisoformat(value["$datetime"])
        if set(value) == {"$bytes"}:
            return base64.b64decode(value["$bytes"])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def _iam_roles(account_id):
    backend = iam_backends[account_id]["aws"]
    roles = []
    for role in backend.get_roles():
        roles.append(
            {
                "id": role.id,
                "create_date": role.create_date.isoformat(),
                "name": role.name,
                "path": role.path,
                "description": role.description,
                "assume_role_policy_document": role.assume_role_policy_document,
                "max_session_duration": role.max_session_duration,
                "inline_policies": dict(role.policies),
                "managed_policy_arns": sorted(role.managed_policies),
            }
        )
    return roles


def _restore_iam_roles(account_id, roles):
    backend = iam_backends[account_id]["aws"]
    for role in roles:
        created = backend.create_role(
            role_name=role["name"],
            assume_role_policy_document=role["assume_role_policy_document"],
            path=role["path"],
            permissions_boundary=None,
            description=role["description"],
            tags=[],
            max_session_duration=role["max_session_duration"],
        )
        # The same id and creation date as before the restart: clients compare them.
        del backend.roles[created.id]
        created.id = role["id"]
        created.create_date = datetime.datetime.fromisoformat(role["create_date"])
        backend.roles[created.id] = created
        for name, document in role["inline_policies"].items():
            backend.put_role_policy(role["name"], name, document)
        for arn in role["managed_policy_arns"]:
            try:
                backend.attach_role_policy(arn, role["name"])
            except Exception:  # pylint: disable=broad-except
                # A customer managed policy is not kept; the role keeps what can be restored.
                pass


class StateFile:
    """Saves and loads the stand-in's state at one path."""

    def __init__(self, path, store, administrator):
        self.path = os.path.abspath(path)
        self.store = store
        self.administrator = administrator
        self._lock = threading.Lock()

    def document(self) -> dict:
        with self.store.lock:
            store = {name: _encode(getattr(self.store, name)) for name in STORE_FIELDS}
            store["session_log"] = _encode(self.store.session_log)
            store["clock_shift_seconds"] = self.store.clock_shift_seconds
        return {
            "version": FORMAT_VERSION,
            "account_id": self.store.account_id,
            "region": self.store.region,
            "administrator": {
                "access_key_id": self.administrator["access_key_id"],
                "secret_access_key": self.administrator["secret_access_key"],
            },
            "store": store,
            "iam_roles": _iam_roles(self.store.account_id),
        }

    def save(self) -> None:
        text = json.dumps(self.document(), sort_keys=True)
        directory = os.path.dirname(self.path)
        with self._lock:
            handle, temporary = tempfile.mkstemp(prefix=".localaws-state-", dir=directory)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    stream.write(text)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                if os.path.exists(temporary):
                    os.unlink(temporary)
                raise

    @staticmethod
    def read(path: str) -> dict | None:
        """The saved document at ``path``, or None when there is no file yet."""
        try:
            with open(path, encoding="utf-8") as stream:
                document = json.load(stream)
        except FileNotFoundError:
            return None
        if document.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path} is not a state file of this stand-in (version {document.get('version')!r})")
        return document

    def restore(self, document: dict) -> None:
        """Put the saved Roles Anywhere resources and IAM roles back (the administrator is seeded by the caller)."""
        saved = document["store"]
        with self.store.lock:
            for name in STORE_FIELDS:
                target = getattr(self.store, name)
                target.clear()
                target.update(_decode(saved.get(name) or {}))
            self.store.session_log[:] = _decode(saved.get("session_log") or [])
            self.store.clock_shift_seconds = float(saved.get("clock_shift_seconds") or 0.0)
        _restore_iam_roles(self.store.account_id, document.get("iam_roles") or [])
