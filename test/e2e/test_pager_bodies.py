"""MESSAGE bodies, well-formed or not, through the participating
functions and the deferred store (issue 11: "CPIM and IMDN bodies passed
unmodified", "malformed MESSAGE bodies answered"; MSG-03, DM-2, DM-4):
the server does not rewrite a body it relays, and a body it cannot read
(broken CPIM, a multipart without boundary, binary bytes) is still
answered once and delivered or stored byte for byte, on SQLite and
PostgreSQL."""

import pytest

from conftest import one_server
from imtest import cpim
from imtest.db import BACKENDS
from imtest.store import empty_store  # noqa: F401 (autouse fixture)
from imtest.store import answer_push, finish_push, split_sip, wants_offline_delivery

pytestmark = pytest.mark.parametrize("db_backend", BACKENDS, indirect=True, scope="module")


def cpim_with_imdn():
    return cpim.build("Alice <sip:alice@home1.net>", "<sip:bob@home1.net>", "hello",
                      headers=[("NS", "imdn <urn:ietf:params:imdn>"),
                               ("imdn.Message-ID", "Ab3x9"),
                               ("imdn.Disposition-Notification",
                                "positive-delivery, negative-delivery")])


BODIES = {
    "cpim with imdn": ("message/cpim", cpim_with_imdn()),
    "cpim without blank line": ("message/cpim", b"From: <sip:alice@home1.net>\r\nTo: "),
    "cpim header of 6 kB": ("message/cpim",
                            b"From: <sip:a@b>\r\nX: " + b"x" * 6000 + b"\r\n\r\nContent-Type: "
                            b"text/plain\r\n\r\nhi"),
    "imdn document not xml": ("message/imdn+xml", b"<imdn><message-id>1</message-id"),
    "multipart without boundary": ("multipart/mixed", b"--x\r\n\r\nno boundary\r\n--x--\r\n"),
    "binary with nul and bare lf": ("application/octet-stream", bytes(range(256)) + b"\n\n\x00"),
    "one byte": ("text/plain", b"."),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory, new_database):
    yield from one_server(tmp_path_factory.mktemp("bodies"), database=new_database())


@pytest.mark.parametrize("name", list(BODIES))
def test_body_is_delivered_as_sent(server, make_ua, name):
    ctype, body = BODIES[name]
    alice, bob = make_ua("alice", transport="tcp"), make_ua("bob", transport="tcp")
    bob.auto_reply["MESSAGE"] = 200
    resp = alice.message(server.uri("bob"), body, content_type=ctype)
    assert resp.status == 200, f"{resp.status} {resp.reason}"
    got = bob.wait_request("MESSAGE").msg
    assert got.body == body and got.get("content-type") == ctype
    assert len([r for r in bob.received if r.method == "MESSAGE"]) == 1


@pytest.mark.parametrize("name", list(BODIES))
def test_body_is_stored_and_pushed_as_sent(server, make_ua, name):
    ctype, body = BODIES[name]
    alice = make_ua("alice", transport="tcp")
    bob = make_ua("bob", transport="tcp", register=False)
    wants_offline_delivery(bob, True)
    try:
        resp = alice.message(server.uri("bob"), body, content_type=ctype)
        assert resp.status == 202, f"{resp.status} {resp.reason}"
        assert bob.register().status == 200
        m, _ = answer_push(bob)
        pushed = m.ep.wait_message()
        finish_push(m)
    finally:
        wants_offline_delivery(bob, False)
    _, hdrs, stored = split_sip(pushed.body)
    assert stored == body
    assert ("Content-Type", ctype) in hdrs
    server.wait_released()
