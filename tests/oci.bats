#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# pidone as the entrypoint of a real OCI container: runc, a busybox-static
# root filesystem, the static pidone at /sbin/pidone (contrib/oci/mkbundle).
# runc mounts the container's own /proc and grants no CAP_SYS_ADMIN, so
# pidone must find /proc right and try no mount.

bats_require_minimum_version 1.5.0

load common
load oci

setup_file() { oci_setup_file; }
setup() { oci_setup; }
teardown() { oci_teardown; }

# Poll a file in $OUT from inside the container (busybox sh, 10 ms steps,
# 10 s at most).
AWAIT='await() { i=0; while [ ! -s "$1" ]; do [ $i -lt 1000 ] || return 1; usleep 10000; i=$((i+1)); done; }'

@test "runc: the container's exit code is the payload's" {
	local want cmd
	while read -r want cmd; do
		oci_bundle /sbin/pidone -- /bin/sh -c "$cmd"
		run oci_exec
		echo "payload '$cmd': container exit $status, want $want"
		[ "$status" -eq "$want" ]
		# /proc is already right and mounting is not permitted:
		# pidone stays silent.
		[ -z "$output" ]
	done <<-'EOF'
	0 exit 0
	3 exit 3
	255 exit 255
	137 kill -KILL $$
	143 kill -TERM $$
	EOF
}

@test "runc: ps inside shows pidone as PID 1 and the payload as its child" {
	oci_bundle /sbin/pidone -- /bin/sh -c 'ps -o pid,ppid,args; echo "ppid=$PPID"'
	run -0 oci_exec
	echo "$output"
	[[ "$output" =~ (^|$'\n')\ *1\ +0\ +/sbin/pidone\ --\ /bin/sh ]]
	[[ "$output" == *$'\n'ppid=1 ]]
}

@test "runc: a payload that leaves orphans leaves no zombie" {
	oci_bundle /sbin/pidone -w -- /bin/sh -c "$AWAIT"'
		/bin/orphans 20 >/out/orphans &
		await /out/orphans || exit 9
		# the orphans are re-parented to PID 1; give it 5 s to reap
		i=0
		while z=$(sed "s/^.*) //" /proc/[0-9]*/stat 2>/dev/null | grep "^Z"); [ -n "$z" ] && [ $i -lt 500 ]; do
			usleep 10000; i=$((i+1))
		done
		echo "zombies:[$z]"'
	run -0 --separate-stderr oci_exec
	echo "stdout: $output"
	echo "stderr: $stderr"
	[ "$(cat "$OUT/orphans")" = done ]
	[ "$output" = "zombies:[]" ]
	# -w: each orphan was reaped by pidone, not merely never seen.
	[ "$(grep -c '^pidone: warning: .*reaped' <<<"$stderr")" -ge 20 ]
}

@test "runc, as an unprivileged user: pidone reaps, drains, passes the status on" {
	chmod 777 "$OUT"
	OCI_USER=65534:65534 oci_bundle /sbin/pidone -w -- /bin/sh -c "$AWAIT"'
		id -u
		/bin/orphans 5 >/out/orphans &
		await /out/orphans || exit 9
		exit 4'
	run -4 --separate-stderr oci_exec
	echo "stdout: $output"
	echo "stderr: $stderr"
	[ "$output" = 65534 ]
	# Five orphans, then the orphans helper itself on the drain's SIGTERM.
	[ "$(grep -c '^pidone: warning: .*reaped' <<<"$stderr")" -ge 6 ]
	! grep -q '^pidone: error' <<<"$stderr"
}

@test "runc kill TERM: reaches the payload, the drain runs, runc reports the payload's status" {
	oci_start /sbin/pidone -t 5 -- /bin/sh -c "$AWAIT"'
		(
			trap "echo cleaned >/out/bg; exit 0" TERM
			echo ready >/out/bgready
			while :; do sleep 1 & wait $!; done
		) &
		await /out/bgready || exit 9
		trap "echo term >/out/payload; exit 7" TERM
		echo ready >/out/ready
		while :; do sleep 1 & wait $!; done'
	wait_until 10 test -s "$OUT/ready"
	runc kill "$ID" TERM
	oci_wait
	echo "exit $RC; stderr: $(cat "$OUT/stderr")"
	[ "$(cat "$OUT/payload")" = term ]
	# The payload was signalled alone (no -g), so the background child's
	# cleanup ran on the drain's SIGTERM, before pidone exited.
	[ "$(cat "$OUT/bg")" = cleaned ]
	[ "$RC" -eq 7 ]
}

@test "runc kill USR1: forwarded to the payload, which PID 1 would not get" {
	oci_start /sbin/pidone -- /bin/sigecho USR1
	wait_for_line "$OUT/stdout" ready
	runc kill "$ID" USR1
	oci_wait
	cat "$OUT/stdout"
	[ "$RC" -eq 0 ]
	# SIGURG, which runc's Go runtime uses internally, reaches the
	# container's init here (runc#3364); pidone passes it on like any
	# other signal, and its default action is to be ignored.
	[ "$(grep -vx URG "$OUT/stdout")" = $'ready\nUSR1' ]
}

@test "runc kill KILL: ends the container at once" {
	oci_start /sbin/pidone -t 30 -- /bin/sh -c '/bin/sigecho >/out/bg & exec /bin/sigecho'
	wait_for_line "$OUT/stdout" ready
	wait_for_line "$OUT/bg" ready
	local t0=$SECONDS
	runc kill "$ID" KILL
	oci_wait
	echo "exit $RC after $((SECONDS - t0)) s"
	[ "$RC" -eq 137 ]
	[ $((SECONDS - t0)) -lt 10 ]
	# runc run deletes what it ran once the init is gone.
	run runc state "$ID"
	echo "$output"
	[[ "$output" == *'does not exist'* || "$output" == *'"status": "stopped"'* ]]
	# SIGKILL cannot be caught: nothing was forwarded or drained.
	[ "$(grep -vx URG "$OUT/stdout")" = ready ]
	[ "$(grep -vx URG "$OUT/bg")" = ready ]
}
