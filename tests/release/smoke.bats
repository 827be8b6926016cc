#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The release binaries (make release, then make release-check): each
# dist/pidone-ARCH runs under qemu-user as PID 1 of a PID namespace made for
# the run (`unshare -fp --mount-proc qemu-ARCH-static dist/pidone-ARCH`),
# with native payloads: the shell, busybox or tests/helpers.  The host's own
# architecture runs natively.  Each case loops over the architectures and
# names the ones that fail.  RELEASE_ARCHES limits the run to some of them.
#
# Safety: every pidone here is PID 1 of a namespace its run created (or
# makes its own with --pidns), so its kill(-1, ...) reaches nothing else;
# signals go only to processes found below the case's own guard.

bats_require_minimum_version 1.5.0

load ../common

# common.bash takes the directory above this file for the top.
TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
HELPERS=$TOP/tests/helpers
DIST=$TOP/dist
RELEASE=$TOP/tools/release
VERSION=$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*//p' "$TOP/Makefile")

# Two builds of every architecture for the reproducibility case.
# shellcheck disable=SC2034 # read by bats
BATS_TEST_TIMEOUT=300

setup() {
	[ "$(id -u)" = 0 ] || skip "the namespaces here need root"
	ARCHES=${RELEASE_ARCHES:-$("$RELEASE" --arches)}
	ARCHES=${ARCHES//$'\n'/ }
	need_helper sigecho orphans
	FAILED=
}

teardown() {
	kill_guarded
}

# runner ARCH: set RUN to what runs dist/pidone-ARCH: nothing on the
# host's own architecture, qemu-user elsewhere.  Fails when it is missing.
runner() {
	local qemu budget
	read -r _ _ qemu budget < <("$RELEASE" --info "$1")
	BIN=$DIST/pidone-$1
	BUDGET=$budget
	[ -x "$BIN" ] || fail_with "$BIN missing: run make release"
	if [ "$qemu" = "$(uname -m)" ]; then
		RUN=()
	else
		command -v "qemu-$qemu-static" >/dev/null ||
			fail_with "qemu-$qemu-static missing (apt-get install qemu-user-static)"
		RUN=("qemu-$qemu-static")
	fi
}

# pid1 ARCH ARGS...: dist/pidone-ARCH ARGS as PID 1 of a new namespace, in
# the foreground, under a deadline.  Use with `run`.
pid1() {
	runner "$1" || return 1
	shift
	"$HELPERS/core_guard" 20 -- unshare -fp --mount-proc --kill-child -- \
		"${RUN[@]}" "$BIN" "$@" </dev/null 3>&-
}

# bg_pid1 ARCH ARGS...: the same in the background (start_bg); sets INIT to
# the host pid of the namespace's PID 1 once it is there.
bg_pid1() {
	runner "$1" || return 1
	shift
	OUT=$BATS_TEST_TMPDIR/out ERR=$BATS_TEST_TMPDIR/err
	start_bg unshare -fp --mount-proc --kill-child -- "${RUN[@]}" "$BIN" "$@"
	_init() { INIT=$(host_pid 1); }
	wait_until 10 _init
}

# bad ARCH WHAT: note a failure of ARCH and go on with the next one.
bad() {
	echo "$1: $2" >&2
	FAILED="$FAILED $1"
}

# verdict: fail the case if an architecture failed.
verdict() {
	[ -z "$FAILED" ] || fail_with "failed on:$FAILED"
}

@test "release: every architecture built, dist/SHA256SUMS lists and matches them" {
	local a
	[ -f "$DIST/SHA256SUMS" ] || fail_with "no dist/SHA256SUMS: run make release"
	for a in $ARCHES; do
		grep -qE "^[0-9a-f]{64}  pidone-$a\$" "$DIST/SHA256SUMS" ||
			bad "$a" "not in SHA256SUMS"
	done
	run -0 sh -c 'cd "$1" && sha256sum -c --strict SHA256SUMS' sh "$DIST"
	echo "$output"
	verdict
}

# A static binary, as build.bats checks ./pidone, but for every ELF: no
# interpreter, no shared library, no executable stack or RWE segment,
# relocations bound at start-up, under the architecture's budget.
@test "release: static or static-pie, NX, under the size budget" {
	local a hdr dyn size kind
	for a in $ARCHES; do
		runner "$a"
		hdr=$(readelf -lW "$BIN") || { bad "$a" "readelf"; continue; }
		dyn=$(readelf -dW "$BIN")
		size=$(stat -c %s "$BIN")
		kind=$(file -b "$BIN")
		echo "$a: $size bytes, ${kind%%, stripped*}"
		grep -q INTERP <<<"$hdr" && bad "$a" "has an interpreter"
		grep -q NEEDED <<<"$dyn" && bad "$a" "needs a shared library"
		grep -qE 'GNU_STACK .* RW +0x' <<<"$hdr" || bad "$a" "stack not RW"
		grep -qE '^ *LOAD .* RWE ' <<<"$hdr" && bad "$a" "an RWE segment"
		case $kind in
		*static-pie\ linked*)
			grep -qE '\(FLAGS\).*BIND_NOW' <<<"$dyn" ||
				bad "$a" "static-pie without BIND_NOW" ;;
		*statically\ linked*) ;;
		*) bad "$a" "neither static nor static-pie: $kind" ;;
		esac
		[[ $kind == *", stripped"* ]] || bad "$a" "not stripped"
		[ "$size" -lt "$BUDGET" ] || bad "$a" "$size bytes, budget $BUDGET"
	done
	verdict
}

