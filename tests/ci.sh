#!/bin/bash
# ci.sh: install what is needed, build, and run vnet's whole test suite:
#   1. a normal build (with fault injection compiled in): make check
#   2. an ASan+UBSan build: make check
#   3. the unit tests under valgrind: make check-valgrind
# Prints one closing line "vnet tests: N passed, N failed, N skipped".
# Run as root on Debian 12 from a clone:  bash tests/ci.sh
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
JOBS=$(nproc 2>/dev/null || echo 2)

bash tools/install-deps.sh || exit 1
if [ -f config.status ]; then
	echo "ci.sh: the source tree is configured in place; run 'make distclean' first" >&2
	exit 1
fi
./autogen.sh >/dev/null 2>&1 || { ./autogen.sh; exit 1; }

status=0
build() { # build DIR CONFIGURE-ARGS...
	local d=$1
	shift
	mkdir -p "$d"
	(cd "$d" && "$top/configure" -q "$@" && make -s -j"$JOBS") || return 1
}
check() { # check DIR [TARGET]
	(cd "$1" && make -j"$JOBS" "${2:-check}" VERBOSE=1) || status=1
}

echo "== normal build: make check"
build build/default --enable-fault-injection || exit 1
check build/default
echo "== ASan+UBSan build: make check"
build build/sanitizers --enable-fault-injection --enable-sanitizers || exit 1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 check build/sanitizers
echo "== valgrind: unit tests"
(cd build/default && make -s check-valgrind) && echo "valgrind: unit tests clean" || status=1
echo "== fuzz: the XML parser for 60 s under ASan+UBSan (libFuzzer)"
fz=0
(cd build/default && make -s fuzz FUZZ_SECONDS=60 >fuzz.out 2>&1) || fz=1
execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' build/default/fuzz.out)
crashes=$(ls build/default | grep -cE '^(crash|leak|timeout|oom|slow-unit)-')
echo "fuzz: execs=${execs:-0} crashes=$crashes"
[ "$fz" -eq 0 ] && [ -n "$execs" ] || { tail -n 40 build/default/fuzz.out; status=1; }

# One closing line over both builds, counting test cases: each "TEST: … [ OK ]" line of the
# shell tests and each cmocka case. A test program that failed without naming a case still
# counts as one failure (automake's .trs files say which).
logs=$(find build/default build/sanitizers -name '*.log' ! -name test-suite.log ! -name config.log)
p=$(cat $logs 2>/dev/null | grep -cE '^TEST: .*\[ OK \]|^\[       OK \] ')
f=$(cat $logs 2>/dev/null | grep -cE '^TEST: .*\[FAIL\]|^\[  FAILED  \] [^0-9]')
s=$(cat $logs 2>/dev/null | grep -cE '^TEST: .*\[SKIP\]|^\[  SKIPPED \] ')
trs_fail=$(find build/default build/sanitizers -name '*.trs' -exec grep -lE '^:test-result: (FAIL|ERROR|XPASS)' {} + 2>/dev/null | wc -l)
trs_skip=$(find build/default build/sanitizers -name '*.trs' -exec grep -l '^:test-result: SKIP' {} + 2>/dev/null | wc -l)
[ "$f" -eq 0 ] && [ "$trs_fail" -gt 0 ] && f=$trs_fail
s=$((s + trs_skip))
echo "test programs failed: $trs_fail, skipped whole: $trs_skip"
echo "vnet tests: $p passed, $f failed, $s skipped"
[ "$f" -eq 0 ] || status=1
exit $status
