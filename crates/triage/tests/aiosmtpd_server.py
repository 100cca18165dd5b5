#!/usr/bin/env python3
"""An SMTP server for triage's e-mail interop tests, built on aiosmtpd.

It listens on 127.0.0.1 with TLS (STARTTLS, or implicit TLS from the first byte), requires
AUTH (PLAIN or LOGIN) for one user, and writes every accepted message to a directory as
NNNN.eml (the raw message) plus NNNN.json (envelope and login). Each pair appears atomically:
the .json first, then the .eml, both by rename. Prints "READY <port>" once it accepts
connections and runs until killed.

Exit status 3 means the port could not be bound (the caller may retry).
"""

import argparse
import json
import os
import signal
import ssl
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

EXIT_CANNOT_BIND = 3


class Recorder:
    """Writes each accepted message and its envelope into a directory."""

    def __init__(self, maildir):
        self.maildir = maildir
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            number = self.count
        base = os.path.join(self.maildir, f"{number:04d}")
        login = None
        if isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode("utf-8", "replace")
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "authenticated": bool(session.authenticated),
            "login": login,
        }
        write_atomically(base + ".json", json.dumps(meta).encode())
        write_atomically(base + ".eml", envelope.original_content)
        return "250 Message accepted"


def write_atomically(path, data):
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.rename(path + ".tmp", path)


class Authenticator:
    """Accepts exactly one user and password, with any mechanism aiosmtpd offers."""

    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        if not ok:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=auth_data)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["starttls", "implicit"], required=True)
    parser.add_argument("--cert", required=True, help="PEM certificate of the server")
    parser.add_argument("--key", required=True, help="PEM private key of the server")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--maildir", required=True)
    return parser.parse_args()


def tls_context(cert, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def controller_for(args):
    context = tls_context(args.cert, args.key)
    common = dict(
        hostname="127.0.0.1",
        port=args.port,
        server_hostname="aiosmtpd.test",
        authenticator=Authenticator(args.user, args.password),
        auth_required=True,
    )
    recorder = Recorder(args.maildir)
    if args.mode == "implicit":
        # The whole connection is TLS, which aiosmtpd's STARTTLS check does not see.
        return Controller(recorder, ssl_context=context, auth_require_tls=False, **common)
    return Controller(recorder, tls_context=context, require_starttls=True, auth_require_tls=True, **common)


def main():
    # aiosmtpd warns about AUTH without STARTTLS (implicit TLS is TLS all the same) and about
    # its own deprecations; the test reads this output, so keep it to what matters.
    warnings.simplefilter("ignore")
    args = parse_args()
    controller = controller_for(args)
    try:
        controller.start()
    except Exception as error:  # aiosmtpd reports bind failures as various exceptions
        print(f"cannot start SMTP server on port {args.port}: {error!r}", flush=True)
        sys.exit(EXIT_CANNOT_BIND)
    print(f"READY {args.port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
