"""/api/v1/roles and /api/v1/permissions."""
import pytest

from e2e_helpers import (DEMO, MENUS, admin_role_id, assert_error, assert_list_shape, assert_recent_ms,
                         assert_uuid7, check_menu_permission, expect, ids, make_api_key, make_role,
                         make_user, uniq, user_with_role, uuid7)

ROLES = "/api/v1/roles"


def test_permission_keys(admin):
    b = expect(admin.get("/api/v1/permissions"), 200)
    assert isinstance(b["items"], list)
    keys = {i["key"] for i in b["items"]}
    assert set(MENUS) <= keys, keys
    for i in b["items"]:
        assert isinstance(i["module"], str) and i["module"]
    assert {i["module"] for i in b["items"] if i["key"] in MENUS} == {"platform"}


def test_create_get_patch_delete(client, admin):
    name = uniq("Role-")
    r = expect(admin.post(ROLES, json={"name": name, "permissions": {"users": "rw", "logs": "ro"},
                                       "data_scope": "department_tree"}), 201)
    for k in ("id", "name", "builtin", "permissions", "data_scope", "created_at", "updated_at"):
        assert k in r, r
    assert_uuid7(r["id"])
    assert r["name"] == name and r["builtin"] is False
    assert r["permissions"] == {"users": "rw", "logs": "ro"}
    assert r["data_scope"] == "department_tree"
    assert_recent_ms(r["created_at"])
    assert expect(admin.get(f"{ROLES}/{r['id']}"), 200) == r

    p = expect(admin.patch(f"{ROLES}/{r['id']}", json={"permissions": {"departments": "ro"}}), 200)
    assert p["permissions"] == {"departments": "ro"} and p["name"] == name
    assert p["data_scope"] == "department_tree" and p["updated_at"] >= r["updated_at"]
    p = expect(admin.patch(f"{ROLES}/{r['id']}", json={"data_scope": "department", "name": name + "-x"}), 200)
    assert p["data_scope"] == "department" and p["name"] == name + "-x"
    assert expect(admin.get(f"{ROLES}/{r['id']}"), 200) == p

    # a role change applies to its holders
    u = make_user(admin, role_ids=[r["id"]])
    s = client.login(DEMO, u["username"], u["_password"])
    me = expect(s.get("/api/v1/auth/me"), 200)
    assert me["permissions"].get("departments") == "ro" and me["data_scope"] == "department"

    d = admin.delete(f"{ROLES}/{r['id']}")
    assert_error(d, 409, "conflict")  # still assigned
    expect(admin.patch(f"/api/v1/users/{u['id']}", json={"role_ids": []}), 200)
    d = admin.delete(f"{ROLES}/{r['id']}")
    assert d.status_code == 204 and not d.content, d.text
    assert_error(admin.get(f"{ROLES}/{r['id']}"), 404, "not_found")
    assert_error(admin.delete(f"{ROLES}/{r['id']}"), 404, "not_found")


def test_defaults(admin):
    """RoleCreate requires only `name`; a role without permissions grants nothing."""
    r = expect(admin.post(ROLES, json={"name": uniq("Bare-")}), 201)
    assert r["permissions"] == {} and r["builtin"] is False
    assert r["data_scope"] in ("department", "department_tree", "tenant")


@pytest.mark.parametrize("body,code,field", [
    ({"permissions": {"nope": "rw"}}, "invalid_field", "permissions"),
    ({"permissions": {"users": "rx"}}, "invalid_field", "permissions"),
    ({"permissions": {"users": True}}, "invalid_field", "permissions"),
    ({"permissions": ["users"]}, "invalid_field", "permissions"),
    ({"data_scope": "galaxy"}, "invalid_field", "data_scope"),
    ({"name": ""}, "invalid_field", "name"),
    ({"builtin": True}, "unknown_field", "builtin"),
], ids=["unknown-menu", "bad-access", "bool-access", "list", "bad-scope", "empty-name", "builtin"])
def test_validation(admin, body, code, field):
    full = {"name": uniq("Bad-"), "permissions": {}}  # permissions sent: only `body` is wrong
    full.update(body)
    assert_error(admin.post(ROLES, json=full), 400, code, mention=field)
    r = make_role(admin)
    patch = dict(body)
    assert_error(admin.patch(f"{ROLES}/{r['id']}", json=patch), 400, code, mention=field)


