"""Calls through trunks with sipp as the carrier: out through an outbound
route (strip/prepend, caller ID, failover to the next trunk on 503), in on
a number through an inbound route to an extension, and the refusals
(dial permission, concurrency), each with its call record. Every test has
its own daemon, so routes of other tests cannot capture its numbers."""
import random
import time

from e2e_helpers import (ADMIN_PASSWORD, OPERATOR_PASSWORD, call_record as record, expect,
                         free_sip_port)
from peers import (Sipp, UAS_ANSWER, UAS_RING, REGISTER, uac_call_and_hangup, uac_expect,
                   uas_answer_checking, uas_final, write_scenario)

DOMAIN = "demo"
PASSWORD = "s3cret-pass"


def ext(admin, **kw):
    number = str(random.randrange(1000, 9999))
    return expect(admin.post("/api/v1/extensions",
                             json={"number": number, "password": PASSWORD, **kw}), 201)


def carrier_trunk(admin, port, **kw):
    body = {"name": f"carrier-{port}", "type": "peer", "host": "127.0.0.1", "port": port,
            "peer_cidrs": ["127.0.0.1/32"]}
    body.update(kw)
    return expect(admin.post("/api/v1/trunks", json=body), 201)


def start_daemon(make_daemon):
    daemon = make_daemon()
    return daemon, daemon.client().login(DOMAIN, "admin", ADMIN_PASSWORD)


def test_outbound_call_through_a_trunk(make_daemon, tmp_path):
    daemon, admin = start_daemon(make_daemon)
    caller = ext(admin)
    port = free_sip_port()
    trunk = carrier_trunk(admin, port)
    expect(admin.post("/api/v1/outbound-routes", json={
        "name": "national", "patterns": ["0X."], "strip": 1, "prepend": "86",
        "caller_id_policy": "fixed", "caller_id_number": "2150001234",
        "trunk_ids": [trunk["id"]], "dial_permission": "local"}), 201)
    carrier = Sipp(tmp_path, write_scenario(tmp_path, "carrier", uas_answer_checking("86123456789")),
                   daemon.sip_port, port=port).start()
    uac = Sipp(tmp_path, write_scenario(tmp_path, "uac", uac_call_and_hangup()), daemon.sip_port,
               user=caller["number"], password=PASSWORD,
               keys={"domain": DOMAIN, "callee": "0123456789"}).start()
    assert uac.wait() == 0, uac.errors()
    assert carrier.wait() == 0, carrier.errors()
    rec = record(admin, caller=caller["number"])
    assert rec["direction"] == "outbound" and rec["trunk_id"] == trunk["id"]
    assert rec["callee"] == "0123456789" and rec["end_status"] == "normal_end"
    assert rec["hangup_side"] == "caller" and rec["answered_by"] == trunk["name"]


def test_caller_chooses_a_caller_id_of_the_route_pool(make_daemon, tmp_path):
    """RFC 3325 P-Preferred-Identity from the extension picks the caller ID among the
    pool of a route that allows it (the workbench's dial pad); a number outside the
    pool is refused 403 and recorded; the extension's own number asks for nothing."""
    daemon, admin = start_daemon(make_daemon)
    caller = ext(admin)
    port = free_sip_port()
    trunk = carrier_trunk(admin, port)
    n1 = expect(admin.post("/api/v1/numbers", json={"number": "2150001111"}), 201)["number"]
    n2 = expect(admin.post("/api/v1/numbers", json={"number": "2150002222"}), 201)["number"]
    route = expect(admin.post("/api/v1/outbound-routes", json={
        "name": "national", "patterns": ["0X."], "caller_id_policy": "fixed",
        "caller_id_number": n1, "caller_id_pool": [n1, n2], "caller_id_choice": True,
        "trunk_ids": [trunk["id"]], "dial_permission": "local"}), 201)
    assert route["caller_id_choice"] is True
    wb = expect(admin.get("/api/v1/workbench"), 200)
    assert wb["caller_ids"] == [n1, n2], wb["caller_ids"]

    def call(chosen, carrier_from, callee="0123456789"):
        carrier = Sipp(tmp_path, write_scenario(tmp_path, "carrier", uas_answer_checking(
            callee, from_user=carrier_from)), daemon.sip_port, port=port).start()
        uac = Sipp(tmp_path, write_scenario(tmp_path, "uac", uac_call_and_hangup(headers=[
            f"P-Preferred-Identity: <sip:{chosen}@{DOMAIN}>"])), daemon.sip_port,
            user=caller["number"], password=PASSWORD,
            keys={"domain": DOMAIN, "callee": callee}).start()
        assert carrier.wait() == 0, carrier.errors()
        assert uac.wait() == 0, uac.errors()

    call(n2, n2)                     # the chosen one, not the route's fixed one
    # a number not in the pool: refused, with its record
    uac = Sipp(tmp_path, write_scenario(tmp_path, "uac403", uac_expect(403, headers=[
        f"P-Preferred-Identity: <tel:+2150009999>"])), daemon.sip_port,
        user=caller["number"], password=PASSWORD,
        keys={"domain": DOMAIN, "callee": "0123456780"}).start()
    assert uac.wait() == 0, uac.errors()
    rec = record(admin, caller=caller["number"], callee="0123456780")
    assert rec["end_status"] == "caller_id_not_allowed" and rec["sip_code"] == 403, rec
    # the route no longer lets callers choose: the same request is refused too
    expect(admin.patch(f"/api/v1/outbound-routes/{route['id']}",
                       json={"caller_id_choice": False}), 200)
    assert expect(admin.get("/api/v1/workbench"), 200)["caller_ids"] == []
    time.sleep(0.3)   # the directory is read again
    uac = Sipp(tmp_path, write_scenario(tmp_path, "uac403b", uac_expect(403, headers=[
        f"P-Preferred-Identity: <sip:{n2}@{DOMAIN}>"])), daemon.sip_port,
        user=caller["number"], password=PASSWORD,
        keys={"domain": DOMAIN, "callee": "0123456781"}).start()
    assert uac.wait() == 0, uac.errors()
    # a phone that sends its own number asks for nothing: the route's policy
    call(caller["number"], n1, callee="0123456782")


