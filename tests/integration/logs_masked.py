"""logs_masked — after the integration suite: no daemon log line of the
whole run holds a mobile number (11 digits, 1[3-9]…) or a resident ID
number (18 characters with a valid check digit). Phone numbers are sender
ids on SMS and in the tests, so a log that printed one unmasked would show
here. Run by ctest as the cleanup of the it_logs fixture, with the folder
the harness filled (WL_IT_LOGS)."""

import glob
import os
import re
import sys

MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
ID18 = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])"
                  r"(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9A-Za-z])")
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_valid(s):
    """GB 11643: the check character of the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(s[:17], WEIGHTS))
    return "10X98765432"[total % 11] == s[17].upper()


def scan(folder):
    files = sorted(glob.glob(os.path.join(folder, "*.log")))
    hits, lines = [], 0
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                lines += 1
                found = MOBILE.findall(line)
                found += [m for m in ID18.findall(line) if id_valid(m)]
                if found:
                    hits.append("%s:%d: %s" % (os.path.basename(path), n, line.rstrip()))
    return files, lines, hits


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("WL_IT_LOGS", "")
    files, lines, hits = scan(folder)
    # The check itself must be able to fail: the patterns find what they
    # are for.
    assert MOBILE.search("from=13912345678 x") and not MOBILE.search("139****5678")
    assert [m for m in ID18.findall("id 11010519491231002X") if id_valid(m)]
    if not files:
        print("no daemon logs in %s: run the integration tests first" % folder)
        sys.exit(1)
    for h in hits[:50]:
        print(h)
    print("%d log files, %d lines, %d with a phone or ID number" % (len(files), lines, len(hits)))
    sys.exit(1 if hits else 0)


if __name__ == "__main__":
    main()
