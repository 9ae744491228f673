"""SIP over secure WebSocket (--sip-wss): without --sip-tls-cert hotlined
makes a self-signed certificate once in its data dir and keeps it across
restarts; the WebSocket upgrade answers the "sip" subprotocol browsers ask
for (RFC 7118), and a REGISTER in a frame gets the registrar's answer back.
A browser registering again over a new socket replaces its lost one's contact."""
import hashlib
import os
import socket
import ssl
import stat
import struct

from e2e_helpers import free_port


def _upgrade(port, protocol="sip"):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    s.sendall((
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {protocol}\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        assert chunk, f"connection closed during the upgrade: {head!r}"
        head += chunk
    return s, head.decode(errors="replace"), s.getpeercert(binary_form=True)


def _frame(text):
    """A masked client text frame."""
    data, mask = text.encode(), b"\x01\x02\x03\x04"
    n = len(data)
    hdr = b"\x81" + (bytes([0x80 | n]) if n < 126 else b"\xfe" + struct.pack(">H", n))
    return hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def _read_frame(s):
    def exact(n):
        out = b""
        while len(out) < n:
            chunk = s.recv(n - len(out))
            assert chunk, "connection closed"
            out += chunk
        return out
    b0, b1 = exact(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack(">H", exact(2))[0]
    elif n == 127:
        n = struct.unpack(">Q", exact(8))[0]
    return exact(n).decode(errors="replace")


def test_sip_over_secure_websocket_with_a_self_signed_certificate(make_daemon):
    port = free_port()
    d = make_daemon(extra_args=["--sip-wss", f"127.0.0.1:{port}"])
    pem = d.data_dir / "sip-wss-selfsigned.pem"
    assert pem.exists(), "a self-signed certificate is written to the data dir"
    assert stat.S_IMODE(os.stat(pem).st_mode) == 0o600
    assert "PRIVATE KEY" in pem.read_text() and "CERTIFICATE" in pem.read_text()

    s, head, cert = _upgrade(port)
    assert head.startswith("HTTP/1.1 101"), head
    assert "Sec-WebSocket-Protocol: sip" in head, head
    first = hashlib.sha256(cert).hexdigest()
    s.sendall(_frame(
        "REGISTER sip:demo SIP/2.0\r\n"
        "Via: SIP/2.0/WSS abc.invalid;branch=z9hG4bK-wss-1\r\n"
        "Max-Forwards: 70\r\nTo: <sip:1001@demo>\r\nFrom: <sip:1001@demo>;tag=wss1\r\n"
        "Call-ID: wss-test-1\r\nCSeq: 1 REGISTER\r\n"
        "Contact: <sip:x@abc.invalid;transport=ws>\r\nExpires: 60\r\n"
        "Content-Length: 0\r\n\r\n"))
    answer = _read_frame(s)
    # the registrar answers (the private daemon has no extension 1001)
    assert answer.startswith("SIP/2.0 404"), answer
    assert "CSeq: 1 REGISTER" in answer
    s.close()

    # the same certificate after a restart
    d.stop_and_check()
    d.start(port=d.port)
    s, head, cert = _upgrade(port)
    assert head.startswith("HTTP/1.1 101"), head
    assert hashlib.sha256(cert).hexdigest() == first
    s.close()


def _wss_register(port, ext, call_id, cseq):
    """REGISTERs ext over a new secure WebSocket with the digest; answers the open socket."""
    from test_sip_registrar import authorization, parse, pick_challenge
    s, head, _ = _upgrade(port)
    assert head.startswith("HTTP/1.1 101"), head

    def register(n, auth=""):
        s.sendall(_frame(
            "REGISTER sip:demo SIP/2.0\r\n"
            f"Via: SIP/2.0/WSS abc.invalid;branch=z9hG4bK-{call_id}-{n}\r\n"
            f"Max-Forwards: 70\r\nTo: <sip:{ext['number']}@demo>\r\n"
            f"From: <sip:{ext['number']}@demo>;tag=t{call_id}\r\nCall-ID: {call_id}\r\n"
            f"CSeq: {n} REGISTER\r\nContact: <sip:br{call_id}@abc.invalid;transport=ws>\r\n"
            f"Expires: 60\r\n{auth + chr(13) + chr(10) if auth else ''}Content-Length: 0\r\n\r\n"))
        return parse(_read_frame(s))
    r = register(cseq)
    assert r["status"] == 401, r["text"]
    r = register(cseq + 1, authorization(pick_challenge(r, "MD5"), ext["number"], ext["password"],
                                         "REGISTER", "sip:demo"))
    assert r["status"] == 200, r["text"]
    return s


def test_a_browser_registering_again_over_a_new_socket_replaces_its_lost_contact(make_daemon):
    """A browser phone (JsSIP) that lost its WebSocket registers again over a new one with the
    same Call-ID: the contact of the lost socket goes (calls forked to it would fail at once);
    another browser's (another Call-ID) stays."""
    from e2e_helpers import ADMIN_PASSWORD, DEMO, expect
    port = free_port()
    d = make_daemon(extra_args=["--sip-wss", f"127.0.0.1:{port}"])
    admin = d.client().login(DEMO, "admin", ADMIN_PASSWORD)
    ext = expect(admin.post("/api/v1/extensions", json={"number": "5551234", "password": "Wss-pass-12345"}), 201)

    def contacts():
        items = expect(admin.get("/api/v1/registrations", params={"number": ext["number"]}), 200)["items"]
        return sorted(c["source"] for c in items)

    first = _wss_register(port, ext, "browser-a", 1)
    other = _wss_register(port, ext, "browser-b", 1)
    src = lambda sock: f"127.0.0.1:{sock.getsockname()[1]}"  # noqa: E731
    lost, kept = src(first), src(other)
    assert contacts() == sorted([lost, kept])
    first.close()           # the network drops...
    again = _wss_register(port, ext, "browser-a", 3)   # ...and JsSIP registers again
    assert contacts() == sorted([src(again), kept]), "the lost socket's contact is replaced, the other browser's kept"
    again.close()
    other.close()
