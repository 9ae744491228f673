"""The ACD against queueing theory (issue 6, METRICS.md "Staffing"): Poisson
arrivals into one queue served by N agents whose phones (sipp) talk for
exponentially distributed times and hang up — an M/M/N queue. Each call's wait
must match an ideal first-come-first-served N-server queue fed the same
arrivals and talk times, and the measured probability of waiting, service level
and average speed of answer must match Erlang C within statistical tolerance.
The waits come from the call records (the IVR path's queue step: entered ->
answered).

Seeds are fixed (arrivals here, talk times via GSL_RNG_SEED in sipp), so a run
is repeatable up to the machine's timing; the tolerances are about three
standard errors of the estimates at this sample size."""
import math
import os
import random
import subprocess
import time

from e2e_helpers import expect, free_sip_port
from peers import _recv, _respond, _scenario, _send, write_scenario
from test_acd_calls import AGENTS, QUEUES, agent_no, login, queue_flow, uniq
from test_calls import DOMAIN, PASSWORD, new_extension, register_with_sipp

N, LAM, H = 3, 1.5, 1.0          # agents, arrivals per second, mean talk (s)
CALLS = 200
SL_T = 1.0                        # service-level threshold (s)


def erlang_c(n, a):
    """Probability of waiting for offered load a (Erlangs) and n servers."""
    top = a ** n / math.factorial(n) * n / (n - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(n)) + top)


def agent_phone_scenario(mean_ms):
    """An agent's phone: answers, talks for an exponential time, hangs up."""
    capture = ('  <recv request="INVITE">\n    <action>\n      <ereg regexp=".*" '
               'search_in="hdr" header="From:" assign_to="remote_from"/>\n    </action>\n'
               '  </recv>\n')
    talk = f'  <pause distribution="exponential" mean="{mean_ms}"/>\n'
    return _scenario(
        "agent exp", capture, _respond("200 OK", True, True, sdp=True), _recv("ACK"), talk,
        _send(["BYE sip:hotline@[remote_ip]:[remote_port] SIP/2.0",
               "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]",
               "From: <sip:[service]@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]",
               "To: [$remote_from]", "Call-ID: [call_id]", "CSeq: 1 BYE",
               "Max-Forwards: 70"], retrans=True),
        _recv("200"))


def caller_scenario():
    """A customer: calls the flow's number (answered at once by the queue), waits
    for the agent's hang-up."""
    from peers import _answered
    return _scenario("customer", _answered(), _recv("BYE", extra=' timeout="120000"'),
                     _respond("200 OK"))


def start_agents(admin, tmp_path, daemon, n):
    agents, phones = [], []
    scenario = write_scenario(tmp_path, "agent-exp", agent_phone_scenario(int(H * 1000)))
    for i in range(n):
        number = new_extension(admin)
        ext = expect(admin.get("/api/v1/extensions", params={"q": number}), 200)["items"][0]
        a = expect(admin.post(AGENTS, json={"agent_no": agent_no(), "name": uniq("erl-"),
                                            "extension_id": ext["id"], "wrap_up_s": 0}), 201)
        port = register_with_sipp(tmp_path, daemon, number)
        log = open(tmp_path / f"agent-{i}.log", "wb")
        env = dict(os.environ, GSL_RNG_SEED=str(1000 + i))
        phones.append(subprocess.Popen(
            ["sipp", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(port),
             "-m", str(CALLS * 2), "-t", "u1", "-nostdin", "-s", number,
             "-aa",                           # answers the registrar's keep-alive
             f"127.0.0.1:{daemon.sip_port}"], stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, cwd=tmp_path, env=env))
        agents.append(a)
    return agents, phones


def place_calls(tmp_path, daemon, callers, number):
    """CALLS customers at Poisson times; answers their processes."""
    rng = random.Random(20261121)
    scenario = write_scenario(tmp_path, "customer", caller_scenario())
    procs, t = [], time.time()
    for k in range(CALLS):
        t += rng.expovariate(LAM)
        time.sleep(max(0.0, t - time.time()))
        caller = callers[k % len(callers)]
        procs.append(subprocess.Popen(
            ["sipp", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(free_sip_port()),
             "-m", "1", "-t", "u1", "-nostdin", "-timeout", "150s", "-au", caller, "-ap",
             PASSWORD, "-s", caller, "-key", "domain", DOMAIN, "-key", "callee", number,
             f"127.0.0.1:{daemon.sip_port}"], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path))
    return procs


