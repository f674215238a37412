"""Clients of the controlling function (im_cf, OMA TS 7): factory INVITEs
with an SDP offer and a resource list (RFC 5366), the invitations the
focus sends, the MSRP legs of a conference, and the end check every
conference test makes (no session, call or relay session left)."""

import re
import threading

from .msrp import MsrpEndpoint
from .procs import wait_until
from .sdp import Sdp, msrp_sdp
from .sip import Call

SESSION_TAG = "+g.oma.sip-im"
RLIST_TYPE = "application/resource-lists+xml"
BOUNDARY = "imtest-cf-boundary"


def resource_list(uris, doctype=False, copy_control=None):
    """An RFC 4826 list of uris; copy_control maps a uri to to/cc/bcc."""
    entries = []
    for u in uris:
        cc = (copy_control or {}).get(u)
        attr = f' cp:copyControl="{cc}"' if cc else ""
        entries.append(f'    <entry uri="{u}"{attr}/>')
    dt = '<!DOCTYPE resource-lists [<!ENTITY x "x">]>\n' if doctype else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + dt +
        '<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"\n'
        '    xmlns:cp="urn:ietf:params:xml:ns:copycontrol">\n'
        '  <list>\n' + "\n".join(entries) + '\n  </list>\n'
        '</resource-lists>\n').encode()


def multipart(parts, boundary=BOUNDARY):
    """A multipart/mixed body of (content_type, extra headers, bytes)."""
    out = b""
    for ctype, hdrs, body in parts:
        out += f"--{boundary}\r\nContent-Type: {ctype}\r\n".encode()
        for k, v in hdrs:
            out += f"{k}: {v}\r\n".encode()
        out += b"\r\n" + body + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f'multipart/mixed;boundary="{boundary}"'


def parts_of(msg):
    """The parts of a multipart body: [(headers dict, body bytes)]."""
    ctype = msg.get("content-type") or ""
    m = re.search(r'boundary="?([^";]+)"?', ctype)
    if not m:
        return [({"content-type": ctype}, msg.body)]
    sep = b"--" + m.group(1).encode()
    out = []
    for chunk in msg.body.split(sep)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, body = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        hdrs = {}
        for line in head.decode().split("\r\n"):
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        out.append((hdrs, body[:-2] if body.endswith(b"\r\n") else body))
    return out


class FactoryCall(Call):
    """An INVITE whose body is multipart (or anything not only SDP)."""

    def __init__(self, ua, to_uri, body, ctype, headers):
        super().__init__(ua, to_uri, body, headers)
        self.ctype = ctype


def factory_headers(extra=()):
    return [("Accept-Contact", f"*;{SESSION_TAG}"),
            ("Require", "recipient-list-invite")] + list(extra)


