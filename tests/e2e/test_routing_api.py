"""Trunks, numbers, time groups, inbound/outbound routes and black/white lists: CRUD,
validation, tenant isolation, the tenant call limit, and trunk registration against a
sipp UAS acting as the carrier's registrar."""
import os
import time
from pathlib import Path

import pytest

from e2e_helpers import (assert_error, assert_list_shape, assert_uuid7, expect, free_sip_port,
                         make_tenant, uniq)
from peers import Sipp

SIPP_DIR = Path(__file__).resolve().parent / "sipp"


def did():
    return "+86" + str(int.from_bytes(os.urandom(5), "big") % 10**10).zfill(10)


def ext_number():
    return str(int.from_bytes(os.urandom(4), "big") % 90000000 + 10000000)


def peer_trunk(s, **kw):
    body = {"name": uniq("peer"), "type": "peer", "host": "10.1.2.3",
            "peer_cidrs": ["10.1.2.0/24"]}
    body.update(kw)
    return expect(s.post("/api/v1/trunks", json=body), 201)


def reg_trunk(s, **kw):
    body = {"name": uniq("reg"), "type": "register", "host": "127.0.0.1", "port": 5099,
            "username": "acme", "password": "secret-1"}
    body.update(kw)
    return expect(s.post("/api/v1/trunks", json=body), 201)


def tenant_session(client, operator):
    t = make_tenant(operator)
    return client.login(t["code"], "admin", t["_admin_password"]), t


# ------------------------------------------------------------------------- trunks

def test_trunk_crud_and_password_write_only(admin):
    t = reg_trunk(admin, transport="tcp", auth_username="acme-auth", realm="carrier.example",
                  codecs=["PCMA"], caller_id_format="e164", country_code="86", max_calls=10,
                  failover_group="g1", enabled=False)
    assert_uuid7(t["id"])
    assert t["type"] == "register" and t["transport"] == "tcp" and t["expires"] == 3600
    assert t["has_password"] is True and "password" not in t
    assert t["enabled"] is False and t["max_calls"] == 10 and t["codecs"] == ["PCMA"]
    got = expect(admin.get(f"/api/v1/trunks/{t['id']}"), 200)
    assert "password" not in got and got["failover_group"] == "g1"
    listed = expect(admin.get("/api/v1/trunks", params={"q": t["name"]}), 200)
    assert_list_shape(listed)
    assert [i["id"] for i in listed["items"]] == [t["id"]]
    u = expect(admin.patch(f"/api/v1/trunks/{t['id']}", json={"port": 5070, "expires": 120}), 200)
    assert u["port"] == 5070 and u["expires"] == 120 and u["has_password"] is True
    logs = expect(admin.get("/api/v1/logs/operations", params={"resource": "trunks"}), 200)
    assert "secret-1" not in str(logs)
    expect(admin.delete(f"/api/v1/trunks/{t['id']}"), 204)
    assert_error(admin.get(f"/api/v1/trunks/{t['id']}"), 404, "not_found")


def test_trunk_validation(admin):
    bad = [
        ({"name": "x", "type": "gateway", "host": "h"}, "type"),
        ({"name": "x", "type": "peer", "host": "h"}, "peer_cidrs"),
        ({"name": "x", "type": "peer", "host": "h", "peer_cidrs": ["10.0.0.0/33"]}, "peer_cidrs"),
        ({"name": "x", "type": "register", "host": "h", "username": "u"}, "password"),
        ({"name": "x", "type": "register", "host": "h", "password": "p"}, "username"),
        ({"name": "x", "type": "peer", "host": "a b", "peer_cidrs": ["10.0.0.0/8"]}, "host"),
        ({"name": "x", "type": "peer", "host": "h", "peer_cidrs": ["10.0.0.0/8"],
          "transport": "sctp"}, "transport"),
        ({"name": "x", "type": "peer", "host": "h", "peer_cidrs": ["10.0.0.0/8"],
          "codecs": ["GSM"]}, "codecs"),
        ({"name": "x", "type": "peer", "host": "h", "peer_cidrs": ["10.0.0.0/8"],
          "port": 70000}, "port"),
        ({"name": "x", "type": "peer", "host": "h", "peer_cidrs": ["10.0.0.0/8"],
          "caller_id_format": "weird"}, "caller_id_format"),
    ]
    for body, field in bad:
        assert_error(admin.post("/api/v1/trunks", json=body), 400, "invalid_field", field)
    assert_error(admin.post("/api/v1/trunks", json={"name": "x"}), 400, "missing_field")
    assert_error(admin.post("/api/v1/trunks", json={"name": "x", "type": "peer", "host": "h",
                                                    "peer_cidrs": ["10.0.0.0/8"], "z": 1}),
                 400, "unknown_field")
    t = peer_trunk(admin)
    assert_error(admin.post("/api/v1/trunks", json={"name": t["name"], "type": "peer", "host": "h",
                                                    "peer_cidrs": ["10.0.0.0/8"]}), 409, "conflict")
    # switching a peer trunk to register needs credentials
    assert_error(admin.patch(f"/api/v1/trunks/{t['id']}", json={"type": "register"}), 400,
                 "invalid_field", "username")


