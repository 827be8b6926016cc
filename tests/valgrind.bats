#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A handful of suite cases with pidone under valgrind's memcheck: no error,
# and the exit status still the payload's.  pidone allocates nothing, so a
# leak would be news too.  Skipped for sanitizer builds (valgrind cannot run
# them) and where valgrind is missing.

bats_require_minimum_version 1.5.0
load common

setup() {
	command -v valgrind >/dev/null || skip "valgrind not installed"
	if ! file -L "$PIDONE" 2>/dev/null | grep -q 'statically linked'; then
		skip "pidone is not the static release build (SANITIZE=1?)"
	fi
	VG=(valgrind -q --error-exitcode=99 --leak-check=full
	    --errors-for-leak-kinds=definite,indirect)
}

# Valgrind's own notes start with ==PID== or --PID--; pidfd_open is one
# syscall it does not know (pidone then does without it).
vg_errors() {
	grep -E '^(==|--)[0-9]+(==|--)' <<<"$1" | grep -v -e 'syscall: 434' \
	    -e 'write your own handler' -e 'README_MISSING_SYSCALL' \
	    -e 'consider this a bug' -e 'bug_reports' || true
}

@test "valgrind: exit status passes through, not PID 1" {
	run --separate-stderr timeout 60 "${VG[@]}" "$PIDONE" -- sh -c 'exit 3'
	[ "$status" -eq 3 ]
	[ -z "$(vg_errors "$stderr")" ]
}

@test "valgrind: PID 1 reaps orphans and reports them with -w" {
	run --separate-stderr timeout 60 unshare --pid --fork --mount-proc \
	    "${VG[@]}" "$PIDONE" -w -- sh -c \
	    'i=0; while [ $i -lt 20 ]; do sh -c "true &"; i=$((i+1)); done; exit 4'
	[ "$status" -eq 4 ]
	[ "$(grep -c 'reaped orphan' <<<"$stderr")" -ge 20 ]
	[ -z "$(vg_errors "$stderr")" ]
}

@test "valgrind: a signal is forwarded to the payload" {
	local out=$BATS_TEST_TMPDIR/out
	timeout 60 "${VG[@]}" "$PIDONE" -- "$HELPERS/sigecho" TERM \
	    >"$out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	local pid=$!
	wait_for_line "$out" ready 30
	kill -TERM "$pid"
	wait "$pid"
	[ "$(cat "$out")" = "$(printf 'ready\nTERM')" ]
	[ -z "$(vg_errors "$(cat "$BATS_TEST_TMPDIR/err")")" ]
}

@test "valgrind: the drain as PID 1" {
	run --separate-stderr timeout 60 unshare --pid --fork --mount-proc \
	    "${VG[@]}" "$PIDONE" -t 5 -- sh -c \
	    '(trap "exit 0" TERM; while :; do sleep 0.05; done) & sleep 0.3; exit 6'
	[ "$status" -eq 6 ]
	[ -z "$(vg_errors "$stderr")" ]
}

@test "valgrind: --pidns relay and init" {
	run --separate-stderr timeout 60 "${VG[@]}" "$PIDONE" --pidns -- \
	    sh -c 'echo $$; exit 5'
	[ "$status" -eq 5 ]
	[ "$output" = 2 ]
	[ -z "$(vg_errors "$stderr")" ]
}

@test "valgrind: a usage error" {
	run --separate-stderr timeout 60 "${VG[@]}" "$PIDONE" -e 300 true
	[ "$status" -eq 125 ]
	[ "$(grep -c . <<<"$stderr")" -eq 1 ]
}
