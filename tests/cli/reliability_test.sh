#!/usr/bin/env bash
# The reproducers of issue 12: each broken file or absurd flag gives one "error: ..." line, exit 1 (2 for
# a flag CLI11 refuses), and leaves no output file. Usage: reliability_test.sh TG_CLASSIFY TG_CHARLM DATA_DIR
set -uo pipefail
CLASSIFY=$1 CHARLM=$2 DATA=$3
source "$(dirname "$0")/lib.sh"
R="$DATA/reliability"
TRAIN="$DATA/cli/classify_train.txt"
OUT="$WORK/out.safetensors"

# 1. Sizes whose products overflow 64 bits: refused as flags, and as a model file's config.
expect_error 2 "--dim" "$OUT" -- "$CLASSIFY" train --train "$TRAIN" --out "$OUT" --dim 4611686018427387904
expect_error 2 "--hidden" "$OUT" -- "$CLASSIFY" train --train "$TRAIN" --out "$OUT" --encoder lstm --hidden 4611686018427387904
expect_error 2 "--hidden" "$OUT" -- "$CHARLM" train --text "$DATA/cli/tiny.txt" --out "$OUT" --hidden 2305843009213693952
expect_error 2 "--emb" "$OUT" -- "$CHARLM" train --text "$DATA/cli/tiny.txt" --out "$OUT" --emb 2305843009213693952
expect_error 1 "config 'dim' is 4611686018427387904, expected 1 to" - -- "$CLASSIFY" predict --model "$R/dim_2_62.safetensors" --text "the film"
expect_error 1 "but the file holds 129 in all" - -- "$CLASSIFY" predict --model "$R/vocab_huge.safetensors" --text "the film"

# 2. ngrams negative or huge in a model file: an error, not a hang.
expect_error 1 "config 'ngrams' is -3, expected 1 to 5" - -- "$CLASSIFY" predict --model "$R/ngrams_negative.safetensors" --text "a b"
expect_error 1 "config 'ngrams' is 4294967296" - -- "$CLASSIFY" predict --model "$R/ngrams_huge.safetensors" --text "a b"

# 3. nan/inf in vector files (text: file:line; binary: word and byte), a diverging run, nan weights.
expect_error 1 "vectors_nan.txt:2: value 2 after \"film\" is \"nan\"" "$OUT" -- \
  "$CLASSIFY" train --train "$TRAIN" --out "$OUT" --pretrained "$R/vectors_nan.txt"
expect_error 1 "vectors_inf.bin: word 2 (byte 22): value 1 of \"film\" is inf" "$OUT" -- \
  "$CLASSIFY" train --train "$TRAIN" --out "$OUT" --pretrained "$R/vectors_inf.bin"
printf 'the 3e38 3e38\nfilm 3e38 -3e38\nwas 3e38 3e38\n' >"$WORK/huge.txt"  # finite, but their mean is inf
"$CLASSIFY" train --train "$TRAIN" --out "$OUT" --pretrained "$WORK/huge.txt" --optimizer sgd --quiet \
  >"$WORK/stdout" 2>"$WORK/stderr"
[ $? -eq 1 ] || fail "diverging run: exit code is not 1"
grep -q "^error: step 1: the loss is nan" "$WORK/stderr" || fail "diverging run: $(cat "$WORK/stderr")"
ls "$OUT"* >/dev/null 2>&1 && fail "diverging run: left $(ls "$OUT"*)"
"$CLASSIFY" train --train "$TRAIN" --out "$OUT" --pretrained "$WORK/huge.txt" --optimizer sgd --quiet --epochs 1 --batch 1 \
  --skip-nonfinite >/dev/null 2>"$WORK/stderr"
grep -q "skipped [0-9]* step(s)" "$WORK/stderr" || fail "--skip-nonfinite: $(cat "$WORK/stderr")"
rm -f "$OUT"
# The same on 2 threads (Hogwild): the error of the thread that met it, the others stopped, nothing written.
"$CLASSIFY" train --train "$TRAIN" --out "$OUT" --pretrained "$WORK/huge.txt" --optimizer sgd --quiet --threads 2 \
  >"$WORK/stdout" 2>"$WORK/stderr"
[ $? -eq 1 ] || fail "diverging run on 2 threads: exit code is not 1"
[ "$(grep -c "^error:" "$WORK/stderr")" -eq 1 ] && grep -q "^error: step 1: the loss is nan" "$WORK/stderr" ||
  fail "diverging run on 2 threads: $(cat "$WORK/stderr")"
ls "$OUT"* >/dev/null 2>&1 && fail "diverging run on 2 threads: left $(ls "$OUT"*)"
"$CLASSIFY" train --train "$TRAIN" --out "$OUT" --pretrained "$WORK/huge.txt" --optimizer sgd --quiet --epochs 1 --batch 1 \
  --skip-nonfinite --threads 2 >/dev/null 2>"$WORK/stderr"
