"""Do not disturb and call forwarding (always, busy, no answer) with sipp
devices: where the call ends up, what the first device saw, and the call
record."""
import time

from e2e_helpers import call_record, expect, make_extension
from peers import (Sipp, REGISTER, UAS_ANSWER, UAS_RING, uac_call_and_hangup, uac_expect,
                   uas_final, write_scenario)

DOMAIN = "demo"
PASSWORD = "s3cret-pass"


def ext(admin, **kw):
    return make_extension(admin, PASSWORD, **kw)


def device(tmp_path, daemon, number, scenario_name, scenario):
    """Registers `number` with sipp, then runs the device scenario on that port."""
    reg = Sipp(tmp_path, write_scenario(tmp_path, f"reg{number}", REGISTER), daemon.sip_port,
               keys={"domain": DOMAIN}, user=number, password=PASSWORD).start()
    assert reg.wait(20) == 0, reg.errors()
    return Sipp(tmp_path, write_scenario(tmp_path, scenario_name, scenario), daemon.sip_port,
                port=reg.port).start()


def record(admin, caller):
    return call_record(admin, caller=caller)


def call(tmp_path, daemon, caller, callee, scenario):
    return Sipp(tmp_path, write_scenario(tmp_path, f"uac{callee}", scenario), daemon.sip_port,
                user=caller, password=PASSWORD,
                keys={"domain": DOMAIN, "callee": callee}).start()


def test_do_not_disturb_answers_busy(daemon, admin, tmp_path):
    a, b = ext(admin), ext(admin, dnd=True)
    assert b["dnd"] is True
    uac = call(tmp_path, daemon, a["number"], b["number"], uac_expect(486))
    assert uac.wait() == 0, uac.errors()
    assert record(admin, a["number"])["end_status"] == "busy"


def test_forward_always_to_another_extension(daemon, admin, tmp_path):
    c = ext(admin)
    a, b = ext(admin), ext(admin, forward_always=c["number"])
    phone = device(tmp_path, daemon, c["number"], "c", UAS_ANSWER)
    uac = call(tmp_path, daemon, a["number"], b["number"], uac_call_and_hangup())
    assert uac.wait() == 0, uac.errors()
    assert phone.wait() == 0, phone.errors()
    rec = record(admin, a["number"])
    assert rec["callee"] == b["number"] and rec["answered_by"] == c["number"]


def test_forward_on_busy(daemon, admin, tmp_path):
    c = ext(admin)
    a, b = ext(admin), ext(admin, forward_busy=c["number"])
    busy = device(tmp_path, daemon, b["number"], "b", uas_final("486 Busy Here"))
    phone = device(tmp_path, daemon, c["number"], "c", UAS_ANSWER)
    uac = call(tmp_path, daemon, a["number"], b["number"], uac_call_and_hangup())
    assert uac.wait() == 0, uac.errors()
    assert busy.wait() == 0, busy.errors()
    assert phone.wait() == 0, phone.errors()
    assert record(admin, a["number"])["answered_by"] == c["number"]


def test_forward_on_no_answer(daemon, admin, tmp_path):
    c = ext(admin)
    a = ext(admin)
    b = ext(admin, forward_no_answer=c["number"], no_answer_seconds=5)
    assert b["no_answer_seconds"] == 5
    ringing = device(tmp_path, daemon, b["number"], "b", UAS_RING)
    phone = device(tmp_path, daemon, c["number"], "c", UAS_ANSWER)
    started = time.time()
    uac = call(tmp_path, daemon, a["number"], b["number"], uac_call_and_hangup())
    assert uac.wait() == 0, uac.errors()
    assert ringing.wait() == 0, ringing.errors()    # it got CANCEL after 5 s
    assert phone.wait() == 0, phone.errors()
    assert time.time() - started >= 5
    assert record(admin, a["number"])["answered_by"] == c["number"]


def test_forwarding_validation(admin):
    r = admin.post("/api/v1/extensions", json={"number": "7788", "forward_always": "12a"})
    assert r.status_code == 400 and "forward_always" in r.json()["error"]["message"]
    r = admin.post("/api/v1/extensions", json={"number": "7789", "forward_busy": "7789"})
    assert r.status_code == 400
    r = admin.post("/api/v1/extensions", json={"number": "7790", "no_answer_seconds": 2})
    assert r.status_code == 400


def get_ext(admin, ext_id):
    return expect(admin.get(f"/api/v1/extensions/{ext_id}"), 200)


def dial_code(tmp_path, daemon, caller, code):
    from peers import uac_answered_then_bye_received
    uac = call(tmp_path, daemon, caller, code, uac_answered_then_bye_received())
    assert uac.wait() == 0, uac.errors()


def wait_for(fn, timeout=5):
    end = time.time() + timeout
    while time.time() < end:
        if fn():
            return True
        time.sleep(0.2)
    return fn()


def test_feature_codes_set_and_clear_dnd_and_forwarding(daemon, admin, tmp_path):
    a = ext(admin)
    dial_code(tmp_path, daemon, a["number"], "*81")
    assert wait_for(lambda: get_ext(admin, a["id"])["dnd"] is True)
    dial_code(tmp_path, daemon, a["number"], "*80")
    assert wait_for(lambda: get_ext(admin, a["id"])["dnd"] is False)
    dial_code(tmp_path, daemon, a["number"], "*841" + "13900001111")
    assert wait_for(lambda: get_ext(admin, a["id"])["forward_always"] == "13900001111")
    dial_code(tmp_path, daemon, a["number"], "*851")
    assert wait_for(lambda: get_ext(admin, a["id"])["forward_always"] == "")
    rec = record(admin, a["number"])
    assert rec["end_status"] == "feature_code"


def test_pickup_takes_a_ringing_call(daemon, admin, tmp_path):
    from peers import uac_answered_then_bye_received
    a, b, c = ext(admin), ext(admin), ext(admin)
    ringing = device(tmp_path, daemon, b["number"], "b", UAS_RING)
    caller = call(tmp_path, daemon, a["number"], b["number"], uac_answered_then_bye_received())
    time.sleep(1.0)   # b rings
    picker = call(tmp_path, daemon, c["number"], "*8", uac_call_and_hangup())
    assert picker.wait() == 0, picker.errors()
    assert caller.wait() == 0, caller.errors()     # answered, then BYE when c hung up
    assert ringing.wait() == 0, ringing.errors()   # b's phone got CANCEL
    rec = record(admin, a["number"])
    assert rec["answered_by"] == c["number"] and rec["end_status"] == "normal_end"
    assert rec["hangup_side"] == "callee"


def test_pickup_with_nothing_ringing_is_404(daemon, admin, tmp_path):
    a = ext(admin)
    uac = call(tmp_path, daemon, a["number"], "*8", uac_expect(404))
    assert uac.wait() == 0, uac.errors()


def test_forwarding_to_itself_is_refused_on_update_too(admin):
    e = ext(admin)
    r = admin.patch(f"/api/v1/extensions/{e['id']}", json={"forward_no_answer": e["number"]})
    assert r.status_code == 400 and "itself" in r.json()["error"]["message"]
    r = admin.patch(f"/api/v1/extensions/{e['id']}", json={"forward_busy": "+"})
    assert r.status_code == 400
