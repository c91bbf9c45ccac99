# shellcheck shell=bash
# Shared harness for the privstack-relay interop tests. Source it from a test script:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Environment:
#   RELAY_BIN            path to the privstack-relay binary (required by start_relay)
#   RELAY_EXTRA_ARGS     extra arguments for the relay (e.g. "-v")
#   INTEROP_START_TIMEOUT  seconds to wait for the relay to come up (default 10)
#   INTEROP_REQUIRE_HTTP   1 = fail if the HTTP port never answers (default: warn only)
#   INTEROP_KEEP_TMP       1 = keep the temp dir (relay log, identity) after the run
#   INTEROP_PEER_TIMEOUT   outer hard limit in seconds for one peer run (default 40)
#   INTEROP_RELAY_MAX_SECONDS  the relay is killed after this long whatever happens (default 600)
#
# Everything talks to loopback only (127.0.0.1 and ::1).

INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Peer commands (built by setup.sh).
JS_DIAL=(node "$INTEROP_DIR/js/dial.mjs")
JS_LISTEN=(node "$INTEROP_DIR/js/listen.mjs")
RUST_DIAL=("$INTEROP_DIR/rust/target/release/dial")
GO_DIAL=("$INTEROP_DIR/go/bin/dial")
MOCK_RELAY_BIN="$INTEROP_DIR/rust/target/release/mock-relay"

# Valid Ed25519 peer ids that belong to nobody in these tests (generated once from real keys);
# a dial to the relay's address with one of these in /p2p/ must fail.
OTHER_PEER_IDS=(
  12D3KooWCoA7GZQc1Fjy8Mgybp3KADFcfbyY54yUo5y48GLEUnEB
  12D3KooWJyjSLVpJupDoMszuF4KLXhzt4YFAE15F5hUhGzk8AX2D
)

INTEROP_TMP=""
RELAY_PID=""
RELAY_PORT=""
RELAY_HTTP_PORT=""
RELAY_PEER_ID=""
RELAY_LOG=""
_INTEROP_PASSED=0
_INTEROP_FAILED=0
_INTEROP_SKIPPED=0
_INTEROP_NAME="$(basename "${0%.sh}")"

log()  { printf '[%s] %s\n' "$_INTEROP_NAME" "$*" >&2; }
die()  { printf 'FAIL: %s: %s\n' "$_INTEROP_NAME" "$*"; exit 1; }

require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || die "required command '$c' not found"
  done
}

# require_peer NAME CMD...: the peer's binary/script must exist (setup.sh builds it).
require_peer() {
  local name="$1"; shift
  local exe="$1"
  if [[ "$exe" == node ]]; then
    require_cmd node
    [[ -f "$2" ]] || die "$name peer $2 missing"
    [[ -d "$INTEROP_DIR/js/node_modules/libp2p" ]] \
      || die "$name peer deps not installed: run $INTEROP_DIR/setup.sh js"
  else
    [[ -x "$exe" ]] || die "$name peer $exe not built: run $INTEROP_DIR/setup.sh"
  fi
}

_interop_cleanup() {
  local rc=$?
  stop_relay
  if [[ -n "$INTEROP_TMP" && -d "$INTEROP_TMP" ]]; then
    if [[ "${INTEROP_KEEP_TMP:-0}" == 1 ]]; then
      log "kept $INTEROP_TMP"
    else
      rm -rf "$INTEROP_TMP"
    fi
  fi
  return $rc
}
trap _interop_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# interop_tmp: creates the run's temp dir once and sets INTEROP_TMP (removed by the EXIT trap).
# Call it directly, not in $(...): a subshell's assignment would be lost.
interop_tmp() {
  if [[ -z "$INTEROP_TMP" ]]; then
    INTEROP_TMP="$(mktemp -d "${TMPDIR:-/tmp}/privstack-interop.XXXXXX")" || die "mktemp failed"
  fi
}

