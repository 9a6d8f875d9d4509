#!/usr/bin/env bash
# Fails when a C file differs from what clang-format makes of it with the
# project's .clang-format (docs/CODE_STYLE.md).
set -u
cd "$(dirname "$0")/../.."
if ! command -v clang-format >/dev/null 2>&1; then
  echo "clang-format is not installed (deploy/setup installs it)"
  exit 1
fi
bad=0
files=$(find src bot tests -name node_modules -prune -o -name '*.[ch]' -print | sort)
for f in $files; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run: clang-format -i $f)"
    bad=1
  fi
done
[ $bad -eq 0 ] && echo "$(echo "$files" | wc -l) files formatted"
exit $bad
