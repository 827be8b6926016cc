# SPDX-License-Identifier: MIT
# Helpers of ns.bats (namespaces, procfs, the --pidns relay).  Load after
# common: `load common`, `load ns`.

# ns_setup: per-case state.  MARK is an argument no other process on the
# machine carries; every long-lived process a case starts has it in its
# command line, so the case can find them and teardown kills only those.
ns_setup() {
	MARK=pidone-ns-$$-$BATS_TEST_NUMBER
	[ -x "$PIDONE" ] || {
		echo "no pidone binary at $PIDONE (run make)" >&2
		return 1
	}
}

ns_teardown() {
	kill_marked
}

# ns_setup_file: a copy of pidone that uid 65534 can reach and execute,
# whatever the modes of the directories above the checkout.
ns_setup_file() {
	NSDIR=$(mktemp -d "${TMPDIR:-/tmp}/pidone-ns.XXXXXX")
	chmod 755 "$NSDIR"
	if [ -x "$PIDONE" ]; then
		cp "$PIDONE" "$NSDIR/pidone"
		chmod 755 "$NSDIR/pidone"
	fi
	export NSDIR NOBODY_PIDONE=$NSDIR/pidone
}

ns_teardown_file() {
	case $NSDIR in
	*/pidone-ns.*) rm -rf -- "$NSDIR" ;;
	esac
}

