"""Login, session, logout, password change, throttling and the login log."""
import time

from e2e_helpers import (ADMIN_PASSWORD, DEMO, MENUS, assert_error, assert_recent_ms,
                         assert_uuid7, expect, list_all, make_user, now_ms, uniq)

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
USER_FIELDS = ("id", "username", "display_name", "email", "department_id", "role_ids", "enabled",
               "created_at", "updated_at", "last_login_at")
TENANT_FIELDS = ("id", "code", "name", "timezone", "enabled", "created_at", "updated_at")


def test_login_ok_returns_token_and_cookie(client):
    s = client.anon()
    t0 = now_ms()
    r = s.post(LOGIN, json={"tenant": DEMO, "username": "admin", "password": ADMIN_PASSWORD})
    b = expect(r, 200)
    for k in ("token", "expires_at", "user", "tenant", "permissions", "data_scope"):
        assert k in b, f"login answer without {k}: {b}"
    assert isinstance(b["token"], str) and len(b["token"]) >= 16
    # sessions last 12 hours
    twelve_h = 12 * 3600 * 1000
    assert isinstance(b["expires_at"], int)
    assert abs(b["expires_at"] - (t0 + twelve_h)) < 10 * 60 * 1000, b["expires_at"]
    assert b["user"]["username"] == "admin"
    assert_uuid7(b["user"]["id"])
    for secret_field in ("password", "password_hash", "hash"):
        assert secret_field not in b["user"]
    assert b["tenant"]["code"] == DEMO
    assert b["data_scope"] == "tenant"
    assert all(b["permissions"].get(m) == "rw" for m in MENUS), b["permissions"]

    # cookie hl_session=<token>; HttpOnly; SameSite=Strict; Path=/
    raw = r.headers.get("Set-Cookie", "")
    assert raw.startswith("hl_session="), raw
    attrs = [a.strip().lower() for a in raw.split(";")]
    assert attrs[0] == "hl_session=" + b["token"].lower(), raw
    assert "httponly" in attrs, raw
    assert "samesite=strict" in attrs, raw
    assert "path=/" in attrs, raw


def test_login_answer_has_full_user_and_tenant(client):
    """LoginResponse.user is a User and .tenant a Tenant (docs/openapi.yaml)."""
    b = expect(client.login_raw(DEMO, "admin", ADMIN_PASSWORD), 200)
    missing_user = [k for k in USER_FIELDS if k not in b["user"]]
    missing_tenant = [k for k in TENANT_FIELDS if k not in b["tenant"]]
    assert not missing_user and not missing_tenant, \
        f"login user lacks {missing_user}, tenant lacks {missing_tenant}: {b}"


def test_cookie_alone_authenticates(client):
    r = client.login_raw(DEMO, "admin", ADMIN_PASSWORD)
    token = expect(r, 200)["token"]
    s = client.anon()
    s.cookies.set("hl_session", token)
    b = expect(s.get(ME), 200)
    assert b["user"]["username"] == "admin"


def test_me(admin):
    b = expect(admin.get(ME), 200)
    for k in ("user", "tenant", "permissions", "data_scope"):
        assert k in b, b
    assert b["user"]["username"] == "admin"
    assert b["tenant"]["code"] == DEMO
    assert b["data_scope"] == "tenant"
    assert all(b["permissions"].get(m) == "rw" for m in MENUS), b["permissions"]
    assert "password" not in b["user"] and "password_hash" not in b["user"]


def test_me_has_full_user_and_tenant(admin):
    """Me.user is a User and Me.tenant a Tenant (docs/openapi.yaml)."""
    b = expect(admin.get(ME), 200)
    missing_user = [k for k in USER_FIELDS if k not in b["user"]]
    missing_tenant = [k for k in TENANT_FIELDS if k not in b["tenant"]]
    assert not missing_user and not missing_tenant, \
        f"me user lacks {missing_user}, tenant lacks {missing_tenant}: {b}"


def test_last_login_at_is_set(client, admin):
    u = make_user(admin)
    assert u["last_login_at"] is None
    t0 = now_ms()
    s = client.login(DEMO, u["username"], u["_password"])
    got = expect(s.get(ME), 200)["user"]["last_login_at"]
    assert_recent_ms(got)
    assert got >= t0 - 2000


def test_wrong_password(client):
    r = client.login_raw(DEMO, "admin", "wrong-password-1")
    assert_error(r, 401, "bad_credentials")
    assert "hl_session" not in r.headers.get("Set-Cookie", "")


