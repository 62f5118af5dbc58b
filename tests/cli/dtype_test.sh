#!/bin/bash
# Smaller tables end to end: `tg-classify quantize` (int8 and f16 files that test and predict read as
# they are, with the same predictions on a small model) and `tg-embed memory` (computed bytes halve and
# quarter, measured resident memory follows loosely), and their bad inputs.
#   dtype_test.sh path/to/tg-classify path/to/tg-embed path/to/tests/data/cli
set -u
CLASSIFY=$1
EMBED=$2
DATA=$3
source "$(dirname "$0")/lib.sh"

TRAIN="$DATA/classify_train.txt"
VALID="$DATA/classify_valid.txt"
MODEL="$WORK/m.safetensors"
"$CLASSIFY" train --train "$TRAIN" --valid "$VALID" --out "$MODEL" --batch 4 --lr 0.05 --dim 16 --epochs 4 \
  --quiet >/dev/null 2>"$WORK/train.err" || fail "train: exit $?: $(cat "$WORK/train.err")"

# ---- quantize: smaller files, the same answers ----
"$CLASSIFY" predict --model "$MODEL" --probs "$VALID" >"$WORK/f32.pred" 2>/dev/null || fail "predict f32: exit $?"
"$CLASSIFY" test --model "$MODEL" --data "$VALID" 2>/dev/null | grep '^accuracy' >"$WORK/f32.acc"
for dtype in int8 f16; do
  OUT="$WORK/m.$dtype.safetensors"
  "$CLASSIFY" quantize --model "$MODEL" --out "$OUT" --dtype "$dtype" >"$WORK/q.out" 2>"$WORK/q.err" ||
    fail "quantize $dtype: exit $?: $(cat "$WORK/q.err")"
  grep -qE "^$MODEL: $(stat -c %s "$MODEL") bytes \([0-9.]+ MB\)$" "$WORK/q.out" ||
    fail "quantize $dtype: no size before: $(cat "$WORK/q.out")"
  grep -qE "^$OUT \($dtype\): $(stat -c %s "$OUT") bytes \([0-9.]+ MB, [0-9.]+% of the original\)$" "$WORK/q.out" ||
    fail "quantize $dtype: no size after: $(cat "$WORK/q.out")"
  [ "$(stat -c %s "$OUT")" -lt "$(stat -c %s "$MODEL")" ] || fail "quantize $dtype: the file is not smaller"
  grep -qa "\"embedding.weight\":{\"dtype\":\"$( [ $dtype = int8 ] && echo I8 || echo F16 )\"" "$OUT" ||
    fail "quantize $dtype: embedding.weight has another dtype in the header"
  "$CLASSIFY" test --model "$OUT" --data "$VALID" 2>/dev/null | grep '^accuracy' >"$WORK/$dtype.acc" ||
    fail "test $dtype: exit $?"
  cmp -s "$WORK/f32.acc" "$WORK/$dtype.acc" || fail "test $dtype: $(cat "$WORK/$dtype.acc"), float32: $(cat "$WORK/f32.acc")"
  "$CLASSIFY" predict --model "$OUT" --probs "$VALID" >"$WORK/$dtype.pred" 2>/dev/null || fail "predict $dtype: exit $?"
  # The same labels, and probabilities within 0.02 of the float32 model's.
  paste -d' ' "$WORK/f32.pred" "$WORK/$dtype.pred" |
    awk '{ if ($1 != $3 || ($2 - $4) > 0.02 || ($4 - $2) > 0.02) bad++ } END { exit bad > 0 }' ||
    fail "predict $dtype: differs from float32: $(paste "$WORK/f32.pred" "$WORK/$dtype.pred" | head -5)"
  # tg-embed reads the smaller table too: the same nearest word as the float32 model's.
  "$EMBED" neighbors --model "$OUT" -k 1 the >"$WORK/$dtype.nn" 2>"$WORK/nn.err" || fail "neighbors $dtype: $(cat "$WORK/nn.err")"
  "$EMBED" neighbors --model "$MODEL" -k 1 the >"$WORK/f32.nn" 2>/dev/null
  [ "$(cut -d' ' -f1 "$WORK/$dtype.nn")" = "$(cut -d' ' -f1 "$WORK/f32.nn")" ] ||
    fail "neighbors $dtype: $(cat "$WORK/$dtype.nn"), float32: $(cat "$WORK/f32.nn")"
done
expect_error 1 "already int8" "$WORK/again" -- "$CLASSIFY" quantize --model "$WORK/m.int8.safetensors" --out "$WORK/again"
expect_error 1 "missing.safetensors" "$WORK/none" -- "$CLASSIFY" quantize --model "$WORK/missing.safetensors" --out "$WORK/none"
expect_error 2 "dtype" "$WORK/bad" -- "$CLASSIFY" quantize --model "$MODEL" --out "$WORK/bad" --dtype int4

# ---- memory: computed bytes exactly, measured resident memory loosely ----
# (Under AddressSanitizer freed memory waits in a quarantine, still resident: no quarantine here.)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0" "$EMBED" memory --vocab 20000 --dim 300 >"$WORK/mem.out" 2>"$WORK/mem.err" || fail "memory: exit $?: $(cat "$WORK/mem.err")"
for row in "f32 +24.00 MB" "f16 +12.00 MB" "bf16 +12.00 MB" "int8 +6.08 MB"; do
  grep -qE "^$row " "$WORK/mem.out" || fail "memory: no line '$row': $(cat "$WORK/mem.out")"
done
# RSS/computed (the last column) between 0.7 and 1.5 for every dtype of a 24 MB table.
awk '$1 ~ /^(f32|f16|bf16|int8)$/ { n++; if (!($NF > 0.7 && $NF < 1.5)) bad++ } END { exit !(n == 4 && !bad) }' \
  "$WORK/mem.out" || fail "memory: measured RSS far from computed: $(cat "$WORK/mem.out")"
"$EMBED" memory --vocab 10 --dim 4 --dtype f16 >"$WORK/one.out" 2>&1 || fail "memory --dtype f16: exit $?"
[ "$(grep -cE '^(f32|f16|bf16|int8) ' "$WORK/one.out")" -eq 1 ] || fail "memory --dtype f16: not one row: $(cat "$WORK/one.out")"
expect_error 2 "vocab" - -- "$EMBED" memory --vocab 0 --dim 300
expect_error 2 "dtype" - -- "$EMBED" memory --vocab 10 --dim 3 --dtype f64

finish dtype_test
