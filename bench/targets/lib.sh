# Shared by the benchmark target scripts (ours.sh, rust.sh, js.sh: `source "$(dirname "$0")/lib.sh"`)
# and by their callers (bench/run.sh, smoke.sh): the `run` argument contract of README.md and the
# wait for a target's peer_id file. Sourced, never run; sets no shell options of its own.

# The usage line every target prints on a bad command.
target_usage() {
  echo "usage: $0 build | run --port P --http-port H --workdir D [--unlimited]" >&2
}

# Parses `run`'s arguments into port, http_port, workdir and unlimited (0/1); exits 2 on anything
# else. Then creates the workdir and removes a previous run's identity and peer id, so a caller
# waiting for D/peer_id never reads a stale one.
target_parse_run_args() {
  port=
  http_port=
  workdir=
  unlimited=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port | --http-port | --workdir)
        [[ $# -ge 2 ]] || { echo "$1 needs a value" >&2; exit 2; }
        case "$1" in
          --port) port=$2 ;;
          --http-port) http_port=$2 ;;
          --workdir) workdir=$2 ;;
        esac
        shift 2
        ;;
      --unlimited) unlimited=1; shift ;;
      *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
  done
  [[ -n $port && -n $http_port && -n $workdir ]] || { echo "--port, --http-port, --workdir required" >&2; exit 2; }
  mkdir -p "$workdir"
  rm -f "$workdir/relay.key" "$workdir/peer_id" "$workdir/peer_id.tmp"
}

# For callers: waits until target process PID has written DIR/peer_id (the contract: it appears
# once the target accepts connections) and prints the peer id. Fails when PID exits first or
# after TIMEOUT seconds (default 60).
wait_for_peer_id() {  # DIR PID [TIMEOUT]
  local dir=$1 pid=$2 tenths=$((${3:-60} * 10)) i
  for ((i = 0; i < tenths; i++)); do
    if [[ -s $dir/peer_id ]]; then
      cat "$dir/peer_id"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
