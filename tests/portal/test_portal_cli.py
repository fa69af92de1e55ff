"""`tieout portal ...` as the lead wires it: `add_portal_commands(subparsers)`, then `args.portal_main(args)`."""

import argparse
import io
import socket
import subprocess
import sys
import time

import requests
from argon2 import PasswordHasher

from portal.cli import add_portal_commands


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tieout")
    add_portal_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_hash_password_prints_an_argon2id_hash(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret-Phrase\n"))
    args = parse(["portal", "hash-password", "--stdin"])
    assert args.portal_main(args) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("$argon2id$") and PasswordHasher().verify(printed, "s3cret-Phrase")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_listens_on_loopback_by_default(tmp_path):
    port = free_port()
    script = (
        "import argparse, sys\nfrom portal.cli import add_portal_commands\n"
        "parser = argparse.ArgumentParser(); add_portal_commands(parser.add_subparsers(dest='command'))\n"
        "args = parser.parse_args(sys.argv[1:]); sys.exit(args.portal_main(args))\n"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", script, "portal", "serve", "--port", str(port)],
        env={"TIEOUT_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout.readline().startswith(f"tieout portal on http://127.0.0.1:{port} ")
        deadline = time.monotonic() + 15
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/reports", allow_redirects=False, timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.1)
        assert answer.status_code == 303 and answer.headers["Location"] == "/login"
    finally:
        server.terminate()
        server.wait(timeout=10)
