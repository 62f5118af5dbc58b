# Sourced by compare.sh, end_to_end.sh and threads.sh. `pinned THREADS COMMAND...` runs COMMAND on one
# CPU when THREADS is 1 (bench_cpu: TG_BENCH_CPU, else the first CPU this shell may use), else as it is.
# Why: this machine's two vCPUs take turns being slow. Pinned, W5 took 0.161-0.173 ms on vCPU 0 and
# 0.243-0.248 on vCPU 1 one day, and the tape benchmark 140 ns/op on vCPU 0 and 82 on vCPU 1 another
# (no steal time shown), so an unpinned 1-thread run's time was a draw of where the scheduler put it.
# Pinned, both sides of a comparison run on the same CPU.
bench_cpu() {
  echo "${TG_BENCH_CPU:-$(taskset -pc $$ | sed 's/.*: //; s/[-,].*//')}"
}
pinned() {
  threads=$1
  shift
  if [ "$threads" = 1 ]; then
    taskset -c "$(bench_cpu)" "$@"
  else
    "$@"
  fi
}
