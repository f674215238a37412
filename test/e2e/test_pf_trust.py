"""Whom the participating function trusts (issue 8 item 2): the hop from
our own B2BUA to our own terminating function is recognised by the
X-IM-Hop marker it signs with the installation's secret, never by the
server's own IP:port (which any local process can send from); every
incoming X-IM-Hop is stripped; a peer is trusted by its address only when
the operator opted in (im_peer.trust = address)."""

import hashlib
import hmac
import os
import socket
import struct
import time

import pytest

from conftest import two_domains
from imtest.im_session import ImSession
from imtest.procs import free_port
from imtest.rawsip import UdpProbe, message_bytes
from imtest.rpc import RpcError
from imtest.sdp import msrp_sdp
from imtest.sip import ClientTransaction


def hop_marker(secret, method, ruri, call_id, from_uri, from_tag, ts=None):
    """X-IM-Hop value as lib/im_hop.c makes it: HMAC-SHA256 over the
    length-prefixed fields."""
    ts = str(int(time.time()) if ts is None else ts)
    data = b"".join(struct.pack(">I", len(f)) + f for f in
                    (x.encode() for x in (method, ruri, call_id, from_uri, from_tag, ts)))
    return f"{ts};{hmac.new(secret, data, hashlib.sha256).hexdigest()}"


def secret_of(server):
    with open(server.kamailio.hop_secret_file, "rb") as f:
        return f.read().strip()


def marker_for(server, msg, secret=None, **kw):
    """A marker for the request msg (kw overrides what it is bound to)."""
    f = dict(method=msg.method, ruri=msg.uri, call_id=msg.call_id,
             from_uri=msg.from_.uri, from_tag=msg.from_.tag)
    f.update(kw)
    return hop_marker(secret or secret_of(server), **f)


def send_from(ua, msg, dest, source):
    """Sends msg from the socket address source (not the UA's own socket);
    the answer still reaches ua: its Via has no rport, so the server
    answers to the Via address. Returns the transaction."""
    msg.headers = [(k, v.replace(";rport", "") if k == "via" else v) for k, v in msg.headers]
    tx = ClientTransaction(ua, msg, dest)
    with ua.lock:
        ua.pending[(tx.branch, msg.method)] = tx
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        # what a local process can do: share the server's port, on the
        # wildcard address, so that the server still receives its traffic
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(source)
        s.sendto(msg.encode(), dest)
    finally:
        s.close()
    return tx


def spoofed_source(server):
    return ("0.0.0.0", server.sip_addr[1])


def assert_only_control_reaches(server, alice, bob):
    """Nothing got to bob before a MESSAGE alice sends now, with her
    credentials: the request the test forged was not delivered (nor
    anything else disturbed)."""
    bob.auto_reply["MESSAGE"] = 200
    text = f"control {os.urandom(4).hex()}"
    assert alice.message(server.uri("bob"), text).status == 200
    req = bob.wait_request()
    assert (req.msg.method, req.msg.body) == ("MESSAGE", text.encode())
    assert server.rpc.call("im_ua.list") == []
    assert server.relay.call("session.list") == []


@pytest.fixture
def alice(make_ua):
    return make_ua("alice", register=False)


@pytest.fixture
def bob(make_ua):
    return make_ua("bob")


def test_message_from_the_servers_own_address_is_challenged(server, alice, bob):
    """A process sharing the server's SIP port sends a MESSAGE From alice
    without credentials: it is challenged like any other, not delivered."""
    msg = alice.build_request("MESSAGE", server.uri("bob"), body="forged")
    tx = send_from(alice, msg, server.sip_addr, spoofed_source(server))
    assert tx.wait_final().status == 407
    assert_only_control_reaches(server, alice, bob)


def test_invite_from_the_servers_own_address_is_challenged(server, alice, bob):
    offer = msrp_sdp(f"msrp://127.0.0.1:{alice.transport.port + 1}/s1;tcp")
    msg = alice.build_request("INVITE", server.uri("bob"), body=offer,
                              content_type="application/sdp",
                              headers=[("Accept-Contact", "*;+g.oma.sip-im")])
    tx = send_from(alice, msg, server.sip_addr, spoofed_source(server))
    assert tx.wait_final().status == 407
    assert_only_control_reaches(server, alice, bob)


