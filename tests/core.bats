#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Core behaviour (issue 2): exit status, reaping, forwarding, the payload's
# start state, the TTY.  Each case_* function is run twice, as PID 1 of a
# fresh PID namespace with its own /proc ([pid1]) and as a plain process
# that is not PID 1 ([plain]), unless its name says it is for one mode.

load common

# Every run here has its own deadline (core_guard, wait_until); the exit
# code loop alone may take a minute on a loaded machine.
if [ "${BATS_TEST_TIMEOUT:-0}" -lt 200 ]; then
	BATS_TEST_TIMEOUT=200
fi

bats_require_minimum_version 1.5.0

setup() {
	need_helper sigecho orphans core_guard core_presig core_sigstart \
		core_raise core_fds core_exit
	if [ ! -x "$PIDONE" ]; then
		echo "no pidone at $PIDONE: run make" >&2
		return 1
	fi
	T=$(cd "$BATS_TEST_TMPDIR" && pwd -P)
	OUT=$T/out
	ERR=$T/err
	GUARD_PID=
}

teardown() {
	kill_guarded
}

# --- exit status -----------------------------------------------------------

# A loop of 256 runs under one guard (a shell that starts them one by one):
# a hang anywhere fails the case at the guard's deadline.
case_exit_codes() {
	mode_prefix
	run -0 "$HELPERS/core_guard" 150 -- bash -c '
		for ((i = 0; i < 256; i++)); do
			"$@" "$i" </dev/null
			rc=$?
			[ "$rc" -eq "$i" ] || echo "payload code $i -> pidone code $rc"
		done' bash "${MODE_PREFIX[@]}" "$PIDONE" -- "$HELPERS/core_exit"
	[ -z "$output" ] || fail_with "$output"
}

case_remap_exit() {
	local i rc want bad=
	# -e maps exactly the named codes (it is repeatable) and nothing else:
	# the codes themselves, their neighbours, the ends of the range.
	for i in 0 1 41 42 43 126 127 128 199 200 201 254 255; do
		case $i in
		0 | 42 | 200) want=0 ;;
		*) want=$i ;;
		esac
		rc=0
		pidone_fg -e 42 -e 200 -- "$HELPERS/core_exit" "$i" || rc=$?
		[ "$rc" -eq "$want" ] || bad="$bad $i->$rc"
	done
	[ -z "$bad" ] || fail_with "with -e 42 -e 200, payload code -> pidone code:$bad"
	run -255 pidone_fg -e 0 -- "$HELPERS/core_exit" 255
	run -3 pidone_fg -e 255 -- "$HELPERS/core_exit" 3

	# It applies to the final code, 128+N included, and only to it.
	run -0 pidone_fg -e 143 -- "$HELPERS/core_raise" 15
	run -137 pidone_fg -e 143 -- "$HELPERS/core_raise" 9
}

case_killed_by_signal() {
	local sig rc bad=
	# Every signal whose default action ends the process (cores are off).
	for sig in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 24 25 26 27 29 30 31 \
		32 33 34 35 40 49 50 63 64; do
		rc=0
		pidone_fg -- "$HELPERS/core_raise" "$sig" || rc=$?
		[ "$rc" -eq $((128 + sig)) ] || bad="$bad $sig->$rc"
	done
	[ -z "$bad" ] || fail_with "signal -> pidone code:$bad"
}

case_not_found() {
	run -127 --separate-stderr pidone_fg -- /nonexistent/pidone-test-prog
	[ -z "$output" ]
	[[ $stderr == *"/nonexistent/pidone-test-prog"* ]]

	run -127 --separate-stderr pidone_fg -- pidone-test-no-such-command
	[[ $stderr == *pidone-test-no-such-command* ]]
}

case_not_executable() {
	printf '#!/bin/sh\n: >"%s"\n' "$T/marker" >"$T/script"
	chmod 644 "$T/script"
	run -126 --separate-stderr pidone_fg -- "$T/script"
	[ -z "$output" ]
	[[ $stderr == *"$T/script"* ]]
	[ ! -e "$T/marker" ]

	mkdir "$T/dir"
	run -126 --separate-stderr pidone_fg -- "$T/dir"
}

