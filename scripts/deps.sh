#!/usr/bin/env bash
# Install everything the IM server needs on Debian bookworm, and unpack the
# Kamailio source that matches the installed binary (module headers and
# Makefile.defs must describe the very struct layouts of /usr/sbin/kamailio).
#
# Idempotent: when everything is present it prints one line and exits.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"

packages=(
	kamailio kamailio-sqlite-modules kamailio-postgres-modules
	kamailio-json-modules kamailio-utils-modules kamailio-extra-modules
	kamailio-tls-modules
	postgresql-15 postgresql-client-15
	build-essential pkg-config dpkg-dev bison flex
	libevent-dev libssl-dev libjansson-dev libxml2-dev libcurl4-openssl-dev
	libsqlite3-dev sqlite3 uthash-dev openssl
	libcmocka-dev python3 python3-pytest sipsak socat
	clang libclang-rt-14-dev valgrind
)

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done

export DEBIAN_FRONTEND=noninteractive
apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return
	as_root apt-get update -qq
	apt_updated=1
}

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	apt_update
	as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	# Debian starts the packaged kamailio service and PostgreSQL's system
	# cluster; ours run from make run (PostgreSQL: scripts/pg-cluster.sh).
	for service in kamailio postgresql; do
		if command -v systemctl >/dev/null 2>&1 && systemctl is-active -q "$service" 2>/dev/null; then
			as_root systemctl disable --now "$service" >/dev/null 2>&1 || true
		fi
	done
fi

# The Kamailio source that matches the installed binary version.
kversion=$(dpkg-query -W -f='${Version}' kamailio)
upstream=${kversion%-*}
upstream=${upstream#*:}
srcdir="$build/kamailio-$upstream"
stamp="$build/.kamailio-src-$kversion"

if [ ! -f "$stamp" ]; then
	if ! grep -rqs "^Types:.*deb-src" /etc/apt/sources.list.d/ &&
		! grep -qs "^deb-src .*bookworm" /etc/apt/sources.list; then
		echo "deps: adding a bookworm deb-src entry"
		as_root tee /etc/apt/sources.list.d/im-server-deb-src.sources >/dev/null <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
		apt_updated=
	fi
	apt_update
	mkdir -p "$build/src-download"
	echo "deps: fetching kamailio $kversion source"
	(cd "$build/src-download" &&
		apt-get source --download-only -qq "kamailio=$kversion" >/dev/null)
	# apt-get source verifies the .dsc signature and the tarball checksums
	# against it; check again here so a stale partial download cannot pass.
	dsc=$(ls "$build"/src-download/kamailio_*.dsc | head -n 1)
	(cd "$build/src-download" && dscverify --no-sig-check "$dsc" >/dev/null 2>&1) ||
		(cd "$build/src-download" &&
			awk '/^Checksums-Sha256:/{f=1;next} /^[^ ]/{f=0} f{print $1"  "$3}' "$dsc" |
			sha256sum -c --quiet)
	rm -rf "$srcdir"
	tar -xzf "$build"/src-download/kamailio_"$upstream".orig.tar.gz -C "$build"
	[ -d "$srcdir/src" ] || { echo "deps: $srcdir/src missing after unpack" >&2; exit 1; }
	(cd "$srcdir/src" && make cfg >/dev/null)
	touch "$stamp"
fi

echo "deps: ok (kamailio $kversion, source in build/kamailio-$upstream)"
