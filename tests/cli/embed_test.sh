#!/bin/bash
# End-to-end test of tg-embed: every subcommand on a small hand-made vector file (and on a tg-classify
# checkpoint), the formats written by convert read back the same, train on a generated text, and bad
# inputs (one "error:" line, exit 1, no output file).
#   embed_test.sh path/to/tg-embed path/to/tg-classify path/to/tests/data/cli
set -u
EMBED=$1
CLASSIFY=$2
DATA=$3
source "$(dirname "$0")/lib.sh"

# Five 2-D words: queen - king = woman - man.
VEC="$WORK/small.txt"
printf 'king 3 1\nqueen 3 2\nman 1 0\nwoman 1 1\napple -1 0\n' >"$VEC"

# ---- neighbors, analogy, similarity ----
out=$("$EMBED" neighbors --vectors "$VEC" king -k 2 2>"$WORK/err") || fail "neighbors: exit $?: $(cat "$WORK/err")"
[ "$out" == "$(printf 'queen 0.964764\nman 0.948683')" ] || fail "neighbors king: $out"
out=$("$EMBED" analogy --vectors "$VEC" king man woman -k 1) || fail "analogy: exit $?"
[ "${out%% *}" == "queen" ] || fail "analogy king - man + woman: $out"
out=$("$EMBED" similarity --vectors "$VEC" man woman) || fail "similarity: exit $?"
[ "$out" == "0.707107" ] || fail "similarity man woman: $out"

# ---- eval-similarity: a header, a comment, an uncovered pair, lowercasing ----
printf '# comment\nw1\tw2\tscore\nking\tqueen\t9\nMan\tWoman\t8\nking\tapple\t1\nking\tprince\t7\n' >"$WORK/ws.tsv"
out=$("$EMBED" eval-similarity --vectors "$VEC" "$WORK/ws.tsv") || fail "eval-similarity: exit $?"
[[ "$out" == "spearman 1.0000 over 2 of 4 pairs (50.0%); missing: \"Man\" \"Woman\" \"prince\"" ]] || fail "eval-similarity: $out"
out=$("$EMBED" eval-similarity --vectors "$VEC" "$WORK/ws.tsv" --lowercase) || fail "eval-similarity --lowercase: exit $?"
[[ "$out" == "spearman 1.0000 over 3 of 4 pairs (75.0%); missing: \"prince\"" ]] || fail "eval-similarity --lowercase: $out"

# ---- print-word-vectors: a line per known word; unknown words said on stderr ----
out=$(printf 'woman zebra\nking\n' | "$EMBED" print-word-vectors --vectors "$VEC" 2>"$WORK/err") ||
  fail "print-word-vectors: exit $?"
[ "$out" == "$(printf 'woman 1 1\nking 3 1')" ] || fail "print-word-vectors: $out"
grep -q 'unknown word "zebra"' "$WORK/err" || fail "print-word-vectors: nothing said about zebra: $(cat "$WORK/err")"

# ---- convert: every format, read back with the same neighbours; export-tsv ----
for to in word2vec word2vec-binary glove vec; do
  "$EMBED" convert --vectors "$VEC" --to $to --out "$WORK/c.$to" 2>"$WORK/err" || fail "convert --to $to: exit $?: $(cat "$WORK/err")"
  out=$("$EMBED" neighbors --vectors "$WORK/c.$to" king -k 2) || fail "neighbors on the $to file: exit $?"
  [ "$out" == "$(printf 'queen 0.964764\nman 0.948683')" ] || fail "neighbors on the $to file: $out"
done
[ "$(head -1 "$WORK/c.word2vec")" == "5 2" ] || fail "convert --to word2vec: header $(head -1 "$WORK/c.word2vec")"
cmp -s "$WORK/c.glove" "$VEC" || fail "convert --to glove does not give back the glove file"
"$EMBED" export-tsv --vectors "$VEC" --out "$WORK/proj" 2>"$WORK/err" || fail "export-tsv: exit $?: $(cat "$WORK/err")"
[ "$(sed -n 2p "$WORK/proj.vectors.tsv")" == "$(printf '3\t2')" ] || fail "export-tsv vectors: $(sed -n 2p "$WORK/proj.vectors.tsv")"
[ "$(cat "$WORK/proj.metadata.tsv" | tr '\n' ' ')" == "king queen man woman apple " ] || fail "export-tsv metadata"

