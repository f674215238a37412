#!/usr/bin/env bash
# A module that Debian's /usr/sbin/kamailio cannot load is a build failure:
# parse cfg/kamailio.cfg with our modules on the module path (kamailio -c
# dlopens every module and runs the config fixups).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! out=$(/usr/sbin/kamailio -c -f "$top/cfg/kamailio.cfg" \
	-A "MPATH=\"/usr/lib/x86_64-linux-gnu/kamailio/modules/:$top/modules/\"" \
	-A "DB_URL=\"sqlite:///$tmp/check.sqlite\"" \
	-A "CTL_SOCKET=\"unix:$tmp/ctl\"" -A "RPC_DGRAM=\"$tmp/rpc.sock\"" 2>&1); then
	echo "$out" | grep -E "ERROR|CRITICAL|error" >&2 || echo "$out" >&2
	echo "check: kamailio cannot load cfg/kamailio.cfg with our modules" >&2
	exit 1
fi
echo "check: kamailio loads our modules and cfg/kamailio.cfg"
