# SPDX-License-Identifier: MIT
# Shared by every suite: where things are, bounded waits, zombie scans.
# Load it with `load common` from a tests/*.bats file.

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
PIDONE=${PIDONE:-$TOP/pidone}
HELPERS=$TOP/tests/helpers

# A hung pidone must fail the case, not hang CI.
: "${BATS_TEST_TIMEOUT:=60}"
export BATS_TEST_TIMEOUT

# wait_until SECONDS COMMAND...: poll COMMAND every 10 ms until it succeeds;
# fail once the deadline passes.
wait_until() {
	local deadline=$((SECONDS + $1)) i=0
	shift
	while ! "$@"; do
		if [ "$SECONDS" -gt "$deadline" ] || [ $i -gt 100000 ]; then
			echo "wait_until: timed out: $*" >&2
			return 1
		fi
		sleep 0.01
		i=$((i + 1))
	done
}

# wait_for_line FILE TEXT [SECONDS]: wait until FILE has a line equal to TEXT.
wait_for_line() {
	wait_until "${3:-10}" grep -qsxF -- "$2" "$1"
}

# zombies: print "PID PPID" of every zombie this /proc shows.
zombies() {
	local f s
	for f in /proc/[0-9]*/stat; do
		s=$(cat "$f" 2>/dev/null) || continue
		s=${s##*) }
		case $s in
		Z\ *) set -- $s; echo "${f//[^0-9]/} $2" ;;
		esac
	done
}

# in_pidns COMMAND...: run COMMAND as PID 1 of a fresh PID namespace with its
# own /proc (the namespace is made for this call and dies with it).
in_pidns() {
	unshare --pid --fork --mount-proc --kill-child -- "$@"
}

# both_modes: cases that must hold as PID 1 and as a plain subreaper call
# `run_pidone` and are run twice by the suite, once with PIDONE_MODE=pid1,
# once with PIDONE_MODE=plain.
run_pidone() {
	if [ "${PIDONE_MODE:-pid1}" = pid1 ]; then
		in_pidns "$PIDONE" "$@"
	else
		"$PIDONE" "$@"
	fi
}

# ---------------------------------------------------------------------------
# Mode runners.  Every run goes through tests/helpers/core_guard: a hard
# deadline (a hung pidone fails the case instead of hanging it: bats' own
# timeout cannot interrupt a foreground command), a subreaper that reaps
# nobody but its child meanwhile (orphans that pidone fails to adopt stay
# visible as zombies below it), and a sweep that kills and reports whatever
# is left once the child is gone.
#
# PIDONE_MODE=pid1: the command is PID 1 of a fresh PID namespace with its
# own /proc; PIDONE_MODE=plain: it is an ordinary process.

: "${GUARD_SECS:=20}"

# mode_prefix: set MODE_PREFIX to what runs a command in the current mode.
mode_prefix() {
	if [ "${PIDONE_MODE:-pid1}" = pid1 ]; then
		MODE_PREFIX=(unshare --pid --fork --mount-proc --kill-child --)
	else
		MODE_PREFIX=()
	fi
}

# use_mode pid1|plain: select the mode for this case; skip pid1 where the
# kernel or our privileges give no PID namespace.
use_mode() {
	PIDONE_MODE=$1
	export PIDONE_MODE
	if [ "$1" = pid1 ] && ! unshare --pid --fork --mount-proc true 2>/dev/null; then
		skip "cannot create a PID namespace with its own /proc here"
	fi
	mode_prefix
}

# need_helper NAME...: fail clearly when a helper binary is not built.
need_helper() {
	local h
	for h in "$@"; do
		if [ ! -x "$HELPERS/$h" ]; then
			echo "missing $HELPERS/$h: run make helpers" >&2
			return 1
		fi
	done
}

# in_mode CMD...: run CMD (usually "$PIDONE" ...) in the current mode, in the
# foreground, guarded; stdin is /dev/null.  Use with `run`.
in_mode() {
	mode_prefix
	"$HELPERS/core_guard" "$GUARD_SECS" -- "${MODE_PREFIX[@]}" "$@" </dev/null 3>&-
}

