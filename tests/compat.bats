#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Personalities (SPEC §2): pidone called through a symlink named after a peer
# takes that peer's defaults where they differ, and options still override.
#
# Cases marked "against the peer" run the real peer first (tini 0.19.0,
# dumb-init 1.2.5, catatonit 0.1.7 from Debian 12; .ci/run installs them)
# and then pidone under its name, with the same expectation; a peer that is
# not installed makes the case skip after pidone's part passed.  The peers,
# as measured here, and pidone under their names:
#
#   case                 tini        dumb-init          catatonit    pidone as it
#   no program, bad opt  1           1                  1            1 (as pidone: 125)
#   payload not found    127         2                  1            127 (dumb-init: 2)
#   not executable       126         2                  1            126 (dumb-init: 2)
#   --version            "tini version 0.19.0" (stdout)              tini, docker-init:
#                                    "dumb-init v1.2.5" (stderr)     "tini version V -
#                                               "tini version 0.1.7_  git.ID"; dumb-init:
#                                               catatonit" (stdout)  "dumb-init vV (pidone)"
#                                                                    (stderr); catatonit,
#                                                                    podman-init: "tini
#                                                                    version V_catatonit"
#   payload's session    own group   session leader     own group    the same
#   signals go to        payload     payload's group    payload      the same
#   SIGTSTP              forwarded   STOP to the group  not          forwarded; dumb-init
#                                    (-c: TSTP to the   forwarded    as dumb-init
#                                    payload), then
#                                    stops itself
#   leftover when the    killed at   setsid: SIGTERM to killed at    the same: grace 0
#     payload exits      once        the group; -c:     once         (as pidone: SIGTERM,
#     (as PID 1)                     none; then exit                 3 s, SIGKILL)
#   -r above 31          -           usage error (1)    -            dumb-init: the same
#   TINI_VERBOSITY=abc   0, runs     -                  -            tini, docker-init:
#                                                                    the same (pidone: 125)
#   kill -SEGV init      dies        forwarded          -            forwarded, every name

bats_require_minimum_version 1.5.0

load common

PEERS="tini docker-init dumb-init catatonit podman-init"

setup() {
	B=$BATS_TEST_TMPDIR/bin
	mkdir -p "$B"
	for n in pidone $PEERS; do
		ln -s "$PIDONE" "$B/$n"
	done
	T=$BATS_TEST_TMPDIR
	H=$HELPERS
	BG=()
	export B T H
	export -f wait_until wait_for_line
}

# Foreground runs are bounded: bats' own timeout cannot interrupt them, and
# a hung init must fail its case.
timed() { timeout -k 5 20 "$@"; }
timed_pidns() { timed unshare --pid --fork --mount-proc --kill-child -- "$@"; }

# reap PID: wait (bounded) until the background child PID has exited, then
# collect its status into RC.
reap() {
	wait_until 10 exited "$1" || return 1
	RC=0
	wait "$1" || RC=$?
	BG=()
}
exited() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0 # bash reaped it
	[[ $s == *') Z '* ]]
}

teardown() {
	[ ${#BG[@]} -eq 0 ] || kill -KILL "${BG[@]}" 2>/dev/null || true
}

usage_status() { case $1 in pidone) echo 125 ;; *) echo 1 ;; esac; }

# real_peer NAME: the installed init that pidone's name NAME stands in for
# (docker-init is tini, podman-init is catatonit); nothing when absent.
real_peer() {
	local n=$1
	case $n in
	docker-init) n=tini ;;
	podman-init) n=catatonit ;;
	esac
	command -v "$n" 2>/dev/null || true
}

# against_peer NAME CHECK [ARGS...]: run CHECK INIT [ARGS...] first with
# the real peer NAME as INIT (so the expectation is the peer's own
# behaviour), then with pidone under NAME.  A peer that is not installed is
# noted in MISSING; end the case with `peers_compared`.
MISSING=
against_peer() {
	local name=$1 check=$2 peer
	shift 2
	peer=$(real_peer "$name")
	if [ -n "$peer" ]; then
		echo "--- the real $name: $peer"
		"$check" "$peer" "$@"
	else
		MISSING+=" $name"
	fi
	echo "--- pidone as $name"
	"$check" "$B/$name" "$@"
}

