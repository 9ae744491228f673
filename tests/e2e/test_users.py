"""/api/v1/users: CRUD, list convention, conflicts, disabling, data scope, permissions."""
from e2e_helpers import (DEMO, admin_role_id, assert_error, assert_list_shape, assert_recent_ms,
                         assert_uuid7, check_menu_permission, expect, ids, list_all, make_department,
                         make_role, make_user, uniq, user_with_role, uuid7)

USERS = "/api/v1/users"
FIELDS = ("id", "username", "display_name", "email", "department_id", "role_ids", "enabled",
          "created_at", "updated_at", "last_login_at")


def no_secrets(u):
    for k in ("password", "password_hash", "hash", "salt"):
        assert k not in u, f"user row exposes {k}: {u}"


def test_create_and_get(admin):
    d = make_department(admin)
    role = make_role(admin, {"users": "ro"})
    name = uniq("u")
    body = {"username": name, "password": "secret-Pass-1", "display_name": "Ann Example",
            "email": f"{name}@example.org", "department_id": d["id"], "role_ids": [role["id"]]}
    u = expect(admin.post(USERS, json=body), 201)
    for k in FIELDS:
        assert k in u, f"user without {k}: {u}"
    no_secrets(u)
    assert_uuid7(u["id"])
    assert u["username"] == name and u["display_name"] == "Ann Example"
    assert u["email"] == f"{name}@example.org" and u["department_id"] == d["id"]
    assert u["role_ids"] == [role["id"]]
    assert u["enabled"] is True and u["last_login_at"] is None
    assert_recent_ms(u["created_at"])
    got = expect(admin.get(f"{USERS}/{u['id']}"), 200)
    no_secrets(got)
    assert got == u
    assert "secret-Pass-1" not in admin.get(f"{USERS}/{u['id']}").text


def test_minimal_create_defaults(admin):
    u = make_user(admin)
    assert u["enabled"] is True and u["role_ids"] == [] and u["department_id"] is None


def test_duplicate_username(admin):
    u = make_user(admin)
    assert_error(admin.post(USERS, json={"username": u["username"], "password": "other-Pass-2"}), 409, "conflict")
    v = make_user(admin)
    assert_error(admin.patch(f"{USERS}/{v['id']}", json={"username": u["username"]}), 409, "conflict")
    assert expect(admin.get(f"{USERS}/{v['id']}"), 200)["username"] == v["username"]


def test_create_validation(admin):
    ok = {"username": uniq("u"), "password": "secret-Pass-1"}
    assert_error(admin.post(USERS, json=dict(ok, password="1234567")), 400, "invalid_field", mention="password")
    assert_error(admin.post(USERS, json=dict(ok, username="x" * 65)), 400, "invalid_field", mention="username")
    assert_error(admin.post(USERS, json=dict(ok, department_id=uuid7())), 400, "invalid_field",
                 mention="department_id")
    assert_error(admin.post(USERS, json=dict(ok, role_ids=[uuid7()])), 400, "invalid_field", mention="role_ids")
    assert_error(admin.post(USERS, json=dict(ok, enabled="no")), 400, "invalid_field", mention="enabled")
    # 64 characters is fine
    expect(admin.post(USERS, json=dict(ok, username=("y" * 54) + uniq("")[:10])), 201)


def test_list_convention_and_filters(admin):
    tag = uniq("ul")
    d = make_department(admin)
    role = make_role(admin, {"logs": "ro"})
    a = make_user(admin, username=f"{tag}-a", display_name="Zed Alpha", department_id=d["id"])
    b = make_user(admin, username=f"{tag}-b", email=f"FINDME-{tag}@example.org", role_ids=[role["id"]])
    c = make_user(admin, username=f"{tag}-c", enabled=False, department_id=d["id"], role_ids=[role["id"]])
    mine = {a["id"], b["id"], c["id"]}

    r = expect(admin.get(USERS, params={"q": tag.upper()}), 200)
    assert_list_shape(r)
    assert r["total"] == 3 and set(ids(r["items"])) == mine
    for u in r["items"]:
        no_secrets(u)
    # q also matches display_name and email, case-insensitively
    assert ids(expect(admin.get(USERS, params={"q": f"findme-{tag}"}), 200)["items"]) == [b["id"]]
    zed = expect(admin.get(USERS, params={"q": "zed alpha"}), 200)["items"]
    assert a["id"] in ids(zed)
    # filters
    r = expect(admin.get(USERS, params={"department_id": d["id"]}), 200)
    assert set(ids(r["items"])) == {a["id"], c["id"]} and r["total"] == 2
    r = expect(admin.get(USERS, params={"role_id": role["id"]}), 200)
    assert set(ids(r["items"])) == {b["id"], c["id"]}
    r = expect(admin.get(USERS, params={"q": tag, "enabled": "false"}), 200)
    assert ids(r["items"]) == [c["id"]]
    r = expect(admin.get(USERS, params={"q": tag, "enabled": "true"}), 200)
    assert set(ids(r["items"])) == {a["id"], b["id"]}
    r = expect(admin.get(USERS, params={"q": tag, "department_id": d["id"], "enabled": "true"}), 200)
    assert ids(r["items"]) == [a["id"]]
    # sort/order and paging
    r = expect(admin.get(USERS, params={"q": tag, "sort": "username", "order": "desc"}), 200)
    assert [u["username"] for u in r["items"]] == [f"{tag}-c", f"{tag}-b", f"{tag}-a"]
    r = expect(admin.get(USERS, params={"q": tag, "sort": "username", "order": "asc", "page_size": 2,
                                        "page": 2}), 200)
    assert_list_shape(r, 2, 2)
    assert r["total"] == 3 and [u["username"] for u in r["items"]] == [f"{tag}-c"]


