# SPDX-License-Identifier: MIT
# Bundles and runc runs for tests/oci.bats: pidone as a container's
# entrypoint on a busybox root filesystem, built by contrib/oci/mkbundle.
# Every container gets a unique id and is deleted in teardown.

MKBUNDLE=$TOP/contrib/oci/mkbundle
OCI_TIMEOUT=30

# oci_static FILE: true when FILE needs no dynamic loader (a busybox root
# has no libc, so a SANITIZE=1 build of pidone cannot start there).
oci_static() {
	! ldd "$1" 2>/dev/null | grep -q '=>'
}

# oci_why_not: print why runc cannot run pidone here (nothing when it can).
oci_why_not() {
	local busybox h
	[ "$(id -u)" = 0 ] || { echo "runc needs root here"; return; }
	runc --version >/dev/null 2>&1 || { echo "runc is not installed"; return; }
	busybox=$(command -v busybox) || { echo "busybox is not installed (busybox-static)"; return; }
	oci_static "$busybox" || { echo "$busybox is not static (install busybox-static)"; return; }
	command -v python3 >/dev/null || command -v jq >/dev/null ||
		{ echo "neither python3 nor jq to edit config.json"; return; }
	[ -x "$PIDONE" ] || { echo "$PIDONE not built"; return; }
	oci_static "$PIDONE" || { echo "$PIDONE is dynamically linked (SANITIZE build?)"; return; }
	for h in sigecho orphans; do
		[ -x "$HELPERS/$h" ] || { echo "$HELPERS/$h not built (make helpers)"; return; }
		oci_static "$HELPERS/$h" || { echo "$HELPERS/$h is not static"; return; }
	done
}

# Build the root filesystem once per file; every case's bundle shares it
# (read-only) and gets its own config and /out.  Then run a trivial
# container without pidone: does runc work on this kernel and cgroup
# setup at all?  What keeps runc from running is a skip; a bundle that
# cannot be built is a failure.
oci_setup_file() {
	local why python out base=$BATS_FILE_TMPDIR/base id=pidone-probe-$$
	why=$(oci_why_not)
	if [ -z "$why" ]; then
		# The real interpreter: a version manager's shim costs 0.4 s a call.
		python=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) ||
			python=python3
		echo "$python" >"$BATS_FILE_TMPDIR/python"
		# (-m only makes the /out mount point; each case mounts its own.)
		out=$(PYTHON=$python "$MKBUNDLE" -p "$PIDONE" \
			-a "$HELPERS/sigecho" -a "$HELPERS/orphans" -m /tmp:/out \
			"$base" </dev/null 2>&1 >/dev/null) ||
			why="FAIL: mkbundle: $out"
	fi
	if [ -z "$why" ]; then
		out=$(PYTHON=$python "$MKBUNDLE" -r "$base/rootfs" \
			"$BATS_FILE_TMPDIR/probe" -- /bin/true </dev/null 2>&1 >/dev/null) ||
			why="FAIL: mkbundle: $out"
	fi
	if [ -z "$why" ]; then
		out=$(timeout -k 5 "$OCI_TIMEOUT" runc run \
			-b "$BATS_FILE_TMPDIR/probe" "$id" </dev/null 2>&1) ||
			why="runc cannot run a busybox container here: ${out%%$'\n'*}"
		runc delete -f "$id" >/dev/null 2>&1 || true
	fi
	echo "$why" >"$BATS_FILE_TMPDIR/skip"
}

# bats 1.8 cannot skip from setup_file; each case skips here instead.
oci_setup() {
	local why
	why=$(cat "$BATS_FILE_TMPDIR/skip")
	case $why in
	"") ;;
	FAIL:*) echo "$why" >&2; return 1 ;;
	*) skip "$why" ;;
	esac
	OCI_N=0
	OCI_IDS=()
	OCI_RUNC=
	OUT=$BATS_TEST_TMPDIR/out
	mkdir -p "$OUT"
}

oci_teardown() {
	local id
	if [ -n "${OCI_RUNC:-}" ]; then
		kill -KILL "$OCI_RUNC" 2>/dev/null || true
	fi
	for id in "${OCI_IDS[@]}"; do
		runc delete -f "$id" >/dev/null 2>&1 || true
	done
}

# oci_bundle ARG...: a fresh bundle whose process.args are ARG... (give
# /sbin/pidone and its options first), on the shared root filesystem
# (busybox, /sbin/pidone, sigecho and orphans in /bin), with $OUT
# bind-mounted on /out, run as ${OCI_USER:-0:0}.  Sets B (bundle) and ID
# (a new container id).
oci_bundle() {
	OCI_N=$((OCI_N + 1))
	B=$BATS_TEST_TMPDIR/bundle$OCI_N
	ID=pidone-$$-$BATS_TEST_NUMBER-$OCI_N
	OCI_IDS+=("$ID")
	PYTHON=$(cat "$BATS_FILE_TMPDIR/python") \
		"$MKBUNDLE" -r "$BATS_FILE_TMPDIR/base/rootfs" -m "$OUT:/out" \
		-u "${OCI_USER:-0:0}" \
		"$B" -- "$@" </dev/null >/dev/null
}

# oci_exec: run the bundle oci_bundle made in the foreground; use with
# `run` (runc's exit status is the container's).  oci_bundle itself must
# not run under `run`: its subshell would hide the id from teardown.
oci_exec() {
	timeout -k 5 "$OCI_TIMEOUT" runc run -b "$B" "$ID" </dev/null
}

# oci_start ARG...: build a bundle and run it in the background, its stdout
# and stderr in $OUT/stdout and $OUT/stderr; oci_wait collects the status.
oci_start() {
	oci_bundle "$@"
	timeout -k 5 "$OCI_TIMEOUT" runc run -b "$B" "$ID" </dev/null \
		>"$OUT/stdout" 2>"$OUT/stderr" 3>&- &
	OCI_RUNC=$!
}

# oci_wait: wait for the background runc run (bounded by its timeout) and
# set RC to its exit status.  Not in $(...): a subshell cannot wait for it.
oci_wait() {
	RC=0
	wait "$OCI_RUNC" || RC=$?
	OCI_RUNC=
}
