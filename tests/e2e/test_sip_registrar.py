"""SIP registrar end to end: extensions made through the API register over UDP/TCP with
a hand-written minimal UAC (exact control over every header), with sipp and with baresip.

Each SIP client binds its own loopback source address, so the registrar's per-address
failure guard never mixes tests up.
"""
import hashlib
import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from e2e_helpers import expect, next_source_ip, uniq

SIPP_DIR = Path(__file__).resolve().parent / "sipp"






class SipUdp:
    """A minimal SIP UAC over UDP (or TCP) for REGISTER tests."""
    def __init__(self, port, src_ip="127.0.0.1", tcp=False, host="127.0.0.1"):
        self.tcp = tcp
        self.server = (host, port)
        if tcp:
            self.sock = socket.create_connection(self.server, timeout=5, source_address=(src_ip, 0))
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind((src_ip, 0))
            self.sock.settimeout(3)
        self.local = self.sock.getsockname()
        self.callid = uuid.uuid4().hex
        self.cseq = 0
        self.buf = b""

    def close(self):
        self.sock.close()

    def send_raw(self, text):
        data = text.replace("\n", "\r\n").encode() if "\r\n" not in text else text.encode()
        if self.tcp:
            self.sock.sendall(data)
        else:
            self.sock.sendto(data, self.server)

    def recv(self, timeout=3):
        self.sock.settimeout(timeout)
        if not self.tcp:
            while True:
                data, _ = self.sock.recvfrom(65535)
                msg = parse(data.decode(errors="replace"))
                if msg["status"] is not None:
                    return msg
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65535)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        msg = parse(head.decode(errors="replace") + "\r\n\r\n")
        n = int(msg["headers"].get("content-length", ["0"])[0])
        self.buf = rest[n:]
        return msg

    def register(self, user, domain, expires=3600, auth=None, contact=None, extra="", transport=None):
        self.cseq += 1
        tp = transport or ("TCP" if self.tcp else "UDP")
        host, port = self.local
        contact = contact if contact is not None else f"<sip:{user}@{host}:{port};transport={tp.lower()}>"
        lines = [f"REGISTER sip:{domain} SIP/2.0",
                 f"Via: SIP/2.0/{tp} {host}:{port};branch=z9hG4bK{uuid.uuid4().hex};rport",
                 "Max-Forwards: 70",
                 f"From: <sip:{user}@{domain}>;tag={uuid.uuid4().hex[:8]}",
                 f"To: <sip:{user}@{domain}>",
                 f"Call-ID: {self.callid}",
                 f"CSeq: {self.cseq} REGISTER"]
        if contact:
            lines.append(f"Contact: {contact}")
        if expires is not None:
            lines.append(f"Expires: {expires}")
        if auth:
            lines.append(auth)
        if extra:
            lines.append(extra)
        lines.append("Content-Length: 0")
        self.send_raw("\r\n".join(lines) + "\r\n\r\n")
        return self.recv()

    def register_auth(self, user, domain, password, expires=3600, alg="SHA-256", **kw):
        r = self.register(user, domain, expires, **kw)
        if r["status"] != 401:
            return r, None
        ch = pick_challenge(r, alg)
        return self.register(user, domain, expires,
                             auth=authorization(ch, user, password, "REGISTER", f"sip:{domain}"), **kw), r


def parse(text):
    head = text.split("\r\n\r\n", 1)[0]
    lines = head.split("\r\n")
    m = re.match(r"SIP/2.0 (\d{3}) ?(.*)", lines[0])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers.setdefault(k.strip().lower(), []).append(v.strip())
    return {"status": int(m.group(1)) if m else None, "reason": m.group(2) if m else None,
            "headers": headers, "text": text}


def parse_challenge(value):
    assert value.lower().startswith("digest ")
    return dict((k.lower(), v1 or v2) for k, v1, v2 in
                re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]+))', value[7:]))


