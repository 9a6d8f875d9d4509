#!/usr/bin/env bash
# run.sh — a real Kannel (bearerbox + smsbox) with a fake SMS center
# (test/fakesmsc) on free loopback ports, for the SMS integration tests.
#
#   run.sh start DIR HOOK_URL SECRET
#       Start bearerbox, smsbox and fakesmsc. Every MO SMS is fetched by
#       smsbox as HOOK_URL?secret=SECRET&from=%p&to=%P&id=%I&coding=%c
#       &charset=%C&text=%b. Writes DIR/kannel.env (see `env`).
#   run.sh env DIR
#       Print DIR/kannel.env, plain KEY=VALUE lines (no quotes, no
#       spaces): KANNEL_SENDSMS_URL, KANNEL_USER, KANNEL_PASS, KANNEL_FROM
#       (the number MO SMS are sent to, and replies come from), the
#       ports, KANNEL_PIDS.
#   run.sh inject DIR FROM TEXT
#       Send TEXT (UTF-8) from phone FROM to KANNEL_FROM as one UCS-2 SMS
#       (coding 2), as a phone would send Chinese.
#   run.sh wait-mt DIR N [SECONDS]
#       Wait until fakesmsc has received N MT messages (default 20 s);
#       exit 1 on timeout. Then print them like `mt`.
#   run.sh mt DIR
#       Print every MT message fakesmsc received so far, one a line:
#       "FROM TO TEXT", TEXT decoded to UTF-8.
#   run.sh stop DIR
#       Stop what `start` started (by the pids it recorded).
#   run.sh checkconf FILE
#       Check a kannel.conf with Kannel's own parser (test/test_cfg), e.g.
#       deploy/kannel.conf.
#   run.sh selftest [DIR]
#       The whole loop against standin.py in place of the daemon: a
#       Chinese SMS with an emoji reaches the hook intact, and the reply
#       sent through sendsms reaches the phone intact.
#
# Needs Debian's kannel and kannel-extras packages (deploy/setup installs
# them), curl and iconv; the self-test also python3.
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BEARERBOX="${BEARERBOX:-/usr/sbin/bearerbox}"
SMSBOX="${SMSBOX:-/usr/sbin/smsbox}"
FAKESMSC="${FAKESMSC:-/usr/lib/kannel/test/fakesmsc}"

die() { echo "run.sh: $*" >&2; exit 1; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free loopback port not in the list already taken ($taken).
taken=" "
pick_port() {
  local p i
  for i in $(seq 1 200); do
    # Below Linux's ephemeral range (32768-60999), so an outgoing
    # connection elsewhere cannot take the port between the check and
    # Kannel's bind.
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 12000 ))
    case "$taken" in *" $p "*) continue ;; esac
    if ! port_busy "$p"; then
      taken="$taken$p "
      echo "$p"
      return 0
    fi
  done
  die "no free port"
}

# wait_for SECONDS COMMAND...: poll every 0.1 s.
wait_for() {
  local t=$(( $1 * 10 )); shift
  while [ "$t" -gt 0 ]; do
    if "$@"; then return 0; fi
    sleep 0.1
    t=$(( t - 1 ))
  done
  return 1
}

load_env() {
  [ -f "$1/kannel.env" ] || die "$1: not started (no kannel.env)"
  # shellcheck disable=SC1091
  . "$1/kannel.env"
}

