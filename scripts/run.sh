#!/usr/bin/env bash
# `make run`: Kamailio (cfg/kamailio.cfg + our modules) and the MSRP relay
# in the foreground on loopback, both logging to this terminal (relay lines
# say "im-relay"). Ctrl-C (or SIGTERM) stops both cleanly: the relay first,
# so that Kamailio still hears its shutdown event.
#
# Supervision: a relay that exits on its own is started again, after 1 s,
# then after twice as long each time it exits within a minute of its start
# (up to RELAY_RESTART_MAX s); Kamailio meanwhile ends the calls it carried
# (BYE to both users) and takes new sessions once the relay is back. If
# Kamailio exits, everything stops. Settings come from the environment:
#
#   SIP_IP=127.0.0.1 SIP_PORT=5060 IM_DOMAIN=$SIP_IP
#   TLS_PORT=5061   (SIP over TLS)
#   RELAY_MSRP=tcp:$SIP_IP:2855   (where the relay listens for MSRP)
#   RELAY_MSRPS=tcp:$SIP_IP:2856  (and for MSRP over TLS, msrps)
#   TLS_CERT=$VAR_DIR/tls/cert.pem TLS_KEY=$VAR_DIR/tls/key.pem
#                         (PEM certificate chain and key of SIP over TLS and
#                          msrps; without them, a self-signed pair for
#                          SIP_IP and IM_DOMAIN is made there at first start)
#   RELAY_CONTROL_TCP=            (e.g. 127.0.0.1:9070: also a TCP control
#                                  listener, which requires the secret in
#                                  $VAR_DIR/run/relay_ctl.secret; unset: the
#                                  relay's control is its UNIX socket only)
#   VAR_DIR=<repo>/var   (database, sockets, pid files, tls/)
#   DB=sqlite   (the database: sqlite, the file $VAR_DIR/im.sqlite; or
#                postgres, a private PostgreSQL cluster in $VAR_DIR/pg
#                started and stopped with the rest, see
#                scripts/pg-cluster.sh, database im on 127.0.0.1:PG_PORT)
#   PG_PORT=15432   (with DB=postgres: the cluster's loopback TCP port)
#   PEERS="home2.net=sip:127.0.0.2:5060 ..."   (interconnected domains, set
#                                              with im_pf.peer_set at start)
#   PEER_TRUST=tls   (how PEERS' requests are recognised: tls, their client
#                     certificate; address, their IP:port, an opt-in that
#                     is weaker: see modules/im_pf/README.md "Trust")
#   RELAY_RESTART_MAX=30   (longest wait, in seconds, before restarting a
#                           relay that keeps exiting)
#
# The secret that signs the hop from our B2BUA to ourselves is made at the
# first start in $VAR_DIR/hop.secret (mode 0600) and kept.
set -euo pipefail
# What this creates under VAR_DIR (the database with the HA1 hashes,
# sockets, keys) is the operator's alone (issue 8 item 4).
umask 077
# Job control: Kamailio and the relay get process groups of their own, so
# Ctrl-C reaches only this script, which then stops both in order.
set -m

top=$(cd "$(dirname "$0")/.." && pwd)
SIP_IP=${SIP_IP:-127.0.0.1}
SIP_PORT=${SIP_PORT:-5060}
IM_DOMAIN=${IM_DOMAIN:-$SIP_IP}
RELAY_CONTROL_TCP=${RELAY_CONTROL_TCP:-}
RELAY_MSRP=${RELAY_MSRP:-tcp:$SIP_IP:2855}
RELAY_MSRPS=${RELAY_MSRPS:-tcp:$SIP_IP:2856}
TLS_PORT=${TLS_PORT:-5061}
PEERS=${PEERS:-}
PEER_TRUST=${PEER_TRUST:-tls}
VAR_DIR=${VAR_DIR:-$top/var}
LOG_LEVEL=${LOG_LEVEL:-2}
TLS_CERT=${TLS_CERT:-}
TLS_KEY=${TLS_KEY:-}
RELAY_RESTART_MAX=${RELAY_RESTART_MAX:-30}
DB=${DB:-sqlite}
PG_PORT=${PG_PORT:-15432}

run="$VAR_DIR/run"
pg_dir="$VAR_DIR/pg"
case "$DB" in
	sqlite)
		db="$VAR_DIR/im.sqlite" db_url="sqlite:///$VAR_DIR/im.sqlite" db_define=()
		;;
	postgres)
		# Kamailio, db-init.sh and im-user.sh read role im's password here
		export PGPASSFILE="$pg_dir/pgpass"
		db="postgres://im@127.0.0.1:$PG_PORT/im" db_url=$db db_define=(-A DB_POSTGRES)
		;;
	*) echo "run: DB must be sqlite or postgres, not '$DB'" >&2; exit 1 ;;
