"""An MSRP leg belongs to one connection (RFC 4975 5.4 and 14; issue 8,
item 1): once bound, a second connection that presents the leg's paths
(an intruder who learnt them from the SDP) can neither inject into the
session, nor take it over, nor end it. Its valid SEND gets 403, its
malformed SEND closes only its own connection, its REPORT and its
responses are ignored; each refusal is logged and counted, and the owner's
connection and the session go on untouched. For bridge, conference and
endpoint legs, over TCP and over TLS."""

import ssl

import pytest

from imtest import cpim
from imtest.msrp import MsrpEndpoint, new_id
from imtest.procs import Relay, free_port, wait_until
from imtest.relay_sessions import add_leg
from imtest.tls import make_cert, sdp_fingerprint

CONF = "sip:conf-match@home1.net"


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    return make_cert(str(tmp_path_factory.mktemp("tls")), "127.0.0.1")


@pytest.fixture(scope="module")
def relay(tmp_path_factory, tls_files):
    crt, key = tls_files
    r = Relay(str(tmp_path_factory.mktemp("relay")),
              extra={"msrps_listen": f"tcp:127.0.0.1:{free_port()}", "tls_cert": crt,
                     "tls_key": key})
    r.start()
    yield r
    assert r.stop() is None


@pytest.fixture
def ctl(relay):
    c = relay.control()
    yield c
    for s in c.call("session.list"):
        c.call("session.destroy", {"id": s["id"]})
    c.close()


def client_ctx(tls_files):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(tls_files[0])
    return ctx


class Topology:
    """A session with one owner leg under attack and a way to see what
    the rest of the session receives."""

    def __init__(self, ctl, kind, tls):
        self.ctl, self.kind, self.tls = ctl, kind, tls
        self.sid = f"{kind}-{new_id(6)}"
        params = {"tls": True} if tls else {}
        ep = lambda: MsrpEndpoint(tls=tls)          # noqa: E731
        if kind == "bridge":
            ctl.call("session.create", {"id": self.sid, "type": "bridge"})
            self.owner = add_leg(ctl, self.sid, "a", ep(), **params)
            self.other = add_leg(ctl, self.sid, "b", ep(), **params)
        elif kind == "conference":
            ctl.call("session.create", {"id": self.sid, "type": "conference",
                                        "identity": CONF})
            self.owner, self.other = (
                add_leg(ctl, self.sid, u, ep(), identity=f"sip:{u}@home1.net",
                        version="IM-client/OMA1.0", **params)
                for u in ("alice", "bob"))
        else:
            ctl.call("session.create", {"id": self.sid, "type": "endpoint"})
            self.owner = add_leg(ctl, self.sid, "user", ep(), **params)
            self.other = None

    def body(self, text):
        """(content type, body) that the owner may legitimately send."""
        if self.kind == "conference":
            return "message/cpim", cpim.build("<sip:alice@home1.net>", f"<{CONF}>", text)
        return "text/plain", text.encode()

    def owner_sends(self, text):
        """The owner's message is accepted and reaches the session."""
        ct, body = self.body(text)
        mid, [tid] = self.owner.ep.send_message(body, content_type=ct)
        assert self.owner.ep.wait_response(tid).status == 200
        if self.other:
            assert any(m.message_id == mid for m in self._other_messages(mid))
        else:
            got = self.ctl.call("message.get", {"session": self.sid, "leg": "user",
                                                "message_id": mid})
            assert got["size"] == len(body)
        return mid

    def _other_messages(self, mid):
        wait_until(lambda: any(m.message_id == mid for m in self.other.ep.completed),
                   10, f"message {mid} at the other leg")
        return self.other.ep.completed

    def to_owner(self, text, success_report=False):
        """The relay sends the owner a message; returns its Message-ID."""
        if self.kind == "endpoint":
            return self.ctl.call("message.inject", {"session": self.sid, "leg": "user",
                                                    "content_type": "text/plain", "body": text,
                                                    "success_report": success_report})["message_id"]
        ct, body = ("message/cpim", cpim.build("<sip:bob@home1.net>", f"<{CONF}>", text)) \
            if self.kind == "conference" else ("text/plain", text.encode())
        mid, _ = self.other.ep.send_message(body, content_type=ct, success_report=success_report)
        return mid

    def legs_connected(self):
        legs = self.ctl.call("session.get", {"id": self.sid})["legs"]
        return all(leg["state"] == "connected" for leg in legs)

    def intruder(self):
        """A second connection presenting the owner's paths exactly."""
        i = MsrpEndpoint(tls=self.tls, session_id=self.owner.ep.session_id)
        i.path = self.owner.ep.path
        i.to_path = list(self.owner.ep.to_path)
        i.connect_to(self.owner.local_path)
        return i


