"""The conference event package of the controlling function (im_cf):
SUBSCRIBE Event: conference to an ad-hoc session identity (CF-11), the
full then partial conference-info NOTIFYs (CF-21, OMA CR App M, D-17) and
the end of subscriptions (CF-22), with real clients through Kamailio and
the relay. Every test ends with no session, call, relay session or
subscription left."""

import re
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import one_server
from imtest.cf import Member, all_released
from imtest.procs import wait_until

NS = "{urn:ietf:params:xml:ns:conference-info}"
FACTORY = "sip:conference-factory@home1.net"
CT_CI = "application/conference-info+xml"


class Conference:
    """An ad-hoc session of members[0] with the others invited."""

    def __init__(self, server, members):
        self.server = server
        self.members = members
        self.origin = members[0]
        self.target = self.identity = None

    def invite(self, headers=()):
        self.origin.invite_factory(
            FACTORY, [self.server.uri(m.ua.user) for m in self.members[1:]], headers=headers)
        for m in self.members[1:]:
            m.wait_invitation()

    def join(self, m):
        """m accepts its invitation; the first one answers the originator."""
        m.accept()
        m.wait_ack()
        if self.identity is None:
            final = self.origin.established()
            # what a client subscribes to: the focus in its 200's Contact
            # (its PF's alias of the session identity, D-9)
            self.target = re.search(r"<([^>;]+)", final.get("contact")).group(1)
            sessions = self.server.rpc.call("im_cf.list")
            assert len(sessions) == 1, sessions
            self.identity = sessions[0]["identity"]
        self.wait_state(m, "connected")

    def wait_state(self, m, state):
        """im_cf has seen m's 200 (the ACK may come first: im_ua ACKs
        before the focus hears of the answer)."""
        uri = self.server.uri(m.ua.user)

        def seen():
            show = self.server.rpc.call("im_cf.show", session_of(self.server, self.identity)["id"])
            return any(u["uri"] == uri and u["state"] == state for u in show["users"])
        wait_until(seen, 5, f"{uri} {state} in im_cf.show")

    def start(self, joining=None):
        self.invite()
        for m in (self.members[1:] if joining is None else joining):
            self.join(m)
        return self.identity


def notify_doc(req):
    """The conference-info document of a NOTIFY request, parsed."""
    assert req.msg.get("event").split(";")[0].strip() == "conference"
    assert req.msg.get("content-type").split(";")[0] == CT_CI
    return ET.fromstring(req.msg.body)


def users_of(doc):
    """{entity: (status, yourown, display)} of a conference-info document."""
    out = {}
    for u in doc.findall(f"{NS}users/{NS}user"):
        ep = u.find(f"{NS}endpoint")
        st = ep.find(f"{NS}status").text if ep is not None else None
        dt = u.find(f"{NS}display-text")
        out[u.get("entity")] = (st, u.get("yourown") == "true", dt.text if dt is not None else None)
    return out


def subscriptions(server):
    return server.rpc.call("im_cf.stats")["subscriptions"]


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory):
    """A server whose subscriptions get at most one NOTIFY in 3 s."""
    yield from one_server(tmp_path_factory.mktemp("slow"), defines={"CF_NOTIFY_INTERVAL": 3000})


@pytest.fixture
def members(make_ua, request):
    """members('alice', 'bob', ..., srv=None): conference clients of srv
    (default: the module's server) that answer every NOTIFY and BYE 200.
    After the test: no im_cf session, im_ua call, relay session or
    conference subscription is left."""
    made = []
    servers = set()

    def make(*names, srv=None):
        srv = srv or request.getfixturevalue("server")
        servers.add(srv)
        ms = [Member(make_ua(n, srv=srv)) for n in names]
        for m in ms:
            m.ua.auto_reply["NOTIFY"] = 200
            m.ua.auto_reply["BYE"] = 200
        made.extend(ms)
        return ms
    yield make
    for srv in servers:
        wait_until(lambda: all_released(srv) and subscriptions(srv) == 0, 15,
                   "no im_cf session, im_ua call, relay session or subscription")
    for m in made:
        m.close()


def session_of(server, identity):
    return next(s for s in server.rpc.call("im_cf.list") if s["identity"] == identity)


