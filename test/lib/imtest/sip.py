"""A SIP user agent for end-to-end tests (stdlib only).

One SipUA is one registered client: it sends requests through its outbound
proxy (the IM server), answers digest challenges, keeps dialogs, and queues
the requests it receives so that a test can inspect and answer them:

    alice = SipUA("alice", "home1.net", "secret", proxy=server.sip_addr)
    alice.register()
    bob.auto_reply["MESSAGE"] = 200
    resp = alice.message("sip:bob@home1.net", "hello")
    req = bob.wait_request("MESSAGE")

UDP, TCP and TLS (transport="tls" with tls=an ssl.SSLContext that trusts
the server, see tls.py). Over UDP, requests are retransmitted as RFC 3261 timer A/E
ask, and retransmitted requests are answered from a response cache, so a
lost datagram on a loaded machine does not fail a test.
"""

import re
import itertools
import os
import queue
import socket
import threading
import time

from . import digest
from .tls import LockedTls
from .sipmsg import NameAddr, SipMessage, SipParseError, uri_user_host

DEFAULT_TIMEOUT = 10.0
T1 = 0.5


def new_tag():
    return os.urandom(6).hex()


def new_branch():
    return "z9hG4bK" + os.urandom(8).hex()


class SipTimeout(AssertionError):
    pass


# --------------------------------------------------------------------------
# transports

class _UdpTransport:
    name = "UDP"

    def __init__(self, ua, local_ip):
        self.ua = ua
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((local_ip, 0))
        self.port = self.sock.getsockname()[1]
        self.closed = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def send(self, data, dest):
        self.sock.sendto(data, dest)

    def _read(self):
        while not self.closed:
            try:
                data, src = self.sock.recvfrom(65535)
            except OSError:
                return
            if data.strip() == b"":
                continue        # keep-alive
            try:
                msg = SipMessage.parse(data)
            except SipParseError as e:
                self.ua.parse_errors.append((str(e), data))
                continue
            msg.source = src
            self.ua._dispatch(msg)

    def close(self):
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass


