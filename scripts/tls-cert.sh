#!/usr/bin/env bash
# A self-signed certificate for SIP over TLS and msrps, for a test or demo
# server only: clients cannot verify it against a CA, they must be given
# cert.pem (or its fingerprint) to trust it.
#
#   scripts/tls-cert.sh DIR NAME...
#
# writes DIR/key.pem (EC P-256, mode 0600: created under umask 077, never
# readable by others even for an instant) and DIR/cert.pem (mode 0644),
# valid ten years for the NAMEs (IP addresses or DNS names, the first one
# also the subject CN). Existing files are left alone.
set -euo pipefail

if [ $# -lt 2 ]; then
	echo "usage: $0 DIR NAME..." >&2
	exit 2
fi
dir=$1
shift
key="$dir/key.pem" cert="$dir/cert.pem"
if [ -f "$key" ] && [ -f "$cert" ]; then
	exit 0
fi

san=
for name in "$@"; do
	if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then
		san+=",IP:$name"
	else
		san+=",DNS:$name"
	fi
done

umask 077
mkdir -p "$dir"
# both files at once, so that a key never lacks its certificate
tmp=$(mktemp -d "$dir/.new.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-days 3650 -subj "/CN=$1" -addext "subjectAltName=${san#,}" \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
chmod 0644 "$tmp/cert.pem"
mv "$tmp/key.pem" "$key"
mv "$tmp/cert.pem" "$cert"