def test_unknown_tenant_and_user_answer_like_wrong_password(client):
    wrong_pw = assert_error(client.login_raw(DEMO, "admin", "wrong-password-1"), 401, "bad_credentials")
    no_tenant = assert_error(client.login_raw(uniq("nope"), "admin", ADMIN_PASSWORD), 401, "bad_credentials")
    no_user = assert_error(client.login_raw(DEMO, uniq("nobody"), ADMIN_PASSWORD), 401, "bad_credentials")
    assert no_tenant["message"] == wrong_pw["message"]
    assert no_user["message"] == wrong_pw["message"]


def test_login_validation(client):
    assert_error(client.post(LOGIN, json={"tenant": DEMO, "username": "admin"}), 400,
                 "missing_field", mention="password")
    assert_error(client.post(LOGIN, json={"tenant": DEMO, "username": "admin",
                                          "password": ADMIN_PASSWORD, "remember": True}),
                 400, "unknown_field", mention="remember")
    assert_error(client.post(LOGIN, json={"tenant": DEMO, "username": 7, "password": "x"}),
                 400, "invalid_field", mention="username")


def test_me_without_or_with_bad_token(client):
    assert_error(client.get(ME), 401, "unauthenticated")
    assert_error(client.get(ME, headers={"Authorization": "Bearer deadbeef"}), 401, "unauthenticated")
    assert_error(client.get(ME, headers={"Authorization": "Basic YWRtaW46YWRtaW4="}), 401, "unauthenticated")
    s = client.anon()
    s.cookies.set("hl_session", "deadbeef")
    assert_error(s.get(ME), 401, "unauthenticated")


def test_logout_ends_the_token(client, admin):
    u = make_user(admin)
    s = client.login(DEMO, u["username"], u["_password"])
    other = client.login(DEMO, u["username"], u["_password"])
    expect(s.get(ME), 200)
    r = s.post("/api/v1/auth/logout")
    assert r.status_code == 204, r.text
    assert_error(s.get(ME), 401, "unauthenticated")
    # the same token through the cookie is dead too
    c = client.anon()
    c.cookies.set("hl_session", s.token)
    assert_error(c.get(ME), 401, "unauthenticated")
    # logout ends only that session
    expect(other.get(ME), 200)
    # a second logout with the dead token
    assert_error(s.post("/api/v1/auth/logout"), 401, "unauthenticated")


def test_logout_needs_a_session(client):
    assert_error(client.post("/api/v1/auth/logout"), 401, "unauthenticated")


def test_password_change(client, admin):
    u = make_user(admin, password="first-Pass-1")
    s1 = client.login(DEMO, u["username"], "first-Pass-1")
    s2 = client.login(DEMO, u["username"], "first-Pass-1")

    # wrong old password
    r = s1.post("/api/v1/auth/password", json={"old_password": "not-it-123", "new_password": "second-Pass-2"})
    assert (r.status_code, (r.json().get("error") or {}).get("code") if r.content else None) in \
        ((401, "bad_credentials"), (400, "invalid_field")), r.text
    assert_error(r, r.status_code)
    # new password too short
    assert_error(s1.post("/api/v1/auth/password",
                         json={"old_password": "first-Pass-1", "new_password": "short7!"}),
                 400, "invalid_field", mention="new_password")
    assert_error(s1.post("/api/v1/auth/password", json={"old_password": "first-Pass-1"}),
                 400, "missing_field", mention="new_password")
    assert_error(s1.post("/api/v1/auth/password",
                         json={"old_password": "first-Pass-1", "new_password": 12345678}),
                 400, "invalid_field", mention="new_password")
    assert_error(client.post("/api/v1/auth/password",
                             json={"old_password": "first-Pass-1", "new_password": "second-Pass-2"}),
                 401, "unauthenticated")
    # nothing changed so far: both sessions alive, old password works
    expect(s2.get(ME), 200)
    expect(client.login_raw(DEMO, u["username"], "first-Pass-1"), 200)

    r = s1.post("/api/v1/auth/password", json={"old_password": "first-Pass-1", "new_password": "second-Pass-2"})
    assert r.status_code == 204, r.text
    # other sessions ended, this one lives on
    assert_error(s2.get(ME), 401, "unauthenticated")
    expect(s1.get(ME), 200)
    assert_error(client.login_raw(DEMO, u["username"], "first-Pass-1"), 401, "bad_credentials")
    expect(client.login_raw(DEMO, u["username"], "second-Pass-2"), 200)