# One misuse per line: "ENV=VALUE|ARGS" (either side may be empty).  Each
# is followed by `-- sh -c 'create the marker'` unless it says NOPROG.
usage_cases=(
	"|--pidone-no-such-option"
	"|-Z"
	"|-p BOGUS"
	"|-p 0"
	"|-p 65"
	"|-e 256"
	"|-e x"
	"|-e -1"
	"|-e"
	"TINI_VERBOSITY=abc|"
	"TINI_VERBOSITY=9|"
	"PIDONE_VERBOSITY=abc|"
	"|NOPROG"
	"|NOPROG --"
	"|NOPROG -v"
	"|NOPROG -e 3 --"
)

case_usage_errors() {
	local c env args noprog bad=
	for c in "${usage_cases[@]}"; do
		env=${c%%|*}
		args=${c#*|}
		noprog=
		if [[ $args == NOPROG* ]]; then
			noprog=1
			args=${args#NOPROG}
		fi
		rm -f "$T/marker"
		# shellcheck disable=SC2086 # ARGS is a word list on purpose
		if [ -n "$noprog" ]; then
			run --separate-stderr in_mode env $env "$PIDONE" $args
		elif [ "$args" = "-e" ]; then
			# -e as the last word: its argument is missing.
			run --separate-stderr in_mode env $env "$PIDONE" -e
		else
			run --separate-stderr in_mode env $env "$PIDONE" $args \
				-- sh -c ': >"$1"' sh "$T/marker"
		fi
		if [ "$status" -ne 125 ]; then
			bad="$bad
[$c] status $status, want 125"
		fi
		if [ "${#stderr_lines[@]}" -ne 1 ] ||
			[[ ${stderr_lines[0]} != "pidone: error: "* ]]; then
			bad="$bad
[$c] stderr is not one 'pidone: error: ' line: $stderr"
		fi
		if [ -n "$output" ]; then
			bad="$bad
[$c] stdout not empty: $output"
		fi
		if [ -e "$T/marker" ]; then
			bad="$bad
[$c] the payload ran"
		fi
	done
	[ -z "$bad" ] || fail_with "$bad"
}

@test "exit codes 0..255 pass through [pid1]" { use_mode pid1; case_exit_codes; }
@test "exit codes 0..255 pass through [plain]" { use_mode plain; case_exit_codes; }
@test "-e N maps exactly N to 0 [pid1]" { use_mode pid1; case_remap_exit; }
@test "-e N maps exactly N to 0 [plain]" { use_mode plain; case_remap_exit; }
@test "payload killed by signal N gives 128+N [pid1]" { use_mode pid1; case_killed_by_signal; }
@test "payload killed by signal N gives 128+N [plain]" { use_mode plain; case_killed_by_signal; }
@test "payload not found gives 127 [pid1]" { use_mode pid1; case_not_found; }
@test "payload not found gives 127 [plain]" { use_mode plain; case_not_found; }
@test "payload not executable gives 126 [pid1]" { use_mode pid1; case_not_executable; }
@test "payload not executable gives 126 [plain]" { use_mode plain; case_not_executable; }
@test "usage errors: 125, one stderr line, nothing started [pid1]" { use_mode pid1; case_usage_errors; }
@test "usage errors: 125, one stderr line, nothing started [plain]" { use_mode plain; case_usage_errors; }

# --- reaping ---------------------------------------------------------------

# The guard above pidone is a subreaper that reaps only its own child, so
# an orphan pidone fails to adopt or to reap stays a zombie we can see.
case_no_zombies() {
	start_pidone -- "$HELPERS/orphans" 200
	wait_for_line "$OUT" "done" 30
	find_pidone
	if ! wait_until 10 no_zombies_under "$GUARD_PID"; then
		local z
		z=$(zombies_under "$GUARD_PID")
		fail_with "$(echo "$z" | wc -l) zombies left (pid ppid):" $z
	fi
	# The payload is still running: the zombies went while it lived.
	[ "$(proc_field "$PIDONE_PID" 3)" != Z ]
	[ -n "$(children "$PIDONE_PID")" ]
	kill -TERM "$PIDONE_PID"
	wait_guard
	[ "$status" -eq 143 ]
}

count_reaped() {
	local n
	n=$(grep -c '^pidone: warning: .*reaped' "$ERR" || true)
	[ "$n" -ge "$1" ]
}

case_warn_reap() {
	start_pidone -w -- "$HELPERS/orphans" 200
	wait_for_line "$OUT" "done" 30
	find_pidone
	wait_until 10 count_reaped 200 || true
	kill -TERM "$PIDONE_PID"
	wait_guard
	[ "$status" -eq 143 ]
	# One line per orphan, each a different process; none for the payload
	# and nothing else at the default verbosity.
	[ "$(grep -c '^pidone: warning: .*reaped' "$ERR")" -eq 200 ]
	[ "$(grep '^pidone: warning: .*reaped' "$ERR" | sort -u | wc -l)" -eq 200 ]
	[ "$(wc -l <"$ERR")" -eq 200 ]
}

case_subreaper_says_so() {
	run -0 --separate-stderr pidone_fg -v -- true
	printf '%s\n' "$stderr" | grep -q '^pidone: info: .*subreaper'
}

@test "no zombie survives while the payload runs (200 orphans) [pid1]" { use_mode pid1; case_no_zombies; }
@test "no zombie survives while the payload runs (200 orphans) [plain]" { use_mode plain; case_no_zombies; }
@test "-w logs one line per reaped orphan [pid1]" { use_mode pid1; case_warn_reap; }
@test "-w logs one line per reaped orphan [plain]" { use_mode plain; case_warn_reap; }
@test "not PID 1: registers as subreaper and says so at -v [plain]" { use_mode plain; case_subreaper_says_so; }

# --- forwarding ------------------------------------------------------------

forwarded=(TERM INT HUP QUIT USR1 USR2 WINCH CONT)

case_forward() {
	local s
	start_pidone -- "$HELPERS/sigecho" CONT
	wait_for_line "$OUT" ready
	find_pidone
	for s in "${forwarded[@]}"; do
		kill -s "$s" "$PIDONE_PID"
		wait_for_line "$OUT" "$s"
	done
	wait_guard
	[ "$status" -eq 0 ]
	# Each exactly once, in order.
	[ "$(cat "$OUT")" = "$(printf '%s\n' ready "${forwarded[@]}")" ]
}

# tree.sh: the payload is a sigecho whose grandchild (through a shell that
# ignores the signals) is another sigecho in the same process group.
write_tree() {
	cat >"$T/tree.sh" <<'EOF'
#!/bin/sh
# $1: helpers, $2: where the grandchild writes g.out and g.pid, $3: the
# signal that ends both sigechos
sh -c 'trap "" HUP INT QUIT USR1 USR2 TERM
"$1"/sigecho "$3" >"$2"/g.out &
echo $! >"$2"/g.pid
wait' sh "$1" "$2" "$3" &
exec "$1"/sigecho "$3"
EOF
	chmod +x "$T/tree.sh"
}

# start_tree ARGS...: start pidone ARGS on tree.sh; sets G (the
# grandchild's host pid) and PAYLOAD (the payload's host pid).  Both end on
# ${TREE_EXIT:-CONT}.
start_tree() {
	write_tree
	start_pidone "$@" -- "$T/tree.sh" "$HELPERS" "$T" "${TREE_EXIT:-CONT}"
	wait_for_line "$OUT" ready
	wait_for_line "$T/g.out" ready
	wait_until 5 test -s "$T/g.pid"
	find_pidone
	G=$(host_pid "$(cat "$T/g.pid")")
	PAYLOAD=$(children "$PIDONE_PID")
	[ "$(echo "$PAYLOAD" | wc -l)" -eq 1 ]
	# Sanity: the grandchild really is one, in the payload's group.
	[ "$(proc_field "$(proc_field "$G" 4)" 4)" = "$PAYLOAD" ]
	[ "$(proc_field "$G" 5)" = "$PAYLOAD" ]
}

# The signal that ends the payload goes last, and it is USR2 (12): once the
# payload is gone the drain sends the group a SIGTERM (15), and a pending
# signal with a lower number is taken first, so the grandchild still
# reports USR2 before anything of the drain's (with CONT, 18, last, the
# drain's TERM could overtake it).
case_forward_group() {
	local s order=(TERM INT HUP QUIT USR1 WINCH CONT USR2)
	TREE_EXIT=USR2 start_tree -g
	for s in "${order[@]}"; do
		kill -s "$s" "$PIDONE_PID"
		wait_for_line "$OUT" "$s"
		wait_for_line "$T/g.out" "$s"
	done
	wait_guard
	[ "$status" -eq 0 ]
	[ "$(cat "$OUT")" = "$(printf '%s\n' ready "${order[@]}")" ]
	[ "$(cat "$T/g.out")" = "$(printf '%s\n' ready "${order[@]}")" ]
}

case_forward_no_group() {
	start_tree
	kill -s USR1 "$PIDONE_PID"
	wait_for_line "$OUT" USR1
	# A kill() of the group would have made USR1 pending in the grandchild
	# before the payload could see it; sigecho's wait takes the lowest
	# pending signal first, so once the grandchild reports our USR2, it
	# would have reported USR1 before it.
	kill -s USR2 "$G"
	wait_for_line "$T/g.out" USR2
	[ "$(cat "$T/g.out")" = "$(printf '%s\n' ready USR2)" ]
	kill -s CONT "$G"
	kill -s CONT "$PIDONE_PID"
	wait_guard
	[ "$status" -eq 0 ]
}

# core_presig has a child of its own send the signal (pidone may rightly
# drop signals whose sender is its own pid), checks it is pending (blocked,
# so it survives execve), then execs pidone: the signal reached pidone
# before pidone even ran.  Pending signals are not inherited over fork, so
# the payload reports it only if pidone forwarded it.  The payload starts
# with it blocked, as pidone was started; sigecho blocks everything anyway.
case_signal_before_payload() {
	local num name
	for num in 10 15; do
		name=$(kill -l "$num")
		start_in_mode "$HELPERS/core_presig" "$num" -- \
			"$PIDONE" -- "$HELPERS/sigecho" "$name"
		wait_guard
		[ "$status" -eq 0 ]
		[ "$(cat "$OUT")" = "$(printf '%s\n' ready "$name")" ]
	done
}

@test "TERM INT HUP QUIT USR1 USR2 WINCH CONT reach the payload [pid1]" { use_mode pid1; case_forward; }
@test "TERM INT HUP QUIT USR1 USR2 WINCH CONT reach the payload [plain]" { use_mode plain; case_forward; }
@test "-g: signals reach a grandchild in the payload's group [pid1]" { use_mode pid1; case_forward_group; }
@test "-g: signals reach a grandchild in the payload's group [plain]" { use_mode plain; case_forward_group; }
@test "without -g: only the payload gets the signal [pid1]" { use_mode pid1; case_forward_no_group; }
@test "without -g: only the payload gets the signal [plain]" { use_mode plain; case_forward_no_group; }
@test "a signal pending before the payload exists reaches it [pid1]" { use_mode pid1; case_signal_before_payload; }
@test "a signal pending before the payload exists reaches it [plain]" { use_mode plain; case_signal_before_payload; }

# --- the payload's start ---------------------------------------------------

case_signal_state() {
	local want
	local some=(-b 1 -b 10 -b 20 -b 21 -b 32 -b 33 -b 40
		-i 2 -i 3 -i 13 -i 15 -i 17 -i 22 -i 34 -i 50)
	local probe=(grep -E '^Sig(Blk|Ign):' /proc/self/status)

	# Empty start: nothing blocked, nothing ignored, whatever pidone does
	# to itself (it blocks nearly everything and may ignore TTIN/TTOU).
	run -0 in_mode "$HELPERS/core_sigstart" -- "${probe[@]}"
	[ "$output" = "$(printf 'SigBlk:\t%s\nSigIgn:\t%s' 0000000000000000 0000000000000000)" ]
	want=$output
	run -0 in_mode "$HELPERS/core_sigstart" -- "$PIDONE" -- "${probe[@]}"
	[ "$output" = "$want" ]

	# Some blocked (HUP USR1 TSTP TTIN 32 33 40) and some ignored (INT QUIT
	# PIPE TERM CHLD TTOU 34 50): the payload gets exactly these.  TTIN
	# blocked with TTOU ignored catches a reset of both; 32-34 are the ones
	# the C libraries hide; an ignored CHLD must not stop pidone from
	# seeing its payload exit.
	run -0 in_mode "$HELPERS/core_sigstart" "${some[@]}" -- "${probe[@]}"
	want=$output
	[[ ${lines[0]} == SigBlk:* ]] && [[ ${lines[0]} != *0000000000000000 ]]
	[[ ${lines[1]} == SigIgn:* ]] && [[ ${lines[1]} != *0000000000000000 ]]
	run -0 in_mode "$HELPERS/core_sigstart" "${some[@]}" -- "$PIDONE" -- "${probe[@]}"
	[ "$output" = "$want" ]
}

case_no_fd_leak() {
	local want
	: >"$T/extra"
	(
		# Only 0 1 2 5 7, whatever the test runner left open.
		for fd in /proc/"$BASHPID"/fd/*; do
			fd=${fd##*/}
			if [ "$fd" -gt 2 ]; then
				eval "exec $fd>&-" 2>/dev/null || true
			fi
		done
		exec 5</dev/null 7>>"$T/extra"
		pidone_fg -- "$HELPERS/core_fds" >"$OUT" 2>"$ERR"
	)
	want=$(printf '0 /dev/null\n1 %s\n2 %s\n5 /dev/null\n7 %s' "$OUT" "$ERR" "$T/extra")
	[ "$(cat "$OUT")" = "$want" ] || fail_with "fds: $(cat "$OUT" "$ERR")"
	[ ! -s "$ERR" ]
}

@test "payload gets the signal mask and dispositions pidone got [pid1]" { use_mode pid1; case_signal_state; }
@test "payload gets the signal mask and dispositions pidone got [plain]" { use_mode plain; case_signal_state; }
@test "payload sees exactly the fds passed in [pid1]" { use_mode pid1; case_no_fd_leak; }
@test "payload sees exactly the fds passed in [plain]" { use_mode plain; case_no_fd_leak; }

# --- parent death, idleness ------------------------------------------------

case_pdeathsig() {
	local parent
	# The parent is a process we start (and the guard's child): unshare
	# in [pid1] (without --kill-child), a shell in [plain].
	if [ "$PIDONE_MODE" = pid1 ]; then
		start_bg -l unshare --pid --fork --mount-proc -- \
			"$PIDONE" -p SIGUSR1 -- "$HELPERS/sigecho" USR1
	else
		start_bg -l sh -c '"$@" & wait' sh \
			"$PIDONE" -p SIGUSR1 -- "$HELPERS/sigecho" USR1
	fi
	wait_for_line "$OUT" ready
	find_pidone
	parent=$(proc_field "$PIDONE_PID" 4)
	[ "$(proc_field "$parent" 4)" = "$GUARD_PID" ]
	! grep -qx USR1 "$OUT"
	kill -KILL "$parent"
	wait_for_line "$OUT" USR1
	wait_guard
	[ "$status" -eq 137 ]	# the parent's death, as the guard saw it
	[ "$(cat "$OUT")" = "$(printf '%s\n' ready USR1)" ]
}

ctxt() {
	sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' /proc/"$1"/status
}

sleeping() {
	[ "$(proc_field "$1" 3)" = S ]
}

case_zero_wakeups() {
	local before after
	start_pidone -- "$HELPERS/sigecho" TERM
	wait_for_line "$OUT" ready
	find_pidone
	wait_until 5 sleeping "$PIDONE_PID"
	before=$(ctxt "$PIDONE_PID")
	sleep 3	# the measurement itself, not a synchronisation
	after=$(ctxt "$PIDONE_PID")
	kill -TERM "$PIDONE_PID"
	wait_guard
	[ "$status" -eq 0 ]
	[ -n "$before" ]
	[ "$before" = "$after" ] || fail_with "pidone woke up $((after - before)) times in 3 s"
}

@test "-p SIGUSR1: pidone gets SIGUSR1 when its parent dies [pid1]" { use_mode pid1; case_pdeathsig; }
@test "-p SIGUSR1: pidone gets SIGUSR1 when its parent dies [plain]" { use_mode plain; case_pdeathsig; }
@test "no wake-up while the payload sleeps 3 s [pid1]" { use_mode pid1; case_zero_wakeups; }
@test "no wake-up while the payload sleeps 3 s [plain]" { use_mode plain; case_zero_wakeups; }

# --- TTY -------------------------------------------------------------------

case_tty() {
	local cmd pid pgrp tty tpgid
	command -v script >/dev/null || skip "script(1) from util-linux is not installed"
	cat >"$T/tty.sh" <<'EOF'
#!/bin/sh
# $1: where to write, $2: helpers
s=$(cat /proc/$$/stat)
s=${s##*) }
set -- "$1" "$2" $s
echo "$$ $5 $7 $8" >"$1"/tty.info	# pid pgrp tty_nr tpgid
grep -E '^Sig(Blk|Ign):' /proc/self/status >"$1"/tty.sig
exec "$2"/sigecho INT >"$1"/tty.out 2>&1
EOF
	chmod +x "$T/tty.sh"
	mkfifo "$T/in"
	exec 4<>"$T/in"	# a writer for script's stdin, kept open
	# Started with nothing blocked or ignored: whatever pidone does to
	# itself for the TTY (it ignores TTIN/TTOU) must not reach the payload.
	cmd=$(printf '%q ' "${MODE_PREFIX[@]}" "$HELPERS/core_sigstart" -- \
		"$PIDONE" -- "$T/tty.sh" "$T" "$HELPERS")
	STDIN=$T/in start_bg env SHELL=/bin/sh script -qefc "$cmd" /dev/null
	wait_for_line "$T/tty.out" ready
	read -r pid pgrp tty tpgid <"$T/tty.info"
	# The payload leads its own group, has a controlling TTY, and its group
	# is the TTY's foreground group from the start.
	[ "$pgrp" = "$pid" ] || fail_with "payload $pid is in group $pgrp"
	[ "$tty" != 0 ] || fail_with "payload has no controlling tty"
	[ "$tpgid" = "$pgrp" ] || fail_with "foreground group $tpgid, payload's group $pgrp"
	[ "$(cat "$T/tty.sig")" = "$(printf 'SigBlk:\t%s\nSigIgn:\t%s' 0000000000000000 0000000000000000)" ] ||
		fail_with "payload's signal state under a TTY: $(cat "$T/tty.sig")"
	printf '\003' >&4	# Ctrl-C
	wait_for_line "$T/tty.out" INT
	wait_guard
	exec 4>&-
	[ "$status" -eq 0 ]
	[ "$(cat "$T/tty.out")" = "$(printf '%s\n' ready INT)" ]
}

@test "TTY: the payload is the foreground group and gets Ctrl-C [pid1]" { use_mode pid1; case_tty; }
@test "TTY: the payload is the foreground group and gets Ctrl-C [plain]" { use_mode plain; case_tty; }
