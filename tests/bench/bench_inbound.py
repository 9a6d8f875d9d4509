"""bench_inbound — inbound throughput and latency through the real daemon
and a real redis-server on loopback, and the daemon's memory.

    python3 tests/bench/bench_inbound.py [N] [CONCURRENCY]

Sends N signed generic-channel messages ("进度": one load, one commit,
one reply each) from CONCURRENCY client threads, each a distinct sender,
then waits for every reply at the local callback. Prints requests per
second, latency percentiles, outbound delivery rate and the daemon's
peak RSS. Bounded: it stops after N messages or 300 s.
"""

import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from wltest import Env, wait_until  # noqa: E402


def rss_kb(pid, field="VmHWM"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    conc = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    env = Env(appendonly=True)
    ok = False
    try:
        d = env.daemon(workers=4)
        lat = []
        lock = threading.Lock()
        deadline = time.monotonic() + 300

        def worker(k):
            mine = []
            for i in range(k, n, conc):
                if time.monotonic() > deadline:
                    break
                t0 = time.perf_counter()
                status, _ = d.hook({"id": "b%d" % i, "from": "1390%07d" % i, "text": "进度"})
                mine.append(time.perf_counter() - t0)
                assert status == 200, status
            with lock:
                lat.extend(mine)
        t0 = time.perf_counter()
        ts = [threading.Thread(target=worker, args=(k,)) for k in range(conc)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        t_in = time.perf_counter() - t0
        wait_until(lambda: len(env.cb.messages()) >= len(lat), 300, step=0.1, what="replies")
        t_all = time.perf_counter() - t0
        lat.sort()
        pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
        print(json.dumps({
            "messages": len(lat), "client_threads": conc,
            "inbound_per_s": round(len(lat) / t_in, 1),
            "latency_ms": {"p50": round(pct(0.5), 2), "p90": round(pct(0.9), 2),
                           "p99": round(pct(0.99), 2), "max": round(lat[-1] * 1000, 2)},
            "replies_delivered_per_s": round(len(lat) / t_all, 1),
            "daemon_peak_rss_kb": rss_kb(d.proc.pid),
        }, indent=1))
        ok = True
    finally:
        env.close(ok)


if __name__ == "__main__":
    main()