cmd_start() {
  local dir="$1" hook="$2" secret="$3" conf
  for b in "$BEARERBOX" "$SMSBOX" "$FAKESMSC"; do
    [ -x "$b" ] || die "$b missing: install kannel and kannel-extras"
  done
  case "$secret" in
    ''|*[!A-Za-z0-9._~-]*) die "SECRET must be [A-Za-z0-9._~-]+" ;;
  esac
  case "$hook" in
    http://*) ;;
    *) die "HOOK_URL must be http://host:port/path" ;;
  esac
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  [ ! -f "$dir/kannel.env" ] || die "$dir: already started"
  local admin smsbox fake sendsms
  admin=$(pick_port); smsbox=$(pick_port); fake=$(pick_port)
  sendsms=$(pick_port)
  local user=warmline pass="pw$RANDOM$RANDOM" adminpw="ad$RANDOM$RANDOM"
  conf="$(<"$here/kannel.conf.in")"
  conf="${conf//@ADMIN_PORT@/$admin}"
  conf="${conf//@ADMIN_PASS@/$adminpw}"
  conf="${conf//@SMSBOX_PORT@/$smsbox}"
  conf="${conf//@FAKE_PORT@/$fake}"
  conf="${conf//@SENDSMS_PORT@/$sendsms}"
  conf="${conf//@DIR@/$dir}"
  conf="${conf//@HOOK_URL@/$hook}"
  conf="${conf//@SECRET@/$secret}"
  conf="${conf//@USER@/$user}"
  conf="${conf//@PASS@/$pass}"
  printf '%s\n' "$conf" > "$dir/kannel.conf"

  "$BEARERBOX" "$dir/kannel.conf" > "$dir/bearerbox.out" 2>&1 &
  echo $! > "$dir/bearerbox.pid"
  wait_for 20 port_busy "$smsbox" ||
    die "bearerbox did not start: $(tail -n 5 "$dir/bearerbox.out" 2>/dev/null)"
  "$SMSBOX" "$dir/kannel.conf" > "$dir/smsbox.out" 2>&1 &
  echo $! > "$dir/smsbox.pid"
  wait_for 20 port_busy "$sendsms" ||
    die "smsbox did not start: $(tail -n 5 "$dir/smsbox.out" 2>/dev/null)"

  # fakesmsc in interactive mode reads one MO message a line from its
  # stdin: a FIFO held open by a sleeping writer, so `inject` can write.
  rm -f "$dir/fakesmsc.in"
  mkfifo "$dir/fakesmsc.in"
  "$FAKESMSC" -H 127.0.0.1 -r "$fake" < "$dir/fakesmsc.in" \
    > "$dir/fakesmsc.out" 2>&1 &
  echo $! > "$dir/fakesmsc.pid"
  sleep 2147483647 > "$dir/fakesmsc.in" 2>/dev/null < /dev/null &
  echo $! > "$dir/fifo.pid"
  wait_for 20 grep -q "Fakesmsc client connected" "$dir/bearerbox.log" ||
    die "fakesmsc did not connect: see $dir/fakesmsc.out"

  cat > "$dir/kannel.env" <<EOF
KANNEL_DIR=$dir
KANNEL_ADMIN_PORT=$admin
KANNEL_ADMIN_PASS=$adminpw
KANNEL_SMSBOX_PORT=$smsbox
KANNEL_FAKE_PORT=$fake
KANNEL_SENDSMS_PORT=$sendsms
KANNEL_SENDSMS_URL=http://127.0.0.1:$sendsms/cgi-bin/sendsms
KANNEL_USER=$user
KANNEL_PASS=$pass
KANNEL_FROM=10086
KANNEL_HOOK_URL=$hook
KANNEL_PIDS=$(cat "$dir/bearerbox.pid"),$(cat "$dir/smsbox.pid"),$(cat "$dir/fakesmsc.pid"),$(cat "$dir/fifo.pid")
EOF
  echo "run.sh: kannel up in $dir (sendsms port $sendsms)"
}

cmd_env() { load_env "$1"; cat "$1/kannel.env"; }

# UTF-8 text to the URL-encoded UTF-16BE bytes fakesmsc's "ucs2" takes.
ucs2_urlencode() {
  printf '%s' "$1" | iconv -f UTF-8 -t UTF-16BE | od -An -v -tx1 |
    tr -s ' \n' '  ' | sed -e 's/^ *//' -e 's/ *$//' -e 's/ /%/g' -e 's/^/%/'
}

cmd_inject() {
  local dir="$1" from="$2" text="$3" enc
  load_env "$dir"
  case "$from" in ''|*[!0-9+]*) die "FROM must be a phone number" ;; esac
  [ -n "$text" ] || die "TEXT is empty"
  enc=$(ucs2_urlencode "$text")
  printf '%s %s ucs2 %s\n' "$from" "$KANNEL_FROM" "$enc" > "$dir/fakesmsc.in"
}

# fakesmsc prints "Got message N: <from to type data>"; type is text,
# data (URL-encoded 8-bit) or ucs-2 (URL-encoded UTF-16BE).
url_bytes() {
  local s="$1"
  s="${s//\\/%5C}"
  s="${s//+/ }"
  s=$(printf '%s' "$s" | sed 's/%\([0-9A-Fa-f][0-9A-Fa-f]\)/\\x\1/g')
  printf '%b' "$s"
}

cmd_mt() {
  local dir="$1" line body from to type data
  load_env "$dir"
  grep -a 'Got message [0-9]*: <' "$dir/fakesmsc.out" | while IFS= read -r line; do
    body="${line#*: <}"
    body="${body%>}"
    read -r from to type data <<<"$body"
    case "$type" in
      ucs-2|ucs2) printf '%s %s %s\n' "$from" "$to" \
                    "$(url_bytes "$data" | iconv -f UTF-16BE -t UTF-8)" ;;
      data) printf '%s %s %s\n' "$from" "$to" "$(url_bytes "$data")" ;;
      *) printf '%s %s %s\n' "$from" "$to" "$data" ;;
    esac
  done
}

mt_count() { grep -ac 'Got message [0-9]*: <' "$1/fakesmsc.out" || true; }
mt_at_least() { [ "$(mt_count "$1")" -ge "$2" ]; }

