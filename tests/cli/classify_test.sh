#!/bin/bash
# End-to-end test of tg-classify on the small files tests/data/cli/classify_*: train (the loss falls, the
# model, state, log and plot are written), test and predict (the shape of their output), resume (the
# same model as an uninterrupted run), and bad inputs (one "error:" line, a non-zero exit, no output file).
#   classify_test.sh path/to/tg-classify path/to/tests/data/cli
set -u
CLASSIFY=$1
DATA=$2
source "$(dirname "$0")/lib.sh"

TRAIN="$DATA/classify_train.txt"
VALID="$DATA/classify_valid.txt"
# A small, fast configuration for 40 training sentences.
SMALL=(--batch 4 --lr 0.05 --dim 16 --threads 1)

# ---- train: the loss falls; model, state, log and plot are written ----
MODEL="$WORK/m.safetensors"
"$CLASSIFY" train --train "$TRAIN" --valid "$VALID" --out "$MODEL" "${SMALL[@]}" --epochs 4 \
  --log "$WORK/log.csv" --plot "$WORK/curve.svg" --save-state >"$WORK/train.out" 2>"$WORK/train.err" ||
  fail "train: exit $?: $(cat "$WORK/train.err")"
[ -s "$MODEL" ] || fail "train: no model file"
[ -s "$MODEL.state.safetensors" ] || fail "train: no training state file"
[ "$(head -1 "$WORK/log.csv")" == "epoch,step,train_loss,train_acc,valid_loss,valid_acc,valid_f1,seconds" ] ||
  fail "train: log.csv header: $(head -1 "$WORK/log.csv")"
[ "$(wc -l <"$WORK/log.csv")" -eq 5 ] || fail "train: log.csv has $(wc -l <"$WORK/log.csv") lines, expected 5"
# 40 examples in batches of 4: 10 steps per epoch; the loss at epoch 4 is well below epoch 1's.
awk -F, 'NR == 2 { first = $3; s1 = $2 } NR == 5 { last = $3; s4 = $2; acc = $6 }
  END { exit !(s1 == 10 && s4 == 40 && last < first * 0.5 && acc >= 0.9) }' "$WORK/log.csv" ||
  fail "train: the loss did not fall or valid accuracy is low: $(cat "$WORK/log.csv")"
grep -q "^epoch 4: train loss" "$WORK/train.err" || fail "train: no per-epoch summary: $(cat "$WORK/train.err")"
grep -q "<svg" "$WORK/curve.svg" && grep -q "<polyline" "$WORK/curve.svg" && grep -q "valid accuracy" "$WORK/curve.svg" ||
  fail "train: curve.svg is not a plot with a valid accuracy series"
[ "$(grep -c "<polyline" "$WORK/curve.svg")" -eq 4 ] || fail "train: curve.svg should have 4 series (train/valid loss and accuracy)"
grep -q "valid loss" "$WORK/curve.svg" && grep -q "kept: epoch [1-4]" "$WORK/curve.svg" ||
  fail "train: curve.svg lacks the valid loss or the kept epoch"
grep -q "$WORK" "$WORK/curve.svg" && fail "train: curve.svg's title is a path, not a file name"
[ -s "$WORK/train.out" ] && fail "train: printed to stdout (progress belongs on stderr)"
# The first lines say what was read; piped, there is no progress line: each epoch is one line.
[ "$(sed -n 1p "$WORK/train.err")" == "$TRAIN: fastText (__label__<label> text), 40 examples, 2 labels" ] ||
  fail "train: first line does not name the format and counts: $(sed -n 1p "$WORK/train.err")"
[ "$(sed -n 2p "$WORK/train.err")" == "$VALID: fastText (__label__<label> text), 12 examples, 2 labels" ] ||
  fail "train: second line does not describe --valid: $(sed -n 2p "$WORK/train.err")"
grep -q "\[#\|step [0-9]*/" "$WORK/train.err" && fail "train: progress lines in a piped run: $(cat "$WORK/train.err")"
[ "$(wc -l <"$WORK/train.err")" -eq 9 ] ||  # 2 files, the data and model lines, 4 epochs, the result
  fail "train: $(wc -l <"$WORK/train.err") lines on stderr for 4 epochs, expected 9: $(cat "$WORK/train.err")"
