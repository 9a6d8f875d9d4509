"""wltest — the integration harness: a real redis-server and the real
warmline daemon on free loopback ports, a local callback server that
stands in for the generic channel's receiver, and a small RESP client.

Everything binds 127.0.0.1 only. Every wait is bounded. Processes are
stopped by the pid this harness started.
"""

import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("WL_BIN", os.path.join(ROOT, "build", "warmline"))
SECRET = "it-secret-0123456789"
ADMIN = "it-admin-token"


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(pred, timeout=10.0, step=0.02, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))


def sign(body, secret=SECRET):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Resp:
    """A minimal Redis client (RESP2), enough for assertions."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = bytearray()
        self.pos = 0

    def close(self):
        self.sock.close()

    # The buffer is read from an offset and compacted only when it has
    # been used up, so a reply of thousands of elements costs linear time.
    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("redis closed the connection")
        if self.pos:
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += chunk

    def _line(self):
        while True:
            end = self.buf.find(b"\r\n", self.pos)
            if end >= 0:
                break
            self._fill()
        line, self.pos = bytes(self.buf[self.pos:end]), end + 2
        return line

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data, self.pos = bytes(self.buf[self.pos:self.pos + n]), self.pos + n + 2
        return data

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n).decode("utf-8", "replace")
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError("bad RESP line %r" % line)

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))

    def cmd(self, *args):
        self.send(*args)
        return self.read()


class Redis:
    """A private redis-server in a temporary folder."""

    def __init__(self, tmp, appendonly=True, conf=None, fsync="always"):
        self.port = free_port()
        self.dir = os.path.join(tmp, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.appendonly = appendonly
        self.conf = conf  # a redis.conf read first (deploy/redis.conf)
        self.fsync = fsync
        self.proc = None
        self.start()

    def start(self):
        args = ["redis-server"] + ([self.conf] if self.conf else []) + [
                "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", self.dir, "--save", "", "--daemonize", "no",
                "--logfile", "redis.log",
                "--appendonly", "yes" if self.appendonly else "no",
                "--appendfsync", self.fsync]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

        def up():
            try:
                c = Resp(self.port)
                ok = c.cmd("PING") == "PONG"
                c.close()
                return ok
            except OSError:
                return False
            except RuntimeError:  # LOADING
                return False
        wait_until(up, 10, what="redis-server on port %d" % self.port)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def client(self):
        return Resp(self.port)

    def cmd(self, *args):
        c = Resp(self.port)
        try:
            return c.cmd(*args)
        finally:
            c.close()

    def settled_snapshot(self, timeout=15.0, gap=0.4, still=3):
        """A snapshot once nothing has changed for `still` looks `gap`
        seconds apart: the daemon's background threads (timers, sender)
        have finished what they had to do, so a later difference can only
        come from the request under test."""
        prev = self.snapshot()
        same = 0
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            time.sleep(gap)
            cur = self.snapshot()
            same = same + 1 if cur == prev else 0
            if same >= still:
                return cur
            prev = cur
        raise AssertionError("redis kept changing for %.0fs" % timeout)

    def snapshot(self):
        """Every key with its type and serialized value: to prove that a
        rejected request changed nothing."""
        c = Resp(self.port)
        try:
            out = {}
            for k in c.cmd("KEYS", "*"):
                out[k] = (c.cmd("TYPE", k), c.cmd("DUMP", k))
            return out
        finally:
            c.close()


class Callback:
    """A local HTTP server standing in for the generic channel's receiver.
    `script` is a list of statuses (or (status, headers) tuples) answered
    in order; after it runs out every request gets 200."""

    def __init__(self, secret=SECRET):
        self.port = free_port()
        self.secret = secret
        self.lock = threading.Lock()
        self.received = []  # (time, json) of every request, good or not
        self.script = []
        self.delay = 0.0
        harness = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                ok_sig = hmac.compare_digest(
                    self.headers.get("X-Warmline-Signature", ""),
                    sign(body, harness.secret))
                try:
                    msg = json.loads(body)
                except ValueError:
                    msg = None
                with harness.lock:
                    delay = harness.delay
                    answer = harness.script.pop(0) if harness.script else 200
                if delay:
                    time.sleep(delay)
                headers = {}
                if isinstance(answer, tuple):
                    answer, headers = answer
                with harness.lock:
                    harness.received.append({"at": time.monotonic(), "msg": msg,
                                             "signed": ok_sig, "status": answer})
                self.send_response(answer)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/out" % self.port

    def messages(self, to=None, delivered_only=True):
        with self.lock:
            return [r["msg"] for r in self.received
                    if (not delivered_only or r["status"] == 200)
                    and (to is None or (r["msg"] or {}).get("to") == to)]

    def requests(self):
        with self.lock:
            return list(self.received)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def base_config(redis_port, callback_url, listen_port, **over):
    cfg = {
        "listen": "127.0.0.1:%d" % listen_port,
        "redis": {"url": "redis://127.0.0.1:%d/0" % redis_port, "prefix": "wl:"},
        "timezone": "Asia/Shanghai",
        "flows_dir": os.path.join(ROOT, "flows"),
        "admin": {"token": ADMIN},
        "workers": 4,
        "outbox": {"backoff_ms": 100, "max_backoff_ms": 2000, "lease_ms": 2000,
                   "timeout_ms": 3000, "max_tries": 5},
        "channels": [
            {"id": "demo", "type": "generic", "secret": SECRET,
             "callback_url": callback_url}
        ],
        "areas": [
            {"id": "tdj", "name": "太行东街街道", "level": "street",
             "duty": {"channel": "demo", "to": "duty-street"},
             "children": [
                 {"id": "c-hd", "name": "惠丰社区", "level": "community",
                  "aliases": ["惠丰"],
                  "duty": {"channel": "demo", "to": "duty-hd"},
                  "children": [
                      {"id": "g-hd-1", "name": "第一网格", "level": "grid",
                       "duty": {"channel": "demo", "to": "duty-hd-1"}}]}]}
        ],
        "staff": [
            {"id": "wang", "name": "王芳", "role": "grid_worker", "area": "g-hd-1",
             "chat": {"channel": "demo", "id": "u-wang"}}
        ],
        "sla": {"respond_s": 3600, "handle_s": 86400, "feedback_s": 259200},
    }
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(cfg.get(k), dict):
            cfg[k].update(v)
        else:
            cfg[k] = v
    return cfg


class Daemon:
    """The real warmline daemon."""

    def __init__(self, tmp, cfg, fake_clock=False, name="daemon"):
        self.tmp = tmp
        self.cfg = cfg
        self.port = int(cfg["listen"].rsplit(":", 1)[1])
        self.path = os.path.join(tmp, name + ".json")
        self.log = os.path.join(tmp, name + ".log")
        self.fake = fake_clock
        with open(self.path, "w") as f:
            json.dump(cfg, f, ensure_ascii=False, indent=1)
        self.proc = None

    def start(self, wait=True):
        args = [BIN, "serve", "-c", self.path]
        if self.fake:
            args.append("--fake-clock")
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(args, stdout=self.logf, stderr=self.logf,
                                     cwd=ROOT)
        if wait:
            wait_until(lambda: self.proc.poll() is not None or
                       self.get("/healthz")[0] == 200, 15, what="daemon healthz")
            assert self.proc.poll() is None, "daemon exited:\n" + self.tail()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def request(self, method, path, body=None, headers=None, timeout=10):
        req = urllib.request.Request(self.url(path), data=body, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")
        except (urllib.error.URLError, ConnectionError, socket.timeout):
            return 0, ""

    def get(self, path):
        return self.request("GET", path)

    def hook(self, msg, channel="demo", secret=SECRET, signature=None, raw=None):
        body = raw if raw is not None else json.dumps(msg, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if signature is None:
            signature = sign(body, secret)
        if signature is not False:
            headers["X-Warmline-Signature"] = signature
        return self.request("POST", "/hook/" + channel, body, headers)

    def admin(self, method, path, obj=None, token=ADMIN):
        body = None if obj is None else json.dumps(obj).encode()
        headers = {"Authorization": "Bearer " + token,
                   "Content-Type": "application/json"}
        return self.request(method, path, body, headers)

    def stop(self, timeout=20):
        """SIGTERM; returns the exit code (0 expected: a clean drain, and
        no leak under LeakSanitizer)."""
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        self.logf.close()
        return rc

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None
        self.logf.close()

    def tail(self, n=60):
        try:
            with open(self.log, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""


class Env:
    """One test's world: temp folder, redis, callback server, daemons."""

    def __init__(self, appendonly=True, redis_conf=None, fsync="always"):
        self.tmp = tempfile.mkdtemp(prefix="wl-it-")
        self.redis = Redis(self.tmp, appendonly, redis_conf, fsync)
        self.cb = Callback()
        self.daemons = []

    def daemon(self, fake_clock=False, start=True, name=None, **over):
        cfg = base_config(self.redis.port, self.cb.url, free_port(), **over)
        d = Daemon(self.tmp, cfg, fake_clock,
                   name or "daemon%d" % len(self.daemons))
        self.daemons.append(d)
        if start:
            d.start()
        return d

    def close(self, ok):
        codes = []
        for d in self.daemons:
            if d.proc:
                codes.append((d, d.stop()))
        keep_logs(self.daemons)
        if not ok:
            for d in self.daemons:
                sys.stderr.write("---- %s log ----\n%s\n" % (d.path, d.tail()))
        self.cb.close()
        self.redis.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        for d, rc in codes:
            if rc != 0 and ok:
                sys.stderr.write("---- %s log ----\n%s\n" % (d.path, d.tail()))
                raise AssertionError("daemon exited with %r on SIGTERM" % rc)


