#!/usr/bin/env bash
# Fuzzes the runtime's error-answer parser for a bounded time (default 60 s):
# `generated/fuzz/run.sh [SECONDS]`.
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); the toolchain is stable, so the
# nightly-only sanitizer flags are enabled with RUSTC_BOOTSTRAP=1. Crashes land in
# generated/fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
fuzz_dir="$(pwd)"
seconds="${1:-60}"
if ! cargo fuzz --help >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
    exit 2
fi
export RUSTC_BOOTSTRAP=1
mkdir -p corpus/error_body
# Seed the corpus with the error shapes the service sends.
printf '%s' '{"error":{"code":"TokenExpired","message":"Access token has expired"}}' > corpus/error_body/plain
printf '%s' '{"error":{"code":"PowerBIEntityNotFound","pbi.error":{"code":"PowerBIEntityNotFound","parameters":{},"details":[{"code":"DetailsMessage","detail":{"type":1,"value":"text"}}],"exceptionCulprit":1}}}' > corpus/error_body/pbi
printf '%s' '{"message":"Retry in 3392 seconds."}' > corpus/error_body/throttled
cd ..
for target in error_body; do
    echo "== fuzzing $target for ${seconds}s"
    cargo fuzz run --fuzz-dir "$fuzz_dir" --sanitizer none "$target" "$fuzz_dir/corpus/$target" -- \
        -max_total_time="$seconds" -max_len=65536
done