def pick_challenge(resp, alg="SHA-256"):
    for v in resp["headers"].get("www-authenticate", []) + resp["headers"].get("proxy-authenticate", []):
        c = parse_challenge(v)
        if c.get("algorithm", "MD5").upper() == alg.upper():
            return c
    raise AssertionError(f"no {alg} challenge in {resp['text']}")


def H(alg, s):
    return (hashlib.sha256 if alg.upper() == "SHA-256" else hashlib.md5)(s.encode()).hexdigest()


def authorization(ch, user, password, method, uri, header="Authorization", nc="00000001"):
    alg = ch.get("algorithm", "MD5")
    cnonce = os.urandom(8).hex()
    ha1 = H(alg, f"{user}:{ch['realm']}:{password}")
    ha2 = H(alg, f"{method}:{uri}")
    resp = H(alg, f"{ha1}:{ch['nonce']}:{nc}:{cnonce}:auth:{ha2}")
    return (f'{header}: Digest username="{user}", realm="{ch["realm"]}", nonce="{ch["nonce"]}", '
            f'uri="{uri}", response="{resp}", algorithm={alg}, cnonce="{cnonce}", qop=auth, nc={nc}')


# --------------------------------------------------------------------------- helpers

def number():
    return str(int.from_bytes(os.urandom(4), "big") % 90000000 + 10000000)


def make_ext(admin, daemon=None, **fields):
    # these tests speak both digest algorithms (RFC 8760); the product's
    # default is MD5 only (see test_default_challenge_is_md5_only)
    body = {"number": number(), "password": "Secret-" + uniq("p"),
            "auth_algorithms": ["SHA-256", "MD5"]}
    body.update(fields)
    ext = expect(admin.post("/api/v1/extensions", json=body), 201)
    if daemon is not None:
        wait_directory(daemon, ext)
    return ext


def wait_directory(daemon, ext, until=lambda st: st != 404):
    """The directory reloads in the background after a change: probe (from a throwaway
    address) until the registrar sees the extension as wanted."""
    deadline = time.monotonic() + 10
    while True:
        c = SipUdp(daemon.sip_port, src_ip=next_source_ip(), tcp="udp" not in ext.get("transports", ["udp"]))
        try:
            st = c.register(ext["number"], "demo")["status"]
        finally:
            c.close()
        if until(st) or time.monotonic() > deadline:
            return st
        time.sleep(0.05)


def uac(daemon, tcp=False):
    return SipUdp(daemon.sip_port, src_ip=next_source_ip(), tcp=tcp)


def registrations(admin, ext):
    return expect(admin.get("/api/v1/registrations", params={"extension_id": ext["id"]}), 200)


