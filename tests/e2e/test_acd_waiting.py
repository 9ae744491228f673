"""What a caller lives through while waiting in an ACD queue (issue 6): the
queue's own music on hold, caller priority (a VIP list, a value set in the
IVR), periodic and position announcements with the music resuming after
each, and where the call goes when the queue gives up. Callers are real
baresip or sipp peers; what they heard is checked by its tones."""
import time
import uuid
import wave

from e2e_helpers import expect
from peers import Baresip, tone_power
from test_acd_calls import agent_no, agent_with_phone, login, uniq, wait_state
from test_calls import DOMAIN, PASSWORD, call_record, new_extension
from test_voices import upload, wav_bytes

QUEUES, MOH = "/api/v1/queues", "/api/v1/moh-classes"


def voice(admin, hz, seconds=2.0):
    """An approved voice of the library: a pure tone of hz."""
    v = expect(upload(admin, wav_bytes(rate=16000, channels=1, seconds=seconds,
                                       hz=float(hz))), 201)
    expect(admin.post(f"/api/v1/voices/{v['id']}/review", json={"status": "approved"}), 200)
    return v


def default_moh(admin, hz):
    """The tenant's default class plays a tone of hz."""
    v = voice(admin, hz)
    for c in expect(admin.get(MOH, params={"q": "default"}), 200)["items"]:
        if c["name"] == "default":
            expect(admin.patch(f"{MOH}/{c['id']}", json={"voice_ids": [v["id"]]}), 200)
            return
    expect(admin.post(MOH, json={"name": "default", "voice_ids": [v["id"]]}), 201)


def moh_class(admin, hz):
    v = voice(admin, hz)
    return expect(admin.post(MOH, json={"name": uniq("moh-"), "voice_ids": [v["id"]]}), 201)


def queue_number():
    return str(uuid.uuid4().int % 9000000 + 6000000)


def busy_agent(admin, tmp_path, daemon):
    """A logged-in agent taking no calls: callers wait."""
    a, _, phone = agent_with_phone(admin, tmp_path, daemon, agent_no())
    login(admin, a, state="busy", reason="meeting")
    return a, phone


def heard(tmp_path, daemon, admin, number, seconds, name="caller", domain=DOMAIN):
    """A baresip caller (440 Hz microphone) of the tenant `domain` dials
    number for `seconds`; answers the WAV of what it heard."""
    caller = Baresip(tmp_path, name, new_extension(admin), PASSWORD, domain,
                     daemon.sip_port, tone_hz=440)
    try:
        caller.start([f"/dial sip:{number}@{domain}"], seconds=seconds)
        caller.proc.wait(seconds + 15)
    finally:
        caller.stop()
    return caller.received_audio()


# ------------------------------------------------------------ music on hold

def test_the_queue_plays_its_own_music_class(daemon, admin, tmp_path):
    default_moh(admin, 600)
    own = moh_class(admin, 1000)
    a, _ = busy_agent(admin, tmp_path, daemon)
    number = queue_number()
    expect(admin.post(QUEUES, json={"name": uniq("q-"), "number": number,
                                    "moh_class_id": own["id"], "max_wait_s": 5,
                                    "ring_timeout_s": 5,
                                    "members": [{"agent_id": a["id"]}]}), 201)
    power = tone_power(heard(tmp_path, daemon, admin, number, 5), (1000, 600, 440))
    assert power[1000] > 0.2 and power[600] < 0.05, power


def test_a_queue_without_a_class_plays_the_tenant_default(daemon, client, operator, tmp_path):
    # a tenant of its own: the daemon keeps a tenant's default music for a
    # minute, other tests change the demo tenant's
    from e2e_helpers import make_tenant
    t = make_tenant(operator)
    admin = client.login(t["code"], "admin", t["_admin_password"])
    default_moh(admin, 600)
    phone = expect(admin.get("/api/v1/extensions", params={"q": new_extension(admin)}),
                   200)["items"][0]
    a = expect(admin.post("/api/v1/agents", json={"agent_no": agent_no(), "name": "ag",
                                                  "extension_id": phone["id"]}), 201)
    login(admin, a, state="busy", reason="meeting")
    number = queue_number()
    expect(admin.post(QUEUES, json={"name": uniq("q-"), "number": number,
                                    "max_wait_s": 5, "ring_timeout_s": 5,
                                    "members": [{"agent_id": a["id"]}]}), 201)
    power = tone_power(heard(tmp_path, daemon, admin, number, 5, domain=t["code"]),
                       (1000, 600))
    assert power[600] > 0.2 and power[1000] < 0.05, power


