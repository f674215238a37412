"""An MSRP endpoint for end-to-end tests (RFC 4975, stdlib only).

An endpoint owns one session path (msrp://host:port/session-id;tcp), either
listens (a=setup:passive) or connects (active), and talks to the next hop
over one TCP connection:

    a = MsrpEndpoint(); b = MsrpEndpoint()
    b.listen(); a.connect_to(b.path); a.to_path = [b.path]
    a.send_message(b"hello", chunk_size=4)
    msg = b.wait_message()

It answers SENDs with 200 (or what `respond` says), reassembles chunked
messages by Message-ID and Byte-Range, sends the REPORTs that
Success-Report asks for, and records everything it received.
"""

import os
import re
import select
import socket
import ssl
import threading
import time

DEFAULT_TIMEOUT = 10.0


class MsrpError(ValueError):
    pass


class MsrpTimeout(AssertionError):
    pass


def new_id(n=8):
    return os.urandom(n).hex()


class Frame:
    def __init__(self, tid, method=None, status=None, comment=None):
        self.tid = tid
        self.method = method
        self.status = status
        self.comment = comment
        self.headers = []
        self.body = None
        self.flag = "$"

    @property
    def is_request(self):
        return self.method is not None

    def get(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    @property
    def byte_range(self):
        br = self.get("Byte-Range")
        if br is None:
            return 1, None, None
        m = re.match(r"^(\d+)-(\d+|\*)/(\d+|\*)$", br)
        if not m:
            raise MsrpError(f"bad Byte-Range {br!r}")
        end = None if m.group(2) == "*" else int(m.group(2))
        total = None if m.group(3) == "*" else int(m.group(3))
        return int(m.group(1)), end, total

    def encode(self):
        first = (f"MSRP {self.tid} {self.method}" if self.is_request
                 else f"MSRP {self.tid} {self.status}" + (f" {self.comment}" if self.comment else ""))
        out = first + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in self.headers)
        data = out.encode()
        if self.body is not None:
            data += b"\r\n" + self.body + b"\r\n"
        return data + f"-------{self.tid}{self.flag}\r\n".encode()

    def __repr__(self):
        what = self.method if self.is_request else self.status
        return f"<MSRP {self.tid} {what} {self.flag}>"


def parse_frame(buf):
    """(frame, bytes consumed) or (None, 0) when buf holds no whole frame."""
    nl = buf.find(b"\r\n")
    if nl < 0:
        if len(buf) > 4096:
            raise MsrpError("start line too long")
        return None, 0
    start = buf[:nl].decode("utf-8", "replace")
    m = re.match(r"^MSRP ([A-Za-z0-9][A-Za-z0-9.+%=-]{3,31}) (?:([A-Z]+)|(\d{3})(?: (.*))?)$", start)
    if not m:
        raise MsrpError(f"bad start line {start!r}")
    tid = m.group(1)
    frame = Frame(tid, m.group(2), int(m.group(3)) if m.group(3) else None, m.group(4))
    end_line = f"-------{tid}".encode()
    pos = nl + 2
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None, 0
        line = buf[pos:eol]
        if line.startswith(end_line) and len(line) == len(end_line) + 1:
            frame.flag = chr(line[-1])
            return frame, eol + 2
        if line == b"":
            break
        name, colon, value = line.decode("utf-8", "replace").partition(":")
        if not colon:
            raise MsrpError(f"bad header line {line!r}")
        frame.headers.append((name.strip(), value.strip()))
        pos = eol + 2
    body_start = pos + 2
    # the body ends only at CRLF + end-line with this transaction's id
    search = body_start
    while True:
        i = buf.find(b"\r\n" + end_line, search)
        if i < 0:
            return None, 0
        after = i + 2 + len(end_line)
        if len(buf) < after + 3:
            return None, 0
        flag = buf[after:after + 1]
        if flag in (b"$", b"+", b"#") and buf[after + 1:after + 3] == b"\r\n":
            frame.body = buf[body_start:i]
            frame.flag = flag.decode()
            return frame, after + 3
        search = i + 1


class ReceivedMessage:
    def __init__(self, message_id, content_type, headers):
        self.message_id = message_id
        self.content_type = content_type
        self.headers = headers
        self.chunks = {}        # start -> bytes
        self.total = None
        self.complete = False
        self.aborted = False
        self.from_path = None

    @property
    def body(self):
        return b"".join(self.chunks[k] for k in sorted(self.chunks))

    def received_bytes(self):
        return sum(len(c) for c in self.chunks.values())


