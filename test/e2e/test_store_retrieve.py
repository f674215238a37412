"""Retrieval of deferred messages (im_store, OMA TS 12.2.1, DM-5) on SQLite
and PostgreSQL: a served user's INVITE to Deferred@<domain> with SDP
recvonly brings, over MSRP, all his stored messages or those whose
Message-IDs a resource list in the INVITE names, delivered as the push
delivers them (message/sip, each deleted after its MSRP 200, then BYE);
488 for an SDP that is not recvonly MSRP, 488 + Warning 125 when nothing
is stored, 403 + 127 for someone who is not a user of ours, 400 for a
malformed resource list, one delivery per user at a time."""

import threading

import pytest

from conftest import one_server
from imtest.cf import RLIST_TYPE, SESSION_TAG, FactoryCall, Member, multipart, resource_list
from imtest.db import BACKENDS
from imtest.sdp import Sdp
from imtest.sip import SipUA, warning_code
from imtest.store import empty_store  # noqa: F401 (autouse fixture)
from imtest.store import TAKES, count, send_message, split_sip

pytestmark = pytest.mark.parametrize("db_backend", BACKENDS, indirect=True, scope="module")


@pytest.fixture(scope="module")
def server(tmp_path_factory, new_database):
    yield from one_server(tmp_path_factory.mktemp("retrieve"), database=new_database())


def deferred(server, user="Deferred"):
    return f"sip:{user}@{server.domain}"


def store(server, sender, texts):
    """Each text sent to bob, who is offline, and stored: their
    Message-IDs, oldest first."""
    for t in texts:
        assert send_message(sender, server.uri("bob"), t)[1].status == 202
    rows = server.rpc.call("im_store.list", server.uri("bob"))
    assert len(rows) == len(texts)
    return [r["message_id"] for r in rows]


def retrieval_offer(m, direction="recvonly"):
    return m.offer(accept_types=TAKES, direction=direction)


def retrieve(m, server, ids=None, sdp=None, rlist=None, user="Deferred"):
    """m's INVITE to the Deferred Messaging Function: SDP alone (all), or
    multipart SDP + resource list (the messages ids names)."""
    sdp = sdp if sdp is not None else retrieval_offer(m)
    if ids is None and rlist is None:
        m.role = "active"
        m.call = m.ua.invite(deferred(server, user), sdp)
        return m.call
    rlist = rlist if rlist is not None else resource_list(ids)
    body, ctype = multipart([("application/sdp", [], sdp), (RLIST_TYPE, [], rlist)])
    m.role = "active"
    m.call = FactoryCall(m.ua, deferred(server, user), body, ctype,
                         [("Accept-Contact", f"*;{SESSION_TAG}")])
    m.call.start()
    return m.call


def take(m, n):
    """The retrieval answered: media connected, n messages received, the
    server's BYE answered. The message/sip bodies' own bodies."""
    if m.final is None:
        m.established()
    peer = Sdp(m.final.body)
    m.ep.to_path = peer.path
    m.ep.connect_to(peer.path[0])
    resp = m.ep.wait_response(m.ep.bind(), 10)
    assert resp.status == 200, (resp.status, [f.__dict__ for f in m.ep.frames][:4])
    m.ep._wait(lambda: len(m.ep.completed) >= n, 10, f"{n} retrieved messages")
    m.ua.wait_request("BYE").reply(200)
    m.close()
    return [split_sip(x.body)[2] for x in m.ep.completed]


def test_retrieve_all(server, make_ua):
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    store(server, alice, [b"first", b"second"])
    assert bob.register().status == 200
    m = Member(bob)
    retrieve(m, server, user="deferred")  # D-32: any case
    final = m.established()
    # 12.2.1: the SDP answer sends only
    assert Sdp(final.body).attr("sendonly") == "", final.body
    got = take(m, 2)
    assert got == [b"first", b"second"]
    assert [x.content_type for x in m.ep.completed] == ["message/sip"] * 2
    assert count(server, "bob") == 0
    server.wait_released()


def test_retrieve_selected_by_resource_list(server, make_ua):
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    ids = store(server, alice, [b"one", b"two", b"three"])
    assert bob.register().status == 200
    m = Member(bob)
    unknown = f"sip:{'0' * 24}@{server.domain}"
    retrieve(m, server, ids=[ids[0], ids[2], unknown])
    assert take(m, 2) == [b"one", b"three"]
    [left] = server.rpc.call("im_store.list", server.uri("bob"))
    assert left["message_id"] == ids[1]
    server.wait_released()


@pytest.mark.parametrize("direction, media", [
    ("sendrecv", "message"), (None, "message"), ("sendonly", "message"),
    ("recvonly", "audio")])
