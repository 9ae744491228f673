"""/api/v1/logs/operations (and the login log's filters)."""
import time

from e2e_helpers import (DEMO, admin_role_id, assert_error, assert_list_shape, assert_recent_ms,
                         expect, list_all, make_api_key, make_department, make_role,
                         make_user, now_ms, uniq, user_with_role)

OPS = "/api/v1/logs/operations"
LOGINS = "/api/v1/logs/logins"
SECRET_KEYS = ("password", "password_hash", "hash", "secret", "new_password", "old_password", "salt")


def no_secret_keys(obj, where):
    if isinstance(obj, dict):
        for k, v in obj.items():
            assert k not in SECRET_KEYS, f"{where}: log carries {k!r}: {obj}"
            no_secret_keys(v, where)
    elif isinstance(obj, list):
        for v in obj:
            no_secret_keys(v, where)


def actor(client, admin):
    """A fresh administrator of demo, so its log rows can be told apart by user_id."""
    u = make_user(admin, role_ids=[admin_role_id(admin)])
    return client.login(DEMO, u["username"], u["_password"]), u


def test_user_create_update_delete_are_logged(client, admin):
    s, me = actor(client, admin)
    t0 = now_ms()
    time.sleep(0.005)
    u = make_user(s, password="created-Pass-1", display_name="Before Name")
    time.sleep(0.02)
    t_mid = now_ms()
    time.sleep(0.02)
    expect(s.patch(f"/api/v1/users/{u['id']}", json={"display_name": "After Name",
                                                     "password": "updated-Pass-2"}), 200)
    r = s.delete(f"/api/v1/users/{u['id']}")
    assert r.status_code == 204
    time.sleep(0.005)
    t1 = now_ms()

    resp = s.get(OPS, params={"user_id": me["id"], "page_size": 500})
    b = expect(resp, 200)
    assert_list_shape(b, 1, 500)
    text = resp.text
    assert "created-Pass-1" not in text and "updated-Pass-2" not in text
    rows = [x for x in b["items"] if x["resource_id"] == u["id"]]
    assert b["total"] == 3 and len(rows) == 3, b
    for x in rows:
        for k in ("id", "user_id", "username", "action", "resource", "resource_id", "before", "after", "ip",
                  "created_at"):
            assert k in x, x
        assert x["user_id"] == me["id"] and x["username"] == me["username"]
        assert x["resource"] == "users"
        assert x["ip"] == s.source_ip, x
        assert t0 <= x["created_at"] <= t1, (t0, x["created_at"], t1)
        no_secret_keys(x, "operation log")
    by_action = {x["action"]: x for x in rows}
    assert set(by_action) == {"create", "update", "delete"}, rows
    c, up, d = by_action["create"], by_action["update"], by_action["delete"]
    assert c["before"] is None and c["after"]["username"] == u["username"]
    assert c["after"]["display_name"] == "Before Name" and c["after"]["id"] == u["id"]
    assert up["before"]["display_name"] == "Before Name" and up["after"]["display_name"] == "After Name"
    assert up["before"]["username"] == up["after"]["username"] == u["username"]
    assert d["before"]["username"] == u["username"] and d["after"] is None
    assert c["created_at"] < t_mid < up["created_at"] <= d["created_at"]

    # filters: time range
    early = list_all(s, OPS, {"user_id": me["id"], "from": t0, "to": t_mid})
    assert [x["action"] for x in early] == ["create"], early
    late = list_all(s, OPS, {"user_id": me["id"], "from": t_mid, "to": t1})
    assert sorted(x["action"] for x in late) == ["delete", "update"], late
    assert list_all(s, OPS, {"user_id": me["id"], "from": t1 + 1}) == []
    assert list_all(s, OPS, {"user_id": me["id"], "to": t0 - 1}) == []
    # resource and action
    assert [x["action"] for x in list_all(s, OPS, {"user_id": me["id"], "action": "update"})] == ["update"]
    assert len(list_all(s, OPS, {"user_id": me["id"], "resource": "users"})) == 3
    assert list_all(s, OPS, {"user_id": me["id"], "resource": "roles"}) == []
    # the admin's rows are not the actor's
    assert u["id"] not in {x["resource_id"] for x in list_all(admin, OPS, {"user_id": admin.user["id"],
                                                                           "from": t0})}


