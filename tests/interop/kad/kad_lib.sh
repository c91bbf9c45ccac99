# shellcheck shell=bash
# Helpers for the Kademlia interop scripts in this directory, on top of ../lib.sh:
# background peers (clients that keep serving the DHT while others query it), more than one relay,
# and logs of every peer and relay on failure.
#
#   source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kad_lib.sh"
#
# Environment (besides lib.sh's): KAD_PEER_HOLD  seconds a background client keeps serving (90).

# shellcheck source=../lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

KAD_DIR="$INTEROP_DIR/kad"
RUST_KAD=("$INTEROP_DIR/rust/target/release/kad_client")
JS_KAD=(node "$INTEROP_DIR/js/kad_client.mjs")
GO_KAD=("$INTEROP_DIR/go-kad/bin/kad_client")
KAD_PEER_HOLD="${KAD_PEER_HOLD:-90}"

_KAD_BG_PIDS=()
_KAD_LOGS=()         # "label|path" of every relay and peer log, printed on failure
_KAD_TMP_BASE=""
_KAD_EXTRA_RELAYS=() # pids of relays started by start_relay_named (lib.sh tracks only one)

_kad_cleanup() {
  local rc=$? pid
  for pid in "${_KAD_BG_PIDS[@]}" "${_KAD_EXTRA_RELAYS[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${_KAD_BG_PIDS[@]}" "${_KAD_EXTRA_RELAYS[@]}"; do
    wait "$pid" 2>/dev/null
  done
  # A relay start that died mid-way left INTEROP_TMP pointing at its sub directory.
  [[ -n "$_KAD_TMP_BASE" ]] && INTEROP_TMP="$_KAD_TMP_BASE"
  # lib.sh's cleanup stops the main relay and removes the temp dir; it returns the status it sees.
  (exit $rc)
  _interop_cleanup
}
trap _kad_cleanup EXIT

kad_log() { _KAD_LOGS+=("$1|$2"); }

# kad_dump_logs: tails every relay and peer log (called by kad_finish on failure).
kad_dump_logs() {
  local entry
  for entry in "${_KAD_LOGS[@]}"; do
    [[ -s "${entry#*|}" ]] || continue
    [[ "${entry#*|}" == "$RELAY_LOG" ]] && continue # lib.sh's finish prints that one
    log "---- ${entry%%|*} (${entry#*|}) ----"
    tail -n 40 "${entry#*|}" >&2
  done
}

# kad_finish: lib.sh's finish, with every log dumped first when a check failed. The extra relays
# are stopped with SIGTERM first, so that their LeakSanitizer reports are in their logs when
# finish checks every relay log.
kad_finish() {
  local total=$((_INTEROP_PASSED + _INTEROP_FAILED)) pid
  if ((_INTEROP_FAILED > 0)) || ((total == 0)); then kad_dump_logs; fi
  for pid in "${_KAD_EXTRA_RELAYS[@]}"; do
    [[ "$pid" == "$RELAY_PID" ]] || stop_gracefully "$pid"
  done
  finish
}

# kad_key SYNC_CODE: the DHT key PrivStack's sync client uses for a sync group.
kad_key() {
  local h
  h="$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)"
  printf '/privstack/syncgroup/%s\n' "$h"
}

# A sync code unique to this run (two runs in parallel never share records).
kad_sync_code() { printf 'interop-%s-%s-%s\n' "$_INTEROP_NAME" "$$" "$RANDOM"; }