# pidone_fg ARGS...: in_mode "$PIDONE" ARGS...
pidone_fg() {
	in_mode "$PIDONE" "$@"
}

# start_bg [-l] CMD...: start CMD guarded in the background, exactly as
# given (no mode prefix); stdout to $OUT, stderr to $ERR, stdin from
# ${STDIN:-/dev/null}.  Sets GUARD_PID.  -l: the guard lingers until all of
# CMD's descendants are gone, not just CMD.
start_bg() {
	local linger=()
	if [ "${1:-}" = -l ]; then
		linger=(-l)
		shift
	fi
	OUT=${OUT:-$BATS_TEST_TMPDIR/out}
	ERR=${ERR:-$BATS_TEST_TMPDIR/err}
	"$HELPERS/core_guard" "${linger[@]}" "$GUARD_SECS" -- "$@" \
		<"${STDIN:-/dev/null}" >"$OUT" 2>"$ERR" 3>&- &
	GUARD_PID=$!
}

# start_in_mode CMD...: start_bg with the mode prefix.
start_in_mode() {
	mode_prefix
	start_bg "${MODE_PREFIX[@]}" "$@"
}

# start_pidone ARGS...: start_in_mode "$PIDONE" ARGS...
start_pidone() {
	start_in_mode "$PIDONE" "$@"
}

# wait_guard: wait for the background run to end (bounded by the guard's
# deadline); sets status.  Prints what went to $ERR when it is not empty, so
# a failing case shows it.
wait_guard() {
	status=0
	wait "$GUARD_PID" || status=$?
	GUARD_PID=
	if [ -s "$ERR" ]; then
		echo "--- stderr of the run:"
		head -n 30 "$ERR"
		if [ "$(wc -l <"$ERR")" -gt 30 ]; then
			echo "... ($(wc -l <"$ERR") lines)"
		fi
	fi
}

# children PID: the children of PID, one per line (zombies included).
children() {
	local f c all=()
	for f in /proc/"$1"/task/*/children; do
		c=()
		read -r -a c 2>/dev/null <"$f" || true
		all+=("${c[@]}")
	done
	[ ${#all[@]} -eq 0 ] || printf '%s\n' "${all[@]}"
}

# descendants_into PID: set the array DESC to every descendant of PID,
# breadth first (bounded; no subshell per process, so it stays fast with
# hundreds of them).
descendants_into() {
	local queue=("$1") i=0 f c
	DESC=()
	while [ $i -lt ${#queue[@]} ] && [ $i -lt 5000 ]; do
		for f in /proc/"${queue[i]}"/task/*/children; do
			c=()
			read -r -a c 2>/dev/null <"$f" || true
			queue+=("${c[@]}")
			DESC+=("${c[@]}")
		done
		i=$((i + 1))
	done
}