# ---- --model: a tg-classify checkpoint's embedding ----
MODEL="$WORK/m.safetensors"
"$CLASSIFY" train --train "$DATA/classify_train.txt" --valid "$DATA/classify_valid.txt" --out "$MODEL" \
  --epochs 1 --dim 8 --threads 1 --quiet >/dev/null 2>&1 || fail "tg-classify train (for --model): exit $?"
word=$(printf '%s\n' "<unk>" | "$EMBED" print-word-vectors --model "$MODEL" | awk '{ print NF }')
[ "$word" == "9" ] || fail "print-word-vectors --model: expected a word and 8 values, got $word fields"
out=$("$EMBED" neighbors --model "$MODEL" "<unk>" -k 3 | wc -l)
[ "$out" -eq 3 ] || fail "neighbors --model: $out lines"

# ---- train: a generated text; the vectors file is read back; quiet when piped ----
for i in $(seq 1 300); do
  if [ $((i % 2)) -eq 0 ]; then echo "the cat sat on the mat and the dog sat on the mat"
  else echo "a red car drove down the road and a blue bus drove down the road"; fi
done >"$WORK/text.txt"
"$EMBED" train --text "$WORK/text.txt" --out "$WORK/t.vec" --dim 10 --epochs 2 --min-count 1 --threads 1 --seed 1 \
  >"$WORK/train.out" 2>"$WORK/train.err" || fail "train: exit $?: $(cat "$WORK/train.err")"
[ "$(head -1 "$WORK/t.vec")" == "15 10" ] || fail "train: t.vec header: $(head -1 "$WORK/t.vec")"
grep -q "^trained in .* words/s/thread" "$WORK/train.err" || fail "train: no summary: $(cat "$WORK/train.err")"
grep -q "\[#\|ETA" "$WORK/train.err" && fail "train: a progress bar in a piped run"
[ -s "$WORK/train.out" ] && fail "train: printed to stdout"
"$EMBED" train --text "$WORK/text.txt" --out "$WORK/t2.vec" --dim 10 --epochs 2 --min-count 1 --threads 1 --seed 1 \
  --format word2vec-binary --quiet 2>"$WORK/err" || fail "train --format word2vec-binary: exit $?"
[ -s "$WORK/err" ] && fail "train --quiet printed: $(cat "$WORK/err")"
"$EMBED" convert --vectors "$WORK/t2.vec" --to vec --out "$WORK/t2.txt" 2>/dev/null
cmp -s "$WORK/t.vec" "$WORK/t2.txt" || fail "train: the same seed gave other vectors (or binary does not round-trip)"

# ---- bad inputs: one error line, exit 1, no output file ----
: >"$WORK/empty.txt"
printf 'this is not\na vector file\n' >"$WORK/prose.txt"
printf '0 5\n' >"$WORK/nowords.txt"
expect_error 1 'unknown word "prince"' - -- "$EMBED" neighbors --vectors "$VEC" prince
expect_error 1 'unknown word "boy"' - -- "$EMBED" analogy --vectors "$VEC" king boy woman
expect_error 1 'unknown word "x"' - -- "$EMBED" similarity --vectors "$VEC" king x
expect_error 1 'the file is empty' "$WORK/o1" -- "$EMBED" convert --vectors "$WORK/empty.txt" --to vec --out "$WORK/o1"
expect_error 1 'prose.txt:1: value 1 after "this" is "is", expected a float32' "$WORK/o2" -- "$EMBED" convert --vectors "$WORK/prose.txt" --to glove --out "$WORK/o2"
expect_error 1 'no word vectors in the file' "$WORK/o3" -- "$EMBED" export-tsv --vectors "$WORK/nowords.txt" --out "$WORK/o3"
expect_error 1 'cannot open' - -- "$EMBED" neighbors --vectors "$WORK/missing.txt" king
expect_error 1 'no input: give --vectors FILE' - -- "$EMBED" neighbors king
expect_error 1 "small.txt: the header length" - -- "$EMBED" neighbors --model "$VEC" king
expect_error 1 'not a number' - -- "$EMBED" eval-similarity --vectors "$VEC" "$WORK/prose.txt"
expect_error 1 'the text is empty' "$WORK/o4" -- "$EMBED" train --text "$WORK/empty.txt" --out "$WORK/o4"
expect_error 1 'no word occurs at least 5 times' "$WORK/o5" -- "$EMBED" train --text "$WORK/prose.txt" --out "$WORK/o5"
expect_error 2 '--to' "$WORK/o6" -- "$EMBED" convert --vectors "$VEC" --to xml --out "$WORK/o6"
expect_error 2 'excludes' - -- "$EMBED" neighbors --vectors "$VEC" --model "$MODEL" king

finish embed
