"""A callee registered at several contacts, some of them stale (issue 9,
item 2): a client that crashed leaves its registration behind. A session
INVITE, with im_ua's forking "serial" (the default is parallel, see
test_parallel_forking.py), tries the callee's contacts one after the other (by q, then the
most recently registered first) and gives up one that does not answer
within CONTACT_TIMEOUT or answers 404/408/410/480/5xx; a MESSAGE goes to
all of them at once; a contact registered over TCP goes away with its
connection.

A crash is a client closing its sockets without de-registering: over UDP
it simply stops answering, over TCP its connection closes and its port
refuses new ones."""

import os

import pytest

from conftest import start_server, stop_server
from imtest.im_session import ImSession
from imtest.procs import wait_until
from imtest.sdp import msrp_sdp


@pytest.fixture
def make_server(tmp_path):
    """make_server(contact_timeout) -> a fresh IM server (a test's stale
    contacts stay with it)."""
    servers = []

    def make(contact_timeout):
        s = start_server(tmp_path / f"im{len(servers)}",
                         defines={"CONTACT_TIMEOUT": str(contact_timeout),
                                  "FORKING": '"serial"'})
        servers.append(s)
        return s

    yield make
    for s in servers:
        stop_server(s)


def crash(ua):
    """The client dies: its sockets close, it never de-registers."""
    ua.close()
    ua.registered = False


def registered(srv, user):
    """The contact URIs lookup() would use for user, in usrloc's order
    (ul.lookup)."""
    r = srv.rpc.call("ul.lookup", "location", user)
    return [c["Contact"]["Address"] for c in r["Contacts"]]


def dumped(srv, user):
    """{contact URI: Expires} of user's bindings in ul.dump."""
    out = {}
    for d in srv.rpc.call("ul.dump")["Domains"]:
        for aor in d["Domain"]["AoRs"]:
            if aor["Info"]["AoR"] == user:
                for c in aor["Info"]["Contacts"]:
                    out[c["Contact"]["Address"]] = c["Contact"]["Expires"]
    return out


def session_to(alice, bob, srv, timeout):
    """alice's session with bob: bob's client must get the INVITE within
    timeout, then the session runs end to end (MSRP both ways)."""
    s = ImSession(alice, bob, srv.uri("bob"))
    s.invite()
    s.ring(timeout=timeout)
    s.answer()
    s.established()
    s.connect_media()
    data = os.urandom(2048)
    got, report = s.transfer_a(data, 1024)
    assert got.body == data
    assert report.get("Status").startswith("000 200")
    s.send_b("from the live contact")
    assert s.a_ep.wait_message().body == b"from the live contact"
    s.bye_from_a()
    srv.wait_released()
    s.close()


def test_silent_contact_is_given_up_for_the_next(make_server, make_ua):
    """bob's preferred client (q=1) crashed over UDP: the INVITE waits
    CONTACT_TIMEOUT for it, then reaches his other client; a MESSAGE
    reaches that client at once."""
    srv = make_server(contact_timeout=2)
    alice = make_ua("alice", srv=srv)
    live = make_ua("bob", srv=srv, register=False)
    live.contact_params = ";q=0.5"
    assert live.register().status == 200
    dead = make_ua("bob", srv=srv, register=False)
    dead.contact_params = ";q=1"
    assert dead.register().status == 200
    crash(dead)
    assert registered(srv, "bob")[0] == dead.contact_uri

    session_to(alice, live, srv, timeout=2 + 10)
    live.auto_reply["MESSAGE"] = 200
    r = alice.message(srv.uri("bob"), "still there?")
    assert r.status == 200
    assert live.wait_request("MESSAGE").msg.body == b"still there?"


def test_client_registered_again_is_tried_first(make_server, make_ua):
    """bob's client crashed and, restarted, registered a new contact: the
    INVITE goes to the new one first, long before the stale one could
    time out."""
    srv = make_server(contact_timeout=60)
    alice = make_ua("alice", srv=srv)
    dead = make_ua("bob", srv=srv)
    crash(dead)
    live = make_ua("bob", srv=srv)
    assert set(registered(srv, "bob")) == {dead.contact_uri, live.contact_uri}

    session_to(alice, live, srv, timeout=10)


