"""The interconnection between two IM server domains, as the tests see it.

SipTap is a small stateless SIP proxy (RFC 3261 section 16.11) standing
where an operator's interconnect border (IBCF) would: each domain's im_peer
entry for the other points at the tap, the tap forwards to the domain the
Request-URI names and Record-Routes dialogs, so that every SIP message of
the NNI leg crosses it, and it keeps them for the tests to read.
"""

import hashlib
import re
import socket
import threading

from .sipmsg import NameAddr, SipMessage, uri_user_host


class SipTap:
    """Listens on UDP and TCP at the same port (a peer whose im_peer
    address is UDP may be reached over TCP, MSG-04); forwards over UDP.
    Each message it keeps has .transport, "udp" or "tcp", as it came."""

    def __init__(self, ip="127.0.0.3"):
        self.ip = ip
        self.sock, self.listener = self._bind(ip)
        self.port = self.sock.getsockname()[1]
        self.uri = f"sip:{ip}:{self.port}"
        self.domains = {}           # domain -> (ip, port)
        self.names = {}             # (ip, port) -> label for the log
        self.log = []               # (from_label, to_label, SipMessage)
        self.conns = {}             # Via branch of a TCP request -> its socket
        self.cond = threading.Condition()
        self.closed = False
        # a peer that changes what it forwards: rewrite(request) -> None
        self.rewrite = None
        threading.Thread(target=self._run, daemon=True).start()
        threading.Thread(target=self._accept, daemon=True).start()

    @staticmethod
    def _bind(ip):
        for _ in range(50):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind((ip, 0))
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind((ip, udp.getsockname()[1]))
            except OSError:
                udp.close()
                tcp.close()
                continue
            tcp.listen(16)
            return udp, tcp
        raise OSError("no port free for both UDP and TCP")

    def route(self, server):
        """Requests for server's domain go to its SIP address."""
        self.domains[server.domain] = server.sip_addr
        self.names[tuple(server.sip_addr)] = server.domain

    def close(self):
        self.closed = True
        self.sock.close()
        self.listener.close()
        for c in set(self.conns.values()):
            c.close()

    # -- what crossed --
    def messages(self, pred=lambda m: True):
        with self.cond:
            return [m for _, _, m in self.log if pred(m)]

    def mark(self):
        """Where the log is now: wait(since=mark()) sees only what follows."""
        with self.cond:
            return len(self.log)

    def wait(self, pred, timeout=10.0, what="message", since=0):
        """The first message crossing the tap (after since) that satisfies
        pred."""
        def found():
            return next((m for _, _, m in self.log[since:] if pred(m)), None)
        with self.cond:
            if not self.cond.wait_for(lambda: found() is not None, timeout):
                raise AssertionError(f"no {what} crossed the NNI within {timeout}s "
                                     f"(saw {[m for _, _, m in self.log[since:]]})")
            return found()

    def requests(self, method):
        return self.messages(lambda m: m.is_request and m.method == method)

    def responses(self, method, status=None):
        return self.messages(lambda m: not m.is_request and m.cseq[1] == method
                             and (status is None or m.status == status))

    # -- proxying --
    def _run(self):
        while not self.closed:
            try:
                data, src = self.sock.recvfrom(65535)
            except OSError:
                return
            try:
                msg = SipMessage.parse(data)
            except ValueError:
                continue
            self._handle(msg, src, "udp")

    def _handle(self, msg, src, transport, conn=None):
        msg.source = src
        msg.transport = transport
        if msg.is_request:
            if conn is not None and msg.branch:
                self.conns[msg.branch] = conn
            self._request(msg, src)
        else:
            self._response(msg, src)

    def _accept(self):
        while not self.closed:
            try:
                conn, src = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._read_stream, args=(conn, src), daemon=True).start()

    def _read_stream(self, conn, src):
        """SIP over TCP, framed by Content-Length."""
        buf = b""
        while not self.closed:
            try:
                data = conn.recv(65535)
            except OSError:
                return
            if not data:
                return
            buf += data
            while True:
                buf = buf.lstrip(b"\r\n")   # CRLF keep-alives
                try:
                    msg, used = SipMessage.parse(buf, stream=True)
                except ValueError:
                    return
                if msg is None:
                    break
                buf = buf[used:]
                self._handle(msg, src, "tcp", conn)

    def _record(self, msg, src, dst):
        with self.cond:
            self.log.append((self.names.get(tuple(src), src), self.names.get(tuple(dst), dst),
                             msg))
            self.cond.notify_all()

    def _is_me(self, uri):
        _, host, port = uri_user_host(uri)
        return host == self.ip and (port or 5060) == self.port

    def _request(self, msg, src):
        routes = msg.get_all("route")
        if routes and self._is_me(NameAddr.parse(routes[0]).uri):
            rest = routes[1:]
            msg.remove("route")
            for r in rest:
                msg.add("Route", r)
            routes = rest
        if routes:
            _, host, port = uri_user_host(NameAddr.parse(routes[0]).uri)
            dst = (host, port or 5060)
        else:
            _, host, port = uri_user_host(msg.uri)
            dst = self.domains.get(host) or (host, port or 5060)
        if not msg.to.tag and msg.method in ("INVITE", "SUBSCRIBE", "REFER"):
            msg.headers.insert(0, ("record-route", f"<{self.uri};lr>"))
        if self.rewrite:
            self.rewrite(msg)
        mf = msg.get("max-forwards")
        if mf is not None:
            msg.set("Max-Forwards", str(max(int(mf) - 1, 0)))
        # RFC 3261 16.11: a branch from the incoming one, so the CANCEL and
        # the ACK of a failure match the INVITE downstream too
        seed = (msg.branch or "") + msg.call_id
        branch = "z9hG4bK" + hashlib.md5(seed.encode()).hexdigest()[:16]
        msg.headers.insert(0, ("via", f"SIP/2.0/UDP {self.ip}:{self.port};branch={branch}"))
        self._record(msg, src, dst)
        self.sock.sendto(msg.encode(), dst)

    def _response(self, msg, src):
        vias = msg.get_all("via")
        if not vias or f"{self.ip}:{self.port}" not in vias[0]:
            return
        rest = vias[1:]
        msg.remove("via")
        for v in rest:
            msg.add("Via", v)
        # Via first: keep the header order of a response
        msg.headers = ([(k, v) for k, v in msg.headers if k == "via"]
                       + [(k, v) for k, v in msg.headers if k != "via"])
        m = re.match(r"SIP/2\.0/\w+\s+([^;:\s]+)(?::(\d+))?", rest[0]) if rest else None
        if not m:
            return
        received = re.search(r";received=([^;\s]+)", rest[0])
        rport = re.search(r";rport=(\d+)", rest[0])
        dst = (received.group(1) if received else m.group(1),
               int(rport.group(1)) if rport else int(m.group(2) or 5060))
        self._record(msg, src, dst)
        branch = re.search(r";branch=([^;\s]+)", rest[0])
        conn = self.conns.get(branch.group(1)) if branch else None
        if conn is not None:
            # RFC 3261 18.2.2: back over the connection the request came on
            try:
                conn.sendall(msg.encode())
            except OSError:
                pass
            return
        self.sock.sendto(msg.encode(), dst)