# peers_compared: pidone passed; skip (say so) if a peer could not be run
# for comparison (.ci/run installs them all).
peers_compared() {
	[ -z "$MISSING" ] || skip "pidone passed; peer not installed:$MISSING"
}

# ms_since T0: milliseconds since T0 (a `date +%s%N`).
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# A payload that starts a leftover sigecho (which survives SIGTERM: it only
# prints it), waits until that is ready, then exits 0.
LEFTOVER='"$H/sigecho" >"$T/left.log" &
i=0
until grep -qx ready "$T/left.log" 2>/dev/null; do
	[ $i -lt 1000 ] || exit 9
	sleep 0.01
	i=$((i + 1))
done
exit 0'

# --- version ---------------------------------------------------------------

@test "pidone --version and -V print 'pidone X.Y.Z' alone" {
	for opt in --version -V; do
		run -0 --separate-stderr timed "$B/pidone" $opt
		echo "$opt: [$output] [$stderr]"
		[[ "$output" =~ ^pidone\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
		[ -z "$stderr" ]
	done
}

@test "docker-init and tini --version print Docker's line and nothing else" {
	local v
	run -0 timed "$B/pidone" --version
	v=${output#pidone }
	for n in docker-init tini; do
		run -0 --separate-stderr timed "$B/$n" --version
		echo "$n: [$output] [$stderr]"
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" =~ ^tini\ version\ [0-9][^\ ]*\ -\ git\.[0-9A-Za-z]+$ ]]
		[[ "$output" == "tini version $v - git."* ]]
		[ -z "$stderr" ]
	done
}

# Item 5 of issue 11: scripts match "dumb-init v" on dumb-init's stderr
# and "tini version X_catatonit" on catatonit's stdout.
version_dumb_init() {
	run -0 --separate-stderr timed "$1" --version
	echo "$1 --version: stdout [$output] stderr [$stderr]"
	[ -z "$output" ]
	[[ "$stderr" =~ ^dumb-init\ v[0-9]+\.[0-9]+\.[0-9]+( \(pidone\))?$ ]]
}
version_catatonit() {
	run -0 --separate-stderr timed "$1" --version
	echo "$1 --version: stdout [$output] stderr [$stderr]"
	[ -z "$stderr" ]
	[[ "$output" =~ ^tini\ version\ [0-9]+\.[0-9]+\.[0-9]+_catatonit$ ]]
}

@test "dumb-init, catatonit, podman-init --version: the peer's line, pidone's version" {
	local v
	run -0 timed "$B/pidone" --version
	v=${output#pidone }
	against_peer dumb-init version_dumb_init
	[ "$stderr" = "dumb-init v$v (pidone)" ]
	for n in catatonit podman-init; do
		against_peer "$n" version_catatonit
		[ "$output" = "tini version ${v}_catatonit" ]
	done
	peers_compared
}

@test "-h: usage on stdout, exit 0, under every name" {
	for n in pidone $PEERS; do
		run -0 --separate-stderr timed "$B/$n" -h
		echo "$n: ${#lines[@]} lines, stderr [$stderr]"
		[ -n "$output" ]
		[ -z "$stderr" ]
	done
}

# --- exit codes --------------------------------------------------------------

@test "usage errors exit 1 under the peers' names, 125 as pidone, one error line" {
	local n want args
	for n in pidone $PEERS; do
		want=$(usage_status "$n")
		for args in "" "--no-such-option true" "-t soon true" "-e 256 true" \
			"-r KILL:TERM true" "-P true"; do
			run --separate-stderr timed "$B/$n" $args
			echo "$n $args: status $status, stdout [$output], stderr [$stderr]"
			[ "$status" -eq "$want" ]
			[ -z "$output" ]
			[ "${#stderr_lines[@]}" -eq 1 ]
			[[ "$stderr" == "pidone: error: "* ]]
		done
	done
}

@test "a payload that cannot start: 127/126, dumb-init 2" {
	local n enoent eacces
	printf '#!/bin/sh\nexit 0\n' >"$T/noexec"
	chmod 644 "$T/noexec"
	for n in pidone $PEERS; do
		enoent=127 eacces=126
		[ "$n" != dumb-init ] || enoent=2 eacces=2
		run -"$enoent" --separate-stderr timed "$B/$n" -- "$T/no-such-program"
		echo "$n missing: $status [$stderr]"
		[ "$status" -eq "$enoent" ]
		[[ "$stderr" == *"$T/no-such-program"* ]]
		run -"$eacces" --separate-stderr timed "$B/$n" -- "$T/noexec"
		echo "$n not executable: $status [$stderr]"
		[ "$status" -eq "$eacces" ]
		[[ "$stderr" == *"$T/noexec"* ]]
	done
}

@test "the payload's status passes through under every name (code, 128+N)" {
	for n in pidone $PEERS; do
		run timed "$B/$n" -- sh -c 'exit 3'
		echo "$n exit 3: $status"
		[ "$status" -eq 3 ]
		run timed "$B/$n" -- sh -c 'kill -TERM $$'
		echo "$n killed by TERM: $status"
		[ "$status" -eq 143 ]
	done
}

@test "the peers' own option spellings are accepted under their names" {
	run -0 timed "$B/docker-init" -- sh -c 'exit 0'
	run -0 timed "$B/tini" -s -g -w -e 3 -p SIGKILL -- sh -c 'exit 3'
	run -0 timed env TINI_SUBREAPER= TINI_KILL_PROCESS_GROUP=1 TINI_VERBOSITY=1 \
		"$B/tini" -- true
	run -4 timed "$B/dumb-init" --single-child --rewrite 15:2 -- sh -c 'exit 4'
	run -4 timed "$B/dumb-init" -c -r 15:2 -- sh -c 'exit 4'
	run -4 timed env DUMB_INIT_SETSID=0 "$B/dumb-init" -- sh -c 'exit 4'
	run -5 timed "$B/catatonit" -g -- sh -c 'exit 5'
	run -5 timed "$B/podman-init" -g -- sh -c 'exit 5'
}

# rewrite_range INIT: dumb-init's -r takes signals 1..31 (R may be 0) and
# refuses anything above as a usage error.
rewrite_range() {
	local r
	for r in 1:32 32:1 1:64 64:1 15:34; do
		run --separate-stderr timed "$1" -r "$r" -- true
		echo "$1 -r $r: status $status, stderr [${stderr:0:80}]"
		[ "$status" -eq 1 ]
	done
	for r in 1:31 31:1 15:0 10:12; do
		run -0 timed "$1" -r "$r" -- true
	done
}

@test "dumb-init -r: signals 1..31 only; pidone's own name takes real-time ones" {
	against_peer dumb-init rewrite_range
	run -1 --separate-stderr timed "$B/dumb-init" -r 1:32 -- true
	[ "$stderr" = "pidone: error: bad --rewrite '1:32': expected S:R, signal names or numbers 1..31, R=0 to drop S" ]
	for r in 1:32 32:1 1:64 RTMIN:TERM; do
		run -0 timed "$B/pidone" -r "$r" -- true
		run -0 timed "$B/tini" -r "$r" -- true
	done
}

# lax_verbosity INIT: tini reads TINI_VERBOSITY with atoi and never fails:
# no number means 0 (silent), above 4 or negative means everything.
lax_verbosity() {
	local v
	for v in '' abc 0 -0 0x9 ' 0'; do
		run --separate-stderr timed env TINI_VERBOSITY="$v" "$1" -- sh -c 'exit 3'
		echo "TINI_VERBOSITY='$v' $1: status $status, ${#stderr_lines[@]} lines on stderr"
		[ "$status" -eq 3 ]
		[ -z "$stderr" ]
	done
	for v in 5 99 -1 ' 4' 3x +9; do
		run --separate-stderr timed env TINI_VERBOSITY="$v" "$1" -- sh -c 'exit 3'
		echo "TINI_VERBOSITY='$v' $1: status $status, ${#stderr_lines[@]} lines on stderr"
		[ "$status" -eq 3 ]
		[ "${#stderr_lines[@]}" -ge 3 ]
	done
}

@test "tini, docker-init: any TINI_VERBOSITY is accepted as tini reads it; pidone's name is strict" {
	against_peer tini lax_verbosity
	against_peer docker-init lax_verbosity
	for v in '' abc 5 -1; do
		run -125 --separate-stderr timed env TINI_VERBOSITY="$v" "$B/pidone" -- true
		[ "$stderr" = "pidone: error: bad TINI_VERBOSITY='$v': expected a number 0..4" ]
	done
	peers_compared
}

# --- grace: peers exit as soon as the payload is reaped -------------------

@test "peers' names: grace 0, a leftover does not hold up the exit (PID 1)" {
	local n t0 ms
	for n in $PEERS; do
		: >"$T/left.log"
		t0=$(date +%s%N)
		run timed_pidns "$B/$n" -- sh -c "$LEFTOVER"
		ms=$(ms_since "$t0")
		echo "$n: status $status after $ms ms; leftover: $(tr '\n' ' ' <"$T/left.log")"
		[ "$status" -eq 0 ]
		grep -qx ready "$T/left.log"
		[ "$ms" -lt 1500 ]
	done
}

@test "pidone's own name: the leftover gets SIGTERM and the 3 s grace (PID 1)" {
	local t0 ms
	t0=$(date +%s%N)
	run timed_pidns "$B/pidone" -- sh -c "$LEFTOVER"
	ms=$(ms_since "$t0")
	echo "status $status after $ms ms; leftover: $(tr '\n' ' ' <"$T/left.log")"
	[ "$status" -eq 0 ]
	grep -qx TERM "$T/left.log"
	[ "$ms" -ge 2900 ]
	[ "$ms" -lt 6000 ]
}

@test "tini -t 2, docker-init --grace 2, PIDONE_GRACE=2 catatonit: the drain is back" {
	local t0 ms
	while read -r -a cmd; do
		: >"$T/left.log"
		t0=$(date +%s%N)
		run timed_pidns "${cmd[@]}" -- sh -c "$LEFTOVER" </dev/null
		ms=$(ms_since "$t0")
		echo "${cmd[*]}: status $status after $ms ms; leftover: $(tr '\n' ' ' <"$T/left.log")"
		[ "$status" -eq 0 ]
		grep -qx TERM "$T/left.log"
		[ "$ms" -ge 1900 ]
		[ "$ms" -lt 5000 ]
	done <<-EOF
	$B/tini -t 2
	$B/docker-init --grace 2
	env PIDONE_GRACE=2 $B/catatonit
	EOF
}

# --- dumb-init: setsid, group signalling, SIGTERM to the group ----------

# Print "pid pgid sid" of the payload (a sh reading its own /proc stat).
SELF_IDS='read -r l </proc/$$/stat; set -- $l; echo "$1 $5 $6"'

@test "dumb-init: the payload is a session leader; -c, DUMB_INIT_SETSID=0 undo it" {
	local pid pgid sid
	while read -r want cmd; do
		run -0 timed $cmd -- sh -c "$SELF_IDS" </dev/null
		read -r pid pgid sid <<<"$output"
		echo "$cmd: pid $pid pgid $pgid sid $sid; want $want"
		# Every personality gives the payload its own process group.
		[ "$pgid" = "$pid" ]
		case $want in
		leader) [ "$sid" = "$pid" ] ;;
		*) [ "$sid" != "$pid" ] ;;
		esac
	done <<-EOF
	leader $B/dumb-init
	leader $B/pidone --setsid
	leader env DUMB_INIT_SETSID=1 $B/pidone
	group $B/dumb-init -c
	group $B/dumb-init --single-child
	group env DUMB_INIT_SETSID=0 $B/dumb-init
	group $B/pidone
	group $B/tini
	group $B/docker-init
	group $B/catatonit
	group $B/podman-init
	EOF
}

# group_probe INIT...: in a PID namespace of its own (so that whatever is
# left dies with it), run INIT -- sh, where sh leaves a background sigecho
# in its process group and execs a foreground sigecho.  Send SIGUSR1 to
# INIT, wait until the payload has it, then send SIGUSR2 straight to the
# background one.  Prints what the background one got: a standard signal
# that was pending is taken before a higher one, so USR1 shows up before
# USR2 exactly when INIT signalled the whole group.
group_probe() {
	local p
	: >"$T/fg.log"
	: >"$T/bg.log"
	"$@" -- sh -c '"$H/sigecho" >"$T/bg.log" & echo $! >"$T/bg.pid"
		exec "$H/sigecho" >"$T/fg.log"' 3>&- &
	p=$!
	wait_for_line "$T/fg.log" ready && wait_for_line "$T/bg.log" ready || return 9
	kill -USR1 "$p"
	wait_for_line "$T/fg.log" USR1 || return 10
	kill -USR2 "$(cat "$T/bg.pid")"
	wait_for_line "$T/bg.log" USR2 || return 11
	tr '\n' ' ' <"$T/bg.log"
}

@test "signals go to the payload's group under dumb-init, -g, --setsid; else to the payload" {
	export -f group_probe
	while read -r want cmd; do
		rm -f "$T"/bg.* "$T"/fg.*
		run --separate-stderr timed_pidns bash -c 'group_probe "$@"' _ $cmd </dev/null
		echo "$cmd: status $status, background got [$output], want $want; stderr [$stderr]"
		[ "$status" -eq 0 ]
		case $want in
		group) [ "$output" = "ready USR1 USR2 " ] ;;
		payload) [ "$output" = "ready USR2 " ] ;;
		esac
	done <<-EOF
	group $B/dumb-init
	payload $B/dumb-init -c
	payload env DUMB_INIT_SETSID=0 $B/dumb-init
	payload $B/tini
	group $B/tini -g
	group env TINI_KILL_PROCESS_GROUP=1 $B/tini
	payload $B/docker-init
	payload $B/catatonit
	group $B/catatonit -g
	payload $B/podman-init
	payload $B/pidone
	group $B/pidone -g
	group $B/pidone --setsid
	EOF
}

