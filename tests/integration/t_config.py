"""`warmline check` and `warmline serve` on broken configs and flows: one
FILE: WHERE: WHAT line per problem, exit 1, and serve refuses to start with
the same lines."""

import json
import os
import shutil
import subprocess

from wltest import BIN, ROOT, free_port, run

BAD = {
    "unknown_top_key": 'worker: unknown key "worker" (did you mean "workers"?)',
    "unknown_channel_key": 'channels[0].hmac_key: unknown key "hmac_key"',
    "wrong_type": "workers: expected integer, got string",
    "listen_port": "listen: port must be between 1 and 65535 (got 70000)",
    "sla_range": "sla.respond_s: must be between 60 and 31536000 (got 30)",
    "secret_env_unset": "channels[0].secret_env: environment variable "
                        "WARMLINE_TEST_UNSET_SECRET is not set",
    "dup_channel": 'channels[1].id: duplicate id "demo" (first at channels[0])',
    "dup_area": 'areas[0].children[1].id: duplicate id "c-hd" '
                "(first at areas[0].children[0])",
    "staff_area_unknown": 'staff[0].area: unknown area "g-9"',
    "duty_channel_unknown": 'areas[0].duty.channel: unknown channel "x"',
    "syntax": "line 3 column 11: '}' expected near '\"workers\"'",
    "channel_type": 'channels[0].type: unknown channel type "carrier-pigeon"',
    "generic_no_callback": 'channels[0].callback_url: required for channel type "generic"',
    "bad_role": "staff[0].role: must be one of grid_worker, community_staff, "
                'community_director, street_staff, supervisor (got "boss")',
    "wechat_plain": "channels[0].type: plain mode (no encoding_aes_key): the "
                    "signature does not cover the body, so whoever can see a "
                    "request on its way can change its sender and text; set "
                    'encoding_aes_key (safe mode), or "insecure_plain": true '
                    "to accept the risk",
    "feishu_token_only": "channels[0].type: plain mode (no encrypt_key): nothing "
                         "in a request is signed or expires, so anyone who has "
                         "seen one request (a proxy log) can forge messages at "
                         'any time; set encrypt_key (signed events), or '
                         '"insecure_plain": true to accept the risk',
}


def cli(*args, cwd=ROOT):
    env = dict(os.environ)
    env.pop("WARMLINE_TEST_UNSET_SECRET", None)
    p = subprocess.run([BIN] + list(args), cwd=cwd, env=env, capture_output=True,
                       text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def test_check_rejects_each_broken_config(env):
    for name, what in BAD.items():
        path = "tests/configs/bad/%s.json" % name
        rc, out, err = cli("check", "-c", path)
        assert rc == 1, (name, rc, out, err)
        assert "%s: %s" % (path, what) in err.splitlines(), (name, err)
        assert "configuration OK" not in out


def test_serve_refuses_with_the_same_lines(env):
    for name in ["unknown_top_key", "dup_area", "secret_env_unset"]:
        path = "tests/configs/bad/%s.json" % name
        rc, out, err = cli("serve", "-c", path)
        assert rc == 1, (name, rc)
        assert "%s: %s" % (path, BAD[name]) in err.splitlines(), err


def test_several_problems_all_reported(env):
    rc, _, err = cli("check", "-c", "tests/configs/bad/many.json")
    lines = [l for l in err.splitlines() if l.startswith("tests/configs/bad/many.json: ")]
    assert rc == 1 and len(lines) >= 5, err


def test_demo_config_is_ok(env):
    rc, out, err = cli("check", "-c", "deploy/warmline.demo.json")
    assert rc == 0 and out.strip() == "configuration OK", (rc, out, err)


def test_broken_flow_is_refused_with_file_and_place(env):
    flows = os.path.join(env.tmp, "flows")
    shutil.copytree(os.path.join(ROOT, "flows"), flows)
    with open(os.path.join(flows, "help.json"), encoding="utf-8") as f:
        help_flow = json.load(f)
    first = help_flow["start"]
    help_flow["nodes"][first]["next"] = "no_such_node"
    with open(os.path.join(flows, "help.json"), "w", encoding="utf-8") as f:
        json.dump(help_flow, f, ensure_ascii=False)
    cfg_path = os.path.join(env.tmp, "c.json")
    with open(os.path.join(ROOT, "deploy/warmline.demo.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["flows_dir"] = flows
    cfg["listen"] = "127.0.0.1:%d" % free_port()
    cfg["redis"] = {"url": "redis://127.0.0.1:%d/0" % env.redis.port}
    with open(cfg_path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, ensure_ascii=False)
    rc, out, err = cli("check", "-c", cfg_path)
    want = [l for l in err.splitlines()
            if l.startswith(os.path.join(flows, "help.json") + ": ") and "no_such_node" in l]
    assert rc == 1 and want, err
    rc, out, err2 = cli("serve", "-c", cfg_path)
    assert rc == 1 and want[0] in err2.splitlines(), err2


def test_usage_errors(env):
    assert cli("check")[0] == 2
    assert cli("frobnicate")[0] == 2
    rc, out, _ = cli("version")
    assert rc == 0 and out.startswith("warmline ")


if __name__ == "__main__":
    run([test_check_rejects_each_broken_config,
         test_serve_refuses_with_the_same_lines,
         test_several_problems_all_reported,
         test_demo_config_is_ok,
         test_broken_flow_is_refused_with_file_and_place,
         test_usage_errors])
