"""An agent's controls over the call they took from a queue (issue 6):
POST /api/v1/agents/{id}/call with hold / unhold, mute / unmute, dtmf and the
blind transfers, with real phones (baresip, each sending its own tone): the
customer (440 Hz) dials a queue, the agent (1000 Hz) answers. Hold: neither
hears the other (the customer hears music); mute: the customer stops hearing
the agent; DTMF tones reach the customer; a transfer hands the customer on (an
extension, another queue's agent, an IVR flow) and sends the agent to
wrap-up. Refusals: no call, bad input, unknown targets, no route, scope."""
import time
import wave

from e2e_helpers import assert_error, expect, make_department, user_with_role
from test_acd_calls import (AGENTS, QUEUES, agent_no, live, login, queue_flow, states, uniq,
                            wait_state)
from test_acd_monitor import LIVE, agent_on_queue, heard, phone, talking_call
from test_calls import call_record, new_extension, wait_registered
from test_ivr_calls import node, path, publish, start
from peers import tone_power

CUSTOMER, AGENT, OTHER = 440, 1000, 600
DTMF_1 = (697, 1209)


def act(admin, a, action, target=None, status=200):
    body = {"action": action} if target is None else {"action": action, "target": target}
    return admin.post(f"{AGENTS}/{a['id']}/call", json=body)


def window(path, start_s, end_s, out, freqs):
    """Tone powers between two times (s from the recording's start)."""
    with wave.open(str(path)) as w:
        params, rate = w.getparams(), w.getframerate()
        w.setpos(int(start_s * rate))
        frames = w.readframes(int((end_s - start_s) * rate))
    with wave.open(str(out), "wb") as o:
        o.setparams(params)
        o.writeframes(frames)
    return tone_power(out, freqs)


def test_hold_mute_and_dtmf(daemon, admin, tmp_path):
    a, agent, q = agent_on_queue(admin, tmp_path, daemon, seconds=22)
    customer = phone(tmp_path, daemon, "customer", new_extension(admin), CUSTOMER,
                     seconds=18, dial=q["number"])
    try:
        call = talking_call(admin, a["id"])
        t0 = {"c": call["answer_at"] / 1000, "a": live(admin, a)["since"] / 1000}
        started = int(time.time() * 1000)
        time.sleep(1.5)
        expect(act(admin, a, "hold"), 200)
        assert live(admin, a)["state"] == "hold"             # the agent state follows
        assert_error(act(admin, a, "hold"), 409, "conflict")
        now = next(c for c in expect(admin.get(LIVE), 200)["items"] if c["id"] == call["id"])
        assert now["on_hold"] is True and now["muted"] is False
        assert_error(act(admin, a, "dtmf", "1"), 409, "conflict", mention="on hold")
        t_hold = time.time()
        time.sleep(3)
        expect(act(admin, a, "unhold"), 200)
        t_unhold = time.time()
        assert live(admin, a)["state"] == "talking"
        time.sleep(2.5)
        expect(act(admin, a, "mute"), 200)
        t_mute = time.time()
        assert_error(act(admin, a, "dtmf", "1"), 409, "conflict", mention="muted")
        time.sleep(3)
        expect(act(admin, a, "unmute"), 200)
        t_unmute = time.time()
        time.sleep(1)
        expect(act(admin, a, "dtmf", "1111111111"), 200)       # 1.7 s of key 1
        t_dtmf = time.time()
        assert_error(act(admin, a, "dtmf", "12x"), 400, "invalid_field", mention="target")
        customer.proc.wait(20)
    finally:
        customer.stop()
        agent.stop()
    c_rec, a_rec = customer.received_audio(), agent.received_audio()
    freqs = (CUSTOMER, AGENT) + DTMF_1

    def w(rec, name, start_at, end_at):
        zero = t0[name[1]]          # the customer's or the agent's answer
        return window(rec, start_at - zero + 0.5, end_at - zero - 0.5,
                      tmp_path / f"{name}.wav", freqs)
    held_c, held_a = w(c_rec, "hc", t_hold, t_unhold), w(a_rec, "ha", t_hold, t_unhold)
    assert held_c[AGENT] < 0.005 and held_a[CUSTOMER] < 0.005, (held_c, held_a)
    talk_c, talk_a = w(c_rec, "tc", t_unhold, t_mute), w(a_rec, "ta", t_unhold, t_mute)
    assert talk_c[AGENT] > 0.05 and talk_a[CUSTOMER] > 0.05, (talk_c, talk_a)
    mute_c, mute_a = w(c_rec, "mc", t_mute, t_unmute), w(a_rec, "ma", t_mute, t_unmute)
    assert mute_c[AGENT] < 0.005 and mute_a[CUSTOMER] > 0.05, (mute_c, mute_a)
    # key 1 (697 + 1209 Hz): in 100 ms pieces, as each press starts its own tone
    pieces = [window(c_rec, t_dtmf - t0["c"] - 0.5 + i / 10, t_dtmf - t0["c"] - 0.4 + i / 10,
                     tmp_path / "d.wav", freqs) for i in range(30)]
    keys = [p for p in pieces if p[697] > 0.1 and p[1209] > 0.1]
    assert len(keys) >= 5, pieces
    assert all(p[697] < 0.01 for p in (held_c, talk_c, mute_c))
    assert_error(act(admin, a, "hold"), 409, "no_call")
    assert_error(act(admin, a, "dtmf", "1"), 409, "no_call")
    # the state log: hold, then talking again ("resumed"); the report counts one call
    # answered, about 3 s on hold, and the hold in the work
    assert ("hold", "") in states(admin, a) and ("talking", "resumed") in states(admin, a)
    f = expect(admin.get("/api/v1/reports/agents", params={
        "from": started - 60_000, "to": int(time.time() * 1000) + 1000,
        "agent_id": a["id"]}), 200)["agents"][0]["total"]
    assert f["answered"] == 1 and 2500 <= f["hold_ms"] <= 4500, f


