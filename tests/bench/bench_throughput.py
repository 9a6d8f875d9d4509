"""bench_throughput — intake, replies and latency of the real daemon against
the Redis ceiling and a bare libmicrohttpd server, under both fsync
policies. Not a test: it prints figures for docs/BENCHMARKS.md.

    python3 tests/bench/bench_throughput.py [--quick] [--fsync everysec,always]
        [--workers N] [--no-reference]

For each of appendfsync everysec and always (a fresh redis-server with
deploy/redis.conf each time):
1. the Redis ceiling: redis-benchmark runs the daemon's own two inbound
   scripts (inbound_load, inbound_commit, as embedded by the build, with
   the document the daemon sends for a "进度" message and a new random
   sender and id each call); one inbound message needs one of each, so
   the ceiling is 1 / (1/load_rate + 1/commit_rate) messages/s with 50
   clients (Redis saturated); the same with one client (one call at a
   time) is reported beside it;
2. the sustained rate: wl_loadgen (open loop, fixed rate, latency from
   each request's due time) sends signed generic-channel messages, each
   answered by one reply that the daemon sends to wl_refserver. A rate is
   sustained when every request is answered 200 with p99 under 500 ms and
   the outbox keeps pace: its depth at the end of the run is under 0.2 s
   worth of replies and it drains within 2 s once intake stops. The
   highest sustained rate is found by bisection;
3. latency at half the sustained rate (p50/p99/p99.9), three runs; the
   run with the median p99 is reported, with every run's p99 beside it.
Every run of the daemon starts from the same state: Redis emptied, its
AOF compacted (BGREWRITEAOF), then a short warm-up; each run reports how
many times Redis forked during it (an AOF rewrite or RDB save), since the
child competes for the same two cores.
and once, the bare reference server (wl_refserver, same thread pool) at
rising rates, the highest it answers on time.

Every run is bounded (seconds × rate requests, drains capped). Uses
127.0.0.1 only.
"""

import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from wltest import ROOT, SECRET, Env, free_port, wait_until  # noqa: E402

BUILD = os.environ.get("WL_BUILD", os.path.join(ROOT, "build"))
LOADGEN = os.path.join(BUILD, "wl_loadgen")
REFSERVER = os.path.join(BUILD, "wl_refserver")
CONF = os.path.join(ROOT, "deploy", "redis.conf")
QUICK = "--quick" in sys.argv


def opt(name, default):
    """--name VALUE from the command line."""
    if name in sys.argv[:-1]:
        return sys.argv[sys.argv.index(name) + 1]
    return default


POLICIES = opt("--fsync", "everysec,always").split(",")
WORKERS = opt("--workers", None)
RUN_S = 3 if QUICK else 5
HALF_S = 5 if QUICK else 10
HALF_REPEAT = 1 if QUICK else 3
STEPS = 4 if QUICK else 6

REPLY = "您目前没有正在办理的求助。需要帮助请直接说明情况。"


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


class RefServer:
    def __init__(self, workers=16):
        self.port = free_port()
        self.proc = subprocess.Popen([REFSERVER, str(self.port), str(workers)])
        wait_until(lambda: self._up(), 5, what="wl_refserver")

    def _up(self):
        import socket
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def loadgen(port, rate, seconds, tag, conns=64, path="/hook/demo", text="进度",
            senders=10000):
    out = subprocess.run([LOADGEN, "--port", str(port), "--rate", str(rate),
                          "--seconds", str(seconds), "--conns", str(conns),
                          "--tag", tag, "--path", path, "--secret", SECRET,
                          "--text", text, "--senders", str(senders)],
                         capture_output=True, text=True, timeout=seconds + 60)
    if out.returncode != 0:
        raise RuntimeError("wl_loadgen: " + out.stderr)
    return json.loads(out.stdout)


