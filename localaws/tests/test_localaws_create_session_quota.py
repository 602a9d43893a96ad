"""The stand-in's CreateSession quota: a token bucket of 10 requests a second per account and Region, answered with
429 ThrottlingException when empty, switchable through the admin API and the stand-in's environment."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import session_client
from session_world import World

from localaws.quota import SessionQuota, TokenBucket


def quota_admin(localaws, method, document=None):
    return localaws._admin(method, "quota", document)  # pylint: disable=protected-access


@pytest.fixture
def quota(localaws):
    """The quota with full buckets and zero counters; the defaults are back after the test."""
    quota_admin(localaws, "POST", {"enabled": True, "rate": 10, "burst": 10})
    yield localaws
    quota_admin(localaws, "POST", {"enabled": True, "rate": 10, "burst": 10})


def burst(world, count):
    leaf = world.issue()
    requests = [world.build(leaf) for _request in range(count)]
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda request: session_client.send(request, retry_throttled=False), requests))


def test_defaults_are_ten_per_second_and_on(quota):
    state = quota_admin(quota, "GET")
    assert (state["enabled"], state["rate"], state["burst"]) == (True, 10, 10)


def test_a_burst_beyond_the_bucket_is_throttled_with_the_service_error(quota):
    world = World(quota)
    # A slow refill makes the count exact however long the burst takes to arrive.
    quota_admin(quota, "POST", {"rate": 0.01, "burst": 10})
    responses = burst(world, 14)
    statuses = sorted(response.status for response in responses)
    assert statuses == [201] * 10 + [429] * 4
    throttled = [response for response in responses if response.status == 429]
    assert {(r.error_type, r.document.get("message")) for r in throttled} == {("ThrottlingException", "Rate exceeded")}
    assert quota_admin(quota, "GET")["throttled"] == 4 and quota_admin(quota, "GET")["admitted"] == 10
    logged = [entry for entry in quota.session_log() if entry["trustAnchorArn"] == world.trust_anchor_arn]
    assert sorted(entry["outcome"] for entry in logged) == ["success"] * 10 + ["throttled"] * 4
    assert all(entry["code"] == "ThrottlingException" for entry in logged if entry["outcome"] == "throttled")


def test_the_bucket_refills_at_the_rate(quota):
    world = World(quota)
    quota_admin(quota, "POST", {"rate": 5, "burst": 1})
    leaf = world.issue()
    assert session_client.send(world.build(leaf), retry_throttled=False).status == 201
    assert session_client.send(world.build(leaf), retry_throttled=False).status == 429
    time.sleep(0.25)  # 1.25 tokens at 5 a second
    assert session_client.send(world.build(leaf), retry_throttled=False).status == 201


def test_the_quota_can_be_switched_off_and_refuses_bad_settings(quota):
    world = World(quota)
    quota_admin(quota, "POST", {"enabled": False, "rate": 0.01, "burst": 1})
    assert [response.status for response in burst(world, 12)] == [201] * 12
    for bad in ({"rate": 0}, {"burst": "ten"}, {"enabled": "no"}, {"limit": 5}):
        with pytest.raises(Exception, match="400"):
            quota_admin(quota, "POST", bad)


def test_environment_switch_and_token_bucket_arithmetic():
    assert SessionQuota.from_environment({}).enabled
    assert not SessionQuota.from_environment({"LOCALAWS_CREATE_SESSION_QUOTA": "off"}).enabled
    with pytest.raises(ValueError, match="LOCALAWS_CREATE_SESSION_QUOTA=maybe is not valid"):
        SessionQuota.from_environment({"LOCALAWS_CREATE_SESSION_QUOTA": "maybe"})
    now = [100.0]
    bucket = TokenBucket(rate=10, burst=10, clock=lambda: now[0])
    assert [bucket.take() for _token in range(11)] == [True] * 10 + [False]
    now[0] += 0.35
    assert [bucket.take() for _token in range(4)] == [True] * 3 + [False]
    now[0] += 60
    assert sum(bucket.take() for _token in range(20)) == 10  # never more than the burst
