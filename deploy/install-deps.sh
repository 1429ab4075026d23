#!/usr/bin/env bash
# Installs exactly the Debian (bookworm) packages that build, run and test
# kamgov. Idempotent: when every package is present it does nothing, and it
# runs `apt-get update` only when something is missing. Works as root or
# through sudo.
#
#   deploy/install-deps.sh            build + run + test packages
#   deploy/install-deps.sh --fuzz     also the libFuzzer runtime
set -euo pipefail

packages=(
  # toolchain: clang-14 checks the lock annotations (-Wthread-safety)
  cmake make pkg-config clang-14 lld-14
  # the fixed stack
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  grpc-proto librocksdb-dev libabsl-dev
  # SHA-256 for the hash chain
  libssl-dev
  # logging (abseil 20220623 has no absl/log)
  libspdlog-dev
  # tcmalloc: glibc malloc is the largest cost of delivering events
  libgoogle-perftools-dev
  # Prometheus metrics and their HTTP listener (pulls civetweb)
  prometheus-cpp-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # the offline chain verifier and its test
  python3
  # deploy/make-certs.sh, and the TLS tests that run it
  openssl
)
if [[ "${1:-}" == "--fuzz" ]]; then
  packages+=(libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