def test_trunk_failover_on_503(make_daemon, tmp_path):
    daemon, admin = start_daemon(make_daemon)
    caller = ext(admin)
    p1, p2 = free_sip_port(), free_sip_port()
    t1, t2 = carrier_trunk(admin, p1), carrier_trunk(admin, p2)
    expect(admin.post("/api/v1/outbound-routes", json={
        "name": "any", "patterns": ["X."], "trunk_ids": [t1["id"], t2["id"]],
        "dial_permission": "local"}), 201)
    down = Sipp(tmp_path, write_scenario(tmp_path, "down", uas_final("503 Service Unavailable")),
                daemon.sip_port, port=p1).start()
    up = Sipp(tmp_path, write_scenario(tmp_path, "up", UAS_ANSWER), daemon.sip_port,
              port=p2).start()
    uac = Sipp(tmp_path, write_scenario(tmp_path, "uac", uac_call_and_hangup()), daemon.sip_port,
               user=caller["number"], password=PASSWORD,
               keys={"domain": DOMAIN, "callee": "5551234"}).start()
    assert uac.wait() == 0, uac.errors()
    assert down.wait() == 0, down.errors()
    assert up.wait() == 0, up.errors()
    rec = record(admin, caller=caller["number"])
    assert rec["trunk_id"] == t2["id"] and rec["end_status"] == "normal_end"
    codes = [leg["sip_code"] for leg in rec["legs"]]
    assert codes[1] == 503 and len(rec["legs"]) == 3, rec["legs"]


def test_inbound_call_from_a_trunk_reaches_the_extension(make_daemon, tmp_path):
    daemon, admin = start_daemon(make_daemon)
    agent = ext(admin)
    carrier_port = free_sip_port()
    trunk = carrier_trunk(admin, carrier_port)
    did = "8657100" + str(random.randrange(1000, 9999))
    expect(admin.post("/api/v1/numbers", json={"number": "+" + did, "trunk_id": trunk["id"]}), 201)
    expect(admin.post("/api/v1/inbound-routes", json={
        "name": "hotline", "number": "+" + did,
        "destination": {"type": "extension", "target": agent["number"]}}), 201)
    reg = Sipp(tmp_path, write_scenario(tmp_path, "register", REGISTER), daemon.sip_port,
               keys={"domain": DOMAIN}, user=agent["number"], password=PASSWORD).start()
    assert reg.wait(20) == 0, reg.errors()
    phone = Sipp(tmp_path, write_scenario(tmp_path, "phone", UAS_ANSWER), daemon.sip_port,
                 port=reg.port).start()
    carrier = Sipp(tmp_path, write_scenario(tmp_path, "carrier", uac_call_and_hangup(auth=False)),
                   daemon.sip_port, port=carrier_port, user="13900001111", password="x",
                   keys={"domain": "carrier.example", "callee": did}).start()
    assert carrier.wait() == 0, carrier.errors()
    assert phone.wait() == 0, phone.errors()
    rec = record(admin, callee=did)
    assert rec["direction"] == "inbound" and rec["caller"] == "13900001111"
    assert rec["trunk_id"] == trunk["id"] and rec["answered_by"] == agent["number"]
    assert rec["end_status"] == "normal_end"


