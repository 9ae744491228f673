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



def tone_power(path, freqs):
    """Relative power of each frequency in a WAV file (Goertzel, 0..0.5)."""
    with wave.open(str(path)) as w:
        n, ch, rate = w.getnframes(), w.getnchannels(), w.getframerate()
        data = struct.unpack("<%dh" % (n * ch), w.readframes(n))[::ch]
    if not data:
        return {f: 0.0 for f in freqs}
    total = sum(x * x for x in data) or 1
    out = {}
    for f in freqs:
        k = 2 * math.cos(2 * math.pi * f / rate)
        s1 = s2 = 0.0
        for x in data:
            s1, s2 = x + k * s1 - s2, s1
        out[f] = (s1 * s1 + s2 * s2 - k * s1 * s2) / total / len(data)
    return out


class Baresip:
    """One baresip user agent with a sine-tone microphone and its decoded
    audio recorded (sndfile module) under `rec`."""

    def __init__(self, workdir, name, user, password, domain, proxy_port,
                 tone_hz, codecs="PCMU", answer="auto", transport="udp"):
        self.dir = pathlib.Path(workdir) / f"baresip-{name}"
        self.rec = self.dir / "rec"
        shutil.rmtree(self.dir, ignore_errors=True)
        self.rec.mkdir(parents=True)
        self.port = free_sip_port()
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


# ---- sipp scenarios, written per test from these templates ----

_HDRS = """Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@[domain]>;tag=[pid]SIPpTag00[call_number]
Max-Forwards: 70
"""

REGISTER = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register">
  <send retrans="500"><![CDATA[
REGISTER sip:[domain] SIP/2.0
""" + _HDRS + """To: <sip:[service]@[domain]>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:[service]@[local_ip]:[local_port];transport=[transport]>
Expires: 300
Content-Length: 0

]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[
REGISTER sip:[domain] SIP/2.0
""" + _HDRS + """To: <sip:[service]@[domain]>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:[service]@[local_ip]:[local_port];transport=[transport]>
[authentication]
Expires: 300
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
"""

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

# The callee side: ring, then answer with `final` (e.g. 486 Busy Here).
_UAS_FINAL = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas final">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

]]></send>
  <pause milliseconds="300"/>
  <send><![CDATA[
SIP/2.0 FINAL
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <recv request="ACK"/>
</scenario>
"""



def uas_final(final):
    return _UAS_FINAL.replace("FINAL", final)


# The callee side that only rings (for CANCEL and no-answer tests).
UAS_RING = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas ring">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

]]></send>
  <recv request="CANCEL"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <send><![CDATA[
SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
CSeq: [cseq] INVITE
Content-Length: 0

]]></send>
  <recv request="ACK"/>
</scenario>
"""


def _invite(cseq, auth):
    return """  <send retrans="500"><![CDATA[
INVITE sip:[callee]@[domain] SIP/2.0
""" + _HDRS + """To: <sip:[callee]@[domain]>
Call-ID: [call_id]
CSeq: %d INVITE
Contact: <sip:[service]@[local_ip]:[local_port];transport=[transport]>
%sContent-Type: application/sdp
Content-Length: [len]

""" % (cseq, "[authentication]\n" if auth else "") + SDP + """
]]></send>
"""


_ACK_407 = """  <send><![CDATA[
ACK sip:[callee]@[domain] SIP/2.0
[last_Via:]
From: <sip:[service]@[domain]>;tag=[pid]SIPpTag00[call_number]
Max-Forwards: 70
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Content-Length: 0

]]></send>
"""


def _invite_head(auth):
    """The INVITE of a caller: answering the digest challenge when auth
    (an extension), or straight (a trunk, trusted by its address)."""
    if not auth:
        return _invite(1, False)
    return _invite(1, False) + """  <recv response="100" optional="true"/>
  <recv response="407" auth="true"/>
""" + _ACK_407 + _invite(2, True)


def uac_expect(final, auth=True):
    """The caller side: INVITE and expect the final response `final`
    (e.g. 486), then ACK."""
    ack_cseq = 2 if auth else 1
    return ("""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac expect %d">
