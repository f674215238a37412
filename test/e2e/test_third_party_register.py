"""C-2 (OMA TS 5.3, App C; issue 11): the IMS core's S-CSCF tells the IM
server a user's registration state by a third-party REGISTER. Answered
200 with the Expires it carried, no digest asked of the IMS core's
address; the user's terminating requests then go to the S-CSCF, and once
it de-registers him a MESSAGE for him is deferred (202). Any other
address gets the usual challenge."""

import pytest

from conftest import one_server
from imtest.sip import SipUA

IMS_CORE = "127.0.0.9"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from one_server(tmp_path_factory.mktemp("ims"), defines={"IMS_CORE": f'"{IMS_CORE}"'})


@pytest.fixture
def scscf(server):
    ua = SipUA("scscf", "ims.home1.net", "unused", proxy=server.sip_addr, transport="udp",
               local_ip=IMS_CORE)
    yield ua
    ua.close()


def third_party_register(server, ua, user, expires):
    return ua.request("REGISTER", f"sip:{server.kamailio.ip}:{server.kamailio.sip_port}", to=f"<{server.uri(user)}>",
                      headers=[("Expires", str(expires))], auth=False)


def test_registration_state_from_the_ims_core(server, scscf, make_ua):
    resp = third_party_register(server, scscf, "bob", 600)
    assert (resp.status, resp.get("expires")) == (200, "600")
    # bob's MESSAGEs now go through the S-CSCF
    scscf.auto_reply["MESSAGE"] = 200
    alice = make_ua("alice")
    assert alice.message(server.uri("bob"), "via the core").status == 200
    got = scscf.wait_request("MESSAGE").msg
    assert got.body == b"via the core" and got.to.uri == server.uri("bob")
    # de-registered: a MESSAGE for him is deferred (D-29, DM-2)
    resp = third_party_register(server, scscf, "bob", 0)
    assert (resp.status, resp.get("expires")) == (200, "0")
    assert alice.message(server.uri("bob"), "later").status == 202
    server.rpc.call("im_store.delete", server.uri("bob"))


def test_unknown_user_is_404(server, scscf):
    assert third_party_register(server, scscf, "nobody", 600).status == 404


def test_other_addresses_are_challenged(server):
    ua = SipUA("scscf", "ims.home1.net", "unused", proxy=server.sip_addr, transport="udp",
               local_ip="127.0.0.10")
    try:
        assert third_party_register(server, ua, "bob", 600).status == 401
    finally:
        ua.close()
