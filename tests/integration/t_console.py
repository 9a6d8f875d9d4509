"""The console in a real browser and the OpenAPI document against live
answers: tests/browser (node's test runner; npm ci from the committed
lock file) against a real daemon on the fake clock and redis-server.
Debian's chromium runs headless; screenshots go to the build tree
(browser-artefacts/)."""

import os
import subprocess
import sys

from t_api import AREAS, staff
from wltest import ADMIN, SECRET, free_port, run

BROWSER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "browser")

STAFF = [staff("wang", "王芳", "grid_worker", "g-hd-1"),
         staff("liu", "刘敏", "community_staff", "c-hd"),
         staff("sun", "孙丽", "community_staff", "c-xh"),
         staff("chen", "陈刚", "supervisor", "tdj")]


_installed = []


def npm_ci():
    """Once per run: the committed lock file, from the npm registry."""
    if _installed:
        return
    r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=BROWSER_DIR, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    _installed.append(True)


def node_tests(env, files, cb_port, d, d2=None):
    art = os.path.join(os.environ.get("WL_BUILD", "build"), "browser-artefacts")
    os.makedirs(art, exist_ok=True)
    e = dict(os.environ, WL_URL="http://127.0.0.1:%d" % d.port, WL_ADMIN=ADMIN,
             WL_SECRET=SECRET, WL_CB_PORT=str(cb_port), WL_ARTEFACTS=os.path.abspath(art),
             WL_URL2="http://127.0.0.1:%d" % (d2 or d).port)
    r = subprocess.run(["node", "--test"] + files,
                       cwd=BROWSER_DIR, env=e, capture_output=True, text=True,
                       timeout=900)
    sys.stdout.write(r.stdout[-20000:])
    sys.stderr.write(r.stderr[-8000:])
    assert r.returncode == 0, "node tests failed"


def world(env, n=1):
    """n daemons on one redis-server; the generic channel's callback is
    the node side's stand-in for the chat."""
    cb_port = free_port()
    channels = [{"id": "demo", "type": "generic", "secret": SECRET,
                 "callback_url": "http://127.0.0.1:%d/out" % cb_port}]
    ds = [env.daemon(fake_clock=True, areas=AREAS, staff=STAFF, channels=channels)
          for _ in range(n)]
    return ds, cb_port


def test_openapi_against_live_answers(env):
    npm_ci()
    (d,), cb_port = world(env)
    node_tests(env, ["openapi.test.mjs"], cb_port, d)


def test_console_in_chromium(env):
    npm_ci()
    # The browser watches the first daemon; cases arrive through the
    # second, as they would behind a load balancer.
    (d, d2), cb_port = world(env, 2)
    node_tests(env, ["console.test.mjs"], cb_port, d, d2)


if __name__ == "__main__":
    run([test_openapi_against_live_answers, test_console_in_chromium])
