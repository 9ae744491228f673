"""Conference rooms and voicemail configuration (issue 4; ippbx.md §2.1.11, §3.8;
tencent-ccc.md 语音信箱): /api/v1/conference-rooms, /api/v1/voicemail-boxes and
/api/v1/voicemail-messages — CRUD, validation, one numbering for extensions, rooms and
tenant boxes (409 both ways), write-only PINs, greetings that must be approved voices,
extensions forwarding to `voicemail`, tenant isolation and menu permissions.

Messages are written by the call flow (leaving a message comes with the media engine's
recording), so here the message routes are exercised on what exists: empty lists and
404s; filing a message is unit-tested in tests/unit/test_conf_vm.c."""
import random

import pytest

from e2e_helpers import (assert_error, assert_list_shape, assert_recent_ms, assert_uuid7,
                         check_menu_permission, expect, list_all, make_extension, make_tenant,
                         uniq,
                         user_with_role, uuid7)
from test_voices import make_voice

ROOMS = "/api/v1/conference-rooms"
BOXES = "/api/v1/voicemail-boxes"
MSGS = "/api/v1/voicemail-messages"
EXTS = "/api/v1/extensions"
PASSWORD = "s3cret-pass"
ROOM_KEYS = {"id", "number", "name", "has_pin", "has_admin_pin", "max_members", "join_tones",
             "enabled", "created_at", "updated_at"}
BOX_KEYS = {"id", "extension_id", "number", "name", "has_pin", "greeting_voice_id",
            "greeting_voice_name", "max_message_s", "enabled", "notify", "new_messages",
            "messages", "created_at", "updated_at"}


def free_number(s, digits=7):
    """A number no extension, room or box of the tenant uses (random, checked)."""
    for _ in range(50):
        n = str(random.randrange(10 ** (digits - 1), 10 ** digits))
        if not any(expect(s.get(p, params={k: n}), 200)["total"]
                   for p, k in ((EXTS, "q"), (ROOMS, "number"), (BOXES, "number"))):
            return n
    raise AssertionError("no free number")


def room(s, **kw):
    body = {"number": kw.pop("number", None) or free_number(s), "name": uniq("room-"), **kw}
    return expect(s.post(ROOMS, json=body), 201)


def tenant_box(s, **kw):
    body = {"number": kw.pop("number", None) or free_number(s), "name": uniq("box-"), **kw}
    return expect(s.post(BOXES, json=body), 201)


def ext(s, **kw):
    return make_extension(s, PASSWORD, **kw)


# ------------------------------------------------------------------------------ rooms

def test_room_crud_and_pins(admin):
    r = room(admin, pin="1234", admin_pin="987654")
    assert_uuid7(r["id"])
    assert set(r) == ROOM_KEYS | {"pin", "admin_pin"}, "the writer sees the PINs it set"
    assert (r["pin"], r["admin_pin"], r["has_pin"], r["has_admin_pin"]) == \
        ("1234", "987654", True, True)
    assert (r["max_members"], r["join_tones"], r["enabled"]) == (10, True, True)
    assert_recent_ms(r["created_at"])
    assert expect(admin.get(f"{ROOMS}/{r['id']}"), 200) == r

    # lists never show PINs
    listed = expect(admin.get(ROOMS, params={"number": r["number"]}), 200)
    assert_list_shape(listed)
    assert [set(i) for i in listed["items"]] == [ROOM_KEYS]
    assert listed["items"][0]["has_pin"] is True
    assert expect(admin.get(ROOMS, params={"q": r["name"]}), 200)["total"] == 1

    u = expect(admin.patch(f"{ROOMS}/{r['id']}", json={
        "pin": "", "max_members": 64, "join_tones": False, "enabled": False, "name": "Board"}), 200)
    assert (u["pin"], u["has_pin"], u["admin_pin"], u["max_members"], u["join_tones"],
            u["enabled"], u["name"]) == ("", False, "987654", 64, False, False, "Board")
    assert u["updated_at"] >= r["updated_at"]
    assert expect(admin.get(ROOMS, params={"number": r["number"], "enabled": "false"}),
                  200)["total"] == 1

    # the operation log has the change, never a PIN
    logs = [i for i in list_all(admin, "/api/v1/logs/operations",
                                {"resource": "conference_rooms"})
            if i["resource_id"] == r["id"]]
    assert {i["action"] for i in logs} == {"create", "update"}
    for i in logs:
        for side in (i.get("before"), i.get("after")):
            assert not side or ("pin" not in side and "admin_pin" not in side), i
            assert "987654" not in str(side)

    expect(admin.delete(f"{ROOMS}/{r['id']}"), 204)
    assert_error(admin.get(f"{ROOMS}/{r['id']}"), 404, "not_found")
    assert_error(admin.delete(f"{ROOMS}/{r['id']}"), 404, "not_found")
    assert_error(admin.patch(f"{ROOMS}/{r['id']}", json={"name": "x"}), 404, "not_found")


