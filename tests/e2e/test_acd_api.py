"""The ACD's configuration over the API (issue 6; cticloud.md §2.12.1-3):
skills, busy reasons, agents (agent number, bound phone, skills with levels)
and queues (strategy, members, skill requirements, limits); every refusal with
its reason; things in use are not deleted; tenants see only their own."""
import uuid

from e2e_helpers import assert_error, assert_list_shape, check_menu_permission, expect, make_tenant
from test_calls import new_extension

SKILLS, REASONS, AGENTS, QUEUES = ("/api/v1/skills", "/api/v1/busy-reasons", "/api/v1/agents",
                                   "/api/v1/queues")


def uniq(p):
    return p + uuid.uuid4().hex[:8]


def agent_no():
    return str(uuid.uuid4().int % 9000000 + 1000000)


def ext_id(admin):
    number = new_extension(admin)
    return expect(admin.get("/api/v1/extensions", params={"q": number}), 200)["items"][0]["id"]


def skill(admin):
    return expect(admin.post(SKILLS, json={"name": uniq("sk-"), "description": "d"}), 201)


def agent(admin, **kw):
    return expect(admin.post(AGENTS, json={"agent_no": agent_no(), "name": uniq("ag-"), **kw}),
                  201)


def test_skills_and_busy_reasons(admin):
    s = skill(admin)
    assert s["description"] == "d"
    assert_error(admin.post(SKILLS, json={"name": s["name"]}), 409, "conflict")
    assert_error(admin.post(SKILLS, json={}), 400, "missing_field", "name")
    r = expect(admin.post(REASONS, json={"name": uniq("meal-"), "sort": 2}), 201)
    assert r["sort"] == 2
    assert_error(admin.post(REASONS, json={"name": "x" * 33}), 400, "invalid_field", "name")
    assert_list_shape(expect(admin.get(REASONS), 200))
    expect(admin.delete(f"{REASONS}/{r['id']}"), 204)


def test_agent_fields_defaults_and_refusals(admin):
    s1, s2 = skill(admin), skill(admin)
    e = ext_id(admin)
    a = agent(admin, extension_id=e, skills=[{"skill_id": s1["id"], "level": 7},
                                             {"skill_id": s2["id"], "level": 0}])
    assert a["skills"] == [{"skill_id": s1["id"], "level": 7}, {"skill_id": s2["id"], "level": 0}]
    assert (a["max_calls"], a["wrap_up_s"], a["busy_after_miss"], a["outbound"],
            a["monitor"], a["enabled"]) == (1, 5, False, True, False, True)
    assert_error(admin.post(AGENTS, json={"agent_no": a["agent_no"], "name": "x"}), 409,
                 "conflict")
    # one phone, one agent
    assert_error(admin.post(AGENTS, json={"agent_no": agent_no(), "name": "x",
                                          "extension_id": e}), 409, "conflict", a["agent_no"])
    for body, field in [({"agent_no": "12"}, "agent_no"), ({"agent_no": "12a4"}, "agent_no"),
                        ({"max_calls": 0}, "max_calls"), ({"wrap_up_s": 601}, "wrap_up_s"),
                        ({"extension_id": str(uuid.uuid4())}, "extension_id"),
                        ({"department_id": str(uuid.uuid4())}, "department_id"),
                        ({"skills": [{"skill_id": s1["id"], "level": 10}]}, "skills"),
                        ({"skills": [{"skill_id": str(uuid.uuid4()), "level": 1}]}, "skills"),
                        ({"skills": [{"skill_id": s1["id"]}, {"skill_id": s1["id"]}]}, "skills"),
                        ({"skills": ["x"]}, "skills")]:
        full = {"agent_no": agent_no(), "name": "x", **body}
        assert_error(admin.post(AGENTS, json=full), 400, "invalid_field", field)
    u = expect(admin.patch(f"{AGENTS}/{a['id']}", json={"max_calls": 2, "extension_id": None}),
               200)
    assert u["max_calls"] == 2 and u["extension_id"] is None
    # a skill an agent has cannot be deleted
    assert_error(admin.delete(f"{SKILLS}/{s1['id']}"), 409, "in_use", a["name"])
    listed = expect(admin.get(AGENTS, params={"q": a["agent_no"]}), 200)
    assert [i["id"] for i in listed["items"]] == [a["id"]]