# nobody CMD...: run CMD as uid/gid 65534 without supplementary groups.
nobody() {
	(cd / && exec setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@")
}

# need_userns: skip the case (with the reason) when this kernel does not let
# an unprivileged user create a user namespace.  Only the kernel's own
# unshare(1) is asked, so a pidone bug cannot turn into a skip.
need_userns() {
	local why
	if ! why=$(nobody unshare --user --map-root-user -- true 2>&1); then
		skip "unprivileged user namespaces are forbidden here ($why)"
	fi
}

# need_userns_root: skip when even root may not create a user namespace.
need_userns_root() {
	local why
	if ! why=$(unshare --user -- true 2>&1); then
		skip "user namespaces are not available here ($why)"
	fi
}

# comm_of PATH: what /proc/PID/comm shows for a process exec'd from PATH.
comm_of() {
	local b=${1##*/}
	echo "${b:0:15}"
}

# marked: print "PID ARGV0" of each live process whose command line contains
# MARK.  The scan runs in a bash of its own, with MARK in its environment,
# not its command line, so it never matches itself; and away from bats'
# DEBUG trap, which makes a loop over /proc in a test take seconds.
marked() {
	MARK_SCAN=$MARK bash -c '
		for f in /proc/[0-9]*/cmdline; do
			pid=${f#/proc/}
			pid=${pid%/cmdline}
			[ "$pid" = "$$" ] && continue
			mapfile -d "" -t args 2>/dev/null <"$f" || continue
			for arg in "${args[@]}"; do
				case $arg in
				*"$MARK_SCAN"*) echo "$pid ${args[0]}"; break ;;
				esac
			done
		done
		exit 0'
}

# count_argv0 N: true when exactly N live processes have MARK as argv[0].
count_argv0() {
	local n
	n=$(marked | M=$MARK awk '$2 == ENVIRON["M"]' | wc -l)
	[ "$n" -eq "$1" ]
}

no_marked() {
	[ -z "$(marked)" ]
}

# kill_marked: SIGKILL every process carrying MARK (teardown only; by pid).
kill_marked() {
	local pid rest
	[ -n "${MARK:-}" ] || return 0
	marked | while read -r pid rest; do
		kill -KILL "$pid" 2>/dev/null || :
	done
}

# exited PID: true when PID is gone or a zombie.
exited() {
	local s
	{ read -r s <"/proc/$1/stat"; } 2>/dev/null || return 0
	s=${s##*) }
	case $s in Z\ * | X\ *) return 0 ;; esac
	return 1
}

# wait_exit PID SECONDS: wait (bounded) for the background job PID to end
# and leave its status in EXIT.
wait_exit() {
	wait_until "$2" exited "$1" || return 1
	EXIT=0
	wait "$1" || EXIT=$?
}

# ns_children PID: the pids of PID's children (zombies included), on one
# line.
ns_children() {
	cat "/proc/$1/task/$1/children" 2>/dev/null
}

ns_has_children() {
	[ -n "$(ns_children "$1")" ]
}

# init_of RELAY: the host pid of the init the --pidns relay cloned.
init_of() {
	wait_until 10 ns_has_children "$1" || return 1
	set -- $(ns_children "$1")
	[ $# -eq 1 ] || {
		echo "relay has $# children: $*" >&2
		return 1
	}
	echo "$1"
}

# proc_pids TEXT: the numeric names in an `ls /proc` listing, on one line.
proc_pids() {
	printf '%s\n' "$1" | grep -x '[0-9]*' | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# ps_table TEXT: `ps -o pid=,comm=` output as "PID:COMM PID:COMM".
ps_table() {
	printf '%s\n' "$1" | awk 'NF { printf "%s%s:%s", sep, $1, $2; sep = " " }'
}

# checked DIR COMMAND...: run COMMAND (stdin /dev/null, stdout DIR/out,
# stderr DIR/err, status in DIR/status) and write DIR/verdict: "ok" when the
# caller's mount table (its /proc/self/mountinfo) is the same before and
# after and /proc/self still names the caller, otherwise what changed.  The
# caller's mount namespace goes to DIR/mntns.  Self-contained so that it can
# be shipped into a throwaway namespace with `declare -f`.
checked() {
	local dir=$1 rc=0 b a s
	local -a before after
	shift
	mapfile -t before </proc/self/mountinfo
	"$@" </dev/null >"$dir/out" 2>"$dir/err" || rc=$?
	echo "$rc" >"$dir/status"
	mapfile -t after </proc/self/mountinfo
	readlink /proc/$BASHPID/ns/mnt >"$dir/mntns"
	b=$(printf '%s\n' "${before[@]}")
	a=$(printf '%s\n' "${after[@]}")
	if [ "$b" != "$a" ]; then
		{
			echo "the caller's mount table changed:"
			diff <(echo "$b") <(echo "$a")
		} >"$dir/verdict"
		return 0
	fi
	# read is a builtin: /proc/self is this very shell here.
	if ! read -r s </proc/self/stat || [ "${s%% *}" != "$BASHPID" ]; then
		echo "/proc/self is '${s%% *}', not the caller ($BASHPID)" >"$dir/verdict"
		return 0
	fi
	echo ok >"$dir/verdict"
}

# verdict DIR WHERE: fail, saying what happened, unless DIR/verdict is ok.
verdict() {
	[ "$(cat "$1/verdict")" = ok ] && return 0
	echo "$2:" >&2
	cat "$1/verdict" "$1/err" >&2
	return 1
}

# guard COMMAND...: the guard against mounting over the caller's /proc.
# COMMAND runs first in a throwaway mount namespace whose mounts are shared
# (so a pidone that mounts in its parent's namespace, or forgets to make /
# private before mounting, is caught there without touching the host), and
# only if that passed, in the test's own mount namespace, the host's.  Both
# times the caller's /proc/self/mountinfo must be byte for byte the same
# before and after, and /proc/self must still be the caller.  Results of the
# host run: RUN_DIR (out, err, status, mntns in it), RUN_STATUS, RUN_OUT,
# RUN_ERR.
guard() {
	local box=$BATS_TEST_TMPDIR/guard-box
	RUN_DIR=$BATS_TEST_TMPDIR/guard-host
	mkdir -p "$box" "$RUN_DIR"
	unshare --mount --propagation shared -- bash -c \
		"$(declare -f checked nobody)"'; checked "$@"' checked "$box" "$@" || {
		echo "guard: the throwaway mount namespace failed" >&2
		return 1
	}
	verdict "$box" "in a throwaway mount namespace with shared mounts" ||
		return 1
	checked "$RUN_DIR" "$@"
	verdict "$RUN_DIR" "in the test's (the host's) mount namespace" ||
		return 1
	RUN_STATUS=$(cat "$RUN_DIR/status")
	RUN_OUT=$(cat "$RUN_DIR/out")
	RUN_ERR=$(cat "$RUN_DIR/err")
	if [ "$(cat "$box/status")" != "$RUN_STATUS" ]; then
		echo "guard: status $RUN_STATUS here, $(cat "$box/status") in the box" >&2
		return 1
	fi
}

# in_box COMMAND...: like guard's first half only, for cases that need the
# mount-table check but must never run on the host (bad input that a buggy
# pidone might act on).  Results: RUN_DIR, RUN_STATUS, RUN_OUT, RUN_ERR.
in_box() {
	RUN_DIR=$BATS_TEST_TMPDIR/box
	mkdir -p "$RUN_DIR"
	unshare --mount -- bash -c \
		"$(declare -f checked nobody)"'; checked "$@"' checked "$RUN_DIR" "$@" ||
		return 1
	verdict "$RUN_DIR" "in a throwaway mount namespace" || return 1
	RUN_STATUS=$(cat "$RUN_DIR/status")
	RUN_OUT=$(cat "$RUN_DIR/out")
	RUN_ERR=$(cat "$RUN_DIR/err")
}

# one_error_line TEXT...: RUN_ERR is exactly one line, `pidone: error: ...`,
# containing every TEXT.
one_error_line() {
	local t
	[ -n "$RUN_ERR" ] || { echo "no error line" >&2; return 1; }
	[ "$(printf '%s\n' "$RUN_ERR" | wc -l)" -eq 1 ] || {
		printf 'more than one line on stderr:\n%s\n' "$RUN_ERR" >&2
		return 1
	}
	case $RUN_ERR in
	"pidone: error: "*) ;;
	*) echo "not a pidone error line: $RUN_ERR" >&2; return 1 ;;
	esac
	for t; do
		case $RUN_ERR in
		*"$t"*) ;;
		*) echo "error line lacks '$t': $RUN_ERR" >&2; return 1 ;;
		esac
	done
}
