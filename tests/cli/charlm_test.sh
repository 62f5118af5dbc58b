#!/bin/bash
# End-to-end test of tg-charlm: train, generate and eval on tests/data/cli/tiny.txt, resume, and bad
# inputs (one "error:" line, a non-zero exit, no output file).
#   charlm_test.sh path/to/tg-charlm path/to/tests/data/cli
set -u
CHARLM=$1
DATA=$2
source "$(dirname "$0")/lib.sh"

# A small, fast configuration for tiny.txt (3 KB).
SMALL=(--emb 16 --hidden 32 --seq 16 --batch 8 --lr 1e-2 --threads 1)

# ---- train: the loss falls, the model, the state and the log are written ----
"$CHARLM" train --text "$DATA/tiny.txt" --out "$WORK/m.safetensors" "${SMALL[@]}" --steps 60 --eval-every 20 \
  --sample-every 30 --log "$WORK/log.csv" --plot "$WORK/curve.svg" --save-state >"$WORK/train.out" 2>"$WORK/train.err" || fail "train: exit $?: $(cat "$WORK/train.err")"
[ -s "$WORK/m.safetensors" ] || fail "train: no model file"
[ -s "$WORK/m.safetensors.state.safetensors" ] || fail "train: no training state file"
grep -q "held-out loss" "$WORK/train.out" || fail "train: no held-out loss in the output: $(cat "$WORK/train.out")"
grep -q "sample at step 30" "$WORK/train.err" || fail "train: no sample at step 30"
# Piped: no progress line for a run this short, only the notes (first line, 3 evaluations, samples).
grep -q "\[#\|step [0-9]*/" "$WORK/train.err" && fail "train: progress lines in a piped run: $(cat "$WORK/train.err")"
[ "$(grep -c "^step [0-9]*: train loss" "$WORK/train.err")" -eq 3 ] ||
  fail "train: expected one line per evaluation (3): $(cat "$WORK/train.err")"
# --plot: both losses, the saved step marked, the file's name (not its path) as the title.
[ "$(grep -c "<polyline" "$WORK/curve.svg")" -eq 2 ] || fail "train: curve.svg should have 2 series"
grep -q ">held-out loss</text>" "$WORK/curve.svg" && grep -q ">saved: step 60</text>" "$WORK/curve.svg" &&
  grep -q ">tg-charlm train: tiny.txt</text>" "$WORK/curve.svg" || fail "train: curve.svg lacks its legend, mark or title"
# --quiet: nothing on stderr, the result line on stdout.
"$CHARLM" train --text "$DATA/tiny.txt" --out "$WORK/quiet.safetensors" "${SMALL[@]}" --steps 10 --sample-every 5 --quiet \
  >"$WORK/quiet.out" 2>"$WORK/quiet.err" || fail "train --quiet: exit $?"
[ -s "$WORK/quiet.err" ] && fail "train --quiet: printed on stderr: $(cat "$WORK/quiet.err")"
grep -q "^step 10: held-out loss" "$WORK/quiet.out" || fail "train --quiet: no result line: $(cat "$WORK/quiet.out")"
# log.csv: step,train_loss,valid_loss,valid_bpc,seconds at steps 20, 40, 60.
[ "$(wc -l <"$WORK/log.csv")" -eq 4 ] || fail "train: log.csv has $(wc -l <"$WORK/log.csv") lines, expected 4"
awk -F, 'NR == 2 { first_train = $2; first_valid = $3 } NR == 4 { last_train = $2; last_valid = $3 }
  END { exit !(last_train < first_train - 0.3 && last_valid < first_valid) }' "$WORK/log.csv" ||
  fail "train: the loss did not fall: $(cat "$WORK/log.csv")"
awk -F, 'NR > 1 { d = $4 - $3 / log(2); if (d > 1e-3 || d < -1e-3) bad = 1 } END { exit bad }' "$WORK/log.csv" ||
  fail "train: bits/char is not nats/char / ln 2: $(cat "$WORK/log.csv")"

