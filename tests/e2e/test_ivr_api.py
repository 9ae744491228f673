"""IVR flows and versions over the API (docs/ivr.md): a flow starts with a
draft holding a start node; drafts are edited, validated (every problem
listed with its node) and published; published versions are frozen, a new
version is based on one, publishing an older one rolls back; an inbound route
can only point at a flow with a published version; a flow in use cannot be
deleted; tenants see only their own flows."""
import uuid

from e2e_helpers import (assert_error, assert_list_shape, check_menu_permission, expect,
                         make_tenant)

FLOWS = "/api/v1/ivr-flows"
VERSIONS = "/api/v1/ivr-versions"


def name():
    return "flow-" + uuid.uuid4().hex[:8]


def node(id, type, exits, **params):
    return {"id": id, "type": type, "name": id.title(), "x": 0, "y": 0,
            "params": params, "exits": exits}


def menu_graph():
    """start -> menu (1: thanks, 2: goodbye, failed: end)."""
    return {"nodes": [
        node("start", "start", {"next": "menu"}),
        node("menu", "menu", {"1": "thanks", "2": "bye", "failed": None},
             prompt=[{"type": "tts", "text": "press one or two"}], keys=["1", "2"]),
        node("thanks", "play", {"next": None},
             prompt=[{"type": "tts", "text": "thanks ${SystemCallerNumber}"}]),
        node("bye", "hangup", {}),
    ]}


def new_flow(admin, **kw):
    f = expect(admin.post(FLOWS, json={"name": name(), **kw}), 201)
    return f, f["draft_version_id"]


def publish(admin, graph):
    f, vid = new_flow(admin)
    expect(admin.patch(f"{VERSIONS}/{vid}", json={"graph": graph}), 200)
    expect(admin.post(f"{VERSIONS}/{vid}/publish"), 200)
    return f, vid


def test_flow_starts_with_a_draft_with_a_start_node(admin):
    f, vid = new_flow(admin, description="main menu")
    assert f["description"] == "main menu" and f["published_version_id"] is None
    v = expect(admin.get(f"{VERSIONS}/{vid}"), 200)
    assert v["version"] == 1 and v["status"] == "draft" and v["flow_id"] == f["id"]
    assert [n["type"] for n in v["graph"]["nodes"]] == ["start"]
    listed = expect(admin.get(f"{FLOWS}/{f['id']}/versions"), 200)
    assert [i["id"] for i in listed["items"]] == [vid]
    assert "graph" not in listed["items"][0]
    flows = expect(admin.get(FLOWS, params={"q": f["name"]}), 200)
    assert_list_shape(flows)
    assert [i["id"] for i in flows["items"]] == [f["id"]]
    assert_error(admin.post(FLOWS, json={"name": f["name"]}), 409, "conflict")
    assert_error(admin.post(FLOWS, json={}), 400, "missing_field", "name")


def test_validation_lists_every_problem_by_node(admin):
    f, vid = new_flow(admin)
    g = menu_graph()
    del g["nodes"][1]["exits"]["2"]                      # unconnected exit
    g["nodes"][1]["params"]["timeout_s"] = 999           # out of range
    g["nodes"].append(node("lost", "play", {"next": None}))   # unreachable
    g["nodes"].append(node("odd", "teleport", {}))        # unknown type
    expect(admin.patch(f"{VERSIONS}/{vid}", json={"graph": g}), 200)
    r = expect(admin.post(f"{VERSIONS}/{vid}/validate"), 200)
    assert r["valid"] is False
    by_node = {}
    for e in r["errors"]:
        by_node.setdefault(e["node_id"], []).append(e["message"])
    assert any("exit '2' is not connected" in m for m in by_node["menu"])
    assert any("timeout_s" in m for m in by_node["menu"])
    assert any("cannot be reached" in m for m in by_node["lost"])
    assert any("unknown node type" in m for m in by_node["odd"])
    # publishing is refused with the same list; nothing changes
    assert_error(admin.post(f"{VERSIONS}/{vid}/publish"), 400, "invalid_flow",
                 f"{len(r['errors'])} problem(s)")
    assert expect(admin.get(f"{FLOWS}/{f['id']}"), 200)["published_version_id"] is None

    # references outside the graph are checked too
    g = menu_graph()
    g["nodes"][2] = node("thanks", "time", {"1": None, "default": None},
                         time_group_ids=[str(uuid.uuid4())])
    g["nodes"][3] = node("bye", "queue", {"no_agent": None, "full": None, "timeout": None},
                         queue_id=str(uuid.uuid4()),
                         prompt=[{"type": "voice", "id": str(uuid.uuid4())},
                                 {"type": "tone", "name": "siren"}])
    expect(admin.patch(f"{VERSIONS}/{vid}", json={"graph": g}), 200)
    msgs = [e["message"] for e in expect(admin.post(f"{VERSIONS}/{vid}/validate"),
                                         200)["errors"]]
    assert any("no time group" in m for m in msgs), msgs
    assert any("no approved voice" in m for m in msgs), msgs
    assert any("no tone 'siren'" in m for m in msgs), msgs
    assert any("no queue" in m for m in msgs), msgs

    # no start node at all
    expect(admin.patch(f"{VERSIONS}/{vid}", json={"graph": {"nodes": [
        node("x", "hangup", {})]}}), 200)
    msgs = [e["message"] for e in expect(admin.post(f"{VERSIONS}/{vid}/validate"),
                                         200)["errors"]]
    assert any("no start node" in m for m in msgs)


