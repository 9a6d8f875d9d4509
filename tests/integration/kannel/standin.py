#!/usr/bin/env python3
"""standin.py — a stand-in for the warmline daemon in run.sh's self-test.

Listens on 127.0.0.1:PORT for smsbox's get-url requests, decodes the
message the way the kannel adapter does (%b bytes, UTF-16BE when coding is
2), appends one JSON line per message to LOG, answers 200, and -- when
given a sendsms URL -- replies "已收到：<text>" to the sender through
Kannel's sendsms interface, as the daemon's outbox would.

usage: standin.py PORT LOG SECRET [SENDSMS_URL USER PASS FROM]
"""
import http.server
import json
import sys
import threading
import urllib.parse
import urllib.request


def decode(query):
    # latin-1 keeps every %XX byte as one code point, so the raw bytes
    # survive; parse_qs would lose them in UTF-8.
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True,
                                   encoding="latin-1")
    raw = {k: v.encode("latin-1") for k, v in pairs}
    text = raw.get("text", b"")
    if raw.get("coding") == b"2" or raw.get("charset", b"").upper() == b"UTF-16BE":
        text = text.decode("utf-16-be")
    else:
        text = text.decode("utf-8", "replace")
    return {k: v.decode("utf-8", "replace") for k, v in raw.items()
            if k != "text"} | {"text": text}


def send_reply(args, to, text):
    url, user, pw, frm = args
    q = urllib.parse.urlencode({"username": user, "password": pw, "to": to,
                                "from": frm, "charset": "UTF-8",
                                "coding": "2", "text": text})
    with urllib.request.urlopen(url + "?" + q, timeout=10) as r:
        r.read()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path, _, query = self.path.partition("?")
        msg = decode(query)
        if msg.get("secret") != self.server.secret:
            self.send_response(401)
            self.end_headers()
            return
        with open(self.server.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(msg, ensure_ascii=False) + "\n")
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if self.server.reply:
            threading.Thread(target=send_reply, daemon=True,
                             args=(self.server.reply, msg["from"],
                                   "已收到：" + msg["text"])).start()

    def log_message(self, *args):
        pass


def main():
    if len(sys.argv) not in (4, 8):
        sys.exit(__doc__)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])),
                                          Handler)
    srv.log = sys.argv[2]
    srv.secret = sys.argv[3]
    srv.reply = sys.argv[4:8] if len(sys.argv) == 8 else None
    srv.serve_forever()


if __name__ == "__main__":
    main()
