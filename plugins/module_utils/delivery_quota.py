# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How many CreateSession calls an inventory makes, and whether they fit the quota (pure arithmetic, no I/O).

Each AWS profile of each host costs, per hour:

- ``process`` with the official helper: one call per process start (the helper keeps nothing between starts);
- ``process`` with the collection's program: one call per cache refresh. A refresh keeps its credentials for
  ``reuse = min(cache_max_age, session_duration - 300)`` seconds, and the next start after that refreshes, so with
  ``starts`` process starts an hour the calls are ``3600 / (reuse + 3600 / starts)``;
- ``serve`` and ``update``: one call per session, less the mean lead before expiry at which it is refreshed:
  ``3600 / (session_duration - mean_lead)``. The collection's program draws the lead uniformly between
  ``refresh_min_lead`` and ``refresh_window`` (mean: their midpoint); the official helper's update refreshes 300 s
  before expiry and its serve, on the first request within 600 s of expiry (busy workloads ask every few seconds).

IAM Roles Anywhere allows 10 CreateSession calls per second per account and region.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.service_limits import (
    SESSION_DURATION_MAX,
    SESSION_DURATION_MIN,
)

DEFAULT_QUOTA_PER_SECOND = 10.0
MODES = ("process", "serve", "update")
HELPERS = ("official", "python")
# The program never reuses credentials closer than this to their expiry (credential_process.REFRESH_BEFORE_EXPIRY).
CACHE_EXPIRY_MARGIN = 300
# The official helper 1.7/1.8: update sleeps until 5 minutes before expiry; serve refreshes on a request when the
# credentials expire within 2 x 5 minutes.
OFFICIAL_LEAD = {"update": 300, "serve": 600}
# Above this share of the quota a plan still fits, but a burst (a restart of many hosts at once) will be throttled.
HEADROOM = 0.8

# The credential_helper role's defaults, used for a host that does not set a variable (a unit test keeps them equal).
ROLE_DEFAULTS = {
    "rolesanywhere_credential_delivery": "process",
    "rolesanywhere_signing_helper": "official",
    "rolesanywhere_session_duration": 3600,
    "rolesanywhere_refresh_window": 600,
    "rolesanywhere_refresh_min_lead": 60,
    "rolesanywhere_credential_cache_max_age": 900,
    "rolesanywhere_process_starts_per_hour": 60,
}


class PlanError(ValueError):
    """An input the arithmetic cannot use; the message names the host, the field and what is expected."""


def mean_lead(mode, helper, refresh_window, refresh_min_lead):
    if helper == "official":
        return float(OFFICIAL_LEAD[mode])
    return (refresh_min_lead + refresh_window) / 2.0


def calls_per_hour(
    mode, helper, session_duration, refresh_window=600, refresh_min_lead=60, starts_per_hour=60, cache_max_age=900
):
    """Expected CreateSession calls per hour of one profile on one host."""
    if mode == "process":
        if starts_per_hour <= 0:
            return 0.0
        if helper == "official" or cache_max_age <= 0:
            return float(starts_per_hour)
        reuse = min(cache_max_age, session_duration - CACHE_EXPIRY_MARGIN)
        return 3600.0 / (reuse + 3600.0 / starts_per_hour)
    lead = mean_lead(mode, helper, refresh_window, refresh_min_lead)
    if helper != "official" and refresh_window >= session_duration:
        # Credentials shorter than the window are refreshed in their second half (credential_process.refresh_delay).
        half = session_duration / 2.0
        lead = (min(refresh_min_lead, half) + half) / 2.0
    return 3600.0 / max(session_duration - lead, 1.0)


def _number(value, field, host, minimum=0):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PlanError("%s: %s must be a number, not %r" % (host, field, value))
    if number < minimum:
        raise PlanError("%s: %s must be at least %s, not %r" % (host, field, minimum, value))
    return number


def arn_parts(arn):
    """(region, account) of an ARN, or (None, None)."""
    parts = (arn or "").split(":")
    return (parts[3] or None, parts[4] or None) if len(parts) > 5 and parts[0] == "arn" else (None, None)


