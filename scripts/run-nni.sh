#!/usr/bin/env bash
# `make run-nni`: two interconnected IM domains on loopback (TR-1029 NNI),
# each its own Kamailio and relay started by scripts/run.sh:
#
#   home1.net  SIP 127.0.0.1:5060 (TLS 5061)  MSRP tcp:127.0.0.1:2855 (msrps 2856)
#   home2.net  SIP 127.0.0.2:5060 (TLS 5061)  MSRP tcp:127.0.0.2:2855 (msrps 2856)
#
# (each relay's control channel is the UNIX socket under its VAR_DIR)
# Each domain has its own self-signed TLS certificate, made at first start
# under its VAR_DIR (tls/cert.pem, tls/key.pem, see scripts/run.sh).
#
# Each knows the other as a peer (im_peer, set by RPC at start, trusted by
# its loopback address: an opt-in fit for this demo, weaker than the TLS
# certificates a real interconnect uses), so
# alice@home1.net reaches bob@home2.net through both participating
# functions, and MSRP goes relay to relay. Output lines carry the domain.
# Ctrl-C (or SIGTERM) stops both domains. Settings from the environment:
#
#   NNI_VAR_DIR=<repo>/var/nni   (home1/ and home2/ below it)
#   HOME1_IP=127.0.0.1 HOME2_IP=127.0.0.2 SIP_PORT=5060 MSRP_PORT=2855
#   TLS_PORT=5061 MSRPS_PORT=2856
set -euo pipefail
set -m

top=$(cd "$(dirname "$0")/.." && pwd)
NNI_VAR_DIR=${NNI_VAR_DIR:-$top/var/nni}
HOME1_IP=${HOME1_IP:-127.0.0.1}
HOME2_IP=${HOME2_IP:-127.0.0.2}
SIP_PORT=${SIP_PORT:-5060}
MSRP_PORT=${MSRP_PORT:-2855}
TLS_PORT=${TLS_PORT:-5061}
MSRPS_PORT=${MSRPS_PORT:-2856}

pids=()
stop() {
	trap - INT TERM
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	echo "run-nni: stopped"
}
trap 'stop; exit 0' INT TERM

# domain ip peer-domain peer-ip
start_domain() {
	SIP_IP=$2 SIP_PORT=$SIP_PORT TLS_PORT=$TLS_PORT IM_DOMAIN=$1 \
		RELAY_MSRP="tcp:$2:$MSRP_PORT" RELAY_MSRPS="tcp:$2:$MSRPS_PORT" \
		TLS_CERT= TLS_KEY= VAR_DIR="$NNI_VAR_DIR/$1" \
		PEERS="$3=sip:$4:$SIP_PORT" PEER_TRUST=address \
		"$top/scripts/run.sh" > >(sed -u "s/^/[$1] /") 2>&1 &
	pids+=($!)
}

start_domain home1.net "$HOME1_IP" home2.net "$HOME2_IP"
start_domain home2.net "$HOME2_IP" home1.net "$HOME1_IP"

# sipsak resolves the -s URI's host as it reads it unless the outbound
# proxy (-p) came first: home1.net is no DNS name, so -p leads.
cat <<BANNER
run-nni: starting home1.net ($HOME1_IP) and home2.net ($HOME2_IP); each
  prints "run: IM server ready" when it serves. Try, once both are up:
  sipsak -p $HOME1_IP -U -s sip:alice@home1.net -r $SIP_PORT -u alice -a alice
  sipsak -p $HOME2_IP -U -s sip:bob@home2.net -r $SIP_PORT -u bob -a bob
  with a SIP client registered as bob@home2.net through $HOME2_IP, a MESSAGE
  from alice@home1.net crossing both domains:
  sipsak -p $HOME1_IP -f $top/examples/message-nni.sip -s sip:bob@home2.net -r $SIP_PORT -u alice -a alice
  then an MSRP client of alice@home1.net inviting sip:bob@home2.net.
  each domain's peer, with every feature ('*', D-3):
  kamcmd -s unix:$NNI_VAR_DIR/home1.net/run/kamailio_ctl im_pf.peer_list
BANNER

# either domain ending on its own is a failure: stop the other one too
set +e
wait -n "${pids[@]}"
echo "run-nni: a domain exited unexpectedly" >&2
stop
exit 1
