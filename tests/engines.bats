#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# pidone under real engines: Docker (as docker-init through daemon.json's
# init-path, and as an image's ENTRYPOINT) and Podman (as podman-init
# through init_path, as an ENTRYPOINT, and as a pod's infra process).  The
# suite starts its own dockerd and podman (tests/engines.bash), with no
# network, and takes them down at the end.  `make check-engines` runs it;
# `make check` does not.  The stop timings are printed as `# ` lines.

bats_require_minimum_version 1.5.0

load common
load oci
load engines

# Image imports and builds on vfs take a while on a loaded machine.
# shellcheck disable=SC2034 # read by bats
BATS_TEST_TIMEOUT=120

setup_file() { eng_setup_file; }
teardown_file() { eng_teardown_file; }

setup() {
	OUT=$BATS_TEST_TMPDIR/out
	mkdir -p "$OUT"
	chmod 777 "$OUT"
	CREATED=()
	PODS=()
	NAME_N=0
}

teardown() {
	local c
	for c in "${CREATED[@]}"; do
		eng "${c%%:*}" rm -f "${c#*:}" >/dev/null 2>&1 || true
	done
	for c in "${PODS[@]}"; do
		eng podman pod rm -f -t 0 "$c" >/dev/null 2>&1 || true
	done
}

# flavour F: ENGINE, and the run options and image that make pidone the
# container's PID 1 in flavour F:
#   docker-init   docker run --init (daemon.json init-path: docker-init)
#   docker-entry  an image whose ENTRYPOINT is ["/sbin/pidone", "--"]
#   podman-init   podman run --init (containers.conf init_path: podman-init)
#   podman-entry  the same ENTRYPOINT image, under podman
flavour() {
	FL=$1
	case $1 in
	docker-*) ENGINE=docker ;;
	podman-*) ENGINE=podman ;;
	esac
	need_engine "$ENGINE"
	case $1 in
	docker-init) FL_OPTS=(--init) FL_IMAGE=pidone-bb:test FL_PID1="/sbin/docker-init --" ;;
	docker-entry) FL_OPTS=() FL_IMAGE=pidone-entry:test FL_PID1="/sbin/pidone --" ;;
	podman-init) FL_OPTS=(--init) FL_IMAGE=localhost/pidone-bb:test FL_PID1="/run/podman-init --" ;;
	podman-entry) FL_OPTS=() FL_IMAGE=localhost/pidone-entry:test FL_PID1="/sbin/pidone --" ;;
	esac
}

# new_name: a container name unique to this run, removed in teardown.
new_name() {
	NAME_N=$((NAME_N + 1))
	NAME=pidone-eng-$$-$BATS_TEST_NUMBER-$NAME_N
	CREATED+=("$ENGINE:$NAME")
}

# ctr_run OPTION... -- PAYLOAD...: `ENGINE run` in the current flavour,
# with the suite's /out and the test helpers at /h.
ctr_run() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	eng "$ENGINE" run --network none -v "$OUT:/out" -v "$HELPERS:/h:ro" \
		"${FL_OPTS[@]}" "${opts[@]}" "$FL_IMAGE" "$@"
}

# host_pid_of NAME: the host pid of the container's PID 1.
host_pid_of() {
	eng "$ENGINE" inspect -f '{{.State.Pid}}' "$1"
}

# has_child PID COMM: PID has a child whose command name is COMM (the
# payload has exec'd, not merely been forked).
has_child() {
	local c
	for c in $(children "$1"); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$2" ] && return 0
	done
	return 1
}

# start_sleeper OPTION...: a detached container whose payload is
# `sleep 1000`, started and exec'd; sets NAME and CPID (host pid of PID 1).
start_sleeper() {
	new_name
	ctr_run -d --name "$NAME" "$@" -- sleep 1000 >/dev/null
	CPID=$(host_pid_of "$NAME")
	[ "${CPID:-0}" -gt 0 ]
	wait_until 20 has_child "$CPID" sleep
}