def test_room_validation(admin):
    good = free_number(admin)
    bad = [
        ({"name": "x"}, 400, "missing_field", "number"),
        ({"number": good}, 400, "missing_field", "name"),
        ({"number": "1", "name": "x"}, 400, "invalid_field", "number"),
        ({"number": "123456789", "name": "x"}, 400, "invalid_field", "number"),
        ({"number": "12a4", "name": "x"}, 400, "invalid_field", "number"),
        ({"number": "+1234", "name": "x"}, 400, "invalid_field", "number"),
        ({"number": 1234, "name": "x"}, 400, "invalid_field", "number"),
        ({"number": good, "name": ""}, 400, "invalid_field", "name"),
        ({"number": good, "name": "x", "pin": "12a"}, 400, "invalid_field", "pin"),
        ({"number": good, "name": "x", "pin": "1" * 13}, 400, "invalid_field", "pin"),
        ({"number": good, "name": "x", "admin_pin": "*9"}, 400, "invalid_field", "admin_pin"),
        ({"number": good, "name": "x", "pin": "55", "admin_pin": "55"}, 400, "invalid_field",
         "admin_pin"),
        ({"number": good, "name": "x", "max_members": 1}, 400, "invalid_field", "max_members"),
        ({"number": good, "name": "x", "max_members": 65}, 400, "invalid_field", "max_members"),
        ({"number": good, "name": "x", "max_members": "10"}, 400, "invalid_field",
         "max_members"),
        ({"number": good, "name": "x", "join_tones": 1}, 400, "invalid_field", "join_tones"),
        ({"number": good, "name": "x", "moh": True}, 400, "unknown_field", "moh"),
        ({"number": good, "name": "x", "has_pin": True}, 400, "unknown_field", "has_pin"),
    ]
    for body, status, code, mention in bad:
        assert_error(admin.post(ROOMS, json=body), status, code, mention)
    assert expect(admin.get(ROOMS, params={"number": good}), 200)["total"] == 0, \
        "a refused create stored a room"

    r = room(admin, pin="55", max_members=2)
    assert r["max_members"] == 2
    # the admin PIN may not equal the stored user PIN either (and the reverse)
    assert_error(admin.patch(f"{ROOMS}/{r['id']}", json={"admin_pin": "55"}), 400,
                 "invalid_field", "admin_pin")
    expect(admin.patch(f"{ROOMS}/{r['id']}", json={"admin_pin": "66"}), 200)
    assert_error(admin.patch(f"{ROOMS}/{r['id']}", json={"pin": "66"}), 400, "invalid_field",
                 "admin_pin")
    assert_error(admin.patch(f"{ROOMS}/{r['id']}", json={"number": "9"}), 400,
                 "invalid_field", "number")
    after = expect(admin.get(f"{ROOMS}/{r['id']}"), 200)
    assert (after["pin"], after["admin_pin"], after["number"]) == ("55", "66", r["number"])

    # the same number twice is 409 naming the room
    assert_error(admin.post(ROOMS, json={"number": r["number"], "name": "again"}), 409,
                 "conflict", r["name"])


# ------------------------------------------------------------------------------ one numbering