# What static-pie is for: the kernel loads the binary at a random address.
# Checked where it runs natively (under qemu, /proc shows qemu's mappings).
@test "release: a static-pie binary run natively lands at a new address" {
	local a first second n=0
	for a in $ARCHES; do
		runner "$a"
		[ ${#RUN[@]} -eq 0 ] || continue
		[[ $(file -b "$BIN") == *static-pie* ]] || continue
		n=$((n + 1))
		first=$(pid1 "$a" -- grep -m1 -F "$BIN" /proc/1/maps)
		second=$(pid1 "$a" -- grep -m1 -F "$BIN" /proc/1/maps)
		echo "$a: ${first%% *} then ${second%% *}"
		[[ $first == *" $BIN" ]] || bad "$a" "maps: $first"
		[ "${first%% *}" != "${second%% *}" ] || bad "$a" "same address twice"
	done
	[ $n -gt 0 ] || skip "no static-pie binary for this machine's architecture"
	verdict
}

@test "release: version line; the commit, no path, embedded" {
	local a commit want
	commit=$(git -C "$TOP" rev-parse --short=12 HEAD)
	mkdir "$BATS_TEST_TMPDIR/bin"
	for a in $ARCHES; do
		runner "$a"
		run pid1 "$a" --version
		[ "$status" -eq 0 ] && [ "$output" = "pidone $VERSION" ] ||
			bad "$a" "--version: $status: $output"
		# Docker's name prints the line with the commit.
		ln -sf "$BIN" "$BATS_TEST_TMPDIR/bin/docker-init"
		run "$HELPERS/core_guard" 20 -- "${RUN[@]}" \
			"$BATS_TEST_TMPDIR/bin/docker-init" --version
		want="tini version $VERSION - git.$commit"
		[[ $status -eq 0 && ( $output == "$want" || $output == "$want-dirty" ) ]] ||
			bad "$a" "docker-init --version: $status: $output (want $want)"
		grep -qaF -- "$TOP" "$BIN" && bad "$a" "the build directory is in it"
	done
	verdict
}

@test "release: the payload's exit code, 128+N, 127" {
	local a
	for a in $ARCHES; do
		run pid1 "$a" -- sh -c 'exit 7'
		[ "$status" -eq 7 ] || bad "$a" "exit 7 gave $status: $output"
		# TERM is 15 on every architecture (USR1 is 16 on MIPS).
		run pid1 "$a" -- sh -c 'kill -TERM $$'
		[ "$status" -eq 143 ] || bad "$a" "killed by TERM gave $status: $output"
		# Not `run`: bats warns about every 127 it sees.
		status=0
		pid1 "$a" -- /nonexistent/payload 2>/dev/null || status=$?
		[ "$status" -eq 127 ] || bad "$a" "not found gave $status"
	done
	verdict
}

# qemu translates the signal numbers both ways (host USR1 to MIPS USR1 and
# back), so the payload sees the signal that was sent to PID 1.
@test "release: a signal sent to PID 1 reaches the payload" {
	local a
	for a in $ARCHES; do
		bg_pid1 "$a" -- "$HELPERS/sigecho" TERM || { bad "$a" "no PID 1"; kill_guarded; continue; }
		if wait_for_line "$OUT" ready &&
		    kill -USR1 "$INIT" && wait_for_line "$OUT" USR1 &&
		    kill -HUP "$INIT" && wait_for_line "$OUT" HUP &&
		    kill -TERM "$INIT" && wait_for_line "$OUT" TERM; then
			wait_guard
			[ "$status" -eq 0 ] || bad "$a" "exit $status after TERM"
		else
			bad "$a" "payload said: $(tr '\n' ' ' <"$OUT")"
			kill_guarded
		fi
	done
	verdict
}

@test "release: orphans are reaped" {
	local a
	for a in $ARCHES; do
		bg_pid1 "$a" -- "$HELPERS/orphans" 20 || { bad "$a" "no PID 1"; kill_guarded; continue; }
		if wait_for_line "$OUT" "done" && wait_until 10 no_zombies_under "$INIT"; then
			kill -TERM "$INIT"
			wait_guard
			[ "$status" -eq 143 ] || bad "$a" "exit $status after TERM"
		else
			bad "$a" "zombies left: $(zombies_under "$INIT" | tr '\n' ' ')"
			kill_guarded
		fi
	done
	verdict
}

# The payload exits 3 and leaves a child that needs a moment of cleanup
# after SIGTERM: the drain TERMs it, waits for it, then exits 3.
@test "release: the drain lets what is left finish its cleanup" {
	local a d=$BATS_TEST_TMPDIR
	cat >"$d/child" <<'EOF'
trap 'sleep 0.2; echo cleaned >"$1.done"; exit 0' TERM
while :; do sleep 1 & echo ready >"$1.ready"; wait $!; done
EOF
	cat >"$d/payload" <<'EOF'
sh "$1/child" "$1/$2" &
i=0
while ! [ -s "$1/$2.ready" ]; do
	i=$((i + 1)); [ $i -lt 1000 ] || exit 99; sleep 0.01
done
exit 3
EOF
	for a in $ARCHES; do
		run pid1 "$a" -- sh "$d/payload" "$d" "$a"
		[ "$status" -eq 3 ] || bad "$a" "exit $status: $output"
		[ "$(cat "$d/$a.done" 2>/dev/null)" = cleaned ] ||
			bad "$a" "the child did not finish its cleanup"
	done
	verdict
}

# Not PID 1 (a shell's job, a process supervisor's child), pidone ends as
# its payload did: it dies of the payload's signal itself, which takes
# the kernel's 16-byte sigset on MIPS (8 bytes elsewhere).  The host sees
# qemu-user die of the same signal.  Verbosity 0: qemu-user refuses
# PR_SET_CHILD_SUBREAPER, and pidone's warning about it is not the case.
@test "release: not PID 1, pidone dies of the payload's signal" {
	local a
	command -v python3 >/dev/null || skip "python3 is not installed"
	for a in $ARCHES; do
		runner "$a"
		if ends_with "signal 2" env PIDONE_VERBOSITY=0 "${RUN[@]}" "$BIN" \
		    -- sh -c 'kill -INT $$' 2>/dev/null; then
			echo "$a: $output"
		else
			bad "$a" "ended with $status: $output, want signal 2"
		fi
	done
	verdict
}

# qemu-user cannot make namespaces: it has no clone3 (ENOSYS) and takes
# clone only with fork's flags (CLONE_NEWPID: EINVAL).  There pidone must
# refuse cleanly, with 125 before any payload runs; natively it must work.
@test "release: --pidns, natively; a clean refusal under qemu-user" {
	local a
	for a in $ARCHES; do
		runner "$a"
		run --separate-stderr "$HELPERS/core_guard" 20 -- "${RUN[@]}" "$BIN" \
			--pidns -- sh -c 'echo $$ $PPID; exit 5' </dev/null 3>&-
		if [ "$status" -eq 5 ] && [ "$output" = "2 1" ]; then
			echo "$a: --pidns works"
		elif [ ${#RUN[@]} -gt 0 ] && [ "$status" -eq 125 ] && [ -z "$output" ] &&
		    [[ $stderr == "pidone: error: clone into a new PID namespace: Invalid argument"* ]]; then
			echo "$a: under ${RUN[0]}: $stderr"
		else
			bad "$a" "--pidns: $status: $output: $stderr"
		fi
	done
	verdict
}

# The README's multi-platform Dockerfile picks the binary with a shell
# `case` on TARGETARCH/TARGETVARIANT: every platform of its size table must
# land on that row's binary, and the binary must be in dist/.
@test "release: the README's Dockerfile maps each Docker platform to its binary" {
	local pick row arch platform TARGETARCH TARGETVARIANT a n=0
	pick=$(sed -n '/^    case "\$TARGETARCH\/\$TARGETVARIANT" in/,/esac/p' \
		"$TOP/README.md" | sed -e 's/ *\\$//' -e 's/ && install.*//')
	echo "$pick"
	[ -n "$pick" ]
	while IFS='|' read -r _ arch platform _; do
		arch=${arch// /} platform=${platform// /}
		for p in ${platform//,/ }; do
			# "linux/arm/v5, v6": the variants share the row.
			case $p in
			linux/*) TARGETARCH=${p#linux/} TARGETVARIANT= ;;
			*) TARGETVARIANT=$p ;;
			esac
			case $TARGETARCH in
			arm/*) TARGETVARIANT=${TARGETARCH#arm/} TARGETARCH=arm ;;
			esac
			eval "$pick"
			n=$((n + 1))
			echo "$TARGETARCH/$TARGETVARIANT -> pidone-$a"
			[ "$a" = "$arch" ] || bad "$arch" "$p gives pidone-$a"
			[ -x "$DIST/pidone-$a" ] || bad "$arch" "no dist/pidone-$a"
		done
	done < <(sed -n '/^| arch | Docker platform/,/^$/p' "$TOP/README.md" |
		grep -E '^\| [a-z0-9]+ \| linux/')
	[ "$n" -ge 10 ]
	verdict
}

# Two builds in other directories, at other times, give the same bytes as
# dist/ (a fresh clone of the commit: dist/ must then be built from a
# clean tree; with local changes the two clones are compared instead).
@test "release: reproducible: rebuilt elsewhere, byte-identical" {
	local c=$BATS_TEST_TMPDIR/c head a ref
	head=$(git -C "$TOP" rev-parse HEAD)
	# The musl built for riscv64 (tools/build-musl) is taken as it is.
	export RISCV64_MUSL=$TOP/build/musl-riscv64
	for n in 1 2; do
		git clone -q --no-hardlinks "$TOP" "$c$n"
		git -C "$c$n" checkout -q "$head"
	done
	(cd "$c"1 && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s release \
		ARCH="$ARCHES" >/dev/null)
	ref=$DIST/SHA256SUMS
	if ! git -C "$TOP" diff --quiet HEAD --; then
		echo "local changes: comparing two clones"
		sleep 1
		(cd "$c"2 && umask 077 && TZ=Asia/Tokyo env -u MAKEFLAGS \
			-u MAKELEVEL -u MFLAGS make -s release ARCH="$ARCHES" >/dev/null)
		ref=$c"2/dist/SHA256SUMS"
	fi
	for a in $ARCHES; do
		cmp -s <(grep " pidone-$a\$" "$ref") \
		    <(grep " pidone-$a\$" "$c"1/dist/SHA256SUMS) ||
			bad "$a" "differs: $(grep -h " pidone-$a\$" "$ref" "$c"1/dist/SHA256SUMS | tr '\n' ' ')"
	done
	verdict
}