def foreign_count(ctl):
    return ctl.call("stats")["msrp"]["errors"].get("foreign_connection", 0)


KINDS = ["bridge", "conference", "endpoint"]


@pytest.fixture(params=["tcp", "tls"])
def tls(request, tls_files):
    return client_ctx(tls_files) if request.param == "tls" else None


@pytest.mark.parametrize("kind", KINDS)
def test_valid_send_from_second_connection_is_403(ctl, kind, tls):
    t = Topology(ctl, kind, tls)
    before = foreign_count(ctl)
    with t.intruder() as intruder:
        ct, body = t.body("injected")
        mid, [tid] = intruder.send_message(body, content_type=ct)
        resp = intruder.wait_response(tid)
        assert resp.status == 403
        assert "another connection" in resp.comment
        # the owner goes on; nothing of the intruder reached the session
        t.owner_sends("still mine")
        if t.other:
            assert all(m.message_id != mid for m in t.other.ep.completed)
        else:
            assert ctl.call("stats")["msrp"]["engine"]["stored_bytes"] == len(b"still mine")
        # and the owner still receives on its own connection
        back = t.to_owner("to the owner")
        wait_until(lambda: any(m.message_id == back for m in t.owner.ep.completed), 10,
                   "message to the owner")
        assert intruder.completed == []
        assert t.legs_connected()
        assert foreign_count(ctl) == before + 1


@pytest.mark.parametrize("kind", KINDS)
def test_malformed_send_closes_only_the_intruder(ctl, kind, tls):
    t = Topology(ctl, kind, tls)
    with t.intruder() as intruder:
        # a body longer than its Byte-Range: a broken frame
        intruder.send_frame("SEND", [("Message-ID", "bad"), ("Byte-Range", "1-3/3"),
                                     ("Content-Type", "text/plain")], b"far more than three")
        intruder.wait_closed()
        assert t.legs_connected()
        t.owner_sends("after the attack")
        assert not t.owner.ep.peer_closed


@pytest.mark.parametrize("kind", KINDS)
def test_report_from_second_connection_is_ignored(ctl, kind, tls):
    t = Topology(ctl, kind, tls)
    t.owner.ep.send_reports = False
    mid = t.to_owner("report me", success_report=True)
    wait_until(lambda: any(m.message_id == mid for m in t.owner.ep.completed), 10,
               "message at the owner")
    before = foreign_count(ctl)
    with t.intruder() as intruder:
        size = len(t.owner.ep.messages[mid].body)
        intruder.send_report(None, mid, f"1-{size}/{size}", "000 413 forged")
        # frames on one connection are handled in order: once the SEND
        # after it is refused, the REPORT has been dealt with
        probe = intruder.send_frame("SEND", [("Message-ID", new_id()), ("Byte-Range", "1-0/0")])
        assert intruder.wait_response(probe).status == 403
        assert foreign_count(ctl) == before + 2
    if t.other:
        # whatever the relay wrote to the sender before this arrives first
        t.owner_sends("sentinel")
        reports = [r for r in t.other.ep.reports if r.get("Message-ID") == mid]
        assert [r for r in reports if "413" in r.get("Status")] == []
        if kind == "bridge":                    # the owner itself sent none
            assert reports == []
    assert t.legs_connected()