# ---------------------------------------------------------- caller priority

def two_callers_one_agent(admin, tmp_path, daemon, first_dials, second_dials, queue):
    """An agent logged in busy; `first` then `second` call (sipp, hanging up
    after a while), then the agent becomes idle and takes one call. Answers
    (first, second, the agent's number)."""
    a, phone_no, phone = agent_with_phone(admin, tmp_path, daemon, agent_no(), wrap_up_s=0)
    login(admin, a, state="busy", reason="meeting")
    queue(a)
    first, second = new_extension(admin), new_extension(admin)
    one = caller(tmp_path, daemon, first, first_dials(first), 7000, "first")
    time.sleep(1.0)
    two = caller(tmp_path, daemon, second, second_dials(second), 5500, "second")
    time.sleep(1.5)                      # both wait
    expect(admin.post(f"/api/v1/agents/{a['id']}/state", json={"state": "idle"}), 200)
    for p in (phone, one, two):
        assert p.wait(20) == 0, p.errors()
    return first, second, phone_no


def caller(tmp_path, daemon, ext, number, hold_ms, name, steps=()):
    """A sipp caller (started, not waited for) who calls number, presses the
    keys of steps [(pause_ms, key)] and hangs up after hold_ms."""
    from peers import Sipp, _answered, _in_dialog, _pause, _recv, _scenario, write_scenario
    from test_ivr_calls import info
    body, cseq = [_answered()], 3
    for ms, key in steps:
        body += [_pause(ms), info(cseq, key)]
        cseq += 1
    body += [_pause(hold_ms), _in_dialog("BYE", cseq, retrans=True), _recv("200")]
    return Sipp(tmp_path, write_scenario(tmp_path, name, _scenario("caller", *body)),
                daemon.sip_port, user=ext, password=PASSWORD,
                keys={"domain": DOMAIN, "callee": number}).start()


def vip_list(admin, *numbers, **kw):
    body = {"name": uniq("vip-"), "direction": "inbound", "type": "white",
            "entries": list(numbers), **kw}
    return expect(admin.post("/api/v1/lists", json=body), 201)


def test_a_vip_caller_is_served_before_an_earlier_caller(daemon, admin, tmp_path):
    number = queue_number()
    vip = {}

    def queue(a):
        expect(admin.post(QUEUES, json={
            "name": uniq("q-"), "number": number, "vip_list_id": vip["list"]["id"],
            "vip_priority": 20, "members": [{"agent_id": a["id"]}]}), 201)

    def second_dials(second):
        expect(admin.patch(f"/api/v1/lists/{vip['list']['id']}",
                           json={"entries": [second]}), 200)
        time.sleep(0.5)
        return number

    vip["list"] = vip_list(admin, "19999999999")
    first, second, phone_no = two_callers_one_agent(
        admin, tmp_path, daemon, lambda _: number, second_dials, queue)
    assert call_record(admin, second)["answered_by"] == phone_no
    assert call_record(admin, first)["agent_id"] is None


def test_an_ivr_set_priority_goes_ahead(daemon, admin, tmp_path):
    from test_ivr_calls import node, publish, start
    number = queue_number()
    flow = {}

    def queue(a):
        q = expect(admin.post(QUEUES, json={"name": uniq("q-"), "number": number,
                                            "members": [{"agent_id": a["id"]}]}), 201)
        _, _, flow["number"] = publish(admin, [
            start("set"),
            node("set", "set", {"next": "q"},
                 assignments=[{"name": "queue_priority", "value": "50"}]),
            node("q", "queue", {"no_agent": None, "full": None, "timeout": None},
                 queue_id=q["id"])])

    first, second, phone_no = two_callers_one_agent(
        admin, tmp_path, daemon, lambda _: number, lambda _: flow["number"], queue)
    assert call_record(admin, second)["answered_by"] == phone_no
    assert call_record(admin, first)["agent_id"] is None


# ------------------------------------------------------------ announcements

