#!/usr/bin/env bash
# Fails when C sources call a banned unsafe function (docs/CODE_STYLE.md).
set -u
cd "$(dirname "$0")/../.."
pattern='\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|strtok|strtok_r|gets)[[:space:]]*\('
hits=$(grep -nE "$pattern" --include='*.c' --include='*.h' --exclude-dir=node_modules -r src bot tests \
       | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|//|/\*)' || true)
if [ -n "$hits" ]; then
  echo "banned calls found:"
  echo "$hits"
  exit 1
fi
echo "no banned calls in $(find src bot tests -name node_modules -prune -o -name '*.[ch]' -print | wc -l) files"