def test_other_resources_are_logged_without_secrets(client, admin):
    s, me = actor(client, admin)
    t0 = now_ms()
    dep = make_department(s)
    expect(s.patch(f"/api/v1/departments/{dep['id']}", json={"name": uniq("moved-")}), 200)
    role = make_role(s, {"users": "ro"})
    key = make_api_key(s, role["id"])
    resp = s.get(OPS, params={"user_id": me["id"], "from": t0, "page_size": 500})
    rows = expect(resp, 200)["items"]
    assert key["secret"] not in resp.text
    seen = {(x["resource"], x["action"], x["resource_id"]) for x in rows}
    assert ("departments", "create", dep["id"]) in seen
    assert ("departments", "update", dep["id"]) in seen
    assert ("roles", "create", role["id"]) in seen
    keyrows = [x for x in rows if x["resource_id"] == key["id"]]
    assert len(keyrows) == 1 and keyrows[0]["action"] == "create", rows
    for x in rows:
        no_secret_keys(x, "operation log")
    deps = list_all(s, OPS, {"user_id": me["id"], "resource": "departments"})
    assert {x["resource"] for x in deps} == {"departments"} and len(deps) == 2


def test_password_change_never_logged_in_clear(client, admin):
    u = make_user(admin, password="old-Secret-11")
    s = client.login(DEMO, u["username"], "old-Secret-11")
    t0 = now_ms()
    r = s.post("/api/v1/auth/password", json={"old_password": "old-Secret-11", "new_password": "new-Secret-22"})
    assert r.status_code == 204, r.text
    resp = admin.get(OPS, params={"from": t0 - 1000, "page_size": 500})
    expect(resp, 200)
    assert "old-Secret-11" not in resp.text and "new-Secret-22" not in resp.text
    for x in resp.json()["items"]:
        no_secret_keys(x, "operation log")
    resp = admin.get(LOGINS, params={"username": u["username"], "page_size": 500})
    assert "old-Secret-11" not in resp.text and "new-Secret-22" not in resp.text


def test_list_convention(client, admin):
    b = expect(admin.get(OPS, params={"page_size": 2}), 200)
    assert_list_shape(b, 1, 2)
    assert b["total"] >= 2 and len(b["items"]) == 2
    for x in b["items"]:
        assert_recent_ms(x["created_at"], slack_ms=24 * 3600 * 1000)
    b = expect(admin.get(LOGINS, params={"page_size": 1, "ok": "true"}), 200)
    assert_list_shape(b, 1, 1)
    assert b["total"] >= 1 and b["items"][0]["ok"] is True
    # q over the text fields (the acting username is one)
    s, me = actor(client, admin)
    make_department(s)
    rows = expect(admin.get(OPS, params={"q": me["username"].upper(), "resource": "departments"}), 200)["items"]
    assert len(rows) == 1 and rows[0]["resource"] == "departments", rows


def test_login_log_filters(client, admin):
    u = make_user(admin)
    t0 = now_ms()
    client.login(DEMO, u["username"], u["_password"])
    assert_error(client.login_raw(DEMO, u["username"], "bad-password-1"), 401, "bad_credentials")
    t1 = now_ms()
    assert len(list_all(admin, LOGINS, {"username": u["username"], "from": t0, "to": t1 + 1000})) == 2
    assert list_all(admin, LOGINS, {"username": u["username"], "from": t1 + 5000}) == []
    assert list_all(admin, LOGINS, {"username": u["username"], "to": t0 - 5000}) == []


def test_permissions(client, admin):
    ro, _, _ = user_with_role(client, admin, {"logs": "ro"})
    expect(ro.get(OPS), 200)
    expect(ro.get(LOGINS), 200)
    for path in (OPS, LOGINS):
        assert_error(ro.post(path, json={}), 405, "method_not_allowed")
    none, _, _ = user_with_role(client, admin, {"users": "rw"})
    assert_error(none.get(OPS), 403, "forbidden")
    assert_error(none.get(LOGINS), 403, "forbidden")

