"""What every reliability case checks: a clear refusal (or convergence), no traceback, no unintended change, no secret.

Snapshots cover both sides a run could change: the files under the hosts' root (path, type, mode, owner, SHA-256 of
the content or the link target) and the stand-in's resources (trust anchors, profiles, CRLs, subjects, IAM roles with
their policies), each compared before and after.
"""

import datetime
import hashlib
import json
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

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
            "inline": {policy: iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
                       for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]},
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


# ---- certificates for bad-PEM cases ---------------------------------------------------------------------------------

def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def certificate_pem(common_name, key=None, ca=True, digest=None):
    """A self-signed certificate: a CA by default, a leaf with ``ca=False``; ``digest`` hashes.SHA1() for a weak one."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(_name(common_name))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                                            encipher_only=False, decipher_only=False), critical=True))
    certificate = builder.sign(key, digest or hashes.SHA256())
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def weak_rsa_ca_pem():
    return certificate_pem("Weak RSA-1024 CA", key=rsa.generate_private_key(public_exponent=65537, key_size=1024))


# sha256WithRSAEncryption and sha1WithRSAEncryption: DER of the same length, so one can replace the other in place.
_SHA256_WITH_RSA = bytes.fromhex("2a864886f70d01010b")
_SHA1_WITH_RSA = bytes.fromhex("2a864886f70d010105")


def _der(tag, content):
    length = len(content)
    if length < 0x80:
        return bytes((tag, length)) + content
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(encoded))) + encoded + content


def sha1_ca_pem():
    """A CA signed with SHA-1, which cryptography no longer produces: its SHA-256 TBS re-signed by hand."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = x509.load_pem_x509_certificate(certificate_pem("SHA-1 CA", key=key).encode())
    tbs = certificate.tbs_certificate_bytes.replace(_SHA256_WITH_RSA, _SHA1_WITH_RSA)
    signature = key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    algorithm = _der(0x30, _der(0x06, _SHA1_WITH_RSA) + _der(0x05, b""))
    der = _der(0x30, tbs + algorithm + _der(0x03, b"\x00" + signature))
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode()


def private_key_pem(key=None):
    key = key or ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()
