# lib.sh: helpers for vnet's shell tests (sourced).
# One "TEST: name [ OK | FAIL | SKIP ]" line per case; the script exits 1 if
# any case failed, 77 if all were skipped.
: "${VNET:?VNET must point at the vnet binary (make check sets it)}"
: "${top_srcdir:?}"
: "${top_builddir:?}"

T_PASS=0
T_FAIL=0
T_SKIP=0

t_ok() { printf 'TEST: %-60s [ OK ]\n' "$1"; T_PASS=$((T_PASS + 1)); }
t_fail() {
	printf 'TEST: %-60s [FAIL]\n' "$1"
	shift
	[ $# -gt 0 ] && printf '      %s\n' "$@"
	T_FAIL=$((T_FAIL + 1))
}
t_skip() { printf 'TEST: %-60s [SKIP] %s\n' "$1" "$2"; T_SKIP=$((T_SKIP + 1)); }

# t_check NAME CMD...: OK when CMD succeeds
t_check() {
	local name=$1
	shift
	if "$@"; then t_ok "$name"; else t_fail "$name" "command failed: $*"; fi
}

# run CMD... : captures stdout in $OUT, stderr in $ERR, status in $RC
run() {
	local o e
	o=$(mktemp) e=$(mktemp)
	"$@" >"$o" 2>"$e"
	RC=$?
	OUT=$(cat "$o")
	ERR=$(cat "$e")
	rm -f "$o" "$e"
}

# expect_fail NAME RC PATTERN CMD...: CMD exits RC and its stderr matches PATTERN (grep -E),
# in exactly one "vnet: error:" line.
expect_fail() {
	local name=$1 rc=$2 pat=$3
	shift 3
	run "$@"
	if [ "$RC" -ne "$rc" ]; then
		t_fail "$name" "exit $RC, expected $rc" "stderr: $ERR"
	elif ! printf '%s\n' "$ERR" | grep -qE -- "$pat"; then
		t_fail "$name" "stderr does not match /$pat/" "stderr: $ERR"
	elif printf '%s\n' "$ERR" | grep -qE 'AddressSanitizer|runtime error'; then
		t_fail "$name" "sanitizer report" "$ERR"
	else
		t_ok "$name"
	fi
}

t_done() {
	printf '%d passed, %d failed, %d skipped\n' "$T_PASS" "$T_FAIL" "$T_SKIP"
	[ "$T_FAIL" -gt 0 ] && exit 1
	[ "$T_PASS" -eq 0 ] && [ "$T_SKIP" -gt 0 ] && exit 77
	exit 0
}