def queue_waits(admin, since_ms, flow_id):
    """(wait, talk, entered) in seconds of each call of the flow, from its record and
    IVR path (wait: the queue step's exit name when it did not end answered), once every
    call's record is written."""
    end = time.time() + 20
    while time.time() < end:
        total = expect(admin.get("/api/v1/calls", params={"from": since_ms}), 200)["total"]
        if total >= CALLS:
            break
        time.sleep(0.5)
    waits, page = [], 1
    while True:
        body = expect(admin.get("/api/v1/calls", params={
            "from": since_ms, "page": page, "page_size": 100}), 200)
        for c in body["items"]:
            rec = expect(admin.get(f"/api/v1/calls/{c['id']}"), 200)
            step = next((s for s in rec.get("ivr_path") or []
                         if s["node_id"] == "q" and s["flow_id"] == flow_id), None)
            if step:
                waits.append(((step["left_at"] - step["entered_at"]) / 1000
                              if step["exit"] == "answered" else step["exit"],
                              (rec["end_at"] - step["left_at"]) / 1000,
                              step["entered_at"] / 1000))
        if page * 100 >= body["total"]:
            return waits
        page += 1


def test_measured_waiting_matches_erlang_c(daemon, admin, tmp_path):
    agents, phones = start_agents(admin, tmp_path, daemon, N)
    q = expect(admin.post(QUEUES, json={
        "name": uniq("erlang-"), "strategy": "longest_idle", "retry_delay_s": 0,
        "ring_timeout_s": 10, "max_wait_s": 600, "service_level_s": int(SL_T),
        "members": [{"agent_id": a["id"]} for a in agents]}), 201)
    flow, _, number = queue_flow(admin, q["id"])
    for a in agents:
        login(admin, a)
    callers = [new_extension(admin) for _ in range(4)]
    since = int(time.time() * 1000)
    procs = place_calls(tmp_path, daemon, callers, number)
    try:
        for p in procs:
            assert p.wait(180) == 0
    finally:
        for p in procs + phones:
            if p.poll() is None:
                p.kill()
                p.wait()
    calls = queue_waits(admin, since, flow["id"])
    assert len(calls) == CALLS, len(calls)
    assert all(isinstance(w, float) for w, _, _ in calls), [w for w, _, _ in calls
                                                           if isinstance(w, str)]
    # The model's inputs as they really were: the arrival rate (process start-up
    # spreads the planned Poisson times a little) and the mean busy time of an agent per
    # call (talk, plus the offer and answer on top of the planned talk).
    entered = sorted(e for _, _, e in calls)
    lam = (CALLS - 1) / (entered[-1] - entered[0])
    h = sum(t for _, t, _ in calls) / CALLS
    a_load = lam * h
    assert a_load < N, (lam, h)
    waits = [w for w, _, _ in calls]
    p_wait = erlang_c(N, a_load)
    # A call "waited" when it was not offered at once; the ACD's own offer-and-answer
    # time (a few ms) is in every wait, so the threshold is above it.
    threshold = 0.2
    theory_pw = p_wait * math.exp(-(N - a_load) * threshold / h)      # P(W > 0.2 s)
    measured_pw = sum(w > threshold for w in waits) / CALLS
    measured_sl = sum(w <= SL_T for w in waits) / CALLS
    theory_sl = 1 - p_wait * math.exp(-(N - a_load) * SL_T / h)
    asa = sum(waits) / CALLS
    theory_asa = p_wait * h / (N - a_load)
    report = (f"lambda {lam:.3f}/s, h {h:.3f}s, A {a_load:.3f}: P(W>{threshold}s) "
              f"{measured_pw:.3f} vs {theory_pw:.3f}, SL({SL_T:g}s) {measured_sl:.3f} vs "
              f"{theory_sl:.3f}, ASA {asa:.3f}s vs {theory_asa:.3f}s")
    print(report)
    # The same calls through an ideal N-server FIFO queue (each call to the first agent
    # free, the moment one is): the ACD's waits match it call by call — nobody waited
    # while an agent was free, and the order was first come, first served.
    free = [0.0] * N
    ideal = {}
    for w, talk, at in sorted(calls, key=lambda c: c[2]):
        k = min(range(N), key=lambda i: free[i])
        start = max(at, free[k])
        ideal[at] = start - at
        free[k] = start + talk + 0.01          # + the offer and answer
    off = sorted(abs(w - ideal[at]) for w, _, at in calls)
    assert off[int(0.95 * CALLS)] < 0.25 and sum(off) / CALLS < 0.1, off[-10:]
    assert abs(measured_pw - theory_pw) < 0.08, report
    assert abs(measured_sl - theory_sl) < 0.06, report
    assert abs(asa - theory_asa) < 0.12, report
