#!/bin/bash
# tg-embed heatmap and plot: the pictures are written (SVG; PNG when built with Cairo), hold what they
# should (axis titles, colour bar, labels), and bad inputs give one error line, exit 1 and no file.
#   pictures_test.sh path/to/tg-embed
set -u
EMBED=$1
source "$(dirname "$0")/lib.sh"

# Eight words in two families, four dimensions.
VECTORS="$WORK/vectors.txt"
cat >"$VECTORS" <<'END'
king 0.9 0.8 0.1 0.0
queen 0.8 0.9 0.0 0.1
prince 0.85 0.75 0.05 0.1
royal 0.7 0.8 0.1 0.05
apple 0.0 0.1 0.9 0.8
banana 0.1 0.0 0.8 0.9
cherry 0.05 0.1 0.85 0.75
fruit 0.1 0.05 0.7 0.8
END
have_png() { "$EMBED" heatmap --vectors "$VECTORS" --out "$WORK/probe.png" >/dev/null 2>&1; }

# ---- heatmap ----
"$EMBED" heatmap --vectors "$VECTORS" --rows 5 --out "$WORK/h.svg" >"$WORK/h.out" 2>"$WORK/h.err" ||
  fail "heatmap: exit $?: $(cat "$WORK/h.err")"
grep -q "heatmap of 5 words x 4 dimensions" "$WORK/h.out" || fail "heatmap: $(cat "$WORK/h.out")"
for text in '>embedding dimension<' '>word index<' '>value<' '>vectors.txt: the first 5 of 8 words'; do
  grep -qF "$text" "$WORK/h.svg" || fail "heatmap: h.svg lacks $text"
done
# 5 x 4 cells + 128 colour-bar bands + 2 frames + the background
[ "$(grep -c '<rect' "$WORK/h.svg")" -eq 151 ] || fail "heatmap: $(grep -c '<rect' "$WORK/h.svg") rects, expected 151"
"$EMBED" heatmap --vectors "$VECTORS" --rows 100 --out "$WORK/all.svg" >/dev/null 2>"$WORK/all.err" ||
  fail "heatmap --rows 100 of 8 words: exit $?"
grep -q "the vectors have 8 words, drawing all of them" "$WORK/all.err" || fail "heatmap: no note: $(cat "$WORK/all.err")"

# ---- plot ----
for method in pca tsne; do
  "$EMBED" plot --vectors "$VECTORS" --method "$method" --out "$WORK/$method.svg" >"$WORK/p.out" 2>"$WORK/p.err" ||
    fail "plot --method $method: exit $?: $(cat "$WORK/p.err")"
  for word in king queen apple cherry fruit; do
    grep -q ">$word</text>" "$WORK/$method.svg" || fail "plot --method $method: no label $word"
  done
done
grep -q "perplexity 30 needs at least 91 points; 8 points: lowered to 2.33" "$WORK/p.err" ||
  fail "plot --method tsne: no perplexity note: $(cat "$WORK/p.err")"
# Seeded: the same picture twice.
"$EMBED" plot --vectors "$VECTORS" --method tsne --seed 3 --out "$WORK/a.svg" >/dev/null 2>&1
"$EMBED" plot --vectors "$VECTORS" --method tsne --seed 3 --out "$WORK/b.svg" >/dev/null 2>&1
cmp -s "$WORK/a.svg" "$WORK/b.svg" || fail "plot --method tsne --seed 3: two runs differ"
# Unknown words are warned about and left out while others are known.
"$EMBED" plot --vectors "$VECTORS" --words king,queen,nosuchword,apple --metric euclidean --out "$WORK/w.svg" \
  >"$WORK/w.out" 2>"$WORK/w.err" || fail "plot --words with one unknown: exit $?: $(cat "$WORK/w.err")"
grep -q "^warning: 1 of the words have no vector, left out: nosuchword" "$WORK/w.err" ||
  fail "plot --words: no warning: $(cat "$WORK/w.err")"
grep -q "3 labelled words" "$WORK/w.out" || fail "plot --words: $(cat "$WORK/w.out")"

if have_png; then
  "$EMBED" plot --vectors "$VECTORS" --out "$WORK/p.png" >/dev/null 2>&1 || fail "plot --out p.png: exit $?"
  [ "$(head -c 4 "$WORK/p.png" | tail -c 3)" == "PNG" ] || fail "plot: p.png is not a PNG"
else
  expect_error 1 "without Cairo" "$WORK/p.png" -- "$EMBED" plot --vectors "$VECTORS" --out "$WORK/p.png"
fi

# ---- bad inputs: one error line, exit 1, no picture ----
expect_error 1 "--rows: expected a number of rows >= 1, found 0" "$WORK/bad.svg" -- \
  "$EMBED" heatmap --vectors "$VECTORS" --rows 0 --out "$WORK/bad.svg"
expect_error 1 "none of the 2 words has a vector" "$WORK/bad.svg" -- \
  "$EMBED" plot --vectors "$VECTORS" --words nosuch,other --out "$WORK/bad.svg"
expect_error 1 "expected at least 2 words" "$WORK/bad.svg" -- \
  "$EMBED" plot --vectors "$VECTORS" --words king --out "$WORK/bad.svg"
expect_error 1 "expected a picture file ending in .svg or .png" "$WORK/bad.jpg" -- \
  "$EMBED" plot --vectors "$VECTORS" --out "$WORK/bad.jpg"
expect_error 1 "--method: expected pca or tsne" "$WORK/bad.svg" -- \
  "$EMBED" plot --vectors "$VECTORS" --method umap --out "$WORK/bad.svg"
expect_error 1 "expected euclidean or cosine" "$WORK/bad.svg" -- \
  "$EMBED" plot --vectors "$VECTORS" --metric manhattan --out "$WORK/bad.svg"
: >"$WORK/empty.txt"
# The embed helper's load_input refuses a file with no vectors.
expect_error 1 "empty.txt" "$WORK/bad.svg" -- "$EMBED" heatmap --vectors "$WORK/empty.txt" --out "$WORK/bad.svg"

finish pictures