FORGED = {
    "wrong signature": lambda server, msg: f"{int(time.time())};{os.urandom(32).hex()}",
    "stale": lambda server, msg: marker_for(server, msg, ts=int(time.time()) - 120),
    "from the future": lambda server, msg: marker_for(server, msg, ts=int(time.time()) + 120),
    "copied from another call": lambda server, msg: marker_for(server, msg,
                                                               call_id="other@127.0.0.1"),
    "another request's sender": lambda server, msg: marker_for(server, msg,
                                                               from_uri=server.uri("carol")),
    "another secret": lambda server, msg: marker_for(server, msg, secret=os.urandom(32).hex()
                                                     .encode()),
    "malformed": lambda server, msg: "yes",
}


@pytest.mark.parametrize("kind", sorted(FORGED))
def test_forged_marker_from_the_servers_own_address_is_refused(server, alice, bob, kind):
    msg = alice.build_request("MESSAGE", server.uri("bob"), body="forged")
    msg.add("X-IM-Hop", FORGED[kind](server, msg))
    tx = send_from(alice, msg, server.sip_addr, spoofed_source(server))
    assert tx.wait_final().status == 407
    assert_only_control_reaches(server, alice, bob)


def test_two_markers_are_refused(server, alice, bob):
    """One valid marker does not help a request carrying a second one."""
    msg = alice.build_request("MESSAGE", server.uri("bob"), body="forged")
    msg.add("X-IM-Hop", marker_for(server, msg))
    msg.add("X-IM-Hop", "1;" + "0" * 64)
    tx = send_from(alice, msg, server.sip_addr, spoofed_source(server))
    assert tx.wait_final().status == 407
    assert_only_control_reaches(server, alice, bob)


def test_valid_marker_is_trusted_from_anywhere_and_stripped(server, alice, bob):
    """The secret, not the address, is what is trusted: a marker made with
    it is accepted from any source, and bob never sees it."""
    bob.auto_reply["MESSAGE"] = 200
    msg = alice.build_request("MESSAGE", server.uri("bob"), body="signed")
    msg.add("X-IM-Hop", marker_for(server, msg))
    resp = alice.send_request(msg).wait_final()
    assert resp.status == 200
    req = bob.wait_request("MESSAGE")
    assert req.msg.body == b"signed"
    assert not req.msg.has("x-im-hop")


def test_marker_of_a_user_is_stripped(server, make_ua, bob):
    """An authenticated user's request keeps going, without the marker it
    carried: pager mode (relayed) and a session (copied by the B2BUA onto
    its legs, the hop to ourselves carrying only our own marker)."""
    alice = make_ua("alice")
    bob.auto_reply["MESSAGE"] = 200
    forged = [("X-IM-Hop", f"{int(time.time())};{'ab' * 32}")]
    assert alice.message(server.uri("bob"), "pager", headers=forged).status == 200
    req = bob.wait_request("MESSAGE")
    assert req.msg.body == b"pager"
    assert not req.msg.has("x-im-hop")

    s = ImSession(alice, bob, server.uri("bob"), headers=forged).start()
    assert not s.b_req.msg.has("x-im-hop")
    s.bye_from_a()
    server.wait_released()
    s.close()


def test_peer_rpc_trust_values(server):
    with pytest.raises(RpcError) as e:
        server.rpc.call("im_pf.peer_set", "home9.net", "sip:127.0.0.9:5060", "*", "maybe")
    assert e.value.code == 400
    assert server.rpc.call("im_pf.peer_set", "home9.net", "sip:127.0.0.9:5060") == "ok"
    try:
        peers = {p["domain"]: p for p in server.rpc.call("im_pf.peer_list")}
        assert peers["home9.net"]["trust"] == "tls"
        assert server.rpc.call("im_pf.peer_set", "home9.net", "sip:127.0.0.9:5060", "pager",
                               "ADDRESS") == "ok"
        peers = {p["domain"]: p for p in server.rpc.call("im_pf.peer_list")}
        assert (peers["home9.net"]["trust"], peers["home9.net"]["features"]) == ("address",
                                                                                 "pager")
    finally:
        server.rpc.call("im_pf.peer_del", "home9.net")


