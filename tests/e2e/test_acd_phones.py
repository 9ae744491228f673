"""No call is lost when an agent's phone is not there (issue 6): a phone that
is not registered (or stopped answering the keep-alive) is passed over and the
call goes to the next agent at once, without spinning on the unreachable one;
a phone that disappears while it rings (180, then nothing) costs the caller
one ring timeout, then the next agent answers."""
import time

from e2e_helpers import expect
from peers import UAS_ANSWER, _recv, _respond, _scenario
from test_acd_calls import AGENTS, QUEUES, agent_no, agent_with_phone, login, queue_flow, \
    states, uniq
from test_calls import call_record, new_extension
from test_ivr_calls import keys_call, path

# Rings (180) and then vanishes: the process exits without a final answer.
UAS_RING_THEN_GONE = _scenario("uas ring then gone", _recv("INVITE"),
                               _respond("180 Ringing", True, True))


def unregistered_agent(admin, number_of_agent):
    number = new_extension(admin)
    ext = expect(admin.get("/api/v1/extensions", params={"q": number}), 200)["items"][0]
    return expect(admin.post(AGENTS, json={"agent_no": number_of_agent, "name": uniq("gone-"),
                                           "extension_id": ext["id"]}), 201)


def sequential_queue(admin, first, second, **kw):
    return expect(admin.post(QUEUES, json={
        "name": uniq("q-"), "strategy": "sequential", "retry_delay_s": 0,
        "members": [{"agent_id": first["id"]}, {"agent_id": second["id"]}], **kw}), 201)


def test_an_agent_whose_phone_is_not_registered_is_passed_over(daemon, admin, tmp_path):
    first_no = agent_no()
    gone = unregistered_agent(admin, first_no)
    b, b_phone_no, b_phone = agent_with_phone(admin, tmp_path, daemon, str(int(first_no) + 1),
                                              wrap_up_s=0)
    q = sequential_queue(admin, gone, b)
    _, _, number = queue_flow(admin, q["id"])
    login(admin, gone)
    login(admin, b)
    caller = new_extension(admin)
    started = time.time()
    keys_call(tmp_path, daemon, caller, number, [], hangs_up=False, hold_ms=1500)
    assert b_phone.wait(20) == 0, b_phone.errors()
    rec = call_record(admin, caller)
    assert rec["answered_by"] == b_phone_no and rec["agent_id"] == b["id"]
    assert time.time() - started < 10             # no ring timeout was waited for
    # the unreachable agent was tried once, not over and over
    tried = [s for s, _ in states(admin, gone)]
    assert tried.count("ringing") == 1, tried


def test_a_phone_that_disappears_while_ringing_loses_no_call(daemon, admin, tmp_path):
    first_no = agent_no()
    a, _, vanishing = agent_with_phone(admin, tmp_path, daemon, first_no, UAS_RING_THEN_GONE)
    b, b_phone_no, b_phone = agent_with_phone(admin, tmp_path, daemon, str(int(first_no) + 1),
                                              UAS_ANSWER, wrap_up_s=0)
    q = sequential_queue(admin, a, b, ring_timeout_s=5)
    _, _, number = queue_flow(admin, q["id"])
    login(admin, a)
    login(admin, b)
    caller = new_extension(admin)
    # the caller stays 9 s: the 5 s ring timeout of the vanished phone, then b
    keys_call(tmp_path, daemon, caller, number, [], hangs_up=False, hold_ms=9000)
    assert b_phone.wait(30) == 0, b_phone.errors()
    vanishing.stop()
    rec = call_record(admin, caller)
    assert rec["answered_by"] == b_phone_no and rec["end_status"] == "normal_end"
    assert path(rec)[1] == ("q", "answered", "")
    assert [s for s, _ in states(admin, a)][-2:] == ["ringing", "idle"]
