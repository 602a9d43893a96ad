"""`localaws [--host H] [--port P] [--region R] [--tls [--tls-dir DIR] [--tls-name NAME ...]] [--state-file PATH] [--verbose]`

Starts the stand-in, seeds an administrator, turns IAM authorization enforcement on, prints one JSON line
({"endpoint", "region", "account_id", "access_key_id", "secret_access_key"}, plus "ca_bundle" with --tls) on stdout
and serves until SIGINT or SIGTERM. With --state-file it keeps its Roles Anywhere resources, IAM roles and
administrator key in that JSON file (written after every change, loaded at start), so a restart serves the same state.
With --tls it serves HTTPS with a certificate from its own CA, whose PEM file
("ca_bundle") clients must trust.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="localaws", description=__doc__.split("\n\n", maxsplit=1)[1])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4566, help="port to listen on; 0 picks a free one (default 4566)")
    parser.add_argument(
        "--region", default="us-east-1", help="region of the emulated Roles Anywhere (default us-east-1)"
    )
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a certificate from the stand-in's own CA")
    parser.add_argument(
        "--tls-dir",
        default="localaws-tls",
        help="where --tls keeps ca.pem, server.pem and server.key (default ./localaws-tls; reused across runs)",
    )
    parser.add_argument(
        "--tls-name",
        action="append",
        default=[],
        help="another host name the certificate must be valid for (repeatable)",
    )
    parser.add_argument(
        "--state-file",
        default=None,
        help="JSON file the state is loaded from at start and saved to after every change (default: none)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request on stderr")
    return parser.parse_args(argv)


class _Stop(Exception):
    """Raised in the serving thread by the signal handler to leave serve_forever."""


def _stop(_signum, _frame):
    raise _Stop()


def main(argv: list[str] | None = None) -> int:
    # Handlers first, so a stop request during start-up ends the process cleanly too.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        serve(args)
    except _Stop:
        pass
    return 0


def serve(args: argparse.Namespace) -> None:
    # Imported here, after the signal handlers are in place: loading moto takes most of the start-up time.
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    from .persistence import StateFile
    from .seed import enable_enforcement, seed_administrator
    from .server import LocalAws
    from .store import Store
    from .tls import ensure_server_files, server_context

    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)
    store = Store(DEFAULT_ACCOUNT_ID, args.region)
    saved = StateFile.read(args.state_file) if args.state_file else None
    keys = saved["administrator"] if saved else {}
    administrator = seed_administrator(
        store.account_id, args.region, keys.get("access_key_id"), keys.get("secret_access_key")
    )
    state_file = None
    if args.state_file:
        state_file = StateFile(args.state_file, store, administrator)
        if saved:
            state_file.restore(saved)
        state_file.save()
    enable_enforcement()
    # werkzeug itself reports a port in use (on stderr, exit status 1).
    tls_files = ensure_server_files(args.tls_dir, args.host, args.tls_name) if args.tls else None
    server = make_server(
        args.host,
        args.port,
        LocalAws(store, administrator=administrator, state_file=state_file),
        threaded=True,
        request_handler=MotoRequestHandler,
        ssl_context=server_context(tls_files) if tls_files else None,
    )
    try:
        host, port = server.server_address[:2]
        info = {
            "endpoint": f"{'https' if tls_files else 'http'}://{host}:{port}",
            "region": args.region,
            "account_id": store.account_id,
            "access_key_id": administrator["access_key_id"],
            "secret_access_key": administrator["secret_access_key"],
        }
        if tls_files:
            info["ca_bundle"] = os.path.abspath(tls_files["ca_bundle"])
        print(json.dumps(info), flush=True)
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
