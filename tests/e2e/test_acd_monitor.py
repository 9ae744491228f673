"""A supervisor on an agent's call (issue 6), with three real phones (baresip,
each sending its own tone): the customer (440 Hz) dials a queue, the agent
(1000 Hz) answers, and the supervisor's phone (600 Hz) is rung by
POST /api/v1/calls/live/{id}/monitor. Listening, the supervisor hears both and
nobody hears them; whispering, only the agent does; barging in, both do;
intercepting, the supervisor takes the agent's place. Refusals: bad input,
unknown call, the phone on the call, an unreachable phone, a second
supervisor, no permission, an agent outside the supervisor's department."""
import time

from e2e_helpers import assert_error, expect, make_department, user_with_role
from test_acd_calls import AGENTS, QUEUES, agent_no, live, login, uniq, wait_state
from test_calls import DOMAIN, PASSWORD, call_record, new_extension, wait_registered
from test_conference import tail_wav
from peers import Baresip, tone_power

CUSTOMER, AGENT, SUPERVISOR = 440, 1000, 600
TONES = (CUSTOMER, AGENT, SUPERVISOR)
LIVE = "/api/v1/calls/live"


def phone(tmp_path, daemon, name, number, hz, seconds, dial=None):
    p = Baresip(tmp_path, name, number, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=hz)
    return p.start([f"/dial sip:{dial}@{DOMAIN}"] if dial else [], seconds=seconds)


def agent_on_queue(admin, tmp_path, daemon, seconds, **agent_kw):
    """A logged-in agent whose phone (baresip, auto-answer) is registered, in a
    queue with a number. Answers (agent, its phone, the queue)."""
    number = new_extension(admin)
    ext = expect(admin.get("/api/v1/extensions", params={"q": number}), 200)["items"][0]
    a = expect(admin.post(AGENTS, json={"agent_no": agent_no(), "name": uniq("ag-"),
                                        "extension_id": ext["id"], "wrap_up_s": 1,
                                        **agent_kw}), 201)
    p = phone(tmp_path, daemon, "agent", number, AGENT, seconds)
    assert wait_registered(admin, number)
    q = expect(admin.post(QUEUES, json={"name": uniq("q-"), "number": str(
        int(agent_no()) % 9000000 + 61000000), "members": [{"agent_id": a["id"]}]}), 201)
    login(admin, a)
    return a, p, q


