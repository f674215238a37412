"""Builds relay sessions over the control channel and connects test MSRP
endpoints to them, as Kamailio's modules and real clients would."""

from .msrp import MsrpEndpoint


class Member:
    def __init__(self, leg_id, endpoint, local_path):
        self.leg_id = leg_id
        self.ep = endpoint
        self.local_path = local_path


def add_leg(ctl, session, leg_id, ep, setup="passive", **params):
    """A leg towards endpoint ep. setup is the relay's role: passive, the
    endpoint connects and binds; active, the relay connects to the
    (listening) endpoint."""
    if setup == "active":
        ep.listen()
    leg = ctl.call("leg.add", dict(session=session, id=leg_id, remote_path=ep.path,
                                  setup=setup, **params))
    attach(ep, leg["local_path"], setup)
    return Member(leg_id, ep, leg["local_path"])


def attach(ep, local_path, setup):
    """ep's media to the relay leg at local_path, once the relay knows ep's
    path: ep connects and binds (passive relay), or the relay connects
    to ep, which listens already (active)."""
    ep.to_path = [local_path]
    if setup == "passive":
        ep.connect_to(local_path)
        # answered: the relay has bound the connection to the leg
        assert ep.wait_response(ep.bind()).status == 200
    else:
        ep.wait_connected()


def bridge(ctl, sid="bridge1", a_setup="passive", b_setup="passive", a=None, b=None,
           a_params=None, b_params=None):
    a = a or MsrpEndpoint()
    b = b or MsrpEndpoint()
    ctl.call("session.create", {"id": sid, "type": "bridge"})
    ma = add_leg(ctl, sid, "a", a, a_setup, **(a_params or {}))
    mb = add_leg(ctl, sid, "b", b, b_setup, **(b_params or {}))
    return ma, mb


def conference(ctl, sid, identity, users, domain="home1.net", **session_opts):
    ctl.call("session.create", dict(id=sid, type="conference", identity=identity,
                                    **session_opts))
    members = {}
    for user, params in users.items():
        params = dict(params or {})
        params.setdefault("identity", f"sip:{user}@{domain}")
        params.setdefault("version", "IM-client/OMA1.0")
        members[user] = add_leg(ctl, sid, user, MsrpEndpoint(), **params)
    return members