def test_queue_fields_defaults_and_refusals(admin):
    s = skill(admin)
    a, b = agent(admin), agent(admin)
    q = expect(admin.post(QUEUES, json={
        "name": uniq("q-"), "strategy": "round_robin",
        "members": [{"agent_id": a["id"], "priority": 1}, {"agent_id": b["id"], "priority": 2}],
        "skills": [{"skill_id": s["id"], "min_level": 3}]}), 201)
    assert (q["ring_timeout_s"], q["max_wait_s"], q["max_waiting"], q["service_level_s"],
            q["retry_delay_s"], q["priority"], q["wrap_up_s"]) == (25, 600, 0, 20, 2, 0, 0)
    assert q["strategy"] == "round_robin" and q["members"][1] == {"agent_id": b["id"],
                                                                 "priority": 2}
    for body, field in [({"strategy": "telepathy"}, "strategy"),
                        ({"ring_timeout_s": 4}, "ring_timeout_s"),
                        ({"ring_timeout_s": 30, "max_wait_s": 20}, "max_wait_s"),
                        ({"max_waiting": 1000}, "max_waiting"),
                        ({"number": "1x"}, "number"),
                        ({"members": [{"agent_id": str(uuid.uuid4())}]}, "members"),
                        ({"members": [{"agent_id": a["id"], "priority": 101}]}, "members"),
                        ({"skills": [{"skill_id": s["id"], "min_level": -1}]}, "skills"),
                        ({"moh_class_id": str(uuid.uuid4())}, "moh_class_id")]:
        assert_error(admin.post(QUEUES, json={"name": uniq("q-"), **body}), 400,
                     "invalid_field", field)
    # a queue number is in the tenant's dial plan
    ext = new_extension(admin)
    assert_error(admin.post(QUEUES, json={"name": uniq("q-"), "number": ext}), 409, "conflict",
                 ext)
    # in use: the agent (member), the skill; the queue (route, published flow)
    assert_error(admin.delete(f"{AGENTS}/{a['id']}"), 409, "in_use", q["name"])
    assert_error(admin.delete(f"{SKILLS}/{s['id']}"), 409, "in_use", q["name"])
    r = expect(admin.post("/api/v1/inbound-routes", json={
        "name": uniq("in"), "enabled": False, "destination": {"type": "queue",
                                                              "target": q["id"]}}), 201)
    assert_error(admin.delete(f"{QUEUES}/{q['id']}"), 409, "in_use", r["name"])
    expect(admin.delete(f"/api/v1/inbound-routes/{r['id']}"), 204)
    expect(admin.patch(f"{QUEUES}/{q['id']}", json={"members": []}), 200)
    expect(admin.delete(f"{AGENTS}/{a['id']}"), 204)
    expect(admin.delete(f"{QUEUES}/{q['id']}"), 204)


def test_queue_survey_flow(admin):
    """The survey a workbench's one-click invite sends the customer to: an IVR flow of the
    tenant; a flow in use as a queue's survey is not deleted; the workbench reads it."""
    flow = expect(admin.post("/api/v1/ivr-flows", json={"name": uniq("survey-")}), 201)
    q = expect(admin.post(QUEUES, json={"name": uniq("q-")}), 201)
    assert q["survey_flow_id"] is None
    assert_error(admin.patch(f"{QUEUES}/{q['id']}", json={"survey_flow_id": str(uuid.uuid4())}),
                 400, "invalid_field", "survey_flow_id")
    assert_error(admin.patch(f"{QUEUES}/{q['id']}", json={"survey_flow_id": 7}),
                 400, "invalid_field", "survey_flow_id")
    q = expect(admin.patch(f"{QUEUES}/{q['id']}", json={"survey_flow_id": flow["id"]}), 200)
    assert q["survey_flow_id"] == flow["id"]
    wb = expect(admin.get("/api/v1/workbench"), 200)
    assert next(x for x in wb["queues"] if x["id"] == q["id"])["survey_flow_id"] == flow["id"]
    assert_error(admin.delete(f"/api/v1/ivr-flows/{flow['id']}"), 409, "in_use", q["name"])
    expect(admin.patch(f"{QUEUES}/{q['id']}", json={"survey_flow_id": None}), 200)
    expect(admin.delete(f"/api/v1/ivr-flows/{flow['id']}"), 204)
    expect(admin.delete(f"{QUEUES}/{q['id']}"), 204)


