#!/usr/bin/env bash
# Type-checks the Rust crates for the platforms this machine cannot run (Windows,
# macOS, FreeBSD, arm64 and musl Linux), so code behind `cfg(windows)` and friends is
# at least compiled on every change. Linking needs each platform's SDK, which is the
# release workflow's job (.github/workflows); `cargo check` needs only the target's
# standard library, which rustup installs.
#
# A target whose standard library cannot be installed (no rustup, no network) is
# reported and skipped; a target that is installed but does not compile fails.
set -uo pipefail
cd "$(dirname "$0")/.."

TARGETS=(
  x86_64-pc-windows-msvc
  aarch64-pc-windows-msvc
  x86_64-apple-darwin
  aarch64-apple-darwin
  x86_64-unknown-freebsd
  aarch64-unknown-linux-gnu
  x86_64-unknown-linux-musl
  aarch64-unknown-linux-musl
)

status=0
for target in "${TARGETS[@]}"; do
  if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    if ! rustup target add "$target" >/dev/null 2>&1; then
      echo "check-targets: $target skipped (its standard library could not be installed)"
      continue
    fi
  fi
  if cargo check --quiet --release --target "$target" -p rsnet-reactor -p rsnet-node; then
    echo "check-targets: $target ok"
  else
    echo "check-targets: $target FAILED"
    status=1
  fi
done
exit $status
