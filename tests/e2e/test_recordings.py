"""Call recordings through the API: the tenant's recording policy (defaults, partial
updates, validation, tenant isolation), the `record` setting of extensions and trunks,
the recordings list and its filters, the clean-up endpoint, menu permissions, and the
`recordings` array of a call record.

Recordings themselves are made by the media engine's audio tap, which is not wired
into calls yet: no legitimate API flow creates a recording row today, so these tests
cover what exists (an empty list, 404s, the clean-up of nothing) and the writer, the
crash repair and the retention clean-up are covered by the C unit tests
(tests/unit/test_recorder.c, tests/unit/test_record.c). The end-to-end recording of a
call comes with the tap."""
import pytest

from e2e_helpers import (assert_error, assert_list_shape, call_record, expect, make_extension,
                         make_tenant, uniq, uuid7, user_with_role)
from peers import Sipp, uac_expect, write_scenario

POLICY = "/api/v1/recording-policy"
RECORDINGS = "/api/v1/recordings"
PASSWORD = "s3cret-pass"

DEFAULTS = {"inbound": False, "outbound": False, "internal": False, "format": "wav",
            "mode": "stereo", "retention_days": 90}


def tenant_admin(client, operator):
    t = make_tenant(operator)
    return t, client.login(t["code"], "admin", t["_admin_password"])


def policy_fields(b):
    return {k: b[k] for k in DEFAULTS}


# --------------------------------------------------------------------------- policy

def test_policy_defaults_then_partial_updates(client, operator):
    _, s = tenant_admin(client, operator)
    b = expect(s.get(POLICY), 200)
    assert policy_fields(b) == DEFAULTS
    assert b["updated_at"] is None
    assert b["mp3_available"] is True          # libsndfile with LAME, as on Debian 12

    saved = expect(s.put(POLICY, json={"inbound": True, "format": "mp3"}), 200)
    assert policy_fields(saved) == {**DEFAULTS, "inbound": True, "format": "mp3"}
    assert saved["updated_at"] > 0
    got = expect(s.get(POLICY), 200)
    assert policy_fields(got) == policy_fields(saved)
    assert got["updated_at"] == saved["updated_at"]

    # a second update keeps what it does not name
    saved = expect(s.put(POLICY, json={"outbound": True, "internal": True, "mode": "mono",
                                       "retention_days": 0}), 200)
    assert policy_fields(saved) == {"inbound": True, "outbound": True, "internal": True,
                                    "format": "mp3", "mode": "mono", "retention_days": 0}
    assert policy_fields(expect(s.get(POLICY), 200)) == policy_fields(saved)


@pytest.mark.parametrize("body,code,mention", [
    ({"format": "ogg"}, "invalid_field", "format"),
    ({"mode": "quad"}, "invalid_field", "mode"),
    ({"retention_days": -1}, "invalid_field", "retention_days"),
    ({"retention_days": 3651}, "invalid_field", "retention_days"),
    ({"retention_days": "30"}, "invalid_field", "retention_days"),
    ({"inbound": "yes"}, "invalid_field", "inbound"),
    ({"record_all": True}, "unknown_field", "record_all"),
])
def test_policy_refusals_change_nothing(client, operator, body, code, mention):
    _, s = tenant_admin(client, operator)
    expect(s.put(POLICY, json={"inbound": True, "retention_days": 30}), 200)
    before = expect(s.get(POLICY), 200)
    assert_error(s.put(POLICY, json=body), 400, code, mention)
    assert expect(s.get(POLICY), 200) == before


