"""Clients of the deferred-message store (im_store, OMA TS 12): sending
MESSAGEs for it to keep, reading what it pushes or delivers (message/sip
bodies), its RPC."""

import xml.etree.ElementTree as ET

import pytest

from . import cpim
from .cf import Member
from .settings import publish, settings

# what a client of ours takes over MSRP from the store (D-30)
TAKES = "message/sip message/cpim text/plain"
IMDN_NS = "{urn:ietf:params:xml:ns:imdn}"


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


def check_failure_imdn(server, req, imdn_id, datetime_value):
    """The failure IMDN (DM-7) bob's store sent alice for her message of
    imdn_id and datetime_value, as RFC 5438 7.2.1.1 and MSG-02 want it."""
    msg = req.msg
    assert msg.get("contact") is None, msg
    assert msg.from_.uri == server.uri("bob")
    assert msg.get("content-type").startswith("message/cpim")
    c = cpim.parse(msg.body)
    assert server.uri("bob") in c.get("From") and server.uri("alice") in c.get("To")
    assert c.get("imdn.Message-ID") and c.get("imdn.Message-ID") != imdn_id
    assert c.get("DateTime")
    assert c.content_type.startswith("message/imdn+xml")
    assert ("Content-Disposition", "notification") in c.content_headers
    root = ET.fromstring(c.body)
    assert root.tag == IMDN_NS + "imdn"
    assert root.findtext(IMDN_NS + "message-id") == imdn_id
    assert root.findtext(IMDN_NS + "datetime") == datetime_value
    assert root.findtext(IMDN_NS + "recipient-uri") == server.uri("bob")
    [status] = list(root.find(f"{IMDN_NS}delivery-notification/{IMDN_NS}status"))
    assert status.tag == IMDN_NS + "failed"
