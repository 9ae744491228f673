"""Speed dial (ippbx.md §2.1.2, §2.9): the /api/v1/speed-dials resource (CRUD,
validation, 409 on a taken short number, tenant isolation, menu permission) and
real calls with sipp: an extension dials `*` + a short number and reaches the
target extension, or the carrier (a sipp UAS behind a trunk) receives the target
number, with the extension's dial permission still applied; an unknown short
number is 404 with a call record."""
import random

from e2e_helpers import (ADMIN_PASSWORD, assert_error, assert_list_shape, assert_recent_ms,
                         assert_uuid7, call_record, check_menu_permission, expect, free_sip_port,
                         make_extension, make_tenant)
from peers import (Sipp, REGISTER, uac_call_and_hangup, uac_expect, uas_answer_checking,
                   write_scenario)

SD = "/api/v1/speed-dials"
DOMAIN = "demo"
PASSWORD = "s3cret-pass"


def short():
    """A short number no feature code claims (they all start with 8)."""
    return str(random.randrange(100000, 799999))


def speed_dial(s, number="13900001111", **kw):
    for _ in range(20):
        r = s.post(SD, json={"short_number": kw.pop("short_number", None) or short(),
                             "number": number, **kw})
        if r.status_code != 409:
            return expect(r, 201)
    raise AssertionError(r.text)


def ext(admin, **kw):
    return make_extension(admin, PASSWORD, **kw)


def record(admin, caller):
    return call_record(admin, caller=caller)


def dial(tmp_path, daemon, caller, dialed, scenario, name="uac"):
    return Sipp(tmp_path, write_scenario(tmp_path, name, scenario), daemon.sip_port,
                user=caller, password=PASSWORD,
                keys={"domain": DOMAIN, "callee": dialed}).start()


# ------------------------------------------------------------------------------ API

def test_speed_dial_crud(admin):
    sd = speed_dial(admin, number="+8613900001111", remark="boss")
    assert_uuid7(sd["id"])
    assert set(sd) == {"id", "short_number", "number", "remark", "created_at", "updated_at"}
    assert sd["number"] == "+8613900001111" and sd["remark"] == "boss"
    assert_recent_ms(sd["created_at"])
    assert expect(admin.get(f"{SD}/{sd['id']}"), 200) == sd

    # a second short number may map to the same number (seed: 不同的短号，添加相同的手机号码)
    twin = speed_dial(admin, number="+8613900001111")
    assert twin["short_number"] != sd["short_number"]
    listed = expect(admin.get(SD, params={"number": "+8613900001111"}), 200)
    assert_list_shape(listed)
    assert {sd["id"], twin["id"]} <= {i["id"] for i in listed["items"]}
    by_short = expect(admin.get(SD, params={"short_number": sd["short_number"]}), 200)
    assert [i["id"] for i in by_short["items"]] == [sd["id"]]
    by_q = expect(admin.get(SD, params={"q": "boss", "short_number": sd["short_number"]}), 200)
    assert by_q["total"] == 1

    # the same short number again is 409, on create and on update
    assert_error(admin.post(SD, json={"short_number": sd["short_number"], "number": "1"}),
                 409, "conflict", sd["short_number"])
    assert_error(admin.patch(f"{SD}/{twin['id']}", json={"short_number": sd["short_number"]}),
                 409, "conflict")

    u = expect(admin.patch(f"{SD}/{sd['id']}", json={"number": "2001", "remark": ""}), 200)
    assert u["number"] == "2001" and u["remark"] == "" and u["short_number"] == sd["short_number"]
    assert u["updated_at"] >= sd["updated_at"]
    logs = expect(admin.get("/api/v1/logs/operations",
                            params={"resource": "speed_dials", "action": "update"}), 200)
    assert any(i["resource_id"] == sd["id"] for i in logs["items"])

    for x in (sd, twin):
        expect(admin.delete(f"{SD}/{x['id']}"), 204)
        assert_error(admin.get(f"{SD}/{x['id']}"), 404, "not_found")
    assert_error(admin.delete(f"{SD}/{sd['id']}"), 404, "not_found")


