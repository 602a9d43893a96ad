# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Trust anchor notification settings: validation and the plan that reconciles them.

A trust anchor always carries one setting per (event, channel); the service starts them at its defaults and
PutNotificationSettings changes listed settings in place. Settings the user does not list keep whatever they have,
unless purging is asked, in which case customised ones go back to the defaults via ResetNotificationSettings.
Pure logic: no API calls here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from copy import deepcopy

EVENTS = ("CA_CERTIFICATE_EXPIRY", "END_ENTITY_CERTIFICATE_EXPIRY")
CHANNELS = ("ALL",)
DEFAULT_CHANNEL = "ALL"
DEFAULT_THRESHOLD_DAYS = 45
SERVICE_PRINCIPAL = "rolesanywhere.amazonaws.com"
MIN_THRESHOLD, MAX_THRESHOLD = 1, 360


def default_settings():
    """What the service configures on a new trust anchor."""
    return [
        {
            "event": event,
            "channel": DEFAULT_CHANNEL,
            "enabled": True,
            "threshold": DEFAULT_THRESHOLD_DAYS,
            "configuredBy": SERVICE_PRINCIPAL,
        }
        for event in EVENTS
    ]


def setting_key(setting):
    return (setting["event"], setting.get("channel") or DEFAULT_CHANNEL)


def validate_notification_settings(settings, field="notification_settings"):
    """Return an error message naming the entry and the rule it breaks, or None."""
    seen = set()
    for index, setting in enumerate(settings or []):
        where = f"{field}[{index}]"
        if setting.get("event") not in EVENTS:
            return f"{where}.event must be one of {', '.join(EVENTS)}, got '{setting.get('event')}'"
        channel = setting.get("channel") or DEFAULT_CHANNEL
        if channel not in CHANNELS:
            return f"{where}.channel must be one of {', '.join(CHANNELS)}, got '{channel}'"
        threshold = setting.get("threshold")
        if threshold is not None and not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
            return f"{where}.threshold is {threshold} days; the service accepts {MIN_THRESHOLD} to {MAX_THRESHOLD} days"
        key = setting_key(setting)
        if key in seen:
            return f"{where} repeats event {key[0]} on channel {key[1]}; list each event/channel once"
        seen.add(key)
    return None


def as_api_setting(setting, fallback_threshold=None):
    """The NotificationSetting shape; an omitted threshold keeps the current one (the API wants one when enabled)."""
    api = {
        "event": setting["event"],
        "enabled": bool(setting.get("enabled", True)),
        "channel": setting.get("channel") or DEFAULT_CHANNEL,
    }
    threshold = setting.get("threshold")
    if threshold is None:
        threshold = fallback_threshold
    if threshold is not None:
        api["threshold"] = threshold
    return api


def _differs(current, desired):
    if bool(current.get("enabled")) != bool(desired.get("enabled", True)):
        return True
    return desired.get("threshold") is not None and current.get("threshold") != desired["threshold"]


def plan_notification_settings(current, desired, purge):
    """Decide the calls that turn ``current`` (API details) into ``desired`` (module entries).

    Returns (to_put, to_reset, expected): settings for PutNotificationSettings, keys for ResetNotificationSettings,
    and the settings the trust anchor should show afterwards. ``desired`` None means "not managed".
    """
    current = deepcopy(current or [])
    if desired is None:
        return [], [], current
    by_key = dict((setting_key(setting), setting) for setting in current)
    to_put = []
    for setting in desired:
        existing = by_key.get(setting_key(setting))
        if existing is None or _differs(existing, setting):
            to_put.append(as_api_setting(setting, (existing or {}).get("threshold", DEFAULT_THRESHOLD_DAYS)))
    wanted = set(setting_key(setting) for setting in desired)
    to_reset = []
    if purge:
        to_reset = [
            {"event": key[0], "channel": key[1]}
            for key, setting in sorted(by_key.items())
            if key not in wanted and setting.get("configuredBy", SERVICE_PRINCIPAL) != SERVICE_PRINCIPAL
        ]
    return to_put, to_reset, _expected(by_key, to_put, to_reset)


def _expected(by_key, to_put, to_reset):
    expected = dict(by_key)
    defaults = dict((setting_key(setting), setting) for setting in default_settings())
    for key in to_reset:
        expected[setting_key(key)] = deepcopy(defaults[setting_key(key)])
    for setting in to_put:
        merged = dict(expected.get(setting_key(setting), {}))
        merged.update(setting)
        merged.pop("configuredBy", None)
        expected[setting_key(setting)] = merged
    return [expected[key] for key in sorted(expected)]
