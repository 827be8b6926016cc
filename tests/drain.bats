#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The drain (SPEC §4): when the payload is gone and other processes are
# left, pidone sends them SIGTERM (and SIGCONT), waits up to the grace time
# while reaping, then SIGKILLs what is left and exits with the payload's
# status.  Every case runs pidone as PID 1 of a PID namespace made for it,
# except "not PID 1", which runs it as an ordinary process inside an outer
# namespace of its own.

bats_require_minimum_version 1.5.0

load common
load drain

setup() {
	drain_setup
}

teardown() {
	drain_teardown
}

# A payload that starts one drain_trap in MODE (stay or exit) writing to
# $T/left, waits until it is ready, notes the time and exits with CODE.
# Usage: leftover_payload MODE CODE [MS]; then run bash "$T/payload".
leftover_payload() {
	cat >"$T/payload" <<EOF
. "$LIB"
"$TRAP" "$T/left" $1 ${3:-0} &
await "$T/left" "ready \$!"
echo "\${EPOCHREALTIME//[!0-9]/}" >"$T/t0"
exit $2
EOF
}

# since_t0: microseconds from the payload's exit (as it noted) to now.
since_t0() {
	echo $(($(now_us) - $(cat "$T/t0")))
}

left_pid() {
	local l
	read -r l <"$T/left"
	echo "${l#ready }"
}

# reaped_by_kill PID FILE: pidone's -w line in FILE says PID was reaped,
# killed by SIGKILL.
reaped_by_kill() {
	if ! grep -qE "reaped.*[^0-9]$1([^0-9].*)?KILL" "$2"; then
		echo "no -w line saying $1 was reaped after SIGKILL"
		return 1
	fi
}

@test "drain: a child that traps TERM gets it and finishes its cleanup" {
	# The cleanup takes 0.5 s (a log shipper flushing); the default grace
	# of 3 s leaves it time to finish.
	# "ready" only once the background sleep exists, so the drain's TERM
	# reaches it too.  A short sleep, looped: sh's child can still be
	# between fork and exec when the TERM comes, and lose it; then it only
	# outlives the drain's TERM by a second.
	cat >"$T/child" <<'EOF'
trap 'sleep 0.5; echo "got TERM" >"$1"; exit 0' TERM
while :; do sleep 1 & echo ready >"$1.ready"; wait $!; done
EOF
	cat >"$T/payload" <<EOF
. "$LIB"
sh "$T/child" "$T/trapped" &
await "$T/trapped.ready" ready
exit 7
EOF
	run -7 pidone_ns -- sh "$T/payload"
	[ -f "$T/trapped" ]
	is "$(cat "$T/trapped")" "got TERM" "the child's file"
}

@test "drain: ends as soon as the last leftover is gone, not at the grace" {
	leftover_payload exit 0 200
	run -0 pidone_ns -t 30 -- bash "$T/payload"
	within "$(since_t0)" 0 10000
	is "$(sed 1d "$T/left" | grep -v CONT)" $'TERM\ndone' "the leftover saw"
}

@test "drain: a child that ignores TERM is SIGKILLed after the grace" {
	leftover_payload stay 3
	run -3 --separate-stderr pidone_ns -w -t 1 -- bash "$T/payload"
	within "$(since_t0)" 900 3000
	# It saw the TERM first and was still running when the KILL came.
	grep -qx TERM "$T/left"
	echo "$stderr" >"$T/err"
	reaped_by_kill "$(left_pid)" "$T/err"
}

@test "drain: -t 0 exits at once" {
	leftover_payload stay 3
	run -3 pidone_ns -t 0 -- bash "$T/payload"
	within "$(since_t0)" 0 1000
}

@test "drain: fractional grace: -t 0.5" {
	leftover_payload stay 4
	run -4 pidone_ns -t 0.5 -- bash "$T/payload"
	within "$(since_t0)" 400 2500
	grep -qx TERM "$T/left"
}

@test "drain: PIDONE_GRACE=0.5 sets the grace" {
	leftover_payload stay 4
	PIDONE_GRACE=0.5 run -4 pidone_ns -- bash "$T/payload"
	within "$(since_t0)" 400 2500
	grep -qx TERM "$T/left"
}

@test "drain: -t overrides PIDONE_GRACE" {
	leftover_payload stay 4
	PIDONE_GRACE=30 run -4 pidone_ns -t 0.5 -- bash "$T/payload"
	within "$(since_t0)" 400 2500
}

@test "drain: other signals during the drain change nothing, SIGTERM included" {
	# Everybody already got a SIGTERM; a pod's infra broadcasts another
	# one, which must not cut the others' cleanup short.
	leftover_payload stay 4
	start_ns -t 2 -- bash "$T/payload"
	wait_for_line "$T/left" TERM
	kill -HUP "$INIT"
	kill -USR1 "$INIT"
	kill -TERM "$INIT"
	finish_ns
	is "$STATUS" 4 "exit status"
	within "$(since_t0)" 1900 4000
}

