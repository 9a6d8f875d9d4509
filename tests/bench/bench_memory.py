"""bench_memory — what a case and a conversation cost in Redis, measured
with MEMORY USAGE on a real redis-server fed by the real daemon.

    python3 tests/bench/bench_memory.py [RESIDENTS]

RESIDENTS residents (default 40) each open a heating case through the
help flow on the generic channel (13 messages each); a second group of
the same size only starts a conversation (one message). Prints, as JSON:
- per open case: the case's own keys (case hash, timeline) plus its share
  of the indexes the commit keeps (cases, case indexes, the resident's
  case:open:*), i.e. the growth of every key that is not a session,
  contact, dedupe mark, inbox entry, outbound message or timer, divided by
  the number of cases; and apart from it, the timers planned while the
  case was opened (the conversation's and the case's response times);
- per session: the session hash and the contact hash of a resident who
  only said one thing;
- per message: the dedupe mark and the inbox entry (both expire or are
  trimmed).
Bounded: RESIDENTS * 14 messages, every wait capped.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from wltest import ROOT, Env, wait_until  # noqa: E402

HELP = ["求助", "1", "张大爷", "3", "1", "七十二", "惠丰", "幸福小区3号楼2单元",
        "1", "暖气片不热，老人怕冷", "2", "本机", "是"]
AREAS = [
    {"id": "tdj", "name": "太行东街街道", "level": "street",
     "duty": {"channel": "demo", "to": "duty-street"},
     "children": [
         {"id": "c-hd", "name": "惠丰社区", "level": "community", "aliases": ["惠丰"],
          "duty": {"channel": "demo", "to": "duty-hd"}}]}]


def usage(r, keys):
    c = r.client()
    try:
        return {k: c.cmd("MEMORY", "USAGE", k, "SAMPLES", "0") or 0 for k in keys}
    finally:
        c.close()


def keys(r):
    return sorted(r.cmd("KEYS", "*"))


def classify(k):
    for pre, kind in (("wl:session:", "session"), ("wl:contact:", "contact"),
                      ("wl:dedupe:", "dedupe"), ("wl:inbox", "inbox"),
                      ("wl:ob:", "outbox"), ("wl:timers", "timers"),
                      ("wl:sched", "timers")):
        if k.startswith(pre):
            return kind
    return "case"


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    # The production settings (deploy/redis.conf), on a private port.
    env = Env(appendonly=True, redis_conf=os.path.join(ROOT, "deploy", "redis.conf"))
    ok = False
    seq = 0
    try:
        d = env.daemon(areas=AREAS, staff=[])

        def say(frm, text):
            nonlocal seq
            seq += 1
            status, _ = d.hook({"id": "mem%d" % seq, "from": frm, "text": text})
            assert status == 200, status

        def settle():
            wait_until(lambda: env.redis.cmd("GET", "wl:ob:depth") in (None, "0"),
                       60, step=0.05, what="outbox drained")

        # A baseline case first, so that shared keys (case:seq, the
        # indexes) exist before the counted ones.
        for t in HELP:
            say("13700000000", t)
        settle()
        before = usage(env.redis, keys(env.redis))
        timers_before = env.redis.cmd("ZCARD", "wl:timers")
        for i in range(n):
            for t in HELP:
                say("1390000%04d" % i, t)
        settle()
        after = usage(env.redis, keys(env.redis))
        timers_after = env.redis.cmd("ZCARD", "wl:timers")
        grown, shared = {}, {}
        for k, v in after.items():
            kind = classify(k)
            grown[kind] = grown.get(kind, 0) + v - before.get(k, 0)
            if kind == "case" and not k.startswith("wl:case:1") \
                    and not k.startswith("wl:case:open:"):
                name = k.split(":", 1)[1]
                shared[name] = round((v - before.get(k, 0)) / n)
        cases = int(env.redis.cmd("GET", "wl:case:seq")) - 1001
        assert cases == n, cases
        one = usage(env.redis, [k for k in after if k.startswith("wl:case:1002")])
        # Conversations that only started.
        for i in range(n):
            say("1380000%04d" % i, "你好")
        settle()
        sess = usage(env.redis, ["wl:session:demo:1380000%04d" % i for i in range(n)])
        cont = usage(env.redis, ["wl:contact:demo:1380000%04d" % i for i in range(n)])
        msgs = seq
        print(json.dumps({
            "residents": n,
            "bytes_per_open_case": round(grown["case"] / n),
            "timer_bytes_per_open_case": round(grown.get("timers", 0) / n),
            "timers_per_open_case": round((timers_after - timers_before) / n, 1),
            "one_case_keys": one,
            "shared_keys_per_case": shared,
            "bytes_per_session": round(sum(sess.values()) / n),
            "bytes_per_contact": round(sum(cont.values()) / n),
            "bytes_per_message_dedupe_and_inbox":
                round((grown.get("dedupe", 0) + grown.get("inbox", 0)) / (n * len(HELP))),
            "messages": msgs,
        }, indent=1, ensure_ascii=False))
        ok = True
    finally:
        env.close(ok)


if __name__ == "__main__":
    main()
