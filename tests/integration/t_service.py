"""deploy/warmline.service is sandboxed: `systemd-analyze security
--offline` scores it "OK" or better where systemd is installed, and the
hardening keys are there in any case (a fresh build machine may have no
systemd)."""

import os
import re
import shutil
import subprocess

from wltest import ROOT, run

UNIT = os.path.join(ROOT, "deploy", "warmline.service")

REQUIRED = {
    "NoNewPrivileges": "yes", "PrivateDevices": "yes", "PrivateTmp": "yes",
    "ProtectSystem": "strict", "ProtectHome": "yes",
    "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes",
    "RestrictNamespaces": "yes", "MemoryDenyWriteExecute": "yes",
    "LockPersonality": "yes", "RestrictRealtime": "yes",
    "RestrictSUIDSGID": "yes", "UMask": "0077", "CapabilityBoundingSet": "",
    "SystemCallArchitectures": "native",
}


def unit_keys():
    keys = {}
    with open(UNIT, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or line.startswith("["):
                continue
            k, _, v = line.partition("=")
            keys.setdefault(k, []).append(v)
    return keys


def test_unit_has_the_hardening_keys(env):
    keys = unit_keys()
    for k, v in REQUIRED.items():
        assert keys.get(k) == [v], (k, keys.get(k))
    assert "@system-service" in keys["SystemCallFilter"], keys["SystemCallFilter"]
    assert int(keys["LimitNOFILE"][0]) >= 4096 + 256, keys["LimitNOFILE"]
    assert keys["RestrictAddressFamilies"] == ["AF_INET AF_INET6 AF_UNIX"]


def test_systemd_analyze_scores_it_ok(env):
    exe = shutil.which("systemd-analyze")
    if not exe:
        print("systemd-analyze not installed: the key check above stands alone")
        return
    p = subprocess.run([exe, "security", "--offline=yes", "--no-pager", UNIT],
                       capture_output=True, text=True, timeout=60)
    out = p.stdout + p.stderr
    m = re.search(r"Overall exposure level for warmline\.service: ([0-9.]+) (\w+)", out)
    assert m, out[-2000:]
    print("systemd-analyze security: %s %s" % (m.group(1), m.group(2)))
    assert float(m.group(1)) < 2.0 and m.group(2) in ("PERFECT", "SAFE", "OK"), m.group(0)


if __name__ == "__main__":
    run([test_unit_has_the_hardening_keys, test_systemd_analyze_scores_it_ok])
