"""Real SIP peers for the end-to-end tests: baresip (audio through files)
and sipp (scenarios under tests/e2e/sipp/), plus tone analysis of WAV files.
Every peer listens on loopback only and is stopped by the test that made it."""
import math
import os
import pathlib
import shutil
import signal
import struct
import subprocess
import time
import wave

from e2e_helpers import free_sip_port



def tone_power(path, freqs, start=0.0, end=None, window=0.1):
    """Relative power of each frequency in a WAV file (0..0.5: 0.5 is a pure
    tone), or in its part from `start` to `end` seconds. Goertzel over
    `window`-second pieces whose powers add up: a tone cut by gaps or phase
    jumps (packets late under load, a jitter buffer refilling) still counts
    in full in each piece it fills, and silent pieces weigh nothing."""
    with wave.open(str(path)) as w:
        n, ch, rate = w.getnframes(), w.getnchannels(), w.getframerate()
        w.setpos(min(int(start * rate), n))
        n = n - w.tell() if end is None else max(0, min(int((end - start) * rate),
                                                        n - w.tell()))
        data = struct.unpack("<%dh" % (n * ch), w.readframes(n))[::ch]
    total = sum(x * x for x in data)
    if not data or not total:
        return {f: 0.0 for f in freqs}
    size = max(1, int(window * rate))
    out = {}
    for f in freqs:
        k = 2 * math.cos(2 * math.pi * f / rate)
        power = 0.0
        for i in range(0, len(data), size):
            s1 = s2 = 0.0
            for x in data[i:i + size]:
                s1, s2 = x + k * s1 - s2, s1
            power += s1 * s1 + s2 * s2 - k * s1 * s2
        out[f] = power / total / min(size, len(data))
    return out


def baresip_ports():
    """A SIP port for baresip: free for UDP and TCP, and the next one free for TCP too
    (baresip's SIP over TLS listens there; a taken one makes baresip fail at start)."""
    import socket
    for _ in range(50):
        port = free_sip_port()
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            try:
                t.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair for baresip")


class Baresip:
    """One baresip user agent with a sine-tone microphone and its decoded
    audio recorded (sndfile module) under `rec`."""

    def __init__(self, workdir, name, user, password, domain, proxy_port,
                 tone_hz, codecs="PCMU", answer="auto", transport="udp"):
        self.dir = pathlib.Path(workdir) / f"baresip-{name}"
        self.rec = self.dir / "rec"
        shutil.rmtree(self.dir, ignore_errors=True)
        self.rec.mkdir(parents=True)
        self.port = baresip_ports()
        rtp = 30000 + 2 * (self.port % 5000)
        (self.dir / "config").write_text("\n".join([
            "poll_method epoll",
            f"sip_listen 127.0.0.1:{self.port}",
            "module_path /usr/lib/baresip/modules",
            "module g711.so", "module ausine.so",
            "module sndfile.so", "module aubridge.so",
            "module_app account.so", "module_app menu.so",
            f"audio_source ausine,{tone_hz}",
            "audio_player aubridge,none", "audio_alert aubridge,none",
            "ausrc_srate 48000", "auplay_srate 48000",
            "ausrc_channels 2", "auplay_channels 2",
            f"snd_path {self.rec}",
            f"rtp_ports {rtp}-{rtp + 9}",
            "sip_trans_def udp", "",
        ]))
        (self.dir / "accounts").write_text(
            f"<sip:{user}@{domain};transport={transport}>;auth_pass={password};"
            f"outbound=\"sip:127.0.0.1:{proxy_port};transport={transport}\";"
            f"regint=300;answermode={answer};audio_codecs={codecs}\n")
        self.log_path = self.dir / "baresip.log"
        self.proc = None

    def start(self, commands=(), seconds=30, ctrl=False):
        """ctrl: accept commands (see command()) on a TCP port (ctrl_tcp)."""
        if ctrl:
            self.ctrl_port = free_sip_port()
            with open(self.dir / "config", "a") as f:
                f.write(f"module ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:{self.ctrl_port}\n")
        args = ["baresip", "-f", str(self.dir), "-t", str(seconds)]
        for c in commands:
            args += ["-e", c]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, cwd=self.dir)
        return self

    def output(self):
        return self.log_path.read_text(errors="replace")

    def command(self, name, params=None):
        """Runs a baresip command (as typed without the slash) via ctrl_tcp."""
        import json
        import socket
        body = json.dumps({"command": name, "params": params or "", "token": name}).encode()
        end = time.time() + 5
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=2) as s:
                    s.sendall(b"%d:%s," % (len(body), body))
                    return s.recv(4096)
            except OSError:
                if time.time() > end:
                    raise
                time.sleep(0.1)

    def wait_for(self, text, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            if text in self.output():
                return True
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        return text in self.output()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()

    def received_audio(self):
        """The WAV of what this agent heard (decoded from the network)."""
        files = sorted(self.rec.glob("*-dec.wav"))
        return files[-1] if files else None


class Sipp:
    """sipp running one scenario file from tests/e2e/sipp/."""

    def __init__(self, workdir, scenario, target_port, keys=None, user=None,
                 password=None, port=None, transport="u1", extra=()):
        """scenario: the path of a scenario file (see write_scenario)."""
        self.port = port or free_sip_port()
        self.dir = pathlib.Path(workdir)
        name = pathlib.Path(scenario).stem
        self.log_path = self.dir / f"sipp-{name}-{self.port}.log"
        args = ["sipp", "-sf", str(scenario),
                "-i", "127.0.0.1", "-p", str(self.port), "-m", "1",
                "-t", transport, "-nostdin", "-timeout", "30s",
                "-trace_err", "-error_file", str(self.dir / f"sipp-{self.port}-err.log"),
                f"127.0.0.1:{target_port}"]
        if user:
            args += ["-au", user, "-ap", password, "-s", user]
        for k, v in (keys or {}).items():
            args += ["-key", k, str(v)]
        self.args = args + list(extra)
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, cwd=self.dir)
        return self

    def wait(self, timeout=40):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        return rc

    def errors(self):
        err = self.dir / f"sipp-{self.port}-err.log"
        return (err.read_text(errors="replace") if err.exists() else "") + \
            self.log_path.read_text(errors="replace")[-3000:]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# ---- sipp scenarios, built per test from these pieces ----
