"""Hand-made SIP bytes for bad-input tests: a well-formed template that each
test breaks in one precise way."""

import os
import socket


def message_bytes(to_uri, from_uri, via_port, body=b"hi", content_length=None,
                  extra_headers=b"", transport="UDP", call_id=None):
    call_id = call_id or os.urandom(6).hex()
    head = (f"MESSAGE {to_uri} SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} 127.0.0.1:{via_port};branch=z9hG4bK{os.urandom(6).hex()};rport\r\n"
            f"Max-Forwards: 70\r\n"
            f"From: <{from_uri}>;tag={os.urandom(4).hex()}\r\n"
            f"To: <{to_uri}>\r\n"
            f"Call-ID: {call_id}\r\n"
            f"CSeq: 1 MESSAGE\r\n"
            f"Content-Type: text/plain\r\n").encode()
    cl = len(body) if content_length is None else content_length
    return head + extra_headers + f"Content-Length: {cl}\r\n\r\n".encode() + body


class UdpProbe:
    """A bare UDP socket that sends raw datagrams and reads the answers."""

    def __init__(self, server_addr, bind=("127.0.0.1", 0)):
        self.server = server_addr
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(bind)
        self.port = self.sock.getsockname()[1]

    def send(self, data):
        self.sock.sendto(data, self.server)

    def status(self, timeout=2.0):
        """Status code of the next answer, or None when none comes."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65535)
        except socket.timeout:
            return None
        return int(data.split(b" ", 2)[1])

    def close(self):
        self.sock.close()