sed 1,2d "$WORK/train.err" | awk 'length($0) > 80 { exit 1 }' ||  # the file lines hold the paths given
  fail "train: a line over 80 columns: $(cat "$WORK/train.err")"
grep -q nan "$WORK/train.err" && fail "train: 'nan' in the output: $(cat "$WORK/train.err")"

# --quiet: only the result line.
"$CLASSIFY" train --train "$TRAIN" --valid "$VALID" --out "$WORK/quiet.safetensors" "${SMALL[@]}" --epochs 2 --quiet \
  >"$WORK/quiet.out" 2>"$WORK/quiet.err" || fail "train --quiet: exit $?: $(cat "$WORK/quiet.err")"
[ "$(wc -l <"$WORK/quiet.err")" -eq 1 ] && grep -q "^best valid accuracy" "$WORK/quiet.err" ||
  fail "train --quiet: expected the result line only: $(cat "$WORK/quiet.err")"

# No validation data: said so, never "valid acc nan".
"$CLASSIFY" train --train "$TRAIN" --valid-frac 0 --out "$WORK/novalid.safetensors" "${SMALL[@]}" --epochs 2 \
  >/dev/null 2>"$WORK/novalid.err" || fail "train --valid-frac 0: exit $?: $(cat "$WORK/novalid.err")"
grep -q "nan" "$WORK/novalid.err" && fail "train --valid-frac 0: 'nan' in the output: $(cat "$WORK/novalid.err")"
grep -q "^epoch 2: train loss .* no validation data " "$WORK/novalid.err" ||
  fail "train --valid-frac 0: epoch line does not say 'no validation data': $(cat "$WORK/novalid.err")"

# A held-out split is named as such; --train x.pos reads x.neg too and says so.
"$CLASSIFY" train --train "$TRAIN" --out "$WORK/split.safetensors" "${SMALL[@]}" --epochs 1 \
  >/dev/null 2>"$WORK/split.err" || fail "train (valid split): exit $?"
grep -q "^valid: 4 of the 40 examples of $TRAIN held out (--valid-frac 0.1)$" "$WORK/split.err" ||
  fail "train: the valid split is not described: $(cat "$WORK/split.err")"
grep '__label__pos' "$TRAIN" | cut -d' ' -f2- >"$WORK/reviews.pos"
grep '__label__neg' "$TRAIN" | cut -d' ' -f2- >"$WORK/reviews.neg"
"$CLASSIFY" train --train "$WORK/reviews.pos" --out "$WORK/classes.safetensors" "${SMALL[@]}" --epochs 1 \
  >/dev/null 2>"$WORK/classes.err" || fail "train --train x.pos: exit $?: $(cat "$WORK/classes.err")"
[ "$(sed -n 1p "$WORK/classes.err")" == \
  "$WORK/reviews.pos: one file per class (label = extension), also read $WORK/reviews.neg, 40 examples, 2 labels" ] ||
  fail "train --train x.pos: does not say it read x.neg: $(sed -n 1p "$WORK/classes.err")"

# ---- test: N, accuracy, macro-F1 and a confusion matrix with the label names ----
"$CLASSIFY" test --model "$MODEL" --data "$DATA/classify_valid.tsv" >"$WORK/test.out" 2>"$WORK/test.err" ||
  fail "test: exit $?: $(cat "$WORK/test.err")"
grep -q "^N	12$" "$WORK/test.out" || fail "test: no 'N 12' line: $(cat "$WORK/test.out")"
awk -F'\t' '/^accuracy/ { a = $2 } /^macro-F1/ { f = $2 } END { exit !(a >= 0.9 && a <= 1 && f >= 0.9 && f <= 1) }' \
  "$WORK/test.out" || fail "test: accuracy or macro-F1 missing or low: $(cat "$WORK/test.out")"
# The matrix: a header row with both labels, then one row per true label whose counts add up to 6.
grep -qE "^ +neg +pos$" "$WORK/test.out" || fail "test: no confusion header 'neg pos': $(cat "$WORK/test.out")"
for label in neg pos; do
  awk -v l=$label '$1 == l && NF == 3 { found = 1; if ($2 + $3 != 6) bad = 1 } END { exit !(found && !bad) }' \
    "$WORK/test.out" || fail "test: confusion row '$label' missing or not summing to 6: $(cat "$WORK/test.out")"
done