class _TcpTransport:
    name = "TCP"

    def __init__(self, ua, local_ip):
        self.ua = ua
        self.local_ip = local_ip
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._reuse(self.listener)
        self.listener.bind((local_ip, 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.conns = {}
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @staticmethod
    def _reuse(s):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)

    def _accept(self):
        while not self.closed:
            try:
                s, peer = self.listener.accept()
            except OSError:
                return
            self._adopt(s, peer)

    def _adopt(self, s, peer):
        with self.lock:
            self.conns[peer] = s
        threading.Thread(target=self._read, args=(s, peer), daemon=True).start()

    def _connect(self, dest):
        # From our listening port, so that the server can reuse this
        # connection for requests to our Contact (RFC 5923-style reuse).
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._reuse(s)
        s.bind((self.local_ip, self.port))
        s.connect(dest)
        self._adopt(s, dest)
        return s

    def send(self, data, dest):
        with self.lock:
            s = self.conns.get(dest)
        if s is None:
            s = self._connect(dest)
        s.sendall(data)

    def _read(self, s, peer):
        buf = b""
        while not self.closed:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while True:
                buf = buf.lstrip(b"\r\n")   # CRLF keep-alives
                try:
                    msg, used = SipMessage.parse(buf, stream=True)
                except SipParseError as e:
                    self.ua.parse_errors.append((str(e), buf))
                    buf = b""
                    break
                if msg is None:
                    break
                buf = buf[used:]
                msg.source = peer
                self.ua._dispatch(msg)
        with self.lock:
            if self.conns.get(peer) is s:
                del self.conns[peer]
        try:
            s.close()
        except OSError:
            pass

    def close(self):
        self.closed = True
        with self.lock:
            conns = list(self.conns.values())
            self.conns.clear()
        for s in conns + [self.listener]:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass


class _TlsTransport(_TcpTransport):
    """TCP with TLS on every connection the UA opens. The test UA has no
    certificate of its own: it cannot be a TLS server, so a connection the
    server opens towards it is refused (and recorded in parse_errors);
    the server reaches it over the connection it registered on."""
    name = "TLS"

    def __init__(self, ua, local_ip, context):
        self.context = context
        super().__init__(ua, local_ip)

    def _adopt(self, s, peer):
        if not isinstance(s, LockedTls):
            self.ua.parse_errors.append((f"TLS connection from {peer} refused", b""))
            s.close()
            return
        super()._adopt(s, peer)

    def _connect(self, dest):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._reuse(s)
        s.bind((self.local_ip, self.port))
        s.connect(dest)
        # the server's certificate must name the address we asked for
        s = LockedTls(self.context.wrap_socket(s, server_hostname=dest[0]))
        self._adopt(s, dest)
        return s


# --------------------------------------------------------------------------
# transactions and dialogs

class ClientTransaction:
    def __init__(self, ua, request, dest):
        self.ua = ua
        self.request = request
        self.dest = dest
        self.responses = []
        self.final = None
        self.cond = threading.Condition()
        self.branch = request.branch
        self.method = request.method
        self.copies_sent = 0        # the request and its retransmissions

    def finals(self):
        """Every final response received so far. A server answers each
        copy of a request it receives at most once: more finals than
        copies sent is a duplicate reply."""
        with self.cond:
            return [r for r in self.responses if r.status >= 200]

    def distinct_finals(self):
        """The final responses, a 2xx to an INVITE counted once however
        often it came: its UAS resends it until our ACK arrives (RFC 3261
        13.3.1.4), which a busy test may send late. A second 2xx of
        another dialog (To tag) or another final is still a second one."""
        seen, out = set(), []
        for r in self.finals():
            key = (r.status, r.to.tag) if 200 <= r.status < 300 else id(r)
            if key not in seen:
                seen.add(key)
                out.append(r)
        return out

    def _on_response(self, resp):
        with self.cond:
            self.responses.append(resp)
            if resp.status >= 200 and self.final is None:
                self.final = resp
            self.cond.notify_all()

    def wait_final(self, timeout=DEFAULT_TIMEOUT):
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.final is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SipTimeout(f"no final response to {self.method} "
                                     f"within {timeout}s (got {self.responses})")
                self.cond.wait(left)
            return self.final

    def wait_response(self, pred, timeout=DEFAULT_TIMEOUT):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for r in self.responses:
                    if pred(r):
                        return r
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SipTimeout(f"no matching response to {self.method} "
                                     f"(got {self.responses})")
                self.cond.wait(left)


class Dialog:
    """Dialog state (RFC 3261 section 12), for either side."""

    def __init__(self, call_id, local_tag, remote_tag, local_uri, remote_uri,
                 remote_target, route_set, local_cseq):
        self.call_id = call_id
        self.local_tag = local_tag
        self.remote_tag = remote_tag
        self.local_uri = local_uri
        self.remote_uri = remote_uri
        self.remote_target = remote_target
        self.route_set = list(route_set)
        self.local_cseq = local_cseq
        self.remote_cseq = None

    @classmethod
    def from_uac(cls, request, response):
        rr = list(reversed(response.get_all("record-route")))
        contact = response.get("contact")
        return cls(request.call_id, request.from_.tag, response.to.tag,
                   request.from_.uri, request.to.uri,
                   NameAddr.parse(contact).uri if contact else request.uri,
                   [NameAddr.parse(r).uri for r in rr], request.cseq[0])

    @classmethod
    def from_uas(cls, request, local_tag):
        contact = request.get("contact")
        d = cls(request.call_id, local_tag, request.from_.tag,
                request.to.uri, request.from_.uri,
                NameAddr.parse(contact).uri if contact else None,
                [NameAddr.parse(r).uri for r in request.get_all("record-route")],
                0)
        d.remote_cseq = request.cseq[0]
        return d

    def matches(self, msg):
        if msg.call_id != self.call_id:
            return False
        if msg.is_request:
            return msg.to.tag == self.local_tag and msg.from_.tag == self.remote_tag
        return msg.from_.tag == self.local_tag


class ServerRequest:
    """A request received by the UA; reply() answers it."""

    def __init__(self, ua, msg):
        self.ua = ua
        self.msg = msg
        self.to_tag = None
        self.dialog = None
        self.replies = []

    def __getattr__(self, name):
        return getattr(self.msg, name)

    def reply(self, status, reason=None, headers=None, body=b"",
              content_type=None, contact=None):
        resp = self.ua.build_response(self.msg, status, reason, headers, body,
                                      content_type, self)
        creates_dialog = (self.msg.method in ("INVITE", "SUBSCRIBE", "REFER")
                          and 200 <= status < 300 and not self.msg.to.tag)
        if contact or creates_dialog or (self.msg.method == "INVITE" and status < 300):
            if not resp.has("contact"):
                resp.add("Contact", contact or f"<{self.ua.contact_uri}>")
        if creates_dialog and self.dialog is None:
            self.dialog = Dialog.from_uas(self.msg, self.to_tag)
            self.ua.dialogs.append(self.dialog)
        self.replies.append(resp)
        self.ua._send_response(self.msg, resp)
        return resp


class SipUA:
    def __init__(self, user, domain, password=None, proxy=("127.0.0.1", 5060),
                 transport="udp", local_ip="127.0.0.1", display=None,
                 user_agent="imtest-ua/1.0", auth_user=None, tls=None):
        self.user = user
        self.auth_user = auth_user or user
        self.domain = domain
        self.password = password
        self.proxy = tuple(proxy)
        self.display = display
        self.user_agent = user_agent
        self.local_ip = local_ip
        self.aor = f"sip:{user}@{domain}"
        kind = transport.lower()
        if kind == "tls":
            if tls is None:
                raise ValueError("transport tls needs tls=<ssl.SSLContext>")
            self.transport = _TlsTransport(self, local_ip, tls)
        else:
            self.transport = (_TcpTransport if kind == "tcp" else _UdpTransport)(self, local_ip)
        tp = f";transport={kind}" if kind in ("tcp", "tls") else ""
        self.contact_uri = f"sip:{user}@{local_ip}:{self.transport.port}{tp}"
        self.contact_params = ""    # after <contact_uri> in our requests, e.g. ";q=0.5"
        self.cseq = itertools.count(int.from_bytes(os.urandom(2), "big"))
        self.pending = {}           # (branch, method) -> ClientTransaction
        self.server_cache = {}      # (branch, method) -> last response
        self.server_invites = {}    # branch -> INVITE received (for CANCEL)
        self.incoming = queue.Queue()
        self.received = []          # every request received, in order
        self.dialogs = []
        self.auto_reply = {}        # method -> status (or (status, reason))
        # a CANCEL of an unanswered INVITE gets it a 487; False: the UA
        # acts as one whose 200 was already on its way (CANCEL and 2xx
        # crossing on the wire), the test answers the INVITE itself
        self.cancel_terminates = True
        self.parse_errors = []
        self.lock = threading.Lock()
        self.closed = False
        self.registered = False

    # -- lifecycle --
    def close(self):
        self.closed = True
        self.transport.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    # -- message building --
    def _via(self, branch):
        return (f"SIP/2.0/{self.transport.name} {self.local_ip}:"
                f"{self.transport.port};branch={branch};rport")

    def build_request(self, method, uri, to=None, headers=None, body=b"",
                      content_type=None, dialog=None, call_id=None,
                      from_tag=None, cseq=None):
        msg = SipMessage.request(method, uri)
        msg.add("Via", self._via(new_branch()))
        msg.add("Max-Forwards", "70")
        if dialog is not None:
            msg.uri = dialog.remote_target
            for r in dialog.route_set:
                msg.add("Route", f"<{r}>")
            msg.add("From", str(NameAddr(dialog.local_uri, None, {"tag": dialog.local_tag})))
            to_params = {"tag": dialog.remote_tag} if dialog.remote_tag else {}
            msg.add("To", str(NameAddr(dialog.remote_uri, None, to_params)))
            msg.add("Call-ID", dialog.call_id)
            if cseq is None:
                if method == "ACK":
                    cseq = dialog.local_cseq
                else:
                    dialog.local_cseq += 1
                    cseq = dialog.local_cseq
        else:
            msg.add("From", str(NameAddr(self.aor, self.display,
                                         {"tag": from_tag or new_tag()})))
            msg.add("To", to or f"<{uri}>")
            msg.add("Call-ID", call_id or f"{os.urandom(8).hex()}@{self.local_ip}")
        msg.add("CSeq", f"{cseq if cseq is not None else next(self.cseq)} {method}")
        if method not in ("MESSAGE", "CANCEL", "ACK", "PUBLISH"):
            msg.add("Contact", f"<{self.contact_uri}>{self.contact_params}")
        msg.add("User-Agent", self.user_agent)
        for k, v in (headers or {}).items() if isinstance(headers, dict) else (headers or []):
            msg.add(k, v)
        if body:
            msg.body = body if isinstance(body, bytes) else body.encode()
            msg.set("Content-Type", content_type or "text/plain")
        return msg

    def build_response(self, req, status, reason=None, headers=None, body=b"",
                       content_type=None, server_req=None):
        resp = SipMessage.response(status, reason or REASONS.get(status, "Unknown"))
        for v in req.get_all("via"):
            resp.add("Via", v)
        resp.add("From", req.get("from"))
        to = req.get("to")
        if status > 100 and not req.to.tag:
            if server_req is not None:
                if server_req.to_tag is None:
                    server_req.to_tag = new_tag()
                tag = server_req.to_tag
            else:
                tag = new_tag()
            to = f"{to};tag={tag}"
        resp.add("To", to)
        resp.add("Call-ID", req.call_id)
        resp.add("CSeq", req.get("cseq"))
        if status >= 200 and req.method in ("INVITE", "SUBSCRIBE", "REFER"):
            for rr in req.get_all("record-route"):
                resp.add("Record-Route", rr)
        for k, v in (headers or {}).items() if isinstance(headers, dict) else (headers or []):
            resp.add(k, v)
        if body:
            resp.body = body if isinstance(body, bytes) else body.encode()
            resp.set("Content-Type", content_type or "text/plain")
        return resp

    # -- sending --
    def _destination(self, msg):
        """Next hop: first Route (loose routing), else the outbound proxy
        for out-of-dialog requests, else the request URI."""
        routes = msg.get_all("route")
        if routes:
            uri = NameAddr.parse(routes[0]).uri
        elif not msg.to.tag and msg.method != "ACK":
            return self.proxy
        else:
            uri = msg.uri
        _, host, port = uri_user_host(uri)
        return (host.strip("[]"), port or 5060)

    def send_request(self, msg, dest=None):
        dest = dest or self._destination(msg)
        if msg.method == "ACK":
            self.transport.send(msg.encode(), dest)
            return None
        tx = ClientTransaction(self, msg, dest)
        with self.lock:
            self.pending[(tx.branch, msg.method)] = tx
        data = msg.encode()
        tx.copies_sent = 1
        self.transport.send(data, dest)
        if isinstance(self.transport, _UdpTransport):
            threading.Thread(target=self._retransmit, args=(tx, data), daemon=True).start()
        return tx

    def _retransmit(self, tx, data):
        interval, waited = T1, 0.0
        while not self.closed and waited < 64 * T1:
            with tx.cond:
                tx.cond.wait(interval)
                if tx.final is not None:
                    return
                if tx.method == "INVITE" and tx.responses:
                    return
            waited += interval
            interval = min(interval * 2, 4.0)
            with tx.cond:
                tx.copies_sent += 1
            try:
                self.transport.send(data, tx.dest)
            except OSError:
                return

    def _send_response(self, req, resp):
        with self.lock:
            self.server_cache[(req.branch, req.method)] = resp
        dest = self._response_destination(req)
        self.transport.send(resp.encode(), dest)

    def _response_destination(self, req):
        # RFC 3581: answer where the request came from
        return req.source if req.source else self.proxy

    def transactions(self):
        """Every client transaction the UA started, in no order."""
        with self.lock:
            return list(self.pending.values())

    def request(self, method, uri, timeout=DEFAULT_TIMEOUT, auth=True, **kw):
        """Sends a request and returns its final response, answering one
        digest challenge with the UA's credentials."""
        msg = self.build_request(method, uri, **kw)
        tx = self.send_request(msg)
        resp = tx.wait_final(timeout)
        if auth and resp.status in (401, 407) and self.password is not None:
            msg = self.with_credentials(msg, resp)
            tx = self.send_request(msg)
            resp = tx.wait_final(timeout)
        return resp

    def with_credentials(self, msg, challenge_resp):
        hdr = "www-authenticate" if challenge_resp.status == 401 else "proxy-authenticate"
        cred_hdr = "Authorization" if challenge_resp.status == 401 else "Proxy-Authorization"
        retry = SipMessage.request(msg.method, msg.uri)
        for k, v in msg.headers:
            if k in ("via", "authorization", "proxy-authorization"):
                continue
            if k == "cseq":
                num, method = v.split()
                v = f"{int(num) + 1} {method}"
            retry.headers.append((k, v))
        retry.headers.insert(0, ("via", self._via(new_branch())))
        retry.body = msg.body
        retry.add(cred_hdr, digest.authorization(challenge_resp.get(hdr), msg.method,
                                                 msg.uri, self.auth_user, self.password))
        return retry

    # -- receiving --
    def _dispatch(self, msg):
        try:
            self._on_message(msg)
        except Exception as e:      # keep the reader alive; tests see it
            self.parse_errors.append((f"{type(e).__name__}: {e}", msg.encode()))

    def _on_message(self, msg):
        if msg.is_request:
            self._on_request(msg)
            return
        key = (msg.branch, msg.cseq[1])
        with self.lock:
            tx = self.pending.get(key)
        if tx is None:
            # a retransmitted 2xx to INVITE: ACK it again
            if msg.cseq[1] == "INVITE" and 200 <= msg.status < 300:
                for d in self.dialogs:
                    if d.matches(msg):
                        self.send_request(self.build_request("ACK", d.remote_target, dialog=d))
            return
        tx._on_response(msg)

    def _on_request(self, msg):
        key = (msg.branch, msg.method)
        with self.lock:
            cached = self.server_cache.get(key)
        if cached is not None:
            self.transport.send(cached.encode(), self._response_destination(msg))
            return
        if msg.method == "ACK":
            self.received.append(msg)
            self.incoming.put(ServerRequest(self, msg))
            return
        if msg.method == "INVITE":
            with self.lock:
                self.server_invites[msg.branch] = msg
        if msg.method == "CANCEL":
            self._on_cancel(msg)
        sreq = ServerRequest(self, msg)
        self.received.append(msg)
        for d in self.dialogs:
            if d.matches(msg):
                sreq.dialog = d
                d.remote_cseq = msg.cseq[0]
        auto = self.auto_reply.get(msg.method)
        if auto is not None and msg.method != "CANCEL":
            status, reason = auto if isinstance(auto, tuple) else (auto, None)
            sreq.reply(status, reason)
        self.incoming.put(sreq)

    def _on_cancel(self, cancel):
        # 200 to the CANCEL, then 487 to the INVITE it names (RFC 3261 9.2).
        # The 487 answers the INVITE: its Vias, not the CANCEL's (a proxy's
        # CANCEL carries only the proxy's own Via).
        self._send_response(cancel, self.build_response(cancel, 200))
        with self.lock:
            invite = self.server_invites.get(cancel.branch)
            answered = self.server_cache.get((cancel.branch, "INVITE"))
        if (invite is None or (answered is not None and answered.status >= 200)
                or not self.cancel_terminates):
            return
        resp = self.build_response(invite, 487, "Request Terminated")
        if answered is not None and answered.to.tag:
            resp.set("To", answered.get("to"))
        self._send_response(invite, resp)

    def wait_request(self, method=None, timeout=DEFAULT_TIMEOUT):
        """Next received request (of that method); others stay queued."""
        deadline = time.monotonic() + timeout
        skipped = []
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SipTimeout(f"{self.user}: no {method or 'request'} "
                                     f"within {timeout}s")
                try:
                    r = self.incoming.get(timeout=left)
                except queue.Empty:
                    continue
                if method is None or r.msg.method == method:
                    return r
                skipped.append(r)
        finally:
            for r in skipped:
                self.incoming.put(r)

    def no_request(self, method=None, timeout=0.5):
        """True when nothing (of that method) arrived within timeout."""
        try:
            self.wait_request(method, timeout)
        except SipTimeout:
            return True
        return False

    # -- methods --
    def register(self, expires=600, timeout=DEFAULT_TIMEOUT, headers=None):
        resp = self.request("REGISTER", f"sip:{self.domain}", timeout=timeout,
                            to=f"<{self.aor}>",
                            headers=[("Expires", str(expires))] + list(headers or []))
        if resp.status == 200:
            self.registered = expires > 0
        return resp

    def message(self, to_uri, text, content_type="text/plain", headers=None,
                timeout=DEFAULT_TIMEOUT, auth=True):
        return self.request("MESSAGE", to_uri, timeout=timeout, auth=auth,
                            body=text, content_type=content_type, headers=headers)

    def invite(self, to_uri, sdp=None, headers=None):
        call = Call(self, to_uri, sdp, headers)
        call.start()
        return call

    def subscribe(self, uri, event, expires=600, headers=None, dialog=None):
        h = [("Event", event), ("Expires", str(expires))] + list(headers or [])
        if dialog:
            tx = self.send_request(self.build_request("SUBSCRIBE", uri, dialog=dialog, headers=h))
            return tx.wait_final(), dialog
        msg = self.build_request("SUBSCRIBE", uri, headers=h)
        resp = self.send_request(msg).wait_final()
        if resp.status in (401, 407) and self.password is not None:
            msg = self.with_credentials(msg, resp)
            resp = self.send_request(msg).wait_final()
        d = None
        if 200 <= resp.status < 300:
            d = Dialog.from_uac(msg, resp)
            self.dialogs.append(d)
        return resp, d

    def notify(self, dialog, event, state, body=b"", content_type=None):
        msg = self.build_request("NOTIFY", dialog.remote_target, dialog=dialog, body=body,
                                 content_type=content_type,
                                 headers=[("Event", event), ("Subscription-State", state)])
        return self.send_request(msg).wait_final()

    def refer(self, uri, refer_to, headers=None, dialog=None, body=b"", content_type=None):
        h = [("Refer-To", refer_to), ("Referred-By", f"<{self.aor}>")] + list(headers or [])
        if dialog:
            msg = self.build_request("REFER", uri, dialog=dialog, headers=h, body=body,
                                     content_type=content_type)
            return self.send_request(msg).wait_final()
        return self.request("REFER", uri, headers=h, body=body, content_type=content_type)

    def request_in_dialog(self, dialog, method, body=b"", content_type=None, headers=None,
                          timeout=DEFAULT_TIMEOUT):
        """A request inside dialog (either side's); its final response."""
        msg = self.build_request(method, dialog.remote_target, dialog=dialog, body=body,
                                 content_type=content_type, headers=headers)
        return self.send_request(msg).wait_final(timeout)

    def publish(self, uri, event, body, content_type, expires=3600, headers=None):
        h = [("Event", event), ("Expires", str(expires))] + list(headers or [])
        return self.request("PUBLISH", uri, headers=h, body=body, content_type=content_type)


class Call:
    """The UAC side of an INVITE session."""

    def __init__(self, ua, to_uri, sdp, headers):
        self.ua = ua
        self.to_uri = to_uri
        self.sdp = sdp
        self.headers = headers
        self.ctype = "application/sdp"   # of the body, self.sdp
        self.invite_msg = None
        self.tx = None
        self.dialog = None
        self.final = None

    def start(self, timeout=DEFAULT_TIMEOUT):
        """Sends the INVITE and answers a digest challenge, so that when
        this returns the request is on its way to the callee."""
        self.invite_msg = self.ua.build_request(
            "INVITE", self.to_uri, body=self.sdp or b"",
            content_type=self.ctype if self.sdp else None, headers=self.headers)
        self.tx = self.ua.send_request(self.invite_msg)
        first = self.tx.wait_response(lambda r: True, timeout)
        if first.status in (401, 407) and self.ua.password is not None:
            self._ack_failure(first)
            self.invite_msg = self.ua.with_credentials(self.invite_msg, first)
            self.tx = self.ua.send_request(self.invite_msg)

    def wait_final(self, timeout=DEFAULT_TIMEOUT, ack=True):
        resp = self.tx.wait_final(timeout)
        if resp.status >= 300:
            self._ack_failure(resp)
        self.final = resp
        if 200 <= resp.status < 300:
            self.dialog = Dialog.from_uac(self.invite_msg, resp)
            self.ua.dialogs.append(self.dialog)
            if ack:
                self.ack()
        return resp

    def _invite_tx_request(self, method, to):
        """ACK of a non-2xx answer, or CANCEL: requests that belong to the
        INVITE's transaction, so its branch and CSeq number (RFC 3261
        9.1, 17.1.1.3), sent where the INVITE went."""
        inv = self.invite_msg
        msg = SipMessage.request(method, inv.uri)
        msg.add("Via", inv.get_all("via")[0])
        for r in inv.get_all("route"):
            msg.add("Route", r)
        msg.add("Max-Forwards", "70")
        msg.add("From", inv.get("from"))
        msg.add("To", to)
        msg.add("Call-ID", inv.call_id)
        msg.add("CSeq", f"{inv.cseq[0]} {method}")
        return self.ua.send_request(msg, dest=self.tx.dest)

    def _ack_failure(self, resp):
        self._invite_tx_request("ACK", resp.get("to"))

    def ack(self, body=b"", content_type=None):
        msg = self.ua.build_request("ACK", self.dialog.remote_target, dialog=self.dialog,
                                    body=body, content_type=content_type)
        self.ua.send_request(msg)

    def cancel(self):
        return self._invite_tx_request("CANCEL", self.invite_msg.get("to")).wait_final()

    def request(self, method, body=b"", content_type=None, headers=None):
        msg = self.ua.build_request(method, self.dialog.remote_target, dialog=self.dialog,
                                    body=body, content_type=content_type, headers=headers)
        return self.ua.send_request(msg).wait_final()

    def bye(self):
        return self.request("BYE")

    def reinvite(self, sdp, ack=True):
        msg = self.ua.build_request("INVITE", self.dialog.remote_target, dialog=self.dialog,
                                    body=sdp, content_type="application/sdp")
        resp = self.ua.send_request(msg).wait_final()
        if ack and 200 <= resp.status < 300:
            self.ack()
        return resp


REASONS = {
    100: "Trying", 180: "Ringing", 183: "Session Progress", 200: "OK", 202: "Accepted",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 407: "Proxy Authentication Required",
    408: "Request Timeout", 415: "Unsupported Media Type", 480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist", 486: "Busy Here", 487: "Request Terminated",
    488: "Not Acceptable Here", 500: "Server Internal Error", 501: "Not Implemented",
    503: "Service Unavailable", 603: "Decline",
}


def warning_code(resp):
    """The OMA code of resp's Warning (399 <agent> "<code> <text>", D-34),
    or None when it has none."""
    w = resp.get("warning")
    if not w:
        return None
    m = re.match(r'^399 \S+ "(\d{3}) [^"]*"$', w)
    assert m, f"Warning not in the D-34 form: {w!r}"
    return m.group(1)
