"""The queue call log and the queue and agent statistics (issue 6; definitions in
METRICS.md and docs/guide.md "Queue and agent statistics"). Real calls through a queue
behind an IVR flow: refused with nobody logged in, a timeout and a refusal of a full
queue, a caller who gives up after 2 s (a short abandon), an answered call with talk
and wrap-up; each leaves one row in /queue-calls, and /reports/queues and
/reports/agents derive the figures from those rows and the agent state log. Refusals:
bad periods and intervals, unknown queue or agent, tenant and data scope, menus."""
import time

from e2e_helpers import assert_error, expect, make_department, make_tenant, user_with_role
from test_acd_calls import (AGENTS, QUEUES, _waiter, agent_no, agent_with_phone, login,
                            queue_flow, uniq, wait_state)
from test_calls import new_extension
from test_ivr_calls import keys_call

QCALLS, RQ, RA = "/api/v1/queue-calls", "/api/v1/reports/queues", "/api/v1/reports/agents"
COUNTS = ("offered", "queued", "refused_no_agent", "refused_full", "answered", "abandoned",
          "short_abandoned", "overflowed", "overflowed_timeout", "overflowed_no_agent",
          "answered_in_time", "abandoned_in_time", "handled", "wait_answered_ms",
          "wait_abandoned_ms", "talk_ms", "wrap_up_ms")


def now_ms():
    return int(time.time() * 1000)


def log_rows(admin, queue_id, timeout=10, want=1, **params):
    """The queue's log rows, oldest first, once `want` of them are closed."""
    end = time.time() + timeout
    while True:
        items = expect(admin.get(QCALLS, params={"queue_id": queue_id, "sort": "entered_at",
                                                 "order": "asc", **params}), 200)["items"]
        if len([i for i in items if i["left_at"] is not None]) >= want or time.time() > end:
            return items
        time.sleep(0.2)


def queue_report(admin, q, t0, t1, **params):
    body = expect(admin.get(RQ, params={"from": t0, "to": t1, "queue_id": q["id"], **params}),
                  200)
    assert [i["queue_id"] for i in body["queues"]] == [q["id"]]
    return body, body["queues"][0]


def assert_adds_up(item, names):
    for name in names:
        assert sum(i[name] for i in item["intervals"]) == item["total"][name], name


