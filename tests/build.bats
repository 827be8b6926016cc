#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The release binary: static, small, and as hardened as a static musl binary
# can be, read from the ELF itself (readelf, file, nm) and from the flags
# `make -n` shows.  A sanitizer build (make check SANITIZE=1) is dynamic on
# purpose; the cases that read the binary skip for it.

load common

# need_release: skip unless $PIDONE is a release build.
need_release() {
	[ -x "$PIDONE" ] || skip "$PIDONE not built"
	if readelf -W --dyn-syms "$PIDONE" 2>/dev/null |
	    grep -q -e __asan_init -e __ubsan_handle; then
		skip "sanitizer build: this case is about the release build"
	fi
}

# lacks ERE: stdin has no line matching ERE.  (A bare `! grep` inside a
# case does not fail it: bash's errexit ignores negated commands.)
lacks() {
	! grep -qE -- "$1"
}

# The command make runs to link ./pidone, without running it.  MAKEFLAGS
# and friends are dropped: under `make check SANITIZE=1` they would carry
# SANITIZE into this make and show the sanitizer build's flags.
build_cmd() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	    make -s -C "$TOP" -n -B pidone | grep -E -- ' -o pidone( |$)'
}

@test "build: statically linked, no interpreter, no shared library" {
	need_release
	run readelf -lW "$PIDONE"
	[ "$status" -eq 0 ]
	lacks INTERP <<<"$output"
	run readelf -dW "$PIDONE"
	[ "$status" -eq 0 ]
	lacks NEEDED <<<"$output"
	run file -b "$PIDONE"
	[[ $output == *"statically linked"* || $output == *"static-pie linked"* ]]
}

@test "build: stripped, under 32 KiB (32768 bytes)" {
	need_release
	strip -o "$BATS_TEST_TMPDIR/pidone" "$PIDONE"
	size=$(stat -c %s "$BATS_TEST_TMPDIR/pidone")
	echo "stripped size: $size bytes"
	[ "$size" -lt 32768 ]
}

@test "build: the stack is not executable (GNU_STACK is RW, not RWE)" {
	need_release
	run readelf -lW "$PIDONE"
	[ "$status" -eq 0 ]
	stack=$(grep GNU_STACK <<<"$output")
	echo "$stack"
	[[ $stack =~ \ RW\ +0x ]]
}

@test "build: no segment is both writable and executable" {
	need_release
	run readelf -lW "$PIDONE"
	[ "$status" -eq 0 ]
	grep -q LOAD <<<"$output"
	lacks '^ *LOAD .* RWE ' <<<"$output"
}

# -z now matters only where something is bound at run time: a static
# non-PIE musl binary has no dynamic section and no relocation at all
# (everything is resolved at link time), so there is nothing lazy left to
# forbid, and that is what is checked then.  A static-pie has a dynamic
# section, which must then say BIND_NOW.  There is no GNU_RELRO on purpose:
# musl's static start-up never mprotects that range, so it would stay
# writable and only cost padding.
# What the loader really maps: pidone's code read-only, its data not
# executable, nothing both writable and executable.
@test "build: at run time no mapping of pidone is writable and executable" {
	need_release
	local p maps
	"$PIDONE" -- "$HELPERS/sigecho" USR1 >"$BATS_TEST_TMPDIR/out" 3>&- &
	p=$!
	wait_for_line "$BATS_TEST_TMPDIR/out" ready
	maps=$(grep -F "$(readlink -f "$PIDONE")" "/proc/$p/maps")
	kill -USR1 "$p"
	wait "$p"
	echo "$maps"
	grep -qE '^[0-9a-f-]+ r-xp ' <<<"$maps"
	lacks '^[0-9a-f-]+ .wx' <<<"$maps"
}

@test "build: nothing is bound lazily" {
	need_release
	run readelf -dW "$PIDONE"
	[ "$status" -eq 0 ]
	if grep -q 'no dynamic section' <<<"$output"; then
		run readelf -rW "$PIDONE"
		[ "$status" -eq 0 ]
		echo "$output"
		grep -q 'no relocations' <<<"$output"
	else
		echo "$output"
		grep -E '\((FLAGS|FLAGS_1)\).*\b(BIND_NOW|NOW)\b' <<<"$output"
	fi
}

# musl's libc.a always brings __stack_chk_fail (its start-up sets up the
# canary), so the symbol in the binary proves nothing: compile pidone's own
# sources with make's flags and look for the check's call in their objects.
@test "build: stack protector compiled into pidone's own code" {
	need_release
	cmd=$(build_cmd)
	echo "$cmd"
	[[ $cmd == *" -fstack-protector-strong "* ||
	    $cmd == *" -fstack-protector-all "* ]]
	cd "$BATS_TEST_TMPDIR"
	ln -s "$TOP"/*.c "$TOP"/*.h .
	eval "${cmd/ -o pidone / -c }"
	run nm ./*.o
	[ "$status" -eq 0 ]
	grep -q ' U __stack_chk_fail$' <<<"$output"
}

@test "build: -Wall -Wextra -Werror in the flags make uses" {
	cmd=$(build_cmd)
	echo "$cmd"
	[[ $cmd == *" -Wall "* ]]
	[[ $cmd == *" -Wextra "* ]]
	[[ $cmd == *" -Werror "* ]]
}