# descendants PID: every descendant of PID, one per line.
descendants() {
	descendants_into "$1"
	[ ${#DESC[@]} -eq 0 ] || printf '%s\n' "${DESC[@]}"
}

# proc_field PID N: field N of /proc/PID/stat (3 = state, 4 = ppid,
# 5 = pgrp, 6 = session, 7 = tty_nr, 8 = tpgid), safe against spaces and
# parentheses in the command name.
proc_field() {
	local s f
	read -r s 2>/dev/null <"/proc/$1/stat" || return 1
	s=${s##*) }
	read -r -a f <<<"$s"
	[ "$2" -ge 3 ] || return 1
	echo "${f[$2 - 3]}"
}

# zombies_under PID: the zombies among PID's descendants, "PID PPID" each.
zombies_under() {
	local p s f
	descendants_into "$1"
	for p in "${DESC[@]}"; do
		read -r s 2>/dev/null <"/proc/$p/stat" || continue
		s=${s##*) }
		read -r -a f <<<"$s"
		if [ "${f[0]}" = Z ]; then
			echo "$p ${f[1]}"
		fi
	done
}

# no_zombies_under PID: true when PID has no zombie descendant.
no_zombies_under() {
	[ -z "$(zombies_under "$1")" ]
}

# find_pidone: set PIDONE_PID to the host pid of the pidone below GUARD_PID
# (the shallowest process whose executable is $PIDONE, or $PIDONE_EXE when
# PIDONE is a wrapper script that execs it); waits up to 10 s.
find_pidone() {
	local exe p
	exe=$(readlink -f "${PIDONE_EXE:-$PIDONE}")
	PIDONE_PID=
	_find_pidone() {
		descendants_into "$GUARD_PID"
		for p in "${DESC[@]}"; do
			if [ "$(readlink /proc/"$p"/exe 2>/dev/null)" = "$exe" ]; then
				PIDONE_PID=$p
				return 0
			fi
		done
		return 1
	}
	wait_until 10 _find_pidone
}

# host_pid NSPID: the host pid of the descendant of GUARD_PID whose pid in
# its own namespace is NSPID (the same number in plain mode).
host_pid() {
	local p ns
	descendants_into "$GUARD_PID"
	for p in "${DESC[@]}"; do
		ns=$(sed -n 's/^NSpid:.*[[:space:]]\([0-9]*\)$/\1/p' /proc/"$p"/status 2>/dev/null)
		if [ "$ns" = "$1" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# kill_descendants PID: SIGKILL every descendant of PID (not PID itself),
# again while new ones appear, for a second at most.
kill_descendants() {
	local i
	for ((i = 0; i < 50; i++)); do
		descendants_into "$1"
		[ ${#DESC[@]} -gt 0 ] || break
		kill -KILL "${DESC[@]}" 2>/dev/null || true
		sleep 0.02
	done
}

# kill_guarded: SIGKILL everything this case started in the background
# (the guard and its descendants, never anything else).  For teardown.
kill_guarded() {
	[ -n "${GUARD_PID:-}" ] || return 0
	kill_descendants "$GUARD_PID"
	kill -KILL "$GUARD_PID" 2>/dev/null || true
	wait "$GUARD_PID" 2>/dev/null || true
	GUARD_PID=
}

# fail_with MESSAGE...: print MESSAGE and fail the case.
fail_with() {
	echo "$*" >&2
	return 1
}

# ends_with WANT CMD...: run CMD (bounded, in the case's own temporary
# directory, cores allowed) under a parent that tells a death by a signal
# from an exit of 128+N, which a shell's $? cannot: WANT is "exit N",
# "signal N" or "signal N core".  Use it where a process's own end is what
# is checked: pidone dies of its payload's signal when not PID 1.
ends_with() {
	local want=$1
	shift
	# A background job of a script starts with INT and QUIT ignored:
	# start from the defaults, as a foreground job does.
	run -0 timeout -k 5 30 env --default-signal python3 -c '
import os, resource, sys
resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
pid = os.fork()
if pid == 0:
    os.chdir(sys.argv[1])
    os.execvp(sys.argv[2], sys.argv[2:])
_, st = os.waitpid(pid, 0)
if os.WIFSIGNALED(st):
    print("signal %d%s" % (os.WTERMSIG(st), " core" if os.WCOREDUMP(st) else ""))
else:
    print("exit %d" % os.WEXITSTATUS(st))
' "$BATS_TEST_TMPDIR" "$@" </dev/null 3>&-
	[ "$output" = "$want" ] || fail_with "$*: got '$output', want '$want'"
}

# sanitized: $PIDONE is an AddressSanitizer/UBSan build (make SANITIZE=1).
# Its runtime reads /proc/self/maps at start and refuses to run under
# ptrace, so the few cases that need either skip for it.
sanitized() {
	readelf -W --dyn-syms "$PIDONE" 2>/dev/null |
	    grep -q -e __asan_init -e __ubsan_handle
}
