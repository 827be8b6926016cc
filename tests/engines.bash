# SPDX-License-Identifier: MIT
# Real engines for tests/engines.bats: a dockerd and a podman of this suite's
# own, started here with every root under one temporary directory, no
# network, pidone as their init, and taken down again by pid.
#
# Everything runs in one mount namespace of the suite's own (/ made private),
# held open by a process started here: dockerd bind-mounts its data root and
# leaves an nsfs mount under its exec root, podman mounts each container's
# /dev/shm, and none of that may appear in the host's mount table.  When the
# engines and the holder are gone, the namespace and its mounts go with them.
#
# Loaded by engines.bats after common.bash.  ENGINES_REQUIRE=1 (.ci/run sets
# it) turns "cannot start an engine here" from a skip into a failure.
# DOCKER, DOCKERD and PODMAN name other binaries to test.

# The CLI that matches Debian's daemon: another docker earlier in PATH (a
# newer static client in /usr/local/bin, say) is not what is being tested.
DOCKER=${DOCKER:-$(test -x /usr/bin/docker && echo /usr/bin/docker || command -v docker)}
DOCKERD=${DOCKERD:-dockerd}
PODMAN=${PODMAN:-podman}
ENG_TIMEOUT=${ENG_TIMEOUT:-60}
# The image tags the kube YAMLs name (contrib/kubernetes/*.yaml).
ENG_DEMO=localhost/pidone-demo:0.1.0
ENG_PAUSE=localhost/pidone-pause:0.1.0

# eng ENGINE ARGS...: the engine's CLI, bounded.  podman runs inside the
# suite's mount namespace: the conmon and the mounts it leaves stay there.
eng() {
	local e=$1
	shift
	case $e in
	docker)
		timeout -k 5 "$ENG_TIMEOUT" "$DOCKER" "$@"
		;;
	podman)
		timeout -k 5 "$ENG_TIMEOUT" \
			nsenter -t "$ENG_HOLDER" -m -- "$PODMAN" "$@"
		;;
	esac
}

# eng_cmd ENGINE: the CLI as a word list in ENG_CMD (for script(1)).
eng_cmd() {
	case $1 in
	docker) ENG_CMD=("$DOCKER") ;;
	podman) ENG_CMD=(nsenter -t "$ENG_HOLDER" -m -- "$PODMAN") ;;
	esac
}

# now_ms: a monotonic-enough clock for stop timings.
now_ms() {
	local t
	t=$(date +%s%N)
	echo $((t / 1000000))
}

# note TEXT: a line for the TAP output (bats shows `# ` lines on fd 3) and
# for the timing summary printed at the end of the suite.
note() {
	echo "# $*" >&3
	echo "$*" >>"$ENG_DIR/timings"
}

# ---------------------------------------------------------------------------
# Start-up.  Each step that fails writes the reason to $ENG_DIR/skip-ENGINE;
# the cases of that engine skip with it (or fail under ENGINES_REQUIRE=1).

# eng_why_not: why this machine cannot run the suite at all (nothing if it
# can).
eng_why_not() {
	[ "$(id -u)" = 0 ] || { echo "the engines need root"; return; }
	command -v nsenter >/dev/null || { echo "nsenter is not installed (util-linux)"; return; }
	command -v script >/dev/null || { echo "script is not installed (bsdutils)"; return; }
	[ -x "$PIDONE" ] || { echo "$PIDONE not built"; return; }
	oci_static "$PIDONE" || { echo "$PIDONE is dynamically linked (SANITIZE build?): a busybox image has no libc"; return; }
	ENG_BUSYBOX=$(command -v busybox) || { echo "busybox is not installed (busybox-static)"; return; }
	oci_static "$ENG_BUSYBOX" || { echo "$ENG_BUSYBOX is not static (install busybox-static)"; return; }
	local h
	for h in sigecho orphans; do
		oci_static "$HELPERS/$h" 2>/dev/null && [ -x "$HELPERS/$h" ] ||
			{ echo "$HELPERS/$h not built or not static (make helpers)"; return; }
	done
}