def test_bad_bodies_are_refused(admin):
    f, vid = new_flow(admin)
    assert_error(admin.patch(f"{VERSIONS}/{vid}", json={"graph": {"nodes": "x"}}),
                 400, "invalid_field", "graph")
    assert_error(admin.patch(f"{VERSIONS}/{vid}", json={"graph": {"nodes": [{}] * 201}}),
                 400, "invalid_field", "200")
    assert_error(admin.patch(f"{VERSIONS}/{vid}", json={"colour": "red"}),
                 400, "invalid_field", "colour")
    assert_error(admin.post(f"{FLOWS}/{f['id']}/versions", json={"based_on": str(uuid.uuid4())}),
                 400, "invalid_field", "based_on")
    assert_error(admin.patch(f"{FLOWS}/{f['id']}", json={"number": "12x"}),
                 400, "invalid_field", "number")
    assert_error(admin.get(f"{VERSIONS}/{uuid.uuid4()}"), 404, "not_found")


def test_publish_freeze_new_version_and_rollback(admin):
    f, v1 = publish(admin, menu_graph())
    flow = expect(admin.get(f"{FLOWS}/{f['id']}"), 200)
    assert flow["published_version_id"] == v1 and flow["published_version"] == 1
    assert expect(admin.get(f"{VERSIONS}/{v1}"), 200)["status"] == "published"
    # frozen
    assert_error(admin.patch(f"{VERSIONS}/{v1}", json={"note": "x"}), 409, "version_frozen")
    assert_error(admin.delete(f"{VERSIONS}/{v1}"), 409, "version_frozen")

    v2 = expect(admin.post(f"{FLOWS}/{f['id']}/versions",
                           json={"based_on": v1, "note": "louder"}), 201)
    assert v2["version"] == 2 and v2["based_on"] == v1 and v2["status"] == "draft"
    assert v2["graph"] == expect(admin.get(f"{VERSIONS}/{v1}"), 200)["graph"]
    g = v2["graph"]
    g["nodes"][2]["params"]["prompt"] = [{"type": "tts", "text": "version two"}]
    expect(admin.patch(f"{VERSIONS}/{v2['id']}", json={"graph": g}), 200)
    expect(admin.post(f"{VERSIONS}/{v2['id']}/publish"), 200)
    assert expect(admin.get(f"{VERSIONS}/{v1}"), 200)["status"] == "retired"
    assert expect(admin.get(f"{FLOWS}/{f['id']}"), 200)["published_version"] == 2

    # rollback: publish version 1 again
    expect(admin.post(f"{VERSIONS}/{v1}/publish"), 200)
    assert expect(admin.get(f"{FLOWS}/{f['id']}"), 200)["published_version_id"] == v1
    assert expect(admin.get(f"{VERSIONS}/{v2['id']}"), 200)["status"] == "retired"
    # a draft can be deleted
    v3 = expect(admin.post(f"{FLOWS}/{f['id']}/versions", json={}), 201)
    assert v3["based_on"] == v1          # no based_on: the published one
    assert admin.delete(f"{VERSIONS}/{v3['id']}").status_code == 204


def test_routes_point_at_published_flows_and_flows_in_use_stay(admin):
    draft, _ = new_flow(admin)
    route = {"name": "r-" + uuid.uuid4().hex[:6], "priority": 90000}
    assert_error(admin.post("/api/v1/inbound-routes", json={
        **route, "destination": {"type": "ivr", "target": draft["id"]}}),
        400, "invalid_field", "no published version")
    assert_error(admin.post("/api/v1/inbound-routes", json={
        **route, "destination": {"type": "ivr", "target": str(uuid.uuid4())}}),
        400, "invalid_field", "no IVR flow")
    f, _ = publish(admin, menu_graph())
    r = expect(admin.post("/api/v1/inbound-routes", json={
        **route, "enabled": False, "destination": {"type": "ivr", "target": f["id"]}}), 201)
    assert_error(admin.delete(f"{FLOWS}/{f['id']}"), 409, "in_use", route["name"])
    expect(admin.delete(f"/api/v1/inbound-routes/{r['id']}"), 204)
    assert admin.delete(f"{FLOWS}/{f['id']}").status_code == 204


def test_flow_number_must_be_free(admin):
    f, _ = new_flow(admin, number="7801")
    assert f["number"] == "7801"
    assert_error(admin.post(FLOWS, json={"name": name(), "number": "7801"}), 409, "conflict")
    expect(admin.patch(f"{FLOWS}/{f['id']}", json={"number": "7801"}), 200)   # itself


def test_flows_are_tenant_scoped(admin, client, operator):
    f, vid = new_flow(admin)
    t = make_tenant(operator)
    other = client.login(t["code"], "admin", t["_admin_password"])
    assert_error(other.get(f"{FLOWS}/{f['id']}"), 404, "not_found")
    assert_error(other.get(f"{VERSIONS}/{vid}"), 404, "not_found")
    assert_error(other.post(f"{VERSIONS}/{vid}/publish"), 404, "not_found")
    assert_error(other.get(f"{FLOWS}/{f['id']}/versions"), 404, "not_found")
    assert f["id"] not in {i["id"] for i in expect(other.get(FLOWS), 200)["items"]}


def test_menu_permission(client, admin):
    keys = {p["key"]: p["module"] for p in expect(admin.get("/api/v1/permissions"), 200)["items"]}
    assert keys.get("ivr") == "telephony"
    f, _ = new_flow(admin)
    check_menu_permission(client, admin, "ivr", FLOWS, f["id"], lambda: {"name": name()},
                          patch_body={"description": "x"})