esac
ctl="$run/kamailio_ctl"
rpc="$run/kamailio_rpc.sock"
relay_ctl="$run/relay_ctl.sock"
relay_pid_file="$run/relay.pid"
relay_bin="$top/build/bin/im-relay"
mkdir -p "$run"

# The relay's control channel administers every session (issue 8): its
# UNIX socket (mode 0600) by default; TCP only with a shared secret.
relay_tcp_args=()
if [ -n "$RELAY_CONTROL_TCP" ]; then
	secret_file="$run/relay_ctl.secret"
	if [ ! -s "$secret_file" ]; then
		(umask 077 && head -c 24 /dev/urandom | base64 > "$secret_file")
	fi
	relay_tcp_args=(--control "tcp:$RELAY_CONTROL_TCP" --control-secret-file "$secret_file")
fi

if [ -z "$TLS_CERT$TLS_KEY" ]; then
	TLS_CERT="$VAR_DIR/tls/cert.pem" TLS_KEY="$VAR_DIR/tls/key.pem"
	if [ ! -f "$TLS_CERT" ]; then
		"$top/scripts/tls-cert.sh" "$VAR_DIR/tls" "$SIP_IP" "$IM_DOMAIN"
		echo "run: self-signed TLS certificate $TLS_CERT for $SIP_IP and $IM_DOMAIN"
	fi
elif [ ! -r "$TLS_CERT" ] || [ ! -r "$TLS_KEY" ]; then
	echo "run: TLS_CERT and TLS_KEY must both name readable PEM files" >&2
	exit 1
fi

hop_secret="$VAR_DIR/hop.secret"
if [ ! -f "$hop_secret" ]; then
	(umask 077 && openssl rand -hex 32 > "$hop_secret")
	echo "run: made the hop secret $hop_secret"
fi

# The cluster stops with everything else, and also when this script ends
# before Kamailio has started.
pg_started=
stop_cluster() {
	[ -n "$pg_started" ] || return 0
	pg_started=
	"$top/scripts/pg-cluster.sh" stop "$pg_dir" || true
}
trap stop_cluster EXIT

add_demo_users() {
	for u in alice bob carol; do
		"$top/scripts/im-user.sh" "$db" add "$u@$IM_DOMAIN" "$u"
	done
	echo "run: demo users alice, bob, carol @$IM_DOMAIN (password = user name)"
}

if [ "$DB" = postgres ]; then
	# run as root, the server runs as postgres, which must pass through
	# VAR_DIR: search permission only, what is private in it stays so
	[ "$(id -u)" = 0 ] && chmod o+x "$VAR_DIR"
	pg_started=1
	"$top/scripts/pg-cluster.sh" start "$pg_dir" "$PG_PORT"
	"$top/scripts/pg-cluster.sh" createdb "$pg_dir" "$PG_PORT" im
	"$top/scripts/db-init.sh" "$db"
	[ -n "$("$top/scripts/im-user.sh" "$db" list)" ] || add_demo_users
elif [ ! -f "$db" ]; then
	"$top/scripts/db-init.sh" "$db"
	add_demo_users
fi

kamailio_pid= relay_pid= backoff_pid=
stop() {
	trap - INT TERM
	echo "run: stopping"
	if [ -n "$backoff_pid" ]; then
		kill "$backoff_pid" 2>/dev/null || true
		wait "$backoff_pid" 2>/dev/null || true
	fi
	if [ -n "$relay_pid" ]; then
		kill -TERM "$relay_pid" 2>/dev/null || true
		wait "$relay_pid" 2>/dev/null || true
	fi
	if [ -n "$kamailio_pid" ]; then
		kill -TERM "$kamailio_pid" 2>/dev/null || true
		wait "$kamailio_pid" 2>/dev/null || true
	fi
	stop_cluster
	echo "run: stopped"
}
trap 'stop; exit 0' INT TERM