def timeline(path, music_hz, other_hz, step=0.5, **more):
    """What the WAV holds every `step` seconds: 'm' the music, 'a' the
    other tone, a key of `more` (label=hz) for its tone, '.' none of them
    (speech, silence); runs folded ("m.am")."""
    with wave.open(str(path)) as w:
        seconds = w.getnframes() / w.getframerate()
    labels = {"m": music_hz, "a": other_hz, **more}
    out = ""
    t = 0.0
    while t + step <= seconds:
        p = tone_power(path, tuple(labels.values()), t, t + step)
        c = next((k for k, hz in labels.items() if p[hz] > 0.2), ".")
        if not out or out[-1] != c:
            out += c
        t += step
    return out.strip(".")


def test_the_periodic_announcement_interrupts_the_music_which_resumes(daemon, admin, tmp_path):
    music = moh_class(admin, 600)
    announcement = voice(admin, 1000, seconds=1.0)
    a, _ = busy_agent(admin, tmp_path, daemon)
    number = queue_number()
    expect(admin.post(QUEUES, json={
        "name": uniq("q-"), "number": number, "moh_class_id": music["id"],
        "announce_s": 5, "announce_prompt": [{"type": "voice", "id": announcement["id"]}],
        "max_wait_s": 13, "ring_timeout_s": 5, "members": [{"agent_id": a["id"]}]}), 201)
    seen = timeline(heard(tmp_path, daemon, admin, number, 13), 600, 1000)
    # at 5 s and 10 s the announcement, the music before, between and after
    assert seen.replace(".", "") == "mamam", seen


def test_position_and_estimated_wait_are_announced(daemon, admin, tmp_path):
    music = moh_class(admin, 600)
    a, phone_no, phone = agent_with_phone(admin, tmp_path, daemon, agent_no(), wrap_up_s=0)
    number = queue_number()
    expect(admin.post(QUEUES, json={
        "name": uniq("q-"), "number": number, "moh_class_id": music["id"],
        "announce_position_s": 8, "max_wait_s": 15, "ring_timeout_s": 5,
        "members": [{"agent_id": a["id"]}]}), 201)
    login(admin, a)
    # one answered call of ~2 s: the queue's handle time
    first = caller(tmp_path, daemon, new_extension(admin), number, 2000, "first")
    assert first.wait(20) == 0 and phone.wait(20) == 0, phone.errors()
    assert wait_state(admin, a, "idle")
    second = again(tmp_path, daemon, phone.port, "again")    # its phone's next call
    talking = caller(tmp_path, daemon, new_extension(admin), number, 17000, "talking")
    assert wait_state(admin, a, "talking")
    log = daemon.stderr_path.read_text()
    seen = timeline(heard(tmp_path, daemon, admin, number, 15), 600, 1000)
    for p in (talking, second):
        assert p.wait(25) == 0, p.errors()
    # position 1, one agent serving, the first call's ~2 s handle time (talk
    # from the agent's answer): estimated 1-3 s, said "about a minute"
    said = [line for line in daemon.stderr_path.read_text()[len(log):].splitlines()
            if "announces position" in line]
    assert len(said) == 1 and "position 1, estimated wait " in said[0], said
    assert 1 <= int(said[0].split("estimated wait ")[1].split()[0]) <= 3, said
    # the speech (at 8 s, ~4 s long) broke the music, which came back
    assert seen == "m.m", seen


# ------------------------------------------------------ what the agent gets

def test_the_agent_hears_the_whisper_before_the_caller(daemon, admin, tmp_path):
    from test_calls import wait_registered
    music, whisper = moh_class(admin, 600), voice(admin, 1000, seconds=1.5)
    phone_no = new_extension(admin)
    ext = expect(admin.get("/api/v1/extensions", params={"q": phone_no}), 200)["items"][0]
    a = expect(admin.post("/api/v1/agents", json={"agent_no": agent_no(), "name": uniq("ag-"),
                                                  "extension_id": ext["id"],
                                                  "wrap_up_s": 0}), 201)
    number = queue_number()
    expect(admin.post(QUEUES, json={
        "name": uniq("q-"), "number": number, "moh_class_id": music["id"],
        "whisper_prompt": [{"type": "voice", "id": whisper["id"]}],
        "members": [{"agent_id": a["id"]}]}), 201)
    phone = Baresip(tmp_path, "agent", phone_no, PASSWORD, DOMAIN, daemon.sip_port,
                    tone_hz=1200).start(seconds=12)
    try:
        assert wait_registered(admin, phone_no)
        login(admin, a)
        caller_heard = heard(tmp_path, daemon, admin, number, 7)
    finally:
        phone.stop()
    agent_heard = timeline(phone.received_audio(), 600, 1000, c=440)
    # the agent: the whisper, then the caller; never the music
    assert agent_heard.replace(".", "") == "ac", agent_heard
    # the caller: the music (also while the agent hears the whisper), then
    # the agent; never the whisper
    assert timeline(caller_heard, 600, 1000, g=1200).replace(".", "") == "mg"


