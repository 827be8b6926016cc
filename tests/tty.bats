#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Terminals (SPEC §9): from an interactive shell, pidone [--pidns]
# [--setsid] -- CMD behaves as CMD run directly.  Each case drives a real
# interactive bash in a tmux server of its own (a socket in the case's
# directory): keys go in with send-keys, the screen comes back with
# capture-pane, every wait is a bounded poll, and teardown SIGKILLs what the
# server started, by pid, before it kills the server.  Where CMD run
# directly makes the expectation exact, the same scenario runs without
# pidone too ([direct]).

bats_require_minimum_version 1.5.0

load common

setup() {
	command -v tmux >/dev/null || skip "tmux is not installed"
	T=$BATS_TEST_TMPDIR
	SOCK=$T/tmux.sock
	ln -s "$PIDONE" "$T/dumb-init"
	ln -s "$PIDONE" "$T/tini"
	STEP=0
}

teardown() {
	local server
	[ -S "${SOCK:-}" ] || return 0
	server=$(tmux -S "$SOCK" display-message -p '#{pid}' 2>/dev/null)
	[ -z "$server" ] || kill_descendants "$server"
	tmux -S "$SOCK" kill-server 2>/dev/null || true
}

# The environment of every shell and program in the pane: fixed, so that
# no rc file, history or prompt command gets in the way.
pane_env() {
	printf '%q ' env -i PATH="$PATH" HOME="$T" TERM=screen LANG=C \
		HISTFILE=/dev/null P="$PIDONE" D="$T/dumb-init" \
		TI="$T/tini" F="$T/file"
}

# tmux_run CMD: a tmux server of the case's own, one 100x30 pane running CMD
# (the pane's first process leads a new session with the pane's terminal).
# tmux starts CMD with `$SHELL -c`: /bin/sh here, whatever the caller's
# $SHELL, and CMD is exec'd, since a shell that stayed (dash does) would be
# the pane's process instead of CMD.
tmux_run() {
	seq -f 'line-%g' 1 200 >"$T/file"
	SHELL=/bin/sh TMUX='' tmux -S "$SOCK" -f /dev/null new-session -d -x 100 -y 30 \
		"exec $1" </dev/null >/dev/null 2>&1 3>&-
	tmux -S "$SOCK" set-option -g history-limit 5000 >/dev/null
}

# start_shell: an interactive bash as the pane's first process, at its
# prompt.
start_shell() {
	tmux_run "$(pane_env) PS1='tty\$ ' bash --norc --noprofile -i"
	wait_pane 10 '^tty\$'
	SHELL_PID=$(tmux -S "$SOCK" display-message -p '#{pane_pid}')
}

keys() {
	tmux -S "$SOCK" send-keys "$@"
}

# line TEXT: type TEXT and Enter.
line() {
	tmux -S "$SOCK" send-keys -l -- "$1"
	tmux -S "$SOCK" send-keys Enter
}

pane() {
	tmux -S "$SOCK" capture-pane -p -J -S - 2>/dev/null
}

pane_has() {
	pane | grep -qE -- "$1"
}

# wait_pane SECONDS ERE: wait for a line matching ERE; on a timeout, show
# the pane and fail.
wait_pane() {
	if ! wait_until "$1" pane_has "$2"; then
		echo "--- the pane never showed /$2/:"
		pane | grep -v '^$' | tail -n 25
		return 1
	fi
}

# status_is N: the shell is at its prompt and $? is N.  Typed only once
# the job is gone: a program that leaves sets the terminal back with
# TCSAFLUSH, which discards what was typed ahead.
status_is() {
	if ! wait_until 10 no_job; then
		echo "--- the job is still there:"
		pane | grep -v '^$' | tail -n 25
		return 1
	fi
	STEP=$((STEP + 1))
	line "echo \"rc$STEP=\$?\""
	wait_pane 10 "^rc$STEP=$1\$"
}

# shell_alive: the shell reads and runs a command line.
shell_alive() {
	STEP=$((STEP + 1))
	line "echo \"alive$STEP-\$((6 * 7))\""
	wait_pane 10 "^alive$STEP-42\$"
}