# The holder of the suite's mount namespace.  Its sleep bounds the life of
# anything a killed suite could leave behind.
eng_holder_start() {
	unshare --mount --propagation private -- sleep 1800 </dev/null >/dev/null 2>&1 3>&- &
	ENG_HOLDER=$!
	echo "$ENG_HOLDER" >"$ENG_DIR/holder.pid"
	_eng_own_mntns() {
		local m
		m=$(readlink "/proc/$ENG_HOLDER/ns/mnt") &&
		[ "$m" != "$(readlink /proc/self/ns/mnt)" ]
	}
	wait_until 10 _eng_own_mntns
}

# A busybox-static root: /bin/busybox and its applets as links, and the
# directories a runtime mounts over.
eng_rootfs() {
	local r=$ENG_DIR/rootfs
	mkdir -p "$r/bin" "$r/sbin" "$r/proc" "$r/sys" "$r/dev" "$r/etc" "$r/tmp" "$r/out" "$r/h"
	cp "$ENG_BUSYBOX" "$r/bin/busybox"
	chroot "$r" /bin/busybox --install -s /bin
	echo 'root:x:0:0:root:/:/bin/sh' >"$r/etc/passwd"
	echo 'root:x:0:' >"$r/etc/group"
	# The build context of the ENTRYPOINT image: the busybox image plus
	# pidone, as contrib/Dockerfile tells users to add it to theirs.
	mkdir -p "$ENG_DIR/ctx"
	cp "$PIDONE" "$ENG_DIR/ctx/pidone"
	cat >"$ENG_DIR/ctx/Dockerfile" <<-'EOF'
	ARG BASE
	FROM $BASE
	COPY pidone /sbin/pidone
	ENTRYPOINT ["/sbin/pidone", "--"]
	EOF
	# contrib/Dockerfile itself, with only its build stage replaced (it
	# would need the network): the binary and busybox come from here.
	{
		printf 'FROM localhost/pidone-bb:test AS build\n'
		printf 'COPY pidone /src/pidone\n'
		awk '/^FROM / { n++ } n >= 2' "$TOP/contrib/Dockerfile"
	} >"$ENG_DIR/ctx/Dockerfile.contrib"
}

# The daemon: its own roots under $ENG_DIR, no bridge, no iptables, vfs, and
# daemon.json's init-path naming a link called docker-init (the name
# `docker info` needs to read the version).
eng_docker_start() {
	local d=$ENG_DIR/docker out
	command -v "$DOCKERD" >/dev/null && [ -n "$DOCKER" ] ||
		{ echo "$DOCKERD or the docker CLI not found (apt-get install docker.io)"; return; }
	mkdir -p "$d/bin" "$d/cli"
	# podman reads DOCKER_CONFIG too, and wants the file there.
	echo "{}" >"$d/cli/config.json"
	ln -s "$PIDONE" "$d/bin/docker-init"
	printf '{ "init-path": "%s" }\n' "$d/bin/docker-init" >"$d/daemon.json"
	nsenter -t "$ENG_HOLDER" -m -- "$DOCKERD" --config-file "$d/daemon.json" \
		--data-root "$d/data" --exec-root "$d/exec" \
		-H "unix://$d/docker.sock" --pidfile "$d/docker.pid" \
		--iptables=false --ip-masq=false --ip6tables=false \
		--bridge=none --storage-driver=vfs \
		</dev/null >"$d/dockerd.log" 2>&1 3>&- &
	echo $! >"$d/dockerd.pid"
	export DOCKER_HOST=unix://$d/docker.sock DOCKER_CONFIG=$d/cli DOCKER_BUILDKIT=0
	_eng_docker_up() {
		kill -0 "$(cat "$d/dockerd.pid")" 2>/dev/null || return 0
		timeout 10 "$DOCKER" version >/dev/null 2>&1
	}
	if ! wait_until 60 _eng_docker_up 2>/dev/null ||
	    ! kill -0 "$(cat "$d/dockerd.pid")" 2>/dev/null; then
		echo "dockerd did not start: $(grep -E 'level=(fatal|error)' "$d/dockerd.log" | tail -n1)"
		return
	fi
	out=$(tar -C "$ENG_DIR/rootfs" -c . | eng docker import - pidone-bb:test 2>&1) ||
		{ echo "FAIL: docker import: $out"; return; }
	out=$(eng docker build -q --build-arg BASE=pidone-bb:test \
		-t pidone-entry:test "$ENG_DIR/ctx" 2>&1) ||
		{ echo "FAIL: docker build: $out"; return; }
	out=$(eng docker run --rm --network none --init pidone-bb:test true 2>&1) ||
		echo "docker cannot run a busybox container here: ${out%%$'\n'*}"
}