def test_the_agents_phone_shows_the_queue_and_the_callers_number(daemon, admin, tmp_path):
    from peers import Sipp, _recv, _respond, _scenario, write_scenario
    from test_calls import register_with_sipp
    phone_no = new_extension(admin)
    ext = expect(admin.get("/api/v1/extensions", params={"q": phone_no}), 200)["items"][0]
    a = expect(admin.post("/api/v1/agents", json={"agent_no": agent_no(), "name": uniq("ag-"),
                                                  "extension_id": ext["id"]}), 201)
    number, name = queue_number(), uniq("Sales")
    expect(admin.post(QUEUES, json={"name": name, "number": number,
                                    "agent_display_queue": True,
                                    "members": [{"agent_id": a["id"]}]}), 201)
    customer = new_extension(admin)
    regexp = f"From: *&quot;{name}: [^&quot;]*&quot; *&lt;sip:{customer}@"
    check = ('  <recv request="INVITE">\n    <action>\n      <ereg regexp="%s" search_in="msg"'
             ' check_it="true" assign_to="f"/>\n    </action>\n  </recv>\n' % regexp)
    scenario = _scenario("uas from check", check,
                         _respond("200 OK", True, True, sdp=True, headers=["X-Checked: [$f]"]),
                         _recv("ACK"), _recv("BYE"), _respond("200 OK"))
    port = register_with_sipp(tmp_path, daemon, phone_no)
    phone = Sipp(tmp_path, write_scenario(tmp_path, "fromcheck", scenario), daemon.sip_port,
                 port=port).start()
    login(admin, a)
    c = caller(tmp_path, daemon, customer, number, 1500, "customer")
    assert c.wait(20) == 0, c.errors()
    assert phone.wait(20) == 0, phone.errors()
    assert call_record(admin, customer)["answered_by"] == phone_no


# ----------------------------------------------------------------- overflow

def nobody_queue(admin, **kw):
    """A queue nobody serves (its only member never logs in)."""
    a = expect(admin.post("/api/v1/agents", json={"agent_no": agent_no(), "name": "away"}), 201)
    return expect(admin.post(QUEUES, json={"name": uniq("q-"), "number": queue_number(),
                                           "members": [{"agent_id": a["id"]}], **kw}), 201)


def test_no_agent_overflows_to_another_queue(daemon, admin, tmp_path):
    a, phone_no, phone = agent_with_phone(admin, tmp_path, daemon, agent_no(), wrap_up_s=0)
    served = expect(admin.post(QUEUES, json={"name": uniq("q-"),
                                             "members": [{"agent_id": a["id"]}]}), 201)
    q = nobody_queue(admin, overflow={"no_agent": {"type": "queue", "target": served["id"]}})
    login(admin, a)
    ext = new_extension(admin)
    c = caller(tmp_path, daemon, ext, q["number"], 1500, "customer")
    assert c.wait(20) == 0 and phone.wait(20) == 0, phone.errors()
    rec = call_record(admin, ext)
    assert rec["answered_by"] == phone_no and rec["queue_id"] == served["id"]


def test_max_wait_overflows_to_an_ivr_flow(daemon, admin, tmp_path):
    from test_ivr_calls import keys_call, node, path, publish, start
    flow, _, _ = publish(admin, [start("late"), node("late", "counter", {"next": None},
                                                     name="too late")])
    a, _ = busy_agent(admin, tmp_path, daemon)
    number = queue_number()
    expect(admin.post(QUEUES, json={
        "name": uniq("q-"), "number": number, "max_wait_s": 5, "ring_timeout_s": 5,
        "members": [{"agent_id": a["id"]}],
        "overflow": {"timeout": {"type": "ivr", "target": flow["id"]}}}), 201)
    ext = new_extension(admin)
    keys_call(tmp_path, daemon, ext, number, [])        # the flow ends the call
    rec = call_record(admin, ext)
    assert [n for n, _, _ in path(rec)] == ["start", "late"], rec["ivr_path"]
    assert rec["ivr_path"][0]["entered_at"] - rec["answer_at"] >= 5000


