"""Calls through the B2BUA with real peers: baresip for audio (a tone each
way, recognised in what the other side recorded), sipp for the signalling
paths (busy, unknown number, unregistered callee, cancel, no answer), and
the call records they leave."""
import random
import time

import pytest

from e2e_helpers import expect
from peers import (Baresip, Sipp, REGISTER, UAS_RING, tone_power, uas_final,
                   uac_cancel, uac_expect, write_scenario)

DOMAIN = "demo"
PASSWORD = "s3cret-pass"


def new_extension(admin, **kw):
    for _ in range(20):
        number = str(random.randrange(100000, 999999))
        r = admin.post("/api/v1/extensions", json={"number": number, "password": PASSWORD, **kw})
        if r.status_code == 201:
            return number
    raise AssertionError(f"cannot create an extension: {r.status_code} {r.text}")


def wait_registered(admin, number, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        r = admin.get("/api/v1/extensions", params={"q": number})
        items = r.json().get("items", []) if r.status_code == 200 else []
        if items and items[0].get("registered"):
            return True
        time.sleep(0.2)
    return False


def call_record(admin, caller, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        items = expect(admin.get("/api/v1/calls", params={"caller": caller}), 200)["items"]
        if items:
            return expect(admin.get(f"/api/v1/calls/{items[0]['id']}"), 200)
        time.sleep(0.2)
    raise AssertionError(f"no call record for caller {caller}")


def register_with_sipp(tmp_path, daemon, number):
    """Registers `number` from a fresh port with sipp; returns the port,
    where a second sipp can then act as the device."""
    reg = Sipp(tmp_path, write_scenario(tmp_path, "register", REGISTER), daemon.sip_port,
               keys={"domain": DOMAIN}, user=number, password=PASSWORD).start()
    assert reg.wait(20) == 0, reg.errors()
    return reg.port


def test_call_between_extensions_carries_audio_both_ways(daemon, admin, tmp_path):
    caller_no, callee_no = new_extension(admin), new_extension(admin)
    callee = Baresip(tmp_path, "callee", callee_no, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=1000).start(seconds=30)
    try:
        assert wait_registered(admin, callee_no), callee.output()[-2000:]
        caller = Baresip(tmp_path, "caller", caller_no, PASSWORD, DOMAIN, daemon.sip_port,
                         tone_hz=440).start([f"/dial sip:{callee_no}@{DOMAIN}"], seconds=9)
        caller.proc.wait(30)
        caller.stop()
    finally:
        callee.stop()
    heard_by_caller = caller.received_audio()
    heard_by_callee = callee.received_audio()
    assert heard_by_caller and heard_by_callee, caller.output()[-3000:]
    p_caller = tone_power(heard_by_caller, (440, 1000))
    p_callee = tone_power(heard_by_callee, (440, 1000))
    # each side hears the other's tone, clearly, and not its own
    assert p_caller[1000] > 0.2 and p_caller[440] < 0.01, p_caller
    assert p_callee[440] > 0.2 and p_callee[1000] < 0.01, p_callee

    rec = call_record(admin, caller_no)
    assert rec["callee"] == callee_no and rec["answered_by"] == callee_no
    assert rec["end_status"] == "normal_end" and rec["hangup_side"] == "caller"
    assert rec["answer_at"] and rec["talk_time"] >= 3
    legs = rec["legs"]
    assert [l["role"] for l in legs] == ["caller", "callee"]
    for leg in legs:
        assert leg["codec"] == "PCMU"
        assert leg["rx_packets"] > 100 and leg["tx_packets"] > 100, legs


def test_g711_laws_are_transcoded(daemon, admin, tmp_path):
    caller_no, callee_no = new_extension(admin), new_extension(admin)
    callee = Baresip(tmp_path, "callee", callee_no, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=1000, codecs="PCMA").start(seconds=30)
    try:
        assert wait_registered(admin, callee_no)
        caller = Baresip(tmp_path, "caller", caller_no, PASSWORD, DOMAIN, daemon.sip_port,
                         tone_hz=440, codecs="PCMU").start([f"/dial sip:{callee_no}@{DOMAIN}"],
                                                           seconds=8)
        caller.proc.wait(30)
        caller.stop()
    finally:
        callee.stop()
    p_caller = tone_power(caller.received_audio(), (440, 1000))
    p_callee = tone_power(callee.received_audio(), (440, 1000))
    assert p_caller[1000] > 0.2 and p_callee[440] > 0.2, (p_caller, p_callee)
    legs = call_record(admin, caller_no)["legs"]
    assert [l["codec"] for l in legs] == ["PCMU", "PCMA"]


@pytest.mark.parametrize("final,status", [("486 Busy Here", "busy"),
                                          ("603 Decline", "rejected")])
def test_callee_refuses(daemon, admin, tmp_path, final, status):
    caller_no, callee_no = new_extension(admin), new_extension(admin)
    port = register_with_sipp(tmp_path, daemon, callee_no)
    uas = Sipp(tmp_path, write_scenario(tmp_path, "uas", uas_final(final)), daemon.sip_port,
               port=port).start()
    code = int(final.split()[0])
    uac = Sipp(tmp_path, write_scenario(tmp_path, f"uac{code}", uac_expect(code)),
               daemon.sip_port, user=caller_no, password=PASSWORD,
               keys={"domain": DOMAIN, "callee": callee_no}).start()
    assert uac.wait() == 0, uac.errors()
    assert uas.wait() == 0, uas.errors()
    rec = call_record(admin, caller_no)
    assert rec["end_status"] == status and rec["sip_code"] == code
    assert rec["answer_at"] is None and rec["talk_time"] == 0


def test_unknown_number_is_404(daemon, admin, tmp_path):
    caller_no = new_extension(admin)
    uac = Sipp(tmp_path, write_scenario(tmp_path, "uac404", uac_expect(404)), daemon.sip_port,
               user=caller_no, password=PASSWORD,
               keys={"domain": DOMAIN, "callee": "55555555"}).start()
    assert uac.wait() == 0, uac.errors()


def test_unregistered_callee_is_480(daemon, admin, tmp_path):
    caller_no, callee_no = new_extension(admin), new_extension(admin)
    uac = Sipp(tmp_path, write_scenario(tmp_path, "uac480", uac_expect(480)), daemon.sip_port,
               user=caller_no, password=PASSWORD,
               keys={"domain": DOMAIN, "callee": callee_no}).start()
    assert uac.wait() == 0, uac.errors()
    assert call_record(admin, caller_no)["end_status"] == "unavailable"


def test_caller_cancels_while_ringing(daemon, admin, tmp_path):
    caller_no, callee_no = new_extension(admin), new_extension(admin)
    port = register_with_sipp(tmp_path, daemon, callee_no)
    uas = Sipp(tmp_path, write_scenario(tmp_path, "uasring", UAS_RING), daemon.sip_port,
               port=port).start()
    uac = Sipp(tmp_path, write_scenario(tmp_path, "uaccancel", uac_cancel()), daemon.sip_port,
               user=caller_no, password=PASSWORD,
               keys={"domain": DOMAIN, "callee": callee_no}).start()
    assert uac.wait() == 0, uac.errors()
    assert uas.wait() == 0, uas.errors()
    rec = call_record(admin, caller_no)
    assert rec["end_status"] == "caller_cancelled" and rec["hangup_side"] == "caller"
    assert rec["ring_at"] is not None


def test_invite_with_a_wrong_password_is_challenged_again(daemon, admin, tmp_path):
    caller_no, callee_no = new_extension(admin), new_extension(admin)
    # the scenario answers the 407 with the wrong password: a new 407, no call
    uac = Sipp(tmp_path, write_scenario(tmp_path, "uac407", uac_expect(407)), daemon.sip_port,
               user=caller_no, password="wrong-password",
               keys={"domain": DOMAIN, "callee": callee_no}).start()
    assert uac.wait() == 0, uac.errors()
    assert not expect(admin.get("/api/v1/calls", params={"caller": caller_no}), 200)["items"]


def test_live_calls_and_hangup_from_the_api(daemon, admin, operator, tmp_path):
    caller_no, callee_no = new_extension(admin), new_extension(admin)
    callee = Baresip(tmp_path, "callee", callee_no, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=1000).start(seconds=40)
    caller = None
    try:
        assert wait_registered(admin, callee_no)
        caller = Baresip(tmp_path, "caller", caller_no, PASSWORD, DOMAIN, daemon.sip_port,
                         tone_hz=440).start([f"/dial sip:{callee_no}@{DOMAIN}"], seconds=30)
        live = None
        end = time.time() + 10
        while time.time() < end:
            items = expect(admin.get("/api/v1/calls/live"), 200)["items"]
            live = next((c for c in items if c["caller"] == caller_no), None)
            if live and live["state"] == "talking":
                break
            time.sleep(0.2)
        assert live and live["state"] == "talking", items
        assert live["callee"] == callee_no and live["answered_by"] == callee_no
        # another tenant sees nothing and cannot hang it up
        other = operator
        assert all(c["id"] != live["id"] for c in
                   expect(other.get("/api/v1/calls/live"), 200)["items"])
        assert other.delete(f"/api/v1/calls/live/{live['id']}").status_code == 404
        assert admin.delete(f"/api/v1/calls/live/{live['id']}").status_code == 204
        assert caller.wait_for("session closed", timeout=10), caller.output()[-2000:]
        assert admin.delete(f"/api/v1/calls/live/{live['id']}").status_code == 404
    finally:
        if caller:
            caller.stop()
        callee.stop()
    rec = call_record(admin, caller_no)
    assert rec["hangup_side"] == "admin" and rec["end_status"] == "normal_end"


def test_blind_transfer_connects_the_caller_to_the_target(daemon, admin, tmp_path):
    from peers import UAS_ANSWER_REFER
    caller_no, agent_no, target_no = (new_extension(admin) for _ in range(3))
    port = register_with_sipp(tmp_path, daemon, agent_no)
    agent = Sipp(tmp_path, write_scenario(tmp_path, "refer", UAS_ANSWER_REFER), daemon.sip_port,
                 port=port, keys={"target": target_no, "domain": DOMAIN}, user=agent_no,
                 password=PASSWORD).start()
    target = Baresip(tmp_path, "target", target_no, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=1000).start(seconds=40)
    caller = None
    try:
        assert wait_registered(admin, target_no)
        caller = Baresip(tmp_path, "caller", caller_no, PASSWORD, DOMAIN, daemon.sip_port,
                         tone_hz=440).start([f"/dial sip:{agent_no}@{DOMAIN}"], seconds=12)
        assert agent.wait(20) == 0, agent.errors()
        caller.proc.wait(30)
    finally:
        if caller:
            caller.stop()
        target.stop()
    # after the transfer the caller and the target hear each other
    assert tone_power(caller.received_audio(), (440, 1000))[1000] > 0.2
    assert tone_power(target.received_audio(), (440, 1000))[440] > 0.2
    rec = call_record(admin, caller_no)
    assert rec["answered_by"] == target_no and rec["end_status"] == "normal_end"
    assert [l["endpoint"] for l in rec["legs"]] == [caller_no, agent_no, target_no]


def test_unanswered_call_rings_out(make_daemon, tmp_path):
    from e2e_helpers import ADMIN_PASSWORD
    daemon = make_daemon(extra_args=["--ring-timeout", "2"])
    admin = daemon.client().login(DOMAIN, "admin", ADMIN_PASSWORD)
    caller_no, callee_no = new_extension(admin), new_extension(admin)
    port = register_with_sipp(tmp_path, daemon, callee_no)
    uas = Sipp(tmp_path, write_scenario(tmp_path, "uasring", UAS_RING), daemon.sip_port,
               port=port).start()
    uac = Sipp(tmp_path, write_scenario(tmp_path, "uac480", uac_expect(480)), daemon.sip_port,
               user=caller_no, password=PASSWORD,
               keys={"domain": DOMAIN, "callee": callee_no}).start()
    assert uac.wait() == 0, uac.errors()
    assert uas.wait() == 0, uas.errors()   # the device got CANCEL
    rec = call_record(admin, caller_no)
    assert rec["end_status"] == "no_answer" and rec["ring_at"] is not None
    assert 2 <= rec["duration"] <= 4


def test_hold_and_resume(daemon, admin, tmp_path):
    caller_no, callee_no = new_extension(admin), new_extension(admin)
    callee = Baresip(tmp_path, "callee", callee_no, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=1000).start(seconds=30)
    try:
        assert wait_registered(admin, callee_no)
        caller = Baresip(tmp_path, "caller", caller_no, PASSWORD, DOMAIN, daemon.sip_port,
                         tone_hz=440).start([f"/dial sip:{callee_no}@{DOMAIN}"], seconds=8,
                                            ctrl=True)
        assert caller.wait_for("Call established", timeout=20), caller.output()[-2000:]
        caller.command("hold")
        assert caller.wait_for("hold", timeout=15)
        time.sleep(1)
        caller.command("resume")
        caller.proc.wait(30)
        caller.stop()
    finally:
        callee.stop()
    out = caller.output()
    rec = call_record(admin, caller_no)
    assert rec["end_status"] == "normal_end", (rec, out[-2000:])
    # both directions carried audio before and after the hold
    assert tone_power(callee.received_audio(), (440, 1000))[440] > 0.1


def test_silent_call_is_ended_by_the_rtp_timeout(make_daemon, tmp_path):
    from e2e_helpers import ADMIN_PASSWORD
    from peers import UAS_ANSWER, uac_answered_then_bye_received
    daemon = make_daemon(extra_args=["--rtp-timeout", "2"])
    admin = daemon.client().login(DOMAIN, "admin", ADMIN_PASSWORD)
    caller_no, callee_no = new_extension(admin), new_extension(admin)
    port = register_with_sipp(tmp_path, daemon, callee_no)
    uas = Sipp(tmp_path, write_scenario(tmp_path, "uasanswer", UAS_ANSWER), daemon.sip_port,
               port=port).start()
    uac = Sipp(tmp_path, write_scenario(tmp_path, "uacbye", uac_answered_then_bye_received()),
               daemon.sip_port, user=caller_no, password=PASSWORD,
               keys={"domain": DOMAIN, "callee": callee_no}).start()
    # neither side sends RTP: both get a BYE from hotlined
    assert uac.wait() == 0, uac.errors()
    assert uas.wait() == 0, uas.errors()
    rec = call_record(admin, caller_no)
    assert rec["end_status"] == "media_timeout" and rec["hangup_side"] == "system"
    assert 2 <= rec["talk_time"] <= 5


def test_caller_transfers_the_callee(daemon, admin, tmp_path):
    from peers import uac_call_then_refer
    caller_no, agent_no, target_no = (new_extension(admin) for _ in range(3))
    agent = Baresip(tmp_path, "agent", agent_no, PASSWORD, DOMAIN, daemon.sip_port,
                    tone_hz=1000).start(seconds=14)
    target = Baresip(tmp_path, "target", target_no, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=440).start(seconds=14)
    try:
        assert wait_registered(admin, agent_no) and wait_registered(admin, target_no)
        caller = Sipp(tmp_path, write_scenario(tmp_path, "refer", uac_call_then_refer()),
                      daemon.sip_port, user=caller_no, password=PASSWORD,
                      keys={"domain": DOMAIN, "callee": agent_no, "target": target_no}).start()
        assert caller.wait(20) == 0, caller.errors()
        agent.proc.wait(30)
    finally:
        agent.stop()
        target.stop()
    # the agent and the target now talk to each other
    assert tone_power(agent.received_audio(), (440, 1000))[440] > 0.2
    assert tone_power(target.received_audio(), (440, 1000))[1000] > 0.2
    rec = call_record(admin, caller_no)
    assert rec["answered_by"] == target_no and rec["end_status"] == "normal_end"
    assert sorted(l["endpoint"] for l in rec["legs"]) == sorted([caller_no, agent_no, target_no])