def test_queue_log_and_reports_from_real_calls(daemon, admin, tmp_path):
    a, _, phone = agent_with_phone(admin, tmp_path, daemon, agent_no(), wrap_up_s=1)
    q = expect(admin.post(QUEUES, json={"name": uniq("q-"), "max_waiting": 1,
                                        "max_wait_s": 5, "ring_timeout_s": 5,
                                        "members": [{"agent_id": a["id"]}]}),
               201)
    _, _, number = queue_flow(admin, q["id"])
    t0 = now_ms()
    # 1. nobody logged in: refused, no_agent
    refused = new_extension(admin)
    keys_call(tmp_path, daemon, refused, number, [])
    # 2. the agent is busy: the first caller waits 5 s (timeout), a second finds it full
    login(admin, a, state="busy", reason="meeting")
    late, full = new_extension(admin), new_extension(admin)
    waiting = _waiter(tmp_path, daemon, late, number)
    time.sleep(1.5)
    keys_call(tmp_path, daemon, full, number, [], name="second")
    assert waiting.wait(30) == 0, waiting.errors()
    # 3. a caller gives up after about 2 s
    gone = new_extension(admin)
    keys_call(tmp_path, daemon, gone, number, [], hangs_up=False, hold_ms=2000, name="gone")
    # 4. the agent is free: answered, 3 s of talk, 1 s of wrap-up
    expect(admin.post(f"{AGENTS}/{a['id']}/state", json={"state": "idle"}), 200)
    taken = new_extension(admin)
    keys_call(tmp_path, daemon, taken, number, [], hangs_up=False, hold_ms=3000, name="taken")
    assert phone.wait(20) == 0, phone.errors()
    assert wait_state(admin, a, "idle")
    t1 = now_ms() + 1

    rows = log_rows(admin, q["id"], want=5)
    assert [(r["caller"], r["outcome"], r["queued"]) for r in rows] == [
        (refused, "no_agent", False), (late, "timeout", True), (full, "full", False),
        (gone, "abandoned", True), (taken, "answered", True)]
    by = {r["outcome"]: r for r in rows}
    assert by["timeout"]["wait_ms"] >= 5000
    assert 1500 <= by["abandoned"]["wait_ms"] < 5000
    assert by["full"]["wait_ms"] == 0 and by["full"]["left_at"] == by["full"]["entered_at"]
    ans = by["answered"]
    assert ans["agent_id"] == a["id"] and ans["left_at"] == ans["answered_at"]
    assert ans["wait_ms"] == ans["answered_at"] - ans["entered_at"]
    assert by["timeout"]["agent_id"] is None
    assert [r["id"] for r in expect(admin.get(QCALLS, params={
        "queue_id": q["id"], "outcome": "answered"}), 200)["items"]] == [ans["id"]]
    assert expect(admin.get(QCALLS, params={"queue_id": q["id"], "from": t1}),
                  200)["total"] == 0

    body, rep = queue_report(admin, q, t0, t1)
    assert body["interval"] == "none" and body["short_abandon_s"] == 5
    tot = rep["total"]
    assert {k: tot[k] for k in COUNTS[:13]} == {
        "offered": 5, "queued": 3, "refused_no_agent": 1, "refused_full": 1, "answered": 1,
        "abandoned": 0, "short_abandoned": 1, "overflowed": 1, "overflowed_timeout": 1,
        "overflowed_no_agent": 0, "answered_in_time": 1, "abandoned_in_time": 0,
        "handled": 1}
    assert tot["wait_answered_ms"] == ans["wait_ms"] and tot["asa_s"] == ans["wait_ms"] // 1000
    assert 2000 <= tot["talk_ms"] <= 6000 and 800 <= tot["wrap_up_ms"] <= 2500
    assert tot["aht_s"] == (tot["talk_ms"] + tot["wrap_up_ms"]) // 1000
    assert tot["longest_wait_ms"] == by["timeout"]["wait_ms"]
    # 1 in time / (1 answered + 0 abandoned + 1 overflowed); 1 of 5 offered; 0 of 3 queued
    assert (tot["service_level"], tot["sl"], tot["sl2"]) == (50.0, 100.0, 100.0)
    assert (tot["answer_rate"], tot["abandon_rate"]) == (20.0, 0.0)
    assert tot["avg_abandon_s"] is None
    assert len(rep["intervals"]) == 1 and rep["intervals"][0]["offered"] == 5

    # no short-abandon threshold: the 2 s caller is abandoned (in time)
    _, rep0 = queue_report(admin, q, t0, t1, short_abandon_s=0)
    tot0 = rep0["total"]
    assert (tot0["abandoned"], tot0["short_abandoned"], tot0["abandoned_in_time"]) == (1, 0, 1)
    assert tot0["abandon_rate"] == 33.33 and tot0["service_level"] == 33.33
    assert tot0["sl2"] == 100.0 and tot0["avg_abandon_s"] == by["abandoned"]["wait_ms"] // 1000

    # quarter hours add up to the whole
    body15, rep15 = queue_report(admin, q, t0 - 3600_000, t1, interval="15m")
    assert body15["interval"] == "15m" and len(rep15["intervals"]) >= 4
    assert rep15["intervals"][0]["start"] == t0 - 3600_000 and rep15["intervals"][-1]["end"] == t1
    assert all(i["end"] == j["start"] for i, j in zip(rep15["intervals"], rep15["intervals"][1:]))
    assert_adds_up(rep15, COUNTS)
    assert rep15["total"]["offered"] == 5
    empty = [i for i in rep15["intervals"] if i["offered"] == 0]
    assert empty and empty[0]["service_level"] is None and empty[0]["asa_s"] is None

    # the agent: one offer, answered; the state times make up the login time
    ag = expect(admin.get(RA, params={"from": t0, "to": t1, "agent_id": a["id"]}),
                200)["agents"]
    assert [x["agent_id"] for x in ag] == [a["id"]]
    f = ag[0]["total"]
    assert (f["offered"], f["answered"], f["answer_rate"]) == (1, 1, 100.0)
    parts = ("idle_ms", "busy_ms", "ringing_ms", "talking_ms", "hold_ms", "wrap_up_ms",
             "other_ms")
    assert sum(f[p] for p in parts) == f["login_ms"] > 0
    assert sum(f["busy_reasons"].values()) == f["busy_ms"] and "meeting" in f["busy_reasons"]
    assert f["talking_ms"] == tot["talk_ms"] and f["wrap_up_ms"] == tot["wrap_up_ms"]
    work = f["talking_ms"] + f["wrap_up_ms"]
    assert f["utilisation"] == round(100 * work / f["login_ms"], 2)
    assert f["occupancy"] == round(100 * work / (work + f["idle_ms"]), 2)
    hourly = expect(admin.get(RA, params={"from": t0 - 7200_000, "to": t1, "interval": "hour",
                                          "agent_id": a["id"]}), 200)["agents"][0]
    assert_adds_up(hourly, ("offered", "answered", "login_ms") + parts)
    for i in hourly["intervals"]:
        assert sum(i[p] for p in parts) == i["login_ms"]
    expect(admin.post(f"{AGENTS}/{a['id']}/logout", json={}), 200)


