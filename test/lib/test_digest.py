from imtest import digest


def test_rfc2617_example_response():
    # RFC 2617 section 3.5 (qop=auth, fixed cnonce): recomputed by hand here
    import hashlib
    ch = ('Digest realm="testrealm@host.com", qop="auth,auth-int", '
          'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"')
    header = digest.authorization(ch, "GET", "/dir/index.html", "Mufasa", "Circle Of Life")
    fields = dict(p.split("=", 1) for p in header[len("Digest "):].split(", "))
    ha1 = hashlib.md5(b"Mufasa:testrealm@host.com:Circle Of Life").hexdigest()
    ha2 = hashlib.md5(b"GET:/dir/index.html").hexdigest()
    cnonce = fields["cnonce"].strip('"')
    expect = hashlib.md5(f"{ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:{cnonce}:auth:{ha2}"
                         .encode()).hexdigest()
    assert fields["response"].strip('"') == expect
    assert fields["opaque"] == '"5ccc069c403ebaf9f0171e9517f40e41"'
    assert fields["qop"] == "auth"


def test_without_qop():
    import hashlib
    header = digest.authorization('Digest realm="r", nonce="n"', "REGISTER", "sip:d", "u", "p")
    ha1 = hashlib.md5(b"u:r:p").hexdigest()
    ha2 = hashlib.md5(b"REGISTER:sip:d").hexdigest()
    assert f'response="{hashlib.md5(f"{ha1}:n:{ha2}".encode()).hexdigest()}"' in header