@pytest.fixture(scope="module")
def nni_tls_trust(tmp_path_factory):
    """Two domains whose im_peer rows keep the default trust (tls) while
    their traffic crosses plain UDP."""
    yield from two_domains(tmp_path_factory.mktemp("nni-tls"), peer_trust="tls")


def test_peer_is_trusted_by_address_only_when_opted_in(nni_tls_trust, make_ua):
    d = nni_tls_trust
    alice = make_ua("alice", srv=d.home1)
    bob = make_ua("bob", srv=d.home2)
    bob.auto_reply["MESSAGE"] = 200
    # home2 does not take the tap's address for home1.net's identity
    resp = alice.message(d.home2.uri("bob"), "not trusted")
    assert resp.status == 403
    assert d.tap.responses("MESSAGE", 403)
    # the operator opts in: the same request now crosses
    assert d.home2.rpc.call("im_pf.peer_set", "home1.net", d.tap.uri, "*", "address") == "ok"
    assert alice.message(d.home2.uri("bob"), "trusted").status == 200
    req = bob.wait_request("MESSAGE")
    assert req.msg.body == b"trusted"


def test_a_users_own_asserted_identity_asserts_nothing(server, make_ua, bob):
    """C-1, RFC 3325: an authenticated alice claiming to be carol in
    P-Asserted-Identity reaches bob as alice, in pager mode and in a
    session; only our own hop or a trusted peer asserts an identity."""
    alice = make_ua("alice")
    bob.auto_reply["MESSAGE"] = 200
    claim = [("P-Asserted-Identity", f"<{server.uri('carol')}>")]
    assert alice.message(server.uri("bob"), "who am I", headers=claim).status == 200
    req = bob.wait_request("MESSAGE")
    assert req.msg.body == b"who am I"
    assert server.uri("carol") not in (req.msg.get("p-asserted-identity") or "")

    s = ImSession(alice, bob, server.uri("bob"), headers=claim).start()
    pai = s.b_req.msg.get_all("p-asserted-identity")
    assert pai and all(server.uri("alice") in p for p in pai), pai
    assert not any(server.uri("carol") in p for p in pai)
    s.bye_from_a()
    server.wait_released()
    s.close()


@pytest.mark.parametrize("from_uri, pai, outcome", [
    ("sip:carol@home2.net", None, 200),                   # its own user
    ("sip:alice@home1.net", None, 407),                   # ours: prove it
    ("sip:dave@home3.net", None, 403),                    # a third domain
    ("sip:carol@home2.net", "<sip:alice@home1.net>", 403),  # asserts ours
    ("sip:anonymous@anonymous.invalid", "<sip:carol@home2.net>", 200),
])
def test_a_peer_speaks_only_for_its_own_domain(server, bob, from_uri, pai, outcome):
    """A trusted peer (here by address) asserts identities of its own
    domain only: one claiming our user or a third domain's is not trusted
    and meets the checks any stranger meets."""
    peer_addr = ("127.0.0.5", free_port("127.0.0.5"))
    assert server.rpc.call("im_pf.peer_set", "home2.net",
                           f"sip:{peer_addr[0]}:{peer_addr[1]}", "*", "address") == "ok"
    probe = UdpProbe(server.sip_addr, bind=peer_addr)
    try:
        bob.auto_reply["MESSAGE"] = 200
        extra = f"P-Asserted-Identity: {pai}\r\n".encode() if pai else b""
        probe.send(message_bytes(server.uri("bob"), from_uri, probe.port, extra_headers=extra))
        assert probe.status(timeout=10) == outcome
        if outcome == 200:
            assert bob.wait_request("MESSAGE").msg.from_.uri == from_uri
        else:
            assert bob.no_request("MESSAGE", timeout=0)
    finally:
        probe.close()
        server.rpc.call("im_pf.peer_del", "home2.net")