# ---- generate: the prompt comes first, a seed repeats its text, top-k 1 is greedy ----
MODEL="$WORK/m.safetensors"
out1=$("$CHARLM" generate --model "$MODEL" --prompt "The " --length 80 --seed 3) || fail "generate: exit $?"
out2=$("$CHARLM" generate --model "$MODEL" --prompt "The " --length 80 --seed 3)
out3=$("$CHARLM" generate --model "$MODEL" --prompt "The " --length 80 --seed 4)
[[ "$out1" == "The "* ]] || fail "generate: the output does not start with the prompt: $out1"
[ "$out1" == "$out2" ] || fail "generate: the same seed gave different texts"
[ "$out1" != "$out3" ] || fail "generate: seeds 3 and 4 gave the same text"
greedy=$("$CHARLM" generate --model "$MODEL" --prompt "The " --length 40 --greedy)
top1=$("$CHARLM" generate --model "$MODEL" --prompt "The " --length 40 --top-k 1 --seed 9)
[ "$greedy" == "$top1" ] || fail "generate: --top-k 1 differs from --greedy"
n=$("$CHARLM" generate --model "$MODEL" --length 25 --greedy | tr -d '\n' | wc -m)
[ "$n" -le 25 ] && [ "$n" -ge 10 ] || fail "generate: an empty prompt gave $n characters, expected 25 minus newlines"

# An unknown character in the prompt: a warning, and the text still comes out.
"$CHARLM" generate --model "$MODEL" --prompt "Thé ✓ " --length 20 >"$WORK/gen.out" 2>"$WORK/gen.err" ||
  fail "generate: unknown prompt characters: exit $?: $(cat "$WORK/gen.err")"
grep -q "^warning: .*unknown: 'é', '✓'" "$WORK/gen.err" || fail "generate: no warning naming é and ✓: $(cat "$WORK/gen.err")"
grep -q "^Thé ✓ " "$WORK/gen.out" || fail "generate: the prompt is not echoed: $(cat "$WORK/gen.out")"

# ---- eval: nats and bits per character of a text ----
"$CHARLM" eval --model "$MODEL" --text "$DATA/tiny.txt" --seq 16 >"$WORK/eval.out" 2>"$WORK/eval.err" ||
  fail "eval: exit $?: $(cat "$WORK/eval.err")"
awk '/^loss / { nats = $2; bits = $4; d = bits - nats / log(2) }
  END { exit !(nats > 0 && nats < log(60) && d < 1e-3 && d > -1e-3) }' "$WORK/eval.out" ||
  fail "eval: unexpected output: $(cat "$WORK/eval.out")"

# ---- resume: 10 steps then 10 more give the same model as 20 in one go ----
"$CHARLM" train --text "$DATA/tiny.txt" --out "$WORK/straight.safetensors" "${SMALL[@]}" --steps 20 \
  --eval-every 0 >/dev/null 2>&1 || fail "resume: the straight run failed"
"$CHARLM" train --text "$DATA/tiny.txt" --out "$WORK/resumed.safetensors" "${SMALL[@]}" --steps 10 \
  --eval-every 0 --save-state >/dev/null 2>&1 || fail "resume: the first half failed"
"$CHARLM" train --text "$DATA/tiny.txt" --out "$WORK/resumed.safetensors" "${SMALL[@]}" --steps 20 \
  --eval-every 0 --resume >/dev/null 2>"$WORK/resume.err" || fail "resume: the second half failed: $(cat "$WORK/resume.err")"
cmp -s "$WORK/straight.safetensors" "$WORK/resumed.safetensors" || fail "resume: the model differs from the straight run"
grep -q -- "at step 10; .* from this command line: --steps 20 (was 10)" "$WORK/resume.err" ||
  fail "resume: banner: $(cat "$WORK/resume.err")"
