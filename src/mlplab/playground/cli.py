"""The ``mlplab playground`` command: serve the playground on a local port."""

from __future__ import annotations

import argparse
import sys
import threading
import warnings
import webbrowser

#: Names every server answers to (loopback).
LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: Addresses that mean "every interface": not names a browser can use.
ANY_ADDRESS = ("0.0.0.0", "::", "")


def build_parser(prog: str = "mlplab playground") -> argparse.ArgumentParser:
    """The command's argument parser."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Train small multilayer perceptrons on 2-D data in your browser.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: loopback only)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    parser.add_argument(
        "--no-browser", action="store_true", help="do not open the page in a web browser"
    )
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=16,
        help="most browser tabs served at once; a new tab replaces the least recently "
        "active one (default: 16)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="training threads shared fairly by the playing tabs (default: 1)",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another host name or address the page may be opened with, e.g. this "
        "machine's address on a classroom network (repeatable)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the playground server until interrupted.

    Parameters
    ----------
    argv : list of str, optional
        Arguments after ``playground`` (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 after a clean shutdown, 2 for bad arguments or a missing extra.
    """
    args = build_parser().parse_args(argv)
    if not 0 < args.port < 65536:
        print(f"error: --port must be between 1 and 65535, got {args.port}", file=sys.stderr)
        return 2
    if args.max_sessions < 1:
        print("error: --max-sessions must be at least 1", file=sys.stderr)
        return 2
    if not 1 <= args.workers <= 64:
        print("error: --workers must be between 1 and 64", file=sys.stderr)
        return 2
    try:
        import uvicorn

        from .app import create_app
    except ImportError as exc:
        print(
            f"error: the playground needs its extra ({exc.name} is missing): "
            'pip install "mlplab[playground]"',
            file=sys.stderr,
        )
        return 2
    hosts = [h for h in [args.host, *args.allow_host] if h not in ANY_ADDRESS]
    shown = args.host if args.host not in ANY_ADDRESS else "127.0.0.1"
    host_shown = f"[{shown}]" if ":" in shown else shown
    url = f"http://{host_shown}:{args.port}/"
    if args.host not in LOOPBACK:
        print(f"warning: listening on {args.host!r}: the playground is reachable from the network")
        if args.host in ANY_ADDRESS and not args.allow_host:
            print(
                "warning: other machines must open it by a name given with --allow-host "
                "(this machine's address or name); any other name is refused"
            )
    from ..training import DivergenceWarning

    # A run that diverges says so on its page (the session's notice): not in the terminal.
    warnings.filterwarnings("ignore", category=DivergenceWarning)
    print(f"mlplab playground on {url} (Ctrl+C to stop)")
    if not args.no_browser:
        # Open once the server has had a moment to bind.
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(
        create_app(max_sessions=args.max_sessions, workers=args.workers, allowed_hosts=hosts),
        host=args.host,
        port=args.port,
        log_level="warning",
    )
    return 0