# exit_probe INIT...: in a PID namespace of its own (bash is its PID 1, so
# no kill(-1) is involved and what is left outlives INIT), run INIT -- sh,
# where sh leaves a background sigecho in its process group and execs a
# foreground one that exits on SIGUSR1.  Send INIT SIGUSR1 and wait for it
# to exit; then send the background one SIGCONT and wait until it has it.
# Prints INIT's status and the background one's lines: a SIGTERM sent
# before INIT exited comes out before the later, higher-numbered SIGCONT.
exit_probe() {
	local p rc
	: >"$T/fg.log"
	: >"$T/bg.log"
	"$@" -- sh -c '"$H/sigecho" >"$T/bg.log" & echo $! >"$T/bg.pid"
		exec "$H/sigecho" USR1 >"$T/fg.log"' 3>&- &
	p=$!
	wait_for_line "$T/fg.log" ready && wait_for_line "$T/bg.log" ready || return 9
	kill -USR1 "$p"
	rc=0
	wait "$p" || rc=$?
	kill -CONT "$(cat "$T/bg.pid")"
	wait_for_line "$T/bg.log" CONT || return 10
	echo "status $rc:" $(cat "$T/bg.log")
}

# term_on_exit INIT: dumb-init's SIGTERM on the payload's exit goes where
# its signals go: the group in setsid mode, else the payload's pid (gone by
# then, so nobody: the rest of a pipeline runs on).  Then it exits at once.
term_on_exit() {
	local want env args
	while IFS='|' read -r want env args; do
		run --separate-stderr timed_pidns bash -c 'exit_probe "$@"' _ \
			env $env "$1" $args </dev/null
		echo "env $env $1 $args: [$output], want [$want]; stderr [$stderr]"
		[ "$status" -eq 0 ]
		[ "$output" = "$want" ]
	done <<-EOF
	status 0: ready USR1 TERM CONT||
	status 0: ready USR1 TERM CONT|DUMB_INIT_SETSID=1|
	status 0: ready CONT||-c
	status 0: ready CONT||--single-child
	status 0: ready CONT|DUMB_INIT_SETSID=0|
	EOF
}