def test_queue_waiting_fields_and_refusals(admin, client, operator):
    q = expect(admin.post(QUEUES, json={"name": uniq("q-")}), 201)
    assert (q["vip_list_id"], q["vip_priority"], q["announce_s"], q["announce_prompt"]) == (
        None, 10, 0, [])
    vip = expect(admin.post("/api/v1/lists", json={
        "name": uniq("vip"), "direction": "inbound", "type": "white",
        "entries": ["13800000000"]}), 201)
    black = expect(admin.post("/api/v1/lists", json={
        "name": uniq("bl"), "direction": "inbound", "type": "black"}), 201)
    q = expect(admin.patch(f"{QUEUES}/{q['id']}", json={
        "vip_list_id": vip["id"], "vip_priority": 30, "announce_s": 30,
        "announce_prompt": [{"type": "tone", "name": "beep"},
                            {"type": "tts", "text": "please hold"}]}), 200)
    assert (q["vip_list_id"], q["vip_priority"], q["announce_s"]) == (vip["id"], 30, 30)
    unapproved = expect(admin.post("/api/v1/voices", params={"name": uniq("v")},
                                   data=_wav(), headers={"Content-Type": "audio/wav"}), 201)
    for body, field, text in [
            ({"vip_list_id": str(uuid.uuid4())}, "vip_list_id", "no number list"),
            ({"vip_list_id": black["id"]}, "vip_list_id", "inbound white list"),
            ({"vip_priority": 101}, "vip_priority", "vip_priority"),
            ({"announce_s": 4, "announce_prompt": [{"type": "tone", "name": "beep"}]},
             "announce_s", "5-600"),
            ({"announce_position_s": 3}, "announce_position_s", "5-600"),
            ({"announce_s": 20, "announce_prompt": []}, "announce_prompt", "needed"),
            ({"announce_prompt": [{"type": "song", "text": "x"}]}, "announce_prompt",
             "tts, voice or tone"),
            ({"announce_prompt": [{"type": "tone", "name": "siren"}]}, "announce_prompt",
             "no tone"),
            ({"announce_prompt": [{"type": "tts", "text": ""}]}, "announce_prompt", "needs"),
            ({"announce_prompt": [{"type": "voice", "id": unapproved["id"]}]},
             "announce_prompt", "no approved voice")]:
        assert_error(admin.post(QUEUES, json={"name": uniq("q-"), **body}), 400,
                     "invalid_field", text)
        assert field in admin.post(QUEUES, json={"name": uniq("q-"), **body}).text
    # another tenant's list is not found
    t = make_tenant(operator)
    other = client.login(t["code"], "admin", t["_admin_password"])
    assert_error(other.post(QUEUES, json={"name": "q", "vip_list_id": vip["id"]}), 400,
                 "invalid_field", "no number list")
    # a list deleted: the queue keeps going without VIPs
    expect(admin.patch(f"{QUEUES}/{q['id']}", json={"vip_list_id": None}), 200)
    expect(admin.delete(f"{QUEUES}/{q['id']}"), 204)


def test_queue_overflow_destinations_and_refusals(admin):
    from test_ivr_calls import publish, start, node
    other = expect(admin.post(QUEUES, json={"name": uniq("q-")}), 201)
    flow, _, _ = publish(admin, [start("e"), node("e", "counter", {"next": None}, name="e")])
    draft = expect(admin.post("/api/v1/ivr-flows", json={"name": uniq("f-")}), 201)
    box_no = new_extension(admin)
    ext = expect(admin.get("/api/v1/extensions", params={"q": box_no}), 200)["items"][0]
    expect(admin.post("/api/v1/voicemail-boxes", json={"extension_id": ext["id"]}), 201)
    good = {"no_agent": {"type": "queue", "target": other["id"]},
            "full": {"type": "voicemail", "target": box_no},
            "timeout": {"type": "hangup", "prompt": [{"type": "tts", "text": "sorry"}]}}
    q = expect(admin.post(QUEUES, json={"name": uniq("q-"), "overflow": good}), 201)
    assert q["overflow"] == good and other["overflow"] == {}
    expect(admin.patch(f"{QUEUES}/{q['id']}", json={"overflow": {
        "timeout": {"type": "ivr", "target": flow["id"]},
        "full": {"type": "external", "target": "+8613800000000"}}}), 200)
    for overflow, text in [
            ({"busy": {"type": "hangup"}}, "not no_agent, full or timeout"),
            ({"full": {"type": "fax"}}, "type must be"),
            ({"full": "hangup"}, "type must be"),
            ({"full": {"type": "queue"}}, "needs a target"),
            ({"full": {"type": "queue", "target": q["id"]}}, "not to the queue itself"),
            ({"full": {"type": "queue", "target": str(uuid.uuid4())}}, "no queue"),
            ({"full": {"type": "ivr", "target": draft["id"]}}, "no published IVR flow"),
            ({"full": {"type": "voicemail", "target": "99999999"}}, "no voicemail box"),
            ({"full": {"type": "external", "target": "12ab"}}, "not a number"),
            ({"full": {"type": "queue", "target": other["id"], "prompt": []}},
             "only with hangup"),
            ({"full": {"type": "hangup", "prompt": [{"type": "tone", "name": "x"}]}},
             "no tone")]:
        assert_error(admin.patch(f"{QUEUES}/{q['id']}", json={"overflow": overflow}), 400,
                     "invalid_field", text)
    assert_error(admin.patch(f"{QUEUES}/{q['id']}", json={"overflow": []}), 400,
                 "invalid_field", "overflow")
    # a queue another overflows to is in use
    expect(admin.patch(f"{QUEUES}/{q['id']}", json={"overflow": good}), 200)
    assert_error(admin.delete(f"{QUEUES}/{other['id']}"), 409, "in_use", q["name"])
    expect(admin.delete(f"{QUEUES}/{q['id']}"), 204)
    expect(admin.delete(f"{QUEUES}/{other['id']}"), 204)