def release(server, identity):
    """The operator ends the session (CF-16); the members answer the BYEs."""
    server.rpc.call("im_cf.terminate", session_of(server, identity)["id"])


def next_notify(m, timeout=10):
    """The next NOTIFY m gets: (Subscription-State, document or None)."""
    req = m.ua.wait_request("NOTIFY", timeout=timeout)
    assert req.msg.get("event").split(";")[0].strip() == "conference"
    state = req.msg.get("subscription-state")
    if not req.msg.body:
        return state, None
    assert req.msg.get("content-type").split(";")[0] == CT_CI
    return state, ET.fromstring(req.msg.body)


def merge(known, doc):
    """RFC 4575 section 4.6: a full document replaces, a partial one
    updates the users it names."""
    if doc.get("state") == "full":
        known.clear()
    known.update(users_of(doc))
    return known


def test_full_then_partial_on_join_and_leave(server, members):
    """CF-11, CF-21, CF-22, App M: 200 with our Contact, a full state with
    the subscriber's own entry marked yourown and only connected
    participants, partial states with the version +1 on a join and on a
    leave, and terminated;reason=noresource when the session is released."""
    alice, bob, carol = members("alice", "bob", "carol")
    conf = Conference(server, [alice, bob, carol])
    identity = conf.start(joining=[bob])
    resp, dlg = alice.ua.subscribe(conf.target, "conference", expires=600)
    assert resp.status in (200, 202)
    # CF-11 step 6: the session identity's user at this server's address
    user = identity.split("@")[0]
    assert resp.get("contact") == f"<{user}@{server.kamailio.ip}:{server.sip_addr[1]}>"
    state, full = next_notify(alice)
    assert state.startswith("active")
    assert full.get("entity") == identity and full.get("state") == "full"
    v = int(full.get("version"))
    assert users_of(full) == {
        server.uri("alice"): ("connected", True, None),
        server.uri("bob"): ("connected", False, None),
    }
    conf.join(carol)
    state, part = next_notify(alice)
    assert part.get("state") == "partial" and int(part.get("version")) == v + 1
    assert users_of(part) == {server.uri("carol"): ("connected", False, None)}
    assert carol.bye().status == 200
    state, part = next_notify(alice)
    assert part.get("state") == "partial" and int(part.get("version")) == v + 2
    assert users_of(part) == {server.uri("carol"): ("disconnected", False, None)}
    show = server.rpc.call("im_cf.show", session_of(server, identity)["id"])
    assert [x["subscriber"] for x in show["subscriptions"]] == [server.uri("alice")]
    release(server, identity)
    state, doc = next_notify(alice)
    assert state.replace(" ", "") == "terminated;reason=noresource"
    assert doc is None




