"""1-1 IM sessions (E2E-2, TR-1029 flows) in three topologies:

- nni: A@home1.net invites B@home2.net through the originating
  participating function of home1 and the terminating one of home2, both
  B2BUAs (D-2), each domain's relay in the media path (NNI-01, UP-1); the
  tap between the domains shows the NNI leg;
- local: both users in home1.net, the session through both functions of
  one server (two calls, two relay bridges);
- proxy: the same in proxy mode (D-2): SDP and MSRP end to end.
"""

import os
import re
import threading

import pytest

from conftest import one_server
from imtest import cpim
from imtest.im_session import ImSession
from imtest.procs import wait_until
from imtest.sdp import Sdp
from imtest.sipmsg import NameAddr


@pytest.fixture(scope="module")
def proxy_server(tmp_path_factory):
    yield from one_server(tmp_path_factory.mktemp("proxy"), defines={"PF_MODE": '"proxy"'})


class Topology:
    def __init__(self, name, caller_srv, callee_srv):
        self.name = name
        self.caller_srv, self.callee_srv = caller_srv, callee_srv
        self.b2bua = name != "proxy"

    def servers(self):
        return {self.caller_srv, self.callee_srv}

    def released(self):
        return all(s.released() for s in self.servers())

    def wait_released(self):
        wait_until(self.released, 15, "release of calls and relay legs")


def _topology(request):
    if request.param == "nni":
        nni = request.getfixturevalue("nni")
        return Topology("nni", nni.home1, nni.home2)
    srv = request.getfixturevalue("server" if request.param == "local" else "proxy_server")
    return Topology(request.param, srv, srv)


@pytest.fixture(params=["nni", "local", "proxy"])
def topo(request):
    return _topology(request)


@pytest.fixture(params=["nni", "local"])
def b2b_topo(request):
    """The topologies where a participating function's B2BUA and relay
    bridge stand between the users."""
    return _topology(request)


@pytest.fixture
def users(topo, make_ua):
    alice = make_ua("alice", srv=topo.caller_srv)
    bob = make_ua("bob", srv=topo.callee_srv)
    return alice, bob, topo.callee_srv.uri("bob")


def wait_released(nni):
    Topology("nni", nni.home1, nni.home2).wait_released()


@pytest.fixture
def pair(nni, make_ua):
    return make_ua("alice", srv=nni.home1), make_ua("bob", srv=nni.home2)


