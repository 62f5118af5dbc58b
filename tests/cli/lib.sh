# What the CLI end-to-end tests share; sourced by charlm_test.sh and classify_test.sh.
#   WORK          a scratch directory, removed on exit
#   fail MESSAGE  records a failed check (the script goes on, and finish reports the count)
#   expect_error CODE PATTERN OUTFILE -- COMMAND...
#                 COMMAND exits with CODE, prints nothing on stdout and one line "error: ..." containing
#                 PATTERN on stderr, and OUTFILE (if not "-") was not created, nor anything starting with
#                 its name
#   finish NAME   exit 1 with the count of failed checks, or print that all of NAME's checks passed
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FAILURES=0

fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}

expect_error() {
  local code=$1 pattern=$2 outfile=$3
  shift 4
  "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  local got=$?
  local what="'${*:2}'"
  [ "$got" -eq "$code" ] || fail "$what: exit $got, expected $code"
  [ "$(wc -l <"$WORK/stderr")" -eq 1 ] || fail "$what: stderr has $(wc -l <"$WORK/stderr") lines, expected 1: $(cat "$WORK/stderr")"
  grep -q "^error: " "$WORK/stderr" || fail "$what: stderr does not start with 'error: ': $(cat "$WORK/stderr")"
  grep -qF -- "$pattern" "$WORK/stderr" || fail "$what: stderr lacks '$pattern': $(cat "$WORK/stderr")"
  [ -s "$WORK/stdout" ] && fail "$what: printed to stdout: $(cat "$WORK/stdout")"
  if [ "$outfile" != "-" ] && ls "$outfile"* >/dev/null 2>&1; then fail "$what: left $(ls "$outfile"*)"; fi
}

finish() {
  if [ "$FAILURES" -gt 0 ]; then
    echo "$FAILURES check(s) failed" >&2
    exit 1
  fi
  echo "$1: all checks passed"
}