@test "dumb-init: payload gone: SIGTERM to its group in setsid mode only, then exit" {
	export -f exit_probe
	against_peer dumb-init term_on_exit
	# Where signals go to the group outside setsid mode, so does the
	# SIGTERM (pidone's -g; dumb-init has no such option).
	run --separate-stderr timed_pidns bash -c 'exit_probe "$@"' _ \
		"$B/dumb-init" -c -g </dev/null
	echo "dumb-init -c -g: [$output]; stderr [$stderr]"
	[ "$output" = "status 0: ready USR1 TERM CONT" ]
	# Exit at once: grace 0, also in setsid mode.
	local t0=$(date +%s%N)
	run timed_pidns bash -c 'exit_probe "$@"' _ "$B/dumb-init" </dev/null
	[ "$(ms_since "$t0")" -lt 1500 ]
	peers_compared
}

# DUMB_INIT_SETSID has one rule, dumb-init's: 0 turns setsid mode off, any
# other value, the empty one included, turns it on.
setsid_rule() {
	local v pid pgid sid
	for v in 0 '' 1 2 yes -1 ' 0' 00; do
		run -0 timed env DUMB_INIT_SETSID="$v" "$1" -- sh -c "$SELF_IDS" </dev/null
		read -r pid pgid sid <<<"$output"
		echo "DUMB_INIT_SETSID='$v' $1: pid $pid pgid $pgid sid $sid"
		if [ "$v" = 0 ]; then
			[ "$sid" != "$pid" ]
		else
			[ "$sid" = "$pid" ]
		fi
	done
}