cmd_wait_mt() {
  local dir="$1" n="$2" secs="${3:-20}"
  load_env "$dir"
  if ! wait_for "$secs" mt_at_least "$dir" "$n"; then
    echo "run.sh: only $(mt_count "$dir") of $n MT messages after ${secs}s" >&2
    cmd_mt "$dir" >&2
    return 1
  fi
  cmd_mt "$dir"
}

cmd_stop() {
  local dir="$1" f pid
  for f in fakesmsc fifo smsbox bearerbox; do
    [ -f "$dir/$f.pid" ] || continue
    pid=$(cat "$dir/$f.pid")
    kill "$pid" 2>/dev/null || true
    wait_for 10 bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/$f.pid"
  done
  rm -f "$dir/kannel.env" "$dir/fakesmsc.in"
}

# Globals, for the EXIT trap.
st_dir=""
sin_pid=""
selftest_cleanup() {
  [ -z "$sin_pid" ] || kill "$sin_pid" 2>/dev/null || true
  [ -z "$st_dir" ] || cmd_stop "$st_dir"
}

cmd_selftest() {
  local dir="${1:-}" port secret=selftest-secret got want pass=0 fail=0
  local sin="我家煤炉坏了，好冷 😀 a+b&c=d" made=""
  if [ -z "$dir" ]; then dir=$(mktemp -d); made=1; fi
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  st_dir="$dir"
  port=$(pick_port)
  trap selftest_cleanup EXIT
  cmd_start "$dir" "http://127.0.0.1:$port/hook/sms" "$secret"
  load_env "$dir"
  python3 "$here/standin.py" "$port" "$dir/standin.jsonl" "$secret" \
    "$KANNEL_SENDSMS_URL" "$KANNEL_USER" "$KANNEL_PASS" "$KANNEL_FROM" \
    > "$dir/standin.out" 2>&1 < /dev/null &
  sin_pid=$!
  wait_for 10 port_busy "$port" || die "standin.py did not start"

  cmd_inject "$dir" 13800138000 "$sin"
  if wait_for 20 test -s "$dir/standin.jsonl" &&
     got=$(python3 -c 'import json,sys; m=json.loads(open(sys.argv[1]).readline()); print(m["from"], m["coding"], m["charset"], m["text"])' "$dir/standin.jsonl") &&
     want="13800138000 2 UTF-16BE $sin" && [ "$got" = "$want" ]; then
    echo "PASS: MO UCS-2 SMS reached the hook intact: $got"
    pass=$((pass + 1))
  else
    echo "FAIL: MO SMS at the hook: got '${got:-nothing}'"
    fail=$((fail + 1))
  fi

  want="$KANNEL_FROM 13800138000 已收到：$sin"
  if got=$(cmd_wait_mt "$dir" 1 20) && [ "$got" = "$want" ]; then
    echo "PASS: sendsms reply reached the phone intact: $got"
    pass=$((pass + 1))
  else
    echo "FAIL: MT at fakesmsc: got '${got:-nothing}', want '$want'"
    fail=$((fail + 1))
  fi
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ] || { echo "logs in $dir" >&2; return 1; }
  if [ -n "$made" ]; then
    selftest_cleanup
    st_dir=""
    sin_pid=""
    rm -rf "$dir"
  fi
}

cmd_checkconf() {
  local out
  out=$(/usr/lib/kannel/test/test_cfg "$1" 2>&1) || true
  if printf '%s\n' "$out" | grep -q 'cfg_read returned 0'; then
    echo "run.sh: $1: OK"
    return 0
  fi
  printf '%s\n' "$out" | grep -E 'ERROR|PANIC' >&2
  return 1
}

case "${1:-}" in
  checkconf) [ $# -eq 2 ] || die "usage: run.sh checkconf FILE"; cmd_checkconf "$2" ;;
  start) [ $# -eq 4 ] || die "usage: run.sh start DIR HOOK_URL SECRET"; cmd_start "$2" "$3" "$4" ;;
  env) [ $# -eq 2 ] || die "usage: run.sh env DIR"; cmd_env "$2" ;;
  inject) [ $# -eq 4 ] || die "usage: run.sh inject DIR FROM TEXT"; cmd_inject "$2" "$3" "$4" ;;
  wait-mt) [ $# -ge 3 ] || die "usage: run.sh wait-mt DIR N [SECONDS]"; cmd_wait_mt "$2" "$3" "${4:-20}" ;;
  mt) [ $# -eq 2 ] || die "usage: run.sh mt DIR"; cmd_mt "$2" ;;
  stop) [ $# -eq 2 ] || die "usage: run.sh stop DIR"; cmd_stop "$2" ;;
  selftest) cmd_selftest "${2:-}" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit 2 ;;
esac