@test "drain: reaps what the leftovers start and end during it" {
	# On TERM the leftover forks five short-lived orphans, then finishes:
	# pidone reaps them all and is done well before the grace.  (The
	# looped sleep is short for the reason given in the first case.)
	cat >"$T/child" <<'EOF'
trap 'for i in 1 2 3 4 5; do (sleep 0.2 &); done; sleep 0.5; echo done >"$1"; exit 0' TERM
while :; do sleep 1 & echo ready >"$1.ready"; wait $!; done
EOF
	cat >"$T/payload" <<EOF
. "$LIB"
sh "$T/child" "$T/trapped" &
await "$T/trapped.ready" ready
exit 0
EOF
	local t0
	t0=$(now_us)
	run -0 --separate-stderr pidone_ns -w -t 20 -- sh "$T/payload"
	within $(($(now_us) - t0)) 0 10000
	is "$(cat "$T/trapped")" 'done' "the leftover's file"
	echo "$stderr" >"$T/err"
	[ "$(grep -c 'reaped.*exit 0' "$T/err")" -ge 6 ]
}

@test "drain: with nothing left, exits at once whatever the grace" {
	local g t0
	for g in 0 2 0.25 1.5 30 86400; do
		t0=$(now_us)
		run -0 pidone_ns -t "$g" -- true
		within $(($(now_us) - t0)) 0 2000
	done
	t0=$(now_us)
	run -0 pidone_ns --grace 30 -- true
	within $(($(now_us) - t0)) 0 2000
}

drain_then_signal() {
	leftover_payload stay 4
	start_ns -w -t 30 -- bash "$T/payload"
	# The drain has begun once the leftover reports the TERM.
	wait_for_line "$T/left" TERM
	local t0
	t0=$(now_us)
	kill -s "$1" "$INIT"
	finish_ns
	is "$STATUS" 4 "exit status"
	within $(($(now_us) - t0)) 0 5000
	reaped_by_kill "$(left_pid)" "$T/err"
}

@test "drain: SIGQUIT to pidone during the drain SIGKILLs the rest at once" {
	drain_then_signal QUIT
}

@test "drain: SIGINT to pidone during the drain SIGKILLs the rest at once" {
	drain_then_signal INT
}

@test "drain: a stopped leftover is continued and handles TERM" {
	cat >"$T/payload" <<EOF
. "$LIB"
"$TRAP" "$T/left" exit 100 &
p=\$!
await "$T/left" "ready \$p"
kill -STOP \$p
await_state \$p T
echo stopped >"$T/stopped"
exit 5
EOF
	local t0
	t0=$(now_us)
	run -5 pidone_ns -t 10 -- bash "$T/payload"
	is "$(cat "$T/stopped")" stopped "the payload stopped the leftover"
	# Without a SIGCONT it would have stayed stopped until the KILL at 10 s.
	grep -qx TERM "$T/left"
	grep -qx 'done' "$T/left"
	within $(($(now_us) - t0)) 0 8000
}

@test "drain: not PID 1, reaches the payload's group and adopted orphans only" {
	# Outer namespace: bash is PID 1, starts a sibling (not under pidone)
	# and then pidone as an ordinary process (a subreaper).  Even a pidone
	# that wrongly kill(-1)s cannot reach past this namespace.
	cat >"$T/outer" <<EOF
. "$LIB"
"$TRAP" "$T/sibling" stay &
s=\$!
await "$T/sibling" "ready \$s"
"$PIDONE" -v -w -t 2 -- sh "$T/payload" 2>"$T/err"
echo \$? >"$T/status"
if [ -d /proc/\$s ] && [ "\$(proc_state \$s)" != Z ]; then
	echo alive >"$T/sibling.alive"
fi
kill -KILL \$s
wait
EOF
	# The payload leaves two processes behind: X, in its process group,
	# under a parent that ignores TERM and outlives it, so only a signal
	# to the group reaches X; and Y, in a session of its own, re-parented
	# to pidone when the payload exits.
	cat >"$T/payload" <<EOF
. "$LIB"
echo \$PPID >"$T/pidone.pid"
sh -c 'trap "" TERM; "$TRAP" "$T/group" exit 100 & wait' &
setsid "$TRAP" "$T/orphan" exit 100 &
i=0
while ! grep -q '^ready ' "$T/group" 2>/dev/null; do
	i=\$((i + 1)); [ \$i -lt 1000 ] || exit 99; sleep 0.01
done
await "$T/orphan" "ready \$!"
exit 6
EOF
	run -0 outer_ns "$T/outer"
	is "$(cat "$T/status")" 6 "pidone's exit status"
	[ "$(cat "$T/pidone.pid")" -ne 1 ]
	grep -q subreaper "$T/err"
	is "$(sed 1d "$T/group" | grep -v CONT)" $'TERM\ndone' "the group member saw"
	is "$(sed 1d "$T/orphan" | grep -v CONT)" $'TERM\ndone' "the orphan saw"
	# The sibling got nothing and is still running.
	is "$(sed 1d "$T/sibling")" "" "the sibling saw"
	[ -f "$T/sibling.alive" ]
}

@test "drain: bad -t and PIDONE_GRACE values exit 125 with one line" {
	local v
	for v in -1 abc 1.2345 86401 '' 1e3 0x10 2s 1,5 inf nan; do
		run -125 --separate-stderr pidone_ns -t "$v" -- touch "$T/ran"
		one_error_line
		[ -z "$v" ] || [[ $stderr == *"$v"* ]]
		[ ! -e "$T/ran" ]
	done
	for v in abc -1 1.2345 86401 0x10; do
		PIDONE_GRACE=$v run -125 --separate-stderr pidone_ns -- touch "$T/ran"
		one_error_line
		[[ $stderr == *PIDONE_GRACE* ]]
		[ ! -e "$T/ran" ]
	done
}