# True if something listens on the port (proto udp|tcp), on any address.
_port_in_use() {
  local proto="$1" port="$2" flag
  [[ "$proto" == udp ]] && flag=-Hlun || flag=-Hltn
  if command -v ss >/dev/null 2>&1; then
    [[ -n "$(ss $flag "sport = :$port" 2>/dev/null)" ]]
  else
    # /proc/net/{udp,tcp,udp6,tcp6}: local address column is HEXIP:HEXPORT.
    local hex; hex="$(printf '%04X' "$port")"
    grep -qs ":$hex " "/proc/net/$proto" "/proc/net/${proto}6"
  fi
}

# free_port udp|tcp [exclude]: prints a port in 20000-59999 that nothing listens on.
free_port() {
  local proto="$1" exclude="${2:-}" p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    [[ "$p" == "$exclude" ]] && continue
    _port_in_use "$proto" "$p" || { printf '%s\n' "$p"; return 0; }
  done
  return 1
}

# True if the TCP port on 127.0.0.1 accepts a connection.
_tcp_answers() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

has_ipv6_loopback() {
  [[ -r /proc/net/if_inet6 ]] && grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6
}

# start_relay: runs $RELAY_BIN with a fresh identity file and free ports; waits for the banner's
# PeerId line (and the HTTP port) up to INTEROP_START_TIMEOUT seconds. Exports RELAY_PEER_ID,
# RELAY_PORT, RELAY_HTTP_PORT, RELAY_PID, RELAY_LOG, RELAY_IDENTITY. The EXIT trap stops it.
start_relay() {
  [[ -n "${RELAY_BIN:-}" ]] || die "RELAY_BIN is not set"
  [[ -x "$RELAY_BIN" ]] || die "RELAY_BIN=$RELAY_BIN is not an executable"
  local tmp attempt
  interop_tmp
  tmp="$INTEROP_TMP"
  for attempt in 1 2 3; do
    if _start_relay_once "$tmp" "$attempt"; then return 0; fi
    # Port races are the only thing worth retrying; anything else fails the same way again.
    [[ -n "${_RELAY_EXITED:-}" ]] || break
    log "relay exited during start-up (attempt $attempt); retrying with other ports"
  done
  log "---- relay log ($RELAY_LOG) ----"
  tail -n 50 "$RELAY_LOG" >&2 2>/dev/null || true
  die "relay did not start"
}