def test_transfer_to_another_queue_goes_to_its_agent(daemon, admin, tmp_path):
    a, agent, q = agent_on_queue(admin, tmp_path, daemon, seconds=23)
    b_ext = new_extension(admin)
    b_phone_ext = expect(admin.get("/api/v1/extensions", params={"q": b_ext}), 200)["items"][0]
    b = expect(admin.post(AGENTS, json={"agent_no": agent_no(), "name": uniq("ag-"),
                                        "extension_id": b_phone_ext["id"],
                                        "wrap_up_s": 0}), 201)
    b_phone = phone(tmp_path, daemon, "agent-b", b_ext, OTHER, seconds=23)
    assert wait_registered(admin, b_ext)
    q2 = expect(admin.post(QUEUES, json={"name": uniq("q2-"),
                                         "members": [{"agent_id": b["id"]}]}), 201)
    login(admin, b)
    cust_no = new_extension(admin)
    customer = phone(tmp_path, daemon, "customer", cust_no, CUSTOMER, seconds=15,
                     dial=q["number"])
    try:
        talking_call(admin, a["id"])
        assert_error(act(admin, a, "transfer_queue", "no-such-queue"), 404, "not_found")
        expect(act(admin, a, "transfer_queue", q2["id"]), 200)
        call = talking_call(admin, b["id"])
        assert call["queue_id"] == q2["id"]
        assert wait_state(admin, a, "idle")         # wrap-up of a, then idle
        customer.proc.wait(20)
    finally:
        for p in (customer, agent, b_phone):
            p.stop()
    c = heard(customer.received_audio(), 2.5, tmp_path, "customer")
    assert c[OTHER] > 0.05 and c[AGENT] < 0.005, c
    rec = call_record(admin, cust_no)
    assert (rec["agent_id"], rec["queue_id"], rec["answered_by"]) == (b["id"], q2["id"], b_ext)
    assert [s for s, _ in states(admin, a)][-4:] == ["ringing", "talking", "wrap_up", "idle"]