def test_patch(client, admin):
    u = make_user(admin)
    d = make_department(admin)
    r = expect(admin.patch(f"{USERS}/{u['id']}", json={"display_name": "New Name", "email": "n@example.org",
                                                       "department_id": d["id"]}), 200)
    no_secrets(r)
    assert r["display_name"] == "New Name" and r["email"] == "n@example.org" and r["department_id"] == d["id"]
    assert r["username"] == u["username"] and r["created_at"] == u["created_at"]
    assert r["updated_at"] >= u["updated_at"]
    assert expect(admin.get(f"{USERS}/{u['id']}"), 200) == r
    # password through PATCH
    assert_error(admin.patch(f"{USERS}/{u['id']}", json={"password": "short"}), 400, "invalid_field",
                 mention="password")
    r = expect(admin.patch(f"{USERS}/{u['id']}", json={"password": "changed-Pass-9"}), 200)
    no_secrets(r)
    assert_error(client.login_raw(DEMO, u["username"], u["_password"]), 401, "bad_credentials")
    client.login(DEMO, u["username"], "changed-Pass-9")
    # roles
    role = make_role(admin, {"users": "ro"})
    r = expect(admin.patch(f"{USERS}/{u['id']}", json={"role_ids": [role["id"]]}), 200)
    assert r["role_ids"] == [role["id"]]
    assert_error(admin.patch(f"{USERS}/{u['id']}", json={"role_ids": [uuid7()]}), 400, "invalid_field")
    assert_error(admin.patch(f"{USERS}/{u['id']}", json={"created_at": 1}), 400, "unknown_field",
                 mention="created_at")


def test_not_found(admin):
    missing = uuid7()
    assert_error(admin.get(f"{USERS}/{missing}"), 404, "not_found")
    assert_error(admin.patch(f"{USERS}/{missing}", json={"display_name": "x"}), 404, "not_found")
    assert_error(admin.delete(f"{USERS}/{missing}"), 404, "not_found")


def test_delete(client, admin):
    u = make_user(admin)
    s = client.login(DEMO, u["username"], u["_password"])
    r = admin.delete(f"{USERS}/{u['id']}")
    assert r.status_code == 204 and not r.content
    assert_error(admin.get(f"{USERS}/{u['id']}"), 404, "not_found")
    assert_error(admin.delete(f"{USERS}/{u['id']}"), 404, "not_found")
    assert u["id"] not in ids(list_all(admin, USERS, {"q": u["username"]}))
    assert_error(client.login_raw(DEMO, u["username"], u["_password"]), 401, "bad_credentials")
    assert_error(s.get("/api/v1/auth/me"), 401, "unauthenticated")
    # the name is free again
    make_user(admin, username=u["username"])


def test_disabled_user_cannot_log_in(client, admin):
    u = make_user(admin)
    s = client.login(DEMO, u["username"], u["_password"])
    r = expect(admin.patch(f"{USERS}/{u['id']}", json={"enabled": False}), 200)
    assert r["enabled"] is False
    # disabling ends the user's sessions
    assert_error(s.get("/api/v1/auth/me"), 401, "unauthenticated")
    assert_error(client.login_raw(DEMO, u["username"], u["_password"]), 401, "bad_credentials")
    expect(admin.patch(f"{USERS}/{u['id']}", json={"enabled": True}), 200)
    client.login(DEMO, u["username"], u["_password"])


def test_created_disabled_cannot_log_in(client, admin):
    u = make_user(admin, enabled=False)
    assert u["enabled"] is False
    assert_error(client.login_raw(DEMO, u["username"], u["_password"]), 401, "bad_credentials")


