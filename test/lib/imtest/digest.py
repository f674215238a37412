"""HTTP digest for SIP (RFC 2617 / RFC 3261 section 22), MD5 with or without qop=auth."""

import hashlib
import os
import re


def _md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def parse_challenge(value):
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        raise ValueError(f"not a digest challenge: {value!r}")
    params = {}
    for m in re.finditer(r'(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]+)', rest):
        v = m.group(2)
        params[m.group(1).lower()] = v[1:-1] if v.startswith('"') else v
    return params


def authorization(challenge, method, uri, username, password, nc=1):
    """Credentials answering one WWW-/Proxy-Authenticate value."""
    c = parse_challenge(challenge)
    realm, nonce = c["realm"], c["nonce"]
    if c.get("algorithm", "MD5").upper() != "MD5":
        raise ValueError(f"unsupported digest algorithm {c['algorithm']}")
    ha1 = _md5(f"{username}:{realm}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    fields = [f'username="{username}"', f'realm="{realm}"', f'nonce="{nonce}"',
              f'uri="{uri}"']
    qops = [q.strip() for q in c.get("qop", "").split(",") if q.strip()]
    if "auth" in qops:
        cnonce = os.urandom(8).hex()
        ncs = f"{nc:08x}"
        resp = _md5(f"{ha1}:{nonce}:{ncs}:{cnonce}:auth:{ha2}")
        fields += ["qop=auth", f"nc={ncs}", f'cnonce="{cnonce}"']
    else:
        resp = _md5(f"{ha1}:{nonce}:{ha2}")
    fields.append(f'response="{resp}"')
    fields.append("algorithm=MD5")
    if "opaque" in c:
        fields.append(f'opaque="{c["opaque"]}"')
    return "Digest " + ", ".join(fields)
