#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Process control (SPEC §1-§3, §6): signal rewriting (-r), setsid mode and
# job control, pause mode (-P), LISTEN_PID, and the fds pidone lets go of.
# pidone runs as PID 1 of a PID namespace each case makes, or, where it
# must not be PID 1, as an ordinary process inside such a namespace.

bats_require_minimum_version 1.5.0

load common
load drain

setup() {
	drain_setup
}

teardown() {
	drain_teardown
}

# out_is TEXT: what the payload (sigecho) printed, exactly.
out_is() {
	is "$(cat "$T/out")" "$1" "the payload's output"
}

# --- rewriting ---------------------------------------------------------

@test "rewrite: -r TERM:QUIT delivers QUIT, in every spelling" {
	local spec
	for spec in TERM:QUIT sigterm:SIGQUIT SIGTERM:quit 15:3 Term:3; do
		start_ns -r "$spec" -- "$SIGECHO" WINCH
		wait_for_line "$T/out" ready
		kill -TERM "$INIT"
		wait_for_line "$T/out" QUIT
		# WINCH is sent after, and has a higher number than TERM: a
		# TERM forwarded as well would show up before it.
		kill -WINCH "$INIT"
		finish_ns
		is "$STATUS" 0 "exit status with -r $spec"
		out_is $'ready\nQUIT\nWINCH'
	done
}

@test "rewrite: -r 15:0 drops TERM and the payload keeps running" {
	start_ns -r 15:0 -- "$SIGECHO" WINCH
	wait_for_line "$T/out" ready
	send TERM
	kill -WINCH "$INIT"
	finish_ns
	is "$STATUS" 0 "exit status"
	out_is $'ready\nWINCH'
}

@test "rewrite: -r USR1:USR2 -r USR2:USR1 swaps them" {
	start_ns -r USR1:USR2 -r USR2:USR1 -- "$SIGECHO" WINCH
	wait_for_line "$T/out" ready
	kill -USR1 "$INIT"
	wait_for_line "$T/out" USR2
	kill -USR2 "$INIT"
	wait_for_line "$T/out" USR1
	kill -WINCH "$INIT"
	finish_ns
	is "$STATUS" 0 "exit status"
	out_is $'ready\nUSR2\nUSR1\nWINCH'
}

@test "rewrite: to a real-time signal by number" {
	start_ns -r USR1:40 -- "$SIGECHO" WINCH
	wait_for_line "$T/out" ready
	kill -USR1 "$INIT"
	wait_for_line "$T/out" RTMIN+6
	kill -WINCH "$INIT"
	finish_ns
	is "$STATUS" 0 "exit status"
	out_is $'ready\nRTMIN+6\nWINCH'
}

@test "rewrite: -r USR1:STOP stops the payload, CONT resumes it" {
	local c
	start_ns -r USR1:STOP -- "$SIGECHO" WINCH
	wait_for_line "$T/out" ready
	c=$(payload_pid)
	kill -USR1 "$INIT"
	wait_until 10 in_state "$c" T
	kill -CONT "$INIT"
	wait_for_line "$T/out" CONT
	wait_until 10 not_in_state "$c" T
	kill -WINCH "$INIT"
	finish_ns
	is "$STATUS" 0 "exit status"
	out_is $'ready\nCONT\nWINCH'
}

@test "rewrite: bad specs exit 125 with one line, nothing started" {
	local spec
	for spec in 99:1 TERM x:y KILL:TERM STOP:TERM TERM:65 TERM:bogus \
	    :TERM TERM: '' TERM:QUIT:HUP; do
		run -125 --separate-stderr pidone_ns -r "$spec" -- \
			touch "$T/ran"
		one_error_line
		[ ! -e "$T/ran" ]
	done
}

# --- setsid mode ---------------------------------------------------------

# ids ARGS...: "PID PGRP SID" of the payload started by pidone ARGS.
ids() {
	run -0 pidone_ns "$@" -- sh -c 'set -- $(cat /proc/$$/stat); echo $1 $5 $6'
	read -r pid pgrp sid <<<"$output"
}

@test "setsid: --setsid and DUMB_INIT_SETSID=1 make the payload a session leader" {
	local pid pgrp sid
	ids --setsid
	is "$pgrp $sid" "$pid $pid" "--setsid: pgrp and sid of pid $pid"
	DUMB_INIT_SETSID=1 ids
	is "$pgrp $sid" "$pid $pid" "DUMB_INIT_SETSID=1: pgrp and sid of pid $pid"
}