def test_wrong_sdp_gets_488(server, make_ua, direction, media):
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    store(server, alice, [b"kept"])
    m = Member(bob)
    sdp = retrieval_offer(m, direction)
    if media == "audio":
        sdp = sdp.replace(b"m=message", b"m=audio").replace(b"TCP/MSRP *", b"RTP/AVP 0")
    resp = retrieve(m, server, sdp=sdp).wait_final()
    assert resp.status == 488, f"{resp.status} {resp.reason}"
    assert count(server, "bob") == 1
    server.wait_released()


def test_nothing_stored_gets_488_with_125(server, make_ua):
    bob = make_ua("bob", register=False)
    resp = retrieve(Member(bob), server).wait_final()
    assert resp.status == 488 and warning_code(resp) == "125", resp.get("warning")
    # a list that names nothing stored
    resp = retrieve(Member(bob), server, ids=[f"sip:{'1' * 24}@{server.domain}"]).wait_final()
    assert resp.status == 488 and warning_code(resp) == "125", resp.get("warning")
    server.wait_released()


def test_own_asserted_identity_retrieves_nobody_elses(server, make_ua):
    """12.2.1 step 1, RFC 3325: a user's own P-Asserted-Identity asserts
    nothing; carol, naming bob in one, is served as carol (nothing
    stored: 488 + 125) and bob's message stays."""
    alice = make_ua("alice")
    make_ua("bob", register=False)
    store(server, alice, [b"for bob only"])
    carol = make_ua("carol")
    m = Member(carol)
    m.role = "active"
    m.call = carol.invite(deferred(server), retrieval_offer(m),
                          headers=[("P-Asserted-Identity", f"<{server.uri('bob')}>")])
    resp = m.call.wait_final()
    assert resp.status == 488 and warning_code(resp) == "125", f"{resp.status} {resp.reason}"
    assert count(server, "bob") == 1
    server.wait_released()


@pytest.mark.parametrize("rlist", [
    b"<resource-lists><list><entry", b"<not-a-list/>",
    b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "a">]><resource-lists/>'])
def test_malformed_resource_list_gets_400(server, make_ua, rlist):
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    store(server, alice, [b"kept"])
    resp = retrieve(Member(bob), server, rlist=rlist).wait_final()
    assert resp.status == 400, f"{resp.status} {resp.reason}"
    assert count(server, "bob") == 1
    server.wait_released()


def test_someone_not_ours_gets_403_with_127(server, make_ua):
    """12.2.1 step 1: a user of another domain (here through a peer
    trusted by address, whose assertion we take) has no store here."""
    alice = make_ua("alice")
    make_ua("bob", register=False)
    store(server, alice, [b"not for carol"])
    ip = "127.0.0.5"
    carol = SipUA("carol", "home2.net", proxy=server.sip_addr, local_ip=ip)
    assert server.rpc.call("im_pf.peer_set", "home2.net",
                           f"sip:{ip}:{carol.transport.port}", "*", "address") == "ok"
    try:
        m = Member(carol)
        resp = m.ua.invite(deferred(server), retrieval_offer(m)).wait_final()
        assert resp.status == 403 and warning_code(resp) == "127", \
            f"{resp.status} {resp.get('warning')}"
    finally:
        server.rpc.call("im_pf.peer_del", "home2.net")
        carol.close()
    # and a user of ours whose service the policy denies (OP-1 step 1)
    assert server.rpc.call("im_pf.policy_set", server.uri("bob"), "service", "deny") == "ok"
    try:
        bob = make_ua("bob", register=False)
        resp = retrieve(Member(bob), server).wait_final()
        assert resp.status == 403 and warning_code(resp) == "127", resp.get("warning")
    finally:
        server.rpc.call("im_pf.policy_del", server.uri("bob"), "service")
    assert count(server, "bob") == 1
    server.wait_released()


def test_parallel_retrievals_one_delivery_at_a_time(server, make_ua):
    """Two retrievals by one user at once: one delivers, the other is
    refused while it runs; each INVITE gets exactly one final response."""
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    store(server, alice, [b"once"])
    members = [Member(bob), Member(bob)]
    start = threading.Barrier(2)
    calls = []

    def go(m):
        start.wait(10)
        calls.append((m, retrieve(m, server)))

    threads = [threading.Thread(target=go, args=(m,)) for m in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    finals = {m: c.wait_final() for m, c in calls}
    statuses = sorted(f.status for f in finals.values())
    assert statuses == [200, 486], statuses
    assert [len(c.tx.distinct_finals()) for _, c in calls] == [1, 1]
    [winner] = [m for m, f in finals.items() if f.status == 200]
    winner.final = finals[winner]
    assert take(winner, 1) == [b"once"]
    assert count(server, "bob") == 0
    server.wait_released()