def test_session_headers_on_each_leg(nni, pair):
    """OP-3, TP-3, NNI-05, NNI-10, C-6, C-7, D-9, D-10."""
    alice, bob = pair
    s = ImSession(alice, bob, nni.home2.uri("bob"))
    mark = nni.tap.mark()
    s.invite()
    at_b = s.ring()
    s.answer(headers=[("P-Asserted-Identity", "<sip:bob@home2.net>")])
    final = s.established()

    # the NNI leg, home1 -> home2: a new dialog with the relay's media
    inv = nni.tap.wait(lambda m: m.is_request and m.method == "INVITE", since=mark)
    assert inv.call_id != s.call.invite_msg.call_id
    assert inv.from_.tag != s.call.invite_msg.from_.tag
    assert inv.get("user-agent") == "IM-serv/OMA1.0"
    assert "+g.oma.sip-im" in inv.get("accept-contact")
    contact = NameAddr.parse(inv.get("contact"))
    assert "+g.oma.sip-im" in contact.params
    assert "127.0.0.1" in contact.uri          # home1's own URI, not alice's
    assert NameAddr.parse(inv.get("p-asserted-identity")).uri == "sip:alice@home1.net"
    assert "timer" in inv.get_all("supported")
    assert inv.get("session-expires") is not None
    assert "BYE" in inv.get_all("allow")
    offer_nni = Sdp(inv.body)
    assert offer_nni.path[0].startswith(f"msrp://127.0.0.1:{nni.home1.relay.msrp_port}/")
    assert offer_nni.connection_ip == "127.0.0.1"
    assert s.a_ep.path not in inv.body.decode()

    # the NNI leg's 200, home2 -> home1 (TP-3 200 OK)
    ok = nni.tap.wait(lambda m: not m.is_request and m.status == 200
                      and m.cseq[1] == "INVITE", since=mark)
    assert ok.get("server") == "IM-serv/OMA1.0"
    assert "timer" in ok.get_all("require")
    assert re.search(r"refresher=uas", ok.get("session-expires"))
    assert "INVITE" in ok.get_all("allow")
    assert NameAddr.parse(ok.get("p-asserted-identity")).uri == "sip:bob@home2.net"
    ok_contact = NameAddr.parse(ok.get("contact"))
    assert "+g.oma.sip-im" in ok_contact.params and "127.0.0.2" in ok_contact.uri
    assert Sdp(ok.body).path[0].startswith(f"msrp://127.0.0.2:{nni.home2.relay.msrp_port}/")

    # leg towards bob: TP-3
    m = at_b.msg
    assert m.uri.startswith("sip:bob@127.0.0.2:")
    assert m.get("user-agent") == "IM-serv/OMA1.0"
    assert "+g.oma.sip-im" in m.get("accept-contact")
    assert re.match(r"\d+;refresher=uas", m.get("session-expires"))
    assert "timer" in m.get_all("supported")
    assert NameAddr.parse(m.get("p-asserted-identity")).uri == "sip:alice@home1.net"
    assert "+g.oma.sip-im" in NameAddr.parse(m.get("contact")).params
    assert "127.0.0.2" in NameAddr.parse(m.get("contact")).uri
    assert m.call_id not in (inv.call_id, s.call.invite_msg.call_id)
    assert Sdp(m.body).path[0].startswith(f"msrp://127.0.0.2:{nni.home2.relay.msrp_port}/")

    # the 200 alice gets: C-7, D-9 (a Contact of home1 that maps back)
    assert final.get("server") == "IM-serv/OMA1.0"
    assert "INVITE" in final.get_all("allow")
    fc = NameAddr.parse(final.get("contact"))
    assert "+g.oma.sip-im" in fc.params and "127.0.0.1" in fc.uri
    assert Sdp(final.body).path[0].startswith(f"msrp://127.0.0.1:{nni.home1.relay.msrp_port}/")
    assert s.b_ep.path not in final.body.decode()

    s.connect_media()
    s.bye_from_a()
    wait_released(nni)
    s.close()


@pytest.mark.parametrize("offer_setup,answer_setup", [
    ("active", "passive"), ("active", "active"), (None, None)])
def test_msrp_both_ways_and_reports(topo, users, offer_setup, answer_setup):
    """UP-1, UP-2: each hop answers its own 200, SENDs and REPORTs cross
    the relays; a=setup as each client uses it (D-19)."""
    alice, bob, to = users
    s = ImSession(alice, bob, to, offer_setup=offer_setup,
                  answer_setup=answer_setup).start()
    mid, tids = s.send_a("hello bob", success_report=True)
    assert s.a_ep.wait_response(tids[0]).status == 200
    got = s.b_ep.wait_message()
    assert got.body == b"hello bob"
    report = s.a_ep.wait_report(mid)
    assert report.get("Status").startswith("000 200")

    _, tids = s.send_b("hello alice")
    assert s.b_ep.wait_response(tids[0]).status == 200
    assert s.a_ep.wait_message().body == b"hello alice"
    s.bye_from_a()
    topo.wait_released()
    s.close()


def test_one_mib_message_in_chunks(topo, users):
    """A 1 MiB message in 16 chunks arrives intact, and its success REPORT
    covers the whole of it."""
    alice, bob, to = users
    s = ImSession(alice, bob, to).start()
    data = os.urandom(1024 * 1024)
    mid, tids = s.send_a(data, content_type="text/plain", chunk_size=64 * 1024,
                         success_report=True)
    assert all(s.a_ep.wait_response(t).status == 200 for t in tids)
    got = s.b_ep.wait_message(timeout=30)
    assert got.body == data
    assert s.a_ep.wait_report(mid, timeout=30).get("Byte-Range").endswith(f"/{len(data)}")
    s.bye_from_b()
    topo.wait_released()
    s.close()


