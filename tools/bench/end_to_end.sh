#!/bin/sh
# tapegrad's tools against their rivals end to end, on the same machine in alternating rounds:
#
#   tools/bench/end_to_end.sh [sst2|charlm|all] [DATA_DIR]      (DATA_DIR: ../shared/data by default)
#
# sst2:   tg-classify train (bag, dim 100, 5 epochs) vs. fasttext supervised (dim 100, 5 epochs), at 1
#         thread and at 2: wall time, words/s/thread (training words x epochs / wall / threads, the same
#         count for both) and dev accuracy (fastText: P@1 of `fasttext test`), then the median ratios.
# charlm: tg-charlm train vs. tools/bench/charlm_torch.py on tiny-shakespeare (emb 64, hidden 256, seq 64,
#         batch 32, 1500 steps, Adam 2e-3, clip 5), 1 thread: wall time and held-out loss, then the median
#         ratio.
# Needs Debian's fasttext and python3-torch. Both sides use the same OpenBLAS kernels (OPENBLAS_CORETYPE,
# SkylakeX when unset) and OpenBLAS thread count; 1-thread runs of both sides run on the same CPU
# (tools/bench/pinned.sh says why).
set -eu
what=${1:-all}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/pinned.sh"
root=$here/../..
data=${2:-$root/../shared/data}
build=${TG_BUILD:-$root/build}
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Each pair runs in TG_E2E_ROUNDS rounds (3 unless set), alternating which side goes first: this
# machine's vCPUs take turns being up to 1.7x slower for minutes at a time, so one pair run back to back
# was a draw of those minutes.
rounds=${TG_E2E_ROUNDS:-3}

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }

# One training run: "WALL DEV_ACCURACY".
sst2_side() {
  side=$1 threads=$2
  export OPENBLAS_NUM_THREADS=$threads
  start=$(now)
  if [ "$side" = fasttext ]; then
    pinned "$threads" fasttext supervised -input "$work/train.ft" -output "$work/ft" -dim 100 -epoch 5 \
      -thread "$threads" >"$work/ft.log" 2>&1
    end=$(now)
    acc=$(fasttext test "$work/ft.bin" "$work/dev.ft" | awk '/^P@1/ { print $2 }')
  else
    pinned "$threads" "$build/tools/classify/tg-classify" train --train "$data/sst2/train.tsv" \
      --valid "$data/sst2/dev.tsv" --out "$work/tg.safetensors" --dim 100 --epochs 5 --threads "$threads" \
      >"$work/tg.log" 2>&1
    end=$(now)
    acc=$("$build/tools/classify/tg-classify" test --model "$work/tg.safetensors" --data "$data/sst2/dev.tsv" \
      2>>"$work/tg.log" | awk -F '\t' '$1 == "accuracy" { print $2 }')
  fi
  echo "$(elapsed "$start" "$end") $acc"
}

