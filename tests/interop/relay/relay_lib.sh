# shellcheck shell=bash
# Helpers for the circuit relay interop scripts in this directory, on top of ../lib.sh: peers that
# run in the background (a listener holding a reservation while another peer dials it), waiting
# for one of their JSON event lines, and every peer log on failure.
#
#   source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/relay_lib.sh"
#
# Environment (besides lib.sh's):
#   RELAY_EXPECT_VOUCHER  1 = the relay must put a voucher in its reservations (default 1; the
#                         rust-libp2p mock relay sends none, so its self-test sets 0)
#   RELAY_WAIT            seconds to wait for a background peer's event line (default 30)

# shellcheck source=../lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

RELAY_TEST_DIR="$INTEROP_DIR/relay"
RUST_RELAY_PEER=("$INTEROP_DIR/rust/target/release/relay_peer")
JS_RELAY_PEER=(node "$INTEROP_DIR/js/relay_peer.mjs")
JS_RELAY_HOP=(node "$INTEROP_DIR/js/relay_hop.mjs")
GO_RELAY_PEER=("$INTEROP_DIR/go/bin/relay_peer")
RELAY_EXPECT_VOUCHER="${RELAY_EXPECT_VOUCHER:-1}"
RELAY_WAIT="${RELAY_WAIT:-30}"

_RELAY_BG_PIDS=()
_RELAY_LOGS=() # "label|path" of every peer log, printed on failure

_relay_cleanup() {
  local rc=$? pid
  for pid in "${_RELAY_BG_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${_RELAY_BG_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  (exit $rc)
  _interop_cleanup
}
trap _relay_cleanup EXIT

relay_log_file() { _RELAY_LOGS+=("$1|$2"); }

# bg_peer VAR NAME CMD...: starts a peer in the background (hard limit INTEROP_RELAY_MAX_SECONDS),
# stdout to $INTEROP_TMP/NAME.out, stderr to NAME.err. Sets VAR to its pid and NAME_OUT to the
# stdout file. The EXIT trap stops it.
bg_peer() {
  local __var="$1" name="$2"; shift 2
  interop_tmp
  local out="$INTEROP_TMP/$name.out" err="$INTEROP_TMP/$name.err"
  timeout -k 5 "${INTEROP_RELAY_MAX_SECONDS:-600}" "$@" >"$out" 2>"$err" &
  local pid=$!
  _RELAY_BG_PIDS+=("$pid")
  relay_log_file "$name stdout" "$out"
  relay_log_file "$name stderr" "$err"
  printf -v "$__var" '%s' "$pid"
  printf -v "${name//-/_}_OUT" '%s' "$out"
  log "started $name (pid $pid): $*"
}

# wait_event FILE PID JQ_FILTER [SECONDS]: waits until a JSON line of FILE matches the filter (jq
# -e) and prints that line; fails if PID exits first or the time runs out.
wait_event() {
  local file="$1" pid="$2" filter="$3" secs="${4:-$RELAY_WAIT}" line deadline
  deadline=$((${EPOCHREALTIME/./} + secs * 1000000))
  while ((${EPOCHREALTIME/./} < deadline)); do
    if [[ -s "$file" ]]; then
      line="$(grep -E '^\{' "$file" | jq -c --unbuffered "select($filter)" 2>/dev/null | head -n 1)"
      [[ -n "$line" ]] && { printf '%s\n' "$line"; return 0; }
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      # One last look: the line may have been written just before the exit.
      line="$(grep -E '^\{' "$file" 2>/dev/null | jq -c "select($filter)" 2>/dev/null | head -n 1)"
      [[ -n "$line" ]] && { printf '%s\n' "$line"; return 0; }
      return 1
    fi
    sleep 0.1
  done
  return 1
}

# stop_bg PID: SIGTERM, then wait for it.
stop_bg() {
  kill -TERM "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 0
}

relay_dump_logs() {
  local entry
  for entry in "${_RELAY_LOGS[@]}"; do
    [[ -s "${entry#*|}" ]] || continue
    log "---- ${entry%%|*} (${entry#*|}) ----"
    tail -n 30 "${entry#*|}" >&2
  done
}

# relay_finish: lib.sh's finish, with every peer log dumped first when a check failed.
relay_finish() {
  local total=$((_INTEROP_PASSED + _INTEROP_FAILED))
  if ((_INTEROP_FAILED > 0)) || ((total == 0)); then relay_dump_logs; fi
  finish
}

# relay_is_mock: true if RELAY_BIN is the rust-libp2p mock relay (it sends no voucher).
relay_is_mock() { [[ "$(basename "${RELAY_BIN:-}")" == mock-relay ]]; }
