#!/bin/sh
# tapegrad's tools against their rivals end to end, each pair run back to back on the same machine:
#
#   tools/bench/end_to_end.sh [sst2|charlm|all] [DATA_DIR]      (DATA_DIR: ../shared/data by default)
#
# sst2:   tg-classify train (bag, dim 100, 5 epochs) vs. fasttext supervised (dim 100, 5 epochs), at 1
#         thread and at 2: wall time, words/s/thread (training words x epochs / wall / threads, the same
#         count for both) and dev accuracy (fastText: P@1 of `fasttext test`).
# charlm: tg-charlm train vs. tools/bench/charlm_torch.py on tiny-shakespeare (emb 64, hidden 256, seq 64,
#         batch 32, 1500 steps, Adam 2e-3, clip 5), 1 thread: wall time and held-out loss.
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

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }

sst2() {
  [ -f "$data/sst2/train.tsv" ] || { echo "error: $data/sst2/train.tsv not found" >&2; exit 1; }
  command -v fasttext >/dev/null || { echo "error: fasttext not installed (apt-get install fasttext)" >&2; exit 1; }
  # fastText's format, from the TSV (header: sentence<TAB>label).
  for split in train dev; do
    awk -F '\t' 'NR > 1 { print "__label__" $2 " " $1 }' "$data/sst2/$split.tsv" >"$work/$split.ft"
  done
  words=$(awk -F '\t' 'NR > 1 { n += split($1, w, " ") } END { print n }' "$data/sst2/train.tsv")
  echo "SST-2: $(wc -l <"$work/train.ft") training sentences, $words words; 5 epochs, dim 100"
  printf '%-9s %7s %8s %18s %9s\n' side threads wall_s words/s/thread dev_acc
  for threads in 1 2; do
    export OPENBLAS_NUM_THREADS=$threads
    start=$(now)
    pinned "$threads" fasttext supervised -input "$work/train.ft" -output "$work/ft" -dim 100 -epoch 5 \
      -thread "$threads" >"$work/ft.log" 2>&1
    end=$(now)
    ft_wall=$(elapsed "$start" "$end")
    ft_acc=$(fasttext test "$work/ft.bin" "$work/dev.ft" | awk '/^P@1/ { print $2 }')
    start=$(now)
    pinned "$threads" "$build/tools/classify/tg-classify" train --train "$data/sst2/train.tsv" \
      --valid "$data/sst2/dev.tsv" --out "$work/tg.safetensors" --dim 100 --epochs 5 --threads "$threads" \
      >"$work/tg.log" 2>&1
    end=$(now)
    tg_wall=$(elapsed "$start" "$end")
    tg_acc=$("$build/tools/classify/tg-classify" test --model "$work/tg.safetensors" --data "$data/sst2/dev.tsv" \
      2>>"$work/tg.log" |
      awk -F '\t' '$1 == "accuracy" { print $2 }')
    for side in fasttext tapegrad; do
      if [ $side = fasttext ]; then wall=$ft_wall acc=$ft_acc; else wall=$tg_wall acc=$tg_acc; fi
      printf '%-9s %7d %8.2f %18.0f %9s\n' $side "$threads" "$wall" \
        "$(echo "$words * 5 / $wall / $threads" | bc -l)" "$acc"
    done
  done
}

charlm() {
  text=$data/tinyshakespeare/input.txt
  [ -f "$text" ] || { echo "error: $text not found" >&2; exit 1; }
  export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
  echo "tiny-shakespeare char LM: emb 64, hidden 256, seq 64, batch 32, 1500 steps, Adam 2e-3, clip 5; 1 thread"
  start=$(now)
  pinned 1 "$build/tools/charlm/tg-charlm" train --text "$text" --out "$work/lm.safetensors" --threads 1 >"$work/lm.log" 2>&1
  end=$(now)
  tg_wall=$(elapsed "$start" "$end")
  tg_loss=$(grep -o 'held-out loss [0-9.]*' "$work/lm.log" | tail -1 | awk '{ print $3 }')
  start=$(now)
  pinned 1 /usr/bin/python3 "$here/charlm_torch.py" "$text" --threads 1 >"$work/torch.log" 2>&1
  end=$(now)
  pt_wall=$(elapsed "$start" "$end")
  pt_loss=$(grep -o 'held-out loss [0-9.]*' "$work/torch.log" | tail -1 | awk '{ print $3 }')
  printf '%-9s %8s %15s\n' side wall_s held_out_loss
  printf '%-9s %8.1f %15s\n' tapegrad "$tg_wall" "$tg_loss" pytorch "$pt_wall" "$pt_loss"
  echo "tapegrad / PyTorch wall time: $(echo "$tg_wall / $pt_wall" | bc -l | cut -c1-5);" \
    "held-out loss difference: $(echo "$tg_loss - $pt_loss" | bc -l)"
}

case $what in
  sst2 | charlm) pairs=$what ;;
  all) pairs="sst2 charlm" ;;
  *) echo "usage: $0 [sst2|charlm|all] [DATA_DIR]" >&2; exit 2 ;;
esac
echo "$(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //'), OpenBLAS kernels $OPENBLAS_CORETYPE"
for pair in $pairs; do "$pair"; done
