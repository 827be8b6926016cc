#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The documentation and contrib/ against the code: install layout, the man
# page renders cleanly, the README's quick start runs, the Dockerfile names
# only real files, every option of --help is documented, and the examples
# are valid for the tools that read them.

bats_require_minimum_version 1.5.0

load common

# Building a Debian package takes tens of seconds on a busy 2-core machine.
# shellcheck disable=SC2034 # read by bats for every case of this file
BATS_TEST_TIMEOUT=240

README=$TOP/README.md
MANPAGE=$TOP/pidone.1
DOCKERFILE=$TOP/contrib/Dockerfile

need_pidone() {
	[ -x "$PIDONE" ] || skip "$PIDONE not built (run make)"
}

# The tree a fresh checkout has, without build outputs: what `make install`
# works from.  A copy, so that a `make` here can never replace the binary
# the rest of the suite is testing (make check SANITIZE=1 builds another).
copy_tree() {
	local dst=$1 f
	mkdir -p "$dst"
	for f in Makefile pidone.1 $(make_src); do
		cp "$TOP/$f" "$dst/"
	done
	[ ! -e "$TOP/LICENSE" ] || cp "$TOP/LICENSE" "$dst/"
}

# The sources the Makefile compiles (its SRC variable) and the header.
make_src() {
	sed -n 's/^SRC[[:space:]]*=[[:space:]]*//p' "$TOP/Makefile"
	echo pidone.h
}

# make in a copy, as a user would type it, not as a sub-make of `make check`
# (which would pass SANITIZE=1 and the like down through MAKEFLAGS).
user_make() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u SANITIZE make --no-print-directory "$@"
}

