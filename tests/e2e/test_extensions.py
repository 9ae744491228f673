"""Extensions API: CRUD, validation, tenant scoping, permissions, password handling."""
import os

from e2e_helpers import assert_error, assert_list_shape, assert_uuid7, check_menu_permission, expect


def number():
    return str(int.from_bytes(os.urandom(4), "big") % 90000000 + 10000000)


def test_create_defaults_and_password(admin):
    n = number()
    e = expect(admin.post("/api/v1/extensions", json={"number": n}), 201)
    assert_uuid7(e["id"])
    assert e["number"] == n and len(e["password"]) >= 8
    assert e["transports"] == ["udp", "tcp", "tls", "ws", "wss"]
    assert e["codecs"] == ["PCMU", "PCMA", "G722", "opus"]
    assert e["allowed_cidrs"] == [] and e["max_contacts"] == 3
    assert e["dial_permission"] == "local" and e["enabled"] is True
    assert e["registered"] is False and e["contacts"] == 0
    got = expect(admin.get(f"/api/v1/extensions/{e['id']}"), 200)
    assert got["password"] == e["password"]
    listed = expect(admin.get("/api/v1/extensions", params={"q": n}), 200)
    assert_list_shape(listed)
    assert [i["id"] for i in listed["items"]] == [e["id"]]
    assert "password" not in listed["items"][0]
    logs = expect(admin.get("/api/v1/logs/operations", params={"resource": "extensions"}), 200)
    assert e["password"] not in str(logs)


def test_validation(admin):
    bad = [
        {"number": "12a4"}, {"number": "1"}, {"number": "1" * 17},
        {"number": number(), "transports": ["udp", "sctp"]},
        {"number": number(), "transports": []},
        {"number": number(), "allowed_cidrs": ["10.0.0.0/33"]},
        {"number": number(), "codecs": ["GSM"]},
        {"number": number(), "max_contacts": 11},
        {"number": number(), "dial_permission": "mars"},
        {"number": number(), "password": "has space in it"},
        {"number": number(), "auth_algorithms": ["SHA-512"]},
    ]
    for body in bad:
        assert_error(admin.post("/api/v1/extensions", json=body), 400, "invalid_field")
    assert_error(admin.post("/api/v1/extensions", json={}), 400, "missing_field")
    assert_error(admin.post("/api/v1/extensions", json={"number": number(), "x": 1}), 400,
                 "unknown_field")


def test_duplicate_update_delete(admin):
    n = number()
    e = expect(admin.post("/api/v1/extensions", json={"number": n}), 201)
    assert_error(admin.post("/api/v1/extensions", json={"number": n}), 409, "conflict")
    other = expect(admin.post("/api/v1/extensions", json={"number": number()}), 201)
    assert_error(admin.patch(f"/api/v1/extensions/{other['id']}", json={"number": n}), 409, "conflict")
    u = expect(admin.patch(f"/api/v1/extensions/{e['id']}",
                           json={"display_name": "Desk", "transports": ["tcp"], "enabled": False,
                                 "allowed_cidrs": ["192.168.0.0/16"], "password": "New-pass-1"}), 200)
    assert u["display_name"] == "Desk" and u["transports"] == ["tcp"] and u["enabled"] is False
    assert u["password"] == "New-pass-1" and u["codecs"] == ["PCMU", "PCMA", "G722", "opus"]
    b = expect(admin.get("/api/v1/extensions", params={"enabled": "false", "q": n}), 200)
    assert [i["id"] for i in b["items"]] == [e["id"]]
    assert_error(admin.get("/api/v1/extensions", params={"registered": "maybe"}), 400, "bad_query")
    expect(admin.delete(f"/api/v1/extensions/{e['id']}"), 204)
    assert_error(admin.get(f"/api/v1/extensions/{e['id']}"), 404, "not_found")


def test_other_tenant_cannot_see(client, operator, admin):
    from e2e_helpers import make_tenant
    e = expect(admin.post("/api/v1/extensions", json={"number": number()}), 201)
    t = make_tenant(operator)
    s = client.login(t["code"], "admin", t["_admin_password"])
    assert_error(s.get(f"/api/v1/extensions/{e['id']}"), 404, "not_found")
    assert expect(s.get("/api/v1/extensions"), 200)["total"] == 0
    # same number in another tenant is fine
    expect(s.post("/api/v1/extensions", json={"number": e["number"]}), 201)


def test_permissions(client, admin):
    e = expect(admin.post("/api/v1/extensions", json={"number": number()}), 201)
    check_menu_permission(client, admin, "extensions", "/api/v1/extensions", e["id"],
                          lambda: {"number": number()}, {"display_name": "x"})


def test_registrations_list_shape(admin):
    b = expect(admin.get("/api/v1/registrations"), 200)
    assert_list_shape(b)
    assert_error(admin.get("/api/v1/registrations", params={"bogus": "1"}), 400, "bad_query")


def test_menu_key(admin):
    keys = {i["key"]: i["module"] for i in expect(admin.get("/api/v1/permissions"), 200)["items"]}
    assert keys.get("extensions") == "telephony"
    assert admin.login_data["permissions"].get("extensions") == "rw"
