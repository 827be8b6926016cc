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
	wait_until "${3:-10}" grep -qxF -- "$2" "$1"
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