# ---- predict: one line per input, in order ----
"$CLASSIFY" predict --model "$MODEL" "$DATA/classify_predict.txt" >"$WORK/pred.out" || fail "predict: exit $?"
[ "$(wc -l <"$WORK/pred.out")" -eq 4 ] || fail "predict: $(wc -l <"$WORK/pred.out") lines for 4 inputs"
[ "$(sed -n 1p "$WORK/pred.out")" == "__label__pos" ] || fail "predict: 'wonderful and brilliant' is not pos: $(cat "$WORK/pred.out")"
[ "$(sed -n 2p "$WORK/pred.out")" == "__label__neg" ] || fail "predict: 'tedious and clumsy' is not neg: $(cat "$WORK/pred.out")"
grep -qvE "^__label__(pos|neg)$" "$WORK/pred.out" && fail "predict: a line is not fastText's '__label__X': $(cat "$WORK/pred.out")"
# --probs --k 2: fastText's "__label__pos 0.93 __label__neg 0.07", most probable first, summing to 1.
"$CLASSIFY" predict --model "$MODEL" --probs --k 2 --text "the music is superb" >"$WORK/probs.out" ||
  fail "predict --probs: exit $?"
awk '{ exit !(NF == 4 && $1 == "__label__pos" && $3 == "__label__neg" && $2 >= $4 && ($2 + $4 - 1)^2 < 1e-6) }' \
  "$WORK/probs.out" || fail "predict --probs --k 2: $(cat "$WORK/probs.out")"
# The probability is the float in full: sigmoid(logit) to 1e-6, where 4 digits would be off by up to 5e-5.
for text in "the music is superb" "tedious and clumsy" "a film"; do
  logit=$("$CLASSIFY" predict --model "$MODEL" --logits --text "$text")
  prob=$("$CLASSIFY" predict --model "$MODEL" --probs --text "$text")
  awk -v x="$logit" -v line="$prob" 'BEGIN { split(line, f, " "); p = 1 / (1 + exp(-x)); if (f[1] == "__label__neg") p = 1 - p;
    d = f[2] - p; exit !(d < 1e-6 && d > -1e-6) }' ||
    fail "predict --probs: '$prob' is not the full probability of logit $logit"
done
# stdin, and --text together with a file: texts first, then the file's lines.
[ "$(echo "the plot is dull and awful" | "$CLASSIFY" predict --model "$MODEL" -)" == "__label__neg" ] ||
  fail "predict: stdin input"
[ "$("$CLASSIFY" predict --model "$MODEL" --text "so delightful" "$DATA/classify_predict.txt" | wc -l)" -eq 5 ] ||
  fail "predict: --text plus a file should give 5 lines"
# --logits: the raw logit, whose sign is the label.
logit=$("$CLASSIFY" predict --model "$MODEL" --logits --text "the film is wonderful and brilliant")
awk -v x="$logit" 'BEGIN { exit !(x > 0) }' || fail "predict --logits: expected one positive logit, got '$logit'"

# ---- three classes: cross entropy over three logits ----
"$CLASSIFY" train --train "$DATA/classify_questions.txt" --out "$WORK/q.safetensors" "${SMALL[@]}" --epochs 6 \
  --valid-frac 0.25 >/dev/null 2>"$WORK/q.err" || fail "train (3 classes): exit $?: $(cat "$WORK/q.err")"
[ "$("$CLASSIFY" predict --model "$WORK/q.safetensors" --text "who painted the castle")" == "__label__HUM" ] ||
  fail "predict (3 classes): 'who painted the castle' is not HUM"
[ "$("$CLASSIFY" predict --model "$WORK/q.safetensors" --logits --text "where is it" | wc -w)" -eq 3 ] ||
  fail "predict --logits (3 classes): expected 3 logits"

# ---- lstm encoder, lazy-adam and adam ----
for encoder in bag lstm; do
  for optimizer in lazy-adam adam; do
    "$CLASSIFY" train --train "$TRAIN" --valid "$VALID" --out "$WORK/$encoder-$optimizer.safetensors" "${SMALL[@]}" \
      --epochs 2 --encoder $encoder --optimizer $optimizer --hidden 8 >/dev/null 2>"$WORK/e.err" ||
      fail "train --encoder $encoder --optimizer $optimizer: exit $?: $(cat "$WORK/e.err")"
  done
done