@pytest.mark.parametrize("kind", KINDS)
def test_response_from_second_connection_is_ignored(ctl, kind, tls):
    t = Topology(ctl, kind, tls)
    t.owner.ep.respond = None                   # the owner answers by hand
    mid = t.to_owner("answer me")
    send = wait_until(lambda: next((f for f in t.owner.ep.frames
                                    if f.method == "SEND" and f.get("Message-ID") == mid),
                                   None), 10, "SEND at the owner")
    before = foreign_count(ctl)
    with t.intruder() as intruder:
        forged = f"MSRP {send.tid} 481 forged\r\nTo-Path: {t.owner.local_path}\r\n" \
                 f"From-Path: {t.owner.ep.path}\r\n-------{send.tid}$\r\n"
        intruder.send_raw(forged.encode())
        probe = intruder.send_frame("SEND", [("Message-ID", new_id()), ("Byte-Range", "1-0/0")])
        assert intruder.wait_response(probe).status == 403
        assert foreign_count(ctl) == before + 2
    # the transaction still waits for the owner, whose answer counts
    t.owner.ep._respond(send, 200)
    if t.other:
        t.owner_sends("sentinel")
        failures = [r for r in t.other.ep.reports
                    if r.get("Message-ID") == mid and not r.get("Status", "").startswith("000 200")]
        assert failures == []
    assert t.legs_connected()


def test_first_valid_frame_binds_a_passive_leg(ctl, tls_files):
    """Before the leg is bound, a connection whose first frame is
    malformed binds nothing; the client that connects again and sends a
    valid frame gets the leg (a legitimate reconnect)."""
    ctl.call("session.create", {"id": "b-rebind", "type": "bridge"})
    a = MsrpEndpoint()
    leg = ctl.call("leg.add", {"session": "b-rebind", "id": "a", "remote_path": a.path,
                               "setup": "passive"})
    b = add_leg(ctl, "b-rebind", "b", MsrpEndpoint())
    with MsrpEndpoint(session_id=a.session_id) as first:
        first.path = a.path
        first.to_path = [leg["local_path"]]
        first.connect_to(leg["local_path"])
        first.send_frame("SEND", [("Message-ID", "x"), ("Byte-Range", "1-2/2"),
                                  ("Content-Type", "text/plain")], b"too long a body")
        first.wait_closed()
    legs = {x["id"]: x for x in ctl.call("session.get", {"id": "b-rebind"})["legs"]}
    assert legs["a"]["state"] == "waiting"
    a.to_path = [leg["local_path"]]
    a.connect_to(leg["local_path"])
    mid, [tid] = a.send_message(b"hello after reconnecting")
    assert a.wait_response(tid).status == 200
    assert b.ep.wait_message().message_id == mid
    a.close()


def test_sessions_share_a_connection_but_not_legs(ctl):
    """RFC 4975 lets one connection carry several sessions: a connection
    bound to one leg may bind another unbound leg, never a bound one."""
    ctl.call("session.create", {"id": "b-one", "type": "bridge"})
    ctl.call("session.create", {"id": "b-two", "type": "bridge"})
    a1 = add_leg(ctl, "b-one", "a", MsrpEndpoint())
    add_leg(ctl, "b-one", "b", MsrpEndpoint())
    a2 = add_leg(ctl, "b-two", "a", MsrpEndpoint())
    b2 = add_leg(ctl, "b-two", "b", MsrpEndpoint())
    # a1's connection speaks for b-two's leg a, which a2's connection holds
    forged = (f"MSRP forg1 SEND\r\nTo-Path: {a2.local_path}\r\nFrom-Path: {a2.ep.path}\r\n"
              f"Message-ID: m-forged\r\nByte-Range: 1-5/5\r\nContent-Type: text/plain\r\n\r\n"
              f"wrong\r\n-------forg1$\r\n")
    a1.ep.send_raw(forged.encode())
    assert a1.ep.wait_response("forg1").status == 403
    mid2, [tid2] = a2.ep.send_message(b"right session")
    assert a2.ep.wait_response(tid2).status == 200
    assert b2.ep.wait_message().message_id == mid2
    assert len(b2.ep.completed) == 1
    # and a1's own session is untouched
    mid1, [tid1] = a1.ep.send_message(b"own session")
    assert a1.ep.wait_response(tid1).status == 200