@test "DUMB_INIT_SETSID: only 0 turns setsid mode off, under every name" {
	local n
	against_peer dumb-init setsid_rule
	for n in pidone tini docker-init catatonit podman-init; do
		echo "--- pidone as $n"
		setsid_rule "$B/$n"
	done
	peers_compared
}

# single_child INIT: -c forwards to the payload alone, whatever
# TINI_KILL_PROCESS_GROUP says (dumb-init does not read it at all).
single_child() {
	local want env args
	while IFS='|' read -r want env args; do
		rm -f "$T"/bg.* "$T"/fg.*
		run --separate-stderr timed_pidns bash -c 'group_probe "$@"' _ \
			env $env "$1" $args </dev/null
		echo "env $env $1 $args: [$output], want $want; stderr [$stderr]"
		[ "$status" -eq 0 ]
		case $want in
		group) [ "$output" = "ready USR1 USR2 " ] ;;
		payload) [ "$output" = "ready USR2 " ] ;;
		esac
	done <<-EOF
	payload|TINI_KILL_PROCESS_GROUP=1|-c
	payload|TINI_KILL_PROCESS_GROUP=|--single-child
	group|TINI_KILL_PROCESS_GROUP=1|
	EOF
}

@test "-c cancels -g and TINI_KILL_PROCESS_GROUP; the last word wins" {
	export -f group_probe
	against_peer dumb-init single_child
	while IFS='|' read -r want cmd; do
		rm -f "$T"/bg.* "$T"/fg.*
		run --separate-stderr timed_pidns bash -c 'group_probe "$@"' _ $cmd </dev/null
		echo "$cmd: [$output], want $want; stderr [$stderr]"
		[ "$status" -eq 0 ]
		case $want in
		group) [ "$output" = "ready USR1 USR2 " ] ;;
		payload) [ "$output" = "ready USR2 " ] ;;
		esac
	done <<-EOF
	payload|$B/pidone -g -c
	group|$B/pidone -c -g
	payload|env TINI_KILL_PROCESS_GROUP=1 $B/pidone -c
	payload|env TINI_KILL_PROCESS_GROUP=1 $B/tini -c
	group|env TINI_KILL_PROCESS_GROUP=1 $B/tini -c -g
	payload|$B/pidone --setsid -c
	group|$B/pidone -c --setsid
	payload|$B/catatonit -g --single-child
	EOF
	peers_compared
}

