"""Set-up for CreateSession tests: a CA, a trust anchor, a role and a profile, created through the stand-in's APIs.

Every world gets unique names, so tests share one stand-in without seeing each other's resources. Other suites
reset the stand-in's Roles Anywhere state between their tests, so a world belongs to one test (function scope).
Requests are signed at the service's clock, so a shift another test applies cannot turn them stale.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import urllib.request
import uuid

import pki_factory
import session_client

SERVICE_PRINCIPAL = "rolesanywhere.amazonaws.com"
SESSION_ACTIONS = ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]
# boto3 client creation dominates a world's set-up time; the administrator's clients are reused per stand-in.
_ADMIN_CLIENTS: dict[tuple[str, str], object] = {}
REDSHIFT_DESCRIBE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "redshift:DescribeClusters", "Resource": "*"}],
}


def admin_client(localaws, service: str):
    key = (localaws.endpoint, service)
    if key not in _ADMIN_CLIENTS:
        _ADMIN_CLIENTS[key] = localaws.client(service)
    return _ADMIN_CLIENTS[key]


def trust_policy(
    trust_anchor_arn: str, extra_conditions: dict | None = None, actions=None, extra_statements=()
) -> dict:
    """The trust policy the User Guide recommends: the service principal, bound to one trust anchor."""
    condition = {"ArnEquals": {"aws:SourceArn": trust_anchor_arn}}
    for operator, tests in (extra_conditions or {}).items():
        condition.setdefault(operator, {}).update(tests)
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": SERVICE_PRINCIPAL},
        "Action": actions or SESSION_ACTIONS,
        "Condition": condition,
    }
    return {"Version": "2012-10-17", "Statement": [statement, *extra_statements]}


class World:
    """One CA + trust anchor + role + profile; knobs to change each, and a way to send signed requests."""

    def __init__(self, localaws, key_type: str = "ec", ca: pki_factory.CertificateAuthority | None = None):
        self.localaws = localaws
        self.suffix = uuid.uuid4().hex[:10]
        self.iam = admin_client(localaws, "iam")
        self.rolesanywhere = admin_client(localaws, "rolesanywhere")
        self.ca = ca or pki_factory.CertificateAuthority.root(f"Test Root {self.suffix}", key_type=key_type)
        self.trust_anchor = self.create_trust_anchor(self.ca.certificate_pem)
        self.role_arn = self.create_role("reader", permissions=REDSHIFT_DESCRIBE)
        self.profile = self.create_profile([self.role_arn])

    @property
    def trust_anchor_arn(self) -> str:
        return self.trust_anchor["trustAnchorArn"]

    @property
    def profile_arn(self) -> str:
        return self.profile["profileArn"]

    def create_trust_anchor(
        self, bundle_pem: str | None = None, acm_pca_arn: str | None = None, enabled: bool = True
    ) -> dict:
        if acm_pca_arn:
            source = {"sourceType": "AWS_ACM_PCA", "sourceData": {"acmPcaArn": acm_pca_arn}}
        else:
            source = {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": bundle_pem}}
        return self.rolesanywhere.create_trust_anchor(name=f"anchor-{self.suffix}", source=source, enabled=enabled)[
            "trustAnchor"
        ]

    def create_role(
        self,
        name: str,
        *,
        policy: dict | None = None,
        permissions: dict | None = None,
        max_session_duration: int = 3600,
    ) -> str:
        role_name = f"{name}-{self.suffix}"
        document = policy or trust_policy(self.trust_anchor_arn)
        role = self.iam.create_role(
            RoleName=role_name, AssumeRolePolicyDocument=json.dumps(document), MaxSessionDuration=max_session_duration
        )["Role"]
        if permissions is not None:
            self.iam.put_role_policy(
                RoleName=role_name, PolicyName="permissions", PolicyDocument=json.dumps(permissions)
            )
        return role["Arn"]

    def create_profile(self, role_arns: list[str], **settings) -> dict:
        settings.setdefault("enabled", True)
        return self.rolesanywhere.create_profile(name=f"profile-{self.suffix}", roleArns=role_arns, **settings)[
            "profile"
        ]

    def import_crl(self, crl_pem: str, enabled: bool = True) -> dict:
        return self.rolesanywhere.import_crl(
            name=f"crl-{self.suffix}",
            crlData=crl_pem.encode("ascii"),
            trustAnchorArn=self.trust_anchor_arn,
            enabled=enabled,
        )["crl"]

    def issue(self, common_name: str | None = None, **options) -> pki_factory.Leaf:
        return self.ca.issue(common_name or f"host-{self.suffix}.example.com", **options)

    def clock(self) -> dict:
        with urllib.request.urlopen(self.localaws.endpoint + "/_localaws/clock", timeout=30) as reply:
            return json.loads(reply.read())

    def service_now(self) -> datetime.datetime:
        """The stand-in's Roles Anywhere clock (real time plus any shift)."""
        return datetime.datetime.strptime(self.clock()["now"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc
        )

    @contextlib.contextmanager
    def clock_shifted(self, seconds: float):
        previous = self.clock()["shift_seconds"]
        self.localaws.shift_clock(seconds)
        try:
            yield
        finally:
            self.localaws.shift_clock(previous)

    def build(self, leaf: pki_factory.Leaf, **overrides) -> session_client.SignedRequest:
        arguments = {
            "endpoint": self.localaws.endpoint,
            "region": self.localaws.region,
            "trust_anchor_arn": self.trust_anchor_arn,
            "profile_arn": self.profile_arn,
            "role_arn": self.role_arn,
            "leaf": leaf,
        }
        if "now" not in overrides:
            arguments["now"] = self.service_now()
        arguments.update(overrides)
        return session_client.build_request(**arguments)

    def resign(
        self,
        leaf: pki_factory.Leaf,
        request: session_client.SignedRequest,
        serial_number: int | None = None,
        unsigned=(),
    ):
        """Sign an altered request again with the leaf's key (optionally claiming another serial, leaving headers unsigned)."""
        serial_number = leaf.certificate.serial_number if serial_number is None else serial_number
        return session_client.sign(
            request, leaf.private_key, serial_number, self.localaws.region, self.service_now(), unsigned=unsigned
        )

    def create_session(self, leaf: pki_factory.Leaf | None = None, **overrides) -> session_client.Response:
        return session_client.send(self.build(leaf or self.issue(), **overrides))

    def last_outcome(self, serial_number: int) -> dict:
        """The newest outcome the stand-in logged for a certificate serial."""
        outcomes = [entry for entry in self.localaws.session_log() if entry["serial"] == str(serial_number)]
        assert outcomes, f"no CreateSession outcome logged for serial {serial_number}"
        return outcomes[-1]
