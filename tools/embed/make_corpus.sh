#!/bin/sh
# Puts the text of the corpora in ../shared/data together into one lower-cased, tokenised text file
# for `tg-embed train` and `fasttext skipgram`: a sentence (or a review, a headline + description, a
# line of a play) per line, punctuation split off as its own tokens.
#   tools/embed/make_corpus.sh [DATA_DIR] [OUT]
# DATA_DIR defaults to ../shared/data (beside the checkout), OUT to build/tmp/embed-corpus.txt.
# The output is made from the data each time and never committed.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
data=${1:-$here/../shared/data}
out=${2:-$here/build/tmp/embed-corpus.txt}
for f in sst2/train.tsv ag_news/test.csv rt-polaritydata/rt-polarity.pos rt-polaritydata/rt-polarity.neg \
         tinyshakespeare/input.txt; do
  [ -f "$data/$f" ] || { echo "error: $data/$f: not found, expected the corpora of ../shared/data" >&2; exit 1; }
done
mkdir -p "$(dirname "$out")"
tmp="$out.tmp-$$"
trap 'rm -f "$tmp"' EXIT
{
  tail -n +2 "$data/sst2/train.tsv" | cut -f1                                   # SST-2: the sentence column
  sed -e 's/^"[0-9]*","//' -e 's/"$//' -e 's/","/ /' -e 's/\\/ /g' "$data/ag_news/test.csv"  # AG News: title + description
  cat "$data/rt-polaritydata/rt-polarity.pos" "$data/rt-polaritydata/rt-polarity.neg" | iconv -f latin1 -t utf-8
  grep -v '^[A-Za-z ]*:$' "$data/tinyshakespeare/input.txt" | grep -v '^[[:space:]]*$'  # speeches, not speaker names
} | tr 'A-Z' 'a-z' \
  | sed -e 's/&quot;/"/g' -e 's/&amp;/\&/g' -e 's/#36;/$/g' -e 's/#39;/'"'"'/g' \
        -e 's/\([],.!?;:()"{}$[]\)/ \1 /g' -e "s/\\([a-z]\\)n't\\b/\\1 n't/g" \
        -e "s/\\([a-z]\\)'\\(s\\|re\\|ve\\|ll\\|d\\|m\\)\\b/\\1 '\\2/g" \
        -e 's/[[:space:]][[:space:]]*/ /g' -e 's/^ //' -e 's/ $//' \
  | grep -v '^$' > "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "$out: $(wc -l < "$out") lines, $(wc -w < "$out") tokens" >&2
