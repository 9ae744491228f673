"""GET /api/v1/health and GET /metrics."""
import re

from e2e_helpers import expect

SAMPLE_RE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+([-+]?(?:[0-9.]+(?:[eE][-+]?[0-9]+)?|NaN|[+-]?Inf))(\s+-?\d+)?$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Parse Prometheus text exposition; answer (samples, types).

    samples: list of (name, {label: value}, float); types: {name: type}.
    Fails on a line that is neither a comment nor a valid sample.
    """
    samples, types = [], {}
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split()
            if len(parts) >= 4 and parts[1] == "TYPE":
                types[parts[2]] = parts[3]
            continue
        m = SAMPLE_RE.match(line)
        assert m, f"not a Prometheus sample line: {line!r}"
        labels = {}
        if m.group(3):
            rest = m.group(3).strip().rstrip(",")
            found = LABEL_RE.findall(rest)
            rebuilt = ",".join(f'{k}="{v}"' for k, v in found)
            assert rebuilt == re.sub(r"\s*,\s*", ",", rest), f"bad label set in {line!r}"
            labels = dict(found)
        samples.append((m.group(1), labels, float(m.group(4))))
    return samples, types


def get_metrics(client):
    # /metrics is for loopback clients: ask from 127.0.0.1 itself
    r = client.anon(source_ip="127.0.0.1").get("/metrics")
    assert r.status_code == 200, r.text[:300]
    ctype = r.headers.get("Content-Type", "")
    assert ctype.startswith("text/plain"), f"/metrics Content-Type {ctype!r}"
    return parse_metrics(r.text)


def health_count(samples, status):
    return sum(v for n, l, v in samples
               if n == "hotline_http_requests_total" and "health" in l.get("route", "")
               and l.get("status") == status)


def test_health_shape(client, backend):
    r = client.get("/api/v1/health")
    b = expect(r, 200)
    assert r.headers.get("Content-Type", "").startswith("application/json")
    assert set(b) >= {"status", "version", "db"}, b
    assert b["status"] == "ok"
    assert b["version"] == "0.1.0"
    assert b["db"] == backend.name


def test_health_needs_no_auth_even_with_bad_token(client):
    r = client.get("/api/v1/health", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 200, r.text


def test_metrics_is_prometheus_text(client):
    client.get("/api/v1/health")
    samples, types = get_metrics(client)
    names = {n for n, _, _ in samples}
    assert "hotline_http_requests_total" in names
    assert "hotline_store_queue_depth" in names
    assert types.get("hotline_http_requests_total") == "counter", types
    for n, labels, v in samples:
        if n == "hotline_http_requests_total":
            assert "route" in labels and "status" in labels, (n, labels)
            assert re.fullmatch(r"[1-5][0-9][0-9]", labels["status"]), labels
            assert v >= 0 and v == int(v)
        if n == "hotline_store_queue_depth":
            assert v >= 0


def test_metrics_counts_requests_by_route_and_status(client):
    before, _ = get_metrics(client)
    for _ in range(3):
        assert client.get("/api/v1/health").status_code == 200
    client.get("/api/v1/users")  # 401: unauthenticated
    after, _ = get_metrics(client)
    assert health_count(after, "200") >= health_count(before, "200") + 3, \
        [s for s in after if s[0] == "hotline_http_requests_total"]
    statuses = {l.get("status") for n, l, _ in after if n == "hotline_http_requests_total"}
    assert "401" in statuses, statuses


def test_metrics_needs_no_auth(client):
    r = client.anon(source_ip="127.0.0.1").get("/metrics")
    assert r.status_code == 200