# ---- --threads 2 trains Hogwild (tools/classify/epoch.hpp): every batch once an epoch, and it learns ----
for encoder in bag lstm; do
  "$CLASSIFY" train --train "$TRAIN" --valid "$VALID" --out "$WORK/hogwild.safetensors" --batch 4 --lr 0.05 --dim 16 \
    --threads 2 --epochs 4 --encoder $encoder --hidden 8 --log "$WORK/hogwild.csv" >/dev/null 2>"$WORK/hogwild.err" ||
    fail "train --threads 2 --encoder $encoder: exit $?: $(cat "$WORK/hogwild.err")"
  awk -F, -v check_learning=$([ $encoder == bag ] && echo 1 || echo 0) \
    'NR == 2 { first = $3; s1 = $2 } NR == 5 { last = $3; s4 = $2; acc = $6 }
     END { exit !(s1 == 10 && s4 == 40 && (!check_learning || (last < first * 0.5 && acc >= 0.9))) }' "$WORK/hogwild.csv" ||
    fail "train --threads 2 --encoder $encoder: not 10 steps an epoch, or it did not learn: $(cat "$WORK/hogwild.csv")"
  [ "$(wc -l <"$WORK/hogwild.err")" -eq 9 ] ||
    fail "train --threads 2: $(wc -l <"$WORK/hogwild.err") lines on stderr, expected 9: $(cat "$WORK/hogwild.err")"
done

# ---- resume: 2 epochs then 1 more give the same model file as 3 in one go ----
RUN=(--train "$TRAIN" --valid "$VALID" "${SMALL[@]}" --encoder lstm --hidden 8 --seed 4)
"$CLASSIFY" train "${RUN[@]}" --out "$WORK/straight.safetensors" --epochs 3 --log "$WORK/straight.csv" >/dev/null 2>&1 ||
  fail "resume: the straight run failed"
"$CLASSIFY" train "${RUN[@]}" --out "$WORK/resumed.safetensors" --epochs 2 --log "$WORK/resumed.csv" --save-state >/dev/null 2>&1 ||
  fail "resume: the first part failed"
"$CLASSIFY" train "${RUN[@]}" --out "$WORK/resumed.safetensors" --epochs 3 --log "$WORK/resumed.csv" --resume \
  >/dev/null 2>"$WORK/resume.err" || fail "resume: the resumed part failed: $(cat "$WORK/resume.err")"
grep -q "resuming .* after epoch 2" "$WORK/resume.err" || fail "resume: no 'resuming' line: $(cat "$WORK/resume.err")"
cmp -s "$WORK/straight.safetensors" "$WORK/resumed.safetensors" || fail "resume: the models differ"
diff <(cut -d, -f1-6 "$WORK/straight.csv") <(cut -d, -f1-6 "$WORK/resumed.csv") >/dev/null ||
  fail "resume: the logs differ: $(cat "$WORK/resumed.csv")"

# ---- bad inputs: one error line, non-zero exit, no output file ----
BAD="$WORK/bad.safetensors"
expect_error 1 "cannot open" "$BAD" -- "$CLASSIFY" train --train "$DATA/no_such_file.txt" --out "$BAD"
expect_error 1 "the file is empty" "$BAD" -- "$CLASSIFY" train --train "$DATA/classify_empty.txt" --out "$BAD"
expect_error 2 "--format" "$BAD" -- "$CLASSIFY" train --train "$TRAIN" --format xml --out "$BAD"
expect_error 1 "classify_unlabelled.txt:3: expected a label" "$BAD" -- \
  "$CLASSIFY" train --train "$DATA/classify_unlabelled.txt" --out "$BAD"
expect_error 1 "label 'meh' is not one of the training labels" "$BAD" -- \
  "$CLASSIFY" train --train "$TRAIN" --valid "$DATA/classify_unknown_label.txt" --out "$BAD"
expect_error 1 "classify_vectors_3d.txt:1: expected 8 values after the word, found 3" "$BAD" -- \
  "$CLASSIFY" train --train "$TRAIN" --pretrained "$DATA/classify_vectors_3d.txt" --dim 8 --out "$BAD"
