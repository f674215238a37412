"""message/cpim (RFC 3862) builder and parser, with the IMDN namespace
helpers OMA SIMPLE IM uses (RFC 5438)."""

import datetime
import os

IMDN_NS = "urn:ietf:params:imdn"


class CpimError(ValueError):
    pass


class CpimMessage:
    def __init__(self, headers, content_headers, body):
        self.headers = headers                  # [(name, value)] message headers
        self.content_headers = content_headers  # [(name, value)] MIME headers
        self.body = body                        # bytes

    def get(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def get_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def content_type(self):
        for k, v in self.content_headers:
            if k.lower() == "content-type":
                return v
        return None


def now_datetime():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build(from_, to, body, content_type="text/plain;charset=UTF-8", headers=None,
          imdn_message_id=None, disposition=None, datetime_value=None):
    """from_/to are 'Display <uri>' or '<uri>'; to may be a list. With
    disposition (e.g. 'positive-delivery'), IMDN headers are added."""
    if isinstance(body, str):
        body = body.encode()
    tos = to if isinstance(to, (list, tuple)) else [to]
    lines = [f"From: {from_}"] + [f"To: {t}" for t in tos]
    lines.append(f"DateTime: {datetime_value or now_datetime()}")
    if imdn_message_id or disposition:
        lines.append(f"NS: imdn <{IMDN_NS}>")
        lines.append(f"imdn.Message-ID: {imdn_message_id or os.urandom(8).hex()}")
        if disposition:
            lines.append(f"imdn.Disposition-Notification: {disposition}")
    for k, v in headers or []:
        lines.append(f"{k}: {v}")
    head = "\r\n".join(lines) + "\r\n\r\n"
    mime = f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + mime.encode() + body


def _headers(block):
    out = []
    for line in block.split("\r\n"):
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or name != name.strip():
            raise CpimError(f"bad CPIM header line {line!r}")
        out.append((name, value.strip()))
    return out


def parse(data):
    sep = data.find(b"\r\n\r\n")
    if sep < 0:
        raise CpimError("no end of CPIM message headers")
    headers = _headers(data[:sep].decode("utf-8"))
    rest = data[sep + 4:]
    sep2 = rest.find(b"\r\n\r\n")
    if sep2 < 0:
        raise CpimError("no end of CPIM content headers")
    content_headers = _headers(rest[:sep2].decode("utf-8"))
    body = rest[sep2 + 4:]
    for k, v in content_headers:
        if k.lower() == "content-length":
            n = int(v)
            if n > len(body):
                raise CpimError("CPIM body shorter than its Content-Length")
            body = body[:n]
    return CpimMessage(headers, content_headers, body)