def test_transfer_to_an_extension_and_to_a_survey_flow(daemon, admin, tmp_path):
    a, agent, q = agent_on_queue(admin, tmp_path, daemon, seconds=24)
    ext = new_extension(admin)
    desk = phone(tmp_path, daemon, "desk", ext, OTHER, seconds=24)
    assert wait_registered(admin, ext)
    survey, _, _ = publish(admin, [
        start("thanks"),
        node("thanks", "counter", {"next": "bye"}, name="survey"),
        node("bye", "hangup", {}),
    ])
    cust_no = new_extension(admin)
    customer = phone(tmp_path, daemon, "customer", cust_no, CUSTOMER, seconds=9,
                     dial=q["number"])
    try:
        talking_call(admin, a["id"])
        expect(act(admin, a, "transfer_extension", ext), 200)
        customer.proc.wait(20)
    finally:
        customer.stop()
    c = heard(customer.received_audio(), 2.5, tmp_path, "customer")
    assert c[OTHER] > 0.05 and c[AGENT] < 0.005, c
    rec = call_record(admin, cust_no)
    assert rec["answered_by"] == ext and rec["agent_id"] == a["id"]
    # the next call, from a flow's queue node: the agent sends the customer on to the
    # survey flow, and the call's IVR path goes on there
    assert wait_state(admin, a, "idle")
    _, _, flow_number = queue_flow(admin, q["id"])
    cust2 = new_extension(admin)
    customer = phone(tmp_path, daemon, "customer2", cust2, CUSTOMER, seconds=9,
                     dial=flow_number)
    try:
        talking_call(admin, a["id"])
        expect(act(admin, a, "transfer_ivr", survey["id"]), 200)
        customer.proc.wait(20)
    finally:
        for p in (customer, agent, desk):
            p.stop()
    rec = call_record(admin, cust2)
    assert rec["agent_id"] == a["id"] and rec["hangup_side"] == "system", rec
    assert [(n, e) for n, e, _ in path(rec)] == [
        ("start", "next"), ("q", "answered"), ("start", "next"), ("thanks", "next"),
        ("bye", None)], path(rec)


def test_agent_call_refusals(daemon, admin, client, tmp_path):
    a, agent, q = agent_on_queue(admin, tmp_path, daemon, seconds=14)
    assert_error(act(admin, a, "hold"), 409, "no_call")
    assert_error(act(admin, a, "dtmf", "1"), 409, "no_call")
    assert_error(admin.post(f"{AGENTS}/nope/call", json={"action": "hold"}), 404)
    customer = phone(tmp_path, daemon, "customer", new_extension(admin), CUSTOMER,
                     seconds=10, dial=q["number"])
    try:
        talking_call(admin, a["id"])
        assert_error(act(admin, a, "park"), 400, "invalid_field", mention="action")
        assert_error(act(admin, a, "transfer_extension"), 400, "invalid_field",
                     mention="target")
        assert_error(act(admin, a, "transfer_extension", "99999999"), 404, "not_found")
        assert_error(act(admin, a, "transfer_agent", a["id"]), 409, "conflict")
        assert_error(act(admin, a, "transfer_ivr", "no-such-flow"), 404, "not_found")
        assert_error(act(admin, a, "transfer_external", "0123456789"), 409, "no_route")
        assert_error(act(admin, a, "transfer_external", "12ab"), 400, "invalid_field")
        dept = make_department(admin)
        boss, _, _ = user_with_role(client, admin, {"agents": "rw"},
                                    data_scope="department", department_id=dept["id"])
        assert_error(boss.post(f"{AGENTS}/{a['id']}/call", json={"action": "hold"}), 403,
                     "forbidden")
        viewer, _, _ = user_with_role(client, admin, {"agents": "ro"})
        assert_error(viewer.post(f"{AGENTS}/{a['id']}/call", json={"action": "hold"}), 403)
        # still talking after every refusal; the agent hangs up
        expect(act(admin, a, "hangup"), 200)
        assert wait_state(admin, a, "wrap_up", 5) or wait_state(admin, a, "idle", 5)
        assert not [c for c in expect(admin.get(LIVE), 200)["items"] if c["agent_id"] == a["id"]]
    finally:
        customer.stop()
        agent.stop()