# quick_start: the two commands under the <!-- quick-start --> marker.
quick_start() {
	awk '/<!-- quick-start -->/ { m = 1; next }
	     m && /^```/ { if (in_block) exit; in_block = 1; next }
	     in_block' "$README"
}

# apt_packages FILE: the packages FILE installs: the words of its
# `apt-get install` commands (continuation lines joined, options and shell
# variables left out, up to the end of the command) and of a
# `packages="..."` list, the form .ci/run uses.
apt_packages() {
	{
		sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$1" |
			sed -n 's/.*apt-get install//p' | sed 's/[|&;>].*//'
		sed -n '/^packages="/,/"/p' "$1" | sed 's/^packages=//'
	} | tr -d '"' | tr -s '[:blank:]' '\n' | grep -vE '^(-|\$|$)' | sort -u
}

# man_source_text: pidone.1 with the escapes that hide a plain option name
# (\- and font changes) taken out.
man_source_text() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\~/ /g' "$MANPAGE"
}

@test "make install DESTDIR PREFIX=/usr installs the binary and the man page" {
	local src=$BATS_TEST_TMPDIR/src stage=$BATS_TEST_TMPDIR/stage
	copy_tree "$src"
	run -0 user_make -C "$src" install DESTDIR="$stage" PREFIX=/usr
	[ -x "$stage/usr/bin/pidone" ]
	cmp "$MANPAGE" "$stage/usr/share/man/man1/pidone.1"
	# Only those two files, and nothing outside $stage/usr.
	run -0 find "$stage" -type f
	echo "$output"
	[ "${#lines[@]}" -eq 2 ]
	# The installed binary is the program the README documents.
	run -0 "$stage/usr/bin/pidone" --version
	[ "$output" = "$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*/pidone /p' "$TOP/Makefile")" ]
}

@test "make install-compat makes the peers' names point to pidone" {
	local src=$BATS_TEST_TMPDIR/src stage=$BATS_TEST_TMPDIR/stage n t
	copy_tree "$src"
	run -0 user_make -C "$src" install-compat DESTDIR="$stage" PREFIX=/usr
	[ -x "$stage/usr/bin/pidone" ]
	for n in tini docker-init dumb-init catatonit podman-init; do
		[ -L "$stage/usr/bin/$n" ]
		t=$(readlink "$stage/usr/bin/$n")
		echo "$n -> $t"
		# Absolute links name the installed path, relative ones the
		# file beside them; either way they land on usr/bin/pidone.
		case $t in
		/*) [ "$t" = /usr/bin/pidone ] ;;
		*) [ "$(cd "$stage/usr/bin" && realpath "$t")" = "$(realpath "$stage/usr/bin/pidone")" ] ;;
		esac
	done
	# COMPATDIR puts the names elsewhere, e.g. where dockerd looks.
	run -0 user_make -C "$src" install-compat DESTDIR="$stage" PREFIX=/usr \
		COMPATDIR=/usr/libexec/docker
	[ -L "$stage/usr/libexec/docker/docker-init" ]
}

@test "make install-compat replaces no file that is not a link to pidone, unless FORCE=1" {
	local src=$BATS_TEST_TMPDIR/src stage=$BATS_TEST_TMPDIR/stage bin n
	copy_tree "$src"
	bin=$stage/usr/bin
	mkdir -p "$bin"
	# What dpkg installs there: a real binary and a link to another init.
	printf 'not pidone\n' >"$bin/tini"
	ln -s /usr/bin/tini-static "$bin/docker-init"
	run -2 --separate-stderr user_make -C "$src" install-compat DESTDIR="$stage" PREFIX=/usr
	echo "stderr: $stderr"
	[[ $stderr == *"install-compat: $bin/tini exists and is not a link to pidone"*FORCE=1* ]]
	[ "$(cat "$bin/tini")" = "not pidone" ]
	[ "$(readlink "$bin/docker-init")" = /usr/bin/tini-static ]
	# Checked before any link is made: none of the others is there.
	for n in dumb-init catatonit podman-init; do
		[ ! -e "$bin/$n" ] && [ ! -L "$bin/$n" ]
	done
	# Links to pidone from an earlier run are replaced without FORCE.
	rm "$bin/tini" "$bin/docker-init"
	ln -s ../bin/pidone "$bin/tini"
	run -0 user_make -C "$src" install-compat DESTDIR="$stage" PREFIX=/usr
	[ "$(readlink "$bin/tini")" = /usr/bin/pidone ]
	# FORCE=1 replaces what is there.
	rm "$bin/tini"
	printf 'not pidone\n' >"$bin/tini"
	run -0 user_make -C "$src" install-compat DESTDIR="$stage" PREFIX=/usr FORCE=1
	[ "$(readlink "$bin/tini")" = /usr/bin/pidone ]
}

@test "contrib/Dockerfile: the GIT_ID build argument reaches docker-init --version" {
	command -v musl-gcc >/dev/null || command -v cc >/dev/null || skip "no C compiler"
	local src=$BATS_TEST_TMPDIR/src line
	# The build stage declares the argument before the RUN that uses it.
	run -0 awk '/^FROM / { n++ } n == 1 && /^(ARG GIT_ID|RUN make)/' "$DOCKERFILE"
	printf '%s\n' "$output"
	[[ ${lines[0]} == "ARG GIT_ID"* && ${lines[1]} == "RUN make"* ]]
	line=$(grep -m1 -E '^RUN make' "$DOCKERFILE")
	[[ $line == *GIT_ID* ]]
	# Run that line as the build would: no .git, the argument in the
	# environment.
	copy_tree "$src"
	run -0 env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u SANITIZE GIT_ID=0abc123 \
		sh -c "cd '$src' && ${line#RUN }"
	ln -s pidone "$src/docker-init"
	run -0 "$src/docker-init" --version
	echo "$output"
	[[ $output == "tini version "*" - git.0abc123" ]]
}

@test "man -l renders pidone.1 without a warning, groff -ww is quiet" {
	command -v man >/dev/null || skip "man is not installed (man-db)"
	command -v groff >/dev/null || skip "groff is not installed (groff-base)"
	run -0 --separate-stderr env MANWIDTH=80 man -l "$MANPAGE"
	echo "stderr: $stderr"
	[ -z "$stderr" ]
	[[ "$output" == *pidone* ]]
	run -0 --separate-stderr groff -man -ww -z "$MANPAGE"
	echo "stderr: $stderr"
	[ -z "$stderr" ]
}

@test "pidone.1 has the usual sections, in order" {
	run -0 grep -o '^\.SH .*' "$MANPAGE"
	echo "$output"
	[ "$output" = ".SH NAME
.SH SYNOPSIS
.SH DESCRIPTION
.SH OPTIONS
.SH ENVIRONMENT
.SH EXIT STATUS
.SH SIGNALS
.SH NAMESPACES
.SH EXAMPLES
.SH SEE ALSO" ]
}

@test "every option and variable of pidone --help is in README.md and pidone.1" {
	need_pidone
	local opts vars o missing=''
	run -0 "$PIDONE" --help
	# Option names: the -x and --long words at the start of the help's
	# option lines.
	opts=$(printf '%s\n' "$output" | grep -E '^ +-' |
		grep -oE '(^|[ ,])--?[A-Za-z][-A-Za-z]*' | tr -d ' ,' | sort -u)
	vars=$(printf '%s\n' "$output" | sed -n '/^Environment:/,/\.$/p' |
		grep -oE '[A-Z][A-Z_]+[A-Z]' | grep -v '^Environment$' | sort -u)
	[ "$(echo "$opts" | wc -l)" -ge 20 ]
	[ -n "$vars" ]
	for o in $opts; do
		grep -qE -- "(^|[^-A-Za-z])$o([^-A-Za-z]|$)" "$README" ||
			missing="$missing README:$o"
		man_source_text | grep -qE -- "(^|[^-A-Za-z])$o([^-A-Za-z]|$)" ||
			missing="$missing pidone.1:$o"
	done
	for o in $vars; do
		grep -qw -- "$o" "$README" || missing="$missing README:$o"
		grep -qw -- "$o" "$MANPAGE" || missing="$missing pidone.1:$o"
	done
	echo "undocumented:$missing"
	[ -z "$missing" ]
}

@test "the version in README.md, pidone.1 and contrib/debian is the binary's" {
	need_pidone
	local v
	run -0 "$PIDONE" --version
	v=${output#pidone }
	[ "$output" = "pidone $v" ]
	grep -qF "\`pidone $v\`" "$README"
	grep -q "^\.TH PIDONE 1 .*\"pidone $v\"" "$MANPAGE"
	head -n1 "$TOP/contrib/debian/changelog" | grep -qF "pidone ($v"
}

@test "the README's quick start: make && ./pidone --pidns ..., then make check" {
	local first second n payload
	run -0 quick_start
	printf '%s\n' "$output"
	[ "${#lines[@]}" -eq 2 ]
	first=${lines[0]} second=${lines[1]}
	[ "$second" = "make check" ]
	# The test command is the one CI runs.
	[ -f "$TOP/.ci/run" ]
	grep -qE '^[[:space:]]*make check([[:space:]]|$)' "$TOP/.ci/run"
	# The first builds, then runs a payload with --pidns.
	[[ "$first" == "make && ./pidone --pidns -- "* ]]
	payload=${first#make && ./pidone --pidns -- }
	need_pidone
	# Run it as written (the suite's binary stands in for ./pidone; make
	# has already run).  --pidns makes its own namespace: nothing here
	# can reach a process outside it.
	run -0 --separate-stderr timeout -k 5 20 sh -c "exec \"\$0\" --pidns -- $payload" "$PIDONE"
	printf '%s\n' "$output"
	[ -z "$stderr" ]
	if [ "$payload" = "ps -ef" ]; then
		# What the README promises: a header and two processes, pidone
		# as PID 1 and ps as PID 2, its child.
		[ "${#lines[@]}" -eq 3 ]
		[[ "${lines[1]}" =~ ^[a-z]+\ +1\ +0\ .*pidone\ --pidns\ --\ ps\ -ef$ ]]
		[[ "${lines[2]}" =~ ^[a-z]+\ +2\ +1\ .*\ ps\ -ef$ ]]
	fi
}

@test "the README's apt-get line installs what .ci/run installs, and make" {
	local readme ci p missing=''
	[ -f "$TOP/.ci/run" ]
	readme=$(awk '/^## Quick start/ { m = 1 } m' "$README" | apt_packages /dev/stdin)
	ci=$(apt_packages "$TOP/.ci/run")
	echo "README:" $readme
	echo ".ci/run:" $ci
	[ -n "$ci" ]
	for p in $ci make musl-tools bats; do
		grep -qxF -- "$p" <<<"$readme" || missing="$missing $p"
	done
	echo "missing from the README:$missing"
	[ -z "$missing" ]
}

@test "README's usage-error example is what pidone prints" {
	need_pidone
	local cmd want
	cmd=$(grep -m1 -E '^ +\$ pidone -e 256 true$' "$README" | sed 's/^ *\$ pidone //')
	want=$(grep -m1 -A1 -E '^ +\$ pidone -e 256 true$' "$README" | tail -n1 | sed 's/^ *//')
	[ -n "$cmd" ] && [ -n "$want" ]
	# shellcheck disable=SC2086
	run -125 --separate-stderr "$PIDONE" $cmd
	echo "stderr: $stderr"
	[ "$stderr" = "$want" ]
	[ -z "$output" ]
}

@test "contrib/Dockerfile copies only files that exist, and every source" {
	local line s missing='' from pkg copied
	[ -f "$DOCKERFILE" ]
	# The build stage runs make in /src, so its output is /src/pidone.
	grep -qE '^WORKDIR /src$' "$DOCKERFILE"
	grep -qE '^RUN make( |$)' "$DOCKERFILE"
	while read -r line; do
		# COPY [--from=X] SRC... DEST
		set -- $line
		shift
		from=
		case $1 in --from=*) from=${1#--from=}; shift ;; esac
		while [ $# -gt 1 ]; do
			s=$1
			shift
			if [ -z "$from" ]; then
				# Relative to the build context, the repository's top.
				[ -e "$TOP/$s" ] || missing="$missing $s"
			elif [ "$s" = /src/pidone ]; then
				:
			else
				# Anything else from the build stage must come from
				# a package its apt-get line installs.
				pkg=$(dpkg-query -S "$s" 2>/dev/null | cut -d: -f1 | head -n1) ||
					true
				[ -n "$pkg" ] || skip "cannot tell which package has $s here"
				grep -qE "apt-get install .*[[:space:]]$pkg([[:space:]]|$)" "$DOCKERFILE" ||
					missing="$missing $from:$s($pkg)"
			fi
		done
	done < <(grep -E '^COPY[[:space:]]' "$DOCKERFILE")
	echo "missing: $missing"
	[ -z "$missing" ]
	# Every file the Makefile compiles reaches the build stage.
	copied=$(grep -E '^COPY[[:space:]]' "$DOCKERFILE" | grep -v -- '--from=' |
		tr -s '[:blank:]' '\n')
	for s in Makefile $(make_src); do
		grep -qxF -- "$s" <<<"$copied" || missing="$missing $s"
	done
	echo "not copied: $missing"
	[ -z "$missing" ]
}

@test "contrib/Dockerfile's ENTRYPOINT is the README's" {
	local ep
	# The last stage is the image `docker build` makes by default.
	ep=$(grep -E '^ENTRYPOINT ' "$DOCKERFILE" | tail -n1)
	echo "$ep"
	[ "$ep" = 'ENTRYPOINT ["/sbin/pidone", "--"]' ]
	grep -qF -- "$ep" "$README"
	# The final image is built FROM scratch with the build stage's binary.
	[ "$(grep -E '^FROM ' "$DOCKERFILE" | tail -n1)" = "FROM scratch" ]
	grep -qxF 'COPY --from=build /src/pidone /sbin/pidone' "$DOCKERFILE"
}

@test "contrib/Dockerfile's final image runs under runc as built" {
	need_pidone
	command -v runc >/dev/null || skip "runc is not installed"
	[ "$(id -u)" = 0 ] || skip "runc needs root here"
	local bb b args
	bb=$(command -v busybox) || skip "busybox is not installed (busybox-static)"
	! ldd "$bb" 2>/dev/null | grep -q '=>' || skip "$bb is not static"
	! ldd "$PIDONE" 2>/dev/null | grep -q '=>' || skip "$PIDONE is not static (SANITIZE build?)"
	# The image: exactly the final stage's two COPYs, and its
	# ENTRYPOINT + CMD as process.args.
	grep -qxF 'COPY --from=build /bin/busybox /bin/busybox' "$DOCKERFILE"
	args=$(sed -n 's/^ENTRYPOINT \[\(.*\)\]$/\1/p; s/^CMD \[\(.*\)\]$/\1/p' "$DOCKERFILE" | tail -n2 | paste -sd, -)
	echo "args: $args"
	b=$BATS_TEST_TMPDIR/bundle
	mkdir -p "$b/rootfs/sbin" "$b/rootfs/bin"
	cp "$PIDONE" "$b/rootfs/sbin/pidone"
	cp "$bb" "$b/rootfs/bin/busybox"
	(cd "$b" && runc spec)
	command -v python3 >/dev/null || skip "python3 is needed to edit config.json"
	python3 - "$b/config.json" "[$args]" <<-'EOF'
	import json, sys
	c = json.load(open(sys.argv[1]))
	c["process"]["args"] = json.loads(sys.argv[2])
	c["process"]["terminal"] = False
	c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
	json.dump(c, open(sys.argv[1], "w"))
	EOF
	run timeout -k 5 30 runc run -b "$b" "pidone-docs-$$" </dev/null
	runc delete -f "pidone-docs-$$" >/dev/null 2>&1 || true
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	# busybox ps: pidone is PID 1, the payload its child.
	[[ "$output" =~ (^|$'\n')\ *1\ +[^$'\n']*/sbin/pidone\ --\ /bin/busybox\ ps ]]
}

@test "contrib/kubernetes: valid pods, pidone as the command" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	python3 -c 'import yaml' 2>/dev/null || skip "python3 has no yaml module"
	run -0 python3 - "$TOP/contrib/kubernetes/pod.yaml" \
		"$TOP/contrib/kubernetes/shared-pidns-pod.yaml" <<-'EOF'
	import sys, yaml
	for f in sys.argv[1:]:
	    docs = list(yaml.safe_load_all(open(f)))
	    assert len(docs) == 1, f
	    pod = docs[0]
	    assert pod["apiVersion"] == "v1" and pod["kind"] == "Pod", f
	    for c in pod["spec"]["containers"]:
	        assert c["command"][0] == "/sbin/pidone", (f, c["name"])
	        assert c["command"][-1] == "--", (f, c["name"])
	        assert c["args"], (f, c["name"])
	    print(f, pod["spec"].get("shareProcessNamespace", False))
	EOF
	printf '%s\n' "$output"
	[[ "${lines[1]}" == *shared-pidns-pod.yaml\ True ]]
	# The sandbox the shared pod's comment names exists in the Dockerfile.
	grep -qE '^FROM scratch AS pause$' "$DOCKERFILE"
	grep -qxF 'ENTRYPOINT ["/sbin/pidone", "-P"]' "$DOCKERFILE"
	# Every image they name is one contrib/Dockerfile's own build
	# commands tag, and the YAML says how to build it.
	local img f
	for f in "$TOP"/contrib/kubernetes/*.yaml; do
		for img in $(sed -n 's/^ *image: *//p' "$f" | sort -u); do
			echo "$f: $img"
			grep -qE -- "-t $img( |$)" "$DOCKERFILE"
			grep -qE -- "-t $img( |$)" "$f"
		done
	done
}

@test "contrib/systemd unit: systemd-analyze verify, pidone --pidns" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
	need_pidone
	local u=$TOP/contrib/systemd/pidone-example.service d=$BATS_TEST_TMPDIR/unit
	grep -qE '^ExecStart=/[^ ]*/pidone --pidns .*-- /' "$u"
	# The example's paths do not exist here: point them at real files.
	mkdir -p "$d"
	sed -e "s#^ExecStart=/[^ ]*/pidone #ExecStart=$PIDONE #" \
		-e 's#-- /[^ ]*#-- /bin/sleep#' "$u" >"$d/pidone-example.service"
	run -0 --separate-stderr systemd-analyze verify "$d/pidone-example.service"
	echo "stderr: $stderr"
	[ -z "$stderr" ]
}

@test "contrib/debian builds a package with the binary and the man page" {
	command -v dpkg-buildpackage >/dev/null || skip "dpkg-buildpackage is not installed (dpkg-dev)"
	command -v dh >/dev/null || skip "dh is not installed (debhelper)"
	command -v musl-gcc >/dev/null || skip "musl-gcc is not installed (musl-tools)"
	local w=$BATS_TEST_TMPDIR/deb deb
	copy_tree "$w/pidone"
	cp -r "$TOP/contrib/debian" "$w/pidone/debian"
	run env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u SANITIZE sh -c \
		'cd "$1" && dpkg-buildpackage -b -us -uc 2>&1' sh "$w/pidone"
	[ "$status" -eq 0 ] || { printf '%s\n' "$output" | tail -n 30; false; }
	deb=$(ls "$w"/pidone_*_*.deb)
	run -0 dpkg-deb -c "$deb"
	printf '%s\n' "$output"
	[[ "$output" == *' ./usr/bin/pidone'* ]]
	[[ "$output" == *' ./usr/share/man/man1/pidone.1.gz'* ]]
	run -0 dpkg-deb -f "$deb" Built-Using
	[[ "$output" == musl\ \(=\ * ]]
	dpkg-deb -x "$deb" "$w/root"
	run -0 "$w/root/usr/bin/pidone" --version
	[ "$output" = "pidone $(sed -n '1s/^pidone (\([^)-]*\).*/\1/p' "$TOP/contrib/debian/changelog")" ]
}

@test "contrib/oci/README.md points to tests/oci.bats, which exists" {
	grep -qF 'tests/oci.bats' "$TOP/contrib/oci/README.md"
	[ -f "$TOP/tests/oci.bats" ]
}

@test "README's links to files and sections resolve" {
	local p a slugs missing=''
	# Paths of the repository the README names in backquotes.
	for p in $(grep -oE '`(contrib|tests)/[^` ]*`' "$README" | tr -d '`' | sort -u); do
		[ -e "$TOP/$p" ] || missing="$missing $p"
	done
	# Section links: GitHub's slugs (lower case, punctuation dropped,
	# spaces to dashes).
	slugs=$(grep -E '^#+ ' "$README" | sed -E 's/^#+ //' |
		tr 'A-Z' 'a-z' | sed -e 's/[^a-z0-9 _-]//g' -e 's/ /-/g')
	for a in $(grep -oE '\]\(#[^)]*\)' "$README" | sed -E 's/^\]\(#//; s/\)$//' | sort -u); do
		grep -qxF -- "$a" <<<"$slugs" || missing="$missing #$a"
	done
	echo "dangling: $missing"
	[ -z "$missing" ]
}