# pid_of NAME [STATE]: a descendant of the pane's first process running
# NAME (optionally in STATE: S, T...), printed.
pid_of() {
	local p s
	descendants_into "$SHELL_PID"
	for p in "${DESC[@]}"; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ] || continue
		s=$(proc_field "$p" 3) || continue
		if [ -z "${2:-}" ] || [ "$s" = "$2" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# await NAME [STATE]: wait for pid_of NAME STATE; sets PID.
await() {
	local i
	for ((i = 0; i < 1000; i++)); do
		PID=$(pid_of "$@") && return 0
		sleep 0.01
	done
	echo "no $1 ${2:-} below the shell" >&2
	return 1
}

# no_job: the shell has no child left.
no_job() {
	[ -z "$(children "$SHELL_PID")" ]
}

# job: the pid of the shell's job (its first child).
job() {
	children "$SHELL_PID" | head -n 1
}

# no_stray_output: pidone said nothing on the terminal.
no_stray_output() {
	if pane_has 'pidone: '; then
		pane | grep 'pidone: '
		return 1
	fi
}

# --- 1. Ctrl-Z, fg, Ctrl-C -------------------------------------------------

# The payload stops; the job shows Stopped and the prompt is back; fg gives
# the payload the terminal again and Ctrl-C ends it with 130.
case_ctrl_z() {
	start_shell
	line "$1 sleep 100"
	await sleep S
	keys C-z
	wait_pane 10 '^\[1\]\+ +Stopped'
	shell_alive
	line fg
	await sleep S
	wait_until 10 eval '[ "$(proc_field "$PID" 8)" = "$(proc_field "$PID" 5)" ]'
	keys C-c
	status_is 130
	no_stray_output
}

@test "Ctrl-Z stops the job, fg resumes it with the terminal [direct]" { case_ctrl_z ""; }
@test "Ctrl-Z stops the job, fg resumes it with the terminal [pidone]" { case_ctrl_z '"$P" --'; }
@test "Ctrl-Z stops the job, fg resumes it with the terminal [-g]" { case_ctrl_z '"$P" -g --'; }
@test "Ctrl-Z stops the job, fg resumes it with the terminal [--pidns]" { case_ctrl_z '"$P" --pidns --'; }
@test "Ctrl-Z stops the job, fg resumes it with the terminal [--setsid]" { case_ctrl_z '"$P" --setsid --'; }

# Ctrl-Z in a full-screen program: it restores the screen, stops, and draws
# again after fg.
case_ctrl_z_less() {
	start_shell
	line "$1 less \"\$F\""
	wait_pane 10 '^line-29$'
	keys C-z
	wait_pane 10 '^\[1\]\+ +Stopped'
	shell_alive
	line fg
	keys g
	wait_until 10 eval '[ "$(tmux -S "$SOCK" capture-pane -p | head -n 1)" = line-1 ]'
	keys q
	status_is 0
	no_stray_output
}

@test "Ctrl-Z in less, fg draws it again [direct]" { case_ctrl_z_less ""; }
@test "Ctrl-Z in less, fg draws it again [pidone]" { case_ctrl_z_less '"$P" --'; }
@test "Ctrl-Z in less, fg draws it again [--pidns]" { case_ctrl_z_less '"$P" --pidns --'; }

# Only a terminal's stop is dropped where nobody does job control: PID 1
# without a terminal keeps a payload stopped by a forwarded TSTP (docker
# kill -s TSTP) until a CONT.
@test "PID 1 without a terminal: a forwarded TSTP stops the payload until CONT" {
	local ns init p
	unshare --pid --fork --mount-proc true 2>/dev/null || skip "no PID namespace here"
	unshare --pid --fork --mount-proc --kill-child "$PIDONE" -- sleep 100 \
		</dev/null >/dev/null 2>&1 3>&- &
	ns=$!
	SHELL_PID=$ns
	await sleep S
	p=$PID
	init=$(proc_field "$p" 4)
	kill -TSTP "$init"
	wait_until 10 eval '[ "$(proc_field "$p" 3)" = T ]'
	# A continue would come from the very wake-up that saw the stop.
	if wait_until 1 eval '[ "$(proc_field "$p" 3)" != T ]' 2>/dev/null; then
		kill -KILL "$ns"
		fail_with "the payload was continued"
	fi
	kill -CONT "$init"
	wait_until 10 eval '[ "$(proc_field "$p" 3)" = S ]'
	kill -KILL "$ns"
	wait "$ns" || true
}

# --- 2. a background job never takes the terminal --------------------------

case_background() {
	local pg
	start_shell
	line "$1 sleep 100 &"
	await sleep S
	# The payload runs (its start is where the terminal was taken): the
	# shell's group still owns the terminal, and the shell reads.
	pg=$(proc_field "$SHELL_PID" 8)
	[ "$pg" = "$SHELL_PID" ] || fail_with "terminal's group $pg, shell $SHELL_PID"
	shell_alive
	shell_alive
	line 'kill %1; wait'
	status_is 0
	no_stray_output
}

@test "started in the background, the job leaves the terminal alone [direct]" { case_background ""; }
@test "started in the background, the job leaves the terminal alone [pidone]" { case_background '"$P" --'; }
@test "started in the background, the job leaves the terminal alone [--pidns]" { case_background '"$P" --pidns --'; }
@test "started in the background, the job leaves the terminal alone [unshare -pf pidone]" {
	unshare --pid --fork true 2>/dev/null || skip "no PID namespace here"
	case_background 'unshare --pid --fork "$P" --'
}

# --- 3. a background reader stops as "tty input"; fg lets it read ----------

case_background_read() {
	start_shell
	line "$1 cat -n &"
	await cat T
	wait_until 10 eval '[ "$(proc_field "$(job)" 3)" = T ]'
	# Some bash builds name the signal ("Stopped (tty input)"), this one
	# does not; either way the job must not read "Running".
	line jobs
	wait_pane 10 '^\[1\]\+ +Stopped'
	line fg
	await cat S
	line hello
	wait_pane 10 '^ +1[[:space:]]+hello$'
	keys C-d
	status_is 0
	no_stray_output
}

@test "a background reader shows Stopped (tty input); fg reads [direct]" { case_background_read ""; }
@test "a background reader shows Stopped (tty input); fg reads [pidone]" { case_background_read '"$P" --'; }
@test "a background reader shows Stopped (tty input); fg reads [--pidns]" { case_background_read '"$P" --pidns --'; }
@test "a background reader shows Stopped (tty input); fg reads [--setsid]" { case_background_read '"$P" --setsid --'; }

# --- 4. setsid mode: a shell inside has job control -------------------------

# An interactive bash as the payload: it must own the terminal (no "no job
# control"), and its own Ctrl-Z must bring its own prompt back.
inner_shell_works() {
	wait_pane 10 '^in\$'
	line 'tty; sleep 100'
	wait_pane 10 '^/dev/pts/[0-9]+$'
	await sleep S
	keys C-z
	wait_pane 10 '^\[1\]\+ +Stopped +sleep 100'
	line 'echo "inner-$((6 * 7))"'
	wait_pane 10 '^inner-42$'
	# fg and Ctrl-C rather than kill %1: a killed job may still be listed
	# as stopped for a moment, and then bash refuses to exit.
	line fg
	await sleep S
	wait_until 10 eval '[ "$(proc_field "$PID" 8)" = "$(proc_field "$PID" 5)" ]'
	keys C-c
	wait_until 10 eval '! pid_of sleep >/dev/null'
	line 'echo "inner-$((6 * 8))"'
	wait_pane 10 '^inner-48$'
	if pane_has 'no job control|cannot set terminal process group'; then
		pane | grep -E 'job control|terminal process group'
		return 1
	fi
}

case_setsid_from_shell() {
	start_shell
	line "PS1='in\$ ' $1 bash --norc --noprofile -i"
	inner_shell_works
	line 'exit 7'
	status_is 7
	no_stray_output
}

@test "setsid mode from a shell: the inner shell has job control [--setsid]" { case_setsid_from_shell '"$P" --setsid --'; }
@test "setsid mode from a shell: the inner shell has job control [dumb-init]" { case_setsid_from_shell '"$D" --'; }
@test "setsid mode from a shell: the inner shell has job control [DUMB_INIT_SETSID=1]" { case_setsid_from_shell 'DUMB_INIT_SETSID=1 "$P" --'; }
@test "setsid mode from a shell: the inner shell has job control [--pidns --setsid]" { case_setsid_from_shell '"$P" --pidns --setsid --'; }

# pidone as the pane's first process: it leads the terminal's session, as
# under docker run -it or a login.
case_session_leader() {
	tmux_run "$(pane_env) PS1='in\$ ' $1 bash --norc --noprofile -i"
	SHELL_PID=$(tmux -S "$SOCK" display-message -p '#{pane_pid}')
	inner_shell_works
}

@test "pidone leads the terminal's session: the inner shell has job control [pidone]" { case_session_leader "$PIDONE --"; }
@test "pidone leads the terminal's session: the inner shell has job control [--setsid]" { case_session_leader "$PIDONE --setsid --"; }
@test "pidone leads the terminal's session: the inner shell has job control [--pidns]" { case_session_leader "$PIDONE --pidns --"; }
@test "pidone leads the terminal's session: the inner shell has job control [--pidns --setsid]" { case_session_leader "$PIDONE --pidns --setsid --"; }

# As the session leader, Ctrl-Z on a plain payload is dropped, as the kernel
# drops it for `sleep` as the pane's first process (an orphaned group):
# the pane does not hang, and Ctrl-C still ends it.
case_leader_ctrl_z() {
	tmux_run "$(pane_env) sh -c '$1 sleep 100; echo \"rc=\$?\"; sleep 100'"
	SHELL_PID=$(tmux -S "$SOCK" display-message -p '#{pane_pid}')
	await sleep
	keys C-z
	# Continued at once (if it stopped at all): wait for it to run.
	wait_until 10 eval '[ "$(proc_field "$(pid_of sleep)" 3)" = S ]'
	keys C-c
	wait_pane 10 'rc=130$'
}

@test "session leader: Ctrl-Z does not hang the pane [pidone]" { case_leader_ctrl_z "$PIDONE --"; }
@test "session leader: Ctrl-Z does not hang the pane [--pidns]" { case_leader_ctrl_z "$PIDONE --pidns --"; }

# --- 5. after the payload: the terminal comes back --------------------------

# A leftover ignores INT and TERM; a Ctrl-C during the drain must reach
# pidone and cut the 10 s grace short.
case_drain_ctrl_c() {
	local t0
	start_shell
	line "$1 sh -c '(trap \"\" INT TERM; exec sleep 100) & exec sleep 0.2'"
	# The payload is gone once only the leftover sleep is left.
	await sleep S
	wait_until 10 only_leftover
	t0=$SECONDS
	keys C-c
	status_is 0
	[ $((SECONDS - t0)) -lt 6 ] || fail_with "the drain took $((SECONDS - t0)) s after Ctrl-C"
}

# only_leftover: one sleep left below the shell, and it ignores INT.
only_leftover() {
	local p n=0 ign
	descendants_into "$SHELL_PID"
	for p in "${DESC[@]}"; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sleep ] || continue
		ign=$(sed -n 's/^SigIgn:\t//p' "/proc/$p/status" 2>/dev/null)
		# SIGINT is bit 1 of the mask.
		[ $((0x${ign:-0} & 2)) -ne 0 ] || return 1
		n=$((n + 1))
	done
	[ "$n" -eq 1 ]
}

