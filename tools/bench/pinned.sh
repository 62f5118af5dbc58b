# Sourced by compare.sh and end_to_end.sh. `pinned THREADS COMMAND...` runs COMMAND on one CPU when
# THREADS is 1 (TG_BENCH_CPU, else the first CPU this shell may use), else as it is.
# Why: the two vCPUs of this project's machine differ in speed (pinned, W5 took 0.161-0.173 ms on vCPU 0
# and 0.243-0.248 on vCPU 1), so an unpinned 1-thread run's time was a draw of where the scheduler put
# it. Pinned, both sides of a comparison run on the same CPU.
pinned() {
  threads=$1
  shift
  if [ "$threads" = 1 ]; then
    taskset -c "${TG_BENCH_CPU:-$(taskset -pc $$ | sed 's/.*: //; s/[-,].*//')}" "$@"
  else
    "$@"
  fi
}