def test_numbers_do_not_clash(admin):
    e = ext(admin)
    # a room or a tenant box on an extension's number is 409, and the reverse
    assert_error(admin.post(ROOMS, json={"number": e["number"], "name": "x"}), 409, "conflict",
                 f"extension '{e['number']}'")
    assert_error(admin.post(BOXES, json={"number": e["number"]}), 409, "conflict",
                 f"extension '{e['number']}'")
    r = room(admin, number=free_number(admin, 6))
    b = tenant_box(admin, number=free_number(admin, 6))
    for taken, what in ((r["number"], f"conference room '{r['name']}'"),
                        (b["number"], f"voicemail box '{b['name']}'")):
        assert_error(admin.post(EXTS, json={"number": taken, "password": PASSWORD}), 409,
                     "conflict", what)
        assert_error(admin.patch(f"{EXTS}/{e['id']}", json={"number": taken}), 409, "conflict",
                     what)
    # rooms and boxes between themselves
    assert_error(admin.post(BOXES, json={"number": r["number"]}), 409, "conflict",
                 "conference room")
    assert_error(admin.post(ROOMS, json={"number": b["number"], "name": "x"}), 409, "conflict",
                 "voicemail box")
    other = room(admin)
    assert_error(admin.patch(f"{ROOMS}/{other['id']}", json={"number": b["number"]}), 409,
                 "conflict", "voicemail box")
    assert_error(admin.patch(f"{BOXES}/{b['id']}", json={"number": other["number"]}), 409,
                 "conflict", "conference room")
    # keeping one's own number is no clash
    expect(admin.patch(f"{ROOMS}/{r['id']}", json={"number": r["number"], "name": "same"}), 200)
    expect(admin.patch(f"{BOXES}/{b['id']}", json={"number": b["number"]}), 200)
    assert expect(admin.get(f"{EXTS}/{e['id']}"), 200)["number"] == e["number"]
    for x, path in ((r, ROOMS), (other, ROOMS), (b, BOXES)):
        expect(admin.delete(f"{path}/{x['id']}"), 204)
    # freed numbers can be taken again
    expect(admin.patch(f"{EXTS}/{e['id']}", json={"number": r["number"]}), 200)


# ------------------------------------------------------------------------------ boxes

def test_extension_box(admin):
    e = ext(admin)
    b = expect(admin.post(BOXES, json={"extension_id": e["id"], "pin": "4321"}), 201)
    assert set(b) == BOX_KEYS | {"pin"}
    assert (b["extension_id"], b["number"], b["pin"], b["has_pin"], b["name"]) == \
        (e["id"], e["number"], "4321", True, "")
    assert (b["greeting_voice_id"], b["max_message_s"], b["enabled"], b["notify"]) == \
        (None, 120, True, False)
    assert (b["new_messages"], b["messages"]) == (0, 0)
    listed = expect(admin.get(BOXES, params={"extension_id": e["id"]}), 200)
    assert [set(i) for i in listed["items"]] == [BOX_KEYS]

    # the box follows the extension's number
    n = free_number(admin, 6)
    expect(admin.patch(f"{EXTS}/{e['id']}", json={"number": n}), 200)
    assert expect(admin.get(f"{BOXES}/{b['id']}"), 200)["number"] == n
    assert expect(admin.get(BOXES, params={"number": n}), 200)["total"] == 1

    assert_error(admin.post(BOXES, json={"extension_id": e["id"]}), 409, "conflict",
                 "already has a voicemail box")
    assert_error(admin.patch(f"{BOXES}/{b['id']}", json={"number": "5555"}), 400,
                 "invalid_field", "extension's number")
    assert_error(admin.patch(f"{BOXES}/{b['id']}", json={"extension_id": ext(admin)["id"]}),
                 400, "invalid_field", "extension_id")
    assert_error(admin.patch(f"{BOXES}/{b['id']}", json={"extension_id": None}), 400,
                 "invalid_field", "extension_id")

    # an extension with a box keeps it until the box goes
    assert_error(admin.delete(f"{EXTS}/{e['id']}"), 409, "in_use", "voicemail box")
    expect(admin.get(f"{EXTS}/{e['id']}"), 200)
    expect(admin.delete(f"{BOXES}/{b['id']}"), 204)
    assert_error(admin.get(f"{BOXES}/{b['id']}"), 404, "not_found")
    expect(admin.delete(f"{EXTS}/{e['id']}"), 204)