def wait_for(fn, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(0.1)


def ext_state(admin, ext):
    return expect(admin.get(f"/api/v1/extensions/{ext['id']}"), 200)


# --------------------------------------------------------------------------- raw UAC

@pytest.mark.parametrize("alg", ["SHA-256", "MD5"])
def test_register_good(daemon, admin, alg):
    ext = make_ext(admin, daemon)
    c = uac(daemon)
    first = c.register(ext["number"], "demo")
    assert first["status"] == 401
    algs = [parse_challenge(v).get("algorithm") for v in first["headers"]["www-authenticate"]]
    assert algs == ["SHA-256", "MD5"], first["text"]
    for v in first["headers"]["www-authenticate"]:
        ch = parse_challenge(v)
        assert ch["realm"] == "demo" and ch["qop"] == "auth"
    r, _ = c.register_auth(ext["number"], "demo", ext["password"], alg=alg, expires=300)
    assert r["status"] == 200, r["text"]
    contacts = r["headers"]["contact"]
    assert len(contacts) == 1 and ";expires=" in contacts[0]
    assert 295 <= int(contacts[0].rsplit("=", 1)[1]) <= 300
    rows = wait_for(lambda: registrations(admin, ext)["items"])
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["number"] == ext["number"] and row["transport"] == "udp"
    assert row["source"] == f"{c.local[0]}:{c.local[1]}"
    st = ext_state(admin, ext)
    assert st["registered"] is True and st["contacts"] == 1
    listed = expect(admin.get("/api/v1/extensions", params={"registered": "true", "q": ext["number"]}), 200)
    assert [e["id"] for e in listed["items"]] == [ext["id"]]
    # unregister with Expires: 0
    r, _ = c.register_auth(ext["number"], "demo", ext["password"], expires=0)
    assert r["status"] == 200 and "contact" not in r["headers"], r["text"]
    assert wait_for(lambda: not registrations(admin, ext)["items"])
    assert ext_state(admin, ext)["registered"] is False
    c.close()


def test_default_challenge_is_md5_only(daemon, admin):
    body = {"number": number(), "password": "Secret-" + uniq("p")}
    ext = expect(admin.post("/api/v1/extensions", json=body), 201)
    assert ext["auth_algorithms"] == ["MD5"]
    wait_directory(daemon, ext)
    first = uac(daemon).register(ext["number"], "demo")
    assert first["status"] == 401
    algs = [parse_challenge(v).get("algorithm") for v in first["headers"]["www-authenticate"]]
    assert algs == ["MD5"], first["text"]


def test_register_over_tcp_and_wildcard_unregister(daemon, admin):
    ext = make_ext(admin, daemon, max_contacts=2)
    c = uac(daemon, tcp=True)
    r, _ = c.register_auth(ext["number"], "demo", ext["password"])
    assert r["status"] == 200, r["text"]
    rows = wait_for(lambda: registrations(admin, ext)["items"])
    assert rows[0]["transport"] == "tcp"
    # max_contacts: a third device replaces the oldest
    u = uac(daemon)
    for i in range(2):
        r, _ = u.register_auth(ext["number"], "demo", ext["password"],
                               contact=f"<sip:{ext['number']}@10.9.9.{i + 1}:5060>")
        assert r["status"] == 200, r["text"]
    assert len(r["headers"]["contact"]) == 2
    rows = wait_for(lambda: len(registrations(admin, ext)["items"]) == 2 and registrations(admin, ext)["items"])
    assert all("10.9.9." in x["contact"] for x in rows), rows
    # NAT: the contact says 10.9.9.x, the source is what the registrar keeps
    assert all(x["source"].startswith(u.local[0] + ":") for x in rows)
    r, _ = u.register_auth(ext["number"], "demo", ext["password"], expires=0, contact="*")
    assert r["status"] == 200 and "contact" not in r["headers"]
    assert wait_for(lambda: not registrations(admin, ext)["items"])
    c.close()
    u.close()


def test_bad_password_then_403(daemon, admin):
    ext = make_ext(admin, daemon)
    c = uac(daemon)
    statuses = [c.register_auth(ext["number"], "demo", "wrong-password")[0]["status"] for _ in range(3)]
    assert statuses == [401, 401, 403], statuses
    assert registrations(admin, ext)["items"] == []


def test_unknown_extension_and_disabled(daemon, admin):
    c = uac(daemon)
    assert c.register("99999999", "demo")["status"] == 404
    ext = make_ext(admin, daemon, enabled=False)
    r = uac(daemon).register(ext["number"], "demo")
    assert r["status"] == 403, r["text"]


def test_expiry_limits(daemon, admin):
    ext = make_ext(admin, daemon)
    c = uac(daemon)
    r, _ = c.register_auth(ext["number"], "demo", ext["password"], expires=30)
    assert r["status"] == 423 and r["headers"]["min-expires"] == ["60"], r["text"]
    r, _ = c.register_auth(ext["number"], "demo", ext["password"], expires=99999)
    assert r["status"] == 200
    assert int(r["headers"]["contact"][0].rsplit("=", 1)[1]) <= 3600


def test_source_not_allowed(daemon, admin):
    ext = make_ext(admin, daemon, allowed_cidrs=["10.0.0.0/8"])
    r = uac(daemon).register(ext["number"], "demo")
    assert r["status"] == 403 and "Source" in r["reason"], r["text"]
    expect(admin.patch(f"/api/v1/extensions/{ext['id']}", json={"allowed_cidrs": ["127.0.0.0/8"]}), 200)
    wait_directory(daemon, ext, lambda st: st == 401)
    r = uac(daemon).register(ext["number"], "demo")
    assert r["status"] == 401, r["text"]


def test_transport_not_allowed(daemon, admin):
    ext = make_ext(admin, daemon, transports=["tcp"])
    r = uac(daemon).register(ext["number"], "demo")
    assert r["status"] == 403 and "Transport" in r["reason"], r["text"]
    c = uac(daemon, tcp=True)
    r, _ = c.register_auth(ext["number"], "demo", ext["password"])
    assert r["status"] == 200, r["text"]
    c.close()


def test_brute_force_block(daemon, admin):
    ext = make_ext(admin, daemon)
    c = uac(daemon)
    for _ in range(10):
        try:
            c.register_auth(ext["number"], "demo", "guess-" + uniq())
        except socket.timeout:
            break
    # now blocked: not even the right password gets an answer
    with pytest.raises(socket.timeout):
        c.register(ext["number"], "demo")
    assert "blocking" in daemon.stderr_text()
    # other addresses are not affected
    r, _ = uac(daemon).register_auth(ext["number"], "demo", ext["password"])
    assert r["status"] == 200


MALFORMED = [
    # missing To
    "REGISTER sip:demo SIP/2.0\r\nVia: SIP/2.0/UDP {h}:{p};branch=z9hG4bKa1;rport\r\n"
    "From: <sip:1001@demo>;tag=1\r\nCall-ID: x1\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n",
    # missing Call-ID
    "REGISTER sip:demo SIP/2.0\r\nVia: SIP/2.0/UDP {h}:{p};branch=z9hG4bKa2;rport\r\n"
    "From: <sip:1001@demo>;tag=1\r\nTo: <sip:1001@demo>\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n",
    # missing From
    "REGISTER sip:demo SIP/2.0\r\nVia: SIP/2.0/UDP {h}:{p};branch=z9hG4bKa3;rport\r\n"
    "To: <sip:1001@demo>\r\nCall-ID: x3\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n",
]


def test_malformed_register(daemon, admin):
    ext = make_ext(admin, daemon)
    c = uac(daemon)
    h, p = c.local
    for text in MALFORMED:
        c.send_raw(text.format(h=h, p=p))
        try:
            r = c.recv(2)
            assert r["status"] == 400, r["text"]
        except socket.timeout:
            pass  # dropped by the parser: also fine, as long as the daemon lives
    # garbage Contact after authentication
    r, _ = c.register_auth(ext["number"], "demo", ext["password"], contact="<garbage>")
    assert r["status"] == 400, r["text"]
    r, _ = c.register_auth(ext["number"], "demo", ext["password"], contact="<sip:x@h>;expires=abc")
    assert r["status"] == 400, r["text"]
    r = c.register(ext["number"], "demo", auth='Authorization: Digest username="x", realm=')
    assert r["status"] == 400, r["text"]
    # still serving
    r, _ = uac(daemon).register_auth(ext["number"], "demo", ext["password"])
    assert r["status"] == 200
    assert daemon.alive()


def test_stale_nonce(daemon, admin):
    ext = make_ext(admin, daemon)
    c = uac(daemon)
    ch = pick_challenge(c.register(ext["number"], "demo"))
    # a nonce whose MAC is wrong is simply challenged again, never accepted
    forged = dict(ch, nonce="0000000001" + "0" * 32)
    r = c.register(ext["number"], "demo",
                   auth=authorization(forged, ext["number"], ext["password"], "REGISTER", "sip:demo"))
    assert r["status"] == 401 and "stale" not in r["text"]


# --------------------------------------------------------------------------- real peers

@pytest.mark.skipif(not shutil.which("sipp"), reason="sipp (sip-tester) not installed")
def test_sipp_register(daemon, admin, tmp_path):
    # sipp only speaks MD5 digest and gives up on a SHA-256 challenge, hence the setting
    ext = make_ext(admin, daemon, auth_algorithms=["MD5"])
    cmd = ["sipp", "-sf", str(SIPP_DIR / "register_auth.xml"), "-s", ext["number"],
           "-au", ext["number"], "-ap", ext["password"], "-set", "domain", "demo",
           "-m", "1", "-i", next_source_ip(), "-p", "0", "-nostdin", "-timeout", "15",
           "-timeout_error", "-trace_err", f"127.0.0.1:{daemon.sip_port}"]
    r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    errors = "".join(p.read_text() for p in tmp_path.glob("*errors*"))
    assert r.returncode == 0, f"sipp failed {r.returncode}: {errors}\n{r.stdout[-1500:]}"


@pytest.mark.skipif(not shutil.which("sipp"), reason="sipp (sip-tester) not installed")
def test_sipp_unknown_extension(daemon, tmp_path):
    cmd = ["sipp", "-sf", str(SIPP_DIR / "register_unknown.xml"), "-s", "77777777",
           "-set", "domain", "demo", "-m", "1", "-i", next_source_ip(), "-p", "0",
           "-nostdin", "-timeout", "15", "-timeout_error", "-trace_err",
           f"127.0.0.1:{daemon.sip_port}"]
    r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    errors = "".join(p.read_text() for p in tmp_path.glob("*errors*"))
    assert r.returncode == 0, f"sipp failed {r.returncode}: {errors}"


@pytest.mark.skipif(not shutil.which("baresip"), reason="baresip not installed")
def test_baresip_register(daemon, admin, tmp_path):
    # baresip 1.0 (libre 1.1) fails on any SHA-256 challenge, even after an MD5 one
    ext = make_ext(admin, daemon, auth_algorithms=["MD5"], display_name="Baresip")
    conf = tmp_path / "baresip"
    conf.mkdir()
    (conf / "config").write_text(
        "module_path /usr/lib/baresip/modules\n"
        f"sip_listen {next_source_ip()}:0\n"
        "audio_player aufile,/dev/null\naudio_source ausine,440\n"
        "module g711.so\nmodule ausine.so\nmodule aufile.so\n"
        "module_app account.so\nmodule_app menu.so\n")
    (conf / "accounts").write_text(
        f"<sip:{ext['number']}@demo;transport=udp>;auth_pass={ext['password']};"
        f"outbound=\"sip:127.0.0.1:{daemon.sip_port};transport=udp\";regint=300\n")
    proc = subprocess.Popen(["baresip", "-f", str(conf), "-t", "15"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    rows = wait_for(lambda: registrations(admin, ext)["items"], timeout=10)
    registered = ext_state(admin, ext)["registered"]
    proc.terminate()
    out = proc.communicate(timeout=20)[0]
    assert rows and rows[0]["user_agent"].startswith("baresip"), (rows, out)
    assert registered is True
    assert "200 OK" in out, out
    # baresip unregisters on the way out
    assert wait_for(lambda: not registrations(admin, ext)["items"], timeout=10), out


def test_extension_is_known_to_sip_when_the_api_answers(daemon, admin):
    # the 201 is sent once the SIP directory holds the new extension, so a
    # phone may register at once (repeat to catch a race)
    for _ in range(10):
        body = {"number": number(), "password": "Secret-" + uniq("p")}
        ext = expect(admin.post("/api/v1/extensions", json=body), 201)
        first = uac(daemon).register(ext["number"], "demo")
        assert first["status"] == 401, first["text"]
