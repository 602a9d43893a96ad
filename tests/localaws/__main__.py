"""`python -m localaws [--host 127.0.0.1] [--port 4566] [--region us-east-1] [--verbose]`

Starts the stand-in, seeds an administrator, turns IAM authorization enforcement on, prints one JSON line
({"endpoint", "region", "account_id", "access_key_id", "secret_access_key"}) on stdout and serves until
SIGINT or SIGTERM.
"""

import argparse
import json
import logging
import signal
import sys


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m localaws", description=__doc__.split("\n\n", maxsplit=1)[1])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4566, help="port to listen on; 0 picks a free one (default 4566)")
    parser.add_argument("--region", default="us-east-1", help="region of the emulated Roles Anywhere (default us-east-1)")
    parser.add_argument("--verbose", action="store_true", help="log every request on stderr")
    return parser.parse_args(argv)


class _Stop(Exception):
    """Raised in the serving thread by the signal handler to leave serve_forever."""


def _stop(_signum, _frame):
    raise _Stop()


def main(argv=None):
    # Handlers first, so a stop request during start-up ends the process cleanly too.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        serve(args)
    except _Stop:
        pass
    return 0


def serve(args):
    # Imported here, after the signal handlers are in place: loading moto takes most of the start-up time.
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    from .seed import enable_enforcement, seed_administrator
    from .server import LocalAws
    from .store import Store

    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)
    store = Store(DEFAULT_ACCOUNT_ID, args.region)
    administrator = seed_administrator(store.account_id, args.region)
    enable_enforcement()
    # werkzeug itself reports a port in use (on stderr, exit status 1).
    server = make_server(args.host, args.port, LocalAws(store, administrator=administrator), threaded=True, request_handler=MotoRequestHandler)
    try:
        host, port = server.server_address[:2]
        print(json.dumps({"endpoint": "http://%s:%d" % (host, port), "region": args.region, "account_id": store.account_id,
                          "access_key_id": administrator["access_key_id"],
                          "secret_access_key": administrator["secret_access_key"]}), flush=True)
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