# podman: a containers.conf and a storage.conf of the suite's own (found
# through CONTAINERS_CONF and CONTAINERS_STORAGE_CONF), runc, cgroupfs, no
# network, pidone as init_path and, through helper_binaries_dir, as the
# catatonit podman builds its pause image from.
eng_podman_start() {
	local p=$ENG_DIR/podman out
	command -v "$PODMAN" >/dev/null || { echo "$PODMAN not found (apt-get install podman)"; return; }
	mkdir -p "$p/bin" "$p/helpers" "$p/tmp" "$p/net"
	ln -s "$PIDONE" "$p/bin/podman-init"
	ln -s "$PIDONE" "$p/helpers/catatonit"
	cat >"$p/containers.conf" <<-EOF
	[containers]
	netns = "none"
	init_path = "$p/bin/podman-init"
	# Within this machine's hard limits: without it runc fails with
	# "error setting rlimit type 7: operation not permitted".
	default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

	[network]
	network_config_dir = "$p/net"

	[engine]
	runtime = "runc"
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	events_logfile_path = "$p/events.log"
	tmp_dir = "$p/tmp"
	lock_type = "file"
	helper_binaries_dir = ["$p/helpers", "/usr/local/libexec/podman", "/usr/local/lib/podman", "/usr/libexec/podman", "/usr/lib/podman"]
	EOF
	# The same with contrib/Dockerfile's pause image as every pod's infra.
	sed "s|^\\[engine\\]\$|&\\ninfra_image = \"$ENG_PAUSE\"|" \
		"$p/containers.conf" >"$p/containers-infra.conf"
	cat >"$p/storage.conf" <<-EOF
	[storage]
	driver = "vfs"
	graphroot = "$p/graph"
	runroot = "$p/run"
	EOF
	# No registry: every image here is built locally.
	printf 'unqualified-search-registries = []\n' >"$p/registries.conf"
	export CONTAINERS_CONF=$p/containers.conf \
		CONTAINERS_STORAGE_CONF=$p/storage.conf \
		CONTAINERS_REGISTRIES_CONF=$p/registries.conf
	out=$(eng podman info 2>&1 >/dev/null) ||
		{ echo "podman does not start: ${out%%$'\n'*}"; return; }
	out=$(tar -C "$ENG_DIR/rootfs" -c . | eng podman import - localhost/pidone-bb:test 2>&1) ||
		{ echo "FAIL: podman import: $out"; return; }
	out=$(eng podman build -q --pull=never --build-arg BASE=localhost/pidone-bb:test \
		-t localhost/pidone-entry:test "$ENG_DIR/ctx" 2>&1) ||
		{ echo "FAIL: podman build: $out"; return; }
	out=$(eng podman build -q --pull=never -f "$ENG_DIR/ctx/Dockerfile.contrib" \
		--target pause -t "$ENG_PAUSE" "$ENG_DIR/ctx" 2>&1) ||
		{ echo "FAIL: podman build of contrib/Dockerfile's pause target: $out"; return; }
	out=$(eng podman build -q --pull=never -f "$ENG_DIR/ctx/Dockerfile.contrib" \
		-t "$ENG_DEMO" "$ENG_DIR/ctx" 2>&1) ||
		{ echo "FAIL: podman build of contrib/Dockerfile: $out"; return; }
	out=$(eng podman run --rm --init localhost/pidone-bb:test true 2>&1) ||
		echo "podman cannot run a busybox container here: ${out%%$'\n'*}"
}

eng_setup_file() {
	local why
	ENG_DIR=$(mktemp -d /tmp/pidone-eng.XXXXXX)
	export ENG_DIR
	: >"$ENG_DIR/timings"
	why=$(eng_why_not)
	if [ -n "$why" ]; then
		echo "$why" >"$ENG_DIR/skip-docker"
		echo "$why" >"$ENG_DIR/skip-podman"
		return 0
	fi
	ENG_BUSYBOX=$(command -v busybox)
	eng_holder_start || {
		echo "FAIL: no mount namespace for the engines" | tee "$ENG_DIR/skip-docker" >"$ENG_DIR/skip-podman"
		return 0
	}
	export ENG_HOLDER
	eng_rootfs
	eng_docker_start >"$ENG_DIR/skip-docker"
	eng_podman_start >"$ENG_DIR/skip-podman"
}