def test_box_validation(admin):
    e = ext(admin)
    good = free_number(admin)
    bad = [
        ({}, "invalid_field", "either"),
        ({"name": "x"}, "invalid_field", "either"),
        ({"number": None, "extension_id": None}, "invalid_field", "either"),
        ({"number": good, "extension_id": e["id"]}, "invalid_field", "either"),
        ({"number": "1"}, "invalid_field", "number"),
        ({"number": "1" * 17}, "invalid_field", "number"),
        ({"number": "12-3"}, "invalid_field", "number"),
        ({"number": 1234}, "invalid_field", "number"),
        ({"extension_id": uuid7()}, "invalid_field", "extension_id"),
        ({"extension_id": 5}, "invalid_field", "extension_id"),
        ({"number": good, "pin": "123"}, "invalid_field", "pin"),
        ({"number": good, "pin": "1" * 13}, "invalid_field", "pin"),
        ({"number": good, "pin": "12ab"}, "invalid_field", "pin"),
        ({"number": good, "max_message_s": 9}, "invalid_field", "max_message_s"),
        ({"number": good, "max_message_s": 601}, "invalid_field", "max_message_s"),
        ({"number": good, "notify": "yes"}, "invalid_field", "notify"),
        ({"number": good, "name": "x" * 129}, "invalid_field", "name"),
        ({"number": good, "greeting": None}, "unknown_field", "greeting"),
    ]
    for body, code, mention in bad:
        assert_error(admin.post(BOXES, json=body), 400, code, mention)
    assert_error(admin.post(BOXES, json={"number": good, "greeting_voice_id": uuid7()}), 422,
                 "invalid_voice", "greeting_voice_id")
    assert expect(admin.get(BOXES, params={"number": good}), 200)["total"] == 0
    assert expect(admin.get(BOXES, params={"extension_id": e["id"]}), 200)["total"] == 0

    b = tenant_box(admin, number=good, pin="", max_message_s=600, notify=True, enabled=False)
    assert (b["extension_id"], b["number"], b["has_pin"], b["max_message_s"], b["notify"],
            b["enabled"]) == (None, good, False, 600, True, False)
    assert_error(admin.patch(f"{BOXES}/{b['id']}", json={"number": None}), 400,
                 "invalid_field", "number")
    assert_error(admin.patch(f"{BOXES}/{b['id']}", json={"pin": "1"}), 400, "invalid_field",
                 "pin")
    u = expect(admin.patch(f"{BOXES}/{b['id']}", json={"pin": "000000", "max_message_s": 10}),
               200)
    assert (u["pin"], u["has_pin"], u["max_message_s"]) == ("000000", True, 10)
    assert_error(admin.post(BOXES, json={"number": good}), 409, "conflict", good)
    expect(admin.delete(f"{BOXES}/{b['id']}"), 204)


