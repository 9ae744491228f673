"""/api/v1/security/ip-allowlist.

Every test works in a tenant of its own, and every client has its own loopback source address
(127.20.x.y), so an allow-list can admit one local client and refuse another. The list is reset
from the admitted address at the end, and nothing else uses these tenants.
"""
import pytest

from e2e_helpers import (ADMIN_PASSWORD, DEMO, admin_role_id, assert_error, describe, expect, make_api_key,
                         make_tenant, make_user, next_source_ip, user_with_role)

ALLOW = "/api/v1/security/ip-allowlist"
ME = "/api/v1/auth/me"


def tenant_admin(client, operator, source_ip=None):
    t = make_tenant(operator)
    return t, client.login(t["code"], "admin", t["_admin_password"], source_ip=source_ip)


def test_default_is_empty(client, operator):
    _, s = tenant_admin(client, operator)
    assert expect(s.get(ALLOW), 200) == {"cidrs": []}


def test_allowlist_blocks_other_addresses(client, operator, admin):
    t, outsider = tenant_admin(client, operator)
    insider_ip = next_source_ip()
    insider = client.login(t["code"], "admin", t["_admin_password"], source_ip=insider_ip)
    key = make_api_key(outsider, admin_role_id(outsider))
    u = make_user(outsider, role_ids=[admin_role_id(outsider)])

    cidrs = ["10.0.0.0/8", f"{insider_ip}/32"]
    r = expect(outsider.put(ALLOW, json={"cidrs": cidrs}), 200)
    assert sorted(r["cidrs"]) == sorted(cidrs)
    try:
        # existing session from another address
        assert_error(outsider.get(ME), 403, "ip_not_allowed")
        assert_error(outsider.get("/api/v1/users"), 403, "ip_not_allowed")
        # API key from another address
        assert_error(client.signed("GET", ME, key["id"], key["secret"], source_ip=outsider.source_ip), 403,
                     "ip_not_allowed")
        # the allowed address works for all three
        expect(insider.get(ME), 200)
        assert sorted(expect(insider.get(ALLOW), 200)["cidrs"]) == sorted(cidrs)
        client.login(t["code"], u["username"], u["_password"], source_ip=insider_ip)
        expect(client.signed("GET", ME, key["id"], key["secret"], source_ip=insider_ip), 200)
        # other tenants are not affected
        expect(admin.get(ME), 200)
        client.login(DEMO, "admin", ADMIN_PASSWORD)
        # login from another address, even with the right password
        refused = [client.login_raw(t["code"], "admin", t["_admin_password"], source_ip=outsider.source_ip),
                   client.login_raw(t["code"], u["username"], u["_password"])]
        assert [x.status_code for x in refused] == [403, 403], [describe(x) for x in refused]
        # a refused login is logged
        logs = expect(insider.get("/api/v1/logs/logins", params={"username": u["username"], "ok": "false"}), 200)
        assert logs["total"] == 1 and logs["items"][0]["ok"] is False
        for x in refused:
            assert_error(x, 403, "ip_not_allowed")
    finally:
        expect(insider.put(ALLOW, json={"cidrs": []}), 200)
    # the outsider's existing session works again
    expect(outsider.get(ME), 200)
    assert expect(outsider.get(ALLOW), 200) == {"cidrs": []}
    client.login(t["code"], "admin", t["_admin_password"])


def test_refused_login_logged_with_reason(client, operator):
    t, s = tenant_admin(client, operator)
    insider_ip = next_source_ip()
    expect(s.put(ALLOW, json={"cidrs": [f"{insider_ip}/32"]}), 200)
    outsider = client.anon()
    r = outsider.post("/api/v1/auth/login", json={"tenant": t["code"], "username": "admin",
                                                  "password": t["_admin_password"]})
    insider = client.login(t["code"], "admin", t["_admin_password"], source_ip=insider_ip)
    rows = expect(insider.get("/api/v1/logs/logins", params={"ok": "false"}), 200)["items"]
    expect(insider.put(ALLOW, json={"cidrs": []}), 200)
    assert r.status_code == 403, describe(r)
    assert len(rows) == 1 and rows[0]["ip"] == outsider.source_ip, rows
    # reason as in the openapi LoginLog example: the error code
    assert rows[0]["reason"] == "ip_not_allowed", rows[0]


def test_ipv6_and_host_entries_accepted(client, operator):
    _, s = tenant_admin(client, operator)
    cidrs = ["2001:db8::/32", "::1/128", f"{s.source_ip}/32", "127.0.0.0/8"]
    r = expect(s.put(ALLOW, json={"cidrs": cidrs}), 200)
    assert sorted(r["cidrs"]) == sorted(cidrs)
    expect(s.get(ME), 200)  # own address is in it
    expect(s.put(ALLOW, json={"cidrs": []}), 200)


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "not-an-ip", "300.1.1.1/8", "10.0.0.0/-1", "10.0.0/8", "",
                                 "2001:db8::/129", "10.0.0.0/8/8"])
def test_invalid_cidr(client, operator, bad):
    _, s = tenant_admin(client, operator)
    assert_error(s.put(ALLOW, json={"cidrs": ["10.0.0.0/8", bad]}), 400, "invalid_field", mention="cidrs")
    assert expect(s.get(ALLOW), 200) == {"cidrs": []}
    expect(s.get(ME), 200)


def test_invalid_body(client, operator):
    _, s = tenant_admin(client, operator)
    assert_error(s.put(ALLOW, json={"cidrs": "10.0.0.0/8"}), 400, "invalid_field", mention="cidrs")
    assert_error(s.put(ALLOW, json={"cidrs": [10]}), 400, "invalid_field", mention="cidrs")
    assert_error(s.put(ALLOW, json={}), 400, "missing_field", mention="cidrs")
    assert_error(s.put(ALLOW, json={"cidrs": [], "extra": 1}), 400, "unknown_field", mention="extra")
    assert expect(s.get(ALLOW), 200) == {"cidrs": []}


def test_permissions(client, operator):
    t, s = tenant_admin(client, operator)
    # the allow-list is a singleton (no item path), so not check_menu_permission
    ro, _, _ = user_with_role(client, s, {"security": "ro"}, tenant=t["code"])
    expect(ro.get(ALLOW), 200)
    assert_error(ro.put(ALLOW, json={"cidrs": ["10.0.0.0/8"]}), 403, "forbidden")
    none, _, _ = user_with_role(client, s, {"users": "rw"}, tenant=t["code"])
    assert_error(none.get(ALLOW), 403, "forbidden")
    assert_error(none.put(ALLOW, json={"cidrs": ["10.0.0.0/8"]}), 403, "forbidden")
    assert expect(s.get(ALLOW), 200) == {"cidrs": []}
    rw, _, _ = user_with_role(client, s, {"security": "rw"}, tenant=t["code"])
    expect(rw.put(ALLOW, json={"cidrs": [f"{rw.source_ip}/32", f"{s.source_ip}/32"]}), 200)
    expect(s.put(ALLOW, json={"cidrs": []}), 200)


def test_operator_cannot_be_locked_by_a_tenant(client, operator):
    # a tenant's list concerns that tenant only
    _, s = tenant_admin(client, operator)
    expect(s.put(ALLOW, json={"cidrs": ["10.0.0.0/8", f"{s.source_ip}/32"]}), 200)
    expect(operator.get("/api/v1/tenants"), 200)
    expect(s.put(ALLOW, json={"cidrs": []}), 200)

