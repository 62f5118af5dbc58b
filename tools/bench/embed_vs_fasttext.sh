#!/bin/bash
# tg-embed train against Debian's `fasttext skipgram` with the same settings (dim 100, window 5, neg 5,
# 5 epochs, minCount 5, lr 0.025, t 1e-4) on the corpus of tools/embed/make_corpus.sh: wall time,
# words/s/thread and Spearman's rho on WordSim-353 (lower-cased), for each thread count and seed.
# fastText is run twice: as a pure word skip-gram (-minn 0 -maxn 0) and with its default subwords
# (minn 3, maxn 6). One table row per run, the three programs interleaved so they share the machine's load.
#   tools/bench/embed_vs_fasttext.sh BUILD_DIR [THREADS="1 2"] [SEEDS="1 2 3"]
set -eu
build=$1
threads=${2:-1 2}
seeds=${3:-1 2 3}
here=$(cd "$(dirname "$0")/../.." && pwd)
data=$here/../shared/data
corpus=$build/tmp/embed-corpus.txt
ws=$data/wordsim353/wordsim353.tsv
out=$build/tmp/embed-bench
mkdir -p "$out"
[ -f "$corpus" ] || "$here/tools/embed/make_corpus.sh" "$data" "$corpus"
tokens=$(wc -w <"$corpus")
embed=$build/tools/embed/tg-embed
common=(-dim 100 -ws 5 -neg 5 -epoch 5 -minCount 5 -lr 0.025 -t 1e-4 -verbose 0)
# wall seconds of a command (GNU time's %e), its output thrown away
wall() { /usr/bin/time -f %e -o "$out/time" "$@" >/dev/null 2>&1; cat "$out/time"; }
rho() { "$embed" eval-similarity --vectors "$1" "$ws" --lowercase | awk '{ print $2, $4 "/" $6 }'; }
printf '%-22s %7s %4s %8s %14s %8s %8s\n' program threads seed wall_s words/s/thread rho pairs
for t in $threads; do
  for s in $seeds; do
    w=$(wall "$embed" train --text "$corpus" --out "$out/tg.vec" --threads "$t" --seed "$s" --quiet)
    read -r r p <<<"$(rho "$out/tg.vec")"
    printf '%-22s %7s %4s %8s %14.0f %8s %8s\n' tg-embed "$t" "$s" "$w" "$(echo "$tokens * 5 / $w / $t" | bc -l)" "$r" "$p"
    w=$(wall fasttext skipgram -input "$corpus" -output "$out/ft" "${common[@]}" -thread "$t" -seed "$s" -minn 0 -maxn 0)
    read -r r p <<<"$(rho "$out/ft.vec")"
    printf '%-22s %7s %4s %8s %14.0f %8s %8s\n' "fasttext -minn 0" "$t" "$s" "$w" "$(echo "$tokens * 5 / $w / $t" | bc -l)" "$r" "$p"
    w=$(wall fasttext skipgram -input "$corpus" -output "$out/fts" "${common[@]}" -thread "$t" -seed "$s")
    read -r r p <<<"$(rho "$out/fts.vec")"
    printf '%-22s %7s %4s %8s %14.0f %8s %8s\n' "fasttext subwords" "$t" "$s" "$w" "$(echo "$tokens * 5 / $w / $t" | bc -l)" "$r" "$p"
  done
done
