"""/api/v1/api-keys and signed requests."""
import time

from e2e_helpers import (DEMO, admin_role_id, assert_error, assert_list_shape, assert_recent_ms,
                         assert_uuid7, check_menu_permission, expect, ids, list_all, make_api_key,
                         make_role, signature, uniq, uuid7)

KEYS = "/api/v1/api-keys"
ME = "/api/v1/auth/me"
FIELDS = ("id", "name", "role_id", "valid_seconds", "enabled", "created_at", "last_used_at")


def test_create_returns_secret_once(admin):
    role = make_role(admin, {"users": "ro"})
    name = uniq("Key-")
    k = expect(admin.post(KEYS, json={"name": name, "role_id": role["id"]}), 201)
    for f in FIELDS + ("secret",):
        assert f in k, f"created key without {f}: {k}"
    assert_uuid7(k["id"])
    assert k["name"] == name and k["role_id"] == role["id"]
    assert k["valid_seconds"] == 1800 and k["enabled"] is True and k["last_used_at"] is None
    assert isinstance(k["secret"], str) and len(k["secret"]) >= 16
    assert_recent_ms(k["created_at"])

    got = admin.get(f"{KEYS}/{k['id']}")
    g = expect(got, 200)
    assert "secret" not in g and k["secret"] not in got.text
    for f in FIELDS:
        assert g[f] == k[f], f
    listed = admin.get(KEYS, params={"q": name})
    b = expect(listed, 200)
    assert_list_shape(b)
    assert ids(b["items"]) == [k["id"]]
    assert k["secret"] not in listed.text and all("secret" not in i for i in b["items"])


def test_create_validation(admin):
    role = make_role(admin)
    assert_error(admin.post(KEYS, json={"role_id": role["id"]}), 400, "missing_field", mention="name")
    assert_error(admin.post(KEYS, json={"name": uniq("k")}), 400, "missing_field", mention="role_id")
    assert_error(admin.post(KEYS, json={"name": uniq("k"), "role_id": uuid7()}), 400, "invalid_field",
                 mention="role_id")
    assert_error(admin.post(KEYS, json={"name": uniq("k"), "role_id": role["id"], "valid_seconds": 0}), 400,
                 "invalid_field", mention="valid_seconds")
    assert_error(admin.post(KEYS, json={"name": uniq("k"), "role_id": role["id"], "valid_seconds": "60"}), 400,
                 "invalid_field", mention="valid_seconds")
    assert_error(admin.post(KEYS, json={"name": uniq("k"), "role_id": role["id"], "secret": "mine"}), 400,
                 "unknown_field", mention="secret")


def test_signed_me_works(client, admin):
    role = make_role(admin, {"users": "ro", "logs": "ro"}, "tenant")
    k = make_api_key(admin, role["id"])
    r = client.signed("GET", ME, k["id"], k["secret"])
    b = expect(r, 200)
    assert b["tenant"]["code"] == DEMO
    assert b["permissions"].get("users") == "ro" and b["permissions"].get("logs") == "ro"
    assert b["data_scope"] == "tenant"
    g = expect(admin.get(f"{KEYS}/{k['id']}"), 200)
    assert_recent_ms(g["last_used_at"])


def test_signed_with_query_string(client, admin):
    role = make_role(admin, {"users": "ro"})
    k = make_api_key(admin, role["id"])
    path = "/api/v1/users?page=1&page_size=5"
    b = expect(client.signed("GET", path, k["id"], k["secret"]), 200)
    assert b["page_size"] == 5
    # the query string is part of what is signed
    r = client.signed("GET", path, k["id"], k["secret"], sign_path="/api/v1/users")
    assert_error(r, 401, "bad_signature")
    r = client.signed("GET", path, k["id"], k["secret"], sign_path="/api/v1/users?page=1&page_size=6")
    assert_error(r, 401, "bad_signature")


