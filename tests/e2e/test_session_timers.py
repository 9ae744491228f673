"""SIP session timers (RFC 4028) with sipp on both sides of a call: the
422 for a too-small interval, the negotiation in the 2xx, refreshes by
UPDATE both ways, and a call ended when the caller stops refreshing."""
import time

from peers import (REGISTER, Sipp, _answered, _ack_failure, _in_dialog, _invite_head, _recv, _respond,
                   _scenario, _CONTACT, write_scenario)
from test_call_features import call, device, ext, record

ALLOW = "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE"


def _check(kind, what, header, regexp, var):
    """A <recv> that fails the scenario unless `header` matches `regexp`."""
    return ('  <recv %s="%s">\n    <action>\n      <ereg regexp="%s" search_in="hdr" '
            'header="%s" check_it="true" assign_to="%s"/>\n    </action>\n  </recv>\n'
            % (kind, what, regexp, header, var))


def _ok_checks(*checks):
    return "\n    <action>\n%s    </action>\n  " % "".join(
        '      <ereg regexp="%s" search_in="hdr" header="%s" check_it="true" '
        'assign_to="%s"/>\n' % c for c in checks)


def test_too_small_interval_gets_422_with_min_se(daemon, tmp_path):
    scenario = _scenario(
        "uac 422", _invite_head(False, ["Supported: timer", "Session-Expires: 60"]),
        _recv("100", True), _check("response", "422", "Min-SE:", "^ *90", "minse"),
        _ack_failure(1).replace("Max-Forwards: 70", "Max-Forwards: 70\nX-Min-SE: [$minse]"))
    uac = Sipp(tmp_path, write_scenario(tmp_path, "uac422", scenario), daemon.sip_port,
               keys={"domain": "demo", "callee": "1000"}).start()
    assert uac.wait() == 0, uac.errors()


def test_require_timer_is_negotiated_and_refreshed_by_update(daemon, admin, tmp_path):
    a, b = ext(admin), ext(admin)
    # The callee sees our offer of a timer on the outgoing INVITE.
    callee = _scenario(
        "uas timer offer", _check("request", "INVITE", "Session-Expires:", "^ *1800", "se"),
        _respond("200 OK", True, True, sdp=True, headers=["X-SE: [$se]"]), _recv("ACK"),
        _recv("BYE"), _respond("200 OK"))
    phone = device(tmp_path, daemon, b["number"], "b", callee)
    update = _in_dialog("UPDATE", 3, ["Supported: timer", "Session-Expires: 150;refresher=uac",
                                      _CONTACT], retrans=True)
    caller = _scenario(
        "uac timer",
        _answered(headers=["Supported: timer", "Require: timer",
                           "Session-Expires: 120;refresher=uac"],
                  ok=_ok_checks(("^ *120;refresher=uac", "Session-Expires:", "se"),
                                ("timer", "Require:", "req"))),
        update.replace("Max-Forwards: 70", "Max-Forwards: 70\nX-Got: [$se] [$req]"),
        '  <recv response="200">%s</recv>\n' % _ok_checks(
            ("^ *150;refresher=uac", "Session-Expires:", "se2")),
        _in_dialog("BYE", 4, ["X-Got: [$se2]"], retrans=True), _recv("200"))
    uac = call(tmp_path, daemon, a["number"], b["number"], caller)
    assert uac.wait() == 0, uac.errors()
    assert phone.wait() == 0, phone.errors()
    assert record(admin, a["number"])["end_status"] == "normal_end"


def test_call_ends_when_the_refresher_stops(daemon, admin, backend, tmp_path):
    if backend.name != "sqlite":
        import pytest
        pytest.skip("timer behaviour does not depend on the store (takes a minute)")
    a, b = ext(admin), ext(admin)
    # The callee makes us refresh (refresher=uac on our outgoing leg): it
    # must get an UPDATE after half the interval, then our BYE.
    callee = _scenario(
        "uas refresh",
        '  <recv request="INVITE"/>\n',
        _respond("200 OK", True, True, sdp=True,
                 headers=[ALLOW, "Supported: timer", "Require: timer",
                          "Session-Expires: 90;refresher=uac"]),
        _recv("ACK"),
        _check("request", "UPDATE", "Session-Expires:", "^ *90", "se"),
        _respond("200 OK", headers=["Session-Expires: 90;refresher=uac", "Require: timer",
                                    "X-SE: [$se]"]),
        _recv("BYE"), _respond("200 OK"))
    reg = Sipp(tmp_path, write_scenario(tmp_path, "regb", REGISTER), daemon.sip_port,
               keys={"domain": "demo"}, user=b["number"], password="s3cret-pass").start()
    assert reg.wait(20) == 0, reg.errors()
    phone = Sipp(tmp_path, write_scenario(tmp_path, "b", callee), daemon.sip_port,
                 port=reg.port, extra=["-timeout", "120s"]).start()
    caller = _scenario(
        "uac silent refresher",
        _answered(headers=["Supported: timer", "Session-Expires: 90;refresher=uac"]),
        _recv("BYE"), _respond("200 OK"))
    start = time.time()
    uac = Sipp(tmp_path, write_scenario(tmp_path, "uacsilent", caller), daemon.sip_port,
               user=a["number"], password="s3cret-pass",
               keys={"domain": "demo", "callee": b["number"]},
               extra=["-timeout", "120s"]).start()
    assert uac.wait(130) == 0, uac.errors()
    elapsed = time.time() - start
    assert phone.wait(20) == 0, phone.errors()
    # The caller had until 90 s minus the RFC 4028 guard (30 s) to refresh.
    assert 50 <= elapsed <= 80, elapsed
    rec = record(admin, a["number"])
    assert rec["end_status"] == "session_expired" and rec["hangup_side"] == "system"