# stop_probe INIT...: in a PID namespace of its own, run INIT -- sigecho,
# send SIGTSTP to INIT, then SIGCONT.  Prints "init:X payload:Y LINES":
# X and Y the states (T stopped, S not) after the SIGTSTP, LINES what the
# payload printed by the end (SIGCONT always reaches it: forwarded, or from
# the kernel's wake-up when it was stopped).
stop_probe() {
	local p c init=S payload=S
	: >"$T/fg.log"
	"$@" -- "$H/sigecho" >"$T/fg.log" 3>&- &
	p=$!
	wait_for_line "$T/fg.log" ready || return 9
	c=$(cat "/proc/$p/task/$p/children")
	c=${c%% *}
	kill -TSTP "$p"
	# The payload either stops or prints what INIT sent it.
	wait_until 5 eval 'state_is T "$c" || [ "$(wc -l <"$T/fg.log")" -ge 2 ]' ||
		return 10
	! state_is T "$c" || payload=T
	# INIT stops itself after forwarding, if it does: give it 1 s.
	! wait_until 1 state_is T "$p" 2>/dev/null || init=T
	kill -CONT "$p"
	wait_for_line "$T/fg.log" CONT || return 11
	state_is S "$p" && state_is S "$c" || return 12
	echo "init:$init payload:$payload" $(grep -vx ready "$T/fg.log")
}
# state_is STATE PID: PID's state (field 3 of its stat) is STATE.
state_is() {
	local s
	s=$(cat "/proc/$2/stat" 2>/dev/null) || return 1
	s=${s##*) }
	[ "${s%% *}" = "$1" ]
}

# tty_stop INIT: after forwarding SIGTSTP dumb-init stops itself, in
# setsid mode (where the payload gets SIGSTOP unless -r says otherwise) and
# outside it (where the payload gets the SIGTSTP), even when -r sends the
# payload something else.  SIGCONT brings both back.
tty_stop() {
	local want env args
	while IFS='|' read -r want env args; do
		run --separate-stderr timed_pidns bash -c 'stop_probe "$@"' _ \
			env $env "$1" $args </dev/null
		echo "env $env $1 $args: status $status, [$output], want [$want]; stderr [$stderr]"
		[ "$status" -eq 0 ]
		[ "$output" = "$want" ]
	done <<-EOF
	init:T payload:T CONT||
	init:T payload:S USR1 CONT||-r 20:10
	init:T payload:S TSTP CONT||-c
	init:T payload:S TSTP CONT|DUMB_INIT_SETSID=0|
	init:T payload:S USR1 CONT||-c -r 20:10
	EOF
}

# tty_forward INIT: SIGTSTP forwarded, the init keeps running.  (catatonit
# keeps SIGTSTP for itself, and pidone under its name forwards it: see
# README, "Drop-in names".)
tty_forward() {
	run --separate-stderr timed_pidns bash -c 'stop_probe "$@"' _ "$1" </dev/null
	echo "$1: status $status, [$output]; stderr [$stderr]"
	[ "$status" -eq 0 ]
	[ "$output" = "init:S payload:S TSTP CONT" ]
}

@test "dumb-init: after SIGTSTP the init stops itself, in both modes; tini forwards" {
	export -f stop_probe state_is
	against_peer dumb-init tty_stop
	against_peer tini tty_forward
	tty_forward "$B/pidone"
	peers_compared
}

@test "on a TTY: dumb-init's payload leads a session that owns it, no hangup forwarded" {
	command -v script >/dev/null || skip "script(1) (util-linux) missing: no pty here"
	local n pid pgid sid tty tpgid
	for n in dumb-init docker-init; do
		rm -f "$T/ids" "$T/init.pid"
		: >"$T/tty.log"
		# script(1) gives INIT a pty as its controlling terminal (it runs the
		# command with $SHELL -c: /bin/sh, whatever the caller's); the
		# payload records its ids, then becomes a sigecho.
		SHELL=/bin/sh timed script -qec "exec $B/$n -- sh -c 'echo \$PPID >$T/init.pid
			read -r l </proc/\$\$/stat; set -- \$l
			echo \"\$1 \$5 \$6 \$7 \$8\" >$T/ids
			exec $H/sigecho USR1 >$T/tty.log'" /dev/null </dev/null >/dev/null 3>&- &
		BG=("$!")
		wait_for_line "$T/tty.log" ready
		read -r pid pgid sid tty tpgid <"$T/ids"
		BG+=("$(cat "$T/init.pid")" "$pid")
		echo "$n: payload pid $pid pgid $pgid sid $sid tty $tty tpgid $tpgid"
		[ "$tty" != 0 ]
		[ "$pgid" = "$pid" ]
		# The payload's group is the terminal's foreground group.
		[ "$tpgid" = "$pid" ]
		case $n in
		dumb-init) [ "$sid" = "$pid" ] ;;
		*) [ "$sid" != "$pid" ] ;;
		esac
		kill -USR1 "$(cat "$T/init.pid")"
		reap "${BG[0]}"
		cat "$T/tty.log"
		[ "$RC" -eq 0 ]
		# Giving up the terminal (dumb-init) makes the kernel send
		# SIGHUP and SIGCONT: they must not reach the payload.
		[ "$(cat "$T/tty.log")" = $'ready\nUSR1' ]
	done
}

