"""Attended transfer (REFER with Replaces, RFC 3891/3515): the transferor
(sipp, two calls) joins its two far parties (baresip with tones) and
leaves; they hear each other; the records show who talked to whom."""
import uuid

from peers import (Baresip, Sipp, _answered, _in_dialog, _recv, _respond, _scenario, _CONTACT,
                   tone_power, write_scenario)
from test_calls import DOMAIN, PASSWORD, call_record, new_extension, wait_registered


def transferor(consult_callid, target, wait_ms=3000, expect="202"):
    """Call 1 of the transferor: answered, then after wait_ms REFER to
    `target` replacing the dialog `consult_callid`."""
    replaces = consult_callid.replace("@", "%40") + "%3Bto-tag%3Dx%3Bfrom-tag%3Dy"
    refer = _in_dialog("REFER", 3, [_CONTACT,
                                    f"Refer-To: <sip:{target}@[domain]?Replaces={replaces}>",
                                    "Referred-By: <sip:[service]@[domain]>"], retrans=True)
    tail = ([_recv("202"), _recv("NOTIFY"), _respond("200 OK"), _recv("BYE"),
             _respond("200 OK")] if expect == "202"
            else [_recv(expect), _in_dialog("BYE", 4, retrans=True), _recv("200")])
    return _scenario("uac attended", _answered(), '  <pause milliseconds="%d"/>\n' % wait_ms,
                     refer, *tail)


CONSULT_ENDED = _scenario("uac consult", _answered(), _recv("BYE"), _respond("200 OK"))


def sipp_call(tmp_path, daemon, name, scenario, caller, callee, extra=()):
    return Sipp(tmp_path, write_scenario(tmp_path, name, scenario), daemon.sip_port,
                user=caller, password=PASSWORD, keys={"domain": DOMAIN, "callee": callee},
                extra=list(extra)).start()


def test_attended_transfer_joins_the_two_parties(daemon, admin, tmp_path):
    a, b, c = (new_extension(admin) for _ in range(3))
    tag = uuid.uuid4().hex[:12]
    consult_callid = f"consult-{tag}-1@127.0.0.1"
    party_b = Baresip(tmp_path, "b", b, PASSWORD, DOMAIN, daemon.sip_port,
                      tone_hz=440).start(seconds=14)
    party_c = Baresip(tmp_path, "c", c, PASSWORD, DOMAIN, daemon.sip_port,
                      tone_hz=1000).start(seconds=14)
    try:
        assert wait_registered(admin, b) and wait_registered(admin, c)
        first = sipp_call(tmp_path, daemon, "first", transferor(consult_callid, c), a, b)
        consult = sipp_call(tmp_path, daemon, "consult", CONSULT_ENDED, a, c,
                            ["-cid_str", f"consult-{tag}-%u@%s"])
        assert consult.wait(20) == 0, consult.errors()
        assert first.wait(20) == 0, first.errors()
        party_b.proc.wait(30)
    finally:
        party_b.stop()
        party_c.stop()
    # B and C were joined: each hears the other's tone
    assert tone_power(party_b.received_audio(), (440, 1000))[1000] > 0.2
    assert tone_power(party_c.received_audio(), (440, 1000))[440] > 0.2
    records = {r["callee"]: r for r in _records(admin, a)}
    first_rec, consult_rec = records[b], records[c]
    assert consult_rec["end_status"] == "transferred"
    assert first_rec["end_status"] == "normal_end" and first_rec["answered_by"] == c
    assert [leg["endpoint"] for leg in first_rec["legs"]] == [b, a, c]


def test_replaces_of_an_unknown_call_gets_481(daemon, admin, tmp_path):
    a, b, c = (new_extension(admin) for _ in range(3))
    party_b = Baresip(tmp_path, "b", b, PASSWORD, DOMAIN, daemon.sip_port,
                      tone_hz=440).start(seconds=10)
    try:
        assert wait_registered(admin, b)
        first = sipp_call(tmp_path, daemon, "first",
                          transferor("no-such-call@127.0.0.1", c, 1000, "481"), a, b)
        assert first.wait(20) == 0, first.errors()
    finally:
        party_b.stop()
    rec = call_record(admin, a)
    assert rec["end_status"] == "normal_end" and rec["answered_by"] == b


def _records(admin, caller):
    import time
    from e2e_helpers import expect
    end = time.time() + 10
    while time.time() < end:
        items = expect(admin.get("/api/v1/calls", params={"caller": caller}), 200)["items"]
        if len(items) >= 2:
            return [expect(admin.get(f"/api/v1/calls/{i['id']}"), 200) for i in items]
        time.sleep(0.2)
    raise AssertionError(f"expected two call records: {items}")
