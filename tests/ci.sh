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

# one closing line over both builds (automake's .trs files)
p=0 f=0 s=0
while read -r res; do
	case "$res" in
	PASS | XFAIL) p=$((p + 1)) ;;
	FAIL | XPASS | ERROR) f=$((f + 1)) ;;
	SKIP) s=$((s + 1)) ;;
	esac
done < <(find build/default build/sanitizers -name '*.trs' -exec sed -n 's/^:test-result: //p' {} +)
# the individual TEST: lines inside the scripts, and cmocka cases, for the figures
cases=$(cat $(find build/default -name '*.log' ! -name test-suite.log) 2>/dev/null | grep -cE '^TEST: .*\[ OK \]|^\[       OK \]')
echo "cases in the default build: $cases passed"
echo "vnet tests: $p passed, $f failed, $s skipped"
[ "$f" -eq 0 ] || status=1
exit $status