# need_engine ENGINE: skip (or fail) when ENGINE could not be started.
need_engine() {
	local why
	why=$(cat "$ENG_DIR/skip-$1" 2>/dev/null) || why="FAIL: the suite's setup did not run"
	case $why in
	"") return 0 ;;
	FAIL:*) echo "$why" >&2; return 1 ;;
	esac
	if [ "${ENGINES_REQUIRE:-0}" = 1 ]; then
		echo "ENGINES_REQUIRE=1, but $1 cannot run here: $why" >&2
		return 1
	fi
	skip "$1: $why"
}

# ---------------------------------------------------------------------------
# Teardown, by pid and bounded: the containers, the daemon, whatever is left
# in the suite's mount namespace, the holder, then the directory.

# ns_members: the pids of every process in the suite's mount namespace but
# the holder.
ns_members() {
	local m f p
	m=$(readlink "/proc/$ENG_HOLDER/ns/mnt" 2>/dev/null) || return 0
	for f in /proc/[0-9]*/ns/mnt; do
		p=${f#/proc/}
		p=${p%%/*}
		[ "$p" != "$ENG_HOLDER" ] || continue
		[ "$(readlink "$f" 2>/dev/null)" = "$m" ] && echo "$p"
	done
}

# kill_and_wait SECS PID...: SIGTERM, wait up to SECS, then SIGKILL.
kill_and_wait() {
	local secs=$1 i p alive
	shift
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null
	for ((i = 0; i < secs * 10; i++)); do
		alive=
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		[ -n "$alive" ] || return 0
		sleep 0.1
	done
	kill -KILL "$@" 2>/dev/null
	return 0
}

eng_teardown_file() {
	local d p left
	[ -n "${ENG_DIR:-}" ] && [ -d "$ENG_DIR" ] || return 0
	ENG_HOLDER=$(cat "$ENG_DIR/holder.pid" 2>/dev/null)
	if [ -s "$ENG_DIR/timings" ]; then
		echo "# stop timings:" >&3
		sed 's/^/#   /' "$ENG_DIR/timings" >&3
	fi
	if [ -n "$ENG_HOLDER" ]; then
		ENG_TIMEOUT=30
		# podman has no daemon: its containers and pods go first.
		if [ -n "${CONTAINERS_CONF:-}" ]; then
			eng podman pod rm -af -t 0 >/dev/null 2>&1
			eng podman rm -af -t 0 >/dev/null 2>&1
		fi
		d=$ENG_DIR/docker
		if [ -s "$d/dockerd.pid" ]; then
			# shellcheck disable=SC2046
			eng docker rm -f $(eng docker ps -aq 2>/dev/null) >/dev/null 2>&1
			# dockerd stops its containerd (and that its shims) on SIGTERM.
			kill_and_wait 20 "$(cat "$d/dockerd.pid")"
		fi
		# Whatever is left in the namespace (a shim, a conmon) was started
		# by this suite's engines.
		# shellcheck disable=SC2046
		kill_and_wait 5 $(ns_members)
		left=$(ns_members)
		[ -z "$left" ] || echo "# teardown: still in the suite's mount namespace: $left" >&3
		# What the engines left mounted there (dockerd's nsfs mount under
		# its exec root, a container's shm) goes now, not whenever the
		# namespace is freed.
		for p in $(awk -v d="$ENG_DIR" 'index($5, d) == 1 { print $5 }' \
		    "/proc/$ENG_HOLDER/mountinfo" 2>/dev/null | sort -r); do
			echo "# teardown: unmounting $p in the suite's mount namespace" >&3
			nsenter -t "$ENG_HOLDER" -m -- umount -l "$p" 2>/dev/null
		done
		kill_and_wait 5 "$ENG_HOLDER"
		wait "$ENG_HOLDER" 2>/dev/null
	fi
	# Nothing should be mounted under $ENG_DIR out here; if something is,
	# it is this suite's, and must go before the directory does.
	for p in $(awk -v d="$ENG_DIR" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		echo "# teardown: unmounting $p" >&3
		umount -l "$p" 2>/dev/null
	done
	if awk -v d="$ENG_DIR" 'index($5, d) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
		echo "# teardown: mounts left under $ENG_DIR, not removing it" >&3
		return 0
	fi
	rm -rf "$ENG_DIR"
}