def test_duplicate_name(admin):
    r = make_role(admin)
    assert_error(admin.post(ROLES, json={"name": r["name"], "permissions": {}}), 409, "conflict")
    other = make_role(admin)
    assert_error(admin.patch(f"{ROLES}/{other['id']}", json={"name": r["name"]}), 409, "conflict")
    assert_error(admin.post(ROLES, json={"name": "Administrator", "permissions": {}}), 409, "conflict")


def test_not_found(admin):
    missing = uuid7()
    assert_error(admin.get(f"{ROLES}/{missing}"), 404, "not_found")
    assert_error(admin.patch(f"{ROLES}/{missing}", json={"name": "x"}), 404, "not_found")
    assert_error(admin.delete(f"{ROLES}/{missing}"), 404, "not_found")


def test_builtin_administrator(admin):
    rid = admin_role_id(admin)
    r = expect(admin.get(f"{ROLES}/{rid}"), 200)
    assert r["builtin"] is True and r["data_scope"] == "tenant"
    assert all(r["permissions"].get(m) == "rw" for m in MENUS), r["permissions"]
    # delete: refused (the contract names no status: 403 forbidden or 409 conflict)
    d = admin.delete(f"{ROLES}/{rid}")
    assert d.status_code in (403, 409), d.text
    assert_error(d, d.status_code, ("forbidden", "conflict"))
    # change: 403 forbidden (openapi updateRole)
    answers = [admin.patch(f"{ROLES}/{rid}", json=body) for body in
               ({"name": "Boss"}, {"permissions": {"users": "ro"}}, {"data_scope": "department"})]
    assert expect(admin.get(f"{ROLES}/{rid}"), 200) == r, "the built-in role was changed"
    for a in answers:
        assert_error(a, 403, "forbidden")


def test_delete_role_held_by_api_key(admin):
    r = make_role(admin, {"users": "ro"})
    k = make_api_key(admin, r["id"])
    assert_error(admin.delete(f"{ROLES}/{r['id']}"), 409, "conflict")
    assert admin.delete(f"/api/v1/api-keys/{k['id']}").status_code == 204
    assert admin.delete(f"{ROLES}/{r['id']}").status_code == 204


def test_list_convention(admin):
    tag = uniq("rl")
    made = [make_role(admin, name=f"{tag}-{i}") for i in range(3)]
    b = expect(admin.get(ROLES, params={"q": tag.upper()}), 200)
    assert_list_shape(b)
    assert b["total"] == 3 and set(ids(b["items"])) == set(ids(made))
    b = expect(admin.get(ROLES, params={"q": tag, "sort": "name", "order": "desc"}), 200)
    assert [i["name"] for i in b["items"]] == [f"{tag}-2", f"{tag}-1", f"{tag}-0"]
    b = expect(admin.get(ROLES, params={"q": tag, "sort": "name", "order": "asc", "page": 2, "page_size": 2}), 200)
    assert_list_shape(b, 2, 2)
    assert b["total"] == 3 and [i["name"] for i in b["items"]] == [f"{tag}-2"]
    assert expect(admin.get(ROLES, params={"q": uniq("nothing")}), 200)["total"] == 0


def test_permissions(client, admin):
    r = make_role(admin)
    check_menu_permission(client, admin, "roles", ROLES, r["id"], lambda: {"name": uniq("p-"), "permissions": {}},
                          {"name": uniq("nope-")})


def test_ro_role_cannot_escalate_itself(client, admin):
    # a user who may read roles cannot grant itself more
    s, u, role = user_with_role(client, admin, {"roles": "ro"})
    assert_error(s.patch(f"{ROLES}/{role['id']}", json={"permissions": {"roles": "rw"}}), 403, "forbidden")
    assert_error(s.patch(f"/api/v1/users/{u['id']}", json={"role_ids": [admin_role_id(admin)]}), 403, "forbidden")
