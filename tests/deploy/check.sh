# Shared by the deploy tests: `check <description> <command...>`, or after [[ ]]: `check <description>`.
# Returns the checked status, so `check ... || exit 1` stops at a fatal failure.
failures=0
passes=0
check() {
  local status=$?
  local description=$1
  shift
  if [[ $# -gt 0 ]]; then
    "$@"
    status=$?
  fi
  if [[ $status -eq 0 ]]; then
    passes=$((passes + 1))
    echo "ok   - $description"
  else
    failures=$((failures + 1))
    echo "FAIL - $description"
  fi
  return "$status"
}
finish() {
  echo "# $passes passed, $failures failed"
  [[ $failures -eq 0 ]]
}