def test_full_overflows_to_a_voicemail_box(daemon, admin, tmp_path):
    from test_voicemail_calls import BOXES, messages
    box_ext = new_extension(admin)
    ext = expect(admin.get("/api/v1/extensions", params={"q": box_ext}), 200)["items"][0]
    box = expect(admin.post(BOXES, json={"extension_id": ext["id"]}), 201)
    a, _ = busy_agent(admin, tmp_path, daemon)
    number = queue_number()
    expect(admin.post(QUEUES, json={
        "name": uniq("q-"), "number": number, "max_waiting": 1, "max_wait_s": 12,
        "ring_timeout_s": 5, "members": [{"agent_id": a["id"]}],
        "overflow": {"full": {"type": "voicemail", "target": box_ext}}}), 201)
    waiting = caller(tmp_path, daemon, new_extension(admin), number, 9000, "waiting")
    time.sleep(1.0)
    heard(tmp_path, daemon, admin, number, 8, name="second")    # 440 Hz into the box
    assert waiting.wait(20) == 0, waiting.errors()
    items = messages(admin, box["id"])
    assert len(items) == 1 and items[0]["duration_ms"] > 1000, items


def test_hang_up_with_a_prompt(daemon, admin, tmp_path):
    sorry = voice(admin, 1000, seconds=1.5)
    q = nobody_queue(admin, overflow={"no_agent": {
        "type": "hangup", "prompt": [{"type": "voice", "id": sorry["id"]}]}})
    ext = new_extension(admin)
    caller_ = Baresip(tmp_path, "caller", ext, PASSWORD, DOMAIN, daemon.sip_port, tone_hz=440)
    try:
        caller_.start([f"/dial sip:{q['number']}@{DOMAIN}"], seconds=8)
        assert caller_.wait_for("terminated", 10), caller_.output()[-2000:]
    finally:
        caller_.stop()
    assert tone_power(caller_.received_audio(), (1000, 440))[1000] > 0.2
    rec = call_record(admin, ext)
    assert rec["end_status"] == "no_agent"
    assert rec["end_at"] - rec["answer_at"] >= 1400


def test_overflows_between_queues_are_bounded(daemon, admin, tmp_path):
    from test_ivr_calls import keys_call
    one, two = nobody_queue(admin), nobody_queue(admin)
    expect(admin.patch(f"{QUEUES}/{one['id']}", json={
        "overflow": {"no_agent": {"type": "queue", "target": two["id"]}}}), 200)
    expect(admin.patch(f"{QUEUES}/{two['id']}", json={
        "overflow": {"no_agent": {"type": "queue", "target": one["id"]}}}), 200)
    log = len(daemon.stderr_path.read_text())
    ext = new_extension(admin)
    keys_call(tmp_path, daemon, ext, one["number"], [])   # ended by hotlined
    rec = call_record(admin, ext)
    assert rec["end_status"] == "no_agent"
    lines = [x for x in daemon.stderr_path.read_text()[log:].splitlines() if rec["id"] in x]
    assert sum("overflows to queue" in x for x in lines) == 3, lines
    assert any("no more overflows" in x for x in lines), lines


# -------------------------------------------------------- leaving with a key

CALLBACKS = "/api/v1/callback-requests"


def test_the_leave_key_is_announced_and_takes_the_caller_to_voicemail(daemon, admin, tmp_path):
    from test_voicemail_calls import BOXES, messages
    box_ext = new_extension(admin)
    ext = expect(admin.get("/api/v1/extensions", params={"q": box_ext}), 200)["items"][0]
    box = expect(admin.post(BOXES, json={"extension_id": ext["id"]}), 201)
    music, told = moh_class(admin, 600), voice(admin, 1000, seconds=1.0)
    a, _ = busy_agent(admin, tmp_path, daemon)
    number = queue_number()
    expect(admin.post(QUEUES, json={
        "name": uniq("q-"), "number": number, "moh_class_id": music["id"],
        "leave_key": "1", "leave_to": "voicemail", "leave_box": box_ext,
        "leave_prompt": [{"type": "voice", "id": told["id"]}],
        "members": [{"agent_id": a["id"]}]}), 201)
    # first what it heard: the key told (1000 Hz), then the music
    assert timeline(heard(tmp_path, daemon, admin, number, 4, name="listener"),
                    600, 1000).replace(".", "") == "am"
    ext_no = new_extension(admin)
    leaver = Baresip(tmp_path, "leaver", ext_no, PASSWORD, DOMAIN, daemon.sip_port,
                     tone_hz=440)
    try:
        leaver.start([f"/dial sip:{number}@{DOMAIN}"], seconds=20, ctrl=True)
        assert leaver.wait_for("Call established", 10), leaver.output()[-2000:]
        time.sleep(2)
        leaver.command("sndcode", "1")
        time.sleep(7)                       # the greeting, the beep, a message
    finally:
        leaver.stop()
    items = messages(admin, box["id"])
    assert len(items) == 1 and items[0]["caller"] == ext_no, items
    assert expect(admin.get(f"{QUEUES}/live"), 200)["items"] == []


