"""In-band DTMF: a caller whose SDP has no telephone-event sends its keys as
tones in the audio (PCMU from this test); hotlined detects them (spandsp's
receiver) and acts on them like RFC 4733 digits: ##<extension># transfers
the callee (baresip) to the target (baresip), who then hear each other."""
import math
import pathlib
import socket
import struct
import time
import warnings

from peers import (Baresip, Sipp, _in_dialog, _invite_head, _progress, _recv, _respond,
                   _scenario, tone_power, write_scenario)
from test_calls import DOMAIN, PASSWORD, call_record, new_extension, wait_registered

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

FREQS = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "4": (770, 1209),
         "5": (770, 1336), "6": (770, 1477), "7": (852, 1209), "8": (852, 1336),
         "9": (852, 1477), "0": (941, 1336), "*": (941, 1209), "#": (941, 1477)}


def pcm_for(keys, rate=8000, on_ms=120, off_ms=120):
    """Linear 16-bit PCM of the keys as DTMF tones (about -10 dBm0 each)."""
    out = bytearray()
    for k in keys:
        lo, hi = FREQS[k]
        for i in range(rate * on_ms // 1000):
            v = 7000 * (math.sin(2 * math.pi * lo * i / rate) + math.sin(2 * math.pi * hi * i / rate))
            out += struct.pack("<h", int(v))
        out += bytes(2 * rate * off_ms // 1000)
    return bytes(out)


def send_pcmu(sock, dest, pcm, ssrc=0x1234):
    ulaw = audioop.lin2ulaw(pcm, 2)
    seq, ts = 1, 0
    for off in range(0, len(ulaw) - 159, 160):
        sock.sendto(struct.pack("!BBHII", 0x80, 0, seq, ts, ssrc) + ulaw[off:off + 160], dest)
        seq, ts = seq + 1, ts + 160
        time.sleep(0.02)


def caller_scenario(media_port, port_file):
    sdp = ("v=0\no=sipp 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\n"
           f"m=audio {media_port} RTP/AVP 0\na=rtpmap:0 PCMU/8000\n")
    head = _invite_head(True).replace("m=audio [auto_media_port] RTP/AVP 0 101\n"
                                      "a=rtpmap:0 PCMU/8000\n"
                                      "a=rtpmap:101 telephone-event/8000\n"
                                      "a=fmtp:101 0-16\n", sdp[sdp.index("m=audio"):])
    ok = ('  <recv response="200" rrs="true">\n    <action>\n'
          '      <ereg regexp="m=audio ([0-9]+)" search_in="body" check_it="true" '
          'assign_to="m,port"/>\n'
          f'      <exec command="echo [$port] > {port_file}"/>\n'
          '    </action>\n  </recv>\n')
    return _scenario("uac inband", head, _progress(), ok,
                     _in_dialog("ACK", 2, ["X-M: [$m]"]), _recv("BYE"), _respond("200 OK"))


def media_address(port_file, timeout=10):
    """hotlined's RTP address for the caller, once sipp has written its port."""
    end = time.time() + timeout
    while time.time() < end and not (port_file.exists() and port_file.read_text().strip()):
        time.sleep(0.05)
    return ("127.0.0.1", int(port_file.read_text()))


def test_inband_keys_transfer_the_call(daemon, admin, tmp_path):
    a, b, c = (new_extension(admin) for _ in range(3))
    callee = Baresip(tmp_path, "b", b, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=1000).start(seconds=14)
    target = Baresip(tmp_path, "c", c, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=600).start(seconds=14)
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind(("127.0.0.1", 0))
    port_file = pathlib.Path(tmp_path) / "media-port"
    try:
        assert wait_registered(admin, b) and wait_registered(admin, c)
        assert "telephone-event" not in caller_scenario(1, port_file).split("<send", 2)[1]
        uac = Sipp(tmp_path, write_scenario(tmp_path, "inband",
                                            caller_scenario(rtp.getsockname()[1], port_file)),
                   daemon.sip_port, user=a, password=PASSWORD,
                   keys={"domain": DOMAIN, "callee": b}).start()
        dest = media_address(port_file)
        send_pcmu(rtp, dest, bytes(3200))                       # 200 ms of silence first
        send_pcmu(rtp, dest, pcm_for(f"##{c}#"))
        assert uac.wait(20) == 0, uac.errors()                  # hotlined hung the caller up
        callee.proc.wait(30)
    finally:
        rtp.close()
        callee.stop()
        target.stop()
    assert tone_power(callee.received_audio(), (1000, 600))[600] > 0.2
    assert tone_power(target.received_audio(), (1000, 600))[1000] > 0.2
    rec = call_record(admin, a)
    assert rec["answered_by"] == c and rec["end_status"] == "normal_end"

