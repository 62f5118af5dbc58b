#!/usr/bin/env bash
# The README's two commands. Each installs what is missing, configures and builds, then:
#   tools/setup.sh test    runs the whole test suite (meson test), exit 0 only when all pass
#   tools/setup.sh demo    runs the main demo
#   tools/setup.sh fuzz    installs clang and libFuzzer (tools/fuzz.sh then builds and runs the fuzzers)
# Safe to run again: installed packages are skipped and the build is incremental.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${TG_BUILD_DIR:-build}

# Debian 12 packages the build needs (compiler, Meson, and the libraries meson.build asks for);
# the demo also trains a character model on Debian's fortune cookies.
PACKAGES=(g++ meson ninja-build pkg-config cmake libopenblas-dev libfmt-dev doctest-dev
          nlohmann-json3-dev libcli11-dev libcairo2-dev)
DEMO_PACKAGES=(fortunes)
# The fuzz build (tests/fuzz): clang with libFuzzer and the sanitizers' runtime, and LLVM's OpenMP.
FUZZ_PACKAGES=(clang libclang-rt-14-dev libomp-dev)

install_missing_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "setup: installing ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

configure_and_build() {
  if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" .
  fi
  ninja -C "$BUILD"
}

case "${1:-}" in
  test)
    install_missing_packages "${PACKAGES[@]}"
    configure_and_build
    meson test -C "$BUILD" --print-errorlogs
    ;;
  demo)
    install_missing_packages "${PACKAGES[@]}" "${DEMO_PACKAGES[@]}"
    configure_and_build
    tools/demo/demo.sh "$BUILD"
    ;;
  fuzz)
    install_missing_packages "${PACKAGES[@]}" "${FUZZ_PACKAGES[@]}"
    ;;
  *)
    echo "usage: tools/setup.sh test|demo|fuzz" >&2
    exit 2
    ;;
esac
