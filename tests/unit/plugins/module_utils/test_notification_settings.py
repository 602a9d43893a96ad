"""Trust anchor notification settings: validation and the in-place reconciliation plan."""

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import notification_settings as ns


def customised(event, threshold, enabled=True):
    return {
        "event": event,
        "channel": "ALL",
        "enabled": enabled,
        "threshold": threshold,
        "configuredBy": "123456789012",
    }


def test_unmanaged_settings_plan_nothing():
    assert ns.plan_notification_settings(ns.default_settings(), None, True)[:2] == ([], [])


def test_listing_the_defaults_is_no_change():
    desired = [{"event": "CA_CERTIFICATE_EXPIRY", "threshold": 45, "enabled": True}]
    assert ns.plan_notification_settings(ns.default_settings(), desired, False)[:2] == ([], [])


def test_a_changed_threshold_is_put_and_other_events_keep_defaults():
    desired = [{"event": "CA_CERTIFICATE_EXPIRY", "threshold": 60}]
    to_put, to_reset, expected = ns.plan_notification_settings(ns.default_settings(), desired, False)
    assert to_put == [{"event": "CA_CERTIFICATE_EXPIRY", "enabled": True, "channel": "ALL", "threshold": 60}]
    assert to_reset == []
    by_event = dict((setting["event"], setting) for setting in expected)
    assert by_event["CA_CERTIFICATE_EXPIRY"]["threshold"] == 60
    assert by_event["END_ENTITY_CERTIFICATE_EXPIRY"]["threshold"] == 45


def test_disabling_without_threshold_keeps_the_current_threshold():
    current = [customised("CA_CERTIFICATE_EXPIRY", 90)]
    to_put, _reset, _expected = ns.plan_notification_settings(
        current, [{"event": "CA_CERTIFICATE_EXPIRY", "enabled": False}], False
    )
    assert to_put == [{"event": "CA_CERTIFICATE_EXPIRY", "enabled": False, "channel": "ALL", "threshold": 90}]


def test_purge_resets_only_customised_unlisted_settings():
    current = [customised("CA_CERTIFICATE_EXPIRY", 90), ns.default_settings()[1]]
    to_put, to_reset, expected = ns.plan_notification_settings(current, [], True)
    assert to_put == []
    assert to_reset == [{"event": "CA_CERTIFICATE_EXPIRY", "channel": "ALL"}]
    assert all(setting["threshold"] == 45 for setting in expected)


def test_without_purge_unlisted_customised_settings_stay():
    current = [customised("CA_CERTIFICATE_EXPIRY", 90)]
    assert ns.plan_notification_settings(current, [], False)[:2] == ([], [])


def test_validation_names_the_entry_and_rule():
    assert ns.validate_notification_settings([{"event": "CA_CERTIFICATE_EXPIRY", "threshold": 0}]).startswith(
        "notification_settings[0].threshold is 0 days"
    )
    assert "361" in ns.validate_notification_settings([{"event": "CA_CERTIFICATE_EXPIRY", "threshold": 361}])
    assert "repeats event" in ns.validate_notification_settings(
        [{"event": "CA_CERTIFICATE_EXPIRY"}, {"event": "CA_CERTIFICATE_EXPIRY", "channel": "ALL"}]
    )
    assert "event must be one of" in ns.validate_notification_settings([{"event": "EXPIRY"}])
    assert ns.validate_notification_settings([{"event": "END_ENTITY_CERTIFICATE_EXPIRY", "threshold": 360}]) is None