@test "after the payload, a second Ctrl-C cuts the drain short [pidone]" { case_drain_ctrl_c '"$P" -t 10 --'; }
@test "after the payload, a second Ctrl-C cuts the drain short [--pidns]" { case_drain_ctrl_c '"$P" --pidns -t 10 --'; }

# A script that reads after pidone finds the terminal where it was.
case_script_reads_after() {
	start_shell
	line "bash -c '$1 true; read -r x; echo \"got=\$x\"'"
	STEP=$((STEP + 1))
	# Typed ahead or not, the line reaches read.
	line "abc$STEP"
	wait_pane 10 "^got=abc$STEP\$"
	status_is 0
}

@test "a script reading after pidone gets the terminal [direct]" { case_script_reads_after ""; }
@test "a script reading after pidone gets the terminal [pidone]" { case_script_reads_after '"$P" --'; }
@test "a script reading after pidone gets the terminal [--pidns]" { case_script_reads_after '"$P" --pidns --'; }

# --- 6. Ctrl-C ends a shell loop around pidone ------------------------------

case_loop() {
	start_shell
	line "for i in 1 2 3; do $1 sleep 100; echo \"iter \$i rc=\$?\"; done"
	await sleep S
	keys C-c
	status_is 130
	if pane_has '^iter '; then
		pane | grep '^iter '
		return 1
	fi
}

