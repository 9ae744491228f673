"""The error contract: body validation, size, media type, auth, routing, list parameters."""
import pytest

from e2e_helpers import assert_error, expect, make_api_key, make_department, make_role, make_user, uniq, uuid7

DEPS = "/api/v1/departments"


def post_raw(session, path, data, ctype="application/json"):
    return session.post(path, data=data, headers={"Content-Type": ctype})


@pytest.mark.parametrize("raw", [b'{"name":', b"{name: 'x'}", b"", b"\xff\xfe{}", b'{"name":"x"} trailing'],
                         ids=["truncated", "not-json", "empty", "bad-utf8", "trailing-garbage"])
def test_malformed_json(admin, raw):
    assert_error(post_raw(admin, DEPS, raw), 400, "bad_json")


@pytest.mark.parametrize("raw", [b"[]", b'[{"name":"x"}]', b'"x"', b"42", b"null", b"true"],
                         ids=["empty-array", "array", "string", "number", "null", "bool"])
def test_json_that_is_not_an_object(admin, raw):
    assert_error(post_raw(admin, DEPS, raw), 400, "bad_json")


def test_unknown_field_is_named(admin):
    e = assert_error(admin.post(DEPS, json={"name": uniq("d"), "colour": "red"}), 400, "unknown_field")
    assert "colour" in e["message"], e
    e = assert_error(admin.post("/api/v1/users", json={"username": uniq("u"), "password": "long-enough-1",
                                                       "is_root": True}), 400, "unknown_field")
    assert "is_root" in e["message"], e


@pytest.mark.parametrize("body,field", [
    ({"name": 42}, "name"),
    ({"name": None}, "name"),
    ({"name": ["a"]}, "name"),
    ({"name": "x", "parent_id": 5}, "parent_id"),
    ({"name": ""}, "name"),
], ids=["number", "null", "array", "parent-number", "empty-name"])
def test_wrong_type_or_value(admin, body, field):
    assert_error(admin.post(DEPS, json=body), 400, "invalid_field", mention=field)


def test_user_field_types(admin):
    base = {"username": uniq("u"), "password": "long-enough-1"}
    for patch, field in [({"enabled": "yes"}, "enabled"), ({"role_ids": "x"}, "role_ids"),
                         ({"role_ids": [1]}, "role_ids"), ({"username": "u" * 65}, "username"),
                         ({"username": ""}, "username"), ({"password": "short"}, "password"),
                         ({"email": 3}, "email")]:
        body = dict(base, **patch)
        assert_error(admin.post("/api/v1/users", json=body), 400, "invalid_field", mention=field)


def test_missing_required_field(admin):
    assert_error(admin.post(DEPS, json={}), 400, "missing_field", mention="name")
    assert_error(admin.post("/api/v1/users", json={"username": uniq("u")}), 400, "missing_field",
                 mention="password")
    assert_error(admin.post("/api/v1/users", json={"password": "long-enough-1"}), 400, "missing_field",
                 mention="username")
    assert_error(admin.post("/api/v1/roles", json={"permissions": {}}), 400, "missing_field", mention="name")


def test_body_too_large(admin):
    big = b'{"name":"' + b"a" * (256 * 1024) + b'"}'
    assert len(big) > 256 * 1024
    assert_error(post_raw(admin, DEPS, big), 413, "body_too_large")
    # the daemon is still fine afterwards
    expect(admin.get(DEPS), 200)


def test_body_just_under_the_limit_is_not_413(admin):
    pad = 256 * 1024 - len(b'{"name":""}') - 16
    body = b'{"name":"' + b"a" * pad + b'"}'
    assert len(body) <= 256 * 1024
    r = post_raw(admin, DEPS, body)
    assert r.status_code != 413, r.text[:300]


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                   "multipart/form-data; boundary=x"])
def test_non_json_content_type(admin, ctype):
    assert_error(post_raw(admin, DEPS, b'{"name":"x"}', ctype), 415, "unsupported_media_type")


def test_json_with_charset_is_fine(admin):
    r = post_raw(admin, DEPS, ('{"name":"%s"}' % uniq("dep-")).encode(), "application/json; charset=utf-8")
    expect(r, 201)


