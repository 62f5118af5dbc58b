#!/bin/sh
# Does tapegrad get slower with a second thread? Its workloads at 1 thread and at 2, interleaved:
#
#   tools/bench/threads.sh ROUNDS [--only W3,W5]
#
# Each round runs `tg-bench workloads --json` at 1 thread and at 2, alternating which goes first, then
# prints each workload's median over the rounds at 1 and at 2 threads, the 2-thread / 1-thread time of
# every round and the median of those (above 1.00: slower with a second thread).
# The main thread runs on the same CPU in both (tools/bench/pinned.sh's bench_cpu): the 1-thread run
# is pinned to it, and the 2-thread run binds OpenMP's threads (OMP_PROC_BIND) with the main one on it.
# Unbound, the 2-thread run's serial parts ran on whichever vCPU the scheduler chose, and this machine's
# vCPUs take turns being up to 1.7x slower. (Binding is safe here because tapegrad keeps OpenBLAS on one
# thread; PyTorch's OpenBLAS workers would inherit the main thread's CPU, so compare.sh does not bind.)
# TG_BENCH overrides the tg-bench path (default build/tools/bench/tg-bench).
set -eu
if [ $# -lt 1 ]; then
  echo "usage: $0 ROUNDS [--only W3,W5]" >&2
  exit 2
fi
rounds=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
. "$here/pinned.sh"
bench=${TG_BENCH:-$here/../../build/tools/bench/tg-bench}
[ -x "$bench" ] || { echo "error: $bench not found: build first (ninja -C build)" >&2; exit 1; }
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
cpu=$(bench_cpu)
# OpenMP's places: bench_cpu first, then every other CPU this shell may use.
places=$(/usr/bin/python3 -c '
import os, sys
cpu = int(sys.argv[1])
print(",".join(f"{{{c}}}" for c in [cpu] + sorted(os.sched_getaffinity(0) - {cpu})))' "$cpu")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
one() { OPENBLAS_NUM_THREADS=1 taskset -c "$cpu" "$bench" workloads --threads 1 --json "$@"; }
two() { OPENBLAS_NUM_THREADS=1 OMP_PROC_BIND=close OMP_PLACES="$places" "$bench" workloads --threads 2 --json "$@"; }
round=1
while [ "$round" -le "$rounds" ]; do
  echo "round $round of $rounds" >&2
  # Each run to a file of its own first: in a pipeline, set -e would not see tg-bench fail.
  if [ $((round % 2)) -eq 1 ]; then one "$@" >"$out/a"; two "$@" >"$out/b"; else two "$@" >"$out/b"; one "$@" >"$out/a"; fi
  sed "s/^{/{\"round\": $round, /" "$out/a" "$out/b" >>"$out/results.jsonl"
  round=$((round + 1))
done
/usr/bin/python3 - "$out/results.jsonl" "$OPENBLAS_CORETYPE" "$cpu" <<'PY'
import collections, json, statistics, sys
by = collections.defaultdict(lambda: collections.defaultdict(dict))  # workload -> threads -> round -> ms
for line in open(sys.argv[1]):
    r = json.loads(line)
    by[r["workload"]][r["threads"]][r["round"]] = r["median_ms"]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
with open("/proc/loadavg") as f:
    load = f.read().split()[0]
rounds = len({k for w in by.values() for t in w.values() for k in t})
print(f"tapegrad, 1 thread against 2, {rounds} rounds, {cpu}, main thread on CPU {sys.argv[3]}, "
      f"OpenBLAS kernels {sys.argv[2]}, load {load} at the end")
print(f"{'':5}{'1 thread ms':>12} {'2 threads ms':>13}  {'2 / 1 per round':<30} median")
for name in sorted(by, key=lambda n: (n[:2], len(n), n)):
    one, two = by[name][1], by[name][2]
    common = sorted(set(one) & set(two))
    ratios = [two[k] / one[k] for k in common]
    one_ms, two_ms = statistics.median(one[k] for k in common), statistics.median(two[k] for k in common)
    print(f"{name:5}{one_ms:12.3f} {two_ms:13.3f}  {' '.join(f'{r:.2f}' for r in ratios):<30} {statistics.median(ratios):5.2f}")
PY
