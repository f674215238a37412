"""SIP message codec for the test user agents (RFC 3261 syntax, stdlib only).

Parsing is strict enough to notice a server sending something broken, and
lenient where RFC 3261 allows variation (compact header names, LWS folding,
case of header names).
"""

import re

COMPACT_NAMES = {
    "a": "accept-contact", "b": "referred-by", "c": "content-type",
    "d": "request-disposition", "e": "content-encoding", "f": "from",
    "i": "call-id", "j": "reject-contact", "k": "supported",
    "l": "content-length", "m": "contact", "n": "identity-info",
    "o": "event", "r": "refer-to", "s": "subject", "t": "to",
    "u": "allow-events", "v": "via", "x": "session-expires", "y": "identity",
}

# Headers whose comma-separated values are separate header values.
MULTI_VALUE = {"via", "contact", "route", "record-route", "allow",
               "supported", "require", "accept-contact", "path"}


class SipParseError(ValueError):
    pass


def canonical(name):
    name = name.strip().lower()
    return COMPACT_NAMES.get(name, name)


def split_commas(value):
    """Splits a header value on commas outside quotes and angle brackets."""
    parts, cur, quoted, angle, i = [], [], False, False, 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and quoted and i + 1 < len(value):
            cur.append(value[i:i + 2])
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif ch == "<" and not quoted:
            angle = True
        elif ch == ">" and not quoted:
            angle = False
        if ch == "," and not quoted and not angle:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    if cur or not parts:
        parts.append("".join(cur).strip())
    return [p for p in parts if p]


class NameAddr:
    """A name-addr or addr-spec with its header parameters (To, From, Contact...)."""

    def __init__(self, uri, display=None, params=None):
        self.uri = uri
        self.display = display
        self.params = dict(params or {})

    @classmethod
    def parse(cls, value):
        value = value.strip()
        display = None
        m = re.match(r'^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^>]*)>(.*)$', value)
        if m:
            display = m.group(1) if m.group(1) is not None else (m.group(2) or None)
            uri, rest = m.group(3), m.group(4)
        else:
            uri, _, rest = value.partition(";")
            rest = ";" + rest if rest else ""
        params = {}
        for p in rest.split(";"):
            p = p.strip()
            if not p:
                continue
            k, _, v = p.partition("=")
            params[k.strip().lower()] = v.strip() if _ else None
        return cls(uri.strip(), display, params)

    @property
    def tag(self):
        return self.params.get("tag")

    def __str__(self):
        s = f'"{self.display}" <{self.uri}>' if self.display else f"<{self.uri}>"
        for k, v in self.params.items():
            s += f";{k}" if v is None else f";{k}={v}"
        return s


def uri_user_host(uri):
    """('alice', 'home1.net', 5060 or None) from sip:alice@home1.net:5060;x=y."""
    m = re.match(r"^sips?:(?:([^@;]*)@)?(\[[^\]]+\]|[^:;?>]+)(?::(\d+))?", uri)
    if not m:
        raise SipParseError(f"bad SIP URI {uri!r}")
    return m.group(1), m.group(2), int(m.group(3)) if m.group(3) else None


class SipMessage:
    def __init__(self):
        self.method = None      # requests
        self.uri = None
        self.status = None      # responses
        self.reason = None
        self.headers = []       # [(canonical-name, value)] in order
        self.body = b""
        self.source = None      # (ip, port) it came from

    @property
    def is_request(self):
        return self.method is not None

    @classmethod
    def request(cls, method, uri):
        m = cls()
        m.method, m.uri = method, uri
        return m

    @classmethod
    def response(cls, status, reason):
        m = cls()
        m.status, m.reason = status, reason
        return m

    # -- headers --
    def get(self, name, default=None):
        name = canonical(name)
        for k, v in self.headers:
            if k == name:
                return split_commas(v)[0] if name in MULTI_VALUE else v
        return default

    def get_all(self, name):
        name = canonical(name)
        out = []
        for k, v in self.headers:
            if k == name:
                out.extend(split_commas(v) if name in MULTI_VALUE else [v])
        return out

    def has(self, name):
        name = canonical(name)
        return any(k == name for k, _ in self.headers)

    def add(self, name, value):
        self.headers.append((canonical(name), str(value)))

    def set(self, name, value):
        self.remove(name)
        self.add(name, value)

    def remove(self, name):
        name = canonical(name)
        self.headers = [(k, v) for k, v in self.headers if k != name]

    @property
    def call_id(self):
        return self.get("call-id")

    @property
    def cseq(self):
        num, method = self.get("cseq").split()
        return int(num), method

    @property
    def from_(self):
        return NameAddr.parse(self.get("from"))

    @property
    def to(self):
        return NameAddr.parse(self.get("to"))

    @property
    def branch(self):
        via = self.get("via")
        m = re.search(r";\s*branch=([^;,\s]+)", via or "")
        return m.group(1) if m else None

    @property
    def content_type(self):
        ct = self.get("content-type")
        return ct.split(";")[0].strip().lower() if ct else None

    # -- codec --
    def encode(self):
        if self.is_request:
            lines = [f"{self.method} {self.uri} SIP/2.0"]
        else:
            lines = [f"SIP/2.0 {self.status} {self.reason}"]
        for k, v in self.headers:
            if k == "content-length":
                continue
            lines.append(f"{header_display_name(k)}: {v}")
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body

    @classmethod
    def parse(cls, data, stream=False):
        """Parses one message. With stream=True returns (msg, consumed) or
        (None, 0) when more bytes are needed."""
        end = data.find(b"\r\n\r\n")
        if end < 0:
            if stream:
                return None, 0
            raise SipParseError("no end of headers")
        head = data[:end].decode("utf-8", "replace")
        lines = head.split("\r\n")
        msg = cls()
        first = lines[0]
        if first.startswith("SIP/2.0 "):
            parts = first.split(" ", 2)
            if len(parts) < 2 or not parts[1].isdigit():
                raise SipParseError(f"bad status line {first!r}")
            msg.status = int(parts[1])
            msg.reason = parts[2] if len(parts) > 2 else ""
        else:
            parts = first.split(" ")
            if len(parts) != 3 or parts[2] != "SIP/2.0":
                raise SipParseError(f"bad request line {first!r}")
            msg.method, msg.uri = parts[0], parts[1]
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and msg.headers:
                k, v = msg.headers[-1]
                msg.headers[-1] = (k, v + " " + line.strip())
                continue
            name, colon, value = line.partition(":")
            if not colon:
                raise SipParseError(f"bad header line {line!r}")
            msg.headers.append((canonical(name), value.strip()))
        cl = msg.get("content-length")
        body_start = end + 4
        if cl is None:
            if stream:
                raise SipParseError("no Content-Length on a stream transport")
            length = len(data) - body_start
        else:
            if not cl.strip().isdigit():
                raise SipParseError(f"bad Content-Length {cl!r}")
            length = int(cl)
        if len(data) - body_start < length:
            if stream:
                return None, 0
            raise SipParseError("body shorter than Content-Length")
        msg.body = data[body_start:body_start + length]
        if stream:
            return msg, body_start + length
        return msg

    def __repr__(self):
        if self.is_request:
            return f"<SIP {self.method} {self.uri}>"
        return f"<SIP {self.status} {self.reason}>"


_DISPLAY = {"call-id": "Call-ID", "cseq": "CSeq", "www-authenticate": "WWW-Authenticate",
            "p-asserted-identity": "P-Asserted-Identity", "imdn": "IMDN"}


def header_display_name(name):
    return _DISPLAY.get(name) or "-".join(p.capitalize() for p in name.split("-"))