@test "setsid: otherwise the payload leads a process group, not a session" {
	local pid pgrp sid args
	for args in "" -c -g; do
		ids $args
		is "$pgrp" "$pid" "pidone $args: pgrp of pid $pid"
		[ "$sid" != "$pid" ]
	done
	DUMB_INIT_SETSID=0 ids
	is "$pgrp" "$pid" "DUMB_INIT_SETSID=0: pgrp of pid $pid"
	[ "$sid" != "$pid" ]
}

@test "setsid: DUMB_INIT_SETSID other than 0, empty included, means setsid (dumb-init's rule)" {
	local v pid pgrp sid
	for v in '' 2 yes -1 10 ' 0'; do
		DUMB_INIT_SETSID=$v ids
		is "$pgrp $sid" "$pid $pid" "DUMB_INIT_SETSID='$v': pgrp and sid of pid $pid"
	done
}

@test "setsid: the payload's group gets the signals (a grandchild sees them)" {
	local how
	for how in --setsid DUMB_INIT_SETSID=1; do
		rm -f "$T/grandchild"
		# The payload shell ignores USR1; sigecho, its child in its
		# group, reports it.
		if [ "$how" = --setsid ]; then
			start_ns --setsid -- sh -c \
			    'trap "" USR1; "$0" USR1 >"$1"; echo "rc=$?"' \
			    "$SIGECHO" "$T/grandchild"
		else
			DUMB_INIT_SETSID=1 start_ns -- sh -c \
			    'trap "" USR1; "$0" USR1 >"$1"; echo "rc=$?"' \
			    "$SIGECHO" "$T/grandchild"
		fi
		wait_for_line "$T/grandchild" ready
		kill -USR1 "$INIT"
		finish_ns
		is "$STATUS" 0 "exit status ($how)"
		is "$(cat "$T/grandchild")" $'ready\nUSR1' "the grandchild saw ($how)"
		out_is rc=0
	done
}

@test "setsid: TSTP to pidone stops the payload (as STOP), CONT resumes it" {
	local c
	start_ns --setsid -- "$SIGECHO" WINCH
	wait_for_line "$T/out" ready
	c=$(payload_pid)
	kill -TSTP "$INIT"
	wait_until 10 in_state "$c" T
	kill -CONT "$INIT"
	wait_for_line "$T/out" CONT
	wait_until 10 not_in_state "$c" T
	kill -WINCH "$INIT"
	finish_ns
	is "$STATUS" 0 "exit status"
	# sigecho catches TSTP: had it been forwarded as TSTP, it would say so.
	out_is $'ready\nCONT\nWINCH'
}

