"""Pager mode through the participating functions (issue 11; OMA TS
6.1.1.3.1 and 6.1.2.3.1, E2E-19): what the originating function refuses
(OP-10: anonymity the service provider does not allow) and what the
terminating one adds (TP-7: Server), as the clients see it."""

import pytest

from conftest import one_server
from imtest.sdp import msrp_sdp
from imtest.sip import warning_code

SERVER = "IM-serv/OMA1.0"


def test_delivered_message_carries_server(server, make_ua):
    """TP-7: the terminating function adds its Server header (sic) to the
    MESSAGE it delivers, once, whatever the sender wrote."""
    alice, bob = make_ua("alice"), make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    assert alice.message(server.uri("bob"), "hi").status == 200
    got = bob.wait_request("MESSAGE").msg
    assert got.get("server") == SERVER
    assert alice.message(server.uri("bob"), "again",
                         headers=[("Server", "alices-own/1.0")]).status == 200
    got = bob.wait_request("MESSAGE").msg
    assert [v for k, v in got.headers if k.lower() == "server"] == ["alices-own/1.0"]


def test_anonymity_allowed_by_default(server, make_ua):
    """OP-10: with the default policy, Privacy: id passes; the message is
    delivered."""
    alice, bob = make_ua("alice"), make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    resp = alice.message(server.uri("bob"), "who am I?", headers=[("Privacy", "id")])
    assert resp.status == 200
    assert bob.wait_request("MESSAGE").msg.body == b"who am I?"


def pais(msg):
    return [v for k, v in msg.headers if k.lower() == "p-asserted-identity"]


@pytest.mark.parametrize("forged", [False, True])
def test_delivered_message_asserts_the_sender_unless_anonymous(server, make_ua, forged):
    """OP-10, TP-7, RFC 3325: without Privacy: id bob's client sees one
    P-Asserted-Identity, alice's authenticated identity; with Privacy: id
    none at all; one alice wrote herself (naming carol) never arrives."""
    alice, bob = make_ua("alice"), make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    own = [("P-Asserted-Identity", f"<{server.uri('carol')}>")] if forged else []
    assert alice.message(server.uri("bob"), "it is me", headers=own).status == 200
    got = bob.wait_request("MESSAGE").msg
    assert got.body == b"it is me"
    assert pais(got) == [f"<{server.uri('alice')}>"]
    resp = alice.message(server.uri("bob"), "guess who", headers=[("Privacy", "id")] + own)
    assert resp.status == 200
    got = bob.wait_request("MESSAGE").msg
    assert got.body == b"guess who"
    assert pais(got) == []
    assert got.get("privacy") == "id"


@pytest.fixture(scope="module")
def no_anonymity(tmp_path_factory):
    """A domain whose service provider does not allow anonymity."""
    yield from one_server(tmp_path_factory.mktemp("im-noanon"), defines={"PF_ANONYMITY": "0"})


def test_anonymity_not_allowed_is_403_119(no_anonymity, make_ua):
    """OP-10 (OMA TS 6.1.1.3.1), E2E-19: Privacy: id where the provider
    does not allow anonymity gets 403 + Warning 119, for a MESSAGE and a
    session INVITE alike; bob receives neither; the same MESSAGE without
    Privacy: id is delivered."""
    server = no_anonymity
    alice, bob = make_ua("alice", srv=server), make_ua("bob", srv=server)
    bob.auto_reply["MESSAGE"] = 200
    for privacy in ("id", "header;id", "id;critical"):
        resp = alice.message(server.uri("bob"), "anonymous", headers=[("Privacy", privacy)])
        assert (resp.status, warning_code(resp)) == (403, "119"), privacy
    call = alice.invite(server.uri("bob"), msrp_sdp("msrp://127.0.0.1:9/x;tcp"),
                        headers=[("Privacy", "id")])
    final = call.wait_final()
    assert (final.status, warning_code(final)) == (403, "119")
    assert alice.message(server.uri("bob"), "it is me", headers=[("Privacy", "none")]).status == 200
    got = bob.wait_request("MESSAGE")
    assert got.msg.body == b"it is me"
    assert not [r for r in bob.received if r.method in ("INVITE",)]
