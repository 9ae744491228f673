"""Malformed and hostile SIP against the running daemon, over UDP and TCP, from raw
sockets: RFC 4475 (SIP torture test messages) valid-but-weird messages must get a
proper answer; invalid ones must get 4xx/5xx or be dropped (never a 2xx). After every
message the daemon must still serve: an OPTIONS gets 200 with an Allow header. The
shared daemon's sanitizer output is checked when it stops (conftest).

Each message is sent from its own loopback source address (next_source_ip), so the
registrar's per-address failure guard never blocks a later case.
"""
import re
import socket
import time
import uuid

import pytest

from e2e_helpers import next_source_ip

SILENCE = 1.0      # seconds to wait before deciding a message was dropped
ANSWER = 5.0       # seconds an answer may take (ASan build)


# --------------------------------------------------------------------------- raw client

class Raw:
    def __init__(self, port, transport):
        self.tcp = transport == "tcp"
        self.tp = "TCP" if self.tcp else "UDP"
        self.server = ("127.0.0.1", port)
        src = next_source_ip()
        if self.tcp:
            self.sock = socket.create_connection(self.server, timeout=ANSWER,
                                                 source_address=(src, 0))
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind((src, 0))
        self.host, self.port = self.sock.getsockname()
        self.buf = b""
        self.closed = False

    def close(self):
        self.sock.close()

    def send(self, data):
        if self.tcp:
            try:
                self.sock.sendall(data)
            except OSError:       # the daemon may close on garbage: that is a drop
                self.closed = True
        else:
            self.sock.sendto(data, self.server)

    def _read_tcp(self, deadline):
        while True:
            head, sep, rest = self.buf.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)", head)
                n = int(m.group(1)) if m else 0
                if len(rest) >= n:
                    self.buf = rest[n:]
                    return head + b"\r\n\r\n" + rest[:n]
            left = deadline - time.time()
            if left <= 0 or self.closed:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65535)
            except socket.timeout:
                return None
            except OSError:
                chunk = b""
            if not chunk:
                self.closed = True
                return None
            self.buf += chunk

    def recv(self, timeout):
        """The next message (parsed), or None when nothing came in time."""
        deadline = time.time() + timeout
        if self.tcp:
            data = self._read_tcp(deadline)
        else:
            self.sock.settimeout(timeout)
            try:
                data, _ = self.sock.recvfrom(65535)
            except socket.timeout:
                data = None
        return parse(data) if data is not None else None

    def final(self, timeout):
        """The first final (>= 200) response, or None. Requests (the daemon
        never sends us any here) and 1xx are skipped."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                return None
            m = self.recv(left)
            if m is None:
                return None
            if m["status"] is not None and m["status"] >= 200:
                return m


def parse(data):
    text = data.decode("utf-8", errors="replace")
    head = text.split("\r\n\r\n", 1)[0]
    lines = head.split("\r\n")
    m = re.match(r"SIP/2\.0 (\d{3}) ?(.*)", lines[0])
    headers = {}
    for ln in lines[1:]:
        if ":" in ln:
            k, v = ln.split(":", 1)
            headers.setdefault(k.strip().lower(), []).append(v.strip())
    return {"status": int(m.group(1)) if m else None, "reason": m.group(2) if m else "",
            "start": lines[0], "headers": headers, "raw": text}


# --------------------------------------------------------------------------- messages

SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 6000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
       "a=rtpmap:101 telephone-event/8000\r\n")


class Ctx:
    """What a message builder needs: our address and transport, fresh ids."""
    def __init__(self, raw, number):
        self.raw = raw
        self.tp = raw.tp
        self.via = f"Via: SIP/2.0/{raw.tp} {raw.host}:{raw.port};rport;branch=z9hG4bK{uuid.uuid4().hex}"
        self.callid = f"torture-{uuid.uuid4().hex}@{raw.host}"
        self.number = number     # an existing extension


def req(c, method, ruri, *extra, cseq=None, body="", clen=None, ctype=None, to=None,
        frm=None, omit=(), via=None):
    """A request with every mandatory header unless named in `omit`."""
    hdrs = [("via", via or c.via), ("max-forwards", "Max-Forwards: 70"),
            ("from", frm or f"From: <sip:{c.number}@demo>;tag=tt{uuid.uuid4().hex[:8]}"),
            ("to", to or f"To: <sip:{c.number}@demo>"),
            ("call-id", f"Call-ID: {c.callid}"),
            ("cseq", f"CSeq: {cseq if cseq is not None else '1 ' + method}")]
    lines = [f"{method} {ruri} SIP/2.0"] + [h for k, h in hdrs if k not in omit] + list(extra)
    if ctype:
        lines.append(f"Content-Type: {ctype}")
    if "content-length" not in omit:
        lines.append(f"Content-Length: {len(body.encode()) if clen is None else clen}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode("utf-8", errors="surrogateescape")


# --- valid (some weird) messages: (name, builder, accepted final codes)
def wsinv(c):
    """RFC 4475 3.1.1.1: short tortuous INVITE (folding, odd spacing, compact forms,
    unknown headers). It carries a To tag, so it is in-dialog for a dialog we do not
    know: 481 (or an authentication challenge first)."""
    return ("INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n"
            "TO :\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"
            "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n"
            "  tag = 98asjd8\r\nMaX-fOrWaRdS: 0068\r\n"
            f"Call-ID: {c.callid}\r\nContent-Length   : {len(SDP)}\r\n"
            "cseq: 0009\r\n  INVITE\r\n"
            f"{c.via}\r\ns :\r\nNewFangledHeader:   newfangled value\r\n"
            " continued newfangled value\r\nUnknownHeaderWithUnusualValue: ;;,,;;,;\r\n"
            "Content-Type: application/sdp\r\n"
            "Route:\r\n <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n"
            "v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n"
            " SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239\r\n"
            "m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n"
            "      newvalue ;\r\n  secondparam ; q = 0.33\r\n\r\n" + SDP).encode()


def intmeth(c):
    """RFC 4475 3.1.1.2: a method name made of every token character: 501."""
    m = "!interesting-Method0123456789_*+`.%indeed'~"
    return req(c, m, "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,"
               "weird!*pas$wo~d_too.(doesn't-it)@example.com", "extensionHeader-!.%*+_`'~: x",
               cseq=f"139122385 {m}")


def options_folded(c):
    """Line folding and unusual whitespace in an otherwise plain OPTIONS."""
    return ("OPTIONS sip:demo SIP/2.0\r\n"
            f"{c.via}\r\nMax-Forwards:\t70\r\n"
            f"From:\r\n  <sip:{c.number}@demo>\r\n ;tag=fold1\r\n"
            f"To   :    <sip:{c.number}@demo>\r\n"
            f"Call-ID:{c.callid}\r\nCSeq:   1\r\n\t OPTIONS\r\n"
            "Subject: a subject\r\n  folded over\r\n\tthree lines\r\n"
            "Content-Length: 0\r\n\r\n").encode()


def options_compact(c):
    """RFC 4475 3.1.1.4 lwsdisp and compact header forms (v, f, t, i, l)."""
    return (f"OPTIONS sip:demo SIP/2.0\r\nv: SIP/2.0/{c.tp} {c.raw.host}:{c.raw.port};rport;"
            f"branch=z9hG4bK{uuid.uuid4().hex}\r\nf: caller<sip:{c.number}@demo>;tag=323\r\n"
            f"t: sip:{c.number}@demo\r\ni: {c.callid}\r\nMax-Forwards: 70\r\n"
            "CSeq: 60 OPTIONS\r\nl: 0\r\n\r\n").encode()


def options_multi_via(c):
    """Several Vias, in separate headers and comma-separated, unknown transports
    (RFC 4475 3.1.1.11 transports): 200, with the Vias echoed in order."""
    return req(c, "OPTIONS", "sip:demo",
               "Via: SIP/2.0/SCTP t1.example.com;branch=z9hG4bKkdjuw, "
               "SIP/2.0/TLS t2.example.com;branch=z9hG4bKklasjdhf",
               "Via: SIP/2.0/UNKNOWN t3.example.com;branch=z9hG4bK2980unddj")


def options_escaped(c):
    """RFC 4475 3.1.1.10 semiuri / 3.1.1.5 escaped URIs: 200."""
    return req(c, "OPTIONS", "sip:user;par=u%40example.net@example.com",
               to="To: <sip:sips%3Auser%40example.com@demo>")


def options_unknown_headers(c):
    return req(c, "OPTIONS", "sip:demo", "X-Unknown: ;;,,;;,;", "NewFangledHeader: x",
               "extensionHeader-!.%*+_`'~: \u5927\u505c\u96fb", "Accept: application/sdp")


def options_long_values(c):
    """RFC 4475 3.1.1.7 longreq: long header values, a long tag and branch, many
    Route entries (kept under 8 KB: the size a UDP datagram certainly holds)."""
    return req(c, "OPTIONS", "sip:demo", "X-Long: " + "x" * 3000,
               "Route: " + ", ".join(f"<sip:host{i}.example.com;lr>" for i in range(40)),
               frm=f"From: <sip:{c.number}@demo>;tag={'t' * 300}")


def options_cseq_max(c):
    """CSeq numbers up to 2**31 - 1 are valid (RFC 3261 8.1.1.5)."""
    return req(c, "OPTIONS", "sip:demo", cseq="2147483647 OPTIONS")


def options_unknown_scheme(c):
    """RFC 4475 3.3.? unksm / RFC 3261 8.2.2.1: a Request-URI scheme we do not know
    must get 416 Unsupported URI Scheme."""
    return req(c, "OPTIONS", "nobodyKnowsThisScheme:totallyopaquecontent")


def options_require(c):
    """RFC 4475 3.3.? bext01 / RFC 3261 8.2.2.3: a Require we do not support must get
    420 Bad Extension listing it in Unsupported."""
    return req(c, "OPTIONS", "sip:demo", "Require: nothingSupportsThis, nothingSupportsThisEither")


def options_require_timer_and_unknown(c):
    """RFC 3261 8.2.2.3: Unsupported lists only the tags we lack ("timer",
    RFC 4028, we support)."""
    return req(c, "OPTIONS", "sip:demo", "Require: timer", "Require: nothingSupportsThis")


def options_require_timer(c):
    """Require: timer alone is fine (RFC 4028 session timers)."""
    return req(c, "OPTIONS", "sip:demo", "Require: timer")


def register_escaped(c):
    """RFC 4475 3.1.1.6 escnull: REGISTER with %00 in URIs: a challenge or refusal."""
    return req(c, "REGISTER", "sip:demo", "Contact: <sip:%00@host5.example.com>",
               "Contact: <sip:%00%00@host5.example.com>", "Expires: 300",
               to=f"To: <sip:{c.number}@demo>")


def register_unknown_user(c):
    return req(c, "REGISTER", "sip:demo", f"Contact: <sip:nobody@{c.raw.host}:{c.raw.port}>",
               to="To: <sip:nobody9@demo>", frm="From: <sip:nobody9@demo>;tag=x1")


def register_huge_expires(c):
    """RFC 4475 3.1.2.? scalar02: Expires far beyond 2**32 - 1 (a challenge, 400, or a
    200 with the value clamped, never silence)."""
    return req(c, "REGISTER", "sip:demo", f"Contact: <sip:{c.number}@{c.raw.host}:{c.raw.port}>"
               ";expires=280297596632815", "Expires: 1" + "0" * 30)


def invite_escaped(c):
    """RFC 4475 3.1.1.5 esc01: escaped characters in the Request-URI user."""
    return req(c, "INVITE", "sip:sips%3Auser%40example.com@demo", f"Contact: <sip:{c.number}@"
               f"{c.raw.host}:{c.raw.port}>", body=SDP, ctype="application/sdp")


def invite_unknown_content(c):
    """RFC 4475 3.1.1.? invut: an unknown body type: 415 (or a challenge first)."""
    return req(c, "INVITE", "sip:demo", f"Contact: <sip:{c.number}@{c.raw.host}:{c.raw.port}>",
               body="<audio> <pcmu port=\"443\"/> </audio>\r\n", ctype="application/unknownformat")


def unknown_method(c):
    return req(c, "FOO", "sip:demo")


def escaped_method(c):
    """RFC 4475 3.1.1.6 esc02: RE%47IST%45R is not REGISTER, just an unknown method."""
    return req(c, "RE%47IST%45R", "sip:demo", cseq="1 RE%47IST%45R")


def message_multipart(c):
    """RFC 4475 3.1.1.12 mpart01 (as MESSAGE, which we do not serve: 405 / 501)."""
    body = ("--7a9cbec02ceef655\r\nContent-Type: text/plain\r\n\r\nHello\r\n"
            "--7a9cbec02ceef655\r\nContent-Type: application/sdp\r\n\r\n" + SDP +
            "--7a9cbec02ceef655--\r\n")
    return req(c, "MESSAGE", "sip:demo", body=body,
               ctype="multipart/mixed;boundary=7a9cbec02ceef655")


def bye_no_dialog(c):
    return req(c, "BYE", f"sip:{c.number}@127.0.0.1", to=f"To: <sip:{c.number}@demo>;tag=nodlg")


def cancel_no_transaction(c):
    return req(c, "CANCEL", "sip:demo")


def dblreq(c):
    """RFC 4475 3.1.1.8 dblreq: a REGISTER followed by an INVITE in one datagram; the
    REGISTER is answered (on UDP the rest is ignored)."""
    return register_unknown_user(c) + req(c, "INVITE", "sip:demo", body=SDP,
                                          ctype="application/sdp", cseq="1 INVITE")


VALID = [
    ("wsinv", wsinv, {481, 401, 403, 404, 407}),
    ("intmeth", intmeth, {501, 405}),
    ("options_folded", options_folded, {200}),
    ("options_compact_lwsdisp", options_compact, {200}),
    ("options_multi_via", options_multi_via, {200}),
    ("options_escaped_uri", options_escaped, {200}),
    ("options_unknown_headers", options_unknown_headers, {200}),
    ("options_long_values", options_long_values, {200}),
    ("options_cseq_max", options_cseq_max, {200}),
    ("options_unknown_scheme", options_unknown_scheme, {416}),
    ("options_require_unsupported", options_require, {420}),
    ("options_require_timer_and_unknown", options_require_timer_and_unknown, {420}),
    ("options_require_timer", options_require_timer, {200}),
    ("register_escaped_null", register_escaped, {400, 401, 403, 404}),
    ("register_unknown_user", register_unknown_user, {404, 403}),
    ("register_huge_expires", register_huge_expires, {400, 401, 403}),
    ("invite_escaped_ruri", invite_escaped, {401, 403, 404, 407}),
    ("invite_unknown_content", invite_unknown_content, {401, 403, 404, 407, 415}),
    ("unknown_method_FOO", unknown_method, {501, 405}),
    ("escaped_method", escaped_method, {501, 405}),
    ("message_multipart", message_multipart, {405, 501}),
    ("bye_without_dialog", bye_no_dialog, {481}),
    ("cancel_without_transaction", cancel_no_transaction, {481}),
    ("dblreq", dblreq, {404, 403}),
]


# --- invalid messages: a 4xx/5xx/6xx or nothing, never a 2xx
def drop(c, *names, **kw):
    return req(c, "OPTIONS", "sip:demo", omit=names, **kw)


INVALID = [
    ("missing_via", lambda c: drop(c, "via")),
    ("missing_to", lambda c: drop(c, "to")),
    ("missing_from", lambda c: drop(c, "from")),
    ("missing_call_id", lambda c: drop(c, "call-id")),
    ("missing_cseq", lambda c: drop(c, "cseq")),
    ("cseq_method_mismatch", lambda c: req(c, "OPTIONS", "sip:demo", cseq="1 INVITE")),
    ("cseq_not_a_number", lambda c: req(c, "OPTIONS", "sip:demo", cseq="abc OPTIONS")),
    ("cseq_too_big", lambda c: req(c, "OPTIONS", "sip:demo", cseq="4294967296 OPTIONS")),
    ("content_length_too_big", lambda c: req(c, "INVITE", "sip:demo", body=SDP,
                                             ctype="application/sdp", clen=9999)),
    ("content_length_negative", lambda c: req(c, "INVITE", "sip:demo", body=SDP,
                                              ctype="application/sdp", clen=-999)),
    ("content_length_huge", lambda c: req(c, "OPTIONS", "sip:demo", clen=99999999999999999999)),
    ("content_length_garbage", lambda c: req(c, "OPTIONS", "sip:demo", clen="12abc")),
    ("garbage_start_line", lambda c: b"\x16\x03\x01\x00\xa5\x01\x00\x00 hello there\r\n\r\n"),
    ("http_request", lambda c: b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("bad_version", lambda c: req(c, "OPTIONS", "sip:demo").replace(b"SIP/2.0\r\n", b"SIP/7.0\r\n", 1)),
    ("lws_in_ruri", lambda c: req(c, "INVITE", "sip:user@example.com; lr")),
    ("bad_via", lambda c: req(c, "OPTIONS", "sip:demo", via="Via: SIP/2.0/UDP ;;,;,,")),
    ("bad_display_name", lambda c: req(c, "OPTIONS", "sip:demo",
                                       frm="From: Bell, Alexander <sip:a.g.bell@example.com>;tag=43")),
    ("truncated", lambda c: req(c, "INVITE", "sip:demo", body=SDP, ctype="application/sdp")[:150]),
    ("nul_bytes", lambda c: req(c, "OPTIONS", "sip:demo").replace(b"Max-Forwards: 70",
                                                                  b"Max-Forwards: 7\x000\x00\x00")),
    ("only_nuls", lambda c: b"\x00" * 512),
    ("bad_authorization", lambda c: req(c, "REGISTER", "sip:demo", 'Authorization: Digest ,,,="',
                                        f"Contact: <sip:{c.number}@{c.raw.host}:{c.raw.port}>")),
]


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def number(admin):
    for n in range(20):
        num = str(770000 + (uuid.uuid4().int % 29999))
        r = admin.post("/api/v1/extensions", json={"number": num, "password": "t0rture-pass"})
        if r.status_code == 201:
            return num
    raise AssertionError(f"cannot create an extension: {r.status_code} {r.text}")


def assert_serving(daemon, transport, number, after):
    """An OPTIONS still gets 200 with Allow, over the same transport."""
    raw = Raw(daemon.sip_port, transport)
    try:
        raw.send(options_unknown_headers(Ctx(raw, number)))
        m = raw.final(ANSWER)
    finally:
        raw.close()
    assert m is not None, f"the daemon no longer answers OPTIONS over {transport} after {after}"
    assert m["status"] == 200, f"OPTIONS after {after}: {m['start']}"
    allow = ",".join(m["headers"].get("allow", []))
    assert allow, f"OPTIONS 200 without Allow after {after}:\n{m['raw']}"
    for meth in ("INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER"):
        assert meth in allow, f"Allow lacks {meth}: {allow!r}"


def exchange(daemon, transport, number, build, timeout):
    raw = Raw(daemon.sip_port, transport)
    try:
        c = Ctx(raw, number)
        data = build(c)
        raw.send(data)
        return c, data, raw.final(timeout)
    finally:
        raw.close()


# --------------------------------------------------------------------------- tests

@pytest.mark.parametrize("transport", ["udp", "tcp"])
@pytest.mark.parametrize("name,build,codes", VALID, ids=[v[0] for v in VALID])
def test_valid_torture_message_is_answered(daemon, number, transport, name, build, codes):
    c, data, m = exchange(daemon, transport, number, build, ANSWER)
    assert m is not None, f"{name} over {transport}: no answer (silence) to\n{data[:600]!r}"
    assert m["status"] in codes, \
        f"{name} over {transport}: got {m['start']!r}, want one of {sorted(codes)}\n{m['raw'][:800]}"
    assert c.callid in ",".join(m["headers"].get("call-id", []) + m["headers"].get("i", [])) \
        or name == "wsinv", f"{name}: answer for another Call-ID\n{m['raw'][:600]}"
    if name == "options_multi_via":
        vias = ",".join(m["headers"].get("via", []) + m["headers"].get("v", []))
        order = [vias.find(s) for s in ("z9hG4bK" + c.via.split("z9hG4bK")[1], "t1.example.com",
                                        "t2.example.com", "t3.example.com")]
        assert -1 not in order and order == sorted(order), \
            f"the Vias are not echoed in order (RFC 3261 8.2.6.2):\n{m['raw'][:800]}"
    if name == "options_require_unsupported":
        assert "nothingSupportsThis" in ",".join(m["headers"].get("unsupported", [])), \
            f"420 without Unsupported: nothingSupportsThis\n{m['raw'][:600]}"
    if name == "options_require_timer_and_unknown":
        unsupported = ",".join(m["headers"].get("unsupported", []))
        assert "nothingSupportsThis" in unsupported and "timer" not in unsupported, \
            f"420 must list only the unknown tag\n{m['raw'][:600]}"
    if m["status"] == 200 and data.startswith(b"OPTIONS"):
        assert m["headers"].get("allow"), f"OPTIONS 200 without Allow\n{m['raw'][:600]}"
    assert_serving(daemon, transport, number, name)


@pytest.mark.parametrize("transport", ["udp", "tcp"])
@pytest.mark.parametrize("name,build", INVALID, ids=[v[0] for v in INVALID])
def test_invalid_message_is_rejected_or_dropped(daemon, number, transport, name, build):
    c, data, m = exchange(daemon, transport, number, build, SILENCE)
    if m is not None:
        assert m["status"] >= 400, \
            f"{name} over {transport} was accepted: {m['start']!r}\n{m['raw'][:800]}"
    assert_serving(daemon, transport, number, name)


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_oversized_message(daemon, number, transport):
    """A ~64 KB request (UDP: as big as a datagram gets; TCP: 64 KB and then 1 MB of
    headers). SIP sets no size limit, so 200, 513 or a drop are all correct; the
    daemon must keep serving."""
    sizes = [64000] if transport == "udp" else [64000, 1 << 20]
    for size in sizes:
        def build(c, size=size):
            return req(c, "OPTIONS", "sip:demo", "X-Pad: " + "a" * (size - 600))
        _, _, m = exchange(daemon, transport, number, build, SILENCE)
        if m is not None:
            assert m["status"] in (200, 413, 513) or m["status"] >= 400, m["start"]
        assert_serving(daemon, transport, number, f"a {size}-byte message")


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_responses_and_acks_get_no_answer(daemon, number, transport):
    """A stray response and a stray ACK must never be answered (RFC 3261 8.2, 17.2)."""
    stray_response = lambda c: (  # noqa: E731
        f"SIP/2.0 200 OK\r\n{c.via}\r\nFrom: <sip:a@demo>;tag=1\r\nTo: <sip:b@demo>;tag=2\r\n"
        f"Call-ID: {c.callid}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n").encode()
    for name, build in (("stray 200", stray_response),
                        ("stray ACK", lambda c: req(c, "ACK", "sip:demo", cseq="1 ACK"))):
        _, _, m = exchange(daemon, transport, number, build, SILENCE)
        assert m is None, f"{name} over {transport} was answered: {m['start']!r}"
        assert_serving(daemon, transport, number, name)


def test_tcp_pipelined_requests_each_answered(daemon, number):
    """Three OPTIONS in one TCP segment, then one split across segments: four 200s."""
    raw = Raw(daemon.sip_port, "tcp")
    try:
        msgs = [options_unknown_headers(Ctx(raw, number)) for _ in range(4)]
        raw.send(b"".join(msgs[:3]))
        half = len(msgs[3]) // 2
        raw.send(msgs[3][:half])
        time.sleep(0.3)
        raw.send(msgs[3][half:])
        got = [raw.final(ANSWER) for _ in range(4)]
    finally:
        raw.close()
    assert all(g is not None and g["status"] == 200 for g in got), \
        [g and g["start"] for g in got]


def test_flood_of_garbage_then_still_serving(daemon, number):
    """2,000 datagrams of mutated requests from one address in a burst."""
    import random
    rnd = random.Random(4475)
    raw = Raw(daemon.sip_port, "udp")
    base = [b(Ctx(raw, number)) for _, b, _ in VALID] + [b(Ctx(raw, number)) for _, b in INVALID]
    try:
        for i in range(2000):
            d = bytearray(rnd.choice(base))
            for _ in range(rnd.randint(1, 8)):
                if d:
                    d[rnd.randrange(len(d))] = rnd.randrange(256)
            if rnd.random() < 0.3:
                d = d[:rnd.randrange(len(d) + 1)]
            raw.send(bytes(d))
            if i % 200 == 0:
                time.sleep(0.01)
    finally:
        raw.close()
    time.sleep(0.5)
    assert_serving(daemon, "udp", number, "a flood of mutated datagrams")
    assert_serving(daemon, "tcp", number, "a flood of mutated datagrams")
