# SPDX-License-Identifier: MIT
# Shared by drain.bats and control.bats (`load common`, then `load drain`):
# pidone as PID 1 of a PID namespace made for one case, in the foreground or
# in the background with its host pid at hand; an outer namespace for the
# cases where pidone must not be PID 1; clocks, signal masks, small checks.
#
# Safety: every pidone these suites start runs inside a PID namespace that
# the case itself creates (unshare --pid --fork --kill-child), so even a
# pidone that wrongly calls kill(-1, ...) reaches nothing outside it.

SIGECHO=$HELPERS/sigecho
TRAP=$HELPERS/drain_trap
SOCK=$HELPERS/drain_sock

# Bounded waits inside payload scripts; each of them sources "$LIB".
# `await FILE LINE` and `await_state PID STATE` give up after 10 s with
# exit 99, so a stuck payload shows up as a wrong exit status.
write_lib() {
	LIB=$T/lib.sh
	cat >"$LIB" <<'EOF'
await() {
	_i=0
	while ! grep -qxF -- "$2" "$1" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 1000 ]; then
			echo "await: timed out: $1: $2" >&2
			exit 99
		fi
		sleep 0.01
	done
}
proc_state() {
	_s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	_s=${_s##*) }
	echo "${_s%% *}"
}
await_state() {
	_i=0
	while [ "$(proc_state "$1")" != "$2" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 1000 ]; then
			echo "await_state: timed out: $1 not in state $2" >&2
			exit 99
		fi
		sleep 0.01
	done
}
EOF
}

drain_setup() {
	local h
	T=$BATS_TEST_TMPDIR
	NS='' INIT='' STATUS='' TMUX_SOCK=''
	PRE=()
	if [ ! -x "$PIDONE" ]; then
		echo "no pidone at $PIDONE (run make)" >&2
		return 1
	fi
	for h in "$SIGECHO" "$TRAP" "$SOCK"; do
		if [ ! -x "$h" ]; then
			echo "missing helper $h (run make helpers)" >&2
			return 1
		fi
	done
	if ! unshare --pid --fork --mount-proc --kill-child true 2>/dev/null; then
		skip "cannot create a PID namespace here (unshare --pid failed)"
	fi
	write_lib
}

# On failure bats shows this: what pidone printed.
drain_teardown() {
	local f
	if [ -n "$NS" ] && kill -0 "$NS" 2>/dev/null; then
		# timeout(1) leads its own process group: it, unshare, and
		# through --kill-child the whole namespace.
		kill -KILL -- "-$NS" 2>/dev/null || kill -KILL "$NS" || true
		wait "$NS" 2>/dev/null || true
	fi
	if [ -n "$TMUX_SOCK" ]; then
		tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
	fi
	for f in out err; do
		if [ -s "$T/$f" ]; then
			echo "--- pidone std$f:"
			cat "$T/$f"
		fi
	done
}

# pidone_ns ARGS...: pidone ARGS as PID 1 of a new PID namespace, in the
# foreground, killed after NS_TIMEOUT (30) seconds.
pidone_ns() {
	timeout -k 5 "${NS_TIMEOUT:-30}" \
		unshare --pid --fork --mount-proc --kill-child -- \
		"$PIDONE" "$@" </dev/null 3>&-
}

# outer_ns SCRIPT ARGS...: bash SCRIPT as PID 1 of a new PID namespace, for
# the cases where pidone must run as an ordinary process (not PID 1).
outer_ns() {
	timeout -k 5 "${NS_TIMEOUT:-30}" \
		unshare --pid --fork --mount-proc --kill-child -- \
		bash "$@" </dev/null 3>&-
}