@test "setsid: not PID 1, TSTP stops the payload and pidone itself, CONT both" {
	cat >"$T/outer" <<EOF
. "$LIB"
"$PIDONE" --setsid -- "$SIGECHO" WINCH >"$T/out" 2>"$T/err" &
p=\$!
await "$T/out" ready
c=\$(cat /proc/\$p/task/*/children)
c=\${c%% *}
kill -TSTP \$p
await_state \$c T
await_state \$p T
echo stopped >"$T/stopped"
kill -CONT \$p
await "$T/out" CONT
if [ "\$(proc_state \$p)" != T ] && [ "\$(proc_state \$c)" != T ]; then
	echo resumed >"$T/resumed"
fi
kill -WINCH \$p
wait \$p
echo \$? >"$T/status"
EOF
	run -0 outer_ns "$T/outer"
	[ -f "$T/stopped" ]
	[ -f "$T/resumed" ]
	is "$(cat "$T/status")" 0 "exit status"
	out_is $'ready\nCONT\nWINCH'
}

# The terminal cases need tmux; the namespace's PID 1 runs in its pane.
need_tmux() {
	command -v tmux >/dev/null || skip "tmux is not installed"
}

@test "setsid in a pty: the payload owns the terminal; the kernel's HUP/CONT are not forwarded" {
	need_tmux
	local c
	# setsid -c: pidone leads the session and has the terminal, as
	# under `docker run -it`; giving it up makes the kernel send SIGHUP
	# and SIGCONT to pidone's group.
	tmux_start "exec unshare --pid --fork --mount-proc --kill-child \
		setsid -c '$PIDONE' --setsid -- \
		sh -c 'exec \"\$0\" WINCH >\"\$1\"' '$SIGECHO' '$T/out'"
	wait_until 10 grep -qx ready "$T/out"
	INIT=$(child_of "$(pane_pid)")
	c=$(child_of "$INIT")
	# Session leader, with the pane's terminal, in the foreground.
	is "$(stat_field "$c" 6)" "$c" "session of the payload"
	[ "$(stat_field "$c" 7)" != 0 ]
	is "$(stat_field "$c" 8)" "$c" "foreground group of its terminal"
	kill -WINCH "$INIT"
	wait_until 10 grep -qx WINCH "$T/out"
	out_is $'ready\nWINCH'
}

@test "setsid in a pty: Ctrl-Z stops pidone and the payload, fg resumes them" {
	need_tmux
	local sh p c
	# An interactive shell (PID 1 of an outer namespace) runs pidone as
	# a job, as on a developer's terminal: Ctrl-Z sends TSTP to pidone's
	# group; the payload, in a session of its own, gets STOP from pidone.
	tmux_start "cd / && exec env PS1='jc\$ ' ENV=/dev/null \
		unshare --pid --fork --mount-proc --kill-child sh -i"
	wait_pane 10 '^jc\$'
	keys "'$PIDONE' --setsid -- sleep 1000" Enter
	sh=$(child_of "$(pane_pid)")
	p=$(child_of "$sh")
	c=$(child_of "$p")
	keys C-z
	wait_until 10 in_state "$c" T
	wait_until 10 in_state "$p" T
	wait_pane 10 'Stopped'
	keys fg Enter
	wait_until 10 not_in_state "$c" T
	wait_until 10 not_in_state "$p" T
	# Ctrl-C: INT to pidone's group, forwarded to the payload's.
	keys C-c
	wait_until 10 not test -d "/proc/$p"
	keys 'echo "rc=$?"' Enter
	wait_pane 10 '^rc=130$'
}

# dead PID: PID has exited (a zombie, or reaped).
dead() {
	local st
	st=$(state "$1") || return 0
	[ "$st" = Z ]
}

@test "setsid in a pty: an interactive sh inside has job control" {
	need_tmux
	local sh s
	tmux_start "cd / && env PS1='jc\$ ' ENV=/dev/null \
		unshare --pid --fork --mount-proc --kill-child \
		setsid -c '$PIDONE' --setsid -- sh -i; echo \"rc=\$?\" >'$T/rc'"
	wait_pane 10 '^jc\$'
	keys 'sleep 1000 &' Enter
	keys jobs Enter
	wait_pane 10 '^\[1\] \+ Running +sleep 1000'
	INIT=$(child_of "$(child_of "$(pane_pid)")")
	sh=$(child_of "$INIT")
	s=$(child_of "$sh")
	# The job has a group of its own in the shell's session.
	is "$(stat_field "$s" 6)" "$sh" "session of the job"
	[ "$(stat_field "$s" 5)" != "$sh" ]
	keys fg Enter
	# fg hands the terminal to the job's group.
	wait_until 10 eval '[ "$(stat_field "$s" 8)" = "$(stat_field "$s" 5)" ]'
	keys C-z
	wait_until 10 in_state "$s" T
	wait_pane 10 '\[1\] \+ Stopped'
	# The prompt is back, after the Stopped line.
	keys 'echo "back $((6 * 7))"' Enter
	wait_pane 10 '^back 42$'
	run ! pane_has 'job control turned off'
	keys 'kill -9 %1' Enter
	# Ask for the jobs once the sleep is dead (a zombie or gone): asked
	# earlier, dash still lists it as stopped.  dash refuses the first exit
	# while it lists a stopped job.
	wait_until 10 dead "$s"
	keys jobs Enter
	wait_pane 10 '\[1\] \+ Killed'
	keys 'exit 3' Enter
	wait_until 10 test -s "$T/rc"
	is "$(cat "$T/rc")" rc=3 "pidone's exit status"
}

# --- pause mode ------------------------------------------------------------

@test "pause: -P exits 0 on TERM and on INT, and on nothing else" {
	local sig
	for sig in TERM INT; do
		start_ns -P
		kill -s "$sig" "$INIT"
		finish_ns
		is "$STATUS" 0 "exit status after $sig"
	done
	start_ns -P
	for sig in HUP QUIT USR1 USR2 ALRM WINCH CONT TSTP 40; do
		send "$sig"
	done
	# Still there, asleep in its wait.
	is "$(state "$INIT")" S "pidone's state after those signals"
	kill -TERM "$INIT"
	finish_ns
	is "$STATUS" 0 "exit status after TERM"
}

@test "pause: -P reaps orphans re-parented to it" {
	start_ns -w -P
	# Three processes whose parent exits at once: as orphans of the
	# namespace they go to its PID 1.
	nsenter -t "$INIT" -p -- sh -c \
	    'for i in 1 2 3; do (sleep 0.5 &); done' </dev/null >/dev/null 2>&1 3>&-
	wait_until 10 eval '[ "$(kids "$INIT" | wc -w)" -eq 3 ]'
	# Reaped: not even a zombie is left among its children.
	wait_until 10 eval '[ -z "$(kids "$INIT")" ]'
	wait_until 10 eval '[ "$(grep -c reaped "$T/err")" -eq 3 ]'
	kill -TERM "$INIT"
	finish_ns
	is "$STATUS" 0 "exit status"
}

@test "pause: TERM with processes left drains them, then exits 0" {
	start_ns -P
	nsenter -t "$INIT" -p -- sh -c '"$0" "$1" exit 100 &' \
	    "$TRAP" "$T/left" </dev/null >/dev/null 2>&1 3>&-
	wait_until 10 grep -q '^ready ' "$T/left"
	kill -TERM "$INIT"
	finish_ns
	is "$STATUS" 0 "exit status"
	is "$(sed 1d "$T/left" | grep -v CONT)" $'TERM\ndone' "the leftover saw"
}

@test "pause: -P with a program is a usage error" {
	run -125 --separate-stderr pidone_ns -P -- touch "$T/ran"
	one_error_line
	[ ! -e "$T/ran" ]
}

# --- LISTEN_PID --------------------------------------------------------------

# The payload prints "$LISTEN_PID $$"; pidone is exec'd by a shell that set
# LISTEN_PID=$$, i.e. pidone's own pid.
# compat_names: pidone under each name it answers to (symlinks in $T).
compat_names() {
	local n
	echo "$PIDONE"
	for n in tini docker-init dumb-init catatonit podman-init; do
		ln -sf "$PIDONE" "$T/$n"
		echo "$T/$n"
	done
}

@test "LISTEN_PID naming pidone is rewritten to the payload's pid (PID 1, every name)" {
	local bin lp pid fds
	for bin in $(compat_names); do
		run -0 outer_ns -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" -- sh -c "echo \$LISTEN_PID \$\$ \$LISTEN_FDS"' "$bin"
		read -r lp pid fds <<<"$output"
		is "$lp" "$pid" "${bin##*/}: LISTEN_PID seen by pid $pid"
		[ "$pid" -ne 1 ]
		is "$fds" 1 "${bin##*/}: LISTEN_FDS"
	done
}