# The median of the numbers on standard input, one a line.
median() {
  sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# sst2_ratio A_SIDE A_THREADS B_SIDE B_THREADS: wall(A) / wall(B) of each round in $work/sst2.results
# (lines "ROUND SIDE THREADS WALL"), one line a round.
sst2_ratio() {
  awk -v as="$1" -v at="$2" -v bs="$3" -v bt="$4" '
    $2 == as && $3 == at { a[$1] = $4 } $2 == bs && $3 == bt { b[$1] = $4 }
    END { for (r in a) print a[r] / b[r] }' "$work/sst2.results"
}

sst2() {
  [ -f "$data/sst2/train.tsv" ] || { echo "error: $data/sst2/train.tsv not found" >&2; exit 1; }
  command -v fasttext >/dev/null || { echo "error: fasttext not installed (apt-get install fasttext)" >&2; exit 1; }
  # fastText's format, from the TSV (header: sentence<TAB>label).
  for split in train dev; do
    awk -F '\t' 'NR > 1 { print "__label__" $2 " " $1 }' "$data/sst2/$split.tsv" >"$work/$split.ft"
  done
  words=$(awk -F '\t' 'NR > 1 { n += split($1, w, " ") } END { print n }' "$data/sst2/train.tsv")
  echo "SST-2: $(wc -l <"$work/train.ft") training sentences, $words words; 5 epochs, dim 100; $rounds rounds"
  printf '%-6s %-9s %7s %8s %18s %9s\n' round side threads wall_s words/s/thread dev_acc
  : >"$work/sst2.results"
  round=1
  while [ "$round" -le "$rounds" ]; do
    runs="fasttext:1 tapegrad:1 fasttext:2 tapegrad:2"
    [ $((round % 2)) -eq 0 ] && runs="tapegrad:2 fasttext:2 tapegrad:1 fasttext:1"
    for run in $runs; do
      side=${run%:*} threads=${run#*:}
      set -- $(sst2_side "$side" "$threads")
      echo "$round $side $threads $1" >>"$work/sst2.results"
      printf '%-6d %-9s %7d %8.2f %18.0f %9s\n' "$round" "$side" "$threads" "$1" \
        "$(echo "$words * 5 / $1 / $threads" | bc -l)" "$2"
    done
    round=$((round + 1))
  done
  echo "medians over the rounds:" \
    "tapegrad / fastText words/s/thread, 1 thread $(sst2_ratio fasttext 1 tapegrad 1 | median)," \
    "2 threads $(sst2_ratio fasttext 2 tapegrad 2 | median);" \
    "2-thread / 1-thread wall time, tapegrad $(sst2_ratio tapegrad 2 tapegrad 1 | median)," \
    "fastText $(sst2_ratio fasttext 2 fasttext 1 | median)"
}

# One run of a side: its wall time and held-out loss, "WALL LOSS".
charlm_side() {
  if [ "$1" = tapegrad ]; then
    set -- "$build/tools/charlm/tg-charlm" train --text "$text" --out "$work/lm.safetensors" --threads 1
  else
    set -- /usr/bin/python3 "$here/charlm_torch.py" "$text" --threads 1
  fi
  start=$(now)
  pinned 1 "$@" >"$work/lm.log" 2>&1
  end=$(now)
  echo "$(elapsed "$start" "$end") $(grep -o 'held-out loss [0-9.]*' "$work/lm.log" | tail -1 | awk '{ print $3 }')"
}

charlm() {
  text=$data/tinyshakespeare/input.txt
  [ -f "$text" ] || { echo "error: $text not found" >&2; exit 1; }
  export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
  echo "tiny-shakespeare char LM: emb 64, hidden 256, seq 64, batch 32, 1500 steps, Adam 2e-3, clip 5; 1 thread," \
    "$rounds rounds"
  printf '%-6s %12s %15s %12s %15s %18s\n' round tapegrad_s held_out_loss pytorch_s held_out_loss tapegrad/pytorch
  ratios=""
  round=1
  while [ "$round" -le "$rounds" ]; do
    if [ $((round % 2)) -eq 1 ]; then tg=$(charlm_side tapegrad); pt=$(charlm_side pytorch)
    else pt=$(charlm_side pytorch); tg=$(charlm_side tapegrad); fi
    set -- $tg $pt
    ratio=$(echo "$1 / $3" | bc -l)
    ratios="$ratios $ratio"
    printf '%-6d %12.1f %15s %12.1f %15s %18.3f\n' "$round" "$1" "$2" "$3" "$4" "$ratio"
    round=$((round + 1))
  done
  echo "median tapegrad / PyTorch wall time: $(echo $ratios | tr ' ' '\n' | median)"
}

case $what in
  sst2 | charlm) pairs=$what ;;
  all) pairs="sst2 charlm" ;;
  *) echo "usage: $0 [sst2|charlm|all] [DATA_DIR]" >&2; exit 2 ;;
esac
echo "$(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //'), OpenBLAS kernels $OPENBLAS_CORETYPE"
for pair in $pairs; do "$pair"; done
