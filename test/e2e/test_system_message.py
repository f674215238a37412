"""System messages (C-3, OMA TS 5.4, E2E-26 steps 1-2; MSG-02, MSG-04):
RPC im_pf.system_message sends a MESSAGE from the IM server to a
registered user and reports the final response."""

import re
import threading
import urllib.error
import urllib.request

import pytest

from conftest import one_server
from imtest.db import BACKENDS
from imtest.rpc import RpcError
from imtest.sipmsg import NameAddr

TAG = "+g.oma.sip-im.system-message"

# hosted documents are kept in the database: their tests run on both
# engines. The Ts1 tests (ts1_zero, ts1_restartable) run on SQLite: on
# PostgreSQL, within the full suite only, a system message's final
# response sometimes never reached its RPC (issue note; not explained).
BOTH_ENGINES = pytest.mark.parametrize("db_backend", BACKENDS, indirect=True, scope="module")


def system_message(server, *args):
    """Runs the RPC in the background: (thread, result dict with 'reply'
    or 'error')."""
    result = {}

    def run():
        try:
            result["reply"] = server.rpc.call("im_pf.system_message", *args, timeout=45)
        except RpcError as e:
            result["error"] = e
    t = threading.Thread(target=run)
    t.start()
    return t, result


@BOTH_ENGINES
@pytest.mark.parametrize("status", [200, 486])
def test_system_message_reaches_the_user_and_reports_his_answer(server, make_ua, status):
    bob = make_ua("bob")
    t, result = system_message(server, server.uri("bob"), "text/plain",
                               "Your quota is almost used up.")
    req = bob.wait_request("MESSAGE")
    req.reply(status)
    t.join(15)
    assert result["reply"]["code"] == status
    m = req.msg
    assert m.body == b"Your quota is almost used up."
    assert m.get("content-type") == "text/plain"
    assert not m.has("contact")                                  # MSG-02
    assert TAG in m.get("accept-contact")
    assert m.from_.uri == "sip:system@home1.net"
    assert NameAddr.parse(m.get("p-asserted-identity")).uri == "sip:system@home1.net"
    assert m.get("server") == "IM-serv/OMA1.0"
    assert m.uri.startswith("sip:bob@")


def external_url(msg):
    """The URL of a message/external-body MESSAGE (RFC 4483)."""
    ctype = msg.get("content-type")
    assert ctype.startswith("message/external-body;"), ctype
    m = re.search(r'URL="([^"]+)"', ctype)
    assert m and 'access-type="URL"' in ctype, ctype
    return m.group(1)


