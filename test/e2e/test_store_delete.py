"""Deleting deferred messages (im_store, OMA TS 12.1.3, 12.2.2.7, DM-8,
D-14) on SQLite and PostgreSQL: a served user's REFER to Delete@<domain>
whose Refer-To names one Message-ID, a cid: resource list
(multiple-refer, RFC 5368) or Deferred@<domain> (all) is answered 202,
the messages are deleted, and a NOTIFY (RFC 3515) carries the outcome as
message/sipfrag; a REFER without a usable Refer-To gets 400."""

import pytest

from conftest import one_server
from imtest.cf import RLIST_TYPE, multipart, resource_list
from imtest.db import BACKENDS
from imtest.store import empty_store  # noqa: F401 (autouse fixture)
from imtest.store import count, send_message

pytestmark = pytest.mark.parametrize("db_backend", BACKENDS, indirect=True, scope="module")


@pytest.fixture(scope="module")
def server(tmp_path_factory, new_database):
    yield from one_server(tmp_path_factory.mktemp("delete"), database=new_database())


def stored_ids(server, user="bob"):
    return [r["message_id"] for r in server.rpc.call("im_store.list", server.uri(user))]


def store(server, sender, texts):
    for t in texts:
        assert send_message(sender, server.uri("bob"), t)[1].status == 202
    return stored_ids(server)


def delete(ua, server, refer_to, headers=(), body=b"", ctype=None):
    """The REFER's final response, and the NOTIFY that followed (answered
    200), or None for a refused REFER."""
    resp = ua.refer(f"sip:Delete@{server.domain}", refer_to, headers=list(headers),
                    body=body, content_type=ctype)
    if resp.status != 202:
        return resp, None
    n = ua.wait_request("NOTIFY")
    n.reply(200)
    return resp, n.msg


def outcome(notify):
    """The status line the NOTIFY's sipfrag carries, after its checks."""
    assert notify.get("event").startswith("refer"), notify.get("event")
    assert notify.get("subscription-state").startswith("terminated")
    assert notify.get("content-type").startswith("message/sipfrag")
    return notify.body.decode().split("\r\n")[0]


def test_delete_one(server, make_ua):
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    ids = store(server, alice, [b"drop me", b"keep me"])
    resp, n = delete(bob, server, f"<{ids[0]}>")
    assert resp.status == 202
    assert outcome(n) == "SIP/2.0 200 OK"
    assert stored_ids(server) == [ids[1]]


def test_delete_several_by_cid_list(server, make_ua):
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    ids = store(server, alice, [b"a", b"b", b"c"])
    body, ctype = multipart([(RLIST_TYPE, [("Content-ID", "<dellist@bob>")],
                              resource_list([ids[0], ids[2]]))])
    resp, n = delete(bob, server, "<cid:dellist@bob>", body=body, ctype=ctype,
                     headers=[("Require", "multiple-refer"), ("Refer-Sub", "true")])
    assert resp.status == 202
    assert outcome(n) == "SIP/2.0 200 OK"
    assert stored_ids(server) == [ids[1]]


def test_delete_all(server, make_ua):
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    store(server, alice, [b"x", b"y"])
    # someone else's store is not touched
    assert send_message(alice, server.uri("carol"), b"carol's")[1].status == 202
    resp, n = delete(bob, server, f"<sip:Deferred@{server.domain}>")
    assert resp.status == 202 and outcome(n) == "SIP/2.0 200 OK"
    assert count(server, "bob") == 0 and count(server, "carol") == 1


def test_unknown_id_is_not_found(server, make_ua):
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    ids = store(server, alice, [b"stays"])
    # carol cannot delete bob's message: for her it names nothing
    carol = make_ua("carol", register=False)
    resp, n = delete(carol, server, f"<{ids[0]}>")
    assert resp.status == 202 and outcome(n) == "SIP/2.0 404 Not Found"
    resp, n = delete(bob, server, f"<sip:{'0' * 24}@{server.domain}>")
    assert resp.status == 202 and outcome(n) == "SIP/2.0 404 Not Found"
    assert stored_ids(server) == ids


def test_own_asserted_identity_deletes_nobody_elses(server, make_ua):
    """RFC 3325: a user's own P-Asserted-Identity asserts nothing; carol,
    naming bob in one, deletes from her own store, not from bob's."""
    alice = make_ua("alice")
    make_ua("bob", register=False)
    ids = store(server, alice, [b"stays too"])
    carol = make_ua("carol", register=False)
    resp, n = delete(carol, server, f"<sip:Deferred@{server.domain}>",
                     headers=[("P-Asserted-Identity", f"<{server.uri('bob')}>")])
    assert resp.status == 202
    assert stored_ids(server) == ids


def test_refer_without_refer_to_gets_400(server, make_ua):
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    store(server, alice, [b"stays"])
    resp = bob.request("REFER", f"sip:Delete@{server.domain}")
    assert resp.status == 400, f"{resp.status} {resp.reason}"
    # a cid: naming no part of the body
    resp, _ = delete(bob, server, "<cid:nothing@bob>", headers=[("Require", "multiple-refer")])
    assert resp.status == 400, f"{resp.status} {resp.reason}"
    assert count(server, "bob") == 1
