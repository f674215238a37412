"""im_relay's conference and endpoint session API (issue 10 groundwork,
MS-1..MS-4, D-18), driven through the test-only im_relay_probe module
(test/modules) against the real relay: legs accepted from a party's offer
or offered by us and completed with its answer, the relay's checks and
reports reaching the API's callbacks, and no session left behind."""

import os

import pytest

from imtest import cpim
from imtest.msrp import MsrpEndpoint
from imtest.procs import DEBIAN_MODULES, TOP, Kamailio, Relay, wait_until
from imtest.rpc import RpcError
from imtest.sdp import Sdp, msrp_sdp

CFG = os.path.join(TOP, "test", "cfg", "relay_probe.cfg")
PROBE_SO = os.path.join(TOP, "test", "modules", "im_relay_probe", "im_relay_probe.so")
CONF = "sip:conf-api@home1.net"


class ProbeServer:
    """Kamailio on test/cfg/relay_probe.cfg (im_relay + im_relay_probe)
    and its relay."""

    def __init__(self, workdir):
        self.workdir = workdir
        rpc_sock = os.path.join(workdir, "kamailio_rpc.sock")
        self.relay = Relay(workdir, kamailio_rpc=rpc_sock)
        self.kamailio = Kamailio(
            workdir, cfg=CFG,
            relay_control=f"{self.relay.control_addr};name={self.relay.instance}",
            defines={"MPATH": f'"{DEBIAN_MODULES}:{TOP}/modules/:{TOP}/test/modules/"'})
        self.rpc = self.kamailio.rpc
        self.files = 0

    def data_file(self, data):
        """The probe reads SDP and binary bodies from a file (an RPC
        argument carries neither CRLF nor arbitrary bytes through every
        transport)."""
        self.files += 1
        path = os.path.join(self.workdir, f"data-{self.files}")
        with open(path, "wb") as f:
            f.write(data)
        return path

    def accept(self, sid, leg, uri, offer):
        return Sdp(self.rpc.call("im_relay_probe.accept", sid, leg, uri, self.data_file(offer)))

    def offer(self, sid, leg, uri):
        return Sdp(self.rpc.call("im_relay_probe.offer", sid, leg, uri))

    def complete(self, sid, leg, answer):
        return self.rpc.call("im_relay_probe.complete", sid, leg, self.data_file(answer))

    def sessions(self):
        return self.relay.call("session.list")


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    assert os.path.exists(PROBE_SO), "build it first: make test-modules"
    s = ProbeServer(str(tmp_path_factory.mktemp("probe")))
    s.kamailio.start()
    try:
        s.relay.start()
    except BaseException:
        s.kamailio.stop()
        raise
    yield s
    problems = [p for p in (s.relay.stop(), s.kamailio.stop()) if p]
    if problems:
        pytest.fail(f"server crashed: {problems}", pytrace=False)


@pytest.fixture
def released(probe):
    """Each test ends with no relay session (closed through the API)."""
    yield
    wait_until(lambda: probe.sessions() == [], 10, "relay sessions released")


def join_by_offer(probe, sid, user):
    """user offers (its INVITE to the focus, a=setup:active): the relay's
    leg answers passive and user connects to the path of our answer."""
    ep = MsrpEndpoint()
    answer = probe.accept(sid, user, f"sip:{user}@home1.net", msrp_sdp(ep.path))
    assert answer.attr("setup") == "passive"
    assert answer.attr("accept-types") == "message/cpim"
    assert answer.m_line.split()[2] == "TCP/MSRP"
    ep.to_path = answer.path
    ep.connect_to(answer.path[0])
    assert ep.wait_response(ep.bind()).status == 200
    return ep


def join_by_our_offer(probe, sid, user, **answer_kw):
    """We invite user: our offer leaves the roles open (actpass); user
    answers active, connects, and the answer completes its leg."""
    ep = MsrpEndpoint()
    offer = probe.offer(sid, user, f"sip:{user}@home1.net")
    assert offer.attr("setup") == "actpass"
    assert offer.attr("path") and offer.connection_ip == "127.0.0.1"
    assert probe.complete(sid, user, msrp_sdp(ep.path, setup="active", **answer_kw)) == "ok"
    ep.to_path = offer.path
    ep.connect_to(offer.path[0])
    assert ep.wait_response(ep.bind()).status == 200
    return ep


def conference(probe, sid, carol_kw=None):
    assert probe.rpc.call("im_relay_probe.open", sid, CONF) == "ok"
    alice = join_by_offer(probe, sid, "alice")
    bob = join_by_offer(probe, sid, "bob")
    carol = join_by_our_offer(probe, sid, "carol", **(carol_kw or {}))
    return alice, bob, carol


def send_cpim(ep, frm, text):
    body = cpim.build(frm, f"<{CONF}>", text)
    return ep.send_message(body, content_type="message/cpim"), body


