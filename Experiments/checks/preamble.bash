# Sourced by every check in this folder (named .bash so Tests/run.sh's *.sh loop skips it):
# works from the repository root, sets BIN (the check's first argument, default the release
# build) and, from ../common.bash, SHARED (../shared unless set), M, D and `require_shared FILE...`,
# which skips the check (exit 0, with a message) when a FILE is missing, or fails it under
# BITBUDGET_REQUIRE_SHARED=1 (.ci/run sets it: CI always has ../shared, so nothing real is
# skipped silently there).
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN=${1:-.build/release/bitbudget}
source Experiments/common.bash