# timed_stop NAME: `ENGINE stop -t 10 NAME`; sets STOP_MS.
timed_stop() {
	local t0
	t0=$(now_ms)
	eng "$ENGINE" stop -t 10 "$1" >/dev/null
	STOP_MS=$(($(now_ms) - t0))
}

exit_code_of() {
	eng "$ENGINE" inspect -f '{{.State.ExitCode}}' "$1"
}

# ---------------------------------------------------------------------------

@test "docker info: the init version is read from docker-init --version" {
	need_engine docker
	local want
	want=$("$ENG_DIR/docker/bin/docker-init" --version)
	echo "docker-init --version: $want"
	[[ $want =~ ^tini\ version\ [0-9.]+\ -\ git\.([0-9a-z]+)$ ]]
	want=${BASH_REMATCH[1]}
	run -0 eng docker info --format '{{.InitBinary}} {{.InitCommit.ID}}'
	echo "docker info: $output"
	[ "$output" = "$ENG_DIR/docker/bin/docker-init $want" ]
	run -0 eng docker info
	[[ $output == *"init version: $want"* ]]
}

# PID 1 is pidone (the same bytes as ./pidone) and the payload its child.
pid1_case() {
	flavour "$1"
	local sum
	sum=$(md5sum <"$PIDONE")
	sum=${sum%% *}
	run -0 ctr_run --rm -- sh -c 'ps -o pid,args; echo "pid=$$ ppid=$PPID"; md5sum </proc/1/exe'
	echo "$output"
	[[ $output =~ (^|$'\n')\ *1\ +"$FL_PID1"\ sh\ -c ]]
	[[ $output =~ $'\n'pid=([0-9]+)\ ppid=1$'\n' ]]
	[ "${BASH_REMATCH[1]}" != 1 ]
	[[ $output == *"$sum"* ]]
}

@test "docker --init: PID 1 is pidone, the payload its child" { pid1_case docker-init; }
@test "docker ENTRYPOINT: PID 1 is pidone, the payload its child" { pid1_case docker-entry; }
@test "podman --init: PID 1 is pidone, the payload its child" { pid1_case podman-init; }
@test "podman ENTRYPOINT: PID 1 is pidone, the payload its child" { pid1_case podman-entry; }

exit_case() {
	flavour "$1"
	local want cmd
	while read -r want cmd; do
		run ctr_run --rm -- sh -c "$cmd"
		echo "'$cmd': $ENGINE run exit $status, want $want; output: $output"
		[ "$status" -eq "$want" ]
	done <<-'EOF'
	3 exit 3
	143 kill -TERM $$
	137 kill -KILL $$
	EOF
}

@test "docker --init: exit codes 3, 143, 137 pass through" { exit_case docker-init; }
@test "docker ENTRYPOINT: exit codes 3, 143, 137 pass through" { exit_case docker-entry; }
@test "podman --init: exit codes 3, 143, 137 pass through" { exit_case podman-init; }
@test "podman ENTRYPOINT: exit codes 3, 143, 137 pass through" { exit_case podman-entry; }

# `stop` sends SIGTERM to PID 1; pidone passes it on, sleep dies of it, and
# pidone exits 143 at once, long before the engine's 10 s SIGKILL.
stop_case() {
	flavour "$1"
	start_sleeper
	timed_stop "$NAME"
	note "$FL: stop of sleep 1000: $STOP_MS ms"
	run -0 exit_code_of "$NAME"
	[ "$output" = 143 ]
	[ "$STOP_MS" -lt 3000 ]
}

@test "docker --init: stop of sleep 1000 well under the timeout" { stop_case docker-init; }
@test "docker ENTRYPOINT: stop of sleep 1000 well under the timeout" { stop_case docker-entry; }
@test "podman --init: stop of sleep 1000 well under the timeout" { stop_case podman-init; }
@test "podman ENTRYPOINT: stop of sleep 1000 well under the timeout" { stop_case podman-entry; }

