"""Shared helpers of the end-to-end suite: daemon control, HTTP client, assertions.

Only the Python standard library, pytest and requests are used.
"""
import atexit
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter

REPO = Path(__file__).resolve().parents[2]
HOTLINE_BIN = Path(os.environ.get("HOTLINE_BIN") or REPO / "build" / "asan" / "hotlined")
if not HOTLINE_BIN.is_absolute():
    HOTLINE_BIN = REPO / HOTLINE_BIN
PGCLUSTER = REPO / "scripts" / "pgcluster.sh"

ADMIN_PASSWORD = "demo-Admin-pw-1"
OPERATOR_PASSWORD = "system-Operator-pw-1"
DEMO = "demo"
SYSTEM = "system"

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
HTTP_TIMEOUT = 60.0

MENUS = ("departments", "users", "roles", "api_keys", "security", "logs")
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer")
UUID7_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


# --------------------------------------------------------------------------- names, ids

_counter = itertools.count(1)
_counter_lock = threading.Lock()


def uniq(prefix="t"):
    """A name unique within the run (lower case, safe as a username/code)."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def uuid7():
    """A syntactically valid UUIDv7 that no daemon will have issued."""
    ms = int(time.time() * 1000) & ((1 << 48) - 1)
    rnd = int.from_bytes(os.urandom(10), "big")
    rand_a = rnd & 0xFFF
    rand_b = (rnd >> 12) & ((1 << 62) - 1)
    value = (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def now_ms():
    return int(time.time() * 1000)


def next_source_ip():
    """A fresh loopback source address (127.20.x.y) for one client.

    Failed-login throttling counts per address; giving each client its own address keeps
    the tests that fail logins from slowing down or locking out each other.
    """
    with _counter_lock:
        n = next(_counter)
    return f"127.{20 + n // 62500}.{(n // 250) % 250}.{n % 250 + 2}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_sip_port():
    """A loopback port free for both TCP and UDP."""
    for _ in range(50):
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            try:
                u.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free SIP port")


# --------------------------------------------------------------------------- HTTP client

class _SourceAddressAdapter(HTTPAdapter):
    def __init__(self, source_ip, **kw):
        self._source_ip = source_ip
        super().__init__(**kw)

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        pool_kwargs["source_address"] = (self._source_ip, 0)
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


class HotlineSession(requests.Session):
    """A requests.Session bound to one daemon and one loopback source address.

    Paths starting with '/' are relative to the daemon; `json=` bodies are sent as
    application/json as usual. After `Client.login` it carries `Authorization: Bearer`.
    """

    def __init__(self, base_url, source_ip=None):
        super().__init__()
        self.base_url = base_url
        self.source_ip = source_ip or next_source_ip()
        self.token = None
        self.login_data = None
        self.mount("http://", _SourceAddressAdapter(self.source_ip))

    def request(self, method, url, *args, **kwargs):
        if url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return super().request(method, url, *args, **kwargs)

    def set_token(self, token):
        self.token = token
        self.headers["Authorization"] = f"Bearer {token}"

    @property
    def user(self):
        return self.login_data["user"]


class Client:
    """Talks to one running daemon."""

    def __init__(self, base_url):
        self.base_url = base_url

    def anon(self, source_ip=None):
        return HotlineSession(self.base_url, source_ip)

    # anonymous shortcuts
    def get(self, path, **kw):
        return self.anon(kw.pop("source_ip", None)).get(path, **kw)

    def post(self, path, **kw):
        return self.anon(kw.pop("source_ip", None)).post(path, **kw)

    def patch(self, path, **kw):
        return self.anon(kw.pop("source_ip", None)).patch(path, **kw)

    def put(self, path, **kw):
        return self.anon(kw.pop("source_ip", None)).put(path, **kw)

    def delete(self, path, **kw):
        return self.anon(kw.pop("source_ip", None)).delete(path, **kw)

    def login_raw(self, tenant, username, password, source_ip=None):
        s = self.anon(source_ip)
        return s.post("/api/v1/auth/login",
                      json={"tenant": tenant, "username": username, "password": password})

    def login(self, tenant, username, password, source_ip=None):
        """Log in; answer a HotlineSession that authenticates with the bearer token only."""
        s = self.anon(source_ip)
        r = s.post("/api/v1/auth/login",
                   json={"tenant": tenant, "username": username, "password": password})
        assert r.status_code == 200, f"login {tenant}/{username}: {r.status_code} {r.text}"
        data = r.json()
        s.cookies.clear()  # bearer only, so token tests are exact
        s.set_token(data["token"])
        s.login_data = data
        return s

    def signed(self, method, path, key_id, secret, body=None, ts=None, source_ip=None,
               sign_path=None, sign_body=None, content_type="application/json"):
        """Send an API-key signed request (docs/api.md, "API key with signed requests").

        `body` may be a dict (sent as compact JSON), bytes or str. `sign_path`/`sign_body`
        let a test sign something other than what is sent (tampering).
        """
        raw = encode_body(body)
        ts = int(time.time()) if ts is None else int(ts)
        sig = signature(secret, method, sign_path if sign_path is not None else path, ts,
                        encode_body(sign_body) if sign_body is not None else raw)
        headers = {
            "X-Hotline-Key": key_id,
            "X-Hotline-Timestamp": str(ts),
            "X-Hotline-Signature": sig,
        }
        if raw:
            headers["Content-Type"] = content_type
        s = self.anon(source_ip)
        return s.request(method, path, data=raw if raw else None, headers=headers)


def encode_body(body):
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body, separators=(",", ":")).encode()


def signature(secret, method, path, ts, body_bytes):
    msg = f"{method.upper()}\n{path}\n{int(ts)}\n{hashlib.sha256(body_bytes).hexdigest()}"
    return hmac.new(secret.encode(), msg.encode(), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- assertions

def body_of(r):
    try:
        return r.json()
    except ValueError:
        return None


def describe(r):
    return f"{r.request.method} {r.request.path_url} -> {r.status_code} {r.text[:600]!r}"


def expect(r, status):
    """Assert the status; answer the parsed JSON body (or None for empty bodies)."""
    assert r.status_code == status, describe(r)
    if r.content:
        return r.json()
    return None


def assert_error(r, status, code=None, mention=None):
    """The exact error shape {"error":{"code":str,"message":str}} with this status/code.

    `code` may be a string or a tuple of accepted codes; `mention` a text the message
    must contain (e.g. a field name).
    """
    assert r.status_code == status, describe(r)
    ctype = r.headers.get("Content-Type", "")
    assert ctype.split(";")[0].strip().lower() == "application/json", \
        f"error Content-Type {ctype!r}: {describe(r)}"
    b = body_of(r)
    assert isinstance(b, dict) and set(b) == {"error"}, f"error shape: {describe(r)}"
    e = b["error"]
    assert isinstance(e, dict) and set(e) == {"code", "message"}, f"error shape: {describe(r)}"
    assert isinstance(e["code"], str) and isinstance(e["message"], str), describe(r)
    assert e["message"], f"empty error message: {describe(r)}"
    if code is not None:
        codes = (code,) if isinstance(code, str) else tuple(code)
        assert e["code"] in codes, f"expected code {codes}: {describe(r)}"
    if mention is not None:
        assert mention in e["message"], f"message should name {mention!r}: {describe(r)}"
    return e


def assert_uuid7(value):
    assert isinstance(value, str) and UUID7_RE.match(value), f"not a UUIDv7: {value!r}"


def assert_recent_ms(value, slack_ms=10 * 60 * 1000):
    assert isinstance(value, int) and not isinstance(value, bool), f"not an integer ms time: {value!r}"
    assert abs(value - now_ms()) < slack_ms, f"time {value} not near now {now_ms()}"


def assert_list_shape(b, page=1, page_size=20):
    assert isinstance(b, dict), b
    for k in ("items", "total", "page", "page_size"):
        assert k in b, f"list answer without {k!r}: {b}"
    assert isinstance(b["items"], list)
    assert isinstance(b["total"], int)
    assert b["page"] == page, b
    assert b["page_size"] == page_size, b
    assert len(b["items"]) <= b["page_size"]


def ids(items):
    return [i["id"] for i in items]


def list_all(session, path, params=None):
    """Every item of a list endpoint (page_size 500, following pages)."""
    params = dict(params or {})
    params["page_size"] = 500
    out, page = [], 1
    while True:
        params["page"] = page
        b = expect(session.get(path, params=params), 200)
        out.extend(b["items"])
        if len(out) >= b["total"] or not b["items"]:
            return out
        page += 1


# --------------------------------------------------------------------------- fixtures' makers

def make_department(s, name=None, parent_id=None):
    body = {"name": name or uniq("dep-")}
    if parent_id is not None:
        body["parent_id"] = parent_id
    return expect(s.post("/api/v1/departments", json=body), 201)


def make_role(s, permissions=None, data_scope="tenant", name=None):
    body = {"name": name or uniq("role-"), "permissions": permissions or {},
            "data_scope": data_scope}
    return expect(s.post("/api/v1/roles", json=body), 201)


def make_user(s, username=None, password="user-Pass-123", **fields):
    body = {"username": username or uniq("u"), "password": password}
    body.update(fields)
    u = expect(s.post("/api/v1/users", json=body), 201)
    u["_password"] = password
    return u


def make_extension(s, password, **fields):
    """An extension with a random free 6-digit number (retries when it is taken)."""
    for _ in range(20):
        number = str(random.randrange(100000, 999999))
        r = s.post("/api/v1/extensions", json={"number": number, "password": password, **fields})
        if r.status_code != 409:
            return expect(r, 201)
    raise AssertionError(f"no free extension number: {describe(r)}")


def call_record(s, **params):
    """The newest call record matching the list filters (e.g. caller=...), with its
    legs; waits up to 10 s for it to be written."""
    end = time.time() + 10
    while time.time() < end:
        items = expect(s.get("/api/v1/calls", params=params), 200)["items"]
        if items:
            return expect(s.get(f"/api/v1/calls/{items[0]['id']}"), 200)
        time.sleep(0.2)
    raise AssertionError(f"no call record for {params}")


def admin_role_id(s):
    b = expect(s.get("/api/v1/roles", params={"q": "Administrator", "page_size": 500}), 200)
    for r in b["items"]:
        if r["name"] == "Administrator" and r["builtin"]:
            return r["id"]
    raise AssertionError(f"no built-in Administrator role in {b}")


def make_api_key(s, role_id, name=None, **fields):
    body = {"name": name or uniq("key-"), "role_id": role_id}
    body.update(fields)
    return expect(s.post("/api/v1/api-keys", json=body), 201)


def make_tenant(operator, code=None, admin_password="tenant-Admin-pw-1", **fields):
    code = code or uniq("tn")
    body = {"code": code, "name": f"Tenant {code}", "admin_password": admin_password}
    body.update(fields)
    t = expect(operator.post("/api/v1/tenants", json=body), 201)
    t["_admin_password"] = admin_password
    t["_admin_username"] = fields.get("admin_username", "admin")
    return t


def user_with_role(client, admin, permissions, data_scope="tenant", tenant=DEMO, **user_fields):
    """Create a role and a user holding it; answer (session of that user, user, role)."""
    role = make_role(admin, permissions, data_scope)
    u = make_user(admin, role_ids=[role["id"]], **user_fields)
    s = client.login(tenant, u["username"], u["_password"])
    return s, u, role


# --------------------------------------------------------------------------- daemon

_binary_copy = None


def daemon_binary():
    """The binary every daemon of this run executes: a copy of HOTLINE_BIN taken at first
    use, so a rebuild during the run cannot mix two versions of the daemon."""
    global _binary_copy
    if _binary_copy is None:
        if not HOTLINE_BIN.exists():
            pytest.fail(f"daemon binary {HOTLINE_BIN} does not exist "
                        f"(build it with `make build/asan/hotlined` or set HOTLINE_BIN)")
        d = Path(tempfile.mkdtemp(prefix="hotline-e2e-bin-"))
        _binary_copy = d / HOTLINE_BIN.name
        shutil.copy2(HOTLINE_BIN, _binary_copy)
        atexit.register(shutil.rmtree, d, True)
    return _binary_copy


class Daemon:
    """One hotlined process on a free loopback port with its own data dir."""

    def __init__(self, workdir, db, name="hotlined", extra_args=(), env=None):
        self.workdir = Path(workdir)
        self.data_dir = self.workdir / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = db
        self.name = name
        self.extra_args = list(extra_args)
        self.extra_env = dict(env or {})
        self.proc = None
        self.port = None
        self.starts = 0
        self.stderr_path = None
        self.exit_code = None
        self.stopped = False
        self.sip_port = None
        self.rtp_ports = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def client(self):
        return Client(self.base_url)

    def start(self, port=None):
        binary = daemon_binary()
        self.port = port or free_port()
        self.starts += 1
        self.stderr_path = self.workdir / f"stderr.{self.starts}.log"
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        env["HOTLINE_ADMIN_PASSWORD"] = ADMIN_PASSWORD
        env["HOTLINE_OPERATOR_PASSWORD"] = OPERATOR_PASSWORD
        env.update(self.extra_env)
        # every daemon speaks SIP on loopback (UDP and TCP on one port) with its own
        # RTP range, so several can run side by side
        if self.sip_port is None:
            self.sip_port = free_sip_port()
            # away from the default 20000-29999 (a benchmark's daemon), the
            # baresip peers (30000-39999) and the media unit test (40000+)
            lo = 42000 + 2 * random.randrange(0, 7000)
            self.rtp_ports = f"{lo}-{lo + 399}"
        cmd = [str(binary), "--data", str(self.data_dir),
               "--http", f"127.0.0.1:{self.port}", "--db", self.db,
               "--log-level", "debug", "--sip", f"127.0.0.1:{self.sip_port}",
               "--rtp-ports", self.rtp_ports, *self.extra_args]
        self.cmd = cmd
        with open(self.stderr_path, "wb") as err, open(self.workdir / f"stdout.{self.starts}.log", "wb") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env,
                                         cwd=str(self.workdir))
        self.exit_code = None
        self.stopped = False
        self._wait_ready()
        return self

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                self.exit_code = rc
                pytest.fail(f"{self.name} exited with {rc} during start-up\n"
                            f"command: {' '.join(self.cmd)}\n--- stderr tail ---\n{self.stderr_tail()}")
            try:
                r = requests.get(self.base_url + "/api/v1/health", timeout=2)
                if r.status_code == 200:
                    return
                last = f"health answered {r.status_code}: {r.text[:200]}"
            except requests.RequestException as e:
                last = repr(e)
            time.sleep(0.1)
        self.proc.kill()
        self.proc.wait()
        pytest.fail(f"{self.name} not healthy within {START_TIMEOUT:.0f}s (last: {last})\n"
                    f"command: {' '.join(self.cmd)}\n--- stderr tail ---\n{self.stderr_tail()}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr_text(self, which=None):
        paths = [self.stderr_path] if which is None else [which]
        out = []
        for p in paths:
            if p and Path(p).exists():
                out.append(Path(p).read_text(errors="replace"))
        return "".join(out)

    def stderr_tail(self, n=6000):
        text = self.stderr_text()
        for m in SANITIZER_MARKERS:
            i = text.find(m)
            if i >= 0:  # show the sanitizer report rather than the last debug lines
                return text[max(0, i - 1500): i + n]
        return text[-n:]

    def sanitizer_report(self):
        text = self.stderr_text()
        for m in SANITIZER_MARKERS:
            i = text.find(m)
            if i >= 0:
                return text[max(0, i - 1500): i + 8000]
        return None

    def terminate(self):
        """SIGTERM; answer the exit code, or None if it did not exit within 10 s (killed)."""
        if self.proc is None:
            return self.exit_code
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.exit_code = None
                return None
        self.exit_code = self.proc.returncode
        return self.exit_code

    def stop_problems(self):
        """Stop the daemon; answer a list of problems (empty when it stopped cleanly)."""
        already_dead = self.proc is not None and self.proc.poll() is not None
        rc = self.terminate()
        problems = []
        if already_dead:
            problems.append(f"{self.name} had already exited ({rc}) before SIGTERM")
        if rc is None:
            problems.append(f"{self.name} did not exit within {STOP_TIMEOUT:.0f}s of SIGTERM (killed)")
        elif rc != 0:
            problems.append(f"{self.name} exited with code {rc} after SIGTERM")
        rep = self.sanitizer_report()
        if rep:
            problems.append(f"{self.name} stderr has a sanitizer report")
        return problems

    def stop_and_check(self):
        problems = self.stop_problems()
        if problems:
            pytest.fail("; ".join(problems) + f"\n--- stderr ({self.stderr_path}) ---\n"
                        + self.stderr_tail(), pytrace=False)


# --------------------------------------------------------------------------- backends

class Backend:
    def __init__(self, name, uri=None, pg_dir=None):
        self.name = name
        self.uri = uri
        self.pg_dir = pg_dir
        self._n = itertools.count(1)

    def fresh_db(self):
        """A --db value for a new, empty database."""
        if self.name == "sqlite":
            return "sqlite"
        dbname = f"hl_e2e_{next(self._n)}_{uuid.uuid4().hex[:6]}"
        u = urllib.parse.urlsplit(self.uri)
        # superuser over the cluster's unix socket (trust), owner the URI's user
        r = subprocess.run(["psql", "-X", "-q", "-h", str(self.pg_dir), "-p", str(u.port), "-U", "postgres",
                            "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                            "-c", f'CREATE DATABASE "{dbname}" OWNER "{u.username}"'],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            pytest.fail(f"cannot create database {dbname}: {r.stdout}{r.stderr}")
        return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + dbname, u.query, u.fragment))


def start_pg_cluster(directory):
    """scripts/pgcluster.sh start; answer the URI. `directory` must not exist yet and its
    parent must be reachable by the postgres user."""
    if not PGCLUSTER.exists():
        pytest.fail(f"{PGCLUSTER} does not exist (set HOTLINE_SKIP_PG=1 to skip postgres)")
    port = free_port()
    r = subprocess.run([str(PGCLUSTER), "start", str(directory), str(port)],
                       capture_output=True, text=True, timeout=180, cwd=str(REPO))
    if r.returncode != 0:
        pytest.fail(f"pgcluster.sh start failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    lines = r.stdout.strip().splitlines()
    uri = lines[-1].strip() if lines else ""
    if not uri.startswith(("postgres://", "postgresql://")):
        pytest.fail(f"pgcluster.sh start printed no postgres:// URI: {r.stdout!r} {r.stderr!r}")
    return uri


def stop_pg_cluster(directory):
    r = subprocess.run([str(PGCLUSTER), "stop", str(directory)], capture_output=True, text=True,
                       timeout=180, cwd=str(REPO))
    return r.returncode, r.stdout + r.stderr


# --------------------------------------------------------------------------- permission checks

def check_menu_permission(client, admin, menu, collection, item_id, create_body, patch_body=None):
    """ro allows GET only (403 `forbidden` otherwise); no permission is 403 even on GET;
    rw allows writes. `create_body` is a function answering a fresh create body."""
    item = f"{collection}/{item_id}"
    before = expect(admin.get(item), 200)

    ro, _, _ = user_with_role(client, admin, {menu: "ro"})
    assert expect(ro.get(collection), 200)["total"] >= 1
    expect(ro.get(item), 200)
    assert_error(ro.post(collection, json=create_body()), 403, "forbidden")
    if patch_body is not None:
        assert_error(ro.patch(item, json=patch_body), 403, "forbidden")
    assert_error(ro.delete(item), 403, "forbidden")

    other = "logs" if menu != "logs" else "users"
    none, _, _ = user_with_role(client, admin, {other: "rw"})
    assert_error(none.get(collection), 403, "forbidden")
    assert_error(none.get(item), 403, "forbidden")
    assert_error(none.post(collection, json=create_body()), 403, "forbidden")
    if patch_body is not None:
        assert_error(none.patch(item, json=patch_body), 403, "forbidden")
    assert_error(none.delete(item), 403, "forbidden")

    after = expect(admin.get(item), 200)
    assert after == before, "a refused request changed the row"

    rw, _, _ = user_with_role(client, admin, {menu: "rw"})
    expect(rw.post(collection, json=create_body()), 201)