@test "LISTEN_PID naming pidone is rewritten to the payload's pid (not PID 1)" {
	cat >"$T/outer" <<'EOF'
sh -c 'LISTEN_PID=$$ exec "$0" -- sh -c "echo \$LISTEN_PID \$\$ \$PPID"' "$1" >"$2/lp"
echo $? >"$2/status"
EOF
	run -0 outer_ns "$T/outer" "$PIDONE" "$T"
	is "$(cat "$T/status")" 0 "exit status"
	read -r lp pid ppid <"$T/lp"
	is "$lp" "$pid" "LISTEN_PID seen by pid $pid"
	[ "$ppid" -ne 1 ]
}

@test "LISTEN_PID naming another process, or unset, is left alone" {
	local v
	for v in 12345 abc 2x ' 1' ''; do
		LISTEN_PID=$v run -0 outer_ns -c 'exec "$0" -- sh -c "echo \"[\$LISTEN_PID]\""' "$PIDONE"
		is "$output" "[$v]" "LISTEN_PID=$v"
	done
	run -0 outer_ns -c 'unset LISTEN_PID; exec "$0" -- sh -c "echo \${LISTEN_PID-unset}"' "$PIDONE"
	is "$output" unset "LISTEN_PID when unset"
}

# --- fds ---------------------------------------------------------------------

@test "fds: a listening socket the payload closed is really closed" {
	# drain_sock makes the socket, puts it on fd 5 and execs pidone (as
	# PID 1); the payload holds it until told, then closes it.
	cat >"$T/payload" <<EOF
. "$LIB"
echo open >"$T/state"
await "$T/go" go
exec 5>&-
echo closed >>"$T/state"
exec "$SIGECHO" TERM
EOF
	local PIDONE=$PIDONE n
	compat_names >/dev/null
	PRE=("$SOCK" listen "$T/sock" 5)
	# catatonit's name (whose namesake had this bug) and dumb-init's (its
	# setsid spawn) besides pidone's own.
	for PIDONE in "$PIDONE" "$T/catatonit" "$T/dumb-init"; do
		n=${PIDONE##*/}
		rm -f "$T/state" "$T/go"
		start_ns -- sh "$T/payload"
		wait_for_line "$T/state" open
		run -0 "$SOCK" connect "$T/sock"
		is "$output" connected "$n: connect while the payload holds fd 5"
		echo go >"$T/go"
		wait_for_line "$T/state" closed
		run -1 "$SOCK" connect "$T/sock"
		is "$output" refused "$n: connect after the payload closed fd 5"
		kill -TERM "$INIT"
		finish_ns
		is "$STATUS" 0 "$n: exit status"
	done
}