def test_bye_from_callee_ends_both_legs(topo, users):
    """TP-6 then OP-8 in the other direction: B's BYE reaches A."""
    alice, bob, to = users
    s = ImSession(alice, bob, to).start()
    resp, bye_at_a = s.bye_from_b()
    assert resp.status == 200
    assert bye_at_a.msg.call_id == s.call.invite_msg.call_id
    topo.wait_released()
    s.close()


def in_dialog_message(sender, dialog, receiver, receiver_dialog, cpim_body, status,
                      **answer):
    """sender's MESSAGE in its dialog of the session, answered status (with
    answer, reply()'s keywords) by receiver: (what receiver got, the final
    response sender got)."""
    got = {}

    def answer_it():
        req = receiver.wait_request("MESSAGE")
        req.reply(status, **answer)
        got["req"] = req
    t = threading.Thread(target=answer_it)
    t.start()
    resp = sender.request_in_dialog(dialog, "MESSAGE", body=cpim_body,
                                    content_type="message/cpim")
    t.join(10)
    req = got["req"]
    assert req.msg.call_id == receiver_dialog.call_id
    assert req.msg.to.tag == receiver_dialog.local_tag
    return req, resp


def test_message_inside_the_session_dialog(topo, users):
    """MSG-01, MSG-07, E2E-19: a MESSAGE inside an established session
    crosses each B2BUA to the other leg's dialog, unmodified (CPIM), both
    ways, and its final response (a 2xx, or a refusal) comes back; it
    creates no call of its own. Its 2xx carries no body and no Contact
    (MSG-03), whatever the answering client put in it."""
    alice, bob, to = users
    s = ImSession(alice, bob, to).start()
    calls = [len(srv.rpc.call("im_ua.list")) for srv in topo.servers()]
    body = cpim.build("<sip:alice@home1.net>", f"<{to}>", "in the dialog")
    req, resp = in_dialog_message(alice, s.call.dialog, bob, s.b_req.dialog, body, 200,
                                  body=b"unexpected", content_type="text/plain",
                                  contact="<sip:bob@127.0.0.1:1>")
    assert resp.status == 200 and req.msg.body == body
    assert not resp.has("contact") and resp.body == b""
    req, resp = in_dialog_message(bob, s.b_req.dialog, alice, s.call.dialog, body, 415)
    assert resp.status == 415 and req.msg.body == body
    assert [len(srv.rpc.call("im_ua.list")) for srv in topo.servers()] == calls
    s.bye_from_a()
    topo.wait_released()
    s.close()


def test_provisionals_and_answer_in_one_burst(server, make_ua):
    """OP-3, TP-3: a callee that sends ten provisional responses and its
    200 at once. Each B2BUA worker that takes one of them answers leg A
    on the same tm transaction at the same moment; tm links each answer's
    header lumps into the one request it keeps in shm, so answers racing
    there once crashed a worker (a pkg pointer of one process followed by
    another). Every round must end in one 200 at alice, with the worker
    alive for the next round."""
    alice, bob = make_ua("alice"), make_ua("bob")
    for _ in range(120):
        s = ImSession(alice, bob, server.uri("bob"))
        s.invite()
        s.b_req = bob.wait_request("INVITE")
        for status in (180, 181, 182, 183, 180, 181, 182, 183, 180, 183):
            s.b_req.reply(status)
        s.answer()
        assert s.call.wait_final().status == 200
        bob.wait_request("ACK")
        resp, _ = s.bye_from_a()
        assert resp.status == 200
        s.close()
    wait_until(server.released, 15, "release of calls and relay legs")