def talking_call(admin, agent_id, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        for c in expect(admin.get(LIVE), 200)["items"]:
            if c["agent_id"] == agent_id and c["state"] == "talking":
                return c
        time.sleep(0.2)
    raise AssertionError("the agent's call was not answered")


def wait_monitor_answered(admin, call_id, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        c = next((c for c in expect(admin.get(LIVE), 200)["items"] if c["id"] == call_id), None)
        if c and c["monitor"] and c["monitor"]["answered"]:
            return c
        time.sleep(0.2)
    raise AssertionError("the supervisor's phone did not answer")


def heard(path, seconds, tmp_path, name):
    """Tone powers in the last `seconds` of a recording."""
    return tone_power(tail_wav(path, seconds, tmp_path / f"{name}-tail.wav"), TONES)


def three_phones(admin, daemon, tmp_path, agent_s, sup_s, customer_s):
    """The agent's and the supervisor's phones registered, then the customer's
    dialling the queue; each phone hangs up after its seconds. Answers (agent, its
    phone, supervisor's phone and number, customer's phone and number)."""
    a, agent, q = agent_on_queue(admin, tmp_path, daemon, seconds=agent_s)
    sup_no = new_extension(admin)
    sup = phone(tmp_path, daemon, "sup", sup_no, SUPERVISOR, seconds=sup_s)
    assert wait_registered(admin, sup_no)
    cust_no = new_extension(admin)
    customer = phone(tmp_path, daemon, "customer", cust_no, CUSTOMER, seconds=customer_s,
                     dial=q["number"])
    return a, agent, sup, sup_no, customer, cust_no


def supervised_call(admin, daemon, tmp_path, mode):
    """Customer -> queue -> agent, then the supervisor monitors in `mode` until the
    customer hangs up. Answers the phones (customer, agent, supervisor), the customer's
    number, the agent and the supervisor's number."""
    a, agent, sup, sup_no, customer, cust_no = three_phones(admin, daemon, tmp_path, 20, 20, 11)
    try:
        call = talking_call(admin, a["id"])
        assert call["monitor"] is None and call["agent_no"] == a["agent_no"]
        body = expect(admin.post(f"{LIVE}/{call['id']}/monitor",
                                 json={"mode": mode, "phone": sup_no}), 200)
        assert body["monitor"]["mode"] == mode and body["monitor"]["phone"] == sup_no
        if mode != "intercept":
            wait_monitor_answered(admin, call["id"])
        customer.proc.wait(20)
        agent.proc.wait(20)
        sup.proc.wait(20)
    finally:
        for p in (customer, agent, sup):
            p.stop()
    return customer, agent, sup, cust_no, a, sup_no


def test_listening_supervisor_hears_both_and_nobody_hears_them(daemon, admin, tmp_path):
    customer, agent, sup, _, _, _ = supervised_call(admin, daemon, tmp_path, "listen")
    s = heard(sup.received_audio(), 2.5, tmp_path, "sup")
    assert s[CUSTOMER] > 0.02 and s[AGENT] > 0.02, s
    c = heard(customer.received_audio(), 2.5, tmp_path, "customer")
    g = heard(agent.received_audio(), 2.5, tmp_path, "agent")
    assert c[AGENT] > 0.05 and c[SUPERVISOR] < 0.005, c      # still talking, no supervisor
    assert g[CUSTOMER] > 0.05 and g[SUPERVISOR] < 0.005, g


def test_whisper_reaches_the_agent_only(daemon, admin, tmp_path):
    customer, agent, _, _, _, _ = supervised_call(admin, daemon, tmp_path, "whisper")
    c = heard(customer.received_audio(), 2.5, tmp_path, "customer")
    g = heard(agent.received_audio(), 2.5, tmp_path, "agent")
    assert g[SUPERVISOR] > 0.02 and g[CUSTOMER] > 0.02, g
    assert c[SUPERVISOR] < 0.005 and c[AGENT] > 0.02, c


def test_barge_in_is_a_three_way_call(daemon, admin, tmp_path):
    customer, agent, sup, _, _, _ = supervised_call(admin, daemon, tmp_path, "barge")
    c = heard(customer.received_audio(), 2.5, tmp_path, "customer")
    g = heard(agent.received_audio(), 2.5, tmp_path, "agent")
    s = heard(sup.received_audio(), 2.5, tmp_path, "sup")
    assert c[SUPERVISOR] > 0.02 and c[AGENT] > 0.02, c
    assert g[SUPERVISOR] > 0.02 and g[CUSTOMER] > 0.02, g
    assert s[CUSTOMER] > 0.02 and s[AGENT] > 0.02, s


def test_intercept_takes_the_call_from_the_agent(daemon, admin, tmp_path):
    customer, agent, _, cust_no, a, sup_no = supervised_call(admin, daemon, tmp_path,
                                                             "intercept")
    c = heard(customer.received_audio(), 2.5, tmp_path, "customer")
    assert c[SUPERVISOR] > 0.05 and c[AGENT] < 0.005, c
    rec = call_record(admin, cust_no)
    assert rec["end_status"] == "normal_end" and rec["answered_by"] == sup_no
    assert rec["agent_id"] == a["id"]              # the agent took it from the queue
    assert wait_state(admin, a, "idle")            # the agent's wrap-up is over
    states = [s["state"] for s in expect(admin.get(
        "/api/v1/agent-states", params={"agent_id": a["id"], "sort": "started_at",
                                        "order": "asc"}), 200)["items"]]
    assert states[-3:] == ["talking", "wrap_up", "idle"], states


def test_the_call_goes_on_when_the_supervisor_hangs_up(daemon, admin, tmp_path):
    a, agent, sup, sup_no, customer, cust_no = three_phones(admin, daemon, tmp_path, 16, 6, 13)
    try:
        call = talking_call(admin, a["id"])
        expect(admin.post(f"{LIVE}/{call['id']}/monitor",
                          json={"mode": "barge", "phone": sup_no}), 200)
        wait_monitor_answered(admin, call["id"])
        sup.proc.wait(20)                     # the supervisor hangs up at 6 s
        end = time.time() + 5
        while time.time() < end:
            now = next(c for c in expect(admin.get(LIVE), 200)["items"] if c["id"] == call["id"])
            if now["monitor"] is None:
                break
            time.sleep(0.2)
        assert now["monitor"] is None and now["state"] == "talking"
        customer.proc.wait(20)
        agent.proc.wait(20)
    finally:
        for p in (customer, agent, sup):
            p.stop()
    # customer and agent talk to each other again, without the supervisor
    c = heard(customer.received_audio(), 2.5, tmp_path, "customer")
    g = heard(agent.received_audio(), 2.5, tmp_path, "agent")
    assert c[AGENT] > 0.05 and c[SUPERVISOR] < 0.005, c
    assert g[CUSTOMER] > 0.05 and g[SUPERVISOR] < 0.005, g
    rec = call_record(admin, cust_no)
    assert rec["end_status"] == "normal_end" and rec["agent_id"] == a["id"]


def test_monitor_refusals(daemon, admin, client, tmp_path):
    a, agent, q = agent_on_queue(admin, tmp_path, daemon, seconds=14)
    agent_phone = expect(admin.get(f"/api/v1/extensions/{a['extension_id']}"), 200)["number"]
    sup_no, other_no, silent_no = (new_extension(admin) for _ in range(3))
    sup = phone(tmp_path, daemon, "sup", sup_no, SUPERVISOR, seconds=14)
    other = phone(tmp_path, daemon, "other", other_no, SUPERVISOR, seconds=14)
    assert wait_registered(admin, sup_no) and wait_registered(admin, other_no)
    customer = phone(tmp_path, daemon, "customer", new_extension(admin), CUSTOMER,
                     seconds=10, dial=q["number"])
    try:
        call = talking_call(admin, a["id"])
        url = f"{LIVE}/{call['id']}/monitor"
        assert_error(admin.post(url, json={"mode": "spy", "phone": sup_no}), 400,
                     "invalid_field", mention="mode")
        assert_error(admin.post(url, json={"mode": "listen"}), 400, "invalid_field",
                     mention="phone")
        assert_error(admin.post(f"{LIVE}/nope/monitor", json={"mode": "listen",
                                                            "phone": sup_no}), 404)
        assert_error(admin.post(url, json={"mode": "listen", "phone": agent_phone}), 409,
                     "conflict")
        assert_error(admin.post(url, json={"mode": "listen", "phone": silent_no}), 409,
                     "phone_unreachable")
        assert_error(admin.delete(url), 404)           # not monitored yet
        # nobody without the monitor menu; a department supervisor for their own agents
        plain, _, _ = user_with_role(client, admin, {"calls": "rw"})
        assert_error(plain.post(url, json={"mode": "listen", "phone": sup_no}), 403)
        dept = make_department(admin)
        boss, _, _ = user_with_role(client, admin, {"monitor": "rw", "agents": "rw"},
                                    data_scope="department", department_id=dept["id"])
        assert_error(boss.post(url, json={"mode": "listen", "phone": sup_no}), 403,
                     "forbidden", mention="scope")
        assert_error(boss.post(f"{AGENTS}/{a['id']}/state", json={"state": "busy"}), 403,
                     "forbidden")
        assert a["id"] not in [i["id"] for i in expect(boss.get(f"{AGENTS}/live"), 200)["items"]]
        expect(admin.patch(f"{AGENTS}/{a['id']}", json={"department_id": dept["id"]}), 200)
        assert a["id"] in [i["id"] for i in expect(boss.get(f"{AGENTS}/live"), 200)["items"]]
        body = expect(boss.post(url, json={"mode": "listen", "phone": sup_no}), 200)
        assert body["monitor"]["by"] != "admin"
        wait_monitor_answered(admin, call["id"])
        assert_error(admin.post(url, json={"mode": "listen", "phone": other_no}), 409,
                     "conflict", mention="another phone")
        assert_error(boss.post(url, json={"mode": "listen", "phone": sup_no}), 409,
                     "conflict", mention="listen")
        assert expect(boss.post(url, json={"mode": "whisper", "phone": sup_no}),
                      200)["monitor"]["mode"] == "whisper"
        expect(boss.delete(url), 204)
        end = time.time() + 5
        while time.time() < end and not sup.wait_for("terminated", 0.2):
            pass
        now = next(c for c in expect(admin.get(LIVE), 200)["items"] if c["id"] == call["id"])
        assert now["monitor"] is None and now["state"] == "talking"
        customer.proc.wait(20)
    finally:
        for p in (customer, agent, sup, other):
            p.stop()
    assert live(admin, a)["state"] in ("wrap_up", "idle")