def test_report_refusals(admin, client, operator):
    q = expect(admin.post(QUEUES, json={"name": uniq("q-")}), 201)
    t = now_ms()
    for params, field in (({}, "from"), ({"from": t}, "to"), ({"from": "x", "to": t}, "from"),
                          ({"from": t, "to": "12a"}, "to"), ({"from": -5, "to": t}, "from"),
                          ({"from": t, "to": t}, "to"), ({"from": t, "to": t - 1}, "to"),
                          ({"from": t, "to": t + 1, "interval": "week"}, "interval"),
                          ({"from": 0, "to": t, "interval": "15m"}, "interval")):
        assert_error(admin.get(RQ, params=params), 400, "invalid_field", mention=field)
        assert_error(admin.get(RA, params=params), 400, "invalid_field", mention=field)
    for bad in ("-1", "601", "x"):
        assert_error(admin.get(RQ, params={"from": t, "to": t + 1, "short_abandon_s": bad}),
                     400, "invalid_field", mention="short_abandon_s")
    assert_error(admin.get(RQ, params={"from": t, "to": t + 1, "queue_id": "nope"}), 404,
                 "not_found", mention="queue")
    assert_error(admin.get(RA, params={"from": t, "to": t + 1, "agent_id": "nope"}), 404,
                 "not_found", mention="agent")
    assert_error(admin.get(QCALLS, params={"from": "x"}), 400)
    # another tenant sees neither the queue nor its log
    other_t = make_tenant(operator)
    other = client.login(other_t["code"], "admin", other_t["_admin_password"])
    assert_error(other.get(RQ, params={"from": t, "to": t + 1, "queue_id": q["id"]}), 404)
    assert expect(other.get(RQ, params={"from": 0, "to": t + 1}), 200)["queues"] == []
    assert expect(other.get(QCALLS), 200)["total"] == 0
    # menus: queues for the queue report and log, agents for the agent report
    qonly, _, _ = user_with_role(client, admin, {"queues": "ro"})
    expect(qonly.get(RQ, params={"from": t, "to": t + 1}), 200)
    expect(qonly.get(QCALLS), 200)
    assert_error(qonly.get(RA, params={"from": t, "to": t + 1}), 403)
    aonly, _, _ = user_with_role(client, admin, {"agents": "ro"})
    assert_error(aonly.get(RQ, params={"from": t, "to": t + 1}), 403)
    assert_error(aonly.get(QCALLS), 403)


def test_agent_report_follows_the_data_scope(admin, client):
    dept = make_department(admin)
    inside = expect(admin.post(AGENTS, json={"agent_no": agent_no(), "name": "in",
                                             "department_id": dept["id"]}), 201)
    outside = expect(admin.post(AGENTS, json={"agent_no": agent_no(), "name": "out"}), 201)
    boss, _, _ = user_with_role(client, admin, {"agents": "ro"}, data_scope="department",
                                department_id=dept["id"])
    t = now_ms()
    seen = [x["agent_id"] for x in expect(boss.get(RA, params={"from": t - 1000, "to": t}),
                                          200)["agents"]]
    assert seen == [inside["id"]]
    assert_error(boss.get(RA, params={"from": t - 1000, "to": t, "agent_id": outside["id"]}),
                 404, "not_found", mention="scope")
    every = [x["agent_id"] for x in expect(admin.get(RA, params={"from": t - 1000, "to": t}),
                                           200)["agents"]]
    assert inside["id"] in every and outside["id"] in every
    row = next(x for x in expect(admin.get(RA, params={"from": t - 1000, "to": t}),
                                 200)["agents"] if x["agent_id"] == outside["id"])
    assert row["total"]["login_ms"] == 0 and row["total"]["utilisation"] is None


