"""The stand-in's canonical request for CreateSession agrees with botocore's SigV4 canonicalization.

The stand-in rebuilds the canonical request on its own (pure logic, no server); botocore, which signs every
AWS request boto3 and the AWS CLI make, serves as the oracle over generated queries, headers and bodies.
"""

from __future__ import annotations

import string

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import Headers

from localaws import session_sigv4

HOST = "127.0.0.1:4566"
PARAMETER_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)
# Header values as HTTP carries them: visible ASCII and spaces (runs of spaces collapse, ends are trimmed).
HEADER_VALUE = st.text(
    alphabet=string.ascii_letters + string.digits + string.punctuation + " ", min_size=1, max_size=40
).filter(str.strip)
HEADER_NAME = st.sampled_from(["content-type", "x-amz-date", "x-amz-x509", "x-amz-x509-chain", "x-custom-header"])


def botocore_canonical_request(query: dict[str, str], headers: dict[str, str], body: bytes) -> str:
    request = AWSRequest(
        method="POST", url=f"http://{HOST}/sessions", params=query, headers=dict(headers, host=HOST), data=body
    )
    return SigV4Auth(Credentials("unused", "unused"), "rolesanywhere", "us-east-1").canonical_request(request)


def stand_in_canonical_request(query: dict[str, str], headers: dict[str, str], body: bytes) -> str:
    received = Headers(dict(headers, Host=HOST))
    signed_headers = tuple(sorted(set(name.lower() for name in headers) | {"host"}))
    return session_sigv4.canonical_request("POST", "/sessions", query, received, signed_headers, body)


@settings(max_examples=200, deadline=None)
@given(
    query=st.dictionaries(PARAMETER_TEXT, PARAMETER_TEXT, max_size=4),
    headers=st.dictionaries(HEADER_NAME, HEADER_VALUE, min_size=1, max_size=5),
    body=st.binary(max_size=200),
)
def test_canonical_request_matches_botocore(query, headers, body):
    assert stand_in_canonical_request(query, headers, body) == botocore_canonical_request(query, headers, body)


def test_canonical_request_of_a_helper_style_request():
    query = {
        "profileArn": "arn:aws:rolesanywhere:us-east-1:123456789012:profile/0a1b2c3d-0000-4000-8000-000000000000",
        "roleArn": "arn:aws:iam::123456789012:role/path/with+plus",
        "trustAnchorArn": "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0a1b2c3d-0000-4000-8000-000000000001",
    }
    headers = {
        "Content-Type": "application/json",
        "X-Amz-Date": "20260101T000000Z",
        "X-Amz-X509": "MIIB  spaced   value",
    }
    body = b'{"durationSeconds": 3600}'
    canonical = stand_in_canonical_request(query, headers, body)
    assert canonical == botocore_canonical_request(query, headers, body)
    assert "roleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fpath%2Fwith%2Bplus" in canonical
    assert "x-amz-x509:MIIB spaced value\n" in canonical