""" % final) + _invite_head(auth) + """  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="FINAL"/>
  <send><![CDATA[
ACK sip:[callee]@[domain] SIP/2.0
[last_Via:]
From: <sip:[service]@[domain]>;tag=[pid]SIPpTag00[call_number]
Max-Forwards: 70
[last_To:]
Call-ID: [call_id]
CSeq: ACKCSEQ ACK
Content-Length: 0

]]></send>
</scenario>
""".replace("FINAL", str(final)).replace("ACKCSEQ", str(ack_cseq))


def uac_cancel(ring_ms=500):
    """The caller side: INVITE, wait for ringing, CANCEL after ring_ms,
    expect 487."""
    return ("""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac cancel">
""" + _invite(1, False) + """  <recv response="100" optional="true"/>
  <recv response="407" auth="true"/>
""" + _ACK_407 + _invite(2, True) + """  <recv response="100" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="180"/>
  <pause milliseconds="RINGMS"/>
  <send><![CDATA[
CANCEL sip:[callee]@[domain] SIP/2.0
[last_Via:]
From: <sip:[service]@[domain]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[callee]@[domain]>
Call-ID: [call_id]
CSeq: 2 CANCEL
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
  <recv response="487"/>
  <send><![CDATA[
ACK sip:[callee]@[domain] SIP/2.0
[last_Via:]
From: <sip:[service]@[domain]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 2 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
</scenario>
""").replace("RINGMS", str(ring_ms))


def write_scenario(workdir, name, text):
    path = pathlib.Path(workdir) / f"{name}.xml"
    path.write_text(text)
    return path


# The callee that answers, then transfers the caller blind (REFER) to
# `target` and expects the B2BUA's 202, NOTIFY (sipfrag) and BYE.
UAS_ANSWER_REFER = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas answer refer">
  <recv request="INVITE">
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="remote_from"/>
    </action>
  </recv>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

""" + SDP + """
]]></send>
  <recv request="ACK"/>
  <pause milliseconds="1000"/>
  <send retrans="500"><![CDATA[
REFER sip:hotline@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
To: [$remote_from]
Call-ID: [call_id]
CSeq: 1 REFER
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Refer-To: <sip:[target]@[domain]>
Referred-By: <sip:[service]@[domain]>
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="202"/>
  <recv request="NOTIFY"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
"""


# The callee that answers and waits for the BYE (sends no RTP).
UAS_ANSWER = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas answer">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

""" + SDP + """
]]></send>
  <recv request="ACK"/>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
"""


def uac_answered_then_bye_received():
    """The caller side: INVITE with auth, 200, ACK, then wait for our BYE."""
    return """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac wait bye">
""" + _invite(1, False) + """  <recv response="100" optional="true"/>
  <recv response="407" auth="true"/>
""" + _ACK_407 + _invite(2, True) + """  <recv response="100" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@[domain]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 2 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
"""


def uas_answer_checking(ruri_user):
    """A callee (or carrier) that checks the request URI's user, answers
    200 with SDP and waits for the BYE."""
    return UAS_ANSWER.replace('<recv request="INVITE"/>', """<recv request="INVITE">
    <action>
      <ereg regexp="^INVITE sip:%s@" search_in="msg" check_it="true" assign_to="ruri"/>
    </action>
  </recv>""" % ruri_user, 1).replace('<scenario name="uas answer">',
                                      '<scenario name="uas answer check">', 1).replace(
        "[last_CSeq:]\nContact:", "[last_CSeq:]\nX-Checked: [$ruri]\nContact:", 1)


def uac_call_and_hangup(auth=True, hold_ms=1000):
    """The caller side: INVITE (answering the digest challenge when auth),
    200, ACK, talk for hold_ms, BYE."""
    head = _invite_head(auth)
    cseq = 2 if auth else 1
    return """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac call hangup">
""" + head + """  <recv response="100" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@[domain]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: %d ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <pause milliseconds="%d"/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@[domain]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: %d BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
""" % (cseq, hold_ms, cseq + 1)


def uac_call_then_refer():
    """The caller side: call (with digest), then transfer the callee blind
    to `target` (REFER) and expect 202, the NOTIFY and our BYE."""
    return """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac refer">
""" + _invite_head(True) + """  <recv response="100" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@[domain]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 2 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <pause milliseconds="1000"/>
  <send retrans="500"><![CDATA[
REFER [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@[domain]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 3 REFER
Contact: <sip:[service]@[local_ip]:[local_port];transport=[transport]>
Refer-To: <sip:[target]@[domain]>
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="202"/>
  <recv request="NOTIFY"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
"""
