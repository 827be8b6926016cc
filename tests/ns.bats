#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Namespaces and procfs (SPEC §5): --pidns and its relay, rootless use, the
# clone-based launcher's /proc, refused mounts, pause mode, bad input.
#
# Safety: every process a case leaves running carries MARK in its command
# line and teardown kills those pids only.  The drain's kill(-1) can only
# happen inside the PID namespaces these cases create (--pidns or unshare
# --pid).  Nothing is mounted on the host: mounts happen only inside
# `unshare --mount`, and the guard cases run pidone on the host's mount
# table only after the same command left a throwaway copy untouched.

bats_require_minimum_version 1.5.0

load common
load ns

setup_file() {
	ns_setup_file
}

teardown_file() {
	ns_teardown_file
}

setup() {
	ns_setup
}

teardown() {
	ns_teardown
}

# --- inside --pidns -----------------------------------------------------

@test "--pidns: the payload is PID 2" {
	run -0 --separate-stderr "$PIDONE" --pidns -- sh -c 'echo $$'
	[ "$output" = 2 ]
	[ -z "$stderr" ]
}

@test "--pidns: /proc/1/comm inside is pidone" {
	run -0 --separate-stderr "$PIDONE" --pidns -- cat /proc/1/comm
	[ "$output" = "$(comm_of "$PIDONE")" ]
	[ -z "$stderr" ]
}

@test "--pidns: ls /proc inside lists only the namespace's processes" {
	run -0 --separate-stderr "$PIDONE" --pidns -- ls /proc
	[ "$(proc_pids "$output")" = "1 2" ]
}

@test "--pidns: ps works inside and sees the init and itself only" {
	run -0 --separate-stderr "$PIDONE" --pidns -- ps -e -o pid=,comm=
	[ "$(ps_table "$output")" = "1:$(comm_of "$PIDONE") 2:ps" ]
	run -0 "$PIDONE" --pidns -- ps
	[[ $output == *" ps"* ]]
}

@test "--pidns: a fresh proc, nosuid,nodev,noexec, on /proc" {
	local host mine
	host=$(awk '$5 == "/proc" { print $3; exit }' /proc/self/mountinfo)
	run -0 "$PIDONE" --pidns -- cat /proc/self/mountinfo
	mine=$(printf '%s\n' "$output" | awk '$5 == "/proc"' | tail -n 1)
	echo "host /proc $host; payload's top /proc: $mine"
	set -- $mine
	[ "$3" != "$host" ]
	[[ ,$6, == *,nosuid,* && ,$6, == *,nodev,* && ,$6, == *,noexec,* ]]
	[[ $mine == *" - proc "* ]]
}

@test "--pidns and the clone-based launcher make / private before mounting" {
	# In a mount namespace whose mounts are all shared, the namespace pidone
	# mounts in must show no shared mount: a proc mounted there must not
	# propagate back.
	run -0 unshare --mount --propagation shared -- \
		"$PIDONE" --pidns -- cat /proc/self/mountinfo
	[ -n "$output" ]
	[ -z "$(grep -F shared: <<<"$output")" ]
	run -0 unshare --mount --propagation shared -- \
		unshare --pid --fork -- "$PIDONE" -- cat /proc/self/mountinfo
	[ -n "$output" ]
	[ -z "$(grep -F shared: <<<"$output")" ]
}

@test "-U as root: a user namespace mapping root to root, setgroups denied" {
	need_userns_root
	run -0 --separate-stderr "$PIDONE" --pidns -U -- \
		sh -c 'id -u; id -g; cd /proc/self; cat uid_map gid_map setgroups; echo $$'
	[ "$(echo $output)" = "0 0 0 0 1 0 0 1 deny 2" ]
	[ -z "$stderr" ]
}