class MsrpEndpoint:
    """tls: an ssl.SSLContext; the endpoint then speaks msrps (server side
    when it listens, client side when it connects)."""

    def __init__(self, host="127.0.0.1", session_id=None, tls=None):
        self.host = host
        self.session_id = session_id or new_id(10)
        self.tls = tls
        self.listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, 0))
        self.port = self.listener.getsockname()[1]
        h = f"[{host}]" if ":" in host else host
        scheme = "msrps" if tls else "msrp"
        self.path = f"{scheme}://{h}:{self.port}/{self.session_id};tcp"
        self.to_path = []
        self.sock = None
        self.cond = threading.Condition()
        self.frames = []
        self.responses = {}
        self.reports = []
        self.messages = {}
        self.completed = []
        # status for SENDs, None: never answer; or a function of the SEND
        # frame giving one of those
        self.respond = 200
        self.send_reports = True
        self.closed = False
        self.peer_closed = False
        self.errors = []
        self.reading = threading.Event()
        self.reading.set()
        self.write_lock = threading.Lock()
        # an SSL object is not safe for a reader and a writer at once
        # (OpenSSL): TLS sockets are non-blocking, each call under this lock
        self.ssl_lock = threading.Lock()

    # -- connection --
    def listen(self):
        self.listener.listen(4)
        threading.Thread(target=self._accept, daemon=True).start()
        return self.path

    def _accept(self):
        try:
            s, _ = self.listener.accept()
            if self.tls:
                s = self.tls.wrap_socket(s, server_side=True)
        except (OSError, ssl.SSLError) as e:
            self.errors.append(f"accept: {e}")
            return
        self._attach(s)

    def connect(self, host, port):
        s = socket.create_connection((host, port), timeout=DEFAULT_TIMEOUT)
        if self.tls:
            s = self.tls.wrap_socket(s, server_hostname=host)
        s.settimeout(None)
        self._attach(s)

    def connect_to(self, path):
        m = re.match(r"^msrps?://(\[[^\]]+\]|[^:/]+):(\d+)/", path)
        if not m:
            raise MsrpError(f"bad MSRP URI {path!r}")
        self.connect(m.group(1).strip("[]"), int(m.group(2)))

    def pause_reading(self):
        """Stops reading: the peer's writes back up (slow receiver)."""
        self.reading.clear()

    def resume_reading(self):
        self.reading.set()

    def _attach(self, s):
        if self.tls:
            s.setblocking(False)
        with self.cond:
            self.sock = s
            self.cond.notify_all()
        threading.Thread(target=self._read, args=(s,), daemon=True).start()

    def wait_connected(self, timeout=DEFAULT_TIMEOUT):
        self._wait(lambda: self.sock is not None, timeout, "connection")

    def close(self):
        self.closed = True
        for s in (self.sock, self.listener):
            if s is None:
                continue
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send_raw(self, data):
        with self.write_lock:   # the reader thread answers on the same socket
            if self.tls:
                self._tls_sendall(self.sock, data)
            else:
                self.sock.sendall(data)

    def _tls_sendall(self, s, data):
        view = memoryview(data)
        deadline = time.monotonic() + 60
        while view:
            with self.ssl_lock:
                try:
                    view = view[s.send(view):]
                    continue
                except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                    pass
            if time.monotonic() > deadline:
                raise TimeoutError("TLS peer not reading")
            select.select([s], [s], [], 0.2)

    def _recv(self, s):
        if not self.tls:
            return s.recv(262144)
        while True:
            if not s.pending():
                r, _, _ = select.select([s], [], [], 0.5)
                if not r:
                    if self.closed:
                        return b""
                    continue
            with self.ssl_lock:
                try:
                    return s.recv(262144)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    continue

    # -- receiving --
    def _read(self, s):
        buf = b""
        while True:
            self.reading.wait()
            try:
                chunk = self._recv(s)
            except (OSError, ValueError):
                chunk = b""
            if not chunk:
                with self.cond:
                    self.peer_closed = True
                    self.cond.notify_all()
                return
            buf += chunk
            while buf:
                try:
                    frame, used = parse_frame(buf)
                except MsrpError as e:
                    self.errors.append(str(e))
                    buf = b""
                    break
                if frame is None:
                    break
                buf = buf[used:]
                self._on_frame(frame)

    def _on_frame(self, f):
        with self.cond:
            self.frames.append(f)
            if not f.is_request:
                self.responses.setdefault(f.tid, []).append(f)
            elif f.method == "REPORT":
                self.reports.append(f)
            self.cond.notify_all()
        if f.is_request and f.method == "SEND":
            self._on_send(f)

    def _on_send(self, f):
        mid = f.get("Message-ID")
        status = self.respond(f) if callable(self.respond) else self.respond
        if status is not None and f.get("Failure-Report") != "no":
            self._respond(f, status)
        if status is None or status >= 300 or mid is None or f.body is None:
            return      # a bodiless SEND binds or keeps alive: no message
        start, end, total = f.byte_range
        with self.cond:
            m = self.messages.get(mid)
            if m is None:
                m = self.messages[mid] = ReceivedMessage(mid, f.get("Content-Type"), f.headers)
                m.from_path = f.get("From-Path")
            if f.body:
                m.chunks[start] = f.body
            if total is not None:
                m.total = total
            if f.flag == "#":
                m.aborted = True
            done = (f.flag == "$" and m.total is not None and m.received_bytes() == m.total)
            if done and not m.complete:
                m.complete = True
                self.completed.append(m)
            self.cond.notify_all()
        if done and self.send_reports and f.get("Success-Report") == "yes":
            self.send_report(m.from_path, mid, f"1-{m.total}/{m.total}", "000 200 OK")

    def _respond(self, req, status, comment=None):
        resp = Frame(req.tid, status=status, comment=comment or ("OK" if status == 200 else None))
        prev_hop = req.get("From-Path").split()[0]
        resp.headers = [("To-Path", prev_hop), ("From-Path", self.path)]
        self.send_raw(resp.encode())

    # -- sending --
    def send_frame(self, method, headers, body=None, flag="$", tid=None, to_path=None):
        f = Frame(tid or new_id(6), method=method)
        f.headers = [("To-Path", " ".join(to_path or self.to_path)),
                     ("From-Path", self.path)] + list(headers)
        f.body = body
        f.flag = flag
        self.send_raw(f.encode())
        return f.tid

    def send_message(self, body, content_type="text/plain", chunk_size=None,
                     success_report=False, failure_report=None, message_id=None,
                     headers=None, to_path=None):
        """Sends one message (in chunks of chunk_size); returns (message-id,
        [tids])."""
        if isinstance(body, str):
            body = body.encode()
        mid = message_id or new_id(10)
        total = len(body)
        size = chunk_size or max(total, 1)
        tids = []
        offset = 0
        while True:
            piece = body[offset:offset + size]
            last = offset + len(piece) >= total
            h = [("Message-ID", mid),
                 ("Byte-Range", f"{offset + 1}-{offset + len(piece)}/{total}")]
            if success_report:
                h.append(("Success-Report", "yes"))
            if failure_report:
                h.append(("Failure-Report", failure_report))
            h += list(headers or [])
            h.append(("Content-Type", content_type))
            tids.append(self.send_frame("SEND", h, piece, "$" if last else "+", to_path=to_path))
            offset += len(piece)
            if last:
                return mid, tids

    def bind(self):
        """The empty SEND an active endpoint sends first (RFC 4975 5.4),
        which binds the connection to the session; returns its tid."""
        return self.send_frame("SEND", [("Message-ID", new_id(8)), ("Byte-Range", "1-0/0")])

    def send_report(self, to_path, message_id, byte_range, status):
        return self.send_frame("REPORT", [("Message-ID", message_id),
                                          ("Byte-Range", byte_range), ("Status", status)],
                               to_path=to_path.split() if to_path else None)

    # -- waiting --
    def _wait(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                v = pred()
                if v:
                    return v
                left = deadline - time.monotonic()
                if left <= 0:
                    raise MsrpTimeout(f"MSRP {what} not seen within {timeout}s")
                self.cond.wait(left)

    def wait_response(self, tid, timeout=DEFAULT_TIMEOUT):
        return self._wait(lambda: (self.responses.get(tid) or [None])[0], timeout,
                          f"response to {tid}")

    def wait_message(self, timeout=DEFAULT_TIMEOUT, index=0):
        return self._wait(lambda: self.completed[index] if len(self.completed) > index else None,
                          timeout, "complete message")

    def wait_report(self, message_id, timeout=DEFAULT_TIMEOUT):
        return self._wait(lambda: next((r for r in self.reports
                                        if r.get("Message-ID") == message_id), None),
                          timeout, f"REPORT for {message_id}")

    def wait_closed(self, timeout=DEFAULT_TIMEOUT):
        return self._wait(lambda: self.peer_closed, timeout, "connection close")
