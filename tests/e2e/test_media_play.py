"""Audio that hotlined sends itself: the echo test (*43) and music on hold
(a voice of the library, played to the party left waiting), heard by a
real baresip peer."""
from peers import Baresip, tone_power
from test_calls import DOMAIN, PASSWORD, call_record, new_extension


def test_echo_test_returns_the_callers_audio(daemon, admin, tmp_path):
    a = new_extension(admin)
    phone = Baresip(tmp_path, "a", a, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=440)
    try:
        phone.start([f"/dial sip:*43@{DOMAIN}"], seconds=6)
        phone.proc.wait(20)
    finally:
        phone.stop()
    power = tone_power(phone.received_audio(), (440, 1000))
    assert power[440] > 0.2 and power[1000] < 0.05, power
    rec = call_record(admin, a)
    assert rec["callee"] == "*43" and rec["end_status"] == "normal_end"
    assert rec["answer_at"] is not None
    # a clean loopback call: the E-model estimate of what baresip sent us
    leg = rec["legs"][0]
    assert leg["rx_packets"] > 100 and 4.0 < leg["rx_mos"] <= 4.5, leg


HOLD_SDP = """v=0
o=sipp 1 2 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio [auto_media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=sendonly
"""


def callee_that_holds(hold_ms):
    """Answers, then puts the caller on hold (re-INVITE, sendonly) for
    hold_ms and hangs up."""
    from peers import _CONTACT, _recv, _respond, _scenario, _send
    dialog = ["Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
              "From: <sip:[service]@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]",
              "To: [$remote_from]", "Call-ID: [call_id]"]
    return _scenario(
        "uas hold",
        '  <recv request="INVITE">\n    <action>\n      <ereg regexp=".*" search_in="hdr" '
        'header="From:" assign_to="remote_from"/>\n    </action>\n  </recv>\n',
        _respond("200 OK", True, True, sdp=True), _recv("ACK"), '  <pause milliseconds="1000"/>\n',
        _send(["INVITE sip:hotline@[remote_ip]:[remote_port] SIP/2.0", *dialog,
               "CSeq: 1 INVITE", _CONTACT, "Max-Forwards: 70"], retrans=True, body=HOLD_SDP),
        _recv("100", True), _recv("200"),
        _send(["ACK sip:hotline@[remote_ip]:[remote_port] SIP/2.0", *dialog, "CSeq: 1 ACK",
               "Max-Forwards: 70"]),
        '  <pause milliseconds="%d"/>\n' % hold_ms,
        _send(["BYE sip:hotline@[remote_ip]:[remote_port] SIP/2.0", *dialog, "CSeq: 2 BYE",
               "Max-Forwards: 70"], retrans=True),
        _recv("200"))


def test_held_caller_hears_the_tenants_music_on_hold(daemon, admin, tmp_path):
    from e2e_helpers import expect
    from test_call_features import device
    from test_voices import upload, wav_bytes
    voice = expect(upload(admin, wav_bytes(rate=16000, channels=1, seconds=2.0, hz=1000.0)), 201)
    expect(admin.post(f"/api/v1/voices/{voice['id']}/review", json={"status": "approved"}), 200)
    classes = expect(admin.get("/api/v1/moh-classes", params={"q": "default"}), 200)["items"]
    for c in classes:
        if c["name"] == "default":
            expect(admin.patch(f"/api/v1/moh-classes/{c['id']}",
                               json={"voice_ids": [voice["id"]]}), 200)
            break
    else:
        expect(admin.post("/api/v1/moh-classes",
                          json={"name": "default", "voice_ids": [voice["id"]]}), 201)
    a, b = new_extension(admin), new_extension(admin)
    phone = device(tmp_path, daemon, b, "b", callee_that_holds(4000))
    caller = Baresip(tmp_path, "a", a, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=440)
    try:
        caller.start([f"/dial sip:{b}@{DOMAIN}"], seconds=10)
        assert phone.wait(30) == 0, phone.errors()
        caller.proc.wait(20)
    finally:
        caller.stop()
    # sipp sends no audio: all the caller heard is the music
    power = tone_power(caller.received_audio(), (1000, 440))
    assert power[1000] > 0.2 and power[440] < 0.05, power
    rec = call_record(admin, a)
    assert rec["end_status"] == "normal_end"
    # sipp sent no RTP: no quality figure for its leg
    assert [leg["rx_mos"] is None for leg in rec["legs"]] == [False, True], rec["legs"]


def test_feature_code_is_confirmed_with_a_tone(daemon, admin, tmp_path):
    a = new_extension(admin)
    phone = Baresip(tmp_path, "a", a, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=440)
    try:
        phone.start([f"/dial sip:*81@{DOMAIN}"], seconds=5)
        phone.proc.wait(20)
    finally:
        phone.stop()
    # the confirmation: short 1400 Hz beeps before hotlined hangs up
    power = tone_power(phone.received_audio(), (1400, 440))
    assert power[1400] > 0.2 and power[440] < 0.05, power
    assert call_record(admin, a)["end_status"] == "feature_code"


def test_rtcp_gives_round_trip_and_the_far_ends_view(daemon, admin, tmp_path):
    """Two baresip phones talk for a while: their RTCP reports pass through
    hotlined, which reads the round trip and each phone's reception."""
    from test_calls import wait_registered
    a, b = new_extension(admin), new_extension(admin)
    callee = Baresip(tmp_path, "b", b, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=1000).start(seconds=22)
    caller = Baresip(tmp_path, "a", a, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=440)
    try:
        assert wait_registered(admin, b)
        caller.start([f"/dial sip:{b}@{DOMAIN}"], seconds=16)
        caller.proc.wait(30)
    finally:
        caller.stop()
        callee.stop()
    legs = call_record(admin, a)["legs"]
    # each phone reports its (clean, loopback) reception: a MOS for what it got
    for leg in legs:
        assert leg["tx_mos"] is not None and 4.0 < leg["tx_mos"] <= 4.5, leg
    # a round trip needs a sender report and the answer naming it (RTCP comes
    # every few seconds): at least one leg has it, and it is small on loopback
    rtts = [leg["rtt_ms"] for leg in legs if leg["rtt_ms"] is not None]
    assert rtts and all(0 <= r < 100 for r in rtts), legs
