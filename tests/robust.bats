#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Robustness (issue 9): what hostile users, restricted containers and odd
# hosts do to an init.  Fault signals sent with kill(), a stderr that fails,
# seccomp profiles that refuse the newer system calls, real-time signal
# names, processes that joined the namespace from outside, no /proc or
# another namespace's, children pidone may not kill, a recycled process
# group, mount propagation, chroots, scripts without "#!", long messages.
#
# Safety: pidone runs as PID 1 only inside PID namespaces these cases create
# (start_ns, pidone_ns, outer_ns, unshare --pid --fork --kill-child); every
# mount happens inside a mount namespace made private for the case.

load common
load drain

bats_require_minimum_version 1.5.0

setup() {
	drain_setup
	need_helper seccomp_deny suid_hold sigecho core_guard
	GUARD_PID='' D=''
}

teardown() {
	kill_guarded
	drain_teardown
	case $D in
	/tmp/pidone-robust.*) rm -rf -- "$D" ;;
	esac
}

faults=(SEGV ILL TRAP ABRT BUS FPE SYS)

# shared_dir: a directory uid 65534 can reach, with copies of pidone and
# the helpers in it (the checkout's own directories may be closed to it).
shared_dir() {
	D=$(mktemp -d /tmp/pidone-robust.XXXXXX)
	chmod 755 "$D"
	cp "$PIDONE" "$HELPERS/suid_hold" "$D/"
}

# --- signals -----------------------------------------------------------------

@test "fault signals sent with kill() reach the payload, as PID 1" {
	local s
	start_ns -- "$SIGECHO" WINCH
	wait_for_line "$T/out" ready
	for s in "${faults[@]}"; do
		kill -s "$s" "$INIT"
		wait_for_line "$T/out" "$s"
	done
	kill -s WINCH "$INIT"
	finish_ns
	is "$STATUS" 0 "exit status"
	is "$(cat "$T/out")" "$(printf '%s\n' ready "${faults[@]}" WINCH)" \
		"what the payload got"
}

@test "fault signals sent with kill() reach the payload, not PID 1" {
	local s p
	start_bg "$PIDONE" -- "$SIGECHO" WINCH
	wait_for_line "$T/out" ready
	p=$(children "$GUARD_PID")
	for s in "${faults[@]}"; do
		kill -s "$s" "$p"
		wait_for_line "$T/out" "$s"
	done
	kill -s WINCH "$p"
	wait_guard
	is "$status" 0 "exit status"
	is "$(cat "$T/out")" "$(printf '%s\n' ready "${faults[@]}" WINCH)" \
		"what the payload got"
}

# pidone with a stderr that fails from its first write: a pipe whose reader
# is gone (EPIPE) or a file at RLIMIT_FSIZE 0 (EFBIG).  python3 makes the
# setup exact: the reader is closed before pidone starts, and its child gets
# SIGPIPE and SIGXFSZ at their defaults, as from a shell.
failing_stderr() {
	python3 - "$@" <<'EOF'
import os, resource, subprocess, sys, time
how, env_kv, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
env = dict(os.environ)
if env_kv:
    k, v = env_kv.split("=", 1)
    env[k] = v
if how == "pipe":
    r, w = os.pipe()
    os.close(r)
    err, pre = w, None
else:
    err = open(how, "wb")
    pre = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
t0 = time.monotonic()
try:
    p = subprocess.run(argv, stderr=err, env=env, preexec_fn=pre,
                       stdin=subprocess.DEVNULL, timeout=10)
    print(p.returncode, int((time.monotonic() - t0) * 1000))
except subprocess.TimeoutExpired:
    print("timeout")
EOF
}

@test "a failing stderr at debug verbosity: no spin, the payload's status" {
	local how kv out
	for how in pipe "$T/log"; do
		for kv in "" DUMB_INIT_DEBUG=1 CATATONIT_DEBUG=1 PIDONE_VERBOSITY=4; do
			out=$(failing_stderr "$how" "$kv" "$PIDONE" -vv -- \
				sh -c 'sleep 0.3; exit 3')
			echo "stderr $how, env [$kv]: $out"
			[ "${out% *}" = 3 ]
			[ "${out#* }" -lt 5000 ]
		done
	done
}

