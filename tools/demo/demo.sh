#!/usr/bin/env bash
# The main demo (tools/setup.sh demo runs it after building):
#   1. three programs of the tour (tools/tour/): a lookup, padding and masks, a tiny sentiment model
#   2. a sentiment classifier trained on the small labelled set beside this script, then predictions
#   3. a character language model trained on Debian's fortune cookies, then a generated sample
# Everything it writes goes to a temporary directory (or $TG_DEMO_DIR).
set -euo pipefail

BUILD=${1:?usage: demo.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${TG_DEMO_DIR:-$(mktemp -d)}
mkdir -p "$OUT"

echo "== 1. the tour: an embedding lookup, padding and masks, a sentiment model (tools/tour/)"
for n in 1 9 10; do
  echo "-- tg-tour $n"
  "$BUILD/tools/tour/tg-tour" "$n"
done
echo "   (all fourteen: $BUILD/tools/tour/tg-tour)"
echo

echo "== 2. a sentiment classifier (embedding -> mean pool -> linear, Adam)"
"$BUILD/tools/classify/tg-classify" train --train "$HERE/sentiment-train.txt" --valid "$HERE/sentiment-valid.txt" \
  --out "$OUT/sentiment.safetensors" --epochs 20 --dim 32 --batch 8 --seed 1 --plot "$OUT/sentiment.svg"
"$BUILD/tools/classify/tg-classify" test --model "$OUT/sentiment.safetensors" --data "$HERE/sentiment-valid.txt"
printf '%s\n' "a funny and moving film with a great cast" "dull , slow and badly acted" \
  "i loved the music but the story was boring" > "$OUT/reviews.txt"
echo "-- tg-classify predict --probs: one line per review, its label and probability"
"$BUILD/tools/classify/tg-classify" predict --model "$OUT/sentiment.safetensors" --probs "$OUT/reviews.txt" |
  paste - "$OUT/reviews.txt"
echo

echo "== 3. a character language model (embedding -> LSTM -> linear) on fortune cookies"
FORTUNES=/usr/share/games/fortunes/fortunes
if [ -f "$FORTUNES" ]; then
  "$BUILD/tools/charlm/tg-charlm" train --text "$FORTUNES" --out "$OUT/charlm.safetensors" \
    --emb 32 --hidden 128 --seq 64 --batch 32 --steps 400 --lr 5e-3 --eval-every 200 --seed 1 --threads 1
  "$BUILD/tools/charlm/tg-charlm" generate --model "$OUT/charlm.safetensors" --prompt "The " --length 300 \
    --temperature 0.7 --seed 3
else
  echo "   $FORTUNES is missing (Debian package 'fortunes'); skipped"
fi
echo
echo "demo files (models, curve) are in $OUT"