# --- fault signals sent with kill() -----------------------------------------

# fault_probe INIT...: for each fault signal, run INIT -- sigecho SIG, send
# SIG to INIT as kill(1) would, and print INIT's status and the payload's
# lines.  In a PID namespace of the caller's making, so that a payload left
# behind by an init that died dies with it.
fault_probe() {
	local sig p rc
	ulimit -c 0
	for sig in SEGV ILL ABRT BUS FPE TRAP SYS; do
		: >"$T/fg.log"
		"$@" -- "$H/sigecho" "$sig" >"$T/fg.log" 3>&- &
		p=$!
		wait_for_line "$T/fg.log" ready || return 9
		kill -"$sig" "$p"
		rc=0
		wait "$p" || rc=$?
		echo "$sig: status $rc:" $(cat "$T/fg.log")
	done
}

# faults_forwarded INIT: each one reaches the payload, which exits 0.
faults_forwarded() {
	run --separate-stderr timed_pidns bash -c 'fault_probe "$@"' _ "$1" </dev/null
	echo "$1: status $status; stderr [$stderr]"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "SEGV: status 0: ready SEGV
ILL: status 0: ready ILL
ABRT: status 0: ready ABRT
BUS: status 0: ready BUS
FPE: status 0: ready FPE
TRAP: status 0: ready TRAP
SYS: status 0: ready SYS" ]
}