@test "Ctrl-C ends a loop around the job [direct]" { case_loop ""; }
@test "Ctrl-C ends a loop around the job [pidone]" { case_loop '"$P" --'; }
@test "Ctrl-C ends a loop around the job [-g]" { case_loop '"$P" -g --'; }
@test "Ctrl-C ends a loop around the job [--pidns]" { case_loop '"$P" --pidns --'; }
@test "Ctrl-C ends a loop around the job [--setsid]" { case_loop '"$P" --setsid --'; }

@test "not PID 1: pidone dies of the payload's signal, with no core of its own" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	ends_with "signal 2" "$PIDONE" -- sh -c 'kill -INT $$'
	ends_with "signal 15" "$PIDONE" -t 0 -- sh -c 'kill -TERM $$'
	ends_with "signal 3" "$PIDONE" -- sh -c 'kill -QUIT $$'
	ends_with "exit 0" "$PIDONE" -e 130 -- sh -c 'kill -INT $$'
	ends_with "exit 3" "$PIDONE" -- sh -c 'exit 3'
	# The shell still reads 128+N.
	run -0 env --default-signal bash -c '"$1" -- sh -c "kill -INT \$\$"; echo "rc=$?"' _ "$PIDONE"
	[ "$output" = rc=130 ]
}

@test "--pidns: the relay dies of the payload's signal" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	unshare --pid --fork --mount-proc true 2>/dev/null || skip "no PID namespace here"
	ends_with "signal 2" "$PIDONE" --pidns -- sh -c 'kill -INT $$'
	ends_with "exit 0" "$PIDONE" --pidns -e 130 -- sh -c 'kill -INT $$'
}