# A payload that traps SIGTERM and needs a second to clean up gets it, and
# what it writes to a bind mount is there afterwards.
cleanup_case() {
	flavour "$1"
	new_name
	ctr_run -d --name "$NAME" -- sh -c '
		trap "sleep 1; echo cleaned >/out/done; exit 0" TERM
		echo ready >/out/ready
		while :; do sleep 0.05; done' >/dev/null
	wait_for_line "$OUT/ready" ready 20
	timed_stop "$NAME"
	note "$FL: stop of a payload with a 1 s TERM cleanup: $STOP_MS ms"
	run -0 exit_code_of "$NAME"
	[ "$output" = 0 ]
	[ "$(cat "$OUT/done")" = cleaned ]
	[ "$STOP_MS" -ge 1000 ] && [ "$STOP_MS" -lt 6000 ]
}

@test "docker --init: a payload trapping TERM finishes a 1 s cleanup on a bind mount" { cleanup_case docker-init; }
@test "docker ENTRYPOINT: a payload trapping TERM finishes a 1 s cleanup on a bind mount" { cleanup_case docker-entry; }
@test "podman --init: a payload trapping TERM finishes a 1 s cleanup on a bind mount" { cleanup_case podman-init; }
@test "podman ENTRYPOINT: a payload trapping TERM finishes a 1 s cleanup on a bind mount" { cleanup_case podman-entry; }

# Twenty orphans re-parented to PID 1; none may stay a zombie (scanned from
# inside for 5 s at most).
orphans_case() {
	flavour "$1"
	run -0 ctr_run --rm -- sh -c '
		/h/orphans 20 >/out/orphans &
		i=0
		while [ ! -s /out/orphans ] && [ $i -lt 1000 ]; do usleep 10000; i=$((i+1)); done
		i=0
		while z=$(sed "s/^.*) //" /proc/[0-9]*/stat 2>/dev/null | grep "^Z"); [ -n "$z" ] && [ $i -lt 500 ]; do
			usleep 10000; i=$((i+1))
		done
		echo "zombies:[$z]"'
	echo "$output"
	[ "$(cat "$OUT/orphans")" = done ]
	[ "$output" = "zombies:[]" ]
}

@test "docker --init: orphans leave no zombie" { orphans_case docker-init; }
@test "docker ENTRYPOINT: orphans leave no zombie" { orphans_case docker-entry; }
@test "podman --init: orphans leave no zombie" { orphans_case podman-init; }
@test "podman ENTRYPOINT: orphans leave no zombie" { orphans_case podman-entry; }

