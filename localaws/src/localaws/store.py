"""In-memory state of the Roles Anywhere emulation, shared by the control plane and CreateSession.

Every resource is kept as a dict in the API's own output shape (camelCase keys, datetimes as aware datetimes,
blobs as bytes), so the control plane can serialize it with the service model and CreateSession can read it
without translation. Callers hold `lock` while they read-modify-write.

    trust_anchors  id -> TrustAnchorDetail (source, enabled, notificationSettings, createdAt, updatedAt, ...)
    profiles       id -> ProfileDetail (roleArns, enabled, durationSeconds, acceptRoleSessionName,
                   attributeMappings, sessionPolicy, managedPolicyArns, ...)
    crls           id -> CrlDetail (crlData as the imported PEM bytes, trustAnchorArn, enabled, ...)
    subjects       id -> SubjectDetail, written by CreateSession
    tags           resource ARN -> [{"key", "value"}]
    session_log    one dict per CreateSession outcome, oldest first
"""

from __future__ import annotations

import datetime
import threading

PARTITION = "aws"


class Store:
    """State of one account and region."""

    def __init__(self, account_id, region):
        self.account_id = account_id
        self.region = region
        self.lock = threading.RLock()
        self.clock_shift_seconds = 0.0
        self.trust_anchors = {}
        self.profiles = {}
        self.crls = {}
        self.subjects = {}
        self.tags = {}
        self.session_log = []

    def reset(self) -> None:
        """Forget every resource, tag, session record and clock shift."""
        with self.lock:
            self.clock_shift_seconds = 0.0
            self.trust_anchors.clear()
            self.profiles.clear()
            self.crls.clear()
            self.subjects.clear()
            self.tags.clear()
            del self.session_log[:]

    def set_clock_shift(self, seconds: float) -> None:
        """Make the emulated clock run `seconds` ahead of real time (negative: behind). Not cumulative."""
        with self.lock:
            self.clock_shift_seconds = float(seconds)

    def now(self) -> datetime.datetime:
        """Current time as the service sees it: aware UTC, including the injected clock shift."""
        shift = datetime.timedelta(seconds=self.clock_shift_seconds)
        return datetime.datetime.now(datetime.timezone.utc) + shift

    def arn(self, resource_type: str, resource_id: str) -> str:
        """ARN of a Roles Anywhere resource, e.g. arn(`trust-anchor`, uuid)."""
        return f"arn:{PARTITION}:rolesanywhere:{self.region}:{self.account_id}:{resource_type}/{resource_id}"

    def alias_arn(self, resource_type: str, alias_name: str) -> str:
        return f"arn:{PARTITION}:rolesanywhere:{self.region}:{self.account_id}:alias/{resource_type}/{alias_name}"