def test_data_scope(client, admin):
    tag = uniq("sc")
    d1 = make_department(admin)
    d2 = make_department(admin, parent_id=d1["id"])
    d3 = make_department(admin, parent_id=d2["id"])
    dx = make_department(admin)
    in1 = make_user(admin, username=f"{tag}-in1", department_id=d1["id"])
    in2 = make_user(admin, username=f"{tag}-in2", department_id=d2["id"])
    in3 = make_user(admin, username=f"{tag}-in3", department_id=d3["id"])
    inx = make_user(admin, username=f"{tag}-inx", department_id=dx["id"])
    none = make_user(admin, username=f"{tag}-none")

    viewers = {}
    for scope in ("department", "department_tree", "tenant"):
        viewers[scope] = user_with_role(client, admin, {"users": "rw"}, scope,
                                        username=f"{tag}-v-{scope}", department_id=d2["id"])
    vids = {v[1]["id"] for v in viewers.values()}
    expected = {
        "department": {in2["id"]} | vids,
        "department_tree": {in2["id"], in3["id"]} | vids,
        "tenant": {in1["id"], in2["id"], in3["id"], inx["id"], none["id"]} | vids,
    }
    for scope, (s, v, role) in viewers.items():
        me = expect(s.get("/api/v1/auth/me"), 200)
        assert me["data_scope"] == scope and me["permissions"].get("users") == "rw"
        listed = expect(s.get(USERS, params={"q": tag, "page_size": 500}), 200)
        assert set(ids(listed["items"])) == expected[scope], scope
        assert listed["total"] == len(expected[scope]), scope
        # the scope also limits reading and changing one user
        for u in (in1, in2, in3, inx, none):
            r = s.get(f"{USERS}/{u['id']}")
            if u["id"] in expected[scope]:
                expect(r, 200)
            else:
                assert r.status_code in (403, 404), f"{scope} read {u['username']}: {r.status_code} {r.text}"
                assert_error(r, r.status_code, ("forbidden", "not_found"))
                r = s.patch(f"{USERS}/{u['id']}", json={"display_name": "hacked"})
                assert r.status_code in (403, 404), f"{scope} patch {u['username']}: {r.status_code} {r.text}"
                assert_error(r, r.status_code, ("forbidden", "not_found"))
                r = s.delete(f"{USERS}/{u['id']}")
                assert r.status_code in (403, 404), f"{scope} delete {u['username']}: {r.status_code} {r.text}"
    for u in (in1, in2, in3, inx, none):
        got = expect(admin.get(f"{USERS}/{u['id']}"), 200)
        assert got["display_name"] != "hacked"


def test_several_roles_union(client, admin):
    d = make_department(admin)
    ro_dept = make_role(admin, {"users": "ro", "logs": "ro"}, "department")
    rw_tree = make_role(admin, {"users": "rw", "departments": "ro"}, "department_tree")
    u = make_user(admin, department_id=d["id"], role_ids=[ro_dept["id"], rw_tree["id"]])
    s = client.login(DEMO, u["username"], u["_password"])
    me = expect(s.get("/api/v1/auth/me"), 200)
    assert me["data_scope"] == "department_tree"
    assert me["permissions"].get("users") == "rw"
    assert me["permissions"].get("logs") == "ro"
    assert me["permissions"].get("departments") == "ro"
    for m in ("roles", "api_keys", "security"):
        assert m not in me["permissions"] or me["permissions"][m] is None, me["permissions"]
    expect(s.post(USERS, json={"username": uniq("u"), "password": "secret-Pass-1", "department_id": d["id"]}), 201)
    assert_error(s.post("/api/v1/departments", json={"name": uniq("d")}), 403, "forbidden")
    assert_error(s.get("/api/v1/roles"), 403, "forbidden")


def test_administrator_role_user_sees_all(client, admin):
    u = make_user(admin, role_ids=[admin_role_id(admin)])
    s = client.login(DEMO, u["username"], u["_password"])
    me = expect(s.get("/api/v1/auth/me"), 200)
    assert me["data_scope"] == "tenant"


def test_permissions(client, admin):
    u = make_user(admin)
    check_menu_permission(client, admin, "users", USERS, u["id"],
                          lambda: {"username": uniq("p"), "password": "secret-Pass-1"},
                          {"display_name": "nope"})


def test_user_without_roles_has_no_menus(client, admin):
    u = make_user(admin)
    s = client.login(DEMO, u["username"], u["_password"])
    me = expect(s.get("/api/v1/auth/me"), 200)
    assert not any(me["permissions"].values()), me["permissions"]
    for path in ("/api/v1/users", "/api/v1/departments", "/api/v1/roles", "/api/v1/api-keys",
                 "/api/v1/security/ip-allowlist", "/api/v1/logs/operations", "/api/v1/logs/logins"):
        assert_error(s.get(path), 403, "forbidden")
    expect(s.get("/api/v1/permissions"), 200)