def redis_ceiling(env, n):
    r = env.redis
    sha = {}
    for name in ("inbound_load", "inbound_commit"):
        with open(os.path.join(BUILD, "lua", name + ".lua"), "rb") as f:
            sha[name] = r.cmd("SCRIPT", "LOAD", f.read())
    doc = json.dumps({
        "now": int(time.time() * 1000), "channel": "demo", "from": "1__rand_int__",
        "msg_id": "rb__rand_int__", "name": None, "text": "进度", "dedupe_ttl": 86400,
        "expect": 0, "session": "", "session_ttl": 88200,
        "out": [{"channel": "demo", "to": "1__rand_int__", "text": REPLY}],
        "cases": [], "timers": [], "kind": "text"}, ensure_ascii=False,
        separators=(",", ":"))
    calls = {
        "inbound_load": ["demo", "1__rand_int__", "rb__rand_int__", "", ""],
        "inbound_commit": [doc],
    }
    def rate(name, clients, count):
        out = subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(r.port),
                              "-c", str(clients), "-n", str(count), "-r", "100000000",
                              "-q", "EVALSHA", sha[name], "0", "wl:"] + calls[name],
                             capture_output=True, text=True, timeout=300)
        m = re.findall(r"([0-9.]+) requests per second", out.stdout)
        if not m:
            raise RuntimeError("redis-benchmark: " + out.stdout + out.stderr)
        return float(m[-1])

    rates = {name: rate(name, 50, n) for name in calls}
    rates["messages_per_s"] = 1 / (1 / rates["inbound_load"] + 1 / rates["inbound_commit"])
    # The same calls one at a time from one client: what a single
    # connection gets, each commit waiting for its own write (and, under
    # appendfsync always, its own fsync). Reported beside the saturated
    # figure above, which is the one the ratio is taken against.
    one = {name: rate(name, 1, max(2000, n // 10)) for name in calls}
    rates["one_client_messages_per_s"] = 1 / (1 / one["inbound_load"] +
                                              1 / one["inbound_commit"])
    # What the scripts left behind is not part of the daemon's runs.
    r.cmd("FLUSHALL")
    return rates


def bench_daemon(env, ref, fake_clock=False):
    """The daemon as deployed: its own defaults (the test harness pins 4
    workers; here the daemon's default applies unless --workers says)."""
    d = env.daemon(start=False, fake_clock=fake_clock, channels=[{
        "id": "demo", "type": "generic", "secret": SECRET,
        "callback_url": "http://127.0.0.1:%d/out" % ref.port}])
    if WORKERS:
        d.cfg["workers"] = int(WORKERS)
    else:
        del d.cfg["workers"]
    with open(d.path, "w") as f:
        json.dump(d.cfg, f, ensure_ascii=False, indent=1)
    d.start()
    return d


def depth(env):
    return int(env.redis.cmd("GET", "wl:ob:depth") or 0)


def forks(env):
    """Redis's fork count so far: an AOF rewrite or an RDB save forks, and
    the child competes for the same two cores."""
    for line in env.redis.cmd("INFO", "stats").splitlines():
        if line.startswith("total_forks:"):
            return int(line.split(":")[1])
    return 0


def fresh(env):
    """Empty Redis and a compacted AOF, so that a measurement does not
    start inside the rewrite that the bisection's volume set off."""
    env.redis.cmd("FLUSHALL")
    wait_until(lambda: "aof_rewrite_in_progress:0" in env.redis.cmd("INFO", "persistence"),
               120, step=0.2, what="no AOF rewrite in progress")
    env.redis.cmd("BGREWRITEAOF")
    wait_until(lambda: "aof_rewrite_in_progress:0" in env.redis.cmd("INFO", "persistence")
               and "aof_rewrite_scheduled:0" in env.redis.cmd("INFO", "persistence"),
               120, step=0.2, what="the AOF rewritten")
    # The rewrite left tens of MB of dirty pages; while the kernel writes
    # them back, every fsync of the AOF waits behind them.
    os.sync()


def daemon_run(env, d, rate, seconds, tag):
    f0 = forks(env)
    lg = loadgen(d.port, rate, seconds, tag)
    end_depth = depth(env)
    t0 = time.monotonic()
    drained = True
    try:
        wait_until(lambda: depth(env) == 0, 30, step=0.02, what="outbox drained")
    except AssertionError:
        drained = False
    drain_s = time.monotonic() - t0
    ok = (lg["errors"] == 0 and lg["late"] == 0 and lg["ok"] == lg["due"]
          and lg["latency_ms"]["p99"] < 500 and end_depth <= max(20, rate * 0.2)
          and drained and drain_s < 2)
    return {"rate": rate, "sustained": ok, "outbox_depth_at_end": end_depth,
            "drain_s": round(drain_s, 2), "load": loadavg(),
            "redis_forks": forks(env) - f0, "loadgen": lg}


def policy(fsync):
    env = Env(appendonly=True, redis_conf=CONF, fsync=fsync)
    ref = None
    ok = False
    try:
        ceiling = redis_ceiling(env, 20000 if QUICK else 50000)
        ref = RefServer()
        d = bench_daemon(env, ref)
        runs = []
        lo, hi = 0.0, ceiling["messages_per_s"] * 1.1
        best = None
        for i in range(STEPS):
            rate = round((lo + hi) / 2 if best or i else hi * 0.6)
            # Every step from the same start: an empty Redis whose AOF
            # was just compacted (each step's forks are reported).
            fresh(env)
            daemon_run(env, d, 200, 1, "%s-w%d" % (fsync, i))
            res = daemon_run(env, d, rate, RUN_S, "%s-s%d" % (fsync, i))
            runs.append(res)
            if res["sustained"]:
                lo, best = rate, res
            else:
                hi = rate
        sustained = best["rate"] if best else 0
        halves = []
        for k in range(HALF_REPEAT if sustained else 0):
            # Each from the same start (the bisection's overload left a
            # large AOF behind), repeated: on a shared 2-core machine one
            # run's tail says as much about the neighbours as the daemon.
            fresh(env)
            daemon_run(env, d, 200, 1, "%s-hw%d" % (fsync, k))
            halves.append(daemon_run(env, d, max(1, round(sustained / 2)), HALF_S,
                                     "%s-h%d" % (fsync, k)))
        halves.sort(key=lambda h: h["loadgen"]["latency_ms"]["p99"])
        half = halves[len(halves) // 2] if halves else None
        ok = True
        return {"fsync": fsync, "redis_ceiling": ceiling, "sustained_per_s": sustained,
                "ratio_to_ceiling": round(sustained / ceiling["messages_per_s"], 3),
                "ratio_to_one_client": round(
                    sustained / ceiling["one_client_messages_per_s"], 3),
                "half_rate": half,
                "half_rate_p99_ms_each": [h["loadgen"]["latency_ms"]["p99"] for h in halves],
                "search": runs}
    finally:
        if ref:
            ref.stop()
        env.close(ok)


def reference():
    ref = RefServer()
    try:
        best = None
        for rate in (5000, 10000, 20000, 30000, 40000):
            lg = loadgen(ref.port, rate, 2 if QUICK else 3, "ref%d" % rate)
            if lg["errors"] or lg["late"] or lg["latency_ms"]["p99"] >= 500 \
                    or lg["achieved_per_s"] < 0.98 * rate:
                break
            best = lg
        return best
    finally:
        ref.stop()


def main():
    for tool in (LOADGEN, REFSERVER):
        if not os.path.exists(tool):
            sys.exit("build the tools first: cmake --build build --target "
                     "warmline wl_loadgen wl_refserver")
    out = {"cores": os.cpu_count(), "load_at_start": loadavg(), "policies": []}
    out["reference"] = None if "--no-reference" in sys.argv else reference()
    for fsync in POLICIES:
        p = policy(fsync)
        if out["reference"]:
            p["ratio_to_reference"] = round(p["sustained_per_s"] /
                                            out["reference"]["achieved_per_s"], 3)
        out["policies"].append(p)
    out["load_at_end"] = loadavg()
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
