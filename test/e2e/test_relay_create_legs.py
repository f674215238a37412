"""session.create with its legs in one exchange (what im_relay does for a
B2BUA's first offer), and two bridges of one relay chained to each other,
which the relay joins in-process instead of over a socket to itself."""

import pytest

from imtest.msrp import MsrpEndpoint
from imtest.procs import ImServer, wait_until
from imtest.relay_sessions import Member, bridge
from imtest.rpc import RpcError

INVALID_PARAMS = -32602


def session_ids(ctl):
    return {s["id"] for s in ctl.call("session.list")}


def passive_member(leg, ep):
    ep.to_path = [leg["local_path"]]
    ep.connect_to(leg["local_path"])
    assert ep.wait_response(ep.bind()).status == 200
    return Member(leg["id"], ep, leg["local_path"])


def test_session_and_both_legs_in_one_exchange(ctl):
    a, b = MsrpEndpoint(), MsrpEndpoint()
    r = ctl.call("session.create", {"id": "c-one", "type": "bridge", "legs": [
        {"id": "a", "remote_path": a.path, "setup": "passive"},
        {"id": "b", "remote_path": b.path, "setup": "passive"}]})
    assert r["created"] is True
    assert [l["id"] for l in r["legs"]] == ["a", "b"]
    assert all(l["created"] and l["local_path"].startswith("msrp://") for l in r["legs"])
    assert r["legs"][0]["local_path"] != r["legs"][1]["local_path"]
    ma, mb = passive_member(r["legs"][0], a), passive_member(r["legs"][1], b)
    mid, _ = ma.ep.send_message(b"one round trip", success_report=True)
    assert mb.ep.wait_message().body == b"one round trip"
    assert ma.ep.wait_report(mid).get("Status") == "000 200 OK"
    legs = ctl.call("session.get", {"id": "c-one"})["legs"]
    assert [l["state"] for l in legs] == ["connected", "connected"]


def test_refused_leg_leaves_no_session(ctl):
    a = MsrpEndpoint()
    with pytest.raises(RpcError) as e:
        ctl.call("session.create", {"id": "c-bad", "type": "bridge", "legs": [
            {"id": "a", "remote_path": a.path, "setup": "passive"},
            {"id": "b", "remote_path": "not an msrp uri", "setup": "active"}]})
    assert e.value.code == INVALID_PARAMS
    assert e.value.message.startswith("leg 1: ")
    assert "c-bad" not in session_ids(ctl)
    assert ctl.call("stats")["msrp"]["engine"]["legs"] == 0


@pytest.mark.parametrize("legs, why", [
    ([{"id": "a"}, {"id": "b"}, {"id": "c"}], "at most two"),
    ({"id": "a"}, "at most two"),
    (["a"], "each leg is an object"),
])
def test_malformed_legs_are_invalid_params(ctl, legs, why):
    with pytest.raises(RpcError) as e:
        ctl.call("session.create", {"id": "c-malformed", "type": "bridge", "legs": legs})
    assert e.value.code == INVALID_PARAMS and why in e.value.message
    assert "c-malformed" not in session_ids(ctl)
    # the channel still serves
    assert ctl.call("ping")["pong"] is True


def test_existing_session_gets_back_only_the_legs_it_had(ctl):
    a = MsrpEndpoint()
    ctl.call("session.create", {"id": "c-keep", "type": "bridge", "legs": [
        {"id": "a", "remote_path": a.path, "setup": "passive"}]})
    with pytest.raises(RpcError):
        ctl.call("session.create", {"id": "c-keep", "type": "bridge", "legs": [
            {"id": "b", "setup": "passive"},
            {"id": "c", "remote_path": "msrp://nowhere", "setup": "active"}]})
    legs = ctl.call("session.get", {"id": "c-keep"})["legs"]
    assert [l["id"] for l in legs] == ["a"]


def test_chained_bridges_on_one_relay_join_in_process(ctl):
    """A -> PF-orig bridge -> PF-term bridge -> B, both on this relay (a
    session inside one domain): the hop between the bridges is an in-process
    connection, counted in stats; messages and reports cross it both ways."""
    a, b = MsrpEndpoint(), MsrpEndpoint()
    before = ctl.call("stats")["msrp"]["connections_local"]
    # the originating side: A's leg, and the leg towards the terminating
    # side that learns its peer from the answer
    orig = ctl.call("session.create", {"id": "c-orig", "type": "bridge", "legs": [
        {"id": "a", "remote_path": a.path, "setup": "passive"},
        {"id": "b", "setup": "passive"}]})["legs"]
    # the terminating side got the offer carrying orig's b path
    term = ctl.call("session.create", {"id": "c-term", "type": "bridge", "legs": [
        {"id": "a", "remote_path": orig[1]["local_path"], "setup": "passive"},
        {"id": "b", "setup": "passive"}]})["legs"]
    ctl.call("leg.update", {"session": "c-term", "id": "b", "remote_path": b.path,
                            "setup": "passive"})
    # the answer reaches the originating side: its b leg connects to term's a
    ctl.call("leg.update", {"session": "c-orig", "id": "b",
                            "remote_path": term[0]["local_path"], "setup": "active"})
    ma = passive_member(orig[0], a)
    mb = passive_member(term[1], b)
    mid, _ = ma.ep.send_message(b"across the local hop", success_report=True)
    assert mb.ep.wait_message().body == b"across the local hop"
    assert ma.ep.wait_report(mid).get("Status") == "000 200 OK"
    mid2, _ = mb.ep.send_message(b"and back", success_report=True)
    assert ma.ep.wait_message().body == b"and back"
    assert mb.ep.wait_report(mid2).get("Status") == "000 200 OK"
    assert ctl.call("stats")["msrp"]["connections_local"] > before
    states = [l["state"] for sid in ("c-orig", "c-term")
              for l in ctl.call("session.get", {"id": sid})["legs"]]
    assert states == ["connected"] * 4
    # tearing one bridge down closes the in-process hop; the other side sees
    # its leg closed, the endpoints their connections
    ctl.call("session.destroy", {"id": "c-orig"})
    assert a.wait_closed()
    wait_until(lambda: ctl.call("session.get", {"id": "c-term"})["legs"][0]["state"]
               == "closed", 10, "term's a leg closed with its in-process peer")
    assert ctl.call("session.get", {"id": "c-term"})["legs"][1]["state"] == "connected"


def test_leg_connected_is_muted_by_default(server, ctl):
    """Kamailio has no use for leg_connected (the SIP side knows its legs
    are up once the MSRP exchange starts): it is counted, not posted."""
    before = ctl.call("stats")["events"]
    bridge(ctl, "c-muted")
    after = ctl.call("stats")["events"]
    assert after["muted"] >= before["muted"] + 2
    assert after["posted"] == before["posted"]


def test_events_muted_empty_posts_every_type(tmp_path):
    s = ImServer(str(tmp_path), relay_extra={"events_muted": ""}).start()
    try:
        with s.relay.control() as c:
            bridge(c, "c-loud")
            wait_until(lambda: s.rpc.call("im_relay.show")[0]["last_event"] == "leg_connected",
                       10, "leg_connected at kamailio")
            assert c.call("stats")["events"]["muted"] == 0
    finally:
        assert s.stop() is None