_start_relay_once() {
  local tmp="$1" attempt="$2" deadline line http_ok=0
  _RELAY_EXITED=""
  RELAY_PORT="$(free_port udp)" || die "no free UDP port"
  RELAY_HTTP_PORT="$(free_port tcp "$RELAY_PORT")" || die "no free TCP port"
  RELAY_IDENTITY="$tmp/relay-identity-$attempt.key"   # does not exist: the relay creates it
  RELAY_LOG="$tmp/relay-$attempt.log"
  # `timeout` is a safety net: if this script is killed hard (SIGKILL from a CTest timeout) the
  # relay still goes away after INTEROP_RELAY_MAX_SECONDS. It forwards our SIGTERM to the relay.
  # shellcheck disable=SC2086  # RELAY_EXTRA_ARGS is split on purpose
  # stdbuf -oL: stdout is a file here, so a C/C++ program would otherwise block-buffer the banner.
  local -a linebuf=()
  # Not for privstack-relay, which flushes its banner itself: stdbuf works by LD_PRELOAD, which an
  # ASan build refuses to start under.
  [[ -n "${INTEROP_STDBUF:-}" ]] && command -v stdbuf >/dev/null 2>&1 && linebuf=(stdbuf -oL -eL)
  timeout -k 5 "${INTEROP_RELAY_MAX_SECONDS:-600}" "${linebuf[@]}" "$RELAY_BIN" --port "$RELAY_PORT" --http-port "$RELAY_HTTP_PORT" --identity "$RELAY_IDENTITY" \
    ${RELAY_EXTRA_ARGS:-} >"$RELAY_LOG" 2>&1 &
  RELAY_PID=$!
  RELAY_PEER_ID=""
  log "started relay pid $RELAY_PID udp/$RELAY_PORT http/$RELAY_HTTP_PORT"
  # Microsecond clock (bash 5 EPOCHREALTIME); SECONDS would round the wait down by up to 1 s.
  deadline=$((${EPOCHREALTIME/./} + ${INTEROP_START_TIMEOUT:-10} * 1000000))
  while ((${EPOCHREALTIME/./} < deadline)); do
    if ! kill -0 "$RELAY_PID" 2>/dev/null; then
      wait "$RELAY_PID" 2>/dev/null
      log "relay exited with status $?"
      RELAY_PID=""
      _RELAY_EXITED=1
      return 1
    fi
    if [[ -z "$RELAY_PEER_ID" ]]; then
      line="$(grep -m1 -E '^[[:space:]]*PeerId:[[:space:]]+[[:alnum:]]+' "$RELAY_LOG" 2>/dev/null || true)"
      [[ -n "$line" ]] && RELAY_PEER_ID="$(awk '{print $2}' <<<"$line")"
    fi
    if ((!http_ok)) && _tcp_answers "$RELAY_HTTP_PORT"; then http_ok=1; fi
    if [[ -n "$RELAY_PEER_ID" ]] && ((http_ok)); then break; fi
    sleep 0.1
  done
  if [[ -z "$RELAY_PEER_ID" ]]; then
    log "no '  PeerId:    <id>' line in the relay's output within ${INTEROP_START_TIMEOUT:-10} s"
    return 1
  fi
  if ((!http_ok)); then
    [[ "${INTEROP_REQUIRE_HTTP:-0}" == 1 ]] && { log "HTTP port $RELAY_HTTP_PORT never answered"; return 1; }
    log "WARN: HTTP port $RELAY_HTTP_PORT did not answer; continuing (set INTEROP_REQUIRE_HTTP=1 to fail)"
  fi
  export RELAY_PEER_ID RELAY_PORT RELAY_HTTP_PORT RELAY_PID RELAY_LOG RELAY_IDENTITY
  log "relay up: PeerId $RELAY_PEER_ID"
  return 0
}

# stop_gracefully PID: SIGTERM, then up to 10 s for the drain (--shutdown-timeout is 5 s) and
# LeakSanitizer's exit report, then SIGKILL.
stop_gracefully() {
  local pid="$1" i
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && { log "process $pid ignored SIGTERM; killing"; kill -KILL "$pid" 2>/dev/null; }
  fi
  wait "$pid" 2>/dev/null
  return 0
}

stop_relay() {
  [[ -n "$RELAY_PID" ]] || return 0
  stop_gracefully "$RELAY_PID"
  RELAY_PID=""
}

relay_alive() { [[ -n "$RELAY_PID" ]] && kill -0 "$RELAY_PID" 2>/dev/null; }

# relay_addr ip4|ip6 [peer id]: the relay's QUIC multiaddr on loopback, with /p2p/<id>.
relay_addr() {
  local id="${2:-$RELAY_PEER_ID}"
  case "$1" in
    ip4) printf '/ip4/127.0.0.1/udp/%s/quic-v1/p2p/%s\n' "$RELAY_PORT" "$id" ;;
    ip6) printf '/ip6/::1/udp/%s/quic-v1/p2p/%s\n' "$RELAY_PORT" "$id" ;;
    *) die "relay_addr: expected ip4 or ip6, got '$1'" ;;
  esac
}

# A valid peer id different from the relay's.
other_peer_id() {
  local id
  for id in "${OTHER_PEER_IDS[@]}"; do
    [[ "$id" != "$RELAY_PEER_ID" ]] && { printf '%s\n' "$id"; return; }
  done
}

# ---- peer runs --------------------------------------------------------------------------------