def test_login_log_rows_for_ok_and_failed(client, admin):
    u = make_user(admin)
    t0 = now_ms()
    ok_session = client.anon()
    expect(ok_session.post(LOGIN, json={"tenant": DEMO, "username": u["username"],
                                        "password": u["_password"]}), 200)
    bad_session = client.anon()
    assert_error(bad_session.post(LOGIN, json={"tenant": DEMO, "username": u["username"],
                                               "password": "wrong-pass-9"}), 401, "bad_credentials")

    rows = list_all(admin, "/api/v1/logs/logins", {"username": u["username"]})
    assert all(r["username"] == u["username"] for r in rows), rows
    for r in rows:
        for k in ("id", "username", "user_id", "ip", "ok", "reason", "created_at"):
            assert k in r, r
    oks = [r for r in rows if r["ok"] is True]
    fails = [r for r in rows if r["ok"] is False]
    assert len(oks) == 1 and len(fails) == 1, rows
    assert oks[0]["user_id"] == u["id"]
    assert oks[0]["ip"] == ok_session.source_ip, oks[0]
    assert fails[0]["user_id"] == u["id"]
    assert fails[0]["ip"] == bad_session.source_ip, fails[0]
    for r in rows:
        assert r["created_at"] >= t0 - 2000
        assert_recent_ms(r["created_at"])
        assert "wrong-pass-9" not in str(r) and u["_password"] not in str(r)

    # ok filter
    only_ok = list_all(admin, "/api/v1/logs/logins", {"username": u["username"], "ok": "true"})
    assert [r["id"] for r in only_ok] == [oks[0]["id"]]
    only_bad = list_all(admin, "/api/v1/logs/logins", {"username": u["username"], "ok": "false"})
    assert [r["id"] for r in only_bad] == [fails[0]["id"]]
    # reason: null on success; why it failed (openapi example: `bad_credentials`) otherwise
    assert isinstance(fails[0]["reason"], str) and fails[0]["reason"], fails[0]
    assert oks[0]["reason"] is None, oks[0]
    assert fails[0]["reason"] == "bad_credentials", fails[0]


def test_login_log_row_for_unknown_user(client, admin):
    """Each attempt is in the login log; user_id is null when no such user."""
    ghost = uniq("ghost")
    s = client.anon()
    assert_error(s.post(LOGIN, json={"tenant": DEMO, "username": ghost, "password": "wrong-pass-9"}),
                 401, "bad_credentials")
    rows = list_all(admin, "/api/v1/logs/logins", {"username": ghost})
    assert len(rows) == 1, rows
    assert rows[0]["ok"] is False and rows[0]["user_id"] is None and rows[0]["ip"] == s.source_ip, rows


def test_throttling_locks_an_address(make_daemon):
    """10 failures from one address: slowed from the 5th, then 429 login_locked (15 min),
    even with the right password. Own daemon so the lock cannot affect other tests."""
    d = make_daemon()
    c = d.client()
    attacker = c.anon()
    body = {"tenant": DEMO, "username": "admin", "password": "wrong-password-1"}
    elapsed = []
    answers = []
    for i in range(10):
        t = time.monotonic()
        r = attacker.post(LOGIN, json=body)
        elapsed.append(time.monotonic() - t)
        answers.append(r)
    for i, r in enumerate(answers[:9]):
        assert_error(r, 401, "bad_credentials")
    # the 10th failure may itself already be refused
    if answers[9].status_code == 429:
        assert_error(answers[9], 429, "login_locked")
    else:
        assert_error(answers[9], 401, "bad_credentials")
    # slowed from the 5th failure on: the later answers wait at least a second
    assert max(elapsed[5:9]) >= 1.0, f"no slow-down: {elapsed}"
    assert elapsed[8] >= 1.0, f"9th failure not slowed: {elapsed}"

    r = attacker.post(LOGIN, json={"tenant": DEMO, "username": "admin", "password": ADMIN_PASSWORD})
    assert_error(r, 429, "login_locked")
    # another address is not locked
    other = c.login(DEMO, "admin", ADMIN_PASSWORD)
    # every attempt is in the login log
    rows = [x for x in list_all(other, "/api/v1/logs/logins", {"username": "admin"})
            if x["ip"] == attacker.source_ip]
    assert len(rows) == 11, rows
    assert all(x["ok"] is False for x in rows), rows
    assert {x["reason"] for x in rows} <= {"bad_credentials", "login_locked"}, rows
    newest = max(rows, key=lambda x: x["created_at"])
    assert newest["reason"] == "login_locked", rows


def test_key_header_without_signature_is_not_authentication(client):
    # a half-filled signature triple is not authentication
    r = client.get(ME, headers={"X-Hotline-Key": "nope"})
    assert r.status_code == 401, r.text
    assert_error(r, 401)


def test_login_needs_post(client):
    assert_error(client.get(LOGIN), 405, "method_not_allowed")