def test_speed_dial_validation(admin):
    good = short()
    bad = [
        ({"number": "1"}, "missing_field", "short_number"),
        ({"short_number": good}, "missing_field", "number"),
        ({"short_number": "", "number": "1"}, "invalid_field", "short_number"),
        ({"short_number": "1234567", "number": "1"}, "invalid_field", "short_number"),
        ({"short_number": "12a", "number": "1"}, "invalid_field", "short_number"),
        ({"short_number": "+12", "number": "1"}, "invalid_field", "short_number"),
        ({"short_number": "*12", "number": "1"}, "invalid_field", "short_number"),
        ({"short_number": 12, "number": "1"}, "invalid_field", "short_number"),
        # feature codes come first, so these could never be dialled
        ({"short_number": "8", "number": "1"}, "invalid_field", "feature code"),
        ({"short_number": "81", "number": "1"}, "invalid_field", "feature code"),
        ({"short_number": "853", "number": "1"}, "invalid_field", "feature code"),
        ({"short_number": "8411", "number": "1"}, "invalid_field", "feature code"),
        ({"short_number": good, "number": ""}, "invalid_field", "number"),
        ({"short_number": good, "number": "12-34"}, "invalid_field", "number"),
        ({"short_number": good, "number": "+"}, "invalid_field", "number"),
        ({"short_number": good, "number": "1" * 33}, "invalid_field", "number"),
        ({"short_number": good, "number": "100*"}, "invalid_field", "number"),
        ({"short_number": good, "number": "1", "remark": "x" * 257}, "invalid_field", "remark"),
        ({"short_number": good, "number": "1", "enabled": True}, "unknown_field", "enabled"),
    ]
    for body, code, mention in bad:
        assert_error(admin.post(SD, json=body), 400, code, mention)
    assert not expect(admin.get(SD, params={"short_number": good}), 200)["items"], \
        "a refused create stored a row"
    sd = speed_dial(admin, number="1" * 32)
    assert_error(admin.patch(f"{SD}/{sd['id']}", json={"short_number": "80"}), 400,
                 "invalid_field", "feature code")
    assert_error(admin.patch(f"{SD}/{sd['id']}", json={"number": "abc"}), 400,
                 "invalid_field", "number")
    assert expect(admin.get(f"{SD}/{sd['id']}"), 200) == sd
    expect(admin.delete(f"{SD}/{sd['id']}"), 204)


def test_speed_dials_are_per_tenant(client, operator, admin):
    sd = speed_dial(admin)
    t = make_tenant(operator)
    other = client.login(t["code"], "admin", t["_admin_password"])
    assert expect(other.get(SD), 200)["total"] == 0
    assert_error(other.get(f"{SD}/{sd['id']}"), 404, "not_found")
    assert_error(other.patch(f"{SD}/{sd['id']}", json={"number": "1"}), 404, "not_found")
    assert_error(other.delete(f"{SD}/{sd['id']}"), 404, "not_found")
    # the same short number is free in another tenant
    mine = expect(other.post(SD, json={"short_number": sd["short_number"], "number": "42"}), 201)
    assert expect(admin.get(f"{SD}/{sd['id']}"), 200)["number"] == sd["number"]
    assert expect(other.get(SD), 200)["items"] == [mine]
    expect(admin.delete(f"{SD}/{sd['id']}"), 204)


def test_speed_dial_menu_permission(client, admin):
    keys = {p["key"]: p["module"] for p in expect(admin.get("/api/v1/permissions"), 200)["items"]}
    assert keys.get("speed_dials") == "telephony"
    sd = speed_dial(admin)
    check_menu_permission(client, admin, "speed_dials", SD, sd["id"],
                          lambda: {"short_number": short(), "number": "5"},
                          patch_body={"remark": "x"})
    expect(admin.delete(f"{SD}/{sd['id']}"), 204)


# ---------------------------------------------------------------------------- calls