# run_peer OUTVAR CMD...: runs a peer with a hard outer timeout; stores its stdout's last JSON
# line in OUTVAR and returns the peer's exit status. The peer's stderr goes to the test's stderr.
run_peer() {
  local __run_peer_var="$1"; shift
  local __run_peer_out __run_peer_rc
  __run_peer_out="$(timeout -k 5 "${INTEROP_PEER_TIMEOUT:-40}" "$@")"
  __run_peer_rc=$?
  __run_peer_out="$(grep -E '^\{' <<<"$__run_peer_out" | tail -n 1)"
  printf -v "$__run_peer_var" '%s' "$__run_peer_out"
  return $__run_peer_rc
}

# ---- assertions -------------------------------------------------------------------------------

pass() { _INTEROP_PASSED=$((_INTEROP_PASSED + 1)); printf '  ok    %s\n' "$*"; }
fail() { _INTEROP_FAILED=$((_INTEROP_FAILED + 1)); printf '  FAIL  %s\n' "$*"; }
skip() { _INTEROP_SKIPPED=$((_INTEROP_SKIPPED + 1)); printf '  skip  %s\n' "$*"; }

# check DESCRIPTION COMMAND...: pass if the command succeeds.
check() {
  local desc="$1"; shift
  if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# jq_true JSON FILTER [jq args...]: jq -e on the JSON text.
jq_true() {
  local json="$1" filter="$2"; shift 2
  [[ -n "$json" ]] && jq -e "$@" "$filter" >/dev/null 2>&1 <<<"$json"
}

# assert_json DESCRIPTION JSON FILTER [jq args...]: counts a check; prints the value on failure.
assert_json() {
  local desc="$1" json="$2" filter="$3"; shift 3
  if jq_true "$json" "$filter" "$@"; then
    pass "$desc"
  else
    fail "$desc"
    printf '        jq filter: %s\n        json: %s\n' "$filter" "${json:-<no JSON output>}"
  fi
}

assert_eq() {
  local desc="$1" got="$2" want="$3"
  if [[ "$got" == "$want" ]]; then pass "$desc"; else fail "$desc (got '$got', want '$want')"; fi
}

# check_relay_sanitizers: stops the relay (SIGTERM, so LeakSanitizer runs at its exit) and fails if
# any relay log in the temp dir holds a sanitizer report. The test build is ASan+UBSan with
# detect_leaks=1, so every interop scenario doubles as a leak check of the relay.
check_relay_sanitizers() {
  [[ -n "$INTEROP_TMP" && -d "$INTEROP_TMP" ]] || return 0
  stop_relay
  local report
  # Recursive: scenarios with several relays keep each relay's log in a sub directory.
  report="$(grep -rl --include='*.log' -E 'ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:|Sanitizer has encountered a fatal error' "$INTEROP_TMP" 2>/dev/null || true)"
  if [[ -n "$report" ]]; then
    fail "relay sanitizer report in: $report"
    local f
    for f in $report; do
      log "---- $f (sanitizer report) ----"
      grep -A 30 -E 'ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:|Sanitizer has encountered a fatal error' "$f" | head -n 60 >&2
    done
  else
    pass "relay logs hold no sanitizer report"
  fi
}

# finish: prints the summary and PASS/FAIL, exits non-zero on any failure.
finish() {
  check_relay_sanitizers
  local total=$((_INTEROP_PASSED + _INTEROP_FAILED))
  if ((_INTEROP_FAILED > 0)) || ((total == 0)); then
    [[ -n "$RELAY_LOG" && -f "$RELAY_LOG" ]] && { log "---- relay log tail ----"; tail -n 30 "$RELAY_LOG" >&2; }
  fi
  printf '%s: %d passed, %d failed, %d skipped\n' "$_INTEROP_NAME" \
    "$_INTEROP_PASSED" "$_INTEROP_FAILED" "$_INTEROP_SKIPPED"
  if ((_INTEROP_FAILED > 0)) || ((total == 0)); then
    printf 'FAIL: %s\n' "$_INTEROP_NAME"
    exit 1
  fi
  printf 'PASS: %s\n' "$_INTEROP_NAME"
  exit 0
}

# ---- the identify + ping suite shared by identify_ping_{js,rust,go}.sh ----------------------

EXPECT_AGENT_VERSION="${EXPECT_AGENT_VERSION:-privstack-relay/0.1.0}"
EXPECT_PROTOCOL_VERSION="${EXPECT_PROTOCOL_VERSION:-/privstack/relay/1.0.0}"

# identify_ping_suite NAME DIAL_CMD...: starts the relay, dials it over ip4 and ip6 with the peer,
# checks identify and ping, and checks that a dial with a wrong /p2p/ id fails.
identify_ping_suite() {
  local name="$1"; shift
  local -a dial=("$@")
  require_cmd jq timeout
  require_peer "$name" "${dial[@]}"
  start_relay

  local fam out rc addr other dials_ok=0
  for fam in ip4 ip6; do
    if [[ "$fam" == ip6 ]] && ! has_ipv6_loopback; then
      skip "$name $fam: no ::1 on this machine"
      continue
    fi
    addr="$(relay_addr "$fam")"
    printf '%s dial %s\n' "$name" "$addr"
    run_peer out "${dial[@]}" --addr "$addr"
    rc=$?
    printf '        -> %s\n' "${out:-<no JSON output>}"
    assert_eq   "$name $fam: exit status 0" "$rc" 0
    assert_json "$name $fam: ok" "$out" '.ok == true'
    assert_json "$name $fam: peerId is the banner's" "$out" '.peerId == $v' --arg v "$RELAY_PEER_ID"
    assert_json "$name $fam: agentVersion $EXPECT_AGENT_VERSION" "$out" \
      '.agentVersion == $v' --arg v "$EXPECT_AGENT_VERSION"
    assert_json "$name $fam: protocolVersion $EXPECT_PROTOCOL_VERSION" "$out" \
      '.protocolVersion == $v' --arg v "$EXPECT_PROTOCOL_VERSION"
    assert_json "$name $fam: protocols include /ipfs/id/1.0.0" "$out" \
      '.protocols | index("/ipfs/id/1.0.0") != null'
    assert_json "$name $fam: protocols include /ipfs/ping/1.0.0" "$out" \
      '.protocols | index("/ipfs/ping/1.0.0") != null'
    assert_json "$name $fam: 3 ping RTTs" "$out" '(.rttMs | length) == 3 and all(.rttMs[]; . >= 0)'
    jq_true "$out" '.ok == true' && dials_ok=$((dials_ok + 1))
    # Informational: identify should report the loopback address the relay saw us from.
    if jq_true "$out" '.ok == true' && ! jq_true "$out" '(.observedAddr // "") | startswith($p)' \
        --arg p "$([[ $fam == ip4 ]] && echo /ip4/127.0.0.1/ || echo /ip6/::1/)"; then
      printf '  warn  %s %s: observedAddr %s is not a loopback %s address\n' "$name" "$fam" \
        "$(jq -c '.observedAddr' <<<"$out" 2>/dev/null)" "$fam"
    fi
  done

  # A failed dial only proves the peer id check if the relay answers at all.
  if ((dials_ok == 0)); then
    skip "$name wrong /p2p/ id: no successful dial to compare against"
    check "$name: relay still running after the dials" relay_alive
    finish
  fi
  other="$(other_peer_id)"
  addr="$(relay_addr ip4 "$other")"
  printf '%s dial (wrong peer id) %s\n' "$name" "$addr"
  run_peer out "${dial[@]}" --addr "$addr" --expect-fail --timeout 10
  rc=$?
  printf '        -> %s\n' "${out:-<no JSON output>}"
  assert_eq   "$name wrong /p2p/ id: dial fails (--expect-fail exit 0)" "$rc" 0
  assert_json "$name wrong /p2p/ id: ok is false" "$out" '.ok == false'
  check "$name: relay still running after the dials" relay_alive

  finish
}