# ------------------------------------------------------------------------ numbers

def test_numbers_unique_across_tenants(client, operator, admin):
    tr = peer_trunk(admin)
    n = did()
    num = expect(admin.post("/api/v1/numbers", json={"number": n, "trunk_id": tr["id"],
                                                     "description": "hotline"}), 201)
    assert num["number"] == n and num["trunk_id"] == tr["id"] and num["enabled"] is True
    assert "digits" not in num
    assert_error(admin.post("/api/v1/numbers", json={"number": n}), 409, "conflict")
    # the same digits without '+' are the same number
    assert_error(admin.post("/api/v1/numbers", json={"number": n[1:]}), 409, "conflict")
    s, _ = tenant_session(client, operator)
    assert_error(s.post("/api/v1/numbers", json={"number": n}), 409, "conflict")
    assert_error(s.get(f"/api/v1/numbers/{num['id']}"), 404, "not_found")
    assert expect(s.get("/api/v1/numbers"), 200)["total"] == 0
    # another tenant's trunk is unknown here
    assert_error(s.post("/api/v1/numbers", json={"number": did(), "trunk_id": tr["id"]}), 400,
                 "invalid_field", "trunk_id")
    for bad in ("12a4", "", "+", "1" * 40):
        assert_error(admin.post("/api/v1/numbers", json={"number": bad}), 400, "invalid_field")
    # a trunk in use by a number cannot be deleted
    assert_error(admin.delete(f"/api/v1/trunks/{tr['id']}"), 409)
    expect(admin.patch(f"/api/v1/numbers/{num['id']}", json={"trunk_id": None}), 200)
    expect(admin.delete(f"/api/v1/trunks/{tr['id']}"), 204)
    u = expect(admin.patch(f"/api/v1/numbers/{num['id']}", json={"number": n + "1"}), 200)
    assert u["number"] == n + "1"
    expect(admin.post("/api/v1/numbers", json={"number": n}), 201)


# -------------------------------------------------------------------- time groups

def test_time_groups(admin):
    body = {"name": uniq("tg"), "rules": [{"days": [1, 2, 3, 4, 5], "start": "09:00",
                                          "end": "18:00"},
                                         {"days": [6], "start": "22:00", "end": "06:00"}],
            "holidays": [{"date": "2026-10-01", "name": "National Day"}]}
    g = expect(admin.post("/api/v1/time-groups", json=body), 201)
    assert g["rules"] == body["rules"] and g["holidays"] == body["holidays"]
    bad_rules = [
        [{"days": [0], "start": "09:00", "end": "18:00"}],
        [{"days": [8], "start": "09:00", "end": "18:00"}],
        [{"days": [], "start": "09:00", "end": "18:00"}],
        [{"days": [1], "start": "9:00", "end": "18:00"}],
        [{"days": [1], "start": "09:00", "end": "25:00"}],
        [{"days": [1], "start": "09:60", "end": "18:00"}],
        [{"days": [1], "start": "09:00"}],
        [{"days": [1], "start": "09:00", "end": "18:00", "extra": 1}],
        ["09:00-18:00"],
    ]
    for rules in bad_rules:
        assert_error(admin.post("/api/v1/time-groups", json={"name": uniq("tg"), "rules": rules}),
                     400, "invalid_field", "rules")
    for hol in ([{"date": "2026-02-30"}], [{"date": "2026/10/01"}], [{"name": "x"}],
                [{"date": "2026-10-01", "name": 5}]):
        assert_error(admin.post("/api/v1/time-groups", json={"name": uniq("tg"), "holidays": hol}),
                     400, "invalid_field", "holidays")
    u = expect(admin.patch(f"/api/v1/time-groups/{g['id']}", json={"holidays": []}), 200)
    assert u["holidays"] == [] and u["rules"] == body["rules"]