def test_greeting_must_be_approved_and_is_protected(admin):
    pending = make_voice(admin)
    assert_error(admin.post(BOXES, json={"number": free_number(admin),
                                         "greeting_voice_id": pending["id"]}),
                 422, "voice_not_approved", pending["name"])
    rejected = make_voice(admin)
    expect(admin.post(f"/api/v1/voices/{rejected['id']}/review",
                      json={"status": "rejected", "reason": "noise"}), 200)
    b = tenant_box(admin)
    assert_error(admin.patch(f"{BOXES}/{b['id']}", json={"greeting_voice_id": rejected["id"]}),
                 422, "voice_not_approved", "rejected")

    v = make_voice(admin, approved=True)
    u = expect(admin.patch(f"{BOXES}/{b['id']}", json={"greeting_voice_id": v["id"]}), 200)
    assert (u["greeting_voice_id"], u["greeting_voice_name"]) == (v["id"], v["name"])
    assert expect(admin.get(f"/api/v1/voices/{v['id']}"), 200)["used_by"] == 1
    # a greeting in use cannot be deleted, rejected or replaced
    what = f"voicemail box '{b['number']}'"
    assert_error(admin.delete(f"/api/v1/voices/{v['id']}"), 409, "in_use", what)
    assert_error(admin.post(f"/api/v1/voices/{v['id']}/review",
                            json={"status": "rejected", "reason": "x"}), 409, "in_use", what)
    from test_voices import wav_bytes
    assert_error(admin.put(f"/api/v1/voices/{v['id']}/audio", data=wav_bytes(seconds=0.1),
                           headers={"Content-Type": "audio/wav"}), 409, "in_use", what)
    # back to the default greeting, then the voice may go
    u = expect(admin.patch(f"{BOXES}/{b['id']}", json={"greeting_voice_id": None}), 200)
    assert (u["greeting_voice_id"], u["greeting_voice_name"]) == (None, None)
    for x in (v, pending, rejected):
        expect(admin.delete(f"/api/v1/voices/{x['id']}"), 204)
    expect(admin.delete(f"{BOXES}/{b['id']}"), 204)


def test_forward_to_voicemail(admin):
    e = ext(admin, forward_no_answer="voicemail", forward_busy="voicemail")
    assert (e["forward_no_answer"], e["forward_busy"]) == ("voicemail", "voicemail")
    u = expect(admin.patch(f"{EXTS}/{e['id']}", json={"forward_always": "voicemail"}), 200)
    assert u["forward_always"] == "voicemail"
    for bad in ("Voicemail", "voicemail1", "vm"):
        assert_error(admin.patch(f"{EXTS}/{e['id']}", json={"forward_busy": bad}), 400,
                     "invalid_field", "voicemail")
    expect(admin.delete(f"{EXTS}/{e['id']}"), 204)


# ------------------------------------------------------------------------------ messages

def test_messages_without_any(admin):
    b = tenant_box(admin)
    listed = expect(admin.get(MSGS, params={"box_id": b["id"]}), 200)
    assert_list_shape(listed)
    assert (listed["items"], listed["total"]) == ([], 0)
    for params in ({"status": "new"}, {"status": "read", "box_id": b["id"]},
                   {"from": 0, "to": 1}, {"caller": "13900001111"}, {"q": "nobody"},
                   {"sort": "duration_ms", "order": "asc"}):
        assert_list_shape(expect(admin.get(MSGS, params=params), 200))
    assert_error(admin.get(MSGS, params={"from": "yesterday"}), 400)
    assert_error(admin.get(MSGS, params={"sort": "path"}), 400)
    missing = uuid7()
    assert_error(admin.get(f"{MSGS}/{missing}"), 404, "not_found")
    assert_error(admin.get(f"{MSGS}/{missing}/audio"), 404, "not_found")
    assert_error(admin.get(f"{MSGS}/{missing}/audio", params={"download": 1}), 404, "not_found")
    assert_error(admin.patch(f"{MSGS}/{missing}", json={"status": "read"}), 404, "not_found")
    assert_error(admin.delete(f"{MSGS}/{missing}"), 404, "not_found")
    for body, code in (({}, "missing_field"), ({"status": "heard"}, "invalid_field"),
                       ({"status": True}, "invalid_field"),
                       ({"status": "read", "caller": "1"}, "unknown_field")):
        assert_error(admin.patch(f"{MSGS}/{missing}", json=body), 400, code)
    assert_error(admin.post(MSGS, json={"box_id": b["id"]}), 405)
    expect(admin.delete(f"{BOXES}/{b['id']}"), 204)


# ------------------------------------------------------------------------------ tenants, menus