@pytest.mark.parametrize("status", [408, 480, 503])
def test_next_contact_only_when_one_cannot_answer(make_server, make_ua, status):
    """A contact answering `status` (not reachable there) passes the
    INVITE to the next one; a contact declining the session (486) is the
    callee's answer: the caller gets it and no other contact is tried."""
    srv = make_server(contact_timeout=60)
    alice = make_ua("alice", srv=srv)
    first = make_ua("bob", srv=srv, register=False)
    first.contact_params = ";q=0.9"
    assert first.register().status == 200
    second = make_ua("bob", srv=srv, register=False)
    second.contact_params = ";q=0.5"
    assert second.register().status == 200

    s = ImSession(alice, second, srv.uri("bob"))
    s.invite()
    first.wait_request("INVITE").reply(status)
    s.ring()
    s.answer()
    s.established()
    s.connect_media()
    s.send_b("reached the second contact")
    assert s.a_ep.wait_message().body == b"reached the second contact"
    s.bye_from_b()
    srv.wait_released()
    s.close()

    s = ImSession(alice, second, srv.uri("bob"))
    call = s.invite()
    first.wait_request("INVITE").reply(486)
    assert call.wait_final().status == 486
    assert second.no_request("INVITE", timeout=1)
    srv.wait_released()
    s.close()


def test_contact_of_a_closed_tcp_connection_is_dropped(make_server, make_ua):
    """bob's newest client registered over TCP and crashed: its contact
    leaves the location table with its connection, and the INVITE and a
    MESSAGE go to his other client without waiting for the dead one."""
    srv = make_server(contact_timeout=60)
    alice = make_ua("alice", srv=srv)
    live = make_ua("bob", srv=srv)
    dead = make_ua("bob", srv=srv, transport="tcp")
    assert set(registered(srv, "bob")) == {live.contact_uri, dead.contact_uri}
    crash(dead)
    wait_until(lambda: registered(srv, "bob") == [live.contact_uri], 10,
               "the TCP contact's removal")
    # gone, or marked for usrloc's timer to delete from the table
    assert dumped(srv, "bob").get(dead.contact_uri, "deleted") in ("deleted", "expired")

    session_to(alice, live, srv, timeout=10)
    live.auto_reply["MESSAGE"] = 200
    r = alice.message(srv.uri("bob"), "to the live one")
    assert r.status == 200
    assert live.wait_request("MESSAGE").msg.body == b"to the live one"


def test_contact_answering_after_it_was_given_up_gets_a_bye(make_server, make_ua):
    """bob's preferred client takes longer than CONTACT_TIMEOUT to respond
    at all: the INVITE goes on to his other client, and the late 200 of
    the first is ACKed and ended with a BYE, not left as a session."""
    srv = make_server(contact_timeout=2)
    alice = make_ua("alice", srv=srv)
    slow = make_ua("bob", srv=srv, register=False)
    slow.contact_params = ";q=1"
    assert slow.register().status == 200
    other = make_ua("bob", srv=srv, register=False)
    other.contact_params = ";q=0.5"
    assert other.register().status == 200

    s = ImSession(alice, other, srv.uri("bob"))
    s.invite()
    late = slow.wait_request("INVITE")
    s.ring(timeout=2 + 10)
    late.reply(200, body=msrp_sdp("msrp://127.0.0.1:9/late;tcp", ip="127.0.0.1"),
               content_type="application/sdp")
    slow.wait_request("ACK")
    bye = slow.wait_request("BYE")
    assert bye.msg.get("call-id") == late.msg.get("call-id")
    bye.reply(200)

    s.answer()
    s.established()
    s.connect_media()
    s.send_a("to the client that answered in time")
    assert s.b_ep.wait_message().body == b"to the client that answered in time"
    s.bye_from_a()
    srv.wait_released()
    s.close()