# kids PID: the pids of PID's children, on one line (zombies too).
kids() {
	cat /proc/"$1"/task/*/children 2>/dev/null
}

# sig_in FIELD PID SIGNUM: SIGNUM is in the mask FIELD (SigBlk, SigCgt,
# ShdPnd, SigPnd) of /proc/PID/status.
sig_in() {
	local key val mask=
	while read -r key val; do
		if [ "$key" = "$1:" ]; then
			mask=$val
			break
		fi
	done <"/proc/$2/status" || return 1
	[ -n "$mask" ] && (( (16#$mask >> ($3 - 1)) & 1 ))
}

# takes_signals PID: PID blocks or catches SIGTERM, so a signal sent to it
# as PID 1 of a namespace is kept, not dropped.  Inside sigtimedwait() the
# kernel shows the waited-for signals as unblocked in SigBlk (it keeps the
# real mask aside), so a process asleep there counts too.
takes_signals() {
	local w
	sig_in SigBlk "$1" 15 || sig_in SigCgt "$1" 15 && return 0
	w=$(cat "/proc/$1/wchan" 2>/dev/null) || return 1
	[[ $w == *sigtimedwait* ]]
}

# pending PID SIGNUM: SIGNUM is still pending for PID (not yet taken).
pending() {
	sig_in ShdPnd "$1" "$2" || sig_in SigPnd "$1" "$2"
}

find_init() {
	local u
	u=$(kids "$NS")
	[ -n "$u" ] || return 1
	INIT=$(kids ${u%% *})
	INIT=${INIT%% *}
	[ -n "$INIT" ] && takes_signals "$INIT"
}

# start_ns ARGS...: pidone ARGS as PID 1 of a new namespace, in the
# background; stdout to $T/out, stderr to $T/err.  Sets NS (the wrapper to
# wait for) and INIT (pidone's pid as the test sees it), and returns once
# pidone takes signals.  The array PRE, if set, is a command that runs
# first inside the namespace and execs pidone (it stays PID 1).
start_ns() {
	timeout -k 5 "${NS_TIMEOUT:-30}" \
		unshare --pid --fork --mount-proc --kill-child -- \
		"${PRE[@]}" "$PIDONE" "$@" </dev/null >"$T/out" 2>"$T/err" 3>&- &
	NS=$!
	local i
	for ((i = 0; i < 1000; i++)); do
		find_init && return 0
		if ! kill -0 "$NS" 2>/dev/null || in_state "$NS" Z; then
			echo "start_ns: pidone $* ended before it took signals" >&2
			return 1
		fi
		sleep 0.01
	done
	echo "start_ns: pidone $* does not take signals after 10 s" >&2
	return 1
}

# finish_ns: wait for the background pidone; its exit status in STATUS.
finish_ns() {
	STATUS=0
	wait "$NS" || STATUS=$?
	NS=
}

# send SIG: signal pidone (by pid), then wait until it has taken it.  SIG
# is a name (TERM) or a number.
send() {
	local n=$1
	[[ $n == *[!0-9]* ]] && n=$(kill -l "$1")
	kill -s "$1" "$INIT"
	wait_until 10 not pending "$INIT" "$n"
}

not() {
	! "$@"
}

# payload_pid: pidone's first child (the payload) as the test sees it.
payload_pid() {
	local c
	c=$(kids "$INIT")
	echo "${c%% *}"
}

# state PID: the one-letter state of PID (R, S, T, Z, ...).
state() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	echo "${s%% *}"
}

in_state() {
	[ "$(state "$1")" = "$2" ]
}

not_in_state() {
	local s
	s=$(state "$1") || return 0
	[ "$s" != "$2" ]
}

# now_us: the wall clock in microseconds.
now_us() {
	local t=$EPOCHREALTIME
	echo "${t//[!0-9]/}"
}

# is GOT WANT [WHAT]: compare, and say both on a mismatch.
is() {
	if [ "$1" != "$2" ]; then
		printf '%s: got [%s], want [%s]\n' "${3:-value}" "$1" "$2"
		return 1
	fi
}

# within US LO HI: LO <= US/1000 < HI (milliseconds), said on failure.
within() {
	local ms=$(($1 / 1000))
	if [ "$ms" -lt "$2" ] || [ "$ms" -ge "$3" ]; then
		echo "took ${ms} ms, want [$2, $3) ms"
		return 1
	fi
}

# one_error_line: $stderr (from run --separate-stderr) is exactly one line
# starting with "pidone: error: ".
one_error_line() {
	if [ "${#stderr_lines[@]}" -ne 1 ] || [[ $stderr != "pidone: error: "* ]]; then
		printf 'want one "pidone: error: " line, got:\n%s\n' "$stderr"
		return 1
	fi
}

# A terminal for the job-control cases: a tmux server of the case's own
# (socket in $T, killed by drain_teardown), one pane running CMD with
# /bin/sh -c, whatever the caller's $SHELL.
tmux_start() {
	TMUX_SOCK=$T/tmux.sock
	SHELL=/bin/sh TMUX='' tmux -S "$TMUX_SOCK" -f /dev/null new-session -d -x 150 -y 40 \
		"$1" </dev/null >/dev/null 2>&1 3>&-
}

keys() {
	tmux -S "$TMUX_SOCK" send-keys "$@"
}

pane() {
	tmux -S "$TMUX_SOCK" capture-pane -p -J 2>/dev/null
}

# pane_has ERE: the pane shows a line matching ERE.
pane_has() {
	pane | grep -qE -- "$1"
}

# wait_pane SECONDS ERE: wait for the pane to show ERE; on a timeout, show
# the pane.
wait_pane() {
	if ! wait_until "$1" pane_has "$2"; then
		echo "--- the pane, which never showed /$2/:"
		pane
		return 1
	fi
}

pane_pid() {
	tmux -S "$TMUX_SOCK" display-message -p '#{pane_pid}' 2>/dev/null
}

# stat_field PID N: field N (1-based) of /proc/PID/stat, counting from the
# state as field 3 (the command name may hold spaces).
stat_field() {
	local s a
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	read -ra a <<<"$s"
	echo "${a[$2 - 3]}"
}

# child_of PID: PID's first child, once it has one (waits up to 10 s).
child_of() {
	local c i
	for ((i = 0; i < 1000; i++)); do
		c=$(kids "$1")
		if [ -n "$c" ]; then
			echo "${c%% *}"
			return 0
		fi
		sleep 0.01
	done
	echo "child_of: $1 has no child" >&2
	return 1
}