def test_wrong_signature(client, admin):
    k = make_api_key(admin, make_role(admin, {"users": "ro"})["id"])
    assert_error(client.signed("GET", ME, k["id"], k["secret"] + "x"), 401, "bad_signature")
    assert_error(client.signed("GET", ME, k["id"], "0" * 64), 401, "bad_signature")
    # method is signed too
    ts = int(time.time())
    sig = signature(k["secret"], "POST", ME, ts, b"")
    r = client.anon().get(ME, headers={"X-Hotline-Key": k["id"], "X-Hotline-Timestamp": str(ts),
                                       "X-Hotline-Signature": sig})
    assert_error(r, 401, "bad_signature")
    # timestamp is signed too
    sig = signature(k["secret"], "GET", ME, ts, b"")
    r = client.anon().get(ME, headers={"X-Hotline-Key": k["id"], "X-Hotline-Timestamp": str(ts - 1),
                                       "X-Hotline-Signature": sig})
    assert_error(r, 401, "bad_signature")
    # garbage signature
    r = client.anon().get(ME, headers={"X-Hotline-Key": k["id"], "X-Hotline-Timestamp": str(ts),
                                       "X-Hotline-Signature": "zz"})
    assert_error(r, 401, "bad_signature")


def test_missing_signature_parts(client, admin):
    k = make_api_key(admin, make_role(admin, {"users": "ro"})["id"])
    ts = int(time.time())
    sig = signature(k["secret"], "GET", ME, ts, b"")
    full = {"X-Hotline-Key": k["id"], "X-Hotline-Timestamp": str(ts), "X-Hotline-Signature": sig}
    for drop in full:
        h = {n: v for n, v in full.items() if n != drop}
        r = client.anon().get(ME, headers=h)
        assert r.status_code == 401, f"without {drop}: {r.status_code} {r.text}"
        assert_error(r, 401, ("unauthenticated", "bad_signature"))
    r = client.anon().get(ME, headers=dict(full, **{"X-Hotline-Timestamp": "soon"}))
    assert r.status_code == 401, r.text


def test_unknown_key(client):
    r = client.signed("GET", ME, uuid7(), "whatever-secret")
    assert_error(r, 401, ("bad_signature", "unauthenticated"))


def test_body_is_signed(client, admin):
    k = make_api_key(admin, make_role(admin, {"departments": "rw"})["id"])
    name = uniq("signed-")
    r = client.signed("POST", "/api/v1/departments", k["id"], k["secret"], body={"name": name})
    d = expect(r, 201)
    assert d["name"] == name
    tampered = uniq("tampered-")
    r = client.signed("POST", "/api/v1/departments", k["id"], k["secret"], body={"name": tampered},
                      sign_body={"name": name + "2"})
    assert_error(r, 401, "bad_signature")
    assert expect(admin.get("/api/v1/departments", params={"q": tampered}), 200)["total"] == 0
    # a change made by a key is logged without a user_id
    logs = list_all(admin, "/api/v1/logs/operations", {"resource": "departments", "action": "create"})
    row = [x for x in logs if x["resource_id"] == d["id"]]
    assert len(row) == 1, row
    assert row[0]["user_id"] is None


def test_timestamp_window(client, admin):
    k = make_api_key(admin, make_role(admin, {"users": "ro"})["id"])
    now = int(time.time())
    assert_error(client.signed("GET", ME, k["id"], k["secret"], ts=now - 31 * 60), 401, "signature_expired")
    assert_error(client.signed("GET", ME, k["id"], k["secret"], ts=now + 31 * 60), 401, "signature_expired")
    expect(client.signed("GET", ME, k["id"], k["secret"], ts=now - 29 * 60), 200)
    expect(client.signed("GET", ME, k["id"], k["secret"], ts=now + 29 * 60), 200)


def test_custom_validity_window(client, admin):
    k = make_api_key(admin, make_role(admin, {"users": "ro"})["id"], valid_seconds=60)
    assert k["valid_seconds"] == 60
    now = int(time.time())
    assert_error(client.signed("GET", ME, k["id"], k["secret"], ts=now - 120), 401, "signature_expired")
    expect(client.signed("GET", ME, k["id"], k["secret"], ts=now - 30), 200)


