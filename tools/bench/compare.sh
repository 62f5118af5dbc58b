#!/bin/sh
# tapegrad against PyTorch on the walkthrough's workloads, interleaved (this machine's speed drifts by
# 20-40% within minutes, so only ratios from the same run mean anything):
#
#   tools/bench/compare.sh THREADS ROUNDS [--only W3,W5]
#
# Each round runs `tg-bench workloads --json` and `workloads_torch.py --json`, alternating which goes
# first, then prints one table: each side's median over the rounds (with the range of the rounds'
# medians), the PyTorch / tapegrad ratio of every round and the median of those ratios, and the floors
# tg-bench measured. Both sides use the same OpenBLAS kernels (OPENBLAS_CORETYPE, SkylakeX when unset:
# see the README's note on OpenBLAS; the header says which) and the same thread count (OPENBLAS_NUM_THREADS
# too).
# With THREADS 1 both sides run on the same CPU (tools/bench/pinned.sh says why).
# Needs Debian's python3-torch; TG_BENCH overrides the tg-bench path (default build/tools/bench/tg-bench).
set -eu
if [ $# -lt 2 ]; then
  echo "usage: $0 THREADS ROUNDS [--only W3,W5]" >&2
  exit 2
fi
threads=$1 rounds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/pinned.sh"
bench=${TG_BENCH:-$here/../../build/tools/bench/tg-bench}
[ -x "$bench" ] || { echo "error: $bench not found: build first (ninja -C build)" >&2; exit 1; }
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
export OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
round=1
while [ "$round" -le "$rounds" ]; do
  tg="$bench workloads --threads $threads --json $*"
  torch="/usr/bin/python3 $here/workloads_torch.py $threads --json $*"
  if [ $((round % 2)) -eq 1 ]; then first=$tg second=$torch; else first=$torch second=$tg; fi
  echo "round $round of $rounds: $(echo "$first" | cut -d' ' -f1 | xargs basename) first" >&2
  # Each run to a file of its own first: in a pipeline, set -e would not see either side fail.
  pinned "$threads" $first >"$out/first"
  pinned "$threads" $second >"$out/second"
  sed "s/^{/{\"round\": $round, /" "$out/first" "$out/second" >>"$out/results.jsonl"
  round=$((round + 1))
done
/usr/bin/python3 - "$out/results.jsonl" "$threads" "$OPENBLAS_CORETYPE" <<'PY'
import collections, json, platform, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
by = collections.defaultdict(dict)
for r in rows:
    by[r["workload"]].setdefault(r["side"], {})[r["round"]] = r
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
with open("/proc/loadavg") as f:
    load = f.read().split()[0]
print(f"threads={sys.argv[2]}, {len(set(r['round'] for r in rows))} rounds, {cpu}, "
      f"OpenBLAS kernels {sys.argv[3]}, load {load} at the end")
print(f"{'':5}{'tapegrad ms (range)':>26} {'PyTorch ms (range)':>28}  {'PyTorch/tapegrad per round':<30} median  floor")
def cell(values):
    return f"{statistics.median(values):9.3f} ({min(values):.3f}-{max(values):.3f})"
for name in sorted(by, key=lambda n: (n[:2], len(n), n)):
    sides = by[name]
    tg, pt = sides.get("tapegrad", {}), sides.get("pytorch", {})
    common = sorted(set(tg) & set(pt))
    ratios = [pt[k]["median_ms"] / tg[k]["median_ms"] for k in common]
    floor = ""
    last = tg[common[-1]] if common else None
    if last and "floor_rate" in last:
        rates = [tg[k]["rate"] / tg[k]["floor_rate"] for k in common]
        floor = (f"{last['rate']:.1f} {last['rate_unit']} = {100 * statistics.median(rates):.0f}% of "
                 f"{last['floor']}")
    print(f"{name:5}{cell([tg[k]['median_ms'] for k in common]):>26} {cell([pt[k]['median_ms'] for k in common]):>28}"
          f"  {' '.join(f'{r:.2f}' for r in ratios):<30} {statistics.median(ratios):5.2f}x  {floor}")
PY