# Keywords: [service] is our user (sipp -s), [domain] and [callee]/[target]
# come from -key; [authentication] answers a digest challenge (-au/-ap).

SDP = """v=0
o=sipp 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio [auto_media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
"""

_FROM = "From: <sip:[service]@[domain]>;tag=[pid]SIPpTag00[call_number]"
_CONTACT = "Contact: <sip:[local_ip]:[local_port];transport=[transport]>"


def _scenario(name, *steps):
    return ('<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="%s">\n'
            % name) + "".join(steps) + "</scenario>\n"


def _send(lines, retrans=False, body=None):
    """A message; its Content-Length follows the body (SDP or none)."""
    tail = (["Content-Type: application/sdp", "Content-Length: [len]", "", body]
            if body else ["Content-Length: 0", ""])
    return ('  <send%s><![CDATA[\n' % (' retrans="500"' if retrans else "")
            + "\n".join(list(lines) + tail) + "\n]]></send>\n")


def _recv(what, optional=False, extra=""):
    kind = "response" if what[0].isdigit() else "request"
    return '  <recv %s="%s"%s%s/>\n' % (kind, what, ' optional="true"' if optional else "",
                                          extra)


def _respond(status, tag=False, contact=False, sdp=False, headers=()):
    """A response to the last request received (our To tag when tag)."""
    return _send(["SIP/2.0 " + status, "[last_Via:]", "[last_From:]",
                  "[last_To:]" + (";tag=[pid]SIPpTag01[call_number]" if tag else ""),
                  "[last_Call-ID:]", "[last_CSeq:]", *headers]
                 + ([_CONTACT] if contact else []), body=SDP if sdp else None)


def _pause(ms):
    return '  <pause milliseconds="%d"/>\n' % ms


def _register(cseq, auth):
    return _send(["REGISTER sip:[domain] SIP/2.0",
                  "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
                  _FROM, "Max-Forwards: 70", "To: <sip:[service]@[domain]>",
                  "Call-ID: [call_id]", "CSeq: %d REGISTER" % cseq,
                  "Contact: <sip:[service]@[local_ip]:[local_port];transport=[transport]>"]
                 + (["[authentication]"] if auth else []) + ["Expires: 300"], retrans=True)


REGISTER = _scenario("register", _register(1, False), _recv("401", extra=' auth="true"'),
                     _register(2, True), _recv("200"))