expect_error 1 "--seed is 2 here but 1" - -- \
  "$CHARLM" train --text "$DATA/tiny.txt" --out "$WORK/resumed.safetensors" "${SMALL[@]}" --seed 2 --steps 30 --resume
# --clip and --lr may change on resume, and the banner says so.
"$CHARLM" train --text "$DATA/tiny.txt" --out "$WORK/resumed.safetensors" "${SMALL[@]}" --clip 1 --steps 22 \
  --eval-every 0 --resume >/dev/null 2>"$WORK/resume.err" || fail "resume --clip 1: $(cat "$WORK/resume.err")"
grep -q -- "--clip 1 (was 5)" "$WORK/resume.err" || fail "resume --clip 1: banner: $(cat "$WORK/resume.err")"

# ---- bad inputs: one error line, exit 1 (input) or 2 (usage), no output file ----
printf '' >"$WORK/empty.txt"
printf 'short text\n' >"$WORK/short.txt"
printf 'good line\nbad \xff byte\n' >"$WORK/latin1.txt"
OUT="$WORK/bad.safetensors"
expect_error 1 "cannot open '$WORK/missing.txt'" "$OUT" -- "$CHARLM" train --text "$WORK/missing.txt" --out "$OUT"
expect_error 1 "the text is empty" "$OUT" -- "$CHARLM" train --text "$WORK/empty.txt" --out "$OUT"
expect_error 1 "expected at least --seq + 1 = 65" "$OUT" -- "$CHARLM" train --text "$WORK/short.txt" --out "$OUT"
expect_error 1 "latin1.txt:2: byte 0xff is not valid UTF-8" "$OUT" -- "$CHARLM" train --text "$WORK/latin1.txt" --out "$OUT"
expect_error 1 "held-out part" "$OUT" -- "$CHARLM" train --text "$DATA/tiny.txt" --out "$OUT" --seq 500
expect_error 1 "no training state" "$OUT" -- "$CHARLM" train --text "$DATA/tiny.txt" --out "$OUT" --resume
expect_error 1 "$WORK/no/such/dir" - -- "$CHARLM" train --text "$DATA/tiny.txt" --out "$WORK/no/such/dir/m.safetensors"
expect_error 2 "--bogus" "$OUT" -- "$CHARLM" train --text "$DATA/tiny.txt" --out "$OUT" --bogus
expect_error 2 "--steps" "$OUT" -- "$CHARLM" train --text "$DATA/tiny.txt" --out "$OUT" --steps 0
expect_error 2 "--valid-frac" "$OUT" -- "$CHARLM" train --text "$DATA/tiny.txt" --out "$OUT" --valid-frac 1.5
expect_error 2 "--out" "$OUT" -- "$CHARLM" train --text "$DATA/tiny.txt"
expect_error 2 "subcommand" - -- "$CHARLM"
expect_error 1 "temperature must be > 0" - -- "$CHARLM" generate --model "$MODEL" --temperature 0
expect_error 1 "temperature must be > 0" - -- "$CHARLM" generate --model "$MODEL" --temperature -1
expect_error 1 "cannot open" - -- "$CHARLM" generate --model "$WORK/missing.safetensors"
expect_error 1 "tiny.txt" - -- "$CHARLM" eval --model "$DATA/tiny.txt" --text "$DATA/tiny.txt"
expect_error 1 "expected at least --seq + 1" - -- "$CHARLM" eval --model "$MODEL" --text "$WORK/short.txt"
expect_error 1 "cannot open" - -- "$CHARLM" eval --model "$MODEL" --text "$WORK/missing.txt"

"$CHARLM" train --help >/dev/null || fail "train --help: exit $?"
"$CHARLM" --version | grep -qxE "tg-charlm [0-9]+\.[0-9]+\.[0-9]+" || fail "--version: $("$CHARLM" --version 2>&1)"
"$CHARLM" generate --help | grep -q -- "--top-k" || fail "generate --help does not list --top-k"

finish cli-charlm