@test "PID 1 and the peers' names exit 128+N" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	ends_with "exit 130" "$T/tini" -- sh -c 'kill -INT $$'
	ends_with "exit 130" "$T/dumb-init" -c -- sh -c 'kill -INT $$'
	ln -s "$PIDONE" "$T/catatonit"
	ends_with "exit 130" "$T/catatonit" -- sh -c 'kill -INT $$'
	if unshare --pid --fork --mount-proc true 2>/dev/null; then
		# unshare passes a death by signal on; it gets an exit here.
		ends_with "exit 130" unshare --pid --fork --mount-proc --kill-child \
			"$PIDONE" -- sh -c 'kill -INT $$'
	fi
}

# --- 7. what already worked ----------------------------------------------

case_keys() {
	start_shell
	line "$1 sleep 100"
	await sleep S
	keys C-c
	status_is 130
	line "$1 sleep 100"
	await sleep S
	keys 'C-\'
	status_is 131
	line "$1 cat -n"
	await cat S
	line hello
	wait_pane 10 '^ +1[[:space:]]+hello$'
	keys C-d
	status_is 0
	line "$1 bash --norc -c 'read -r -p \"name? \" n; echo \"hi \$n\"'"
	wait_pane 10 '^name\? $'
	line bob
	wait_pane 10 '^hi bob$'
	status_is 0
	no_stray_output
}

@test "Ctrl-C, Ctrl-\\, Ctrl-D, read -p [direct]" { case_keys ""; }
@test "Ctrl-C, Ctrl-\\, Ctrl-D, read -p [pidone]" { case_keys '"$P" --'; }
@test "Ctrl-C, Ctrl-\\, Ctrl-D, read -p [--pidns]" { case_keys '"$P" --pidns --'; }
@test "Ctrl-C, Ctrl-\\, Ctrl-D, read -p [--setsid]" { case_keys '"$P" --setsid --'; }

case_screen() {
	start_shell
	line "$1 sh -c 'trap \"stty size\" WINCH; echo ready; while :; do sleep 0.05; done'"
	wait_pane 10 '^ready$'
	tmux -S "$SOCK" resize-window -x 90 -y 25
	wait_pane 10 '^25 90$'
	keys C-c
	status_is 130
	line "$1 vi -u NONE -N \"\$F\""
	wait_pane 10 '^line-20$'
	line ':q'
	status_is 0
	line "$1 less \"\$F\""
	wait_pane 10 '^line-20$'
	keys q
	status_is 0
	# Both gave the screen back: the file is no longer on it.
	[ "$(tmux -S "$SOCK" capture-pane -p | grep -c '^line-')" -eq 0 ]
	no_stray_output
}

@test "window size changes, vi and less [direct]" { case_screen ""; }
@test "window size changes, vi and less [pidone]" { case_screen '"$P" --'; }
@test "window size changes, vi and less [--pidns]" { case_screen '"$P" --pidns --'; }
