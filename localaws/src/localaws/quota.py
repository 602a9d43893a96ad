"""The CreateSession request quota: 10 per second per account and Region, as the IAM Roles Anywhere quotas page lists it.

A token bucket per (account, region) holds at most `burst` tokens and gains `rate` tokens a second; a request that
finds it empty is refused with HTTP 429 `ThrottlingException` ("Rate exceeded"), the throttling answer of AWS rest-json
services (the Roles Anywhere model declares no throttling shape of its own). A refused request spends no token.

On by default. `LOCALAWS_CREATE_SESSION_QUOTA=off` (environment of the stand-in) starts it switched off; the admin
route `POST /_localaws/quota {"enabled": false}` switches it at run time and can set `rate` and `burst`.
"""

from __future__ import annotations

import os
import threading
import time

from .errors import throttled

DEFAULT_RATE_PER_SECOND = 10.0
DEFAULT_BURST = 10.0
ENVIRONMENT_VARIABLE = "LOCALAWS_CREATE_SESSION_QUOTA"


class TokenBucket:
    """`burst` tokens at most, refilled continuously at `rate` per second (monotonic clock)."""

    def __init__(self, rate, burst, clock):
        self.rate, self.burst, self._clock = rate, burst, clock
        self._tokens, self._updated = burst, clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class SessionQuota:
    """One token bucket per (account, region); counts what it let through and what it refused."""

    def __init__(self, enabled=True, rate=DEFAULT_RATE_PER_SECOND, burst=DEFAULT_BURST, clock=time.monotonic):
        self._lock = threading.Lock()
        self._clock = clock
        self._buckets = {}
        self.enabled, self.rate, self.burst = enabled, rate, burst
        self.admitted = self.throttled = 0

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> SessionQuota:
        value = (os.environ if environ is None else environ).get(ENVIRONMENT_VARIABLE, "on").strip().lower()
        if value not in ("on", "off"):
            raise ValueError(f"{ENVIRONMENT_VARIABLE}={value} is not valid; use on or off")
        return cls(enabled=value == "on")

    def admit(self, account_id: str, region: str) -> None:
        """Raise the throttling ServiceError when the (account, region) bucket is empty."""
        with self._lock:
            if self.enabled:
                key = (account_id, region)
                bucket = self._buckets.get(key)
                if bucket is None:
                    bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, self._clock)
                if not bucket.take():
                    self.throttled += 1
                    raise throttled("Rate exceeded")
            self.admitted += 1

    def configure(self, enabled: bool | None = None, rate: float | None = None, burst: float | None = None) -> None:
        """Change the settings; buckets start full again, and the counters start from zero."""
        for name, value in (("rate", rate), ("burst", burst)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
                raise ValueError(f"{name} must be a positive number, not {value!r}")
        if enabled is not None and not isinstance(enabled, bool):
            raise ValueError(f"enabled must be true or false, not {enabled!r}")
        with self._lock:
            self.enabled = self.enabled if enabled is None else enabled
            self.rate = self.rate if rate is None else float(rate)
            self.burst = self.burst if burst is None else float(burst)
            self._buckets.clear()
            self.admitted = self.throttled = 0

    def state(self) -> dict:
        with self._lock:
            return {
                "enabled": self.enabled,
                "rate": self.rate,
                "burst": self.burst,
                "admitted": self.admitted,
                "throttled": self.throttled,
            }