# ----------------------------------------------------------------- inbound routes

def test_inbound_routes(client, operator, admin):
    e = expect(admin.post("/api/v1/extensions", json={"number": ext_number()}), 201)
    e2 = expect(admin.post("/api/v1/extensions", json={"number": ext_number()}), 201)
    n = expect(admin.post("/api/v1/numbers", json={"number": did()}), 201)
    g = expect(admin.post("/api/v1/time-groups", json={"name": uniq("tg")}), 201)
    r = expect(admin.post("/api/v1/inbound-routes", json={
        "name": uniq("in"), "priority": 5, "number": n["number"], "caller_prefix": "139",
        "time_group_id": g["id"], "time_match": "out",
        "destination": {"type": "ring_group", "target": [e["number"], e2["number"]]}}), 201)
    assert r["destination"]["target"] == [e["number"], e2["number"]]
    assert r["time_match"] == "out" and r["enabled"] is True
    q = expect(admin.post("/api/v1/queues", json={"name": uniq("q")}), 201)
    for dest in ({"type": "extension", "target": e["number"]}, {"type": "hangup"},
                 {"type": "external", "target": "+8613800000000"},
                 {"type": "queue", "target": q["id"]}):
        expect(admin.post("/api/v1/inbound-routes", json={"name": uniq("in"),
                                                          "destination": dest}), 201)
    bad = [
        ({"destination": {"type": "fax"}}, "destination"),
        ({"destination": {"type": "extension", "target": "999999999"}}, "destination"),
        ({"destination": {"type": "ring_group", "target": []}}, "destination"),
        ({"destination": {"type": "external", "target": "abc"}}, "destination"),
        ({"destination": {"type": "queue", "target": "support"}}, "destination"),
        ({"destination": {"type": "hangup"}, "number": "+1999000111"}, "number"),
        ({"destination": {"type": "hangup"}, "caller_prefix": "13x"}, "caller_prefix"),
        ({"destination": {"type": "hangup"}, "time_match": "sometimes"}, "time_match"),
        ({"destination": {"type": "hangup"}, "time_group_id": "0190a0a0-0000-7000-8000-000000000000"},
         "time_group_id"),
    ]
    for body, field in bad:
        body["name"] = uniq("in")
        assert_error(admin.post("/api/v1/inbound-routes", json=body), 400, "invalid_field", field)
    assert_error(admin.post("/api/v1/inbound-routes", json={"name": "x"}), 400, "missing_field")
    # a time group in use cannot be deleted
    assert_error(admin.delete(f"/api/v1/time-groups/{g['id']}"), 409)
    listed = expect(admin.get("/api/v1/inbound-routes", params={"sort": "priority"}), 200)
    prios = [i["priority"] for i in listed["items"]]
    assert prios == sorted(prios)
    s, _ = tenant_session(client, operator)
    assert_error(s.get(f"/api/v1/inbound-routes/{r['id']}"), 404, "not_found")
    assert_error(s.patch(f"/api/v1/inbound-routes/{r['id']}", json={"priority": 1}), 404)
    expect(admin.delete(f"/api/v1/inbound-routes/{r['id']}"), 204)
    expect(admin.delete(f"/api/v1/time-groups/{g['id']}"), 204)


# ---------------------------------------------------------------- outbound routes