def http(method, url, body=None, headers=None):
    """(status, headers, body) of one HTTP request, errors included."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


PAGE = "<html><body><p>" + "Your plan changes on 1 January. " * 60 + "</p></body></html>"


@BOTH_ENGINES
def test_big_payload_is_hosted_and_pointed_at(server, make_ua):
    """OMA TS 5.4 step 3, C-3, MSG-04: a payload that would make the
    MESSAGE pass 1300 bytes is hosted; the MESSAGE (at most 1300 bytes)
    is a message/external-body whose URL serves the document byte for
    byte, not cached; the RPC reports the URL."""
    bob = make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    t, result = system_message(server, server.uri("bob"), "text/html", PAGE)
    got = bob.wait_request("MESSAGE").msg
    t.join(15)
    assert result["reply"]["code"] == 200
    assert len(got.encode()) <= 1300, len(got.encode())
    url = external_url(got)
    assert result["reply"]["document"] == url
    assert re.search(r'expiration="\w{3}, \d{2} \w{3} \d{4} [\d:]{8} GMT"', got.get("content-type"))
    assert f"size={len(PAGE)}" in got.get("content-type")
    assert got.body.startswith(b"Content-Type: text/html\r\nContent-ID: <")
    assert got.body.endswith(b"\r\n\r\n")
    status, hdrs, body = http("GET", url)
    assert (status, body) == (200, PAGE.encode())
    assert hdrs["Content-Type"] == "text/html" and hdrs["Cache-Control"] == "no-store"
    [doc] = server.rpc.call("im_pf.system_docs", server.uri("bob"))
    assert (doc["size"], doc["need_response"], doc["answered"]) == (len(PAGE), 0, 0)
    # a document that needs no response takes none
    assert http("POST", url, b"answer=yes")[0] == 405


@BOTH_ENGINES
def test_small_payload_goes_inline(server, make_ua):
    bob = make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    t, result = system_message(server, server.uri("bob"), "text/plain", "short")
    got = bob.wait_request("MESSAGE").msg
    t.join(15)
    assert (got.get("content-type"), got.body) == ("text/plain", b"short")
    assert result["reply"]["document"] == ""


@BOTH_ENGINES
def test_documents_are_not_guessable_nor_served_otherwise(server, make_ua):
    """An unknown or malformed token is 404, a path outside the documents
    404, another method 405; each answered once, the server still
    serving documents and SIP."""
    bob = make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    t, result = system_message(server, server.uri("bob"), "text/html", PAGE)
    bob.wait_request("MESSAGE")
    t.join(15)
    url = result["reply"]["document"]
    base, token = url.rsplit("/", 1)
    wrong = "0" * 32 if token != "0" * 32 else "1" * 32
    for u in (f"{base}/{wrong}", f"{base}/{token[:-1]}", f"{base}/{token}x",
              f"{base}/{token.upper()}", f"{base}/../{token}", f"{base}/",
              url.split("/im/")[0] + "/etc/passwd"):
        assert http("GET", u)[0] == 404, u
    assert http("DELETE", url)[0] == 405
    assert http("GET", url + "?x=1")[:3:2] == (200, PAGE.encode())
    assert bob.register().status == 200


@BOTH_ENGINES
def test_operator_external_body_passes_as_given(server, make_ua):
    bob = make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    ext = ('Content-Type: text/html\r\nContent-ID: <notice1@home1.net>\r\n\r\n')
    ctype = 'message/external-body;access-type="URL";URL="https://home1.net/n/1.html"'
    t, result = system_message(server, server.uri("bob"), ctype, ext)
    t.join(15)
    assert result["reply"]["code"] == 200
    got = bob.wait_request("MESSAGE").msg
    assert got.get("content-type") == ctype and got.body == ext.encode()


@BOTH_ENGINES
def test_document_outlives_a_restart(server, make_ua):
    """The document of a message deferred for an offline user is in the
    database: Kamailio killed and started again still serves it."""
    make_ua("bob", register=False)
    reply = server.rpc.call("im_pf.system_message", server.uri("bob"), "text/html", PAGE,
                            timeout=45)
    assert reply["code"] == 202
    server.kamailio.proc.kill()
    server.kamailio.start()
    status, _, body = http("GET", reply["document"])
    assert (status, body) == (200, PAGE.encode())
    server.rpc.call("im_store.delete", server.uri("bob"))


@BOTH_ENGINES
def test_payload_over_the_document_limit_is_refused(server, make_ua):
    bob = make_ua("bob")
    with pytest.raises(RpcError) as e:
        server.rpc.call("im_pf.system_message", server.uri("bob"), "text/html", "x" * 40000)
    assert e.value.code == 413
    assert bob.no_request("MESSAGE", timeout=0.2)


@BOTH_ENGINES
def test_system_message_to_someone_else_is_refused(server):
    with pytest.raises(RpcError) as e:
        server.rpc.call("im_pf.system_message", "sip:bob@elsewhere.example", "text/plain", "hi")
    assert e.value.code == 400


@pytest.fixture(scope="module")
def ts1_zero(tmp_path_factory, new_database):
    """A domain whose Ts1 is 0: a required response is overdue at once."""
    yield from one_server(tmp_path_factory.mktemp("ts1"), database=new_database(),
                          defines={"PF_TS1": "0"})


def delivered(server, bob, *args):
    t, result = system_message(server, server.uri("bob"), *args)
    bob.wait_request("MESSAGE").reply(200)
    t.join(15)
    return result["reply"]


def test_overdue_response_blocks_the_user_until_it_comes(ts1_zero, make_ua):
    """E2E-26 step 3, OP-1 step 2: a system message sent with
    need-response is delivered (Ts1 starts); Ts1 (0 here) runs out; bob's
    next request through the originating function gets 403 + Error-Info;
    once his response is recorded (im_pf.system_response) he is served
    again. A message without need-response starts nothing."""
    server = ts1_zero
    bob, alice = make_ua("bob", srv=server), make_ua("alice", srv=server)
    alice.auto_reply["MESSAGE"] = 200
    assert delivered(server, bob, "text/plain", "FYI")["response_pending"] == 0
    assert bob.message(server.uri("alice"), "free to talk").status == 200
    reply = delivered(server, bob, "text/plain", "Accept the new terms, please.", "yes")
    assert (reply["code"], reply["response_pending"]) == (200, 1)
    refused = bob.message(server.uri("alice"), "blocked?")
    assert refused.status == 403
    assert refused.get("error-info") == "<sip:system@home1.net>"
    assert [(p["user"], p["blocked"]) for p in server.rpc.call("im_pf.system_pending")] == \
        [(server.uri("bob"), 1)]
    assert server.rpc.call("im_pf.system_response", server.uri("bob")) == 1
    assert server.rpc.call("im_pf.system_response", server.uri("bob")) == 0
    assert bob.message(server.uri("alice"), "served again").status == 200
    assert server.rpc.call("im_pf.system_pending") == []


FORM = ('<html><body><p>Accept the new terms?</p><form method="post">'
        '<button name="answer" value="accept">Accept</button></form></body></html>')


def test_user_responds_through_the_document(ts1_zero, make_ua):
    """OMA TS 5.4 step 3: a message needing interaction is always an
    external-body, small as it is; the user's client posts his answer to
    the document's own URL (a form without action): recorded, Ts1 ends,
    he is served again; the answer is visible over RPC."""
    server = ts1_zero
    bob, alice = make_ua("bob", srv=server), make_ua("alice", srv=server)
    alice.auto_reply["MESSAGE"] = 200
    t, result = system_message(server, server.uri("bob"), "text/html", FORM, "yes")
    req = bob.wait_request("MESSAGE")
    req.reply(200)
    t.join(15)
    assert result["reply"]["response_pending"] == 1
    url = external_url(req.msg)
    assert bob.message(server.uri("alice"), "blocked?").status == 403
    status, _, page = http("GET", url)
    assert (status, page) == (200, FORM.encode())
    status, _, body = http("POST", url, b"answer=accept",
                           {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and b"recorded" in body
    assert server.rpc.call("im_pf.system_pending") == []
    assert bob.message(server.uri("alice"), "served again").status == 200
    [doc] = [d for d in server.rpc.call("im_pf.system_docs", server.uri("bob"))
             if url.endswith(d["token"])]
    assert (doc["answered"], doc["answer"]) == (1, "answer=accept")
    assert http("POST", url, b"x" * 5000)[0] == 413


def owe(server, bob, page=FORM):
    """A need-response message delivered to bob: its document's URL."""
    t, result = system_message(server, server.uri("bob"), "text/html", page, "yes")
    bob.wait_request("MESSAGE").reply(200)
    t.join(15)
    assert result["reply"]["response_pending"] == 1
    return result["reply"]["document"]