def _invite(cseq, auth, headers=()):
    return _send(["INVITE sip:[callee]@[domain] SIP/2.0",
                  "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
                  _FROM, "Max-Forwards: 70", "To: <sip:[callee]@[domain]>",
                  "Call-ID: [call_id]", "CSeq: %d INVITE" % cseq,
                  "Contact: <sip:[service]@[local_ip]:[local_port];transport=[transport]>"]
                 + list(headers) + (["[authentication]"] if auth else []),
                 retrans=True, body=SDP)


def _ack_failure(cseq):
    """ACK of a non-2xx answer: same transaction as the INVITE."""
    return _send(["ACK sip:[callee]@[domain] SIP/2.0", "[last_Via:]", _FROM,
                  "Max-Forwards: 70", "[last_To:]", "Call-ID: [call_id]",
                  "CSeq: %d ACK" % cseq])


def _in_dialog(method, cseq, headers=(), retrans=False):
    """A request of the caller inside the dialog the 200 OK set up."""
    return _send(["%s [next_url] SIP/2.0" % method,
                  "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
                  _FROM, "[last_To:]", "Call-ID: [call_id]", "CSeq: %d %s" % (cseq, method),
                  "Max-Forwards: 70", *headers], retrans=retrans)


def _invite_head(auth, headers=()):
    """The INVITE of a caller: answering the digest challenge when auth
    (an extension), or straight (a trunk, trusted by its address)."""
    if not auth:
        return _invite(1, False, headers)
    return (_invite(1, False, headers) + _recv("100", True) + _recv("407", extra=' auth="true"')
            + _ack_failure(1) + _invite(2, True, headers))


def _progress():
    return _recv("100", True) + _recv("183", True) + _recv("180", True)


def uac_expect(final, auth=True, headers=()):
    """The caller side: INVITE (with extra `headers`) and expect the final
    response `final` (e.g. 486), then ACK."""
    return _scenario("uac expect %d" % final, _invite_head(auth, headers), _progress(),
                     _recv(str(final)), _ack_failure(2 if auth else 1))


def uac_cancel(ring_ms=500):
    """The caller side: INVITE, wait for ringing, CANCEL after ring_ms,
    expect 487."""
    cancel = _send(["CANCEL sip:[callee]@[domain] SIP/2.0", "[last_Via:]", _FROM,
                    "To: <sip:[callee]@[domain]>", "Call-ID: [call_id]", "CSeq: 2 CANCEL",
                    "Max-Forwards: 70"])
    return _scenario("uac cancel", _invite_head(True), _recv("100", True), _recv("183", True),
                     _recv("180"), _pause(ring_ms), cancel, _recv("200"), _recv("487"),
                     _ack_failure(2))


def _answered(auth=True, headers=(), ok=""):
    """INVITE, 200 (ok: extra XML inside its <recv>, e.g. checks), ACK."""
    cseq = 2 if auth else 1
    ok_recv = ('  <recv response="200" rrs="true">%s</recv>\n' % ok if ok
               else _recv("200", extra=' rrs="true"'))
    return (_invite_head(auth, headers) + _progress() + ok_recv + _in_dialog("ACK", cseq))


def uac_answered_then_bye_received():
    """The caller side: INVITE with auth, 200, ACK, then wait for our BYE."""
    return _scenario("uac wait bye", _answered(), _recv("BYE"), _respond("200 OK"))


def uac_call_and_hangup(auth=True, hold_ms=1000, headers=()):
    """The caller side: INVITE (answering the digest challenge when auth;
    extra `headers`), 200, ACK, talk for hold_ms, BYE."""
    return _scenario("uac call hangup", _answered(auth, headers), _pause(hold_ms),
                     _in_dialog("BYE", 3 if auth else 2, retrans=True), _recv("200"))


def uac_call_then_refer():
    """The caller side: call (with digest), then transfer the callee blind
    to `target` (REFER) and expect 202, the NOTIFY and our BYE."""
    refer = _in_dialog("REFER", 3, ["Contact: <sip:[service]@[local_ip]:[local_port];"
                                    "transport=[transport]>",
                                    "Refer-To: <sip:[target]@[domain]>"], retrans=True)
    return _scenario("uac refer", _answered(), _pause(1000), refer, _recv("202"),
                     _recv("NOTIFY"), _respond("200 OK"), _recv("BYE"), _respond("200 OK"))


def uas_final(final):
    """The callee side: ring, then answer with `final` (e.g. 486 Busy Here)."""
    return _scenario("uas final", _recv("INVITE"), _respond("180 Ringing", True, True),
                     _pause(300), _respond(final, True), _recv("ACK"))