def test_revoked_key(client, admin):
    k = make_api_key(admin, make_role(admin, {"users": "ro"})["id"])
    expect(client.signed("GET", ME, k["id"], k["secret"]), 200)
    r = admin.delete(f"{KEYS}/{k['id']}")
    assert r.status_code == 204 and not r.content, r.text
    r = client.signed("GET", ME, k["id"], k["secret"])
    assert r.status_code == 401, r.text
    assert_error(r, 401)
    r = admin.delete(f"{KEYS}/{k['id']}")
    assert r.status_code in (204, 404), r.text  # revoking twice never brings it back
    assert client.signed("GET", ME, k["id"], k["secret"]).status_code == 401


def test_key_acts_with_its_role(client, admin):
    ro = make_role(admin, {"users": "ro"}, "tenant")
    k = make_api_key(admin, ro["id"])
    expect(client.signed("GET", "/api/v1/users", k["id"], k["secret"]), 200)
    r = client.signed("POST", "/api/v1/users", k["id"], k["secret"],
                      body={"username": uniq("k"), "password": "secret-Pass-1"})
    assert_error(r, 403, "forbidden")
    assert_error(client.signed("GET", "/api/v1/roles", k["id"], k["secret"]), 403, "forbidden")
    assert_error(client.signed("GET", KEYS, k["id"], k["secret"]), 403, "forbidden")
    # the key follows later changes of its role
    expect(admin.patch(f"/api/v1/roles/{ro['id']}", json={"permissions": {"users": "rw"}}), 200)
    expect(client.signed("POST", "/api/v1/users", k["id"], k["secret"],
                         body={"username": uniq("k"), "password": "secret-Pass-1"}), 201)
    # a key of the administrator role can do anything in its tenant, but not /tenants
    adm = make_api_key(admin, admin_role_id(admin))
    expect(client.signed("GET", "/api/v1/roles", adm["id"], adm["secret"]), 200)
    assert_error(client.signed("GET", "/api/v1/tenants", adm["id"], adm["secret"]), 403, "forbidden")


def test_key_cannot_use_session_endpoints(client, admin):
    k = make_api_key(admin, admin_role_id(admin))
    r = client.signed("POST", "/api/v1/auth/password", k["id"], k["secret"],
                      body={"old_password": "x" * 8, "new_password": "y" * 8})
    assert r.status_code in (401, 403), r.text


def test_not_found(admin):
    missing = uuid7()
    assert_error(admin.get(f"{KEYS}/{missing}"), 404, "not_found")
    assert_error(admin.delete(f"{KEYS}/{missing}"), 404, "not_found")


def test_list_convention(admin):
    tag = uniq("kl")
    r1 = make_role(admin)
    r2 = make_role(admin)
    a = make_api_key(admin, r1["id"], name=f"{tag}-a")
    b = make_api_key(admin, r2["id"], name=f"{tag}-b")
    c = make_api_key(admin, r2["id"], name=f"{tag}-c")
    res = expect(admin.get(KEYS, params={"q": tag.upper()}), 200)
    assert res["total"] == 3 and set(ids(res["items"])) == {a["id"], b["id"], c["id"]}
    res = expect(admin.get(KEYS, params={"role_id": r2["id"]}), 200)
    assert set(ids(res["items"])) == {b["id"], c["id"]}
    res = expect(admin.get(KEYS, params={"q": tag, "sort": "name", "order": "desc", "page_size": 2}), 200)
    assert_list_shape(res, 1, 2)
    assert [i["name"] for i in res["items"]] == [f"{tag}-c", f"{tag}-b"] and res["total"] == 3
    res = expect(admin.get(KEYS, params={"q": tag, "enabled": "true"}), 200)
    assert res["total"] == 3


def test_permissions(client, admin):
    role = make_role(admin)
    k = make_api_key(admin, role["id"])
    check_menu_permission(client, admin, "api_keys", KEYS, k["id"],
                          lambda: {"name": uniq("p-"), "role_id": role["id"]})
