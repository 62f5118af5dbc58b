#!/bin/bash
# Runs every program of the tour (tools/tour/) and checks the lines a reader is told to look at.
# Programs that take an optional data file run with and without it (the GloVe subset in
# ../shared/data, skipped with a note when that folder is absent).
#   tour_test.sh path/to/build/tools/tour path/to/shared/data
set -u
TOUR=$1
SHARED=$2
source "$(dirname "$0")/lib.sh"
GLOVE="$SHARED/glove-6B-50d-subset/glove.6B.50d.top2445.txt"

# run NAME [ARGS...]: runs the program, its stdout in $WORK/NAME.out; a non-zero exit is a failure.
run() {
  local name=$1
  shift
  "$TOUR/$name" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || fail "$name $*: exit $?: $(cat "$WORK/$name.err")"
}
# expect NAME REGEX: the program's output has a line matching REGEX.
expect() { grep -qE -- "$2" "$WORK/$1.out" || fail "$1: no line matching '$2' in: $(cat "$WORK/$1.out")"; }

run 01-lookup
expect 01-lookup 'ids \[1, 5, 3, 2\] -> vectors: shape \[4, 100\]'
expect 01-lookup 'vectors\[1\] is row 5 of the table: yes'
expect 01-lookup 'only rows \[1, 2, 3, 5\] of the table received gradient'

# 02-init writes its heatmap in the current directory unless given a prefix: here, into $WORK.
run 02-init "$WORK/init"
expect 02-init 'embedding.weight: shape \[1000, 50\]'
expect 02-init 'mean -?0\.0[0-9]+, std (0\.9[5-9]|1\.0[0-4])[0-9]*'
expect 02-init "heatmap of rows 0-99 written to $WORK/init.svg"
grep -q 'embedding dimension' "$WORK/init.svg" && grep -q 'word index' "$WORK/init.svg" ||
  fail "02-init: init.svg lacks its axis titles"
if grep -q 'no PNG' "$WORK/02-init.out"; then
  echo "02-init: this build has no Cairo: SVG only"
else
  [ "$(head -c 4 "$WORK/init.png" | tail -c 3)" == "PNG" ] || fail "02-init: init.png is not a PNG"
fi

run 03-word-to-vector
expect 03-word-to-vector "'banana' -> id 1 -> vector \[(-?[0-9.]+, ){4}-?[0-9.]+\]"

run 04-oov
expect 04-oov "'bananas' -> id [0-9]+ \(known\)"
expect 04-oov "'cherries' -> id 1 \(unknown: the row of <unk>\)"

run 05-classifier
expect 05-classifier 'ids \[32, 20\] -> embedded \[32, 20, 50\] -> mean \[32, 50\] -> logits \[32, 5\]'

run 06-pretrained
expect 06-pretrained 'a random \[10000, 100\] table stands in'
expect 06-pretrained 'frozen: true'
if [ -f "$GLOVE" ]; then
  run 06-pretrained "$GLOVE"
  expect 06-pretrained 'words of dimension 50 \(glove\)'
  expect 06-pretrained "first 5 dimensions of 'king': \["
else
  echo "skipped 06-pretrained with GloVe: $GLOVE is absent (../shared/data is not beside the checkout)"
fi

"$TOUR/07-visualize" "$WORK/no-such-file.txt" >/dev/null 2>"$WORK/07.err" && fail "07-visualize: a missing file is not an error"
grep -q '^error: ' "$WORK/07.err" || fail "07-visualize: a missing file: $(cat "$WORK/07.err")"
pushd "$WORK" >/dev/null  # without a prefix the pictures go to the current directory
run 07-visualize
popd >/dev/null
[ -s "$WORK/07-visualize-pca.svg" ] && [ -s "$WORK/07-visualize-tsne.svg" ] || fail "07-visualize: no pictures in $WORK"
expect 07-visualize 'five made-up words'
expect 07-visualize 'PCA: the first two components keep [0-9.]+% \+ [0-9.]+% of the variance'
expect 07-visualize 't-SNE: perplexity 30 needs at least 91 points; 5 points: lowered to 1.33'
expect 07-visualize 'written to 07-visualize-tsne.svg'
if [ -f "$GLOVE" ]; then
  run 07-visualize "$GLOVE" "$WORK/glove"
  expect 07-visualize '15 words, vectors \[15, 50\]'
  expect 07-visualize "written to $WORK/glove-pca.svg"
  for word in france paris king; do
    grep -q ">$word</text>" "$WORK/glove-tsne.svg" || fail "07-visualize: no label '$word' in glove-tsne.svg"
  done
else
  echo "skipped 07-visualize with GloVe: $GLOVE is absent (../shared/data is not beside the checkout)"
fi

