"""Session identities that name their node (issue 10 "Module and data"):
with CF_NODE_ID set, every IM Session Identity carries ;imcf-node=<id>,
the focus's Contact towards another domain is that identity (node
parameter included), so that domain's in-dialog requests come back
naming the owner, and a request for another node's session identity is
not taken for one of ours (404 in this one-node configuration)."""

import pytest

from conftest import two_domains
from imtest.cf import Member, answering_byes, start_conference, wait_all_released
from imtest.sipmsg import NameAddr

FACTORY = "sip:conference-factory@home1.net"


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    yield from two_domains(tmp_path_factory.mktemp("cfnodes"),
                           defines={"CF_NODE_ID": '"n1"'})


def member(make_ua, user, srv):
    m = Member(make_ua(user, srv=srv))
    m.aor = srv.uri(user)
    return m


def test_identity_and_nni_contact_name_the_node(nodes, make_ua):
    alice = member(make_ua, "alice", nodes.home1)
    bob = member(make_ua, "bob", nodes.home2)
    mark = nodes.tap.mark()
    start_conference(FACTORY, alice, [bob], [bob.aor])
    (session,) = nodes.home1.rpc.call("im_cf.list")
    ident = session["identity"]
    assert ident.endswith(";imcf-node=n1"), ident
    inv = nodes.tap.wait(lambda m: m.is_request and m.method == "INVITE"
                         and m.uri.startswith(bob.aor), since=mark, what="invitation")
    contact = NameAddr.parse(inv.get("contact"))
    assert contact.uri.split(";transport")[0] == ident
    assert "isfocus" in contact.params
    # another node's session identity is none of ours
    other = ident.replace(";imcf-node=n1", ";imcf-node=n9")
    carol = member(make_ua, "carol", nodes.home1)
    call = carol.invite(other)
    assert call.wait_final().status == 404
    # bob's BYE comes back across the NNI to the node the Contact names
    mark = nodes.tap.mark()
    with answering_byes(alice) as got:
        assert bob.bye().status == 200
    assert got == {alice}
    bye = nodes.tap.wait(lambda m: m.is_request and m.method == "BYE", since=mark,
                         what="bob's BYE across")
    assert "imcf-node=n1" in bye.uri
    for m in (alice, bob, carol):
        m.close()
    for srv in (nodes.home1, nodes.home2):
        wait_all_released(srv)
