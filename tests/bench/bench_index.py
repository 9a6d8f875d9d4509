"""bench_index — the case indexes kept by the commit, at a street's scale.
Not a test: it prints figures for docs/BENCHMARKS.md.

    python3 tests/bench/bench_index.py [CASES]

CASES cases (default 50,000), a fifth in each status, spread over four areas
and 30 days, are written the way an older version stored them; the daemon
then starts and indexes them (case_reindex, 500 a call). Prints the start
time, the indexes' memory per case (Redis used_memory before and after),
and the median reply time of 统计, 待办 and 我的 for a community staff
member (three areas in scope) and 统计 for a supervisor (every area).
Bounded: five requests each.
"""

import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from t_cases import Chat, daemon  # noqa: E402
import t_staff  # noqa: E402
from wltest import Env  # noqa: E402


def used(env):
    return int(re.search(r"used_memory:(\d+)", env.redis.cmd("INFO", "memory")).group(1))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    env = Env()
    ok = False
    try:
        rnd = random.Random(1)
        base = int(time.time() * 1000) - 30 * 86400000
        areas = ["c-hd", "g-hd-1", "g-hd-2", "c-xh"]
        cases = []
        for i in range(n):
            st, a = t_staff.STATUSES[i % 5], areas[i % 4]
            cases.append([str(10001 + i), st, a, base + rnd.randrange(30 * 86400000),
                          "" if st == "new" else t_staff.HOLDER[a], ""])
        t_staff.seed(env, cases)
        before = used(env)
        t0 = time.monotonic()
        d = daemon(env)
        start = time.monotonic() - t0
        print("cases: %d; start with the indexes built: %.2f s; index memory: %.0f bytes a case"
              % (n, start, (used(env) - before) / n))
        c = Chat(env, d)
        for who, cmd in [("u-liu", "统计"), ("u-liu", "待办"), ("u-liu", "我的"),
                         ("u-chen", "统计")]:
            ts = []
            for k in range(5):
                t0 = time.monotonic()
                status, _ = d.hook({"id": "b-%s-%s-%d" % (who, cmd, k), "from": who,
                                    "text": cmd})
                ts.append(time.monotonic() - t0)
                assert status == 200
            ts.sort()
            print("%s by %s: median %.1f ms" % (cmd, who, ts[2] * 1000))
        c.settle(60)
        ok = True
    finally:
        env.close(ok)


if __name__ == "__main__":
    main()