grep -q "skipped [0-9]* step(s)" "$WORK/stderr" || fail "--skip-nonfinite on 2 threads: $(cat "$WORK/stderr")"
rm -f "$OUT"
expect_error 2 "--lr" "$OUT" -- "$CHARLM" train --text "$DATA/cli/tiny.txt" --out "$OUT" --lr 1e30  # as tg-classify's
expect_error 1 "holds nan at [0, 0], expected finite parameters" - -- \
  "$CLASSIFY" predict --model "$R/nan_weights.safetensors" --text "the film"
"$CLASSIFY" predict --model "$R/good.safetensors" --text "the film" --probs | grep -qv nan || fail "predict printed nan"

# 4. One very long text is cut to --max-len (default 2000 words), and said once.
{ cat "$TRAIN"; printf '__label__pos'; for i in $(seq 3000); do printf ' word%d' "$i"; done; echo; } >"$WORK/long.txt"
"$CLASSIFY" train --train "$WORK/long.txt" --out "$OUT" --epochs 1 --valid-frac 0 >/dev/null 2>"$WORK/stderr" ||
  fail "long line: $(cat "$WORK/stderr")"
[ "$(grep -c "kept the first 2000 words of 1 training text(s) (the longest has 3000)" "$WORK/stderr")" -eq 1 ] ||
  fail "long line: truncation not reported once: $(cat "$WORK/stderr")"
rm -f "$OUT"

# 5. Absurd sizes refused up front with a readable number.
expect_error 1 "this run needs 64.1 TB" "$OUT" -- "$CHARLM" train --text "$DATA/cli/tiny.txt" --out "$OUT" --hidden 1000000
expect_error 1 "the machine has" "$OUT" -- "$CHARLM" train --text "$DATA/cli/tiny.txt" --out "$OUT" --batch 16000000
# Each tg-classify thread has its own gradient and Adam moments (Hogwild): counted per thread. This run
# (about 0.5 GB on 1 thread) needs hundreds of GB on 1000.
expect_error 1 "this run needs" "$OUT" -- "$CLASSIFY" train --train "$TRAIN" --out "$OUT" --dim 1048576 --threads 1000
expect_error 2 "--batch" "$OUT" -- "$CHARLM" train --text "$DATA/cli/tiny.txt" --out "$OUT" --batch 1000000000000
expect_error 2 "--layers" "$OUT" -- "$CHARLM" train --text "$DATA/cli/tiny.txt" --out "$OUT" --layers 100000

# 6. Temporaries of killed saves are removed at the next start; an unwritable output fails before the work.
touch "$OUT.tmp-4194303-AbCdEf" "$OUT.tmp-$$-notours"
"$CLASSIFY" train --train "$TRAIN" --out "$OUT" --epochs 1 --quiet >/dev/null 2>&1 || fail "train after a kill failed"
[ -e "$OUT.tmp-4194303-AbCdEf" ] && fail "a stale temporary was not removed"
[ -e "$OUT.tmp-$$-notours" ] || fail "a file not of our pattern was removed"
rm -f "$OUT"*
expect_error 1 "cannot create a temporary file" - -- "$CLASSIFY" train --train "$TRAIN" --out "$WORK/no/such/dir/m.st"

# 7. Signed overflow: --seq INT64_MAX, a header with dimension INT64_MAX, a tensor whose bytes wrap to 0.
expect_error 2 "--seq" "$OUT" -- "$CHARLM" train --text "$DATA/cli/tiny.txt" --out "$OUT" --seq 9223372036854775807
expect_error 1 "dimension 9223372036854775807" "$OUT" -- \
  "$CLASSIFY" train --train "$TRAIN" --out "$OUT" --pretrained "$R/vectors_dim_max.txt"
expect_error 1 "is too large" - -- "$CLASSIFY" predict --model "$R/numel_wrap.safetensors" --text "a"

# 8. A flipped bit in a tensor's bytes fails its CRC-32C.
expect_error 1 "the data is corrupted (CRC-32C" - -- "$CLASSIFY" predict --model "$R/corrupt.safetensors" --text "a"

# 9. --resume takes --lr from the command line and says so; the state is written only when asked.
"$CLASSIFY" train --train "$TRAIN" --out "$OUT" --epochs 1 --lr 0.05 --quiet >/dev/null 2>&1
[ -e "$OUT.state.safetensors" ] && fail "the state file was written without --save-state"
"$CLASSIFY" train --train "$TRAIN" --out "$OUT" --epochs 1 --lr 0.05 --quiet --save-state >/dev/null 2>&1
[ -e "$OUT.state.safetensors" ] || fail "--save-state wrote no state file"
"$CLASSIFY" train --train "$TRAIN" --out "$OUT" --epochs 2 --lr 0.1 --resume >/dev/null 2>"$WORK/stderr" ||
  fail "resume: $(cat "$WORK/stderr")"
grep -q -- "from this command line: --epochs 2 (was 1), --lr 0.1 (was 0.05)" "$WORK/stderr" ||
  fail "resume banner: $(cat "$WORK/stderr")"
grep -q "lazy-adam lr 0.1" "$WORK/stderr" || fail "resume: the banner's lr: $(cat "$WORK/stderr")"
expect_error 1 "--batch is 7 here but 32" - -- "$CLASSIFY" train --train "$TRAIN" --out "$OUT" --epochs 3 --batch 7 --resume

finish reliability