def test_three_parties_broadcast_unmodified_and_spoof_refused(probe, released):
    alice, bob, carol = conference(probe, "api-conf")
    (mid, [tid]), body = send_cpim(alice, "<sip:alice@home1.net>", "hello all")
    assert alice.wait_response(tid).status == 200
    for ep in (bob, carol):
        got = ep.wait_message()
        assert got.body == body and got.message_id == mid     # D-18
    # MS-3: the CPIM From must be the sender leg's identity
    (_, [tid]), _ = send_cpim(carol, "<sip:bob@home1.net>", "I am bob")
    assert carol.wait_response(tid).status == 403
    (_, [tid]), body = send_cpim(carol, "<sip:carol@home1.net>", "honest carol")
    assert carol.wait_response(tid).status == 200
    assert alice.wait_message().body == body
    assert bob.wait_message(index=1).body == body
    assert len(bob.completed) == 2
    # a party that hangs up its MSRP connection: the watchers hear of it
    bob.close()
    wait_until(lambda: any(w["what"] == "leg_closed" and w["session"] == "api-conf"
                           and w["leg"] == "bob"
                           for w in probe.rpc.call("im_relay_probe.watched")),
               10, "leg_closed at the watch callback")
    assert probe.rpc.call("im_relay_probe.remove", "api-conf", "bob") == "ok"
    assert [l["id"] for l in probe.relay.call("session.get", {"id": "api-conf"})["legs"]] \
        == ["alice", "carol"]
    assert probe.rpc.call("im_relay_probe.close", "api-conf") == "ok"
    for ep in (alice, carol):
        assert ep.wait_closed()


def test_max_size_skip_reaches_the_report_callback(probe, released):
    alice, bob, carol = conference(probe, "api-size", carol_kw={"max_size": 200})
    (mid, _), body = send_cpim(alice, "<sip:alice@home1.net>", "x" * 500)
    assert bob.wait_message().body == body
    report = wait_until(lambda: next((r for r in probe.rpc.call("im_relay_probe.reports")
                                      if r["message_id"] == mid), None),
                        10, "delivery report at the report callback")
    assert report == {"relay": 0, "message_id": mid, "session": "api-size", "leg": "carol",
                      "code": 413, "reason": report["reason"], "sender": "alice"}
    assert carol.completed == []
    assert probe.rpc.call("im_relay_probe.close", "api-size") == "ok"


def test_endpoint_inject_reaches_the_client(probe, released):
    """The relay as the far end (deferred messages): our offer, the
    client answers passive, so the relay connects to it."""
    assert probe.rpc.call("im_relay_probe.open", "api-ep", "", "endpoint") == "ok"
    dave = MsrpEndpoint()
    dave.listen()
    offer = probe.offer("api-ep", "dave", "sip:dave@home1.net")
    assert offer.attr("accept-types") == "*"
    assert probe.complete("api-ep", "dave", msrp_sdp(dave.path, setup="passive")) == "ok"
    dave.wait_connected()
    assert probe.rpc.call("im_relay_probe.inject", "api-ep", "dave", "text/plain",
                          "you have mail", "mid-inject-1") == "ok"
    got = dave.wait_message()
    assert got.body == b"you have mail" and got.message_id == "mid-inject-1"
    assert got.content_type == "text/plain"
    report = wait_until(lambda: next((r for r in probe.rpc.call("im_relay_probe.reports")
                                      if r["message_id"] == "mid-inject-1"), None),
                        10, "the injected message's report")
    assert (report["session"], report["leg"], report["code"]) == ("api-ep", "dave", 200)
    # a body that is not UTF-8 text goes to the relay as body_base64
    blob = bytes(range(256)) * 4
    assert probe.rpc.call("im_relay_probe.inject_file", "api-ep", "dave", "image/png",
                          probe.data_file(blob), "mid-inject-2") == "ok"
    got = dave.wait_message(index=1)
    assert (got.body, got.message_id, got.content_type) == (blob, "mid-inject-2", "image/png")
    assert probe.rpc.call("im_relay_probe.close", "api-ep") == "ok"
    assert dave.wait_closed()


def test_bad_offer_refused_with_488(probe, released):
    assert probe.rpc.call("im_relay_probe.open", "api-bad", CONF) == "ok"
    audio = (b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
             b"t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")
    with pytest.raises(RpcError) as e:
        probe.rpc.call("im_relay_probe.accept", "api-bad", "zed", "sip:zed@home1.net",
                       probe.data_file(audio))
    assert e.value.code == 488 and "304 no MSRP media" in e.value.message
    # the session is untouched: no leg was added
    assert probe.relay.call("session.get", {"id": "api-bad"})["legs"] == []
    assert probe.rpc.call("im_relay_probe.close", "api-bad") == "ok"


def test_relay_killed_is_reported_as_relay_lost(probe, released):
    assert probe.rpc.call("im_relay_probe.open", "api-lost", CONF) == "ok"
    alice = join_by_offer(probe, "api-lost", "alice")
    # (the relay started after Kamailio: a relay_lost of then is older)
    seen = len(probe.rpc.call("im_relay_probe.watched"))
    probe.relay.proc.kill()
    wait_until(lambda: any(w["what"] == "relay_lost" and w["relay"] == 0
                           for w in probe.rpc.call("im_relay_probe.watched")[seen:]),
               15, "relay_lost at the watch callback")
    assert alice.wait_closed()
    # the owner forgets the session; a relay started again holds none
    assert probe.rpc.call("im_relay_probe.close", "api-lost") == "ok"
    probe.relay.start()