# `kill -s SIG` reaches a payload that handles SIG, one signal at a time.
signals_case() {
	flavour "$1"
	local s
	new_name
	ctr_run -d --name "$NAME" -- sh -c 'exec /h/sigecho TERM >/out/log' >/dev/null
	wait_for_line "$OUT/log" ready 20
	for s in USR1 HUP USR2 TERM; do
		eng "$ENGINE" kill -s "$s" "$NAME" >/dev/null
		wait_for_line "$OUT/log" "$s" 10
	done
	run -0 eng "$ENGINE" wait "$NAME"
	[ "$output" = 0 ]
	[ "$(cat "$OUT/log")" = "ready
USR1
HUP
USR2
TERM" ]
}

@test "docker --init: kill -s USR1/HUP/USR2/TERM reach a trapping payload" { signals_case docker-init; }
@test "docker ENTRYPOINT: kill -s USR1/HUP/USR2/TERM reach a trapping payload" { signals_case docker-entry; }
@test "podman --init: kill -s USR1/HUP/USR2/TERM reach a trapping payload" { signals_case podman-init; }
@test "podman ENTRYPOINT: kill -s USR1/HUP/USR2/TERM reach a trapping payload" { signals_case podman-entry; }

# The payload exits while a background child still runs; the drain gives
# that child SIGTERM and time for its 1 s cleanup.  Under the docker-init
# and podman-init names the grace is 0 (as tini's and catatonit's) unless
# PIDONE_GRACE asks for one: then the child is cut short.
BG_PAYLOAD='
	( trap "sleep 1; echo cleaned >/out/bg; exit 0" TERM
	  echo ready >/out/bgready
	  while :; do sleep 0.05; done ) &
	i=0
	while [ ! -s /out/bgready ] && [ $i -lt 1000 ]; do usleep 10000; i=$((i+1)); done
	exit 0'

drain_case() {
	flavour "$1"
	local grace=() t0 ms
	case $FL in
	*-init)
		run -0 ctr_run --rm -- sh -c "$BG_PAYLOAD"
		[ -s "$OUT/bgready" ]
		[ ! -e "$OUT/bg" ]
		rm -f "$OUT/bgready"
		grace=(-e PIDONE_GRACE=3)
		;;
	esac
	t0=$(now_ms)
	run -0 ctr_run --rm "${grace[@]}" -- sh -c "$BG_PAYLOAD"
	ms=$(($(now_ms) - t0))
	note "$FL${grace:+ ${grace[*]}}: run until the drained child's 1 s cleanup ended: $ms ms"
	[ "$(cat "$OUT/bg")" = cleaned ]
}

@test "docker --init -e PIDONE_GRACE=3: a background child finishes its cleanup after the payload exits" { drain_case docker-init; }
@test "docker ENTRYPOINT: a background child finishes its cleanup after the payload exits" { drain_case docker-entry; }
@test "podman --init -e PIDONE_GRACE=3: a background child finishes its cleanup after the payload exits" { drain_case podman-init; }
@test "podman ENTRYPOINT: a background child finishes its cleanup after the payload exits" { drain_case podman-entry; }

# A process that joined from outside (exec) is nobody's child in the
# container: its exit sends PID 1 no SIGCHLD.  With the drain on, `stop`
# must still end as soon as it is gone, not after the grace time.
exec_stop_case() {
	flavour "$1"
	local grace=() n
	case $FL in *-init) grace=(-e PIDONE_GRACE=3) ;; esac
	start_sleeper "${grace[@]}"
	eng "$ENGINE" exec -d "$NAME" sleep 1000 >/dev/null
	_two_sleeps() {
		n=$(eng "$ENGINE" exec "$NAME" sh -c 'grep -l "^sleep$" /proc/[0-9]*/comm 2>/dev/null | wc -l')
		[ "$n" -ge 2 ]
	}
	wait_until 20 _two_sleeps
	timed_stop "$NAME"
	note "$FL${grace:+ ${grace[*]}}: stop with a live exec session: $STOP_MS ms"
	[ "$STOP_MS" -lt 1000 ]
}

@test "docker --init -e PIDONE_GRACE=3: stop with a live exec -d session well under 1 s" { exec_stop_case docker-init; }
@test "docker ENTRYPOINT: stop with a live exec -d session well under 1 s" { exec_stop_case docker-entry; }
@test "podman --init -e PIDONE_GRACE=3: stop with a live exec -d session well under 1 s" { exec_stop_case podman-init; }
@test "podman ENTRYPOINT: stop with a live exec -d session well under 1 s" { exec_stop_case podman-entry; }