def test_policy_body_must_be_json_object(client, operator):
    _, s = tenant_admin(client, operator)
    r = s.put(POLICY, data="not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text


def test_policy_is_per_tenant(client, operator):
    _, a = tenant_admin(client, operator)
    _, b = tenant_admin(client, operator)
    expect(a.put(POLICY, json={"inbound": True, "outbound": True, "retention_days": 7}), 200)
    assert policy_fields(expect(b.get(POLICY), 200)) == DEFAULTS
    assert expect(a.get(POLICY), 200)["retention_days"] == 7


def test_policy_change_is_in_the_operation_log(client, operator):
    _, s = tenant_admin(client, operator)
    expect(s.put(POLICY, json={"internal": True}), 200)
    logs = expect(s.get("/api/v1/logs/operations",
                        params={"resource": "recording_policy"}), 200)["items"]
    assert logs and logs[0]["action"] == "update"


# --------------------------------------------------------------------------- extensions, trunks

def test_extension_record_setting(admin):
    e = make_extension(admin, PASSWORD)
    assert e["record"] == "inherit"
    e = expect(admin.patch(f"/api/v1/extensions/{e['id']}", json={"record": "never"}), 200)
    assert e["record"] == "never"
    assert expect(admin.get(f"/api/v1/extensions/{e['id']}"), 200)["record"] == "never"
    listed = expect(admin.get("/api/v1/extensions", params={"q": e["number"]}), 200)["items"]
    assert listed[0]["record"] == "never"
    assert_error(admin.patch(f"/api/v1/extensions/{e['id']}", json={"record": "sometimes"}),
                 400, "invalid_field", "record")
    assert_error(admin.patch(f"/api/v1/extensions/{e['id']}", json={"record": 1}),
                 400, "invalid_field", "record")
    assert expect(admin.get(f"/api/v1/extensions/{e['id']}"), 200)["record"] == "never"
    # a change of other fields leaves it alone
    e = expect(admin.patch(f"/api/v1/extensions/{e['id']}", json={"display_name": "x"}), 200)
    assert e["record"] == "never"
    assert make_extension(admin, PASSWORD, record="always")["record"] == "always"
    assert_error(admin.post("/api/v1/extensions", json={"number": "7654321", "password": PASSWORD,
                                                        "record": "ALWAYS"}),
                 400, "invalid_field", "record")


def test_trunk_record_setting(admin):
    body = {"name": uniq("rec-"), "type": "peer", "host": "192.0.2.77",
            "peer_cidrs": ["192.0.2.77/32"]}
    t = expect(admin.post("/api/v1/trunks", json=body), 201)
    assert t["record"] == "inherit"
    t = expect(admin.patch(f"/api/v1/trunks/{t['id']}", json={"record": "always"}), 200)
    assert t["record"] == "always"
    assert expect(admin.get(f"/api/v1/trunks/{t['id']}"), 200)["record"] == "always"
    assert_error(admin.patch(f"/api/v1/trunks/{t['id']}", json={"record": "maybe"}),
                 400, "invalid_field", "record")
    assert expect(admin.get(f"/api/v1/trunks/{t['id']}"), 200)["record"] == "always"
    t2 = expect(admin.post("/api/v1/trunks", json={**body, "name": uniq("rec-"),
                                                   "record": "never"}), 201)
    assert t2["record"] == "never"
    expect(admin.delete(f"/api/v1/trunks/{t['id']}"), 204)
    expect(admin.delete(f"/api/v1/trunks/{t2['id']}"), 204)


# --------------------------------------------------------------------------- recordings

def test_list_is_empty_and_follows_the_list_convention(client, operator):
    _, s = tenant_admin(client, operator)
    b = expect(s.get(RECORDINGS), 200)
    assert_list_shape(b)
    assert b["items"] == [] and b["total"] == 0
    for params in ({"call_id": uuid7()}, {"from": 0, "to": 2 ** 53}, {"status": "done"},
                   {"format": "mp3"}, {"direction": "inbound"}, {"q": "1001"},
                   {"sort": "duration_ms", "order": "asc"}, {"page": 2, "page_size": 5}):
        assert expect(s.get(RECORDINGS, params=params), 200)["total"] == 0, params
    assert_error(s.get(RECORDINGS, params={"caller": "1"}), 400, "bad_query", "caller")
    assert_error(s.get(RECORDINGS, params={"sort": "path"}), 400, "bad_query")
    assert_error(s.get(RECORDINGS, params={"from": "yesterday"}), 400, "bad_query", "from")


def test_unknown_recording_is_404(admin):
    rid = uuid7()
    assert_error(admin.get(f"{RECORDINGS}/{rid}"), 404, "not_found")
    assert_error(admin.get(f"{RECORDINGS}/{rid}/audio"), 404, "not_found")
    assert_error(admin.get(f"{RECORDINGS}/{rid}/audio", params={"download": 1},
                           headers={"Range": "bytes=0-99"}), 404, "not_found")
    assert_error(admin.delete(f"{RECORDINGS}/{rid}"), 404, "not_found")


def test_cleanup_now(client, operator):
    _, s = tenant_admin(client, operator)
    assert expect(s.post(f"{RECORDINGS}/cleanup"), 200) == {"deleted": 0}
    logs = expect(s.get("/api/v1/logs/operations", params={"resource": "recordings"}),
                  200)["items"]
    assert logs and logs[0]["action"] == "cleanup"


def test_permissions(client, admin):
    ro, _, _ = user_with_role(client, admin, {"recordings": "ro"})
    expect(ro.get(RECORDINGS), 200)
    expect(ro.get(POLICY), 200)
    before = expect(admin.get(POLICY), 200)
    assert_error(ro.put(POLICY, json={"inbound": True}), 403, "forbidden")
    assert_error(ro.post(f"{RECORDINGS}/cleanup"), 403, "forbidden")
    assert_error(ro.delete(f"{RECORDINGS}/{uuid7()}"), 403, "forbidden")
    assert expect(admin.get(POLICY), 200) == before

    none, _, _ = user_with_role(client, admin, {"calls": "rw"})
    for r in (none.get(RECORDINGS), none.get(POLICY), none.get(f"{RECORDINGS}/{uuid7()}"),
              none.get(f"{RECORDINGS}/{uuid7()}/audio"), none.put(POLICY, json={}),
              none.post(f"{RECORDINGS}/cleanup")):
        assert_error(r, 403, "forbidden")

    rw, _, _ = user_with_role(client, admin, {"recordings": "rw"})
    saved = expect(rw.put(POLICY, json={"retention_days": before["retention_days"]}), 200)
    assert policy_fields(saved) == policy_fields(before)
    expect(rw.post(f"{RECORDINGS}/cleanup"), 200)


def test_menu_key_is_listed(admin):
    keys = {p["key"]: p["module"] for p in expect(admin.get("/api/v1/permissions"), 200)["items"]}
    assert keys["recordings"] == "records"
    # the built-in Administrator role of a tenant holds it
    me = expect(admin.get("/api/v1/auth/me"), 200)
    assert me["permissions"]["recordings"] == "rw"


def test_call_record_lists_its_recordings(daemon, client, admin, tmp_path):
    """A call that was not recorded has an empty `recordings` array; a user who may see
    calls but not recordings gets no such array at all."""
    caller = make_extension(admin, PASSWORD)["number"]
    callee = make_extension(admin, PASSWORD)["number"]
    uac = Sipp(tmp_path, write_scenario(tmp_path, "uac480", uac_expect(480)), daemon.sip_port,
               user=caller, password=PASSWORD,
               keys={"domain": "demo", "callee": callee}).start()
    assert uac.wait() == 0, uac.errors()
    rec = call_record(admin, caller=caller)
    assert rec["recordings"] == []
    calls_only, _, _ = user_with_role(client, admin, {"calls": "ro"})
    got = expect(calls_only.get(f"/api/v1/calls/{rec['id']}"), 200)
    assert "recordings" not in got
    assert got["legs"] == rec["legs"]
