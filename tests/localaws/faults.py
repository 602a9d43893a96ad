"""Injected failures for reliability tests: the next N calls of an operation fail with throttling or HTTP 500."""

import threading

from .errors import ServiceError

FAULT_KINDS = ("throttle", "error500")


def fault_error(kind, operation):
    """The error a fault of `kind` produces; both are ones botocore's retry handlers retry."""
    if kind == "throttle":
        return ServiceError("ThrottlingException", "Rate exceeded for %s (injected fault)" % operation, 429)
    return ServiceError("InternalServerException", "Internal failure in %s (injected fault)" % operation, 500)


class FaultInjector:
    """Counts of pending faults per operation name (control-plane operation names and "CreateSession")."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pending = {}

    def add(self, operation, kind, count):
        if kind not in FAULT_KINDS:
            raise ValueError("kind must be one of %s, not %r" % (", ".join(FAULT_KINDS), kind))
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValueError("count must be a non-negative integer, not %r" % (count,))
        with self._lock:
            if count:
                self._pending[operation] = {"kind": kind, "remaining": count}
            else:
                self._pending.pop(operation, None)

    def take(self, operation):
        """The ServiceError to answer this call of `operation` with, consuming one pending fault, or None."""
        with self._lock:
            fault = self._pending.get(operation)
            if fault is None:
                return None
            fault["remaining"] -= 1
            if fault["remaining"] <= 0:
                del self._pending[operation]
            return fault_error(fault["kind"], operation)

    def pending(self):
        with self._lock:
            return {name: dict(fault) for name, fault in self._pending.items()}

    def clear(self):
        with self._lock:
            self._pending.clear()