def test_post_after_a_relay_restart_reaches_the_new_relay(probe, released):
    """A Kamailio process keeps its control connection between calls; after
    the relay restarted, its next post (leg.remove, fire and forget) must go
    on a fresh connection to the new relay, not fail on the dead one and
    mark a live relay down, leaving the leg behind (seen in test_cf_sessions
    test_relay_killed under load: 'is down: send: Broken pipe')."""
    sid = "api-restart"
    assert probe.rpc.call("im_relay_probe.open", sid, CONF) == "ok"
    join_by_offer(probe, sid, "alice")
    join_by_offer(probe, sid, "bob")
    [rs] = probe.sessions()
    rid = rs["id"]
    # the RPC process's connection is in use: a post, then a call
    assert probe.rpc.call("im_relay_probe.remove", sid, "bob") == "ok"
    wait_until(lambda: len(probe.relay.call("session.get", {"id": rid})["legs"]) == 1,
               10, "bob's leg removed")
    [alice_leg] = [l["id"] for l in probe.relay.call("session.get", {"id": rid})["legs"]]
    seen = len(probe.rpc.call("im_relay_probe.watched"))
    probe.relay.proc.kill()
    wait_until(lambda: any(w["what"] == "relay_lost"
                           for w in probe.rpc.call("im_relay_probe.watched")[seen:]),
               15, "relay_lost at the watch callback")
    probe.relay.start()
    wait_until(lambda: probe.rpc.call("im_relay.show")[0]["state"] == "up", 30,
               "the relay back")
    # the new relay holds a session and leg of the same names, made over
    # its control channel: the owner's post must reach it
    probe.relay.call("session.create", {"id": rid, "type": "conference"})
    probe.relay.call("leg.add", {"session": rid, "id": alice_leg,
                                 "remote_path": "msrp://127.0.0.1:9/x;tcp", "setup": "passive"})
    assert probe.rpc.call("im_relay_probe.remove", sid, "alice") == "ok"
    assert probe.rpc.call("im_relay.show")[0]["state"] == "up"
    wait_until(lambda: probe.relay.call("session.get", {"id": rid})["legs"] == [],
               10, "the leg removed on the new relay")
    assert probe.rpc.call("im_relay_probe.close", sid) == "ok"


def test_answer_refuses_other_media_and_answers_direction(probe, released):
    """RFC 3264 section 6: as many m= lines as offered, the others refused
    with port 0; a sendonly offer is answered recvonly."""
    assert probe.rpc.call("im_relay_probe.open", "api-sdp", CONF) == "ok"
    ep = MsrpEndpoint()
    offer = msrp_sdp(ep.path, direction="sendonly").decode()
    head, media = offer.split("m=message", 1)
    offer = (head + "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\nm=message" + media).encode()
    answer = probe.accept("api-sdp", "erin", "sip:erin@home1.net", offer)
    assert [m for m, _ in answer.media][0] == "m=audio 0 RTP/AVP 0"
    assert answer.media[1][0].startswith("m=message ")
    assert answer.attr("recvonly", media_index=1) == ""
    assert answer.attr("path", media_index=1) == \
        probe.relay.call("session.get", {"id": "api-sdp"})["legs"][0]["local_path"]
    # a re-offer (re-INVITE) on the leg: the same relay path, our o= version up
    again = probe.rpc.call("im_relay_probe.reaccept", "api-sdp", "erin", "sip:erin@home1.net",
                           probe.data_file(offer))
    assert all(l.endswith("\r\n") for l in again.splitlines(True))
    again = Sdp(again)
    assert again.attr("path", media_index=1) == answer.attr("path", media_index=1)
    o1, o2 = (next(l for l in s.session if l.startswith("o=")).split() for s in (answer, again))
    assert o2[1] == o1[1] and int(o2[2]) == int(o1[2]) + 1
    assert probe.rpc.call("im_relay_probe.close", "api-sdp") == "ok"


def test_restarted_kamailio_releases_its_conference(probe, released):
    """A conference belongs to this Kamailio like a bridge (owner lease):
    after a restart, the first health check destroys what the dead run
    left, and nothing of another owner."""
    assert probe.rpc.call("im_relay_probe.open", "api-owned", CONF) == "ok"
    alice = join_by_offer(probe, "api-owned", "alice")
    [owned] = probe.sessions()
    assert owned["type"] == "conference" and owned["owner"]
    probe.relay.call("session.create", {"id": "api-operator", "type": "endpoint"})
    probe.kamailio.proc.kill()
    probe.kamailio.start()
    wait_until(lambda: [s["id"] for s in probe.sessions()] == ["api-operator"], 30,
               "reconciliation after the restart")
    assert alice.wait_closed()
    [show] = probe.rpc.call("im_relay.show")
    assert show["stale_sessions_destroyed"] == 1 and show["owner"] == owned["owner"]
    probe.relay.call("session.destroy", {"id": "api-operator"})
