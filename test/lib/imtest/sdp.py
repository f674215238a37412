"""SDP offers and answers with an MSRP m-line (RFC 4975 section 8), and a
small parser to read back what a server put in them."""

import os
import re


def msrp_sdp(path, ip="127.0.0.1", accept_types="message/cpim text/plain",
             accept_wrapped="text/plain", setup="active", max_size=None, extra=(),
             direction=None, cema=False):
    port = int(re.match(r"^msrps?://[^/]*:(\d+)/", path).group(1))
    proto = "TCP/TLS/MSRP" if path.startswith("msrps:") else "TCP/MSRP"
    sess = int.from_bytes(os.urandom(4), "big")
    lines = [
        "v=0",
        f"o=- {sess} {sess} IN IP4 {ip}",
        "s=-",
        f"c=IN IP4 {ip}",
        "t=0 0",
        f"m=message {port} {proto} *",
        f"a=accept-types:{accept_types}",
    ]
    if accept_wrapped:
        lines.append(f"a=accept-wrapped-types:{accept_wrapped}")
    if max_size is not None:
        lines.append(f"a=max-size:{max_size}")
    if setup:
        lines.append(f"a=setup:{setup}")
    if cema:
        lines.append("a=msrp-cema")
    if direction:
        lines.append(f"a={direction}")
    lines.extend(extra)
    lines.append(f"a=path:{path}")
    return ("\r\n".join(lines) + "\r\n").encode()


class Sdp:
    def __init__(self, text):
        if isinstance(text, bytes):
            text = text.decode()
        self.lines = [l for l in text.replace("\r\n", "\n").split("\n") if l]
        self.media = []
        self.session = []
        cur = self.session
        for l in self.lines:
            if l.startswith("m="):
                cur = []
                self.media.append((l, cur))
            else:
                cur.append(l)

    def attr(self, name, media_index=0):
        """Value of a=name in the media section (or the session level)."""
        sources = [self.media[media_index][1]] if self.media else []
        for src in sources + [self.session]:
            for l in src:
                if l == f"a={name}":
                    return ""
                if l.startswith(f"a={name}:"):
                    return l.split(":", 1)[1]
        return None

    @property
    def path(self):
        p = self.attr("path")
        return p.split() if p else []

    @property
    def connection_ip(self):
        for src in ([self.media[0][1]] if self.media else []) + [self.session]:
            for l in src:
                if l.startswith("c=IN IP"):
                    return l.split()[2]
        return None

    @property
    def m_line(self):
        return self.media[0][0] if self.media else None