def keep_logs(daemons):
    """Copy each daemon's log to $WL_IT_LOGS, where logs_masked.py reads
    the whole suite's logs for personal numbers."""
    dest = os.environ.get("WL_IT_LOGS")
    if not dest:
        return
    os.makedirs(dest, exist_ok=True)
    script = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    for d in daemons:
        if os.path.exists(d.log):
            fd, path = tempfile.mkstemp(prefix="%s-" % script, suffix=".log", dir=dest)
            with os.fdopen(fd, "wb") as out, open(d.log, "rb") as f:
                shutil.copyfileobj(f, out)


def run(tests):
    """Run test functions, each with a fresh Env; print a closing line
    'N passed, N failed' and exit non-zero on any failure."""
    passed = failed = 0
    only = sys.argv[1:]
    for t in tests:
        if only and t.__name__ not in only:
            continue
        env = Env()
        ok = False
        t0 = time.monotonic()
        try:
            t(env)
            ok = True
        except Exception:
            traceback.print_exc()
        try:
            env.close(ok)
        except Exception:
            traceback.print_exc()
            ok = False
        if ok:
            passed += 1
        else:
            failed += 1
        print("%s %s (%.2fs)" % ("ok  " if ok else "FAIL", t.__name__,
                                  time.monotonic() - t0), flush=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