def test_the_leave_key_stores_a_callback_request(daemon, admin, client, operator, tmp_path):
    from e2e_helpers import assert_error, make_tenant
    from test_ivr_calls import keys_call
    a, _ = busy_agent(admin, tmp_path, daemon)
    number = queue_number()
    q = expect(admin.post(QUEUES, json={
        "name": uniq("q-"), "number": number, "leave_key": "#", "leave_to": "callback",
        "members": [{"agent_id": a["id"]}]}), 201)
    ext_no = new_extension(admin)
    keys_call(tmp_path, daemon, ext_no, number, [(2000, "#")])   # hotlined hangs up
    rec = call_record(admin, ext_no)
    assert rec["end_status"] == "callback"
    items = expect(admin.get(CALLBACKS, params={"queue_id": q["id"]}), 200)["items"]
    assert [(i["caller"], i["status"], i["call_id"]) for i in items] == [
        (ext_no, "pending", rec["id"])]
    cb = items[0]
    # the date filter (created_at, to exclusive) finds it only in its own range
    at = cb["created_at"]
    for frm, to, n in [(at, at + 1, 1), (at + 1, None, 0), (None, at, 0)]:
        params = {k: v for k, v in {"queue_id": q["id"], "from": frm, "to": to}.items() if v}
        assert len(expect(admin.get(CALLBACKS, params=params), 200)["items"]) == n, (frm, to)
    done = expect(admin.patch(f"{CALLBACKS}/{cb['id']}", json={
        "status": "done", "note": "called back", "agent_id": a["id"]}), 200)
    assert (done["status"], done["note"], done["agent_id"], done["caller"]) == (
        "done", "called back", a["id"], ext_no)
    assert expect(admin.get(CALLBACKS, params={"status": "pending",
                                               "queue_id": q["id"]}), 200)["items"] == []
    for body, text in [({"status": "lost"}, "status"), ({"agent_id": "nobody"}, "agent_id"),
                       ({"caller": "1"}, "caller")]:
        r = admin.patch(f"{CALLBACKS}/{cb['id']}", json=body)
        assert r.status_code == 400 and text in r.text, r.text
    t = make_tenant(operator)
    other = client.login(t["code"], "admin", t["_admin_password"])
    assert_error(other.get(f"{CALLBACKS}/{cb['id']}"), 404, "not_found")
    assert other.get(CALLBACKS).json()["items"] == []


# ------------------------------------------------------------ sticky agent

def sticky_setup(admin, tmp_path, daemon, strict, second_wrap_up=0):
    """Two agents in a sequential queue (the first, lower number, is the
    strategy's choice); a customer is served once by the second alone.
    Answers (first agent, its phone, second agent, its number, its port,
    the customer, the queue's number)."""
    first_no = agent_no()
    a1, _, phone1 = agent_with_phone(admin, tmp_path, daemon, first_no, wrap_up_s=0)
    a2, phone2_no, phone2 = agent_with_phone(admin, tmp_path, daemon,
                                             str(int(first_no) + 1),
                                             wrap_up_s=second_wrap_up)
    number = queue_number()
    expect(admin.post(QUEUES, json={
        "name": uniq("q-"), "number": number, "strategy": "sequential", "sticky_days": 1,
        "sticky_strict": strict, "ring_timeout_s": 10, "retry_delay_s": 0,
        "members": [{"agent_id": a1["id"]}, {"agent_id": a2["id"]}]}), 201)
    login(admin, a2)
    customer = new_extension(admin)
    c = caller(tmp_path, daemon, customer, number, 1000, "before")
    assert c.wait(20) == 0 and phone2.wait(20) == 0, phone2.errors()
    assert call_record(admin, customer)["agent_id"] == a2["id"]
    login(admin, a1)
    return a1, phone1, a2, phone2_no, phone2.port, customer, number