class Member:
    """One client in a conference: its UA, its MSRP endpoint, its SIP
    dialog with the focus (call: we invited; req: the focus invited us)."""

    def __init__(self, ua):
        self.ua = ua
        self.ep = MsrpEndpoint(host=ua.local_ip)
        self.call = self.req = self.final = None
        self.role = None

    @property
    def dialog(self):
        return self.call.dialog if self.call else self.req.dialog

    def offer(self, setup="active", **kw):
        return msrp_sdp(self.ep.path, ip=self.ua.local_ip, setup=setup, **kw)

    def invite_factory(self, factory, invitees, headers=(), sdp=None, rlist=None,
                       ctype=None, body=None):
        """The ad-hoc request (CF-2): multipart SDP + resource list."""
        sdp = sdp if sdp is not None else self.offer()
        rlist = rlist if rlist is not None else resource_list(invitees)
        if body is None:
            body, ctype = multipart([
                ("application/sdp", [], sdp),
                (RLIST_TYPE, [("Content-Disposition", "recipient-list")], rlist)])
        self.role = "active"
        self.sdp_sent = sdp
        self.call = FactoryCall(self.ua, factory, body, ctype, factory_headers(headers))
        self.call.start()
        return self.call

    def invite(self, uri, setup="active", headers=(), **offer_kw):
        """A plain INVITE with an SDP offer (a rejoin, CF-5)."""
        self.role = setup
        if setup == "passive":
            self.ep.listen()
        self.call = self.ua.invite(uri, self.offer(setup, **offer_kw),
                                   headers=[("Accept-Contact", f"*;{SESSION_TAG}")]
                                   + list(headers))
        return self.call

    def wait_invitation(self, timeout=10):
        self.req = self.ua.wait_request("INVITE", timeout=timeout)
        return self.req

    def sdp_offer(self):
        for hdrs, body in parts_of(self.req.msg):
            if hdrs.get("content-type", "").startswith("application/sdp"):
                return Sdp(body)
        raise AssertionError("no SDP in the invitation")

    def accept(self, ring=True, **kw):
        """180 then 200 with an answer to the focus's offer."""
        if ring:
            self.req.reply(180)
        setup = self.sdp_offer().attr("setup")
        mine = {"actpass": "active", "passive": "active", "active": "passive"}.get(setup, None)
        self.role = "active" if mine in ("active", None) else "passive"
        if self.role == "passive":
            self.ep.listen()
        answer = msrp_sdp(self.ep.path, ip=self.ua.local_ip, setup=mine, **kw)
        return self.req.reply(200, body=answer, content_type="application/sdp")

    def wait_ack(self, timeout=10):
        return self.ua.wait_request("ACK", timeout=timeout)

    def established(self, timeout=10):
        self.final = self.call.wait_final(timeout)
        assert self.final.status == 200, f"{self.final.status} {self.final.reason}"
        return self.final

    def connect(self, timeout=10):
        """Takes the MSRP role the SDP exchange gave it."""
        peer = Sdp(self.final.body) if self.call else self.sdp_offer()
        self.ep.to_path = peer.path
        if self.role == "passive":
            self.ep.wait_connected(timeout)
        else:
            self.ep.connect_to(peer.path[0])
            assert self.ep.wait_response(self.ep.bind(), timeout).status == 200

    def bye(self):
        if self.call:
            return self.call.bye()
        return self.ua.request_in_dialog(self.req.dialog, "BYE")

    def reinvite(self, sdp):
        """A re-INVITE with a new offer in the member's dialog (CF-6);
        its final response, ACKed when 2xx."""
        if self.call:
            return self.call.reinvite(sdp)
        d = self.req.dialog
        msg = self.ua.build_request("INVITE", d.remote_target, dialog=d, body=sdp,
                                    content_type="application/sdp")
        resp = self.ua.send_request(msg).wait_final()
        if 200 <= resp.status < 300:
            self.ua.send_request(self.ua.build_request("ACK", d.remote_target, dialog=d))
        return resp

    def renew(self):
        """Ready for a new dialog with a new MSRP endpoint (a rejoin)."""
        self.ep.close()
        self.ep = MsrpEndpoint(host=self.ua.local_ip)
        self.call = self.req = self.final = None
        return self

    def close(self):
        self.ep.close()


def start_conference(factory, inviter, invitees, uris):
    """inviter invites the members (at uris) through factory; each
    answers; media connected. Returns the inviter's 200 (CF-1)."""
    inviter.invite_factory(factory, uris)
    for m in invitees:
        m.wait_invitation()
    for m in invitees:
        m.accept()
        m.wait_ack()
    inviter.established()
    for m in [inviter] + list(invitees):
        m.connect()
    # the focus learns an invitee's media path from its 200, which may
    # still be on its way when the invitee has its ACK: a SEND before
    # that does not reach the invitee (not joined yet)
    for srv in {id(m.ua.srv): m.ua.srv for m in [inviter] + list(invitees)}.values():
        wait_until(lambda: conference_media_up(srv), 10,
                   f"conference media connected at {srv.domain}")
    return inviter.final


def conference_media_up(srv):
    """Every leg of every conference session of srv's relay connected."""
    if srv.relay is None:
        return True
    for s in srv.relay.call("session.list"):
        if s.get("type") != "conference":
            continue
        legs = srv.relay.call("session.get", {"id": s["id"]})["legs"]
        if any(leg["state"] != "connected" for leg in legs):
            return False
    return True


def cf_sessions(srv):
    return srv.rpc.call("im_cf.list")


def all_released(srv):
    """No im_cf session, no im_ua call and no relay session left."""
    return (srv.rpc.call("im_cf.list") == [] and srv.rpc.call("im_ua.list") == []
            and (srv.relay is None or srv.relay.call("session.list") == []))


def wait_all_released(srv, timeout=15):
    wait_until(lambda: all_released(srv), timeout,
               f"release of conferences, calls and relay sessions at {srv.domain}")


class answering_byes:
    """Answers 200 to the one BYE each member gets, in the background;
    on exit, the set of members that got theirs."""

    def __init__(self, *ms, timeout=10):
        self.got = set()
        self.threads = [threading.Thread(target=self._run, args=(m, timeout)) for m in ms]

    def _run(self, m, timeout):
        m.ua.wait_request("BYE", timeout=timeout).reply(200)
        self.got.add(m)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self.got

    def __exit__(self, *a):
        for t in self.threads:
            t.join(15)
