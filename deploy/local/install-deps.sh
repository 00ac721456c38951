#!/usr/bin/env bash
# install-deps.sh - install, only if missing, every Debian package that the
# ChainSight build, services and tests need. Safe to re-run; does nothing
# when everything is present. Needs root (or sudo) only when something is
# missing.
set -euo pipefail

# Build toolchain, libraries, servers and test clients. Keep this list the
# single source of truth: docs/dependencies.md explains each choice.
PACKAGES=(
    # toolchain
    build-essential cmake ninja-build pkg-config git ca-certificates
    clang-format
    # libraries
    libpq-dev librdkafka-dev libgsl-dev libglpk-dev libmicrohttpd-dev
    libyajl-dev libsodium-dev libcurl4-openssl-dev
    # servers and clients used by the main job and the tests
    postgresql-15 postgresql-client-15 kcat curl jq procps iproute2 openssl
    # unit tests
    libcmocka-dev
    # fuzz tests (tests/fuzz): libFuzzer and the sanitizer runtimes of clang
    clang libclang-rt-14-dev
    # dashboard end-to-end tests: a real browser, playwright-core from npm,
    # and a CJK font so Chinese text renders
    chromium nodejs npm fonts-wqy-microhei
    # API benchmark: load generator and the static-file baseline
    wrk nginx-light
    # analyst benchmark: GNU time for the peak resident set
    time
)

missing=()
for p in "${PACKAGES[@]}"; do
    # npm ships inside some other nodejs builds (e.g. NodeSource's); then
    # Debian's npm package conflicts with it and is not needed.
    if [ "$p" = npm ] && command -v npm >/dev/null; then
        continue
    fi
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
        grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#PACKAGES[@]} packages present" >&2
    exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
        echo "install-deps: missing packages and not root (no sudo): ${missing[*]}" >&2
        exit 1
    }
    SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have empty package lists; refresh them once.
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