@test "--pidns: the caller's fds reach the payload untouched, pidone's do not" {
	local mine
	mine=$(sh -c 'ls /proc/$$/fd' 5</etc/hostname 7>/dev/null)
	run -0 --separate-stderr sh -c 'exec "$1" --pidns -- sh -c "ls /proc/\$\$/fd"' \
		sh "$PIDONE" 5</etc/hostname 7>/dev/null
	[ "$(echo $output)" = "$(echo $mine)" ]
	run -0 --separate-stderr "$PIDONE" --pidns -- sh -c 'cat <&5' \
		5</etc/hostname
	[ "$output" = "$(cat /etc/hostname)" ]
}

@test "--pidns: LISTEN_PID naming the relay becomes the payload's pid, 2" {
	run -0 --separate-stderr sh -c \
		'LISTEN_PID=$$ exec "$1" --pidns -- sh -c "echo \$LISTEN_PID"' \
		sh "$PIDONE"
	[ "$output" = 2 ]
}

@test "--pidns: LISTEN_PID naming another process is left alone, even 1" {
	# 4194305 is above PID_MAX_LIMIT: it cannot be the relay's pid.
	LISTEN_PID=4194305 run -0 --separate-stderr "$PIDONE" --pidns -- \
		sh -c 'echo $LISTEN_PID'
	[ "$output" = 4194305 ]
	# 1 is the caller's PID 1, not the relay: it was never meant for pidone
	# (inside, 1 is the init, but the caller could not have meant that).
	LISTEN_PID=1 run -0 --separate-stderr "$PIDONE" --pidns -- \
		sh -c 'echo $LISTEN_PID'
	[ "$output" = 1 ]
}

# --- the relay ----------------------------------------------------------

@test "--pidns: exit codes 0..255 pass through the relay" {
	local c rc
	for c in $(seq 0 255); do
		rc=0
		"$PIDONE" --pidns -- sh -c 'exit $1' sh "$c" || rc=$?
		[ "$rc" -eq "$c" ] || {
			echo "payload exit $c: relay exited $rc" >&2
			return 1
		}
	done
}

@test "--pidns: a payload killed by signal N gives 128+N through the relay" {
	local n rc
	# No core-dumping signal: the core would be written by the kernel, slowly.
	# core_raise takes the default action first: a suite started as a
	# background job of a script has INT ignored, and a shell could not
	# undo that.  (The relay dies of N itself; $? reads 128+N all the same.)
	for n in 1 2 9 10 12 13 14 15 34 64; do
		rc=0
		"$PIDONE" --pidns -- "$HELPERS/core_raise" "$n" ||
			rc=$?
		[ "$rc" -eq $((128 + n)) ] || {
			echo "payload killed by $n: relay exited $rc" >&2
			return 1
		}
	done
}

@test "--pidns: payload not found 127, not executable 126, through the relay" {
	run -127 --separate-stderr "$PIDONE" --pidns -- /nonexistent/payload
	[ -z "$output" ]
	# Not /etc/hostname: it may be executable, and a C library whose
	# execvp falls back to sh on ENOEXEC would then run it.
	local f=$BATS_TEST_TMPDIR/not-executable
	echo 'echo should not run' >"$f"
	chmod 644 "$f"
	run -126 --separate-stderr "$PIDONE" --pidns -- "$f"
	[ -z "$output" ]
}