@test "SEGV ILL ABRT BUS FPE TRAP SYS sent with kill() are forwarded under every name" {
	export -f fault_probe
	against_peer dumb-init faults_forwarded
	for n in pidone tini docker-init catatonit podman-init; do
		echo "--- pidone as $n"
		faults_forwarded "$B/$n"
	done
	peers_compared
}

# --- catatonit, podman-init: pause, fds, LISTEN_PID -----------------------

# takes_signals PID SIGNUM: PID is past its start-up and takes SIGNUM from
# a wait: SIGNUM is blocked, or PID sleeps in sigtimedwait (which shows the
# blocked mask minus the set it waits for while it waits).
takes_signals() {
	local mask
	# Until it has exec'd, $! is the forking shell, which may show the
	# signal blocked for a moment and then unblock it.
	[ "$(readlink "/proc/$1/exe")" != "$(readlink -f "$BASH")" ] || return 1
	mask=$(sed -n 's/^SigBlk:\t//p' "/proc/$1/status") || return 1
	[ $(((16#$mask >> ($2 - 1)) & 1)) -eq 1 ] ||
		grep -q sigtimedwait "/proc/$1/wchan"
}

@test "catatonit -P, podman-init -P: pause until SIGTERM or SIGINT, exit 0" {
	local p
	for n in catatonit podman-init; do
		for sig in TERM INT; do
			"$B/$n" -P 3>&- &
			p=$!
			BG=("$p")
			wait_until 5 takes_signals "$p" 15
			kill -"$sig" "$p"
			reap "$p"
			echo "$n -P, SIG$sig: $RC"
			[ "$RC" -eq 0 ]
		done
	done
}

@test "catatonit, podman-init close their own fds after the spawn; the payload keeps them" {
	local p c
	for n in catatonit podman-init; do
		: >"$T/fg.log"
		"$B/$n" -- "$H/sigecho" TERM >"$T/fg.log" 5<"$T" 3>&- &
		p=$!
		BG=("$p")
		wait_for_line "$T/fg.log" ready
		c=$(cat "/proc/$p/task/$p/children")
		c=${c%% *}
		BG+=("$c")
		echo "$n: pid $p, payload $c"
		[ -e "/proc/$c/fd/5" ]
		wait_until 5 test ! -e "/proc/$p/fd/5"
		kill -TERM "$p"
		reap "$p"
		[ "$RC" -eq 0 ]
	done
}

@test "catatonit, podman-init: LISTEN_PID naming the init is rewritten to the payload's" {
	for n in catatonit podman-init; do
		run -0 timed bash -c 'export LISTEN_PID=$$ LISTEN_FDS=1
			exec "$B/'"$n"'" -- sh -c "echo \$LISTEN_PID \$\$ \$LISTEN_FDS"'
		echo "$n: [$output]"
		[[ "$output" =~ ^([0-9]+)\ ([0-9]+)\ 1$ ]]
		[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
		# Another process's LISTEN_PID is not pidone's business.
		run -0 timed env LISTEN_PID=1 "$B/$n" -- sh -c 'echo $LISTEN_PID'
		[ "$output" = 1 ]
	done
}
