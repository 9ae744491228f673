"""The agent workbench's own REST routes (docs/guide.md, "The agent workbench"):
GET /api/v1/workbench answers the agent the caller works as (agents.user_id,
with its own outside number in full and no other agent's), the busy reasons and the transfer targets by id and name only, with the queues'
screen-pop templates, to a user holding only the `workbench` menu; the summary
answers that agent's day and last calls and never another agent's unless the
caller may work for others (`agents` write, data scope). The queues' screen-pop
URL template is validated: http(s) only, no spaces, at most 1024 characters."""
import time

from e2e_helpers import assert_error, expect, uniq, user_with_role
from test_ivr_api import menu_graph, new_flow, publish
from test_ws import agent_on_phone

WB, SUMMARY, QUEUES, REASONS = ("/api/v1/workbench", "/api/v1/workbench/summary",
                                "/api/v1/queues", "/api/v1/busy-reasons")


def test_screen_pop_url_is_validated(admin):
    q = expect(admin.post(QUEUES, json={"name": uniq("wbq-")}), 201)
    assert q["screen_pop_url"] == ""
    for bad, words in [("ftp://crm.example/x", "http:// or https://"),
                       ("javascript:alert(1)", "http:// or https://"),
                       ("//crm.example/x", "http:// or https://"),
                       ("https://crm.example/a b", "no spaces"),
                       ("https://crm.example/\tx", "no spaces"),
                       ("https://crm.example/" + "x" * 1005, "0-1024")]:
        r = admin.patch(f"{QUEUES}/{q['id']}", json={"screen_pop_url": bad})
        assert_error(r, 400, "invalid_field", "screen_pop_url")
        assert words in r.json()["error"]["message"], r.text
    assert_error(admin.post(QUEUES, json={"name": uniq("wbq-"), "screen_pop_url": 7}),
                 400, "invalid_field", "screen_pop_url")
    url = "https://crm.example/contact?phone=${caller}&queue=${queue_id}"
    u = expect(admin.patch(f"{QUEUES}/{q['id']}", json={"screen_pop_url": url}), 200)
    assert u["screen_pop_url"] == url
    assert expect(admin.get(f"{QUEUES}/{q['id']}"), 200)["screen_pop_url"] == url
    assert expect(admin.patch(f"{QUEUES}/{q['id']}", json={"screen_pop_url": "HTTP://x.example"}),
                  200)["screen_pop_url"] == "HTTP://x.example"
    expect(admin.delete(f"{QUEUES}/{q['id']}"), 204)


def test_workbench_answers_the_own_agent_and_the_targets(client, admin):
    s, u, _ = user_with_role(client, admin, {"workbench": "rw"})
    mine = agent_on_phone(admin, user_id=u["id"], wrap_up_s=7, external_number="+8613800138000")
    other = agent_on_phone(admin, external_number="013900139000")
    reason = expect(admin.post(REASONS, json={"name": uniq("休"), "sort": 0}), 201)
    url = "https://crm.example/c?p=${caller}"
    q = expect(admin.post(QUEUES, json={"name": uniq("wbq-"), "screen_pop_url": url}), 201)
    published, _ = publish(admin, menu_graph())
    draft, _ = new_flow(admin)
    # the agent's user reads none of the configuration routes...
    for path in ("/api/v1/agents", QUEUES, REASONS, "/api/v1/ivr-flows", "/api/v1/calls"):
        assert_error(s.get(path), 403, "forbidden")
    # ...and the workbench answers what the page needs
    wb = expect(s.get(WB), 200)
    ext = expect(admin.get(f"/api/v1/extensions/{mine['extension_id']}"), 200)
    assert wb["agent"] == {"id": mine["id"], "agent_no": mine["agent_no"], "name": mine["name"],
                           "department_id": None, "wrap_up_s": 7, "enabled": True,
                           "phone": ext["number"], "external_number": "+8613800138000"}
    assert wb["may_work_as_others"] is False
    assert {"id": reason["id"], "name": reason["name"]} in wb["busy_reasons"]
    assert {"id": q["id"], "name": q["name"], "wrap_up_s": 0, "screen_pop_url": url,
            "survey_flow_id": None} in wb["queues"]
    entry = next(a for a in wb["agents"] if a["id"] == other["id"])
    assert entry == {"id": other["id"], "agent_no": other["agent_no"], "name": other["name"]}
    assert "013900139000" not in s.get(WB).text, "another agent's outside number is never answered"
    flows = {f["id"] for f in wb["ivr_flows"]}
    assert published["id"] in flows and draft["id"] not in flows, "published flows only"
    # not as another agent, whether it exists or not
    assert_error(s.get(WB, params={"agent_id": other["id"]}), 403, "forbidden", "agents")
    assert_error(s.get(SUMMARY, params={"agent_id": other["id"]}), 403, "forbidden")
    # an administrator may work as any agent of the tenant
    as_other = expect(admin.get(WB, params={"agent_id": other["id"]}), 200)
    assert as_other["agent"]["id"] == other["id"] and as_other["may_work_as_others"] is True
    assert as_other["agent"]["external_number"] == "013900139000"
    assert_error(admin.get(WB, params={"agent_id": "nope"}), 404, "not_found", "agent_id")
    expect(admin.delete(f"{QUEUES}/{q['id']}"), 204)


def test_a_user_without_an_agent_or_the_permission(client, admin):
    s, _, _ = user_with_role(client, admin, {"workbench": "ro"})
    wb = expect(s.get(WB), 200)
    assert wb["agent"] is None
    s2, u2, _ = user_with_role(client, admin, {"workbench": "ro"})
    agent_on_phone(admin, user_id=u2["id"])
    assert expect(s2.get(WB), 200)["agent"]["external_number"] == "", "none set"
    assert_error(s.get(SUMMARY), 404, "no_agent", "Agents page")
    other, _, _ = user_with_role(client, admin, {"calls": "ro"})
    assert_error(other.get(WB), 403, "forbidden")
    assert_error(other.get(SUMMARY), 403, "forbidden")


def test_summary_is_the_own_day_only(client, admin):
    s, u, _ = user_with_role(client, admin, {"workbench": "rw"})
    mine = agent_on_phone(admin, user_id=u["id"])
    other = agent_on_phone(admin)
    for a in (mine, other):
        expect(admin.post(f"/api/v1/agents/{a['id']}/login", json={"state": "busy",
                                                                  "reason": "会议"}), 200)
    time.sleep(0.4)
    try:
        before = int(time.time() * 1000)
        r = expect(s.get(SUMMARY), 200)
        after = int(time.time() * 1000)
        assert r["agent_id"] == mine["id"]
        today = r["today"]
        assert today["interval"] == "none"
        assert today["from"] <= before and before < today["to"] <= after + 1, "up to now"
        assert today["to"] - today["from"] <= 25 * 3600 * 1000, "today only"
        f = today["figures"]
        assert f["busy_ms"] >= 300 and f["login_ms"] >= f["busy_ms"], f
        assert f["busy_reasons"].get("会议", 0) >= 300, f
        assert f["answered"] == 0 and f["talking_ms"] == 0
        assert r["recent_calls"] == []
        # the administrator's view of the other agent is that agent's
        o = expect(admin.get(SUMMARY, params={"agent_id": other["id"]}), 200)
        assert o["agent_id"] == other["id"]
    finally:
        for a in (mine, other):
            expect(admin.post(f"/api/v1/agents/{a['id']}/logout"), 200)
