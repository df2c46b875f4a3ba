# Sourced by every check in this folder (named .bash so Tests/run.sh's *.sh loop skips it):
# works from the repository root, sets BIN (the check's first argument, default the release
# build) and SHARED (../shared unless set), and defines `require FILE`, which skips the check
# (exit 0, with a message) when FILE is missing, or fails it under BITBUDGET_REQUIRE_SHARED=1
# (.ci/run sets it: CI always has ../shared, so nothing real is skipped silently there).
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN=${1:-.build/release/bitbudget}
SHARED=${SHARED:-../shared}
require() {
  if [ ! -f "$1" ]; then
    if [ "${BITBUDGET_REQUIRE_SHARED:-0}" = 1 ]; then echo "missing $1"; exit 1; fi
    echo "skip: $1 not found"; exit 0
  fi
}