def test_tenant_isolation(client, operator, admin):
    mine_ext = ext(admin)
    mine_room = room(admin, pin="1111")
    mine_box = tenant_box(admin)
    mine_voice = make_voice(admin, approved=True)
    t = make_tenant(operator)
    other = client.login(t["code"], "admin", t["_admin_password"])

    # the other tenant sees none of ours, and may use the same numbers
    for path, x in ((ROOMS, mine_room), (BOXES, mine_box)):
        assert expect(other.get(path), 200)["total"] == 0
        assert_error(other.get(f"{path}/{x['id']}"), 404, "not_found")
        assert_error(other.patch(f"{path}/{x['id']}", json={"name": "mine"}), 404, "not_found")
        assert_error(other.delete(f"{path}/{x['id']}"), 404, "not_found")
    theirs_room = expect(other.post(ROOMS, json={"number": mine_room["number"], "name": "t"}),
                         201)
    theirs_box = expect(other.post(BOXES, json={"number": mine_ext["number"]}), 201)
    expect(other.post(ROOMS, json={"number": mine_box["number"], "name": "t2"}), 201)
    # nor can it point at our extension or our voice
    assert_error(other.post(BOXES, json={"extension_id": mine_ext["id"]}), 400,
                 "invalid_field", "extension_id")
    assert_error(other.patch(f"{BOXES}/{theirs_box['id']}",
                             json={"greeting_voice_id": mine_voice["id"]}), 422, "invalid_voice")
    # ours are unchanged
    assert expect(admin.get(f"{ROOMS}/{mine_room['id']}"), 200)["pin"] == "1111"
    assert expect(admin.get(ROOMS, params={"number": mine_room["number"]}), 200)["total"] == 1
    assert_error(admin.get(f"{ROOMS}/{theirs_room['id']}"), 404)

    # a tenant with rooms, boxes and a greeting can be deleted
    their_ext = make_extension(other, PASSWORD)
    their_voice = make_voice(other, approved=True)
    expect(other.post(BOXES, json={"extension_id": their_ext["id"],
                                   "greeting_voice_id": their_voice["id"]}), 201)
    expect(operator.delete(f"/api/v1/tenants/{t['id']}"), 204)
    expect(admin.get(f"{ROOMS}/{mine_room['id']}"), 200)
    for path, x in ((ROOMS, mine_room), (BOXES, mine_box), (EXTS, mine_ext),
                    ("/api/v1/voices", mine_voice)):
        expect(admin.delete(f"{path}/{x['id']}"), 204)


def test_pins_read_only_and_permissions(client, admin):
    r = room(admin, pin="2468", admin_pin="1357")
    b = tenant_box(admin, pin="8642")
    ro, _, _ = user_with_role(client, admin, {"conferences": "ro", "voicemail": "ro"})
    got = expect(ro.get(f"{ROOMS}/{r['id']}"), 200)
    assert set(got) == ROOM_KEYS and got["has_pin"] and got["has_admin_pin"]
    got = expect(ro.get(f"{BOXES}/{b['id']}"), 200)
    assert set(got) == BOX_KEYS and got["has_pin"]
    assert_error(ro.patch(f"{MSGS}/{uuid7()}", json={"status": "read"}), 403, "forbidden")
    assert_error(ro.delete(f"{MSGS}/{uuid7()}"), 403, "forbidden")
    assert_list_shape(expect(ro.get(MSGS), 200))

    check_menu_permission(client, admin, "conferences", ROOMS, r["id"],
                          lambda: {"number": free_number(admin), "name": uniq("r")},
                          {"name": "changed"})
    check_menu_permission(client, admin, "voicemail", BOXES, b["id"],
                          lambda: {"number": free_number(admin)}, {"name": "changed"})
    none, _, _ = user_with_role(client, admin, {"conferences": "rw"})
    assert_error(none.get(MSGS), 403, "forbidden")
    assert_error(none.get(f"{MSGS}/{uuid7()}/audio"), 403, "forbidden")


@pytest.mark.parametrize("menu", ["conferences", "voicemail"])
def test_menus_listed(admin, menu):
    keys = {i["key"]: i["module"] for i in expect(admin.get("/api/v1/permissions"), 200)["items"]}
    assert keys[menu] == "telephony"
    assert admin.login_data["permissions"][menu] == "rw"
