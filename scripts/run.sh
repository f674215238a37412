#!/usr/bin/env bash
# `make run`: Kamailio (cfg/kamailio.cfg + our modules) and the MSRP relay
# in the foreground on loopback, both logging to this terminal (relay lines
# say "im-relay"). Ctrl-C (or SIGTERM) stops both cleanly: the relay first,
# so that Kamailio still hears its shutdown event. Settings come from the environment:
#
#   SIP_IP=127.0.0.1 SIP_PORT=5060 IM_DOMAIN=$SIP_IP RELAY_CONTROL_PORT=9070
#   RELAY_MSRP=tcp:$SIP_IP:2855   (where the relay listens for MSRP)
#   VAR_DIR=<repo>/var   (database, sockets, pid files)
#   PEERS="home2.net=sip:127.0.0.2:5060 ..."   (interconnected domains, set
#                                              with im_pf.peer_set at start)
#   PEER_TRUST=tls   (how PEERS' requests are recognised: tls, their client
#                     certificate; address, their IP:port, an opt-in that
#                     is weaker: see modules/im_pf/README.md "Trust")
#
# The secret that signs the hop from our B2BUA to ourselves is made at the
# first start in $VAR_DIR/hop.secret (mode 0600) and kept.
set -euo pipefail
# Job control: Kamailio and the relay get process groups of their own, so
# Ctrl-C reaches only this script, which then stops both in order.
set -m

top=$(cd "$(dirname "$0")/.." && pwd)
SIP_IP=${SIP_IP:-127.0.0.1}
SIP_PORT=${SIP_PORT:-5060}
IM_DOMAIN=${IM_DOMAIN:-$SIP_IP}
RELAY_CONTROL_PORT=${RELAY_CONTROL_PORT:-9070}
RELAY_MSRP=${RELAY_MSRP:-tcp:$SIP_IP:2855}
PEERS=${PEERS:-}
PEER_TRUST=${PEER_TRUST:-tls}
VAR_DIR=${VAR_DIR:-$top/var}
LOG_LEVEL=${LOG_LEVEL:-2}

run="$VAR_DIR/run"
db="$VAR_DIR/im.sqlite"
ctl="$run/kamailio_ctl"
rpc="$run/kamailio_rpc.sock"
relay_bin="$top/build/bin/im-relay"
mkdir -p "$run"

hop_secret="$VAR_DIR/hop.secret"
if [ ! -f "$hop_secret" ]; then
	(umask 077 && openssl rand -hex 32 > "$hop_secret")
	echo "run: made the hop secret $hop_secret"
fi

if [ ! -f "$db" ]; then
	"$top/scripts/db-init.sh" "$db"
	for u in alice bob carol; do
		"$top/scripts/im-user.sh" "$db" add "$u@$IM_DOMAIN" "$u"
	done
	echo "run: demo users alice, bob, carol @$IM_DOMAIN (password = user name)"
fi

kamailio_pid= relay_pid=
stop() {
	trap - INT TERM
	echo "run: stopping"
	if [ -n "$relay_pid" ]; then
		kill -TERM "$relay_pid" 2>/dev/null || true
		wait "$relay_pid" 2>/dev/null || true
	fi
	if [ -n "$kamailio_pid" ]; then
		kill -TERM "$kamailio_pid" 2>/dev/null || true
		wait "$kamailio_pid" 2>/dev/null || true
	fi
	echo "run: stopped"
}
trap 'stop; exit 0' INT TERM

/usr/sbin/kamailio -f "$top/cfg/kamailio.cfg" -DD -E -Y "$run" -w "$VAR_DIR" \
	-A "SIP_IP=$SIP_IP" -A "SIP_PORT=$SIP_PORT" -A "IM_DOMAIN=$IM_DOMAIN" \
	-A "LOG_LEVEL=$LOG_LEVEL" \
	-A "DB_URL=\"sqlite:///$db\"" \
	-A "MPATH=\"/usr/lib/x86_64-linux-gnu/kamailio/modules/:$top/modules/\"" \
	-A "CTL_SOCKET=\"unix:$ctl\"" -A "RPC_DGRAM=\"$rpc\"" \
	-A "HOP_SECRET_FILE=\"$hop_secret\"" \
	-A "RELAY_CONTROL=\"tcp:127.0.0.1:$RELAY_CONTROL_PORT;name=relay1\"" &
kamailio_pid=$!

ready=
for _ in $(seq 1 200); do
	if ! kill -0 "$kamailio_pid" 2>/dev/null; then
		echo "run: kamailio exited during start-up (see the log above)" >&2
		exit 1
	fi
	if kamcmd -s "unix:$ctl" core.version >/dev/null 2>&1; then
		ready=1
		break
	fi
	sleep 0.1
done
[ -n "$ready" ] || { echo "run: kamailio did not answer on $ctl" >&2; stop; exit 1; }

"$relay_bin" --instance relay1 --control "tcp:127.0.0.1:$RELAY_CONTROL_PORT" \
	--control "unix:$run/relay_ctl.sock" --kamailio-rpc "unix:$rpc" \
	--msrp-listen "$RELAY_MSRP" &
relay_pid=$!

for _ in $(seq 1 100); do
	kamcmd -s "unix:$ctl" im_relay.ping 2>/dev/null | grep -q "status: ok" && break
	if ! kill -0 "$relay_pid" 2>/dev/null; then
		echo "run: the relay exited during start-up (see the log above)" >&2
		stop
		exit 1
	fi
	sleep 0.1
done

for peer in $PEERS; do
	if ! kamcmd -s "unix:$ctl" im_pf.peer_set "${peer%%=*}" "${peer#*=}" '*' "$PEER_TRUST" >/dev/null; then
		echo "run: peer $peer refused (domain=sip:IP:PORT, PEER_TRUST tls or address)" >&2
		stop
		exit 1
	fi
	echo "run: peer domain ${peer%%=*} at ${peer#*=} (trusted by $PEER_TRUST)"
done

cat <<BANNER
run: IM server ready
  SIP (UDP and TCP)  $SIP_IP:$SIP_PORT, domain $IM_DOMAIN
  relay control      tcp:127.0.0.1:$RELAY_CONTROL_PORT, unix:$run/relay_ctl.sock
  relay MSRP         $RELAY_MSRP
  kamcmd             kamcmd -s unix:$ctl im_relay.ping
  register           sipsak -U -s sip:alice@$IM_DOMAIN -r $SIP_PORT -u alice -a alice
  add a user         scripts/im-user.sh $db add dave@$IM_DOMAIN secret
  stop               Ctrl-C
BANNER

# either process ending on its own is a failure: stop the other one too
set +e
wait -n "$kamailio_pid" "$relay_pid"
rc=$?
echo "run: a process exited unexpectedly (rc $rc)" >&2
stop
exit 1
