"""linphonec as a real phone against hotlined: it registers with the MD5
digest (and is refused with a wrong password), answers a call from sipp,
and calls a baresip extension with audio both ways through the media
engine (a tone played from a WAV file each way, recognised in what the
other side recorded)."""
import time

from e2e_helpers import expect, next_source_ip
from linphone_peer import Linphone, repaired_wav, tone_wav
from peers import Baresip, Sipp, tone_power, uac_call_and_hangup, write_scenario
from test_calls import PASSWORD, call_record, new_extension, wait_registered

DOMAIN = "demo"


def registrations(admin, number):
    return expect(admin.get("/api/v1/registrations", params={"q": number}), 200)["items"]


def wait_unregistered(admin, number, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if not registrations(admin, number):
            return True
        time.sleep(0.2)
    return False


def test_linphonec_registers_with_the_md5_digest(daemon, admin, tmp_path):
    number = new_extension(admin)   # a new extension is challenged with MD5 only
    phone = Linphone(tmp_path, "reg", number, PASSWORD, DOMAIN, daemon.sip_port).start()
    try:
        assert wait_registered(admin, number, timeout=15), phone.debug_log()[-4000:]
        # hotlined stores the binding before linphonec has read the 200
        end, status = time.time() + 5, None
        while time.time() < end:
            status = phone.registration_status()
            if status and status.startswith("registered,"):
                break
            time.sleep(0.2)
        assert status and status.startswith(f"registered, identity=sip:{number}@{DOMAIN}"), \
            phone.output()
        rows = registrations(admin, number)
        assert len(rows) == 1, rows
        row = rows[0]
        assert row["number"] == number and row["transport"] == "udp"
        assert row["user_agent"].startswith("Linphonec/"), row
        assert row["source"] == f"127.0.0.1:{phone.port}", row
        assert f"@127.0.0.1:{phone.port}" in row["contact"], row
        # it answered the challenge with an MD5 digest for realm demo
        log = phone.debug_log()
        auth = [line for line in log.splitlines() if line.startswith("Authorization:")]
        assert auth and all('realm="demo"' in a and "algorithm=MD5" in a and
                            f'username="{number}"' in a for a in auth), auth
    finally:
        phone.stop()
    # quit unregisters (REGISTER with Expires: 0)
    assert wait_unregistered(admin, number), registrations(admin, number)


def test_linphonec_with_a_wrong_password_is_refused(daemon, admin, tmp_path):
    number = new_extension(admin)
    # failures count per source address: this phone gets its own
    phone = Linphone(tmp_path, "wrong", number, "not-the-password", DOMAIN, daemon.sip_port,
                     address=next_source_ip()).start()
    try:
        assert phone.wait_for("to [LinphoneRegistrationFailed]", timeout=15, debug=True), \
            phone.debug_log()[-4000:]
        status = phone.registration_status()
        assert status and not status.startswith("registered,"), phone.output()
        log = phone.debug_log()
        # challenged, answered with the wrong digest, challenged again
        assert log.count("SIP/2.0 401 Unauthorized") >= 2, log[-4000:]
        assert any(line.startswith("Authorization:") for line in log.splitlines())
        assert not registrations(admin, number)
        ext = expect(admin.get("/api/v1/extensions", params={"q": number}), 200)["items"][0]
        assert ext["registered"] is False
    finally:
        phone.stop()


def test_sipp_calls_linphonec_which_answers(daemon, admin, tmp_path):
    caller_no, phone_no = new_extension(admin), new_extension(admin)
    phone = Linphone(tmp_path, "callee", phone_no, PASSWORD, DOMAIN, daemon.sip_port)
    phone.start(autoanswer=True, play=tone_wav(tmp_path / "tone440.wav", 440),
                record=tmp_path / "callee-heard.wav")
    try:
        assert wait_registered(admin, phone_no, timeout=15), phone.debug_log()[-4000:]
        caller = Sipp(tmp_path, write_scenario(tmp_path, "uac", uac_call_and_hangup(hold_ms=3000)),
                      daemon.sip_port, user=caller_no, password=PASSWORD,
                      keys={"domain": DOMAIN, "callee": phone_no}).start()
        assert caller.wait() == 0, caller.errors()
        assert phone.wait_for("Receiving new incoming call from", timeout=5), phone.output()
        assert phone.wait_for("ended", timeout=10), phone.output()
    finally:
        phone.stop()
    out = phone.output()
    assert "Media streams established" in out, out
    rec = call_record(admin, caller_no)
    assert rec["callee"] == phone_no and rec["answered_by"] == phone_no, rec
    assert rec["end_status"] == "normal_end" and rec["hangup_side"] == "caller", rec
    assert rec["answer_at"] and rec["talk_time"] >= 2, rec
    legs = rec["legs"]
    assert [l["role"] for l in legs] == ["caller", "callee"], legs
    assert legs[1]["endpoint"] == phone_no and legs[1]["codec"] == "PCMU", legs
    # linphonec sent its tone (sipp sends no RTP at all)
    assert legs[1]["rx_packets"] > 50 and legs[0]["rx_packets"] == 0, legs


def test_linphonec_calls_baresip_with_audio_both_ways(daemon, admin, tmp_path):
    phone_no, callee_no = new_extension(admin), new_extension(admin)
    heard = tmp_path / "linphonec-heard.wav"
    callee = Baresip(tmp_path, "callee", callee_no, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=1000).start(seconds=40)
    phone = Linphone(tmp_path, "caller", phone_no, PASSWORD, DOMAIN, daemon.sip_port)
    phone.start(play=tone_wav(tmp_path / "tone440.wav", 440), record=heard)
    try:
        assert wait_registered(admin, callee_no, timeout=15), callee.output()[-2000:]
        assert wait_registered(admin, phone_no, timeout=15), phone.debug_log()[-4000:]
        phone.command(f"call sip:{callee_no}@{DOMAIN}")
        assert phone.wait_for("Media streams established", timeout=15), phone.output()
        time.sleep(4)
        phone.command("terminate")
        assert phone.wait_for("ended", timeout=10), phone.output()
    finally:
        phone.stop()
        callee.stop()
    # each side hears the other's tone, clearly, and not its own
    assert heard.exists(), phone.output()
    p_phone = tone_power(repaired_wav(heard), (440, 1000))
    assert callee.received_audio(), callee.output()[-2000:]
    p_callee = tone_power(callee.received_audio(), (440, 1000))
    assert p_phone[1000] > 0.2 and p_phone[440] < 0.01, p_phone
    assert p_callee[440] > 0.2 and p_callee[1000] < 0.01, p_callee

    rec = call_record(admin, phone_no)
    assert rec["callee"] == callee_no and rec["answered_by"] == callee_no, rec
    assert rec["end_status"] == "normal_end" and rec["hangup_side"] == "caller", rec
    assert rec["talk_time"] >= 3, rec
    for leg in rec["legs"]:
        assert leg["codec"] == "PCMU"
        assert leg["rx_packets"] > 100 and leg["tx_packets"] > 100, rec["legs"]