def expand_host(host, variables):
    """One entry per AWS profile of the host, with the role's defaults filled in."""
    merged = dict(ROLE_DEFAULTS)
    merged.update({key: value for key, value in (variables or {}).items() if value is not None})
    entries = merged.get("rolesanywhere_profiles") or [{}]
    profiles = []
    for entry in entries:
        mode = entry.get("credential_delivery") or merged["rolesanywhere_credential_delivery"]
        helper = merged["rolesanywhere_signing_helper"]
        if mode not in MODES:
            raise PlanError(
                "%s: rolesanywhere_credential_delivery must be one of %s, not %r" % (host, ", ".join(MODES), mode)
            )
        if helper not in HELPERS:
            raise PlanError(
                "%s: rolesanywhere_signing_helper must be one of %s, not %r" % (host, ", ".join(HELPERS), helper)
            )
        anchor = entry.get("trust_anchor_arn") or merged.get("rolesanywhere_trust_anchor_arn")
        anchor_region, account = arn_parts(anchor)
        profiles.append(
            {
                "host": host,
                "aws_profile": entry.get("aws_profile") or merged.get("rolesanywhere_aws_profile") or "rolesanywhere",
                "mode": mode,
                "helper": helper,
                "account": account or merged.get("rolesanywhere_quota_account") or "default",
                "region": entry.get("region") or merged.get("rolesanywhere_region") or anchor_region or "unknown",
                "session_duration": _number(
                    entry.get("session_duration") or merged["rolesanywhere_session_duration"],
                    "rolesanywhere_session_duration",
                    host,
                    SESSION_DURATION_MIN,
                ),
                "refresh_window": _number(merged["rolesanywhere_refresh_window"], "rolesanywhere_refresh_window", host),
                "refresh_min_lead": _number(
                    merged["rolesanywhere_refresh_min_lead"], "rolesanywhere_refresh_min_lead", host
                ),
                "starts_per_hour": _number(
                    merged["rolesanywhere_process_starts_per_hour"], "rolesanywhere_process_starts_per_hour", host
                ),
                "cache_max_age": _number(
                    merged["rolesanywhere_credential_cache_max_age"], "rolesanywhere_credential_cache_max_age", host
                ),
            }
        )
    return profiles


def profile_rate(profile):
    return calls_per_hour(
        profile["mode"],
        profile["helper"],
        profile["session_duration"],
        profile["refresh_window"],
        profile["refresh_min_lead"],
        profile["starts_per_hour"],
        profile["cache_max_age"],
    )


def duration_that_fits(profiles, budget_per_hour):
    """The shortest session duration at which the serve/update profiles alone fit ``budget_per_hour``, or None."""
    for duration in range(SESSION_DURATION_MIN, SESSION_DURATION_MAX + 1, 300):
        total = sum(profile_rate(dict(p, session_duration=duration)) for p in profiles)
        if total <= budget_per_hour:
            return duration
    return None


def advice(group, quota_per_second):
    """What to change when a group does not fit: mode, session duration, accounts or regions, the quota itself."""
    budget = quota_per_second * 3600.0 * HEADROOM
    profiles = group["profiles"]
    process = [p for p in profiles if p["mode"] == "process"]
    long_running = [p for p in profiles if p["mode"] != "process"]
    lines = []
    if process:
        as_serve = sum(profile_rate(dict(p, mode="serve", helper="python")) for p in process)
        lines.append(
            "Move the %d process profiles to serve or update (rolesanywhere_credential_delivery): they make %.0f "
            "calls an hour now and would make %.0f." % (len(process), sum(profile_rate(p) for p in process), as_serve)
        )
    if long_running:
        others = sum(profile_rate(p) for p in process)
        duration = duration_that_fits(long_running, budget - others)
        if duration is not None and duration > max(p["session_duration"] for p in long_running):
            lines.append(
                "Raise rolesanywhere_session_duration to %d s (the role's MaxSessionDuration must allow it)." % duration
            )
    lines.append(
        "Spread the hosts over %d accounts or regions (each has its own quota)."
        % int(math.ceil(group["calls_per_second"] / (quota_per_second * HEADROOM)))
    )
    lines.append(
        "Or ask AWS for a higher CreateSession quota (Service Quotas, IAM Roles Anywhere) and set "
        "rolesanywhere_create_session_quota to it."
    )
    return lines


def plan(hosts, quota_per_second=DEFAULT_QUOTA_PER_SECOND):
    """``hosts``: host name -> its variables. Returns the groups (account, region) with their rate and verdict."""
    quota = _number(quota_per_second, "rolesanywhere_create_session_quota", "the plan", 0.001)
    groups = {}
    for host in sorted(hosts):
        for profile in expand_host(host, hosts[host]):
            groups.setdefault((profile["account"], profile["region"]), []).append(profile)
    result = []
    for (account, region), profiles in sorted(groups.items()):
        per_hour = sum(profile_rate(p) for p in profiles)
        modes = {}
        for p in profiles:
            modes[p["mode"]] = modes.get(p["mode"], 0) + 1
        group = {
            "account": account,
            "region": region,
            "hosts": len({p["host"] for p in profiles}),
            "profiles": profiles,
            "modes": modes,
            "calls_per_hour": round(per_hour, 1),
            "calls_per_second": round(per_hour / 3600.0, 3),
            "quota_per_second": quota,
            "utilisation": round(per_hour / 3600.0 / quota, 3),
        }
        group["fits"] = group["calls_per_second"] <= quota * HEADROOM
        group["advice"] = [] if group["fits"] else advice(group, quota)
        result.append(group)
    return result


def summary_lines(groups):
    lines = []
    for group in groups:
        lines.append(
            "%s/%s: %d hosts, %.1f CreateSession calls an hour = %.2f/s of %.0f/s (%s)%s"
            % (
                group["account"],
                group["region"],
                group["hosts"],
                group["calls_per_hour"],
                group["calls_per_second"],
                group["quota_per_second"],
                ", ".join("%d %s" % (n, m) for m, n in sorted(group["modes"].items())),
                "" if group["fits"] else ": DOES NOT FIT",
            )
        )
        lines.extend("  - " + line for line in group["advice"])
    return lines
