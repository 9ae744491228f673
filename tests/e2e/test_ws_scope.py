"""The WebSocket follows the role's data scope (decision 9) as the REST agent routes do:
a supervisor whose role sees their own department gets only that department's agents in
the `agents` snapshot and events, may not subscribe to another agent, and may not control
one; the same supervisor controls the agents of their department."""
from e2e_helpers import expect, user_with_role
from test_ws import AGENTS, Conn, agent_on_phone, uniq


def test_a_department_supervisor_sees_and_controls_only_their_agents(daemon, client, admin):
    dept = expect(admin.post("/api/v1/departments", json={"name": uniq("ws-dept-")}), 201)
    boss, _, _ = user_with_role(client, admin, {"agents": "rw"}, data_scope="department",
                                department_id=dept["id"])
    mine = agent_on_phone(admin, department_id=dept["id"])
    other = agent_on_phone(admin)
    c = Conn(daemon, token=boss.token)
    try:
        ids = {r["id"] for r in c.ok("subscribe", topics=["agents"])["agents"]}
        assert mine["id"] in ids and other["id"] not in ids, ids
        for a in (other, mine):               # the other first: its event would come first
            expect(admin.post(f"{AGENTS}/{a['id']}/login", json={"state": "idle"}), 200)
        assert c.event("agent.state", agent_id=mine["id"])["data"]["state"] == "idle"
        got = c.quiet(0.5)
        assert [e for e in got if e["data"].get("agent_id") == other["id"]] == [], got
        err = c.err("subscribe", "forbidden", topics=[f"agent:{other['id']}"])
        assert "data scope" in err["message"], err
        err = c.err("state", "forbidden", agent_id=other["id"], state="busy")
        assert "data scope" in err["message"], err
        assert next(i for i in expect(admin.get(f"{AGENTS}/live"), 200)["items"]
                    if i["id"] == other["id"])["state"] == "idle"
        assert c.ok("state", agent_id=mine["id"], state="busy")["state"] == "busy"
        assert c.event("agent.state", agent_id=mine["id"], state="busy")
    finally:
        c.close()
        for a in (mine, other):
            admin.post(f"{AGENTS}/{a['id']}/logout")