# `run -it` from a terminal (script(1) gives the CLI one): the payload's
# group is the container terminal's foreground group, and a Ctrl-C typed
# there kills it with SIGINT: exit 130.
tty_case() {
	flavour "$1"
	local fifo=$BATS_TEST_TMPDIR/in cmd spid st=0 fg
	eng_cmd "$ENGINE"
	mkfifo "$fifo"
	# script(1) runs CMD with $SHELL: bash, which reads printf %q's quoting,
	# whatever the caller's shell.  The CLI must stay in the pty's
	# foreground group: the shell execs timeout, which keeps its group.
	cmd=exec\ $(printf '%q ' timeout --foreground -k 5 60 "${ENG_CMD[@]}" run -it --rm --network none \
		-v "$OUT:/out" "${FL_OPTS[@]}" "$FL_IMAGE" sh -c '
		read -r s </proc/$$/stat
		set -- ${s##*) }
		echo "pgrp=$3 tpgid=$6" >/out/fg
		exec sleep 1000')
	SHELL=$BASH script -qefc "$cmd" /dev/null <"$fifo" >"$BATS_TEST_TMPDIR/tty" 2>&1 3>&- &
	spid=$!
	exec 5>"$fifo"
	wait_until 30 test -s "$OUT/fg" || {
		exec 5>&-
		kill "$spid" 2>/dev/null || :
		echo "the terminal showed:"
		cat -v "$BATS_TEST_TMPDIR/tty"
		false
	}
	fg=$(cat "$OUT/fg")
	echo "$fg"
	printf '\003' >&5
	wait "$spid" || st=$?
	exec 5>&-
	echo "script: exit $st"
	cat "$BATS_TEST_TMPDIR/tty"
	[[ $fg =~ ^pgrp=([0-9]+)\ tpgid=([0-9]+)$ ]]
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
	[ "${BASH_REMATCH[1]}" != 1 ]
	[ "$st" -eq 130 ]
}

@test "docker --init -it: the payload owns the terminal, Ctrl-C gives 130" { tty_case docker-init; }
@test "docker ENTRYPOINT -it: the payload owns the terminal, Ctrl-C gives 130" { tty_case docker-entry; }
@test "podman --init -it: the payload owns the terminal, Ctrl-C gives 130" { tty_case podman-init; }
@test "podman ENTRYPOINT -it: the payload owns the terminal, Ctrl-C gives 130" { tty_case podman-entry; }

# ---------------------------------------------------------------------------
# Pods: pidone as PID 1 of a pod's shared PID namespace.

# pod_case LABEL POD-CREATE-OPTIONS...: create, start, reap a container's
# orphans, stop (timed), start again, stop, remove.
pod_case() {
	need_engine podman
	ENGINE=podman
	local label=$1 pod=pidone-eng-pod-$$-$BATS_TEST_NUMBER ipid
	shift
	PODS=("$pod")
	run -0 eng podman pod create --name "$pod" --share ipc,net,uts,pid "$@"
	run -0 eng podman pod start "$pod"
	ipid=$(eng podman inspect -f '{{.State.Pid}}' "$(eng podman pod inspect -f '{{.InfraContainerID}}' "$pod")")
	echo "infra: pid $ipid: $(tr '\0' ' ' <"/proc/$ipid/cmdline")"
	[ "${ipid:-0}" -gt 0 ]
	# The infra process is pidone (same bytes), PID 1 of the pod.
	cmp "/proc/$ipid/exe" "$PIDONE"
	[ "$(sed -n 's/^NSpid:.*[[:space:]]//p' "/proc/$ipid/status")" = 1 ]
	# A container of the pod leaves 20 orphans: the infra reaps them.
	new_name
	run -0 eng podman run -d --pod "$pod" --name "$NAME" -v "$OUT:/out" \
		-v "$HELPERS:/h:ro" localhost/pidone-bb:test \
		sh -c '/h/orphans 20 >/out/orphans; sleep 1000'
	wait_for_line "$OUT/orphans" done 20
	wait_until 5 no_zombies_under "$ipid" || {
		zombies_under "$ipid"
		false
	}
	timed_stop_pod "$pod"
	note "pod ($label): pod stop with a container running: $STOP_MS ms"
	[ "$STOP_MS" -lt 5000 ]
	run -0 eng podman pod start "$pod"
	timed_stop_pod "$pod"
	note "pod ($label): pod stop, restarted: $STOP_MS ms"
	[ "$STOP_MS" -lt 5000 ]
	run -0 eng podman pod rm "$pod"
	PODS=()
	run -0 eng podman pod exists "$pod" || true
	! eng podman pod exists "$pod"
}

timed_stop_pod() {
	local t0
	t0=$(now_ms)
	eng podman pod stop -t 10 "$1" >/dev/null
	STOP_MS=$(($(now_ms) - t0))
}

@test "podman pod: pidone as infra through helper_binaries_dir (a link named catatonit)" {
	pod_case "helper_binaries_dir"
}

@test "podman pod: pidone as infra from contrib/Dockerfile's pause image" {
	pod_case "infra image $ENG_PAUSE" --infra-image "$ENG_PAUSE"
}

# An infra with nothing to drain: stopping it alone ends it at once.
@test "podman pod: an empty pod with pidone -P as infra stops well under 1 s" {
	need_engine podman
	local pod=pidone-eng-pod-$$-$BATS_TEST_NUMBER
	PODS=("$pod")
	run -0 eng podman pod create --name "$pod" --share ipc,net,uts,pid --infra-image "$ENG_PAUSE"
	run -0 eng podman pod start "$pod"
	timed_stop_pod "$pod"
	note "pod (infra image, empty): pod stop: $STOP_MS ms"
	[ "$STOP_MS" -lt 1000 ]
}

# kube play of a contrib YAML with the images it names (built from
# contrib/Dockerfile in setup): every container runs pidone as its command;
# then a clean stop (no SIGKILL: no 137) and `kube down`.  The pod's infra
# is contrib/Dockerfile's pause image (containers.conf's infra_image, as the
# README's Podman section says): podman 4.3 stops a pod's containers and its
# infra at the same time, and an infra that exits at once (catatonit, or
# pidone under that name: grace 0) makes the kernel SIGKILL the containers
# of a shared PID namespace, where `pidone -P` drains them first.
kube_case() {
	need_engine podman
	ENGINE=podman
	local yaml=$TOP/contrib/kubernetes/$1 pod c code
	export CONTAINERS_CONF=$ENG_DIR/podman/containers-infra.conf
	pod=$(sed -n 's/^  name: //p' "$yaml" | head -n1)
	[ -n "$pod" ]
	PODS=("$pod")
	run -0 eng podman kube play "$yaml"
	echo "$output"
	# app_ctrs: the pod's containers but its infra.
	app_ctrs() {
		eng podman ps -a --filter "pod=$pod" "$@" --format '{{.ID}} {{.IsInfra}}' |
			sed -n 's/ false$//p'
	}
	_all_running() {
		[ "$(app_ctrs --filter status=running | wc -l)" -eq "$1" ]
	}
	wait_until 30 _all_running "$2" || {
		eng podman ps -a --filter "pod=$pod"
		for c in $(app_ctrs); do
			eng podman logs "$c"
		done
		false
	}
	for c in $(app_ctrs); do
		run -0 eng podman exec "$c" /bin/busybox ps -o pid,args
		echo "$output"
		[[ $output == *" /sbin/pidone "* ]]
	done
	timed_stop_pod "$pod"
	note "kube play $1: pod stop: $STOP_MS ms"
	for c in $(app_ctrs); do
		code=$(eng podman inspect -f '{{.Name}} {{.State.ExitCode}}' "$c")
		echo "$code"
		[ "${code##* }" != 137 ]
	done
	[ "$STOP_MS" -lt 5000 ]
	run -0 eng podman kube down "$yaml"
	PODS=()
}

@test "podman kube play contrib/kubernetes/pod.yaml: starts and stops cleanly" {
	kube_case pod.yaml 1
}

@test "podman kube play contrib/kubernetes/shared-pidns-pod.yaml: starts and stops cleanly" {
	kube_case shared-pidns-pod.yaml 2
}