# -- RFC 4572 / 8122: the certificate is the one the SDP announced --

@pytest.fixture(scope="module")
def client_certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("clients")
    return (make_cert(str(d / "alice"), "127.0.0.1"), make_cert(str(d / "mallory"), "127.0.0.1"))


def with_client_cert(tls_files, cert):
    ctx = client_ctx(tls_files)
    ctx.load_cert_chain(*cert)
    return ctx


def test_passive_leg_takes_only_the_announced_certificate(ctl, tls_files, client_certs):
    alice, mallory = client_certs
    ctl.call("session.create", {"id": "fp-passive", "type": "bridge"})
    a = MsrpEndpoint(tls=with_client_cert(tls_files, alice))
    leg = ctl.call("leg.add", {"session": "fp-passive", "id": "a", "remote_path": a.path,
                               "setup": "passive", "tls": True,
                               "fingerprint": sdp_fingerprint(alice[0])})
    assert leg["fingerprint"] == sdp_fingerprint(alice[0])
    b = add_leg(ctl, "fp-passive", "b", MsrpEndpoint(tls=client_ctx(tls_files)), tls=True)
    before = ctl.call("stats")["msrp"]["errors"].get("fingerprint_mismatch", 0)
    # first on the scene, with the right paths but another certificate
    for cert in (mallory, None):
        ctx = with_client_cert(tls_files, cert) if cert else client_ctx(tls_files)
        with MsrpEndpoint(tls=ctx, session_id=a.session_id) as other:
            other.path = a.path
            other.to_path = [leg["local_path"]]
            other.connect_to(leg["local_path"])
            mid, [tid] = other.send_message(b"who am I")
            resp = other.wait_response(tid)
            assert resp.status == 403 and "fingerprint" in resp.comment
    assert ctl.call("stats")["msrp"]["errors"]["fingerprint_mismatch"] == before + 2
    a.to_path = [leg["local_path"]]
    a.connect_to(leg["local_path"])
    mid, [tid] = a.send_message(b"it is me")
    assert a.wait_response(tid).status == 200
    got = b.ep.wait_message()
    assert got.message_id == mid and len(b.ep.completed) == 1
    a.close()


def test_fingerprint_must_be_well_formed(ctl):
    ctl.call("session.create", {"id": "fp-bad", "type": "bridge"})
    for bad in ("md5 AB:CD", "sha-256", "sha-256 ABC:DE", "sha-256 AB:CD:"):
        with pytest.raises(Exception) as e:
            ctl.call("leg.add", {"session": "fp-bad", "id": "a", "tls": True,
                                 "remote_path": "msrps://127.0.0.1:9/x;tcp",
                                 "fingerprint": bad})
        assert "fingerprint" in str(e.value)


def test_active_leg_refuses_a_server_with_another_certificate(ctl, tls_files, client_certs):
    alice, mallory = client_certs
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(*mallory)
    ctl.call("session.create", {"id": "fp-active", "type": "bridge"})
    ep = MsrpEndpoint(tls=server_ctx)
    ep.listen()
    ctl.call("leg.add", {"session": "fp-active", "id": "a", "remote_path": ep.path,
                         "setup": "active", "tls": True, "fingerprint": sdp_fingerprint(alice[0])})
    wait_until(lambda: ctl.call("session.get", {"id": "fp-active"})["legs"][0]["state"]
               == "closed", 10, "the leg refused")
    assert ctl.call("stats")["msrp"]["errors"]["fingerprint_mismatch"] >= 1
    ep.close()
