"""The codec lists of extensions apply to their legs: what hotlined offers
a phone, and what it accepts from one (sipp offers PCMU only)."""
from peers import _recv, _respond, _scenario, uac_expect
from test_call_features import call, device, ext, record


def test_callee_is_offered_only_its_codecs_in_its_order(daemon, admin, tmp_path):
    a, b = ext(admin), ext(admin, codecs=["PCMA", "G722"])
    check = ('  <recv request="INVITE">\n    <action>\n      <ereg regexp="m=audio [0-9]+ '
             'RTP/AVP 8 9 101 110" search_in="body" check_it="true" assign_to="mline"/>\n'
             '    </action>\n  </recv>\n')
    phone = device(tmp_path, daemon, b["number"], "b", _scenario(
        "uas codecs", check, _respond("486 Busy Here", True, True, headers=["X-M: [$mline]"]),
        _recv("ACK")))
    uac = call(tmp_path, daemon, a["number"], b["number"], uac_expect(486))
    assert uac.wait() == 0, uac.errors()
    assert phone.wait() == 0, phone.errors()


def test_caller_offering_no_allowed_codec_gets_488(daemon, admin, tmp_path):
    a, b = ext(admin, codecs=["PCMA", "opus"]), ext(admin)
    uac = call(tmp_path, daemon, a["number"], b["number"], uac_expect(488))
    assert uac.wait() == 0, uac.errors()
    rec = record(admin, a["number"])
    assert rec["end_status"] == "system_error" and rec["sip_code"] == 488