/usr/sbin/kamailio -f "$top/cfg/kamailio.cfg" -M 32 -DD -E -Y "$run" -w "$VAR_DIR" \
	-A "SIP_IP=$SIP_IP" -A "SIP_PORT=$SIP_PORT" -A "IM_DOMAIN=$IM_DOMAIN" \
	-A "TLS_PORT=$TLS_PORT" -A "TLS_CERT=\"$TLS_CERT\"" -A "TLS_KEY=\"$TLS_KEY\"" \
	-A "LOG_LEVEL=$LOG_LEVEL" \
	-A "DB_URL=\"$db_url\"" "${db_define[@]}" \
	-A "MPATH=\"/usr/lib/x86_64-linux-gnu/kamailio/modules/:$top/modules/\"" \
	-A "CTL_SOCKET=\"unix:$ctl\"" -A "RPC_DGRAM=\"$rpc\"" \
	-A "HOP_SECRET_FILE=\"$hop_secret\"" \
	-A "CF_FACTORY=\"sip:conference-factory@$IM_DOMAIN\"" \
	-A "RELAY_CONTROL=\"unix:$relay_ctl;name=relay1\"" &
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

start_relay() {
	"$relay_bin" --instance relay1 --control "unix:$relay_ctl" "${relay_tcp_args[@]}" \
		--kamailio-rpc "unix:$rpc" --msrp-listen "$RELAY_MSRP" \
		--msrps-listen "$RELAY_MSRPS" --tls-cert "$TLS_CERT" --tls-key "$TLS_KEY" \
		--pid-file "$relay_pid_file" &
	relay_pid=$!
	relay_started_at=$SECONDS
}
start_relay

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

# sipsak sends to the host of -s unless an outbound proxy (-p, before -s)
# says otherwise: needed when the domain is not the server's address
sipsak_to=
[ "$IM_DOMAIN" = "$SIP_IP" ] || sipsak_to="-p $SIP_IP "

cat <<BANNER
run: IM server ready
  SIP (UDP and TCP)  $SIP_IP:$SIP_PORT, domain $IM_DOMAIN
  SIP over TLS       $SIP_IP:$TLS_PORT
  TLS certificate    $TLS_CERT
  relay control      unix:$relay_ctl${RELAY_CONTROL_TCP:+, tcp:$RELAY_CONTROL_TCP (secret: $run/relay_ctl.secret)}
  relay MSRP         $RELAY_MSRP
  relay MSRP (TLS)   $RELAY_MSRPS
  kamcmd             kamcmd -s unix:$ctl im_relay.ping
  register           sipsak ${sipsak_to}-U -s sip:alice@$IM_DOMAIN -r $SIP_PORT -u alice -a alice
  message            sipsak ${sipsak_to}-G -f $top/examples/message.sip -s sip:bob@$IM_DOMAIN -r $SIP_PORT -u alice -a alice
  group sessions     INVITE or MESSAGE with a resource list to sip:conference-factory@$IM_DOMAIN
                     (kamcmd -s unix:$ctl im_cf.list)
  database           $db_url${pg_started:+
                     (cluster $pg_dir, log $pg_dir/postgres.log)}
  add a user         ${pg_started:+PGPASSFILE=$PGPASSFILE }scripts/im-user.sh $db add dave@$IM_DOMAIN secret
  stop               Ctrl-C
BANNER

# Kamailio ending on its own stops everything; the relay is restarted.
set +e
kamailio_gone() {
	kamailio_pid=
	echo "run: kamailio exited unexpectedly (rc $1)" >&2
	stop
	exit 1
}
backoff=1
while :; do
	exited=
	wait -n -p exited "$kamailio_pid" "$relay_pid"
	rc=$?
	[ "$exited" = "$kamailio_pid" ] && kamailio_gone "$rc"
	if [ -z "$exited" ]; then
		echo "run: lost track of its processes (wait: rc $rc)" >&2
		stop
		exit 1
	fi
	[ "$exited" = "$relay_pid" ] || continue
	relay_pid=
	# a relay that ran a while had a fault, not a broken start: retry soon
	if [ $((SECONDS - relay_started_at)) -ge 60 ]; then
		backoff=1
	fi
	echo "run: the relay exited (rc $rc); restarting it in $backoff s" >&2
	# a background sleep, so that Ctrl-C or Kamailio exiting ends the wait
	sleep "$backoff" &
	backoff_pid=$!
	exited=
	wait -n -p exited "$kamailio_pid" "$backoff_pid"
	rc=$?
	[ "$exited" = "$kamailio_pid" ] && kamailio_gone "$rc"
	backoff_pid=
	start_relay
	echo "run: relay restarted (pid $relay_pid)" >&2
	backoff=$((backoff * 2 > RELAY_RESTART_MAX ? RELAY_RESTART_MAX : backoff * 2))
done
