"""`warmline chat` for real: a resident and a staff member talk to the
daemon through the terminal client (pipes standing in for the keyboard)."""

import json
import os
import subprocess
import threading

from t_cases import AREAS, STAFF
from wltest import BIN, ROOT, free_port, run, wait_until


def test_chat_resident_then_staff(env):
    port = free_port()
    d = env.daemon(areas=AREAS, staff=STAFF, start=False,
                   channels=[{"id": "demo", "type": "generic",
                              "secret": "it-secret-0123456789",
                              "callback_url": "http://127.0.0.1:%d/out" % port}])
    d.start()
    cfg = os.path.join(env.tmp, "chat.json")
    with open(cfg, "w") as f:
        json.dump(d.cfg, f, ensure_ascii=False)
    p = subprocess.Popen([BIN, "chat", "-c", cfg, "--as", "13900000041"], cwd=ROOT,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    out = []
    # The prompt has no newline: read whatever arrives.
    t = threading.Thread(target=lambda: out.extend(
        iter(lambda: os.read(p.stdout.fileno(), 4096), b"")), daemon=True)
    t.start()
    screen = lambda: b"".join(out).decode("utf-8", "replace")

    def type_line(line, want):
        p.stdin.write((line + "\n").encode())
        p.stdin.flush()
        wait_until(lambda: want in screen(), 10, what=repr(want))

    wait_until(lambda: "warmline chat" in screen(), 10, what="the banner")
    type_line("人工", "转接人工")
    type_line(":as u-zhao", "u-zhao>")
    type_line("待办", "待认领")
    no = env.redis.cmd("ZRANGE", "wl:cases", 0, -1)[0]
    type_line("认领 " + no, "已认领工单 " + no)
    # The resident's notice shows as a message to someone else.
    assert "[发给 13900000041]" in screen(), screen()
    type_line("回复 %s 我们马上到" % no, "已转给工单")
    p.stdin.write(b":quit\n")
    p.stdin.flush()
    assert p.wait(10) == 0
    t.join(5)
    assert "再见" in screen()


if __name__ == "__main__":
    run([test_chat_resident_then_staff])
