"""SMS for real: Debian's Kannel (bearerbox + smsbox) with its fake SMS
center. A Chinese SMS (UCS-2) from a phone becomes a case; the replies go
out through sendsms and reach the phone intact; staff replies reach the
resident by SMS."""

import json
import os
import re
import subprocess

from wltest import ROOT, free_port, run, wait_until

RUN = os.path.join(ROOT, "tests", "integration", "kannel", "run.sh")
SECRET = "kannel-it-secret"


def sh(*args, timeout=60):
    p = subprocess.run(["bash", RUN] + list(args), capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def mt_messages(out, sender):
    """fakesmsc's log as (from, to, text); a text may hold newlines."""
    parts = re.split(r"(?m)^%s (\d+) " % re.escape(sender), out)
    return [(sender, parts[i], parts[i + 1].rstrip("\n"))
            for i in range(1, len(parts) - 1, 2)]


def kannel_env(d):
    out = {}
    with open(os.path.join(d, "kannel.env")) as f:
        for line in f:
            if "=" in line:
                k, v = line.strip().split("=", 1)
                out[k] = v
    return out


def test_sms_in_case_out(env):
    kdir = os.path.join(env.tmp, "kannel")
    os.makedirs(kdir)
    port = free_port()
    try:
        _sms_round_trip(env, kdir, port)
    finally:
        # Whatever started, even a half start, is stopped.
        sh("stop", kdir)


def _sms_round_trip(env, kdir, port):
    rc, out, err = sh("start", kdir, "http://127.0.0.1:%d/hook/sms" % port, SECRET)
    if rc != 0:
        # A port taken between the check and the bind: once more, on new
        # ports, and say why the first start failed.
        print("kannel start failed once: %s" % err.strip())
        sh("stop", kdir)
        port = free_port()
        rc, out, err = sh("start", kdir, "http://127.0.0.1:%d/hook/sms" % port, SECRET)
    assert rc == 0, (out, err)
    k = kannel_env(kdir)
    sms = {"id": "sms", "type": "kannel", "secret": SECRET,
           "sendsms_url": k["KANNEL_SENDSMS_URL"], "username": k["KANNEL_USER"],
           "password": k["KANNEL_PASS"], "from": k["KANNEL_FROM"]}
    d = env.daemon(name="sms")
    d.cfg["listen"] = "127.0.0.1:%d" % port
    d.port = port
    d.cfg["channels"].append(sms)
    d.cfg["staff"][0]["area"] = "tdj"
    d.cfg["staff"][0]["role"] = "street_staff"
    d.stop()
    with open(d.path, "w") as f:
        json.dump(d.cfg, f, ensure_ascii=False)
    d.start()
    phone = "13800138000"
    rc, out, err = sh("inject", kdir, phone, "我家煤气中毒了，有人晕倒")
    assert rc == 0, err
    # Safety advice + "case opened" come back by SMS, each one segment.
    rc, out, err = sh("wait-mt", kdir, "2", "30")
    assert rc == 0, (out, err, d.tail())
    lines = mt_messages(out, k["KANNEL_FROM"])
    assert all(to == phone for _, to, _ in lines), lines
    texts = [t for _, _, t in lines]
    assert any("120" in t for t in texts), texts
    assert all(len(t) <= 70 for t in texts), [len(t) for t in texts]
    no = env.redis.cmd("ZRANGE", "wl:cases", 0, -1)[-1]
    h = env.redis.cmd("HGETALL", "wl:case:" + no)
    h = dict(zip(h[::2], h[1::2]))
    assert (h["channel"], h["from"], h["urgency"]) == ("sms", phone, "urgent"), h
    assert "煤气中毒" in h.get("emergency", "") + h.get("trigger_text", ""), h
    count = env.redis.cmd("ZCARD", "wl:cases")
    # Staff claim and reply in their own chat; the resident gets an SMS.
    d.hook({"id": "s1", "from": "u-wang", "text": "认领 " + no})
    d.hook({"id": "s2", "from": "u-wang", "text": "回复 %s 我们十分钟到，请开窗通风" % no})
    def replied():
        r, o, _ = sh("mt", kdir)
        return "十分钟到" in o
    wait_until(replied, 30, what="staff reply by SMS")
    assert env.redis.cmd("ZCARD", "wl:cases") == count


if __name__ == "__main__":
    run([test_sms_in_case_out])