def test_queue_leave_key_refusals(admin):
    q = expect(admin.post(QUEUES, json={"name": uniq("q-")}), 201)
    assert (q["leave_key"], q["leave_to"], q["leave_box"], q["leave_prompt"]) == ("", "", "", [])
    q = expect(admin.patch(f"{QUEUES}/{q['id']}", json={"leave_key": "*",
                                                         "leave_to": "callback"}), 200)
    assert (q["leave_key"], q["leave_to"]) == ("*", "callback")
    for body, text in [({"leave_key": "a", "leave_to": "callback"}, "one of 0-9"),
                       ({"leave_key": "12", "leave_to": "callback"}, "leave_key"),
                       ({"leave_key": "1", "leave_to": "fax"}, "voicemail, callback"),
                       ({"leave_key": "", "leave_to": "callback"}, "go together"),
                       ({"leave_key": "1", "leave_to": ""}, "go together"),
                       ({"leave_key": "1", "leave_to": "voicemail"}, "needs a box"),
                       ({"leave_key": "1", "leave_to": "voicemail", "leave_box": "99999999"},
                        "no voicemail box"),
                       ({"leave_prompt": [{"type": "voice"}]}, "needs 'id'")]:
        assert_error(admin.post(QUEUES, json={"name": uniq("q-"), **body}), 400,
                     "invalid_field", text)
    assert_error(admin.patch("/api/v1/callback-requests/" + str(uuid.uuid4()),
                             json={"status": "done"}), 404, "not_found")
    # the console's date filter: from/to are milliseconds, anything else is refused
    r = admin.get("/api/v1/callback-requests", params={"from": "yesterday"})
    assert r.status_code == 400 and "from" in r.text, r.text
    expect(admin.delete(f"{QUEUES}/{q['id']}"), 204)


def _wav():
    from test_voices import wav_bytes
    return wav_bytes(rate=16000, channels=1, seconds=0.3)


def test_acd_is_tenant_scoped(admin, client, operator):
    a = agent(admin)
    t = make_tenant(operator)
    other = client.login(t["code"], "admin", t["_admin_password"])
    assert_error(other.get(f"{AGENTS}/{a['id']}"), 404, "not_found")
    assert_error(other.post(QUEUES, json={"name": "q", "members": [{"agent_id": a["id"]}]}),
                 400, "invalid_field", "members")


def test_menu_permissions(client, admin):
    keys = {p["key"]: p["module"] for p in expect(admin.get("/api/v1/permissions"), 200)["items"]}
    assert keys.get("agents") == "acd" and keys.get("queues") == "acd"
    a = agent(admin)
    check_menu_permission(client, admin, "agents", AGENTS, a["id"],
                          lambda: {"agent_no": agent_no(), "name": "x"},
                          patch_body={"name": "y"})
    q = expect(admin.post(QUEUES, json={"name": uniq("q-")}), 201)
    check_menu_permission(client, admin, "queues", QUEUES, q["id"], lambda: {"name": uniq("q-")},
                          patch_body={"priority": 3})
