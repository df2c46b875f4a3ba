# Sourced (not run), from the repository root, by the benchmarks (Experiments/bench_*.sh,
# train_bench.sh) and, through checks/preamble.bash, by the checks: where the real data is, how a
# results file names its commit and machine, and what a missing ../shared does.
#
#   SHARED   ../shared unless set; M and D are the ResNet-20 model and the CIFAR-10 folder in it
#   host_line            "2026-11-30 09:00 UTC, 5d17f5e, 2 cores, <CPU model>, load 0.1 0.2 0.3"
#   build_release P...   swift build -c release --product P for each P, unless SKIP_BUILD is set
#                        (never a bare `swift build -c release`: that also builds protoc)
#   require_shared F...  each F must exist: otherwise say which is missing and exit 0 (skip),
#                        or exit 1 under BITBUDGET_REQUIRE_SHARED=1, as the tests do

SHARED=${SHARED:-../shared}
M="$SHARED/models/resnet20_cifar10.onnx"
D="$SHARED/data/cifar10"

host_line() {
  echo "$(date -u '+%F %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null || echo 'no git'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

build_release() {
  [ -z "${SKIP_BUILD:-}" ] || return 0
  local p
  for p in "$@"; do swift build -c release --product "$p" >/dev/null; done
}

require_shared() {
  local f
  for f in "$@"; do
    [ -e "$f" ] && continue
    if [ "${BITBUDGET_REQUIRE_SHARED:-0}" = 1 ]; then
      echo "$(basename "$0"): $f is missing (BITBUDGET_REQUIRE_SHARED=1)" >&2; exit 1
    fi
    echo "$(basename "$0"): skipped: $f is missing (real data from ../shared is needed)" >&2; exit 0
  done
}
