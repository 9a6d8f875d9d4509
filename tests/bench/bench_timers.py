"""bench_timers — how fast the daemon fires due timers when a million are
pending. Not a test: it prints figures for docs/BENCHMARKS.md.

    python3 tests/bench/bench_timers.py [DUE] [PENDING] [--fsync always|everysec]

DUE residents (default 10,000) each start the help flow through the
daemon (wl_loadgen, open loop), which plans each conversation's reminder
and expiry in the "timers" set; PENDING filler timers (default 1,000,000)
due in 30 days are added beside them. Then the daemon's clock (it runs
with --fake-clock) is moved on to just past the reminders, so every
conversation's reminder is due at once and each fire does its real work:
load the conversation, step it, commit the reminder and queue its text.
Two clocks: until every due timer has been fired and released (none left
due by the daemon's clock in "timers", none in "timers:lease"), and until
every reminder has been delivered (the outbox is empty). Whatever timer
code the build has is what is measured. Bounded: every wait is capped.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from wltest import Env, wait_until  # noqa: E402
from bench_throughput import BUILD, CONF, RefServer, bench_daemon, loadavg, loadgen, opt  # noqa: E402

TOOLS_OK = os.path.exists(os.path.join(BUILD, "wl_loadgen"))


def count_fires(log, result):
    with open(log, encoding="utf-8", errors="replace") as f:
        return sum(1 for line in f if "timers fire idle" in line and result in line)


def cpu_s(pid):
    """User + system CPU seconds a process has used so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")
            and a not in ("always", "everysec")]
    due = int(args[0]) if args else 10000
    pending = int(args[1]) if len(args) > 1 else 1000000
    fsync = opt("--fsync", "always")
    if not TOOLS_OK:
        sys.exit("build the tools first: cmake --build build --target "
                 "warmline wl_loadgen wl_refserver")
    env = Env(appendonly=True, redis_conf=CONF, fsync=fsync)
    ref = RefServer()
    ok = False
    try:
        d = bench_daemon(env, ref, fake_clock=True)
        rate = 300
        # "求助" starts the help flow, which plans the conversation's
        # reminder (5 minutes before it would end) and its expiry.
        loadgen(d.port, rate, due / rate, "tm", text="求助", senders=due)
        wait_until(lambda: env.redis.cmd("GET", "wl:ob:depth") in (None, "0"), 60,
                   step=0.1, what="replies sent")
        c = env.redis.client()
        now_ms = int(c.cmd("TIME")[0]) * 1000
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
        mem = c.cmd("MEMORY", "USAGE", "wl:timers", "SAMPLES", "0")
        ttl = d.cfg.get("session_ttl_s", 1800)
        advance = ttl - 300 + 2
        # What will be due once the clock moves: the reminders (and any
        # scheduled job that falls in the same span).
        horizon = now_ms + (advance + 60) * 1000
        will_be_due = c.cmd("ZCOUNT", "wl:timers", "-inf", horizon)
        c.cmd("CONFIG", "RESETSTAT")
        procs = {"daemon": d.proc.pid, "redis": env.redis.proc.pid}
        cpu0 = {k: cpu_s(v) for k, v in procs.items()}
        t0 = time.monotonic()
        status, body = d.admin("POST", "/api/v1/debug/clock", {"advance_s": advance})
        assert status == 200, (status, body)
        daemon_now = json.loads(body)["now_ms"]

        def fired():
            left = c.cmd("ZCOUNT", "wl:timers", "-inf", daemon_now)
            return left == 0 and c.cmd("ZCARD", "wl:timers:lease") == 0

        wait_until(fired, 300, step=0.005, what="every due timer fired")
        took = time.monotonic() - t0
        cpu = {k: round(cpu_s(v) - cpu0[k], 2) for k, v in procs.items()}
        wait_until(lambda: c.cmd("GET", "wl:ob:depth") in (None, "0"), 300,
                   step=0.01, what="reminders delivered")
        delivered = time.monotonic() - t0
        fires = will_be_due - c.cmd("ZCOUNT", "wl:timers", "-inf", horizon)
        stats = {l.split(":", 1)[0]: l.split(":", 1)[1]
                 for l in c.cmd("INFO", "commandstats").splitlines() if ":" in l}
        calls = int(stats.get("cmdstat_evalsha", "calls=0").split(",")[0][6:])
        committed = count_fires(d.log, "result=committed")
        print(json.dumps({
            "fsync": fsync, "pending_timers": total, "due": fires,
            "fires_committed": committed,
            "timers_zset_bytes": mem,
            "seconds_to_fire_all_due": round(took, 3),
            "fires_per_s": round(fires / took, 1),
            "seconds_to_deliver_every_reminder": round(delivered, 3),
            "scripts_per_fire": round(calls / max(1, fires), 2),
            "cpu_s_while_firing": cpu,
            "load": loadavg(),
        }, indent=1))
        ok = True
    finally:
        ref.stop()
        env.close(ok)


if __name__ == "__main__":
    main()
