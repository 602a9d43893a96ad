"""Injected failures for reliability tests: the next N calls of an operation fail with throttling or HTTP 500, or hang.

A "hang" call is accepted and then left unanswered, as a server that stopped responding would: it waits until the
fault's seconds have passed or the faults are cleared (admin reset), then answers 500.
"""

from __future__ import annotations

import threading

from .errors import ServiceError, internal_error, throttled

FAULT_KINDS = ("throttle", "error500", "hang")
DEFAULT_HANG_SECONDS = 600


def fault_error(kind: str, operation: str) -> ServiceError:
    """The error a fault of `kind` produces; both are ones botocore's retry handlers retry."""
    if kind == "throttle":
        return throttled(f"Rate exceeded for {operation} (injected fault)")
    return internal_error(f"Internal failure in {operation} (injected fault)")


class FaultInjector:
    """Counts of pending faults per operation name (control-plane operation names and "CreateSession")."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pending = {}
        # Set by clear(): every hanging call gives up waiting at once.
        self._released = threading.Event()

    def add(self, operation: str, kind: str, count: int, seconds: float = DEFAULT_HANG_SECONDS) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}, not {kind!r}")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValueError(f"count must be a non-negative integer, not {count!r}")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ValueError(f"seconds must be a non-negative number, not {seconds!r}")
        with self._lock:
            if count:
                self._pending[operation] = {"kind": kind, "remaining": count}
                if kind == "hang":
                    self._pending[operation]["seconds"] = seconds
            else:
                self._pending.pop(operation, None)

    def take(self, operation: str) -> ServiceError | None:
        """The ServiceError to answer this call of `operation` with, consuming one pending fault, or None."""
        with self._lock:
            fault = self._pending.get(operation)
            if fault is None:
                return None
            fault["remaining"] -= 1
            if fault["remaining"] <= 0:
                del self._pending[operation]
            released = self._released
        if fault["kind"] == "hang":
            # Outside the lock: other calls (and the admin API that ends the hang) go on meanwhile.
            released.wait(fault["seconds"])
        return fault_error(fault["kind"], operation)

    def pending(self) -> dict[str, dict]:
        with self._lock:
            return {name: dict(fault) for name, fault in self._pending.items()}

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
            self._released.set()
            self._released = threading.Event()
