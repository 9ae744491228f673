"""The workbench's browser phone credentials (docs/guide.md, "The agent workbench";
decision 60): GET /api/v1/workbench/phone answers the SIP user, password and domain of
the extension bound to the caller's OWN agent, and where the daemon listens for SIP over
WebSocket (wss preferred, null without a WebSocket listener). Never another agent's, not
even for an administrator who may work as any agent; 404 without a linked agent or
extension; 403 without the `workbench` menu."""
from e2e_helpers import ADMIN_PASSWORD, DEMO, assert_error, expect, free_port, user_with_role
from test_ws import agent_on_phone

PHONE = "/api/v1/workbench/phone"


def test_the_own_agents_extension_only(client, admin):
    s, u, _ = user_with_role(client, admin, {"workbench": "rw"})
    mine = agent_on_phone(admin, user_id=u["id"])
    other = agent_on_phone(admin)
    ext = expect(admin.get(f"/api/v1/extensions/{mine['extension_id']}"), 200)
    got = expect(s.get(PHONE), 200)
    assert got == {"number": ext["number"], "sip_user": ext["number"],
                   "password": ext["password"], "domain": DEMO,
                   "ws_url": None}, "the shared daemon has no --sip-ws"
    # no way to ask for another agent's: the parameter is not read, the answer stays mine
    assert expect(s.get(PHONE, params={"agent_id": other["id"]}), 200)["number"] == ext["number"]
    expect(admin.patch(f"/api/v1/extensions/{other['extension_id']}",
                       json={"password": "Other-agent-pw-9"}), 200)
    assert "Other-agent-pw-9" not in s.get(PHONE, params={"agent_id": other["id"]}).text

    # the agent's user reads no extension at all through the extensions routes
    assert_error(s.get(f"/api/v1/extensions/{mine['extension_id']}"), 403, "forbidden")

    # unbound from the extension: 404, nothing leaks
    expect(admin.patch(f"/api/v1/agents/{mine['id']}", json={"extension_id": None}), 200)
    assert_error(s.get(PHONE), 404, "no_agent", "Agents page")
    # an administrator has no agent of their own: 404, even though they may work as others
    assert_error(admin.get(PHONE), 404, "no_agent")
    assert_error(admin.get(PHONE, params={"agent_id": other["id"]}), 404, "no_agent")


def test_without_the_workbench_menu_or_an_agent(client, admin):
    s, u, _ = user_with_role(client, admin, {"extensions": "ro"})
    agent_on_phone(admin, user_id=u["id"])
    assert_error(s.get(PHONE), 403, "forbidden", "workbench")
    s2, _, _ = user_with_role(client, admin, {"workbench": "ro"})
    assert_error(s2.get(PHONE), 404, "no_agent")
    assert_error(client.get(PHONE), 401, "unauthenticated")


def test_the_websocket_url_comes_from_the_listeners(make_daemon):
    ws, wss = free_port(), free_port()
    d = make_daemon(extra_args=["--sip-ws", f"127.0.0.1:{ws}", "--sip-wss", f"127.0.0.1:{wss}"])
    c = d.client()
    adm = c.login(DEMO, "admin", ADMIN_PASSWORD)
    s, u, _ = user_with_role(c, adm, {"workbench": "rw"})
    agent_on_phone(adm, user_id=u["id"])
    assert expect(s.get(PHONE), 200)["ws_url"] == f"wss://127.0.0.1:{wss}", "wss preferred"
