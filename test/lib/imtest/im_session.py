"""A 1-1 IM session as real clients run it through the IM servers: the
caller's INVITE with an MSRP offer, the callee's answer, the ACK, then the
MSRP connections each client makes (or accepts) as its SDP says."""

import threading

from .msrp import MsrpEndpoint
from .sdp import Sdp, msrp_sdp

SESSION_TAG = "+g.oma.sip-im"
LARGE_TAG = "+g.oma.sip-im.large-message"


class ImSession:
    """caller invites callee at to_uri. offer_setup: the caller's a=setup
    (None: no a=setup, RFC 4975 default); answer_setup: the callee's role
    when the offer leaves it the choice. a_tls, b_tls: ssl.SSLContexts for
    msrps endpoints (a client context to connect, a server one to listen)."""

    def __init__(self, caller, callee, to_uri, offer_setup="active", answer_setup="passive",
                 offer_kw=None, answer_kw=None, headers=None, large=False, a_tls=None,
                 b_tls=None):
        self.caller, self.callee, self.to_uri = caller, callee, to_uri
        self.offer_setup, self.answer_setup = offer_setup, answer_setup
        self.offer_kw, self.answer_kw = dict(offer_kw or {}), dict(answer_kw or {})
        tag = LARGE_TAG if large else SESSION_TAG
        self.headers = [("Accept-Contact", f"*;{tag}")] + list(headers or [])
        if large:
            self.offer_kw.setdefault("direction", "sendonly")
        self.a_ep = MsrpEndpoint(host=caller.local_ip, tls=a_tls)
        self.b_ep = MsrpEndpoint(host=callee.local_ip, tls=b_tls) if callee else None
        self.call = self.b_req = self.final = None

    # -- SIP --
    def invite(self):
        kw = dict(self.offer_kw)
        if self.offer_setup is None:
            kw["setup"] = None
        else:
            kw["setup"] = self.offer_setup
        self.offer = msrp_sdp(self.a_ep.path, ip=self.caller.local_ip, **kw)
        if self.offer_setup == "passive":
            self.a_ep.listen()
        self.call = self.caller.invite(self.to_uri, self.offer, headers=self.headers)
        return self.call

    def ring(self, timeout=10):
        """The INVITE reaches the callee, who answers 180."""
        self.b_req = self.callee.wait_request("INVITE", timeout=timeout)
        self.b_req.reply(180)
        return self.b_req

    def answer(self, status=200, **reply_kw):
        """The callee's final answer; a 2xx carries its SDP."""
        offer = Sdp(self.b_req.msg.body)
        setup = offer.attr("setup")
        if setup is None:
            my_setup = None         # the offerer connects
        elif setup == "actpass":
            my_setup = self.answer_setup
        else:
            my_setup = "active" if setup == "passive" else "passive"
        self.b_role = "active" if my_setup == "active" else "passive"
        if status >= 300:
            self.b_req.reply(status, **reply_kw)
            return None
        if self.b_role == "passive":
            self.b_ep.listen()
        kw = dict(self.answer_kw)
        kw["setup"] = my_setup
        self.answer_sdp = msrp_sdp(self.b_ep.path, ip=self.callee.local_ip, **kw)
        return self.b_req.reply(200, body=self.answer_sdp, content_type="application/sdp",
                                **reply_kw)

    def established(self, timeout=10):
        self.final = self.call.wait_final(timeout)
        assert self.final.status == 200, f"{self.final.status} {self.final.reason}"
        self.callee.wait_request("ACK", timeout=timeout)
        return self.final

    # -- MSRP --
    def connect_media(self, timeout=10):
        """Each client takes the role its SDP gave it: the active side
        connects to the path it was given and binds with an empty SEND."""
        a_path = Sdp(self.final.body).path
        b_path = Sdp(self.b_req.msg.body).path
        self.a_ep.to_path = a_path
        self.b_ep.to_path = b_path
        if self.offer_setup == "passive":
            self.a_ep.wait_connected(timeout)
        else:
            self.a_ep.connect_to(a_path[0])
            assert self.a_ep.wait_response(self.a_ep.bind(), timeout).status == 200
        if self.b_role == "active":
            self.b_ep.connect_to(b_path[0])
            assert self.b_ep.wait_response(self.b_ep.bind(), timeout).status == 200
        else:
            self.b_ep.wait_connected(timeout)

    def start(self):
        """INVITE, 180, 200, ACK and both MSRP connections."""
        self.invite()
        self.ring()
        self.answer()
        self.established()
        self.connect_media()
        return self

    def send_a(self, text, **kw):
        mid, tids = self.a_ep.send_message(text, **kw)
        return mid, tids

    def send_b(self, text, **kw):
        return self.b_ep.send_message(text, **kw)

    def transfer_a(self, data, chunk_size, timeout=20):
        """data from the caller in chunks, asking for a success report;
        returns what the callee received and the report the caller got."""
        mid, _ = self.send_a(data, content_type="text/plain", chunk_size=chunk_size,
                             success_report=True)
        got = self.b_ep.wait_message(timeout=timeout)
        return got, self.a_ep.wait_report(mid, timeout=timeout)

    # -- ending --
    @staticmethod
    def _answer_bye(ua, timeout):
        """Answers the next BYE ua gets with 200, in the background."""
        got = {}

        def run():
            req = ua.wait_request("BYE", timeout=timeout)
            req.reply(200)
            got["bye"] = req
        t = threading.Thread(target=run)
        t.start()
        return t, got

    def bye_from_a(self, timeout=10):
        t, got = self._answer_bye(self.callee, timeout)
        resp = self.call.bye()
        t.join(timeout + 1)
        assert "bye" in got, "the callee got no BYE"
        return resp, got["bye"]

    def bye_from_b(self, timeout=10):
        t, got = self._answer_bye(self.caller, timeout)
        resp = self.callee.request_in_dialog(self.b_req.dialog, "BYE")
        t.join(timeout + 1)
        assert "bye" in got, "the caller got no BYE"
        return resp, got["bye"]

    def close(self):
        for ep in (self.a_ep, self.b_ep):
            if ep:
                ep.close()