@test "--pidns inside --pidns: each level has its own PID 1 and /proc" {
	run -0 --separate-stderr "$PIDONE" --pidns -- \
		"$PIDONE" --pidns -- ls /proc
	[ "$(proc_pids "$output")" = "1 2" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr "$PIDONE" --pidns -- \
		"$PIDONE" --pidns -- cat /proc/1/comm
	[ "$output" = "$(comm_of "$PIDONE")" ]
}

@test "--pidns: an init killed by SIGKILL gives 137 through the relay" {
	local relay init
	env --default-signal "$PIDONE" --pidns -- \
		bash -c 'exec -a "$0" sleep 1000' "$MARK" 3>&- &
	relay=$!
	init=$(init_of "$relay")
	wait_until 10 count_argv0 1
	kill -KILL "$init"
	wait_exit "$relay" 10
	[ "$EXIT" -eq 137 ]
	wait_until 5 no_marked
}

@test "--pidns: TERM, INT, HUP, USR1 sent to the relay reach the payload" {
	local sig relay out
	[ -x "$HELPERS/sigecho" ] || {
		echo "no $HELPERS/sigecho: run make helpers" >&2
		return 1
	}
	for sig in TERM INT HUP USR1; do
		out=$BATS_TEST_TMPDIR/$sig
		# env: a background job of a script starts with INT and QUIT
		# ignored; give the relay the dispositions a foreground one has.
		# sh carries MARK into the relay's and the init's command lines.
		env --default-signal "$PIDONE" --pidns -- sh -c 'exec "$0" "$1"' \
			"$HELPERS/sigecho" "$sig" "$MARK" >"$out" 2>&1 3>&- &
		relay=$!
		wait_for_line "$out" ready 10
		kill -s "$sig" "$relay"
		wait_for_line "$out" "$sig" 10
		wait_exit "$relay" 10
		[ "$EXIT" -eq 0 ] || {
			echo "$sig: relay exited $EXIT" >&2
			cat "$out" >&2
			return 1
		}
		[ "$(cat "$out")" = "ready
$sig" ]
	done
}

@test "--pidns: the init has a group of its own; a signal to the caller's group arrives once" {
	local out=$BATS_TEST_TMPDIR/out
	[ -x "$HELPERS/sigecho" ] || {
		echo "no $HELPERS/sigecho: run make helpers" >&2
		return 1
	}
	# setsid: the caller's group is this case's own, so the group signal
	# reaches only processes the case started.  Were the init in that
	# group, it would get the USR1 directly and again from the relay.
	run -0 timeout -s KILL 20 setsid bash -c '
		trap : USR1
		env --default-signal "$1" --pidns -- sh -c "exec \"\$0\" WINCH" \
			"$2" "$3" >"$4" 2>&1 3>&- &
		relay=$!
		for ((i = 0; i < 1000; i++)); do
			grep -qsx ready "$4" && break
			sleep 0.01
		done
		read -r init </proc/$relay/task/$relay/children
		read -r s </proc/$init/stat
		s=${s##*) }
		set -- "$@" $s
		echo "group $$ init $init in group $7"
		kill -USR1 -- -$$
		for ((i = 0; i < 1000; i++)); do
			grep -qsx USR1 "$4" && break
			sleep 0.01
		done
		kill -WINCH $relay
		wait $relay
		echo "relay $?"' _ "$PIDONE" "$HELPERS/sigecho" "$MARK" "$out"
	echo "$output"
	cat "$out"
	[ "${lines[1]}" = "relay 0" ]
	set -- ${lines[0]}
	[ "$2" != "$7" ] || fail_with "the init $4 is in the caller's group $2"
	[ "$(cat "$out")" = $'ready\nUSR1\nWINCH' ]
}

@test "--pidns: kill -KILL of the relay takes the whole namespace down" {
	local relay
	env --default-signal "$PIDONE" --pidns -- bash -c '
		(exec -a "$0" sleep 1000) &
		(exec -a "$0" sleep 1000) &
		exec -a "$0" sleep 1000' "$MARK" >/dev/null 2>&1 3>&- &
	relay=$!
	wait_until 10 count_argv0 3
	kill -KILL "$relay"
	wait_exit "$relay" 5
	[ "$EXIT" -eq 137 ]
	wait_until 5 no_marked || {
		echo "left after the relay died:" >&2
		marked >&2
		return 1
	}
}

# --- rootless -----------------------------------------------------------

@test "rootless: as uid 65534, --pidns gives uid 0 and a working /proc" {
	need_userns
	run -0 --separate-stderr nobody "$NOBODY_PIDONE" --pidns -- id -u
	[ "$output" = 0 ]
	[ -z "$stderr" ]
	run -0 --separate-stderr nobody "$NOBODY_PIDONE" --pidns -- \
		sh -c 'cat /proc/self/uid_map /proc/self/setgroups; echo $$'
	[ "$(echo $output)" = "0 65534 1 deny 2" ]
	run -0 nobody "$NOBODY_PIDONE" --pidns -- ls /proc
	[ "$(proc_pids "$output")" = "1 2" ]
	run -0 nobody "$NOBODY_PIDONE" --pidns -- cat /proc/1/comm
	[ "$output" = pidone ]
	run -0 --separate-stderr nobody "$NOBODY_PIDONE" --pidns -- \
		ps -e -o pid=,comm=
	[ "$(ps_table "$output")" = "1:pidone 2:ps" ]
}

# --- the guard: the caller's /proc and mount table, in every mode -------

@test "guard: --pidns" {
	guard "$PIDONE" --pidns -- ls /proc
	[ "$RUN_STATUS" -eq 0 ]
	[ "$(proc_pids "$RUN_OUT")" = "1 2" ]
}

@test "guard: --pidns -U" {
	need_userns_root
	guard "$PIDONE" --pidns -U -- ls /proc
	[ "$RUN_STATUS" -eq 0 ]
	[ "$(proc_pids "$RUN_OUT")" = "1 2" ]
}

@test "guard: --pidns --mount-proc" {
	guard "$PIDONE" --pidns --mount-proc -- ls /proc
	[ "$RUN_STATUS" -eq 0 ]
	[ "$(proc_pids "$RUN_OUT")" = "1 2" ]
}

@test "guard: --pidns --no-mount-proc" {
	guard "$PIDONE" --pidns --no-mount-proc -- true
	[ "$RUN_STATUS" -eq 0 ]
}

@test "guard: rootless --pidns (uid 65534)" {
	need_userns
	guard nobody "$NOBODY_PIDONE" --pidns -- ls /proc
	[ "$RUN_STATUS" -eq 0 ]
	[ "$(proc_pids "$RUN_OUT")" = "1 2" ]
}

@test "guard: clone-based launcher, stale /proc (ps sees only the namespace)" {
	guard unshare --pid --fork -- "$PIDONE" -- ps -e -o pid=,comm=
	[ "$RUN_STATUS" -eq 0 ]
	[ "$(ps_table "$RUN_OUT")" = "1:$(comm_of "$PIDONE") 2:ps" ]
}

@test "guard: clone-based launcher, stale /proc, --mount-proc" {
	guard unshare --pid --fork -- "$PIDONE" --mount-proc -- ls /proc
	[ "$RUN_STATUS" -eq 0 ]
	[ "$(proc_pids "$RUN_OUT")" = "1 2" ]
}

@test "guard: clone-based launcher, stale /proc, --no-mount-proc" {
	guard unshare --pid --fork -- "$PIDONE" --no-mount-proc -- \
		readlink /proc/self/ns/mnt
	[ "$RUN_STATUS" -eq 0 ]
	# Left alone: the payload is still in the caller's mount namespace.
	[ "$RUN_OUT" = "$(cat "$RUN_DIR/mntns")" ]
}

@test "guard: rootless clone-based launcher, stale /proc" {
	need_userns
	guard nobody unshare --user --map-root-user --pid --fork -- \
		"$NOBODY_PIDONE" -- ls /proc
	[ "$RUN_STATUS" -eq 0 ]
	[ "$(proc_pids "$RUN_OUT")" = "1 2" ]
}

@test "guard: clone-based launcher, /proc right (unshare --mount-proc)" {
	guard unshare --pid --fork --mount-proc -- "$PIDONE" -- ls /proc
	[ "$RUN_STATUS" -eq 0 ]
	[ "$(proc_pids "$RUN_OUT")" = "1 2" ]
}

@test "guard: clone-based launcher, /proc right, --mount-proc" {
	guard unshare --pid --fork --mount-proc -- "$PIDONE" --mount-proc -- \
		ls /proc
	[ "$RUN_STATUS" -eq 0 ]
	[ "$(proc_pids "$RUN_OUT")" = "1 2" ]
}

@test "guard: not PID 1, no --pidns" {
	guard "$PIDONE" -- ls /proc
	[ "$RUN_STATUS" -eq 0 ]
	[ -z "$RUN_ERR" ]
}

@test "guard: not PID 1, --mount-proc without --pidns is refused" {
	guard "$PIDONE" --mount-proc -- echo payload-ran
	[ "$RUN_STATUS" -eq 125 ]
	[ -z "$RUN_OUT" ]
	one_error_line mount-proc
}

# --- clone-based launchers ------------------------------------------------

@test "clone-based launcher, /proc right: pidone mounts nothing more" {
	local before after
	# sh is PID 1 and looks first; then it becomes pidone (exec keeps PID 1)
	# and the payload looks again.
	local look='readlink /proc/self/ns/mnt; cat /proc/self/mountinfo'
	run -0 --separate-stderr unshare --pid --fork --mount-proc -- sh -c '
		eval "$2"; echo ---
		exec "$1" -- sh -c "$2"
	' sh "$PIDONE" "$look"
	[ -z "$stderr" ]
	before=${output%%---*}
	after=${output#*---$'\n'}
	[ "$(echo "$before")" = "$(echo "$after")" ] || {
		diff <(echo "$before") <(echo "$after") >&2
		return 1
	}
	# One proc more than the caller has: unshare's, none of pidone's.
	[ "$(awk '$5 == "/proc"' <<<"$after" | wc -l)" -eq \
		$(($(awk '$5 == "/proc"' /proc/self/mountinfo | wc -l) + 1)) ]
}

@test "clone-based launcher, /proc right, no CAP_SYS_ADMIN: no mount, no error" {
	local drop=(setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin --)
	local look='readlink /proc/self/ns/mnt; cat /proc/self/mountinfo'
	run -0 --separate-stderr unshare --pid --fork --mount-proc -- \
		"${drop[@]}" sh -c '
		eval "$2"; echo ---
		exec "$1" -- sh -c "$2; echo ---; grep CapEff /proc/self/status"
	' sh "$PIDONE" "$look"
	[ -z "$stderr" ]
	local before=${output%%---*} rest=${output#*---$'\n'}
	local after=${rest%%---*} caps=${rest#*---}
	[ "$(echo "$before")" = "$(echo "$after")" ]
	# The payload really lacks CAP_SYS_ADMIN (bit 21).
	set -- $caps
	[ $((0x$2 >> 21 & 1)) -eq 0 ]
}

@test "clone-based launcher, /proc right, no CAP_SYS_ADMIN: no mount syscall at all" {
	command -v strace >/dev/null || skip "strace is not installed"
	sanitized && skip "sanitizer build: its runtime refuses to run under ptrace"
	local log=$BATS_TEST_TMPDIR/strace
	run -0 --separate-stderr strace -f -qq -o "$log" \
		-e trace=execve,mount,umount2,unshare,setns,mount_setattr,fsopen,fsmount,move_mount \
		unshare --pid --fork --mount-proc -- \
		setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin -- \
		"$PIDONE" -- true
	[ -z "$stderr" ]
	# Every such call after pidone's execve is pidone's (or its payload's).
	run awk -v exe="execve(\"$PIDONE\"" '
		index($0, exe) && !/= -1/ { seen = 1; next }
		seen && /(mount|umount2|unshare|setns|mount_setattr|fsopen|fsmount|move_mount)\(/
		END { if (!seen) print "no execve of pidone in the trace" }
	' "$log"
	[ -z "$output" ] || {
		echo "pidone tried:" >&2
		echo "$output" >&2
		return 1
	}
}

@test "clone-based launcher, empty /proc: a fresh proc is mounted" {
	sanitized && skip "sanitizer build: its runtime needs /proc at start"
	# The launcher's /proc is unmounted (in a private mount namespace), so
	# pidone finds an empty directory.
	run -0 --separate-stderr unshare --mount --pid --fork -- sh -c '
		umount -l /proc || exit 99
		exec "$1" -- sh -c "echo \$\$; exec ls /proc"' sh "$PIDONE"
	[ -z "$stderr" ]
	# umount took a pid: the payload is not 2 here, but the only other one.
	set -- $output
	[ "$(proc_pids "${output#*$'\n'}")" = "1 $1" ]
}

@test "clone-based launcher, no /proc at all: left alone, payload runs" {
	local root=$BATS_TEST_TMPDIR/root
	[ -x /bin/busybox ] || skip "no static /bin/busybox for the chroot"
	if readelf -l "$PIDONE" 2>/dev/null | grep -q INTERP; then
		skip "pidone is dynamically linked: it cannot run in a bare chroot"
	fi
	mkdir -p "$root"
	cp "$PIDONE" "$root/pidone"
	cp /bin/busybox "$root/busybox"
	run -0 --separate-stderr unshare --mount --pid --fork -- \
		chroot "$root" /pidone -- /busybox sh -c 'echo $$; /busybox ls /'
	[ "$(echo $output)" = "2 busybox pidone" ]
	[ -z "$stderr" ]
}

@test "clone-based launcher, stale /proc, no CAP_SYS_ADMIN: one line, 125, no payload" {
	guard unshare --pid --fork -- \
		setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin -- \
		"$PIDONE" -- echo payload-ran
	[ "$RUN_STATUS" -eq 125 ]
	[ -z "$RUN_OUT" ]
	one_error_line /proc "Operation not permitted"
}

# --- refused mounts ---------------------------------------------------------

# The kernel refuses a new proc to a user namespace that does not own the
# mount namespace's proc ("mount too revealing") when the proc it can see is
# partly covered: here /proc/sys gets a tmpfs over it, in a private mount
# namespace made for the case (never on the host), and pidone then runs as
# uid 65534, so its user namespace is less privileged and inherits that
# mount locked.  unshare(1) first shows that the kernel refuses it here.
masked() {
	unshare --mount -- sh -c '
		mount -t tmpfs -o size=4k pidone-mask /proc/sys || exit 99
		cd / && exec setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	' sh "$@"
}

need_refusal() {
	need_userns
	if masked unshare --user --map-root-user --pid --fork \
		--mount-proc -- true 2>/dev/null; then
		skip "this kernel mounts proc under a masked /proc"
	fi
}

@test "refused mount, --pidns: one line (mount, reason, remedy), 125, no payload" {
	need_refusal
	run -125 --separate-stderr masked "$NOBODY_PIDONE" --pidns -- \
		echo payload-ran
	[ -z "$output" ]
	RUN_ERR=$stderr
	one_error_line "mount proc on /proc: " "Operation not permitted; "
	[[ $RUN_ERR == *"Operation not permitted; "?* ]]
}

@test "refused mount, rootless clone-based launcher: same line, 125, no payload" {
	need_refusal
	run -125 --separate-stderr masked unshare --user --map-root-user \
		--pid --fork -- "$NOBODY_PIDONE" -- echo payload-ran
	[ -z "$output" ]
	RUN_ERR=$stderr
	one_error_line "mount proc on /proc: " "Operation not permitted; "
}

# --- pause mode -------------------------------------------------------------

# proc_ready INIT: nsenter sees the namespace's own /proc (the init mounts it
# after the clone, so the first look may still see the old one).
proc_ready() {
	[ "$(nsenter --target "$1" --pid --mount -- cat /proc/1/comm 2>/dev/null)" = \
		"$(comm_of "$PIDONE")" ]
}

ns_no_children() {
	! ns_has_children "$1"
}

@test "-P: joinable with nsenter; orphans there are reaped; SIGTERM ends it with 0" {
	local relay init orphan out=$BATS_TEST_TMPDIR/out
	# argv[0] carries the marker; its basename keeps the pidone personality.
	(exec -a "/$MARK/pidone" "$PIDONE" --pidns -P >"$out" 2>&1 3>&-) 3>&- &
	relay=$!
	init=$(init_of "$relay")
	wait_until 10 proc_ready "$init"

	run -0 nsenter --target "$init" --pid --mount -- ps -e -o pid=,comm=
	[[ $(ps_table "$output") =~ ^1:$(comm_of "$PIDONE")\ [0-9]+:ps$ ]]

	# A process started there leaves a long-lived orphan and three that exit
	# at once; all are re-parented to the init.
	nsenter --target "$init" --pid --mount -- bash -c '
		(exec -a "$0" sleep 1000) &
		true & true & true &
		exit 0' "$MARK" >/dev/null 2>&1 3>&-
	wait_until 10 count_argv0 1
	orphan=$(marked | M=$MARK awk '$2 == ENVIRON["M"] { print $1 }')
	[[ " $(ns_children "$init") " == *" $orphan "* ]]
	kill -KILL "$orphan"
	# The children list holds zombies too: empty means every orphan was
	# reaped, and no zombie has the init as its parent.
	wait_until 5 ns_no_children "$init"

	kill -TERM "$relay"
	wait_exit "$relay" 10
	[ "$EXIT" -eq 0 ]
	wait_until 5 exited "$init"
	[ ! -s "$out" ]
}

@test "-P: SIGINT with processes left drains them and exits 0" {
	local relay init
	env --default-signal bash -c 'exec -a "$0" "$@"' "/$MARK/pidone" \
		"$PIDONE" --pidns -P -t 5 >/dev/null 2>&1 3>&- &
	relay=$!
	init=$(init_of "$relay")
	wait_until 10 proc_ready "$init"
	nsenter --target "$init" --pid --mount -- bash -c \
		'(exec -a "$0" sleep 1000) & exit 0' "$MARK" >/dev/null 2>&1 3>&-
	wait_until 10 count_argv0 1
	kill -INT "$relay"
	wait_exit "$relay" 10
	[ "$EXIT" -eq 0 ]
	wait_until 5 no_marked
}

# --- bad input --------------------------------------------------------------
# Run in a throwaway mount namespace, which must come out unchanged: nothing
# started, nothing mounted, one line, 125.

@test "bad input: --userns (-U) without --pidns" {
	local opt
	for opt in --userns -U; do
		in_box "$PIDONE" "$opt" -- echo payload-ran
		[ "$RUN_STATUS" -eq 125 ]
		[ -z "$RUN_OUT" ]
		one_error_line userns
	done
}

@test "bad input: --mount-proc with --no-mount-proc" {
	in_box "$PIDONE" --pidns --mount-proc --no-mount-proc -- echo payload-ran
	[ "$RUN_STATUS" -eq 125 ]
	[ -z "$RUN_OUT" ]
	one_error_line mount-proc
	in_box "$PIDONE" --no-mount-proc --mount-proc -- echo payload-ran
	[ "$RUN_STATUS" -eq 125 ]
	[ -z "$RUN_OUT" ]
	one_error_line mount-proc
	in_box unshare --pid --fork -- "$PIDONE" --mount-proc --no-mount-proc \
		-- echo payload-ran
	[ "$RUN_STATUS" -eq 125 ]
	[ -z "$RUN_OUT" ]
	one_error_line mount-proc
}

# A user namespace of the case's own, with a namespace limit set to 0
# (user.max_*_namespaces are per user namespace), stands in for a kernel
# without that namespace: clone fails with ENOSPC.
@test "bad input: no PID, mount or user namespace to be had" {
	local kind opt
	need_userns
	for kind in pid mnt user; do
		opt=
		[ $kind = user ] && opt=-U
		in_box unshare --user --map-root-user -- sh -c '
			echo 0 >/proc/sys/user/max_$1_namespaces || exit 99
			shift; exec "$@"' sh "$kind" "$PIDONE" --pidns $opt -- \
			echo payload-ran
		[ "$RUN_STATUS" -eq 125 ] || {
			echo "max_${kind}_namespaces=0: status $RUN_STATUS: $RUN_ERR" >&2
			return 1
		}
		[ -z "$RUN_OUT" ]
		one_error_line
	done
}
