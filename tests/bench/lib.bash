# SPDX-License-Identifier: MIT
# Shared by tests/bench/run and tests/bench/size: where things are, the
# helper build, and /proc lookups.  Sourced, not run.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$BENCH_DIR/../.." && pwd)
PIDONE=${PIDONE:-$TOP/pidone}
BUILD=${BENCH_BUILD:-$BENCH_DIR/build}

# build_helpers: tests/bench/NAME.c -> $BUILD/NAME, static, rebuilt when the
# source is newer.  musl-gcc like pidone itself; cc -static otherwise.
build_helpers() {
	local cc src out
	if command -v musl-gcc >/dev/null 2>&1; then
		cc=musl-gcc
	else
		cc=cc
	fi
	mkdir -p "$BUILD" || return 1
	for src in "$BENCH_DIR"/*.c; do
		out=$BUILD/$(basename "$src" .c)
		[ "$out" -nt "$src" ] && [ "$out" -nt "$BENCH_DIR/bench.h" ] &&
			continue
		"$cc" -static -O2 -Wall -Wextra -o "$out" "$src" || {
			echo "bench: cannot build $src with $cc" >&2
			return 1
		}
	done
}

# child_of PID: the pid of PID's child (the first found), by scanning every
# /proc/N/stat: /proc/PID/task/TID/children needs CONFIG_PROC_CHILDREN.
child_of() {
	local parent=$1 f s ppid
	for f in /proc/[0-9]*/stat; do
		{ read -r s <"$f"; } 2>/dev/null || continue
		read -r _ ppid _ <<<"${s##*) }"
		if [ "$ppid" = "$parent" ]; then
			f=${f#/proc/}
			echo "${f%/stat}"
			return 0
		fi
	done
	return 1
}

# status_kib PID FIELD: a "FIELD:  N kB" value of /proc/PID/status.
status_kib() {
	awk -v k="$2:" '$1 == k { print $2; found = 1 } END { exit !found }' \
		"/proc/$1/status"
}

# wait_file SECONDS FILE: bounded poll (10 ms steps) for FILE to exist.
wait_file() {
	local i n=$(($1 * 100))
	for ((i = 0; i < n; i++)); do
		[ -e "$2" ] && return 0
		sleep 0.01
	done
	return 1
}

# start_sleeper INIT... : run INIT... -- bench_payload pause as PID 1 of a
# fresh namespace in the background; sets SLEEPER_NS (the unshare pid, kill
# it to tear the namespace down) and SLEEPER_INIT (the namespace's PID 1).
# An empty INIT runs the payload itself as PID 1.
start_sleeper() {
	local ready
	ready=$(mktemp -u "${TMPDIR:-/tmp}/bench-ready.XXXXXX")
	if [ $# -gt 0 ]; then
		unshare --pid --fork --mount-proc --kill-child "$@" -- \
			"$BUILD/bench_payload" pause "$ready" </dev/null &
	else
		unshare --pid --fork --mount-proc --kill-child \
			"$BUILD/bench_payload" pause "$ready" </dev/null &
	fi
	SLEEPER_NS=$!
	SLEEPER_INIT=
	if ! wait_file 10 "$ready"; then
		echo "bench: $* did not start its payload" >&2
		kill "$SLEEPER_NS" 2>/dev/null
		return 1
	fi
	rm -f "$ready"
	# shellcheck disable=SC2034 # for the caller
	SLEEPER_INIT=$(child_of "$SLEEPER_NS") || {
		kill "$SLEEPER_NS" 2>/dev/null
		return 1
	}
}
