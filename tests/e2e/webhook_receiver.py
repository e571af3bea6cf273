#!/usr/bin/env python3
"""A webhook receiver for tests/e2e/alerts.sh: listens on 127.0.0.1 (a free
port, written to PORTFILE once listening), appends each POST body as one
line to OUTFILE and answers 200 {"ok":true}. Usage:
    webhook_receiver.py OUTFILE PORTFILE [SECRET]
With SECRET, each post's signature is checked as docs/ALERTS.md tells a
receiver to (HMAC-SHA256 of "<X-Cxm-Timestamp>.<body>" keyed with SECRET,
compared in constant time with X-Cxm-Signature's sha256= value, the
timestamp within 5 minutes of now): one line "valid", "invalid", "stale"
or "unsigned" per post in OUTFILE.sig.
Stops on SIGTERM. Loopback only; no dependencies beyond the standard library."""
import hashlib
import hmac
import http.server
import signal
import sys
import time


def verdict(secret, headers, body):
    """What a receiver following docs/ALERTS.md decides about one post."""
    sig = headers.get("X-Cxm-Signature", "")
    ts = headers.get("X-Cxm-Timestamp", "")
    if not sig or not ts:
        return "unsigned"
    want = "sha256=" + hmac.new(secret, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        return "invalid"
    if abs(time.time() - int(ts)) > 300:
        return "stale"
    return "valid"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        ctype = self.headers.get("Content-Type", "")
        with open(self.server.outfile, "ab") as f:
            # the body alone on its line; the Content-Type checked by the test
            f.write(body.replace(b"\n", b" ") + b"\n")
        with open(self.server.outfile + ".types", "a") as f:
            f.write(ctype + "\n")
        if self.server.secret is not None:
            with open(self.server.outfile + ".sig", "a") as f:
                f.write(verdict(self.server.secret, self.headers, body) + "\n")
        out = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, fmt, *args):  # quiet
        pass


def main():
    outfile, portfile = sys.argv[1], sys.argv[2]
    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    srv.outfile = outfile
    srv.secret = sys.argv[3].encode() if len(sys.argv) > 3 else None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.replace(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