def test_transfer_replaces_through_the_b2buas(server, make_ua):
    """RFC 3891 with RFC 3892, OMA TS 6.1.1.2.6 a: alice and bob are in a
    1-1 session through both participating functions' B2BUAs; carol, to
    whom alice transferred it, INVITEs bob with Replaces naming alice's
    dialog as alice knows it and Referred-By alice. Bob gets the dialog as
    he knows it. Without Referred-By (carol is no party to that dialog)
    the value reaches bob as it came."""
    from imtest.msrp import MsrpEndpoint
    from imtest.sdp import msrp_sdp
    alice, bob, carol = make_ua("alice"), make_ua("bob"), make_ua("carol")
    s = ImSession(alice, bob, server.uri("bob")).start()
    a_dlg, b_dlg = s.call.dialog, s.b_req.dialog
    named = f"{a_dlg.call_id};to-tag={a_dlg.remote_tag};from-tag={a_dlg.local_tag}"
    ep = MsrpEndpoint(host=carol.local_ip)
    for referred_by, want in (
            (f"<{server.uri('alice')}>",
             f"{b_dlg.call_id};to-tag={b_dlg.local_tag};from-tag={b_dlg.remote_tag}"),
            (None, named)):
        headers = [("Replaces", named), ("Require", "replaces")]
        if referred_by:
            headers.append(("Referred-By", referred_by))
        call = carol.invite(server.uri("bob"), msrp_sdp(ep.path, ip=carol.local_ip),
                            headers=headers)
        req = bob.wait_request("INVITE")
        assert req.msg.get("replaces") == want
        req.reply(486)
        assert call.wait_final().status == 486
    ep.close()
    s.bye_from_a()
    wait_until(server.released, 15, "release of calls and relay legs")
    s.close()


def test_cancel_before_answer(topo, users):
    """OP-7, TP-5, NNI-08, NNI-11: 200 to the CANCEL and 487 to the INVITE
    at each B2BUA, the CANCEL reaches bob, nothing stays allocated."""
    alice, bob, to = users
    s = ImSession(alice, bob, to)
    s.invite()
    s.ring()
    s.call.tx.wait_response(lambda r: r.status == 180)
    assert s.call.cancel().status == 200
    assert s.call.wait_final().status == 487
    cancel = bob.wait_request("CANCEL")
    assert cancel.msg.call_id == s.b_req.msg.call_id
    topo.wait_released()
    s.close()


def test_reinvite_changes_msrp_parameters(topo, users):
    """OP-4, TP-4: a re-INVITE from A crosses both PFs with the relay's SDP;
    the new accept-types reach B and the answer comes back."""
    alice, bob, to = users
    s = ImSession(alice, bob, to).start()
    from imtest.sdp import msrp_sdp
    import threading
    got = {}

    def answer():
        req = bob.wait_request("INVITE")
        got["req"] = req
        req.reply(200, body=msrp_sdp(s.b_ep.path, ip=bob.local_ip, setup="passive",
                                     accept_types="message/cpim"),
                  content_type="application/sdp")
    t = threading.Thread(target=answer)
    t.start()
    resp = s.call.reinvite(msrp_sdp(s.a_ep.path, setup="active", accept_types="text/plain",
                                    max_size=4096))
    t.join(10)
    assert resp.status == 200
    assert Sdp(got["req"].msg.body).attr("accept-types") == "text/plain"
    assert Sdp(got["req"].msg.body).attr("max-size") == "4096"
    assert Sdp(resp.body).attr("accept-types") == "message/cpim"
    assert Sdp(resp.body).path == Sdp(s.final.body).path
    bob.wait_request("ACK")
    if topo.b2bua:
        # the relay took the new parameters: bob now accepts CPIM only
        _, tids = s.send_a("plain text", content_type="text/plain")
        assert s.a_ep.wait_response(tids[0]).status == 415
    body = cpim.build("<sip:alice@home1.net>", f"<{to}>", "after re-INVITE")
    s.send_a(body, content_type="message/cpim")
    assert s.b_ep.wait_message().body == body
    s.bye_from_a()
    topo.wait_released()
    s.close()