def test_unknown_number_from_a_trunk_is_refused_and_recorded(make_daemon, tmp_path):
    daemon, admin = start_daemon(make_daemon)
    carrier_port = free_sip_port()
    carrier_trunk(admin, carrier_port)
    carrier = Sipp(tmp_path, write_scenario(tmp_path, "c404", uac_expect(404, auth=False)),
                   daemon.sip_port, port=carrier_port, user="13900001111", password="x",
                   keys={"domain": "carrier.example", "callee": "861000000"}).start()
    assert carrier.wait() == 0, carrier.errors()


def test_dial_permission_refuses_long_distance(make_daemon, tmp_path):
    daemon, admin = start_daemon(make_daemon)
    caller = ext(admin, dial_permission="local")
    port = free_sip_port()
    trunk = carrier_trunk(admin, port)
    expect(admin.post("/api/v1/outbound-routes", json={
        "name": "long", "patterns": ["00X."], "trunk_ids": [trunk["id"]],
        "dial_permission": "international"}), 201)
    uac = Sipp(tmp_path, write_scenario(tmp_path, "uac403", uac_expect(403)), daemon.sip_port,
               user=caller["number"], password=PASSWORD,
               keys={"domain": DOMAIN, "callee": "0044123456"}).start()
    assert uac.wait() == 0, uac.errors()
    rec = record(admin, caller=caller["number"])
    assert rec["end_status"] == "permission_denied" and rec["sip_code"] == 403


def test_tenant_concurrency_limit(make_daemon, tmp_path):
    daemon, admin = start_daemon(make_daemon)
    operator = daemon.client().login("system", "operator", OPERATOR_PASSWORD)
    tenants = expect(operator.get("/api/v1/tenants", params={"q": DOMAIN}), 200)["items"]
    demo = next(t for t in tenants if t["code"] == DOMAIN)
    expect(operator.patch(f"/api/v1/tenants/{demo['id']}", json={"max_calls": 1}), 200)
    a, b, c = ext(admin), ext(admin), ext(admin)
    reg = Sipp(tmp_path, write_scenario(tmp_path, "register", REGISTER), daemon.sip_port,
               keys={"domain": DOMAIN}, user=b["number"], password=PASSWORD).start()
    assert reg.wait(20) == 0, reg.errors()
    ringing = Sipp(tmp_path, write_scenario(tmp_path, "ring", UAS_RING), daemon.sip_port,
                   port=reg.port).start()
    from peers import uac_cancel
    first = Sipp(tmp_path, write_scenario(tmp_path, "first", uac_cancel(ring_ms=4000)),
                 daemon.sip_port, user=a["number"], password=PASSWORD,
                 keys={"domain": DOMAIN, "callee": b["number"]}).start()
    time.sleep(1.5)   # the first call rings
    second = Sipp(tmp_path, write_scenario(tmp_path, "second", uac_expect(503)), daemon.sip_port,
                  user=c["number"], password=PASSWORD,
                  keys={"domain": DOMAIN, "callee": b["number"]}).start()
    assert second.wait() == 0, second.errors()
    first.wait()
    ringing.stop()
    rec = record(admin, caller=c["number"])
    assert rec["end_status"] == "over_capacity" and rec["sip_code"] == 503


def test_early_media_from_the_carrier_reaches_the_caller(make_daemon, tmp_path):
    from peers import UAS_EARLY_MEDIA, uac_expect_early_media
    daemon, admin = start_daemon(make_daemon)
    caller = ext(admin)
    port = free_sip_port()
    trunk = carrier_trunk(admin, port)
    expect(admin.post("/api/v1/outbound-routes", json={
        "name": "any", "patterns": ["X."], "trunk_ids": [trunk["id"]],
        "dial_permission": "local"}), 201)
    carrier = Sipp(tmp_path, write_scenario(tmp_path, "carrier", UAS_EARLY_MEDIA),
                   daemon.sip_port, port=port).start()
    uac = Sipp(tmp_path, write_scenario(tmp_path, "uac", uac_expect_early_media()),
               daemon.sip_port, user=caller["number"], password=PASSWORD,
               keys={"domain": DOMAIN, "callee": "5550000"}).start()
    assert uac.wait() == 0, uac.errors()
    assert carrier.wait() == 0, carrier.errors()
    assert record(admin, caller=caller["number"])["end_status"] == "normal_end"