def test_parallel_subscribers_each_see_their_own_entry(server, members):
    """CF-11, CF-21, App M: three participants subscribe at once; each gets
    200 and a full state where yourown marks its own entry only; a leave
    reaches all three; im_cf.show lists the three subscriptions."""
    alice, bob, carol = members("alice", "bob", "carol")
    conf = Conference(server, [alice, bob, carol])
    identity = conf.start()
    results = {}

    def subscribe(m):
        results[m.ua.user] = m.ua.subscribe(conf.target if m is alice else identity,
                                            "conference", expires=300)
    threads = [threading.Thread(target=subscribe, args=(m,)) for m in (alice, bob, carol)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert {u: r[0].status for u, r in results.items()} == {
        "alice": 200, "bob": 200, "carol": 200}
    for m in (alice, bob, carol):
        _, full = next_notify(m)
        users = users_of(full)
        assert set(users) == {server.uri(u) for u in ("alice", "bob", "carol")}
        assert [u for u, (_, own, _) in users.items() if own] == [server.uri(m.ua.user)]
        assert all(st == "connected" for st, _, _ in users.values())
    show = server.rpc.call("im_cf.show", session_of(server, identity)["id"])
    assert sorted(x["subscriber"] for x in show["subscriptions"]) == sorted(
        server.uri(u) for u in ("alice", "bob", "carol"))
    assert subscriptions(server) == 3
    assert bob.bye().status == 200
    for m in (alice, carol):
        _, part = next_notify(m)
        assert users_of(part) == {server.uri("bob"): ("disconnected", False, None)}
    # bob's own subscription ends with the session he left (CF-22)
    state, _ = next_notify(bob)
    assert state.replace(" ", "").startswith("terminated")
    release(server, identity)
    for m in (alice, carol):
        state, _ = next_notify(m)
        assert state.replace(" ", "") == "terminated;reason=noresource"


def test_anonymous_participant_shown_by_alias_only(server, members):
    """CF-21, MS-2: the originator asked for privacy; the other
    participants' documents carry its anonymous alias, never its URI."""
    alice, bob, carol = members("alice", "bob", "carol")
    conf = Conference(server, [alice, bob, carol])
    conf.invite(headers=[("Privacy", "id")])
    conf.join(bob)
    resp, _ = bob.ua.subscribe(conf.identity, "conference")
    assert resp.status == 200
    req = bob.ua.wait_request("NOTIFY")
    assert b"alice" not in req.msg.body
    users = users_of(ET.fromstring(req.msg.body))
    assert users[server.uri("bob")] == ("connected", True, None)
    (alias,) = set(users) - {server.uri("bob")}
    assert users[alias][0] == "connected"
    conf.join(carol)
    req = bob.ua.wait_request("NOTIFY")
    assert b"alice" not in req.msg.body
    release(server, conf.identity)
    assert next_notify(bob)[0].replace(" ", "") == "terminated;reason=noresource"


def sub_request(ua, uri, headers, body=b"", content_type=None):
    """An out-of-dialog SUBSCRIBE with these headers (digest answered)."""
    return ua.request("SUBSCRIBE", uri, headers=headers, body=body,
                      content_type=content_type)


def test_refusals_leave_the_session_and_its_subscription_alone(server, members, make_ua):
    """CF-11: a user who is not a participant gets 403 + Warning 122, an
    identity we do not own 404, another event package 489 with
    Allow-Events, a SUBSCRIBE body (none is defined) 415, an unreadable
    Expires 400 (the script's sanity checks), an oversized SUBSCRIBE 513;
    each is logged and alice's subscription goes on."""
    alice, bob, carol = members("alice", "bob", "carol")
    dave = make_ua("dave")
    conf = Conference(server, [alice, bob, carol])
    identity = conf.start(joining=[bob])
    assert alice.ua.subscribe(identity, "conference")[0].status == 200
    v = int(next_notify(alice)[1].get("version"))
    conf_ev = [("Event", "conference"), ("Expires", "60")]

    r = sub_request(dave, identity, conf_ev)
    assert r.status == 403 and "122" in r.get("warning")
    # carol is invited but not attending yet: not a participant either
    assert sub_request(carol.ua, identity, conf_ev).status == 403
    sid = session_of(server, identity)["id"]
    unknown = identity.replace(sid, sid[:-1] + ("0" if sid[-1] != "0" else "1"))
    assert sub_request(bob.ua, unknown, conf_ev).status == 404
    r = sub_request(bob.ua, identity, [("Event", "presence"), ("Expires", "60")])
    assert r.status == 489 and r.get("allow-events") == "conference"
    assert sub_request(bob.ua, identity, [("Expires", "60")]).status == 489
    r = sub_request(bob.ua, identity, conf_ev, body=b"<conference-info><<",
                    content_type=CT_CI)
    assert r.status == 415
    assert sub_request(bob.ua, identity, [("Event", "conference"),
                                          ("Expires", "soon")]).status == 400
    big = b"<x>" + b"a" * 40000 + b"</x>"
    assert sub_request(bob.ua, identity, conf_ev, body=big,
                       content_type=CT_CI).status == 513
    assert subscriptions(server) == 1
    log = server.kamailio.proc.log_text()
    for why in ("not attending", "no such session", "a body, none is defined"):
        assert "refused with" in log and why in log, why
    # the session and alice's subscription went on
    conf.join(carol)
    _, part = next_notify(alice)
    assert int(part.get("version")) == v + 1
    assert users_of(part) == {server.uri("carol"): ("connected", False, None)}
    release(server, identity)
    assert next_notify(alice)[0].replace(" ", "") == "terminated;reason=noresource"


def test_unknown_session_and_released_session(server, members):
    """CF-11, CF-22: a SUBSCRIBE to a session identity that was released
    gets 404 (re-subscription refused)."""
    alice, bob = members("alice", "bob")
    conf = Conference(server, [alice, bob])
    identity = conf.start()
    release(server, identity)
    wait_until(lambda: all_released(server), 15, "release of the session")
    assert sub_request(alice.ua, identity,
                       [("Event", "conference"), ("Expires", "60")]).status == 404


def test_refresh_then_unsubscribe(server, members):
    """CF-11, RFC 6665: a refresh in the subscription dialog gets 200 and a
    full state with the next version; Expires: 0 gets 200 and a last full
    state with terminated; the session is not touched by it."""
    alice, bob = members("alice", "bob")
    conf = Conference(server, [alice, bob])
    identity = conf.start()
    resp, dlg = alice.ua.subscribe(identity, "conference", expires=120)
    assert resp.status == 200 and resp.get("expires") == "120"
    v = int(next_notify(alice)[1].get("version"))
    resp, _ = alice.ua.subscribe(identity, "conference", expires=300, dialog=dlg)
    assert resp.status == 200 and resp.get("expires") == "300"
    state, doc = next_notify(alice)
    assert re.fullmatch(r"active;expires=(299|300)", state.replace(" ", ""))
    assert doc.get("state") == "full" and int(doc.get("version")) == v + 1
    resp, _ = alice.ua.subscribe(identity, "conference", expires=0, dialog=dlg)
    assert resp.status == 200
    state, doc = next_notify(alice)
    assert state.replace(" ", "").startswith("terminated")
    assert doc.get("state") == "full" and int(doc.get("version")) == v + 2
    wait_until(lambda: subscriptions(server) == 0, 5, "the subscription's end")
    # gone: a refresh now is 481; the session goes on
    resp, _ = alice.ua.subscribe(identity, "conference", expires=60, dialog=dlg)
    assert resp.status == 481
    assert session_of(server, identity)["participants"] == 2
    release(server, identity)


def test_subscription_expires(server, members):
    """CF-11, RFC 6665: a subscription not refreshed ends at its expiry with
    terminated;reason=timeout."""
    alice, bob = members("alice", "bob")
    conf = Conference(server, [alice, bob])
    identity = conf.start()
    resp, _ = alice.ua.subscribe(identity, "conference", expires=2)
    assert resp.status == 200
    assert re.fullmatch(r"active;expires=[12]", next_notify(alice)[0].replace(" ", ""))
    state, doc = next_notify(alice, timeout=5)
    assert state.replace(" ", "") == "terminated;reason=timeout"
    assert subscriptions(server) == 0
    release(server, identity)


def test_rate_limit_coalesces_joins(slow_server, members):
    """CF-21: at most one NOTIFY per notify_interval (3 s here) per
    subscription, by a timer: two joins right after the full state come in
    one partial NOTIFY no earlier than the interval, version +1, with both
    users; nothing follows it."""
    srv = slow_server
    alice, bob, carol, dave = members("alice", "bob", "carol", "dave", srv=srv)
    conf = Conference(srv, [alice, bob, carol, dave])
    identity = conf.start(joining=[bob])
    assert alice.ua.subscribe(identity, "conference")[0].status == 200
    _, full = next_notify(alice)
    sent = time.monotonic()
    v = int(full.get("version"))
    for m in (carol, dave):
        m.accept(ring=False)
    for m in (carol, dave):
        m.wait_ack()
    _, part = next_notify(alice)
    assert time.monotonic() - sent >= 2.5
    assert part.get("state") == "partial" and int(part.get("version")) == v + 1
    assert users_of(part) == {srv.uri("carol"): ("connected", False, None),
                              srv.uri("dave"): ("connected", False, None)}
    known = merge(merge({}, full), part)
    assert set(known) == {srv.uri(u) for u in ("alice", "bob", "carol", "dave")}
    assert [u for u, (_, own, _) in known.items() if own] == [srv.uri("alice")]
    # a termination is not held back by the rate limit
    release(srv, identity)
    state, _ = next_notify(alice, timeout=2)
    assert state.replace(" ", "") == "terminated;reason=noresource"