def test_reinvite_moves_the_msrp_path(b2b_topo, make_ua):
    """OP-4, TP-4, RFC 4975 5.4: alice moves her MSRP media to a new
    connection by a re-INVITE with a new path. Her relay bridge leg
    leaves the old connection (closed: it carried nothing else) and binds
    the new one, bob's side sees no change, and messages flow both ways
    on the new connection. (In proxy mode the move is between the
    clients alone.)"""
    topo = b2b_topo
    alice = make_ua("alice", srv=topo.caller_srv)
    bob = make_ua("bob", srv=topo.callee_srv)
    to = topo.callee_srv.uri("bob")
    s = ImSession(alice, bob, to).start()
    from imtest.msrp import MsrpEndpoint
    from imtest.sdp import msrp_sdp
    import threading
    got = {}

    def answer():
        req = bob.wait_request("INVITE")
        got["req"] = req
        req.reply(200, body=msrp_sdp(s.b_ep.path, ip=bob.local_ip, setup="passive"),
                  content_type="application/sdp")
    t = threading.Thread(target=answer)
    t.start()
    old, s.a_ep = s.a_ep, MsrpEndpoint(host=alice.local_ip)
    resp = s.call.reinvite(msrp_sdp(s.a_ep.path, ip=alice.local_ip, setup="active"))
    t.join(10)
    assert resp.status == 200
    bob.wait_request("ACK")
    old.wait_closed()
    # the bridge's path towards alice stays; bob's side sees no change
    assert Sdp(resp.body).path == Sdp(s.final.body).path
    assert Sdp(got["req"].msg.body).path == Sdp(s.b_req.msg.body).path
    s.a_ep.to_path = Sdp(resp.body).path
    s.a_ep.connect_to(s.a_ep.to_path[0])
    assert s.a_ep.wait_response(s.a_ep.bind()).status == 200
    body = cpim.build("<sip:alice@home1.net>", f"<{to}>", "on the new connection")
    s.send_a(body, content_type="message/cpim")
    assert s.b_ep.wait_message().body == body
    back = cpim.build(f"<{to}>", "<sip:alice@home1.net>", "back on it")
    s.send_b(back, content_type="message/cpim")
    assert s.a_ep.wait_message().body == back
    old.close()
    s.bye_from_a()
    topo.wait_released()
    s.close()


def test_content_the_callee_does_not_accept_is_refused(nni, pair):
    """The relay enforces the accept-types of the receiving side: 415 to
    the sender, nothing delivered."""
    alice, bob = pair
    s = ImSession(alice, bob, nni.home2.uri("bob")).start()
    _, tids = s.send_a(b"\x00\x01", content_type="application/octet-stream")
    assert s.a_ep.wait_response(tids[0]).status == 415
    s.send_a("but this is fine")
    assert s.b_ep.wait_message().body == b"but this is fine"
    s.bye_from_a()
    wait_released(nni)
    s.close()


def test_large_message_across_the_nni(nni, pair):
    """OP-11 and TP-8 on two domains: the large-message tag on every leg,
    a sendonly session through both relays."""
    alice, bob = pair
    s = ImSession(alice, bob, nni.home2.uri("bob"), large=True,
                  answer_kw={"direction": "recvonly"})
    mark = nni.tap.mark()
    s.invite()
    at_b = s.ring()
    inv = nni.tap.wait(lambda m: m.is_request and m.method == "INVITE", since=mark)
    assert "+g.oma.sip-im.large-message" in NameAddr.parse(inv.get("contact")).params
    assert "+g.oma.sip-im.large-message" in inv.get("accept-contact")
    assert "+g.oma.sip-im.large-message" in NameAddr.parse(at_b.msg.get("contact")).params
    s.answer()
    final = s.established()
    assert "+g.oma.sip-im.large-message" in NameAddr.parse(final.get("contact")).params
    s.connect_media()
    data = os.urandom(200 * 1024)
    got, report = s.transfer_a(data, 50 * 1024)
    assert report.get("Status").startswith("000 200")
    assert got.body == data
    s.bye_from_a()
    wait_released(nni)
    s.close()


def test_large_message_to_a_peer_without_it(tmp_path, make_ua):
    """D-3: a peer configured without large_message gets no Large Message:
    403 + 122 at the originating side, nothing sent over the NNI."""
    from conftest import TwoDomains
    d = TwoDomains(tmp_path)
    d.home1.peers = [("home2.net", d.tap.uri, "pager", "address")]
    d.start()
    alice = make_ua("alice", srv=d.home1)
    try:
        s = ImSession(alice, None, d.home2.uri("bob"), large=True)
        s.invite()
        resp = s.call.wait_final()
        assert resp.status == 403
        assert re.match(r'^399 \S+ "122 ', resp.get("warning"))
        assert d.tap.requests("INVITE") == []
        s.close()
    finally:
        alice.register(expires=0)
        alice.registered = False
        problems = d.stop()
        assert not problems, problems
