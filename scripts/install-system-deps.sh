#!/bin/sh
# Install the Debian/Ubuntu packages overparam uses: the system libraries of the optional `native`
# backend (OpenBLAS + LAPACKE) and the C compiler `npm run build` uses for its pointwise kernels
# (scripts/build-native.mjs; gcc + libc headers), numpy and PyTorch for the cross-check tests and bench/ (used through
# /usr/bin/python3, never at run time), and redis-server for the distributed-executor tests.
# Idempotent and quiet: does nothing when the packages are already installed, skips `apt-get update`
# then. `--minimal` installs only OpenBLAS + LAPACKE + gcc. Never fails a CI job: without root or apt it says what to do and exits 0
# (the native backend and its tests are then skipped, and the wasm backend is used).
set -eu

PKGS="libopenblas0-pthread liblapacke gcc libc6-dev"
if [ "${1:-}" != "--minimal" ]; then PKGS="$PKGS python3-numpy python3-torch redis-server"; fi

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
  for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing="$missing $p"
    fi
  done
else
  missing=" $PKGS"
fi

if [ -z "$missing" ]; then
  echo "install-system-deps: already installed:$(printf ' %s' $PKGS)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: no apt-get here; install OpenBLAS and LAPACKE with your package manager" \
    "(or set OVERPARAM_BLAS_LIB / OVERPARAM_LAPACKE_LIB). Missing:$missing. Skipping."
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: not root; run: sudo apt-get install -y --no-install-recommends$missing. Skipping."
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-system-deps: installing$missing"
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-system-deps: done"