def test_outbound_routes(client, operator, admin):
    t1, t2 = peer_trunk(admin), peer_trunk(admin)
    n1 = expect(admin.post("/api/v1/numbers", json={"number": did()}), 201)
    body = {"name": uniq("out"), "priority": 10, "patterns": ["_9NXXXXXXX", "0[1-5]X.", "X."],
            "strip": 1, "prepend": "0", "caller_id_policy": "same_area",
            "caller_id_pool": [n1["number"]], "trunk_ids": [t2["id"], t1["id"]],
            "dial_permission": "long_distance"}
    r = expect(admin.post("/api/v1/outbound-routes", json=body), 201)
    for k, v in body.items():
        assert r[k] == v, k
    d = expect(admin.post("/api/v1/outbound-routes", json={"name": uniq("out"),
                                                           "patterns": ["X."]}), 201)
    assert d["caller_id_policy"] == "extension" and d["dial_permission"] == "local"
    assert d["strip"] == 0 and d["trunk_ids"] == []
    r2 = assert_error(admin.post("/api/v1/outbound-routes", json={
        "name": uniq("out"), "patterns": ["9X.", "9Q"]}), 400, "invalid_field", "9Q")
    assert "patterns" in r2["message"]
    bad = [
        ({"patterns": []}, "patterns"),
        ({"patterns": ["[1-5"]}, "[1-5"),
        ({"patterns": ["X."], "trunk_ids": ["0190a0a0-0000-7000-8000-000000000000"]}, "trunk_ids"),
        ({"patterns": ["X."], "trunk_ids": [t1["id"], t1["id"]]}, "trunk_ids"),
        ({"patterns": ["X."], "caller_id_policy": "fixed"}, "caller_id_number"),
        ({"patterns": ["X."], "caller_id_policy": "pool_random"}, "caller_id_pool"),
        ({"patterns": ["X."], "caller_id_pool": ["+1999000111"]}, "caller_id_pool"),
        ({"patterns": ["X."], "caller_id_choice": True}, "caller_id_pool"),
        ({"patterns": ["X."], "caller_id_policy": "loudest"}, "caller_id_policy"),
        ({"patterns": ["X."], "dial_permission": "galactic"}, "dial_permission"),
        ({"patterns": ["X."], "prepend": "9a"}, "prepend"),
        ({"patterns": ["X."], "strip": 33}, "strip"),
    ]
    for b, mention in bad:
        b["name"] = uniq("out")
        assert_error(admin.post("/api/v1/outbound-routes", json=b), 400, "invalid_field", mention)
    # a trunk in a route cannot be deleted; another tenant cannot use it
    assert_error(admin.delete(f"/api/v1/trunks/{t1['id']}"), 409, "in_use")
    s, _ = tenant_session(client, operator)
    assert_error(s.post("/api/v1/outbound-routes", json={
        "name": "x", "patterns": ["X."], "trunk_ids": [t1["id"]]}), 400, "invalid_field",
        "trunk_ids")
    assert_error(s.get(f"/api/v1/outbound-routes/{r['id']}"), 404)
    u = expect(admin.patch(f"/api/v1/outbound-routes/{r['id']}", json={"trunk_ids": [t2["id"]]}),
               200)
    assert u["trunk_ids"] == [t2["id"]] and u["patterns"] == body["patterns"]
    expect(admin.delete(f"/api/v1/trunks/{t1['id']}"), 204)
    expect(admin.delete(f"/api/v1/outbound-routes/{r['id']}"), 204)


# -------------------------------------------------------------------------- lists

