#!/usr/bin/env bash
# `make test` after the build: C unit tests, fuzz corpus replay, then the
# Python tests (test UA self-tests and end-to-end tests against the real
# Kamailio and the relay built with ASan + UBSan). Exits non-zero when any
# part fails; pytest's closing line is the summary.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
failed=()

make --no-print-directory test-modules >/dev/null || failed+=(test-modules)
make --no-print-directory -C test/unit run || failed+=(unit)
make --no-print-directory -C test/fuzz replay || failed+=(fuzz)
make --no-print-directory -C relay SAN=1 >/dev/null || failed+=(relay-san)

export IM_RELAY_BIN="$top/build/bin/im-relay-san"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
(cd test && /usr/bin/python3 -m pytest -q ${PYTEST_ARGS:-}) || failed+=(pytest)

if [ ${#failed[@]} -gt 0 ]; then
	echo "make test: FAILED: ${failed[*]}"
	exit 1
fi
echo "make test: all passed"