expect_error 2 "--bogus" "$BAD" -- "$CLASSIFY" train --train "$TRAIN" --out "$BAD" --bogus
expect_error 2 "--epochs" "$BAD" -- "$CLASSIFY" train --train "$TRAIN" --out "$BAD" --epochs 0
expect_error 2 "--out" "$BAD" -- "$CLASSIFY" train --train "$TRAIN"
expect_error 1 "--resume: no training state" "$BAD" -- "$CLASSIFY" train --train "$TRAIN" --out "$BAD" --resume
expect_error 1 "cannot" "$WORK/no/dir/m.safetensors" -- \
  "$CLASSIFY" train --train "$TRAIN" --out "$WORK/no/dir/m.safetensors"
expect_error 1 "not one of the model's labels" - -- \
  "$CLASSIFY" test --model "$MODEL" --data "$DATA/classify_questions.txt"
expect_error 1 "classify_train.txt" - -- "$CLASSIFY" test --model "$TRAIN" --data "$VALID"
expect_error 1 "not a tapegrad model" - -- "$CLASSIFY" test --model "$MODEL.state.safetensors" --data "$VALID"
expect_error 1 "no input" - -- "$CLASSIFY" predict --model "$MODEL"
expect_error 2 "subcommand" - -- "$CLASSIFY"
printf '__label__pos good\n__label__neg __label__bad awful\n' >"$WORK/multi.txt"
expect_error 1 "multi.txt:2: a second label '__label__bad' after '__label__neg', expected one label per line" "$BAD" -- \
  "$CLASSIFY" train --train "$WORK/multi.txt" --out "$BAD"
# One label in the file, and two labels of which the validation split took one.
printf '__label__pos good\n__label__pos fine\n__label__pos nice\n' >"$WORK/one_label.txt"
expect_error 1 "one_label.txt: every example has the label 'pos', a classifier needs at least 2 labels" "$BAD" -- \
  "$CLASSIFY" train --train "$WORK/one_label.txt" --out "$BAD"
printf '__label__pos good\n__label__neg bad\n' >"$WORK/two_examples.txt"
expect_error 1 "two_examples.txt: the 1 training example(s) left after --valid-frac 0.1 held out 1 all have the label" \
  "$BAD" -- "$CLASSIFY" train --train "$WORK/two_examples.txt" --out "$BAD"
printf '\xba\x16\x4f\x2f\x0c\x00\x00\x00rest of a fastText model' >"$WORK/model.bin"  # int32 793712314
expect_error 1 "model.bin: this is a fastText binary model, not a vector file" "$BAD" -- \
  "$CLASSIFY" train --train "$TRAIN" --pretrained "$WORK/model.bin" --out "$BAD"
# A failed run leaves an existing model as it was.
cp "$MODEL" "$WORK/before.safetensors"
expect_error 1 "the file is empty" - -- "$CLASSIFY" train --train "$DATA/classify_empty.txt" --out "$MODEL"
cmp -s "$MODEL" "$WORK/before.safetensors" || fail "a failed train changed the existing model"

# ---- pretrained vectors of the right size: coverage is reported ----
printf 'great 0.1 0.2 0.3 0.4\nawful -0.1 -0.2 -0.3 -0.4\n' >"$WORK/vectors.txt"
"$CLASSIFY" train --train "$TRAIN" --valid "$VALID" --out "$WORK/p.safetensors" --pretrained "$WORK/vectors.txt" \
  --freeze --epochs 1 --batch 4 >/dev/null 2>"$WORK/p.err" || fail "train --pretrained: exit $?: $(cat "$WORK/p.err")"
grep -q "found 2 of .* (frozen)" "$WORK/p.err" || fail "train --pretrained: no coverage line: $(cat "$WORK/p.err")"
grep -q "missing: .*<unk>\|missing: .*<pad>" "$WORK/p.err" && fail "train --pretrained: <unk>/<pad> listed as missing: $(cat "$WORK/p.err")"
grep -q "^warning: the vectors cover only .* (below 50%)" "$WORK/p.err" ||
  fail "train --pretrained: no low-coverage warning for 2 words: $(cat "$WORK/p.err")"

# ---- --help works on every subcommand; --version names the tool and the project version ----
for sub in train test predict; do
  "$CLASSIFY" $sub --help >/dev/null || fail "$sub --help: exit $?"
done
"$CLASSIFY" --version | grep -qxE "tg-classify [0-9]+\.[0-9]+\.[0-9]+" || fail "--version: $("$CLASSIFY" --version 2>&1)"

finish cli-classify