def test_lists(client, operator, admin):
    lst = expect(admin.post("/api/v1/lists", json={
        "name": uniq("bl"), "direction": "inbound", "type": "black",
        "entries": ["13900000000", "+8613900000001", "400*"]}), 201)
    assert lst["entries"][2] == "400*" and lst["enabled"] is True
    for b, field in (({"direction": "sideways", "type": "black"}, "direction"),
                     ({"direction": "inbound", "type": "grey"}, "type"),
                     ({"direction": "inbound", "type": "black", "entries": ["12*3"]}, "entries"),
                     ({"direction": "inbound", "type": "black", "entries": ["abc"]}, "entries")):
        b["name"] = uniq("bl")
        assert_error(admin.post("/api/v1/lists", json=b), 400, "invalid_field", field)
    f = expect(admin.get("/api/v1/lists", params={"direction": "inbound", "type": "black",
                                                  "q": lst["name"]}), 200)
    assert [i["id"] for i in f["items"]] == [lst["id"]]
    s, _ = tenant_session(client, operator)
    assert_error(s.delete(f"/api/v1/lists/{lst['id']}"), 404)
    expect(admin.delete(f"/api/v1/lists/{lst['id']}"), 204)


def test_permissions_menus(client, admin):
    keys = {p["key"] for p in expect(admin.get("/api/v1/permissions"), 200)["items"]}
    assert {"trunks", "numbers", "routes", "time_groups", "lists"} <= keys
    from e2e_helpers import user_with_role
    ro, _, _ = user_with_role(client, admin, {"routes": "ro"})
    expect(ro.get("/api/v1/inbound-routes"), 200)
    expect(ro.get("/api/v1/outbound-routes"), 200)
    assert_error(ro.post("/api/v1/outbound-routes", json={"name": "x", "patterns": ["X."]}), 403)
    assert_error(ro.get("/api/v1/trunks"), 403)


def test_tenant_max_calls(operator, client):
    t = make_tenant(operator)
    u = expect(operator.patch(f"/api/v1/tenants/{t['id']}", json={"max_calls": 25}), 200)
    assert u["max_calls"] == 25
    assert_error(operator.patch(f"/api/v1/tenants/{t['id']}", json={"max_calls": -1}), 400)


# ------------------------------------------------------------ trunk registration

def wait_status(s, trunk_id, states, timeout=15):
    end = time.time() + timeout
    got = None
    while time.time() < end:
        got = expect(s.get(f"/api/v1/trunks/{trunk_id}"), 200)["status"]
        if got and got["state"] in states:
            return got
        time.sleep(0.2)
    return got


def run_carrier(tmp_path, scenario):
    port = free_sip_port()
    p = Sipp(tmp_path, SIPP_DIR / scenario, target_port=port, port=port).start()
    time.sleep(0.5)  # listening before the trunk is created
    return p, port


def test_trunk_registers_with_carrier(tmp_path, admin):
    carrier, port = run_carrier(tmp_path, "carrier_register_ok.xml")
    try:
        t = reg_trunk(admin, port=port, username="acme", auth_username="acme-auth",
                      password="carrier-secret", realm="carrier.example", expires=600)
        st = wait_status(admin, t["id"], ("registered", "failed"))
        assert st is not None, "no registration state (is trunk_reg wired into main.c?)"
        assert st["state"] == "registered", st
        assert st["code"] == 200 and st["updated_at"] > 0
        listed = expect(admin.get("/api/v1/trunks", params={"q": t["name"]}), 200)
        assert listed["items"][0]["status"]["state"] == "registered"
        assert carrier.wait(20) == 0, carrier.errors()
        # disabling stops the registration
        expect(admin.patch(f"/api/v1/trunks/{t['id']}", json={"enabled": False}), 200)
        assert wait_status(admin, t["id"], ("disabled",))["state"] == "disabled"
    finally:
        if carrier.proc.poll() is None:
            carrier.proc.kill()
            carrier.wait(5)


def test_trunk_refused_by_carrier(tmp_path, admin):
    carrier, port = run_carrier(tmp_path, "carrier_register_forbidden.xml")
    try:
        t = reg_trunk(admin, port=port, password="wrong-secret")
        st = wait_status(admin, t["id"], ("registered", "failed"))
        assert st is not None, "no registration state (is trunk_reg wired into main.c?)"
        assert st["state"] == "failed" and st["code"] == 403, st
        assert "Forbidden" in st["reason"]
        assert carrier.wait(20) == 0, carrier.errors()
        expect(admin.delete(f"/api/v1/trunks/{t['id']}"), 204)
    finally:
        if carrier.proc.poll() is None:
            carrier.proc.kill()
            carrier.wait(5)
