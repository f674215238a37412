"""Clients of the deferred-message store (im_store, OMA TS 12): sending
MESSAGEs for it to keep, reading what it pushes or delivers (message/sip
bodies), its RPC."""

import pytest

from .cf import Member
from .settings import publish, settings

# what a client of ours takes over MSRP from the store (D-30)
TAKES = "message/sip message/cpim text/plain"


@pytest.fixture(autouse=True)
def empty_store(server):
    """Each test of a module that imports this starts with nothing stored."""
    for u in server.USERS:
        server.rpc.call("im_store.delete", server.uri(u))
    yield


def wants_offline_delivery(ua, active):
    assert publish(ua, settings(offline=active).encode()).status == 200


def send_message(ua, uri, body, headers=(), ctype="text/plain"):
    """(the MESSAGE as it finally left, with credentials, its final
    response, its client transaction)."""
    msg = ua.build_request("MESSAGE", uri, body=body, content_type=ctype,
                           headers=list(headers))
    tx = ua.send_request(msg)
    resp = tx.wait_final()
    if resp.status in (401, 407):
        msg = ua.with_credentials(msg, resp)
        tx = ua.send_request(msg)
        resp = tx.wait_final()
    return msg, resp, tx


def count(server, user):
    return server.rpc.call("im_store.count", server.uri(user))


def split_sip(raw):
    """(request line, [(name, value)], body) of a message/sip body."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    assert sep, raw
    lines = head.decode().split("\r\n")
    return lines[0], [tuple(x.strip() for x in l.split(":", 1)) for l in lines[1:]], body


def header(headers, name):
    return [v for n, v in headers if n.lower() == name.lower()]


def answer_push(ua, respond=200):
    """Takes the push INVITE as a client would: 200 with an answer taking
    message/sip, ACK, MSRP connected. Returns (member, INVITE)."""
    m = Member(ua)
    m.ep.respond = respond
    inv = m.wait_invitation()
    m.accept(ring=False, accept_types=TAKES, direction="recvonly")
    m.wait_ack()
    m.connect()
    return m, inv


def finish_push(m):
    m.ua.wait_request("BYE").reply(200)
    m.close()