# start_relay_named NAME: like lib.sh's start_relay, for a second or third relay. Sets
# <NAME>_PEER_ID, <NAME>_PORT, <NAME>_ADDR (ip4 multiaddr with /p2p/), <NAME>_PID, <NAME>_LOG.
# The first relay (started with start_relay_named too) stays lib.sh's RELAY_* relay.
start_relay_named() {
  local name="$1" base sub
  interop_tmp
  base="$INTEROP_TMP"
  _KAD_TMP_BASE="$base"
  if [[ -n "$RELAY_PID" ]]; then
    # lib.sh names files by attempt number in INTEROP_TMP: give each relay its own directory so
    # the identity files (and with them the peer ids) differ.
    sub="$base/$name"
    mkdir -p "$sub"
    local keep_pid="$RELAY_PID" keep_log="$RELAY_LOG" keep_port="$RELAY_PORT"
    local keep_http="$RELAY_HTTP_PORT" keep_id="$RELAY_PEER_ID"
    # If this start fails, lib.sh's cleanup only knows the new relay: keep the first one listed.
    _KAD_EXTRA_RELAYS+=("$keep_pid")
    RELAY_PID=""
    INTEROP_TMP="$sub"
    start_relay
    INTEROP_TMP="$base"
    _KAD_EXTRA_RELAYS+=("$RELAY_PID")
    printf -v "${name}_PID" '%s' "$RELAY_PID"
    printf -v "${name}_LOG" '%s' "$RELAY_LOG"
    printf -v "${name}_PORT" '%s' "$RELAY_PORT"
    printf -v "${name}_PEER_ID" '%s' "$RELAY_PEER_ID"
    printf -v "${name}_ADDR" '%s' "$(relay_addr ip4)"
    RELAY_PID="$keep_pid" RELAY_LOG="$keep_log" RELAY_PORT="$keep_port"
    RELAY_HTTP_PORT="$keep_http" RELAY_PEER_ID="$keep_id"
  else
    start_relay
    printf -v "${name}_PID" '%s' "$RELAY_PID"
    printf -v "${name}_LOG" '%s' "$RELAY_LOG"
    printf -v "${name}_PORT" '%s' "$RELAY_PORT"
    printf -v "${name}_PEER_ID" '%s' "$RELAY_PEER_ID"
    printf -v "${name}_ADDR" '%s' "$(relay_addr ip4)"
  fi
  local logvar="${name}_LOG"
  kad_log "relay $name" "${!logvar}"
}

pid_alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }

# start_bg_peer VAR LABEL CMD...: starts a peer in the background (stdout and stderr to files in
# the temp dir) and waits up to INTEROP_PEER_TIMEOUT for its first JSON line, stored in VAR.
# Sets <VAR>_PID. Returns 1 if the peer exits or times out before printing one.
start_bg_peer() {
  local __var="$1" label="$2"; shift 2
  interop_tmp
  local out="$INTEROP_TMP/$label.out" err="$INTEROP_TMP/$label.err" line="" deadline pid
  kad_log "$label stderr" "$err"
  timeout -k 5 "$((${INTEROP_PEER_TIMEOUT:-40} + KAD_PEER_HOLD + 10))" "$@" >"$out" 2>"$err" &
  pid=$!
  _KAD_BG_PIDS+=("$pid")
  printf -v "${__var}_PID" '%s' "$pid"
  deadline=$((SECONDS + ${INTEROP_PEER_TIMEOUT:-40}))
  while ((SECONDS < deadline)); do
    line="$(grep -m1 -E '^\{' "$out" 2>/dev/null || true)"
    [[ -n "$line" ]] && break
    pid_alive "$pid" || { line="$(grep -m1 -E '^\{' "$out" 2>/dev/null || true)"; break; }
    sleep 0.1
  done
  printf -v "$__var" '%s' "$line"
  [[ -n "$line" ]]
}

# stop_bg_peer PID: ends a background peer now (it would otherwise serve until its hold ends).
stop_bg_peer() {
  pid_alive "$1" || return 0
  kill -TERM "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 0
}

# run_fg_peer VAR LABEL CMD...: lib.sh's run_peer, with the peer's stderr kept in a log file.
run_fg_peer() {
  local __var="$1" label="$2"; shift 2
  interop_tmp
  local err="$INTEROP_TMP/$label.err"
  kad_log "$label stderr" "$err"
  run_peer "$__var" "$@" 2>"$err"
}

# show LABEL JSON: prints a peer's JSON result (shortened) for the test log.
show() {
  local s="${2:-<no JSON output>}"
  ((${#s} > 1500)) && s="${s:0:1500}..."
  printf '  %s -> %s\n' "$1" "$s"
}
