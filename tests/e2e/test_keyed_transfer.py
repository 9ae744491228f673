"""In-call transfer by keys (ippbx.md §2.9: `##` + extension): the caller
keys ##<target># as RFC 4733 events from baresip; hotlined hangs the caller
up and connects the callee to the target; they hear each other."""
from peers import Baresip, tone_power
from test_calls import DOMAIN, PASSWORD, call_record, new_extension, wait_registered


def test_caller_keys_a_transfer(daemon, admin, tmp_path):
    a, b, c = (new_extension(admin) for _ in range(3))
    callee = Baresip(tmp_path, "b", b, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=1000).start(seconds=16)
    target = Baresip(tmp_path, "c", c, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=600).start(seconds=16)
    caller = Baresip(tmp_path, "a", a, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=440)
    try:
        assert wait_registered(admin, b) and wait_registered(admin, c)
        caller.start([f"/dial sip:{b}@{DOMAIN}"], seconds=14, ctrl=True)
        assert caller.wait_for("Call established", 10), caller.output()[-2000:]
        caller.command("sndcode", f"##{c}#")
        # the caller is hung up (BYE from hotlined) ...
        assert caller.wait_for("terminated", 10), caller.output()[-2000:]
        callee.proc.wait(30)
    finally:
        caller.stop()
        callee.stop()
        target.stop()
    # ... and the callee and the target talk
    assert tone_power(callee.received_audio(), (1000, 600))[600] > 0.2
    assert tone_power(target.received_audio(), (1000, 600))[1000] > 0.2
    rec = call_record(admin, a)
    assert rec["answered_by"] == c and rec["end_status"] == "normal_end"
    assert [leg["endpoint"] for leg in rec["legs"]] == [b, a, c]


def test_keys_for_an_unknown_extension_change_nothing(daemon, admin, tmp_path):
    a, b = (new_extension(admin) for _ in range(2))
    callee = Baresip(tmp_path, "b", b, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=1000).start(seconds=12)
    caller = Baresip(tmp_path, "a", a, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=440)
    try:
        assert wait_registered(admin, b)
        caller.start([f"/dial sip:{b}@{DOMAIN}"], seconds=8, ctrl=True)
        assert caller.wait_for("Call established", 10), caller.output()[-2000:]
        caller.command("sndcode", "##99999999#")
        caller.proc.wait(20)
    finally:
        caller.stop()
        callee.stop()
    rec = call_record(admin, a)
    assert rec["answered_by"] == b and rec["end_status"] == "normal_end"
    assert tone_power(callee.received_audio(), (1000, 440))[440] > 0.2


def test_keys_sent_as_sip_info_transfer_the_call(daemon, admin, tmp_path):
    from peers import (Sipp, _answered, _in_dialog, _recv, _respond, _scenario,
                       write_scenario)
    a, b, c = (new_extension(admin) for _ in range(3))
    def info(cseq, key):
        head = _in_dialog("INFO", cseq, retrans=True).split("Content-Length: 0")[0]
        return (head + "Content-Type: application/dtmf-relay\nContent-Length: [len]\n\n"
                f"Signal={key}\nDuration=160\n]]></send>\n" + _recv("200"))
    infos = "".join(info(3 + i, k) for i, k in enumerate(f"##{c}#"))
    caller = _scenario("uac info keys", _answered(), '  <pause milliseconds="1000"/>\n', infos,
                       _recv("BYE"), _respond("200 OK"))
    callee = Baresip(tmp_path, "b", b, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=1000).start(seconds=12)
    target = Baresip(tmp_path, "c", c, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=600).start(seconds=12)
    try:
        assert wait_registered(admin, b) and wait_registered(admin, c)
        uac = Sipp(tmp_path, write_scenario(tmp_path, "infokeys", caller), daemon.sip_port,
                   user=a, password=PASSWORD, keys={"domain": DOMAIN, "callee": b}).start()
        assert uac.wait(30) == 0, uac.errors()
        callee.proc.wait(30)
    finally:
        callee.stop()
        target.stop()
    assert tone_power(callee.received_audio(), (1000, 600))[600] > 0.2
    rec = call_record(admin, a)
    assert rec["answered_by"] == c and rec["end_status"] == "normal_end"