def test_speed_dial_rings_the_target_extension(daemon, admin, tmp_path):
    a, b = ext(admin), ext(admin)
    sd = speed_dial(admin, number=b["number"])
    reg = Sipp(tmp_path, write_scenario(tmp_path, "reg", REGISTER), daemon.sip_port,
               keys={"domain": DOMAIN}, user=b["number"], password=PASSWORD).start()
    assert reg.wait(20) == 0, reg.errors()
    phone = Sipp(tmp_path, write_scenario(tmp_path, "phone", uas_answer_checking(b["number"])),
                 daemon.sip_port, port=reg.port).start()
    uac = dial(tmp_path, daemon, a["number"], "*" + sd["short_number"], uac_call_and_hangup())
    assert uac.wait() == 0, uac.errors()
    assert phone.wait() == 0, phone.errors()
    rec = record(admin, a["number"])
    assert rec["direction"] == "internal" and rec["callee"] == b["number"]
    assert rec["answered_by"] == b["number"] and rec["end_status"] == "normal_end"
    expect(admin.delete(f"{SD}/{sd['id']}"), 204)


def test_unknown_short_number_is_404(daemon, admin, tmp_path):
    a = ext(admin)
    # created, then deleted: the answer to DELETE comes after SIP has forgotten it
    sd = speed_dial(admin, number="1001")
    expect(admin.delete(f"{SD}/{sd['id']}"), 204)
    uac = dial(tmp_path, daemon, a["number"], "*" + sd["short_number"], uac_expect(404))
    assert uac.wait() == 0, uac.errors()
    rec = record(admin, a["number"])
    assert rec["callee"] == "*" + sd["short_number"] and rec["sip_code"] == 404
    assert rec["end_status"] == "vacant" and rec["hangup_side"] == "system"
    assert rec["sip_reason"] == "Speed Dial Not Found"


def test_speed_dial_of_another_tenant_is_not_used(daemon, client, operator, admin, tmp_path):
    t = make_tenant(operator)
    other = client.login(t["code"], "admin", t["_admin_password"])
    theirs = expect(other.post(SD, json={"short_number": short(), "number": "1001"}), 201)
    a = ext(admin)
    uac = dial(tmp_path, daemon, a["number"], "*" + theirs["short_number"], uac_expect(404))
    assert uac.wait() == 0, uac.errors()
    assert record(admin, a["number"])["end_status"] == "vacant"


def test_speed_dial_out_through_a_trunk_with_dial_permission(make_daemon, tmp_path):
    daemon = make_daemon()
    admin = daemon.client().login(DOMAIN, "admin", ADMIN_PASSWORD)
    port = free_sip_port()
    trunk = expect(admin.post("/api/v1/trunks", json={
        "name": "carrier", "type": "peer", "host": "127.0.0.1", "port": port,
        "peer_cidrs": ["127.0.0.1/32"]}), 201)
    expect(admin.post("/api/v1/outbound-routes", json={
        "name": "international", "priority": 10, "patterns": ["00X."],
        "trunk_ids": [trunk["id"]], "dial_permission": "international"}), 201)
    expect(admin.post("/api/v1/outbound-routes", json={
        "name": "mobile", "priority": 20, "patterns": ["1[3-9]XXXXXXXXX"], "prepend": "86",
        "trunk_ids": [trunk["id"]], "dial_permission": "local"}), 201)
    mobile = speed_dial(admin, short_number="7", number="13812345678", remark="supplier")
    abroad = speed_dial(admin, short_number="77", number="004420123456")
    caller = ext(admin, dial_permission="local")

    carrier = Sipp(tmp_path, write_scenario(tmp_path, "carrier",
                                            uas_answer_checking("8613812345678")),
                   daemon.sip_port, port=port).start()
    uac = dial(tmp_path, daemon, caller["number"], "*" + mobile["short_number"],
               uac_call_and_hangup(), "uac-mobile")
    assert uac.wait() == 0, uac.errors()
    assert carrier.wait() == 0, carrier.errors()
    rec = record(admin, caller["number"])
    assert rec["direction"] == "outbound" and rec["callee"] == "13812345678"
    assert rec["trunk_id"] == trunk["id"] and rec["end_status"] == "normal_end"

    # the target number still needs the route's dial permission
    uac = dial(tmp_path, daemon, caller["number"], "*" + abroad["short_number"],
               uac_expect(403), "uac-abroad")
    assert uac.wait() == 0, uac.errors()
    rec = call_record(admin, caller=caller["number"], end_status="permission_denied")
    assert rec["sip_code"] == 403 and rec["callee"] == "004420123456"