def again(tmp_path, daemon, port, name):
    from peers import UAS_ANSWER, Sipp, write_scenario
    return Sipp(tmp_path, write_scenario(tmp_path, name, UAS_ANSWER), daemon.sip_port,
                port=port).start()


def latest_record(admin, caller_no, n=2, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        items = expect(admin.get("/api/v1/calls", params={"caller": caller_no}), 200)["items"]
        if len(items) >= n:
            return expect(admin.get(f"/api/v1/calls/{items[0]['id']}"), 200)
        time.sleep(0.2)
    raise AssertionError("no second call record")


def test_the_callers_last_agent_is_rung_first(daemon, admin, tmp_path):
    a1, phone1, a2, phone2_no, port2, customer, number = sticky_setup(
        admin, tmp_path, daemon, strict=False)
    assert wait_state(admin, a2, "idle")
    phone2 = again(tmp_path, daemon, port2, "again2")
    c = caller(tmp_path, daemon, customer, number, 1000, "after")
    assert c.wait(20) == 0 and phone2.wait(20) == 0, phone2.errors()
    rec = latest_record(admin, customer)
    assert rec["agent_id"] == a2["id"] and rec["answered_by"] == phone2_no
    phone1.stop()


def test_strict_waits_for_the_last_agent_in_wrap_up(daemon, admin, tmp_path):
    a1, phone1, a2, phone2_no, port2, customer, number = sticky_setup(
        admin, tmp_path, daemon, strict=True, second_wrap_up=4)
    assert wait_state(admin, a2, "wrap_up", 5)
    phone2 = again(tmp_path, daemon, port2, "again2")
    c = caller(tmp_path, daemon, customer, number, 5500, "after")
    assert c.wait(25) == 0 and phone2.wait(20) == 0, phone2.errors()
    rec = latest_record(admin, customer)
    assert rec["agent_id"] == a2["id"]
    # the first agent was idle all along and never rung
    assert [s for s in expect(admin.get("/api/v1/agent-states", params={
        "agent_id": a1["id"], "page_size": 50}), 200)["items"] if s["state"] == "ringing"] == []
    phone1.stop()


def test_strict_does_not_wait_for_a_logged_out_agent(daemon, admin, tmp_path):
    a1, phone1, a2, phone2_no, port2, customer, number = sticky_setup(
        admin, tmp_path, daemon, strict=True)
    assert wait_state(admin, a2, "idle")
    expect(admin.post(f"/api/v1/agents/{a2['id']}/logout", json={}), 200)
    c = caller(tmp_path, daemon, customer, number, 1000, "after")
    assert c.wait(20) == 0 and phone1.wait(20) == 0, phone1.errors()
    assert latest_record(admin, customer)["agent_id"] == a1["id"]


def test_no_agent_overflows_to_an_outside_number(make_daemon, tmp_path):
    """A daemon of its own: the outbound route would catch other tests' calls."""
    from e2e_helpers import ADMIN_PASSWORD, free_sip_port
    from peers import Sipp, uas_answer_checking, write_scenario
    daemon = make_daemon()
    admin = daemon.client().login(DOMAIN, "admin", ADMIN_PASSWORD)
    port = free_sip_port()
    trunk = expect(admin.post("/api/v1/trunks", json={
        "name": f"carrier-{port}", "type": "peer", "host": "127.0.0.1", "port": port,
        "peer_cidrs": ["127.0.0.1/32"]}), 201)
    expect(admin.post("/api/v1/outbound-routes", json={
        "name": "out", "patterns": ["0X."], "trunk_ids": [trunk["id"]],
        "dial_permission": "local"}), 201)
    q = nobody_queue(admin, overflow={"no_agent": {"type": "external", "target": "0123456789"}})
    carrier = Sipp(tmp_path, write_scenario(tmp_path, "carrier", uas_answer_checking("0123456789")),
                   daemon.sip_port, port=port).start()
    ext = new_extension(admin)
    c = caller(tmp_path, daemon, ext, q["number"], 1500, "customer")
    assert c.wait(20) == 0 and carrier.wait(20) == 0, carrier.errors()
    assert call_record(admin, ext)["answered_by"] == trunk["name"]
