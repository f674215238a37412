import pytest

from imtest import cpim


def test_build_and_parse():
    data = cpim.build("Alice <sip:alice@home1.net>", ["<sip:bob@home1.net>", "<sip:carol@home1.net>"],
                      "héllo", imdn_message_id="m1", disposition="positive-delivery")
    m = cpim.parse(data)
    assert m.get("From") == "Alice <sip:alice@home1.net>"
    assert m.get_all("To") == ["<sip:bob@home1.net>", "<sip:carol@home1.net>"]
    assert m.get("imdn.Message-ID") == "m1"
    assert m.get("imdn.Disposition-Notification") == "positive-delivery"
    assert m.content_type == "text/plain;charset=UTF-8"
    assert m.body == "héllo".encode()


@pytest.mark.parametrize("data", [b"From: x\r\n", b"From: x\r\n\r\nContent-Type: a\r\n",
                                  b"bad line\r\n\r\nContent-Type: a\r\n\r\n",
                                  b"From: x\r\n\r\nContent-Length: 10\r\n\r\nabc"])
def test_malformed(data):
    with pytest.raises(cpim.CpimError):
        cpim.parse(data)
