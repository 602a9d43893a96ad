"""The Roles Anywhere wire format as raw HTTP sees it: error rendering, unknown routes, malformed bodies."""

import json

from control_plane_testlib import signed_request


def test_errors_are_rest_json_with_the_error_type_header(localaws):
    status, headers, body = signed_request(localaws, "GET", "/trustanchor/0f0f0f0f-0000-4000-8000-000000000000")
    assert status == 404
    assert headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert headers["Content-Type"] == "application/json"
    assert set(json.loads(body)) == {"message"}


def test_success_code_comes_from_the_model(localaws):
    body = json.dumps({"name": "wire", "roleArns": ["arn:aws:iam::%s:role/wire" % localaws.account_id]}).encode()
    status, _headers, document = signed_request(localaws, "POST", "/profiles", body)
    assert status == 201
    profile = json.loads(document)["profile"]
    # Timestamps are ISO 8601 strings, as the model's SyntheticTimestamp_date_time asks.
    assert profile["createdAt"].endswith("Z") and "T" in profile["createdAt"]


def test_wrong_json_type_is_a_serialization_error(localaws):
    body = json.dumps({"name": "wire", "roleArns": "not-a-list"}).encode()
    status, headers, _body = signed_request(localaws, "POST", "/profiles", body)
    assert (status, headers["x-amzn-ErrorType"]) == (400, "SerializationException")


def test_body_that_is_not_json_is_a_serialization_error(localaws):
    status, headers, _body = signed_request(localaws, "POST", "/trustanchors", b"{not json")
    assert (status, headers["x-amzn-ErrorType"]) == (400, "SerializationException")


def test_unknown_route_and_wrong_method(localaws):
    status, headers, _body = signed_request(localaws, "GET", "/no-such-thing")
    assert (status, headers["x-amzn-ErrorType"]) == (404, "UnknownOperationException")
    status, headers, _body = signed_request(localaws, "PUT", "/trustanchors", b"{}")
    assert (status, headers["x-amzn-ErrorType"]) == (405, "MethodNotAllowedException")


def test_query_string_members_are_read_and_typed(localaws):
    status, headers, _body = signed_request(localaws, "GET", "/profiles?pageSize=many")
    assert (status, headers["x-amzn-ErrorType"]) == (400, "SerializationException")
    status, _headers, body = signed_request(localaws, "GET", "/profiles?pageSize=1")
    assert status == 200
    assert len(json.loads(body)["profiles"]) <= 1