def restart(server):
    server.kamailio.proc.kill()
    server.kamailio.start()


def served(bob, server, text):
    """bob's MESSAGE to alice passes the originating function: delivered
    (200), or deferred (202) should alice's binding not have survived the
    restart; not 403 (a response still owed)."""
    status = bob.message(server.uri("alice"), text).status
    assert status in (200, 202), status
    return True


@pytest.fixture
def ts1_restartable(tmp_path, new_database):
    """A domain of its own whose Ts1 is 0, for a test that kills and
    restarts its Kamailio."""
    yield from one_server(tmp_path / "ts1r", database=new_database(), defines={"PF_TS1": "0"})


def test_owed_responses_outlive_a_restart(ts1_restartable, make_ua):
    """Ts1 (section 9) across a Kamailio killed and started again: what
    bob owes is read back from the documents, so he stays blocked; with
    two messages owed, answering one leaves him blocked, answering both
    frees him, and a restart then blocks nothing."""
    server = ts1_restartable
    bob, alice = make_ua("bob", srv=server), make_ua("alice", srv=server)
    alice.auto_reply["MESSAGE"] = 200
    first, second = owe(server, bob), owe(server, bob)
    restart(server)
    assert bob.message(server.uri("alice"), "blocked?").status == 403
    assert [p["user"] for p in server.rpc.call("im_pf.system_pending")] == [server.uri("bob")]
    assert http("POST", first, b"answer=accept")[0] == 200
    assert bob.message(server.uri("alice"), "still owes one").status == 403
    assert http("POST", second, b"answer=accept")[0] == 200
    assert served(bob, server, "free")
    restart(server)
    assert served(bob, server, "free after restart")


def test_operator_recorded_response_outlives_a_restart(ts1_restartable, make_ua):
    """im_pf.system_response records every response bob owed: a restart
    does not bring his Ts1 back."""
    server = ts1_restartable
    bob, alice = make_ua("bob", srv=server), make_ua("alice", srv=server)
    alice.auto_reply["MESSAGE"] = 200
    owe(server, bob)
    owe(server, bob)
    assert server.rpc.call("im_pf.system_response", server.uri("bob")) == 1
    restart(server)
    assert served(bob, server, "free")
    docs = server.rpc.call("im_pf.system_docs", server.uri("bob"))
    assert docs and all(d["answered"] == 1 for d in docs if d["need_response"])


@BOTH_ENGINES
def test_response_within_ts1_blocks_nothing(server, make_ua):
    """With the default Ts1 (300 s) bob's requests pass meanwhile;
    need-response takes yes or no, nothing else."""
    bob, alice = make_ua("bob"), make_ua("alice")
    alice.auto_reply["MESSAGE"] = 200
    assert delivered(server, bob, "text/plain", "Confirm, please.", "yes")["response_pending"] == 1
    assert bob.message(server.uri("alice"), "still served").status == 200
    assert server.rpc.call("im_pf.system_response", server.uri("bob")) == 1
    with pytest.raises(RpcError) as e:
        server.rpc.call("im_pf.system_message", server.uri("bob"), "text/plain", "x", "maybe")
    assert e.value.code == 400