# The callee side that only rings (for CANCEL and no-answer tests).
UAS_RING = _scenario("uas ring", _recv("INVITE"), _respond("180 Ringing", True, True),
                     _recv("CANCEL"), _respond("200 OK"),
                     _send(["SIP/2.0 487 Request Terminated", "[last_Via:]", "[last_From:]",
                            "[last_To:];tag=[pid]SIPpTag01[call_number]", "[last_Call-ID:]",
                            "CSeq: [cseq] INVITE"]),
                     _recv("ACK"))

# The callee side that answers and waits for the BYE (sends no RTP).
UAS_ANSWER = _scenario("uas answer", _recv("INVITE"),
                       _respond("200 OK", True, True, sdp=True), _recv("ACK"), _recv("BYE"),
                       _respond("200 OK"))


def uas_answer_checking(ruri_user, from_user=None):
    """A callee (or carrier) that checks the request URI's user (and the
    From user, the caller ID, when given), answers 200 with SDP and waits
    for the BYE."""
    from_check = ('      <ereg regexp="sip:%s@" search_in="hdr" header="From:" '
                  'check_it="true" assign_to="from"/>\n' % from_user.replace("+", "\\+")
                  if from_user else "")
    check = ('  <recv request="INVITE">\n    <action>\n      <ereg regexp="^INVITE sip:%s@" '
             'search_in="msg" check_it="true" assign_to="ruri"/>\n%s    </action>\n'
             '  </recv>\n' % (ruri_user, from_check))
    return _scenario("uas answer check", check,
                     _respond("200 OK", True, True, sdp=True, headers=["X-Checked: [$ruri]"]
                              + (["X-Checked-From: [$from]"] if from_user else [])),
                     _recv("ACK"), _recv("BYE"), _respond("200 OK"))


# The callee that answers, then transfers the caller blind (REFER) to
# `target` and expects the B2BUA's 202, NOTIFY (sipfrag) and BYE.
UAS_ANSWER_REFER = _scenario(
    "uas answer refer",
    '  <recv request="INVITE">\n    <action>\n      <ereg regexp=".*" search_in="hdr" '
    'header="From:" assign_to="remote_from"/>\n    </action>\n  </recv>\n',
    _respond("200 OK", True, True, sdp=True), _recv("ACK"), _pause(1000),
    _send(["REFER sip:hotline@[remote_ip]:[remote_port] SIP/2.0",
           "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
           "From: <sip:[service]@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]",
           "To: [$remote_from]", "Call-ID: [call_id]", "CSeq: 1 REFER", _CONTACT,
           "Refer-To: <sip:[target]@[domain]>", "Referred-By: <sip:[service]@[domain]>",
           "Max-Forwards: 70"], retrans=True),
    _recv("202"), _recv("NOTIFY"), _respond("200 OK"), _recv("BYE"), _respond("200 OK"))


def write_scenario(workdir, name, text):
    path = pathlib.Path(workdir) / f"{name}.xml"
    path.write_text(text)
    return path


# The callee (or carrier) that plays early media: 183 with SDP, then 200.
UAS_EARLY_MEDIA = _scenario("uas early media", _recv("INVITE"),
                            _respond("183 Session Progress", True, True, sdp=True),
                            _pause(500), _respond("200 OK", True, True, sdp=True),
                            _recv("ACK"), _recv("BYE"), _respond("200 OK"))


def uac_expect_early_media():
    """The caller: INVITE with auth, expects a 183 that carries SDP (our
    early media), then 200, ACK and BYE."""
    early = ('  <recv response="183">\n    <action>\n      <ereg regexp="m=audio [0-9]+ '
             'RTP/AVP" search_in="body" check_it="true" assign_to="sdp"/>\n    </action>\n'
             '  </recv>\n')
    return _scenario("uac early media", _invite_head(True), _recv("100", True),
                     _recv("183", True), _recv("180", True), early,
                     _recv("200", extra=' rrs="true"'),
                     _send(["ACK [next_url] SIP/2.0",
                            "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
                            _FROM, "[last_To:]", "Call-ID: [call_id]", "CSeq: 2 ACK",
                            "Max-Forwards: 70", "X-Early: [$sdp]"]),
                     _pause(300), _in_dialog("BYE", 3, retrans=True), _recv("200"))