run 08-lookup-speed
expect 08-lookup-speed 'both give the same vectors: yes'
# Which is faster is a measurement, not a property (an ASan build makes the embedding's copy slow):
# the test checks that both times are printed, not their order. tg-bench workloads measures W1.
expect 08-lookup-speed 'embedding \(one array\): +[0-9.]+ us'
expect 08-lookup-speed 'the hash map takes [0-9.]+x the embedding'

run 09-padding
expect 09-padding 'padded ids \[3, 7\]'
expect 09-padding 'embedded \[3, 7, 8\] -> masked \[3, 7, 8\] -> masked mean \[3, 8\]'
expect 09-padding 'the masked mean is unchanged: yes'

run 10-sentiment
awk '/^final loss/ { loss = $3 } END { exit !(loss != "" && loss < 0.1) }' "$WORK/10-sentiment.out" ||
  fail "10-sentiment: the final loss is not below 0.1: $(cat "$WORK/10-sentiment.out")"
expect 10-sentiment '"great movie" +P\(positive\) = 0\.[6-9]'
expect 10-sentiment '"terrible film" +P\(positive\) = 0\.[0-3]'

run 11-text-generation
expect 11-text-generation '59 characters, [0-9]+ distinct, 49 windows of 10'
awk '/^epoch +1 / { first = $4 } /^epoch 100 / { last = $4 } END { exit !(last < first / 2) }' \
  "$WORK/11-text-generation.out" || fail "11-text-generation: the loss did not halve: $(cat "$WORK/11-text-generation.out")"
expect 11-text-generation '^greedy continuation: "Hello, .{40}"$'

# Under AddressSanitizer freed memory waits in a quarantine, still resident; without one the freed
# fp32 table is given back and the measurement means what it says (no effect on a normal build).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0" run 12-memory
expect 12-memory '100000  fp32   120\.00 MB'
expect 12-memory 'fp16 / fp32 at V = 100000: computed 0\.500,'
expect 12-memory 'int8 / fp32 at V = 100000: computed 0\.253,'
# Measured resident memory: about half, with a loose bound (other allocations, huge pages).
awk '/^fp16 \/ fp32 at V = 100000/ { found = 1; m = $NF; exit !(m > 0.35 && m < 0.65) } END { if (!found) exit 1 }' \
  "$WORK/12-memory.out" || fail "12-memory: measured fp16/fp32 is not about 0.5: $(cat "$WORK/12-memory.out")"

run 13-transfer
expect 13-transfer 'ids \[32, 20\] -> logits \[32, 5\]'
expect 13-transfer 'embedding.weight +\[10000, 300\] +frozen'
expect 13-transfer 'lstm.weight_ih_l0 +\[512, 300\] +trains'
grep -A1 'embedding frozen' "$WORK/13-transfer.out" | grep -q 'embedding changed: no   fc changed: yes' ||
  fail "13-transfer: the frozen step: $(cat "$WORK/13-transfer.out")"
grep -A1 'embedding unfrozen' "$WORK/13-transfer.out" | grep -q 'embedding changed: yes   fc changed: yes' ||
  fail "13-transfer: the unfrozen step: $(cat "$WORK/13-transfer.out")"

run 14-word2vec
expect 14-word2vec 'skip-gram: [0-9]+ x 20 vectors'
# The made-up text puts each animal among the same words: the nearest of "cat" are the other animals.
grep -E '^ +cat +->' "$WORK/14-word2vec.out" | grep -qE '^ +cat +-> (dog|horse|rabbit) .* (dog|horse|rabbit) .* (dog|horse|rabbit) ' ||
  fail "14-word2vec: the neighbours of cat are not the other animals: $(cat "$WORK/14-word2vec.out")"
expect 14-word2vec 'give the GloVe subset'
if [ -f "$GLOVE" ]; then
  run 14-word2vec "$GLOVE"
  expect 14-word2vec 'king - man \+ woman = queen'
else
  echo "skipped 14-word2vec with GloVe: $GLOVE is absent (../shared/data is not beside the checkout)"
fi

# tg-tour lists the slides and runs one by number.
"$TOUR/tg-tour" >"$WORK/index.out" || fail "tg-tour: exit $?"
[ "$(grep -cE '^ *[0-9]+  [0-9]{2}-' "$WORK/index.out")" -eq 14 ] || fail "tg-tour: does not list 14 programs: $(cat "$WORK/index.out")"
wide=$(awk 'length($0) > 80' "$WORK/index.out")
[ -z "$wide" ] || fail "tg-tour: a line of the list is wider than 80 columns: $wide"
"$TOUR/tg-tour" 5 | grep -q 'logits \[32, 5\]' || fail "tg-tour 5 does not run 05-classifier"
"$TOUR/tg-tour" --help | grep -q 'number' || fail "tg-tour --help"
expect_error 2 "15" - -- "$TOUR/tg-tour" 15

finish tour