@test "SIGPIPE and SIGXFSZ: ignored by pidone, the payload gets them as pidone did" {
	local dfl ign
	# SigIgn bit 12 is SIGPIPE (13), bit 24 SIGXFSZ (25).
	dfl=$(timeout 10 "$PIDONE" -- awk '/^SigIgn/ { print $2 }' /proc/self/status)
	ign=$(timeout 10 bash -c 'trap "" PIPE XFSZ; exec "$1" -- awk "/^SigIgn/ { print \$2 }" /proc/self/status' _ "$PIDONE")
	echo "payload SigIgn: default $dfl, ignored $ign"
	(( (16#$dfl & 0x1001000) == 0 ))
	(( (16#$ign & 0x1001000) == 0x1001000 ))
	start_bg "$PIDONE" -- "$SIGECHO" USR1
	wait_for_line "$T/out" ready
	sig_in SigIgn "$(children "$GUARD_PID")" 13
	sig_in SigIgn "$(children "$GUARD_PID")" 25
	kill -s USR1 "$(children "$GUARD_PID")"
	wait_guard
}

@test "RTMIN+n and RTMAX-n mean what bash, kill and systemd mean (RTMIN = 34)" {
	start_ns -r RTMIN+3:USR1 -r RTMAX-1:USR2 -r RTMIN:HUP -- "$SIGECHO" WINCH
	wait_for_line "$T/out" ready
	kill -s RTMIN+3 "$INIT"
	wait_for_line "$T/out" USR1
	kill -s 63 "$INIT"
	wait_for_line "$T/out" USR2
	kill -s 34 "$INIT"
	wait_for_line "$T/out" HUP
	kill -s RTMIN+4 "$INIT"
	wait_for_line "$T/out" RTMIN+4
	kill -s WINCH "$INIT"
	finish_ns
	is "$STATUS" 0 "exit status"
	is "$(cat "$T/out")" "$(printf '%s\n' ready USR1 USR2 HUP RTMIN+4 WINCH)"
}

@test "RTMIN names in pidone's own lines follow the same numbering" {
	run -0 --separate-stderr pidone_ns -vvvv -r RTMIN+3:RTMAX -- \
		bash -c 'trap "exit 0" RTMAX; kill -s RTMIN+3 1; while :; do sleep 0.05; done'
	echo "$stderr"
	grep -qF 'forwarding SIGRTMIN+3 as SIGRTMAX' <<<"$stderr"
}

# --- seccomp profiles --------------------------------------------------------

# A payload that needs no rt_sigtimedwait of its own (the filter is
# inherited): it reports USR1, exits 5 on TERM.
trap_payload() {
	cat >"$T/trap.sh" <<EOF
trap 'echo USR1 >>"$T/got"' USR1
trap 'exit 5' TERM
echo ready >"$T/ready"
while :; do sleep 0.05; done
EOF
}

@test "rt_sigtimedwait refused (EPERM, ENOSYS): a signalfd, quietly; reaps, forwards, drains" {
	local e
	trap_payload
	for e in EPERM ENOSYS; do
		rm -f "$T/got" "$T/ready"
		PRE=("$HELPERS/seccomp_deny" "rt_sigtimedwait:$e")
		start_ns -- bash "$T/trap.sh"
		wait_for_line "$T/ready" ready
		kill -s USR1 "$INIT"
		wait_for_line "$T/got" USR1
		kill -s TERM "$INIT"
		finish_ns
		is "$STATUS" 5 "exit status ($e)"
		is "$(cat "$T/err")" "" "stderr ($e)"
	done
	# The drain's deadline on the signalfd: a leftover that ignores TERM.
	local t0
	t0=$(now_us)
	run -3 --separate-stderr timeout -k 5 30 unshare --pid --fork \
		--mount-proc --kill-child -- "$HELPERS/seccomp_deny" \
		rt_sigtimedwait:EPERM "$PIDONE" -t 0.5 -- \
		sh -c ". '$LIB'; sh -c 'trap \"\" TERM; echo ready >\"\$0\"; sleep 20' '$T/left' & await '$T/left' ready; exit 3"
	within $(($(now_us) - t0)) 400 5000
	is "$stderr" "" "stderr"
}

@test "rt_sigtimedwait and signalfd both refused: 125, one line, nothing started" {
	# Only the first 4 KiB of stderr is kept: a pidone that spins on the
	# refused wait prints without end, and must not fill the disk.
	run -125 --separate-stderr bash -c 'timeout -k 2 10 "$@" 2>&1 >/dev/null |
		head -c 4096 >&2; exit "${PIPESTATUS[0]}"' _ \
		"$HELPERS/seccomp_deny" rt_sigtimedwait:EPERM,signalfd4:EPERM \
		"$PIDONE" -- touch "$T/started"
	one_error_line
	[ ! -e "$T/started" ]
}

# relay_term CALL:ERRNO: pidone --pidns under a filter refusing CALL; a
# SIGTERM to the relay must reach the payload (exit 5).
relay_term() {
	local r relay
	rm -f "$T/ready"
	timeout -k 5 20 "$HELPERS/seccomp_deny" "$1" "$PIDONE" --pidns -- \
		bash "$T/trap.sh" </dev/null >"$T/out" 2>"$T/err" 3>&- &
	r=$!
	wait_for_line "$T/ready" ready
	relay=$(kids "$r")
	kill -s TERM "$relay"
	STATUS=0
	wait "$r" || STATUS=$?
	is "$STATUS" 5 "exit status with $1 refused"
	is "$(cat "$T/err")" "" "stderr with $1 refused"
}

@test "--pidns: pidfd_send_signal, pidfd_open, clone3, close_range refused: signals still reach the payload" {
	local c e
	trap_payload
	for c in pidfd_send_signal pidfd_open clone3 close_range; do
		for e in ENOSYS EPERM; do
			relay_term "$c:$e"
		done
	done
}

@test "close_range refused: pidone closes the fds /proc/self/fd lists, not every number" {
	sanitized && skip "the sanitizer runtime does not run under ptrace"
	command -v strace >/dev/null || skip "strace not installed"
	run -0 --separate-stderr timeout 20 strace -f -qq -e trace=close \
		-o "$T/trace" "$HELPERS/seccomp_deny" close_range:ENOSYS \
		bash -c 'exec 7>/dev/null 4000>/dev/null; exec "$0" -- true' "$PIDONE"
	# pidone's closes: 7 and 4000 among them, and not thousands.
	# (strace -f may split a call: "close(4000 <unfinished ...>")
	grep -q 'close(4000[ )]' "$T/trace"
	[ "$(grep -c 'close(' "$T/trace")" -lt 200 ]
}

@test "close_range refused: inherited fds near the limit are closed in pidone, kept in the payload" {
	local p max
	max=$(ulimit -n)
	start_bg "$HELPERS/seccomp_deny" close_range:EPERM bash -c \
		'exec 9>/dev/null; exec '"$((max - 1))"'>/dev/null; exec "$0" -- "$1" USR1' \
		"$PIDONE" "$SIGECHO"
	wait_for_line "$T/out" ready
	p=$(children "$GUARD_PID")
	wait_until 10 test ! -e "/proc/$p/fd/$((max - 1))"
	[ ! -e "/proc/$p/fd/9" ]
	[ -e "/proc/$(children "$p")/fd/$((max - 1))" ]
	[ -e "/proc/$(children "$p")/fd/9" ]
	kill -s USR1 "$p"
	wait_guard
	is "$status" 0 "exit status"
}

# --- the drain -----------------------------------------------------------------

# has_kids PID: PID has a child (nsenter has forked into the namespace).
has_kids() {
	[ -n "$(kids "$1")" ]
}

@test "drain: a process that joined the namespace ends the drain as it goes (docker exec, nsenter)" {
	local j t0
	start_ns -t 20 -- sh -c ". '$LIB'; await '$T/go' go; exit 4"
	nsenter -t "$INIT" -p -- sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
	j=$!
	wait_until 10 has_kids "$j"
	t0=$(now_us)
	echo go >"$T/go"
	finish_ns
	is "$STATUS" 4 "exit status"
	within $(($(now_us) - t0)) 0 3000
	wait "$j" || true
}

@test "drain: pause mode with a joined process stops as soon as it is gone" {
	local j t0
	start_ns -t 20 -P
	nsenter -t "$INIT" -p -- sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
	j=$!
	wait_until 10 has_kids "$j"
	t0=$(now_us)
	kill -s TERM "$INIT"
	finish_ns
	is "$STATUS" 0 "exit status"
	within $(($(now_us) - t0)) 0 3000
	wait "$j" || true
}

# not_pid1_drain PREFIX...: in a PID namespace made for the case, with the
# /proc that PREFIX leaves, pidone (not PID 1) whose payload leaves one
# orphan in its own session and one in its group.
not_pid1_drain() {
	local t0
	cat >"$T/inner.sh" <<EOF
"$PIDONE" -t 1 -- sh -c 'setsid sleep 1000 & sleep 1000 & sleep 0.3'
echo "status \$?" >"$T/status"
EOF
	t0=$(now_us)
	run --separate-stderr timeout -k 5 20 unshare --pid --fork --kill-child \
		"$@" bash "$T/inner.sh"
	echo "$stderr"
	is "$(cat "$T/status")" "status 0" "pidone's status"
	within $(($(now_us) - t0)) 800 5000
	grep -q 'warning: cannot list or signal every process' <<<"$stderr"
}

@test "drain, not PID 1, no /proc at all: says so, exits when the grace ends" {
	not_pid1_drain --mount-proc -- sh -c 'umount -l /proc && exec "$@"' sh
}

@test "drain, not PID 1, /proc of another PID namespace: never trusted" {
	not_pid1_drain --
}

@test "drain: a child pidone may not kill (setuid root) does not hold it" {
	shared_dir
	chown root:root "$D/suid_hold"
	chmod 4755 "$D/suid_hold"
	cat >"$D/payload" <<'EOF'
"$1/suid_hold" 30 >"$1/held.$$" &
i=0
until grep -q ready "$1/held.$$" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 1000 ] || exit 99; sleep 0.01
done
EOF
	chmod 1777 "$D"
	local t0
	cat >"$T/inner.sh" <<EOF
setpriv --reuid=65534 --regid=65534 --clear-groups -- "$D/pidone" -t 1 -- sh "$D/payload" "$D"
echo "status \$?" >"$T/status"
EOF
	t0=$(now_us)
	run --separate-stderr outer_ns "$T/inner.sh"
	echo "$stderr"
	is "$(cat "$T/status")" "status 0" "pidone's status"
	within $(($(now_us) - t0)) 800 8000
	grep -qE 'warning: kill [0-9]+ SIGKILL: Operation not permitted; not waiting for it' <<<"$stderr"
}

@test "drain: a process group whose number was recycled is not signalled" {
	cat >"$T/inner.sh" <<EOF
"$PIDONE" -t 4 -- sh -c 'setsid sh -c "trap \"\" TERM; exec sleep 8" & echo \$\$ >"$T/pp"; exit 0' &
p1=\$!
i=0
until [ -s "$T/pp" ]; do
	i=\$((i + 1)); [ \$i -lt 1000 ] || exit 99; sleep 0.01
done
pp=\$(cat "$T/pp")
i=0
while [ -e /proc/\$pp ]; do
	i=\$((i + 1)); [ \$i -lt 1000 ] || exit 99; sleep 0.01
done
echo \$((pp - 1)) >/proc/sys/kernel/ns_last_pid
setsid sleep 100 &
b=\$!
[ "\$b" = "\$pp" ] || { echo "pid \$pp not reused (got \$b)"; exit 98; }
wait \$p1
kill -0 \$b && echo alive || echo killed
EOF
	run -0 --separate-stderr outer_ns "$T/inner.sh"
	echo "$output"
	is "$output" alive "the process that got the payload's old number"
}

# --- namespaces and exec -------------------------------------------------------

# in_private_mntns SCRIPT: run bash SCRIPT in a mount namespace of the
# case's own whose mounts are private (nothing reaches the host); inside,
# $T/a is a tmpfs marked shared, as / is under systemd.
in_private_mntns() {
	timeout -k 5 20 unshare --mount --propagation private -- bash -c '
		mkdir -p "$1/a" && mount -t tmpfs none "$1/a" &&
		mount --make-shared "$1/a" && mkdir "$1/a/sub" "$1/a/gone" &&
		mount -t tmpfs none "$1/a/gone" && . "$2"' _ "$T" "$1" 3>&-
}

@test "--pidns --no-mount-proc: the new mount namespace is private all the same" {
	cat >"$T/inner.sh" <<EOF
"$PIDONE" --pidns --no-mount-proc -- sh -c 'mount -t tmpfs none "$T/a/sub" && umount "$T/a/gone"'
echo "status \$?"
mountpoint -q "$T/a/sub" && echo "mount leaked" || echo "mount stayed inside"
mountpoint -q "$T/a/gone" && echo "unmount stayed inside" || echo "unmount leaked"
EOF
	run -0 in_private_mntns "$T/inner.sh"
	echo "$output"
	is "$output" "$(printf '%s\n' 'status 0' 'mount stayed inside' 'unmount stayed inside')"
}

@test "--pidns in a chroot (/ not a mount point): 125 and what to do" {
	sanitized && skip "the sanitizer build is dynamic: it cannot run in an empty chroot"
	mkdir -p "$T/root/proc"
	cp "$PIDONE" "$T/root/pidone"
	run -125 --separate-stderr timeout 10 chroot "$T/root" /pidone --pidns -- /pidone -V
	one_error_line
	[[ $stderr == *"/ is not a mount point (a chroot?)"*"mount --bind"* ]]
}

@test "--pidns without a /proc directory: 125 and what to do" {
	sanitized && skip "the sanitizer build is dynamic: it cannot run in an empty chroot"
	mkdir -p "$T/root"
	cp "$PIDONE" "$T/root/pidone"
	cat >"$T/inner.sh" <<EOF
mount --bind "$T/root" "$T/root" && chroot "$T/root" /pidone --pidns -- /pidone -V
EOF
	run -125 --separate-stderr timeout -k 5 20 unshare --mount --propagation private -- bash "$T/inner.sh"
	one_error_line
	[[ $stderr == *"there is no /proc directory"*"--no-mount-proc"* ]]
}

@test "a script without #! runs under /bin/sh, by path and through PATH" {
	printf 'echo "ran $0 $*"\nexit 3\n' >"$T/noshebang"
	chmod +x "$T/noshebang"
	run -3 timeout 10 "$PIDONE" -- "$T/noshebang" a b
	is "$output" "ran $T/noshebang a b"
	PATH="$T:$PATH" run -3 timeout 10 "$PIDONE" -- noshebang c
	is "$output" "ran $T/noshebang c"
	# Not found and not executable keep their codes.
	run -127 timeout 10 "$PIDONE" -- "$T/missing"
	chmod -x "$T/noshebang"
	run -126 timeout 10 "$PIDONE" -- "$T/noshebang"
}

@test "a long program path does not push the reason off the error line" {
	local p
	p=$T$(printf '/%0100d' 1 2 3 4 5 6 7 8)/missing
	run -127 --separate-stderr timeout 10 "$PIDONE" -- "$p"
	one_error_line
	[[ $stderr == *": No such file or directory" ]]
	[[ $stderr == *"..."* ]]
}
