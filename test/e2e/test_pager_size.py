"""The RFC 3428 size rule for pager mode (MSG-04, E2E-19 variant): the
server never sends a MESSAGE of more than 1300 bytes over UDP. Towards a
contact reached over TCP it passes; towards a UDP contact that has a TCP
connection with the server it goes over that connection; towards a
contact reachable over UDP only it is refused with 513 + Warning."""

import pytest

BIG = "x" * 1500          # the MESSAGE is well over 1300 bytes
SMALL = "short one"


def register_udp_contact_over_tcp(make_ua, user):
    """A client that registers over TCP with a Contact naming no transport
    (a UDP contact): the server knows it through that TCP connection."""
    ua = make_ua(user, transport="tcp", register=False)
    ua.contact_uri = ua.contact_uri.replace(";transport=tcp", "")
    assert ua.register().status == 200
    return ua


@pytest.mark.parametrize("sender", ["udp", "tcp"])
def test_big_message_to_udp_only_contact_is_513(server, make_ua, sender):
    alice = make_ua("alice", transport=sender)
    bob = make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    resp = alice.message(server.uri("bob"), BIG)
    assert resp.status == 513
    warning = resp.get("warning")
    assert warning and warning.startswith(f'399 {server.domain} "MESSAGE over 1300 bytes')
    # a small one still goes through, and is the only one bob sees
    assert alice.message(server.uri("bob"), SMALL).status == 200
    assert bob.wait_request("MESSAGE").msg.body == SMALL.encode()
    assert bob.no_request("MESSAGE", timeout=0.2)


@pytest.mark.parametrize("sender", ["udp", "tcp"])
def test_big_message_to_tcp_contact_passes(server, make_ua, sender):
    alice = make_ua("alice", transport=sender)
    bob = make_ua("bob", transport="tcp")
    bob.auto_reply["MESSAGE"] = 200
    assert alice.message(server.uri("bob"), BIG).status == 200
    assert bob.wait_request("MESSAGE").msg.body == BIG.encode()


def test_big_message_to_udp_contact_goes_over_its_tcp_connection(server, make_ua):
    alice = make_ua("alice")
    bob = register_udp_contact_over_tcp(make_ua, "bob")
    bob.auto_reply["MESSAGE"] = 200
    assert alice.message(server.uri("bob"), BIG).status == 200
    got = bob.wait_request("MESSAGE").msg
    assert got.body == BIG.encode()
    assert got.get("via").startswith("SIP/2.0/TCP ")


def test_big_message_reaches_only_the_tcp_contact_of_two(server, make_ua):
    """Parallel forking to a UDP and a TCP contact of one user: the big
    MESSAGE goes to the TCP one only, and its 200 is the answer."""
    alice = make_ua("alice")
    bob_udp = make_ua("bob")
    bob_tcp = make_ua("bob", transport="tcp")
    for ua in (bob_udp, bob_tcp):
        ua.auto_reply["MESSAGE"] = 200
    assert alice.message(server.uri("bob"), BIG).status == 200
    assert bob_tcp.wait_request("MESSAGE").msg.body == BIG.encode()
    assert bob_udp.no_request("MESSAGE", timeout=0.5)
