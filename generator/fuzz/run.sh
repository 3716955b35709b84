#!/usr/bin/env bash
# Fuzzes the spec loader for a bounded time (default 60 s): `generator/fuzz/run.sh [SECONDS]`.
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); the toolchain is stable, so the
# nightly-only sanitizer flags are enabled with RUSTC_BOOTSTRAP=1. Crashes land in
# generator/fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
fuzz_dir="$(pwd)"
seconds="${1:-60}"
if ! cargo fuzz --help >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
    exit 2
fi
export RUSTC_BOOTSTRAP=1
mkdir -p corpus/spec_loader
# Seed the corpus with the real spec.
cp ../../spec/*/*.yaml corpus/spec_loader/ 2>/dev/null || true
cd ..
for target in spec_loader; do
    echo "== fuzzing $target for ${seconds}s"
    cargo fuzz run --fuzz-dir "$fuzz_dir" --sanitizer none "$target" "$fuzz_dir/corpus/$target" -- \
        -max_total_time="$seconds" -max_len=65536
done