def test_a_wait_cut_by_a_crash_is_closed_at_the_next_start(make_daemon, tmp_path):
    from e2e_helpers import ADMIN_PASSWORD, DEMO
    d = make_daemon()
    admin = d.client().login(DEMO, "admin", ADMIN_PASSWORD)
    phone = new_extension(admin)
    ext = expect(admin.get("/api/v1/extensions", params={"q": phone}), 200)["items"][0]
    a = expect(admin.post(AGENTS, json={"agent_no": agent_no(), "name": "x",
                                        "extension_id": ext["id"]}), 201)
    number = "7" + agent_no()[:7]
    q = expect(admin.post(QUEUES, json={"name": uniq("q-"), "number": number,
                                        "members": [{"agent_id": a["id"]}]}), 201)
    login(admin, a, state="busy", reason="meeting")
    caller = new_extension(admin)
    uac = _waiter(tmp_path, d, caller, number)
    try:
        rows = []
        end = time.time() + 10
        while time.time() < end and not rows:
            rows = expect(admin.get(QCALLS, params={"queue_id": q["id"]}), 200)["items"]
            time.sleep(0.2)
        assert [(r["outcome"], r["left_at"]) for r in rows] == [("waiting", None)]
        time.sleep(1)
        report = expect(admin.get(RQ, params={"from": 0, "to": now_ms() + 1,
                                              "queue_id": q["id"]}), 200)["queues"][0]["total"]
        assert (report["waiting"], report["queued"]) == (1, 1)
        assert report["longest_wait_ms"] >= 1000
        d.proc.kill()                             # no goodbye: SIGKILL
        d.proc.wait()
    finally:
        uac.stop()
    d.start()                                     # the same database
    admin = d.client().login(DEMO, "admin", ADMIN_PASSWORD)
    end = time.time() + 10
    while time.time() < end:
        rows = expect(admin.get(QCALLS, params={"queue_id": q["id"]}), 200)["items"]
        if rows[0]["left_at"] is not None:
            break
        time.sleep(0.2)
    r = rows[0]
    assert r["outcome"] == "interrupted" and r["wait_ms"] == r["left_at"] - r["entered_at"]
    assert r["wait_ms"] >= 1000
    # the agent's open state row is closed too (logged out by the crash)
    st = expect(admin.get("/api/v1/agent-states", params={"agent_id": a["id"]}), 200)["items"]
    assert st and all(s["ended_at"] is not None for s in st if s["state"] != "offline")
    report = expect(admin.get(RQ, params={"from": 0, "to": now_ms() + 1, "queue_id": q["id"]}),
                    200)["queues"][0]["total"]
    assert (report["queued"], report["waiting"], report["other"], report["abandoned"]) == \
        (1, 0, 1, 0)


def test_hold_is_its_own_figure_in_the_queue_report(daemon, admin, tmp_path):
    """METRICS.md: talk, hold and wrap-up are apart, and AHT adds the three. The agent holds
    the customer about 1.5 s of a call of about 4.5 s, then 1 s of wrap-up."""
    import threading
    a, _, phone = agent_with_phone(admin, tmp_path, daemon, agent_no(), wrap_up_s=1)
    q = expect(admin.post(QUEUES, json={"name": uniq("q-"), "members": [{"agent_id": a["id"]}]}),
               201)
    _, _, number = queue_flow(admin, q["id"])
    login(admin, a)
    t0 = now_ms()
    caller = new_extension(admin)
    call = threading.Thread(target=keys_call, args=(tmp_path, daemon, caller, number, []),
                            kwargs={"hangs_up": False, "hold_ms": 4500})
    call.start()
    assert wait_state(admin, a, "talking")
    time.sleep(1.0)
    act = f"{AGENTS}/{a['id']}/call"
    expect(admin.post(act, json={"action": "hold"}), 200)
    time.sleep(1.5)
    expect(admin.post(act, json={"action": "unhold"}), 200)
    call.join(30)
    assert phone.wait(20) == 0, phone.errors()
    assert wait_state(admin, a, "idle")
    t1 = now_ms() + 1
    rows = log_rows(admin, q["id"], want=1)
    assert rows[0]["outcome"] == "answered" and 1300 <= rows[0]["hold_ms"] <= 2500, rows[0]
    tot = queue_report(admin, q, t0, t1)[1]["total"]
    assert tot["handled"] == 1
    assert 1300 <= tot["hold_ms"] <= 2500, tot
    assert 2000 <= tot["talk_ms"] <= 4000, tot                     # without the hold
    assert 800 <= tot["wrap_up_ms"] <= 2500, tot
    assert tot["aht_s"] == (tot["talk_ms"] + tot["hold_ms"] + tot["wrap_up_ms"]) // 1000
    # the agent report says the same of the agent's time
    f = expect(admin.get(RA, params={"from": t0, "to": t1, "agent_id": a["id"]}),
               200)["agents"][0]["total"]
    assert f["talking_ms"] == tot["talk_ms"] and f["hold_ms"] == tot["hold_ms"]
    assert f["wrap_up_ms"] == tot["wrap_up_ms"]
