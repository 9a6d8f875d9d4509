"""bench_timers — how fast the daemon fires due timers when a million are
pending. Not a test: it prints figures for docs/BENCHMARKS.md.

    python3 tests/bench/bench_timers.py [DUE] [PENDING] [--fsync always|everysec]

DUE residents (default 10,000) each start a conversation through the
daemon (wl_loadgen, open loop), which plans their conversation timers in
the "timers" set; PENDING filler timers (default 1,000,000) due in 30 days
are added beside them. Then DUE of the conversations' own timers are made
due at once, and the clock runs until every one of them has been fired
and released (none left due in "timers", none in "timers:lease"). Prints
fires per second. Whatever timer code the build has is what is measured.
Bounded: every wait is capped.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from wltest import ROOT, Env, wait_until  # noqa: E402
from bench_throughput import BUILD, CONF, RefServer, bench_daemon, loadavg, loadgen, opt  # noqa: E402

SECRET_OK = os.path.exists(os.path.join(BUILD, "wl_loadgen"))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")
            and a not in ("always", "everysec")]
    due = int(args[0]) if args else 10000
    pending = int(args[1]) if len(args) > 1 else 1000000
    fsync = opt("--fsync", "always")
    if not SECRET_OK:
        sys.exit("build the tools first: cmake --build build --target "
                 "warmline wl_loadgen wl_refserver")
    env = Env(appendonly=True, redis_conf=CONF, fsync=fsync)
    ref = RefServer()
    ok = False
    try:
        d = bench_daemon(env, ref)
        rate = 300
        # "求助" starts the help flow: its idle reminder and expiry are
        # planned as timers. Residents whose message failed are simply
        # not counted: the due timers are taken from what exists.
        loadgen(d.port, rate, due / rate, "tm", text="求助", senders=due)
        wait_until(lambda: env.redis.cmd("GET", "wl:ob:depth") in (None, "0"), 60,
                   step=0.1, what="replies sent")
        c = env.redis.client()
        now_ms = int(env.redis.cmd("TIME")[0]) * 1000
        far = now_ms + 30 * 86400 * 1000
        chunk = 1000
        for base in range(0, pending, chunk):
            cmd = ["ZADD", "wl:timers"]
            for i in range(base, min(pending, base + chunk)):
                cmd += [far + i, "bench:filler:%d" % i]
            c.send(*cmd)
        for base in range(0, pending, chunk):
            c.read()
        total = c.cmd("ZCARD", "wl:timers")
        mine = [m for m in c.cmd("ZRANGEBYSCORE", "wl:timers", now_ms, far - 1)
                if not m.startswith("sched:")][:due]
        assert len(mine) >= due // 2, (len(mine), due)
        due = len(mine)
        mem = c.cmd("MEMORY", "USAGE", "wl:timers", "SAMPLES", "0")
        cmd = ["ZADD", "wl:timers", "XX"]
        t_now = int(env.redis.cmd("TIME")[0]) * 1000
        for m in mine:
            cmd += [t_now - 1, m]
        t0 = time.monotonic()
        c.cmd(*cmd)

        def fired():
            left = c.cmd("ZCOUNT", "wl:timers", "-inf", int(time.time() * 1000))
            return left == 0 and c.cmd("ZCARD", "wl:timers:lease") == 0

        wait_until(fired, 300, step=0.01, what="every due timer fired")
        took = time.monotonic() - t0
        print(json.dumps({
            "fsync": fsync, "pending_timers": total, "due": due,
            "timers_zset_bytes": mem,
            "seconds_to_fire_all_due": round(took, 3),
            "fires_per_s": round(due / took, 1),
            "load": loadavg(),
        }, indent=1))
        ok = True
    finally:
        ref.stop()
        env.close(ok)


if __name__ == "__main__":
    main()
