"""JSON-RPC clients: Kamailio's jsonrpcs datagram socket and the relay's
control channel (one JSON object per line over TCP or a UNIX socket)."""

import itertools
import json
import os
import socket
import tempfile


class RpcError(Exception):
    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class KamailioRpc:
    """Calls Kamailio RPC commands through jsonrpcs' UNIX datagram socket."""

    def __init__(self, sock_path, timeout=10.0):
        self.sock_path = sock_path
        self.timeout = timeout
        self.ids = itertools.count(1)

    def call_raw(self, payload, timeout=None):
        """Sends raw bytes; returns the raw reply."""
        d = tempfile.mkdtemp(prefix="rpc-")
        path = os.path.join(d, "r.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            s.bind(path)
            s.settimeout(timeout or self.timeout)
            s.sendto(payload, self.sock_path)
            # jsonrpcs answers in one datagram of any size: ul.dump of a
            # crowd of users is well over 64 KiB
            return s.recv(4 << 20)
        finally:
            s.close()
            os.unlink(path)
            os.rmdir(d)

    def call(self, method, *params, timeout=None):
        rid = next(self.ids)
        req = {"jsonrpc": "2.0", "method": method, "params": list(params), "id": rid}
        reply = json.loads(self.call_raw(json.dumps(req).encode(), timeout))
        if "error" in reply:
            raise RpcError(reply["error"].get("code"), reply["error"].get("message"))
        return reply.get("result")


class RelayControl:
    """A persistent connection to the relay's control channel; with a
    secret, the auth call a TCP connection must open with is made first."""

    def __init__(self, addr, timeout=10.0, secret=None):
        proto, _, rest = addr.partition(":")
        if proto == "unix":
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(rest)
        else:
            host, _, port = rest.rpartition(":")
            self.sock = socket.create_connection((host.strip("[]"), int(port)), timeout)
        self.buf = b""
        self.ids = itertools.count(1)
        if secret is not None:
            try:
                self.call("auth", {"secret": secret})
            except BaseException:
                self.close()
                raise

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def read_line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("relay closed the control connection")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def call(self, method, params=None):
        rid = next(self.ids)
        req = {"jsonrpc": "2.0", "method": method, "id": rid}
        if params is not None:
            req["params"] = params
        self.send_raw(json.dumps(req).encode() + b"\n")
        reply = self.read_line()
        if reply.get("id") != rid:
            raise RpcError(None, f"reply id {reply.get('id')} for request {rid}")
        if "error" in reply:
            raise RpcError(reply["error"].get("code"), reply["error"].get("message"))
        return reply["result"]