def test_non_json_content_type_on_patch_and_put(admin):
    d = make_department(admin)
    assert_error(admin.patch(f"{DEPS}/{d['id']}", data=b'{"name":"y"}', headers={"Content-Type": "text/plain"}),
                 415, "unsupported_media_type")
    assert_error(admin.put("/api/v1/security/ip-allowlist", data=b'{"cidrs":[]}',
                           headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type")


PROTECTED = [
    ("GET", "/api/v1/auth/me"), ("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password"),
    ("GET", "/api/v1/permissions"), ("GET", "/api/v1/tenants"), ("POST", "/api/v1/tenants"),
    ("GET", "/api/v1/departments"), ("POST", "/api/v1/departments"),
    ("GET", "/api/v1/users"), ("POST", "/api/v1/users"), ("GET", "/api/v1/roles"), ("POST", "/api/v1/roles"),
    ("GET", "/api/v1/api-keys"), ("POST", "/api/v1/api-keys"), ("GET", "/api/v1/security/ip-allowlist"),
    ("PUT", "/api/v1/security/ip-allowlist"), ("GET", "/api/v1/logs/operations"), ("GET", "/api/v1/logs/logins"),
    ("GET", "/api/v1/users/{id}"), ("PATCH", "/api/v1/users/{id}"), ("DELETE", "/api/v1/users/{id}"),
    ("GET", "/api/v1/departments/{id}"), ("DELETE", "/api/v1/roles/{id}"), ("GET", "/api/v1/api-keys/{id}"),
    ("GET", "/api/v1/tenants/{id}"),
]


@pytest.mark.parametrize("method,path", PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
def test_missing_auth(client, method, path):
    path = path.replace("{id}", uuid7())
    kw = {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
    assert_error(client.anon().request(method, path, **kw), 401, "unauthenticated")


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/users/x/y/z", "/api/v1/", "/api/v1/departmentsX",
                                  "/api/v1/logs/nope"])
def test_unknown_path(admin, path):
    assert_error(admin.get(path), 404, "not_found")


def test_unknown_id_is_404(admin):
    for res in ("departments", "users", "roles", "api-keys"):
        assert_error(admin.get(f"/api/v1/{res}/{uuid7()}"), 404, "not_found")


@pytest.mark.parametrize("method,path", [
    ("DELETE", "/api/v1/users"), ("PATCH", "/api/v1/departments"), ("PUT", "/api/v1/users/{user}"),
    ("POST", "/api/v1/roles/{role}"), ("PATCH", "/api/v1/api-keys/{key}"), ("POST", "/api/v1/health"),
    ("DELETE", "/api/v1/auth/me"), ("POST", "/api/v1/security/ip-allowlist"), ("DELETE", "/api/v1/logs/operations"),
    ("POST", "/api/v1/logs/logins"),
])
def test_wrong_method(admin, method, path):
    if "{user}" in path:
        path = path.replace("{user}", make_user(admin)["id"])
    if "{role}" in path:
        path = path.replace("{role}", make_role(admin)["id"])
    if "{key}" in path:
        path = path.replace("{key}", make_api_key(admin, make_role(admin)["id"])["id"])
    kw = {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
    assert_error(admin.request(method, path, **kw), 405, "method_not_allowed")


LISTS = ["/api/v1/departments", "/api/v1/users", "/api/v1/roles", "/api/v1/api-keys",
         "/api/v1/logs/operations", "/api/v1/logs/logins"]
BAD_QUERIES = [
    {"page": "abc"}, {"page": "0"}, {"page": "-1"}, {"page": "1.5"}, {"page_size": "0"},
    {"page_size": "501"}, {"page_size": "100000"}, {"page_size": "abc"}, {"sort": "nope"},
    {"order": "sideways"}, {"no_such_param": "1"},
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("params", BAD_QUERIES, ids=["&".join(f"{k}={v}" for k, v in q.items()) for q in BAD_QUERIES])
def test_bad_list_query(admin, path, params):
    assert_error(admin.get(path, params=params), 400, "bad_query")


@pytest.mark.parametrize("path,params", [
    ("/api/v1/users", {"enabled": "maybe"}),
    ("/api/v1/logs/operations", {"from": "yesterday"}),
    ("/api/v1/logs/operations", {"to": "1.5e3x"}),
    ("/api/v1/logs/logins", {"ok": "perhaps"}),
    ("/api/v1/api-keys", {"enabled": "2"}),
])
def test_bad_filter_value(admin, path, params):
    assert_error(admin.get(path, params=params), 400, "bad_query")


@pytest.mark.parametrize("path", LISTS)
def test_list_paging_edges_accepted(admin, path):
    b = expect(admin.get(path, params={"page_size": 500}), 200)
    assert b["page_size"] == 500 and b["page"] == 1
    b = expect(admin.get(path, params={"page_size": 1, "page": 1000000, "order": "desc"}), 200)
    assert b["items"] == [] and b["page"] == 1000000
    b = expect(admin.get(path), 200)
    assert b["page"] == 1 and b["page_size"] == 20


def test_tenants_list_bad_query(operator):
    for params in ({"page": "abc"}, {"page_size": "0"}, {"sort": "nope"}):
        assert_error(operator.get("/api/v1/tenants", params=params), 400, "bad_query")
