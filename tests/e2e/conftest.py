"""Harness of the end-to-end suite: runs the real hotlined and talks HTTP to it.

Every test runs once per backend (`sqlite`, `postgres`; HOTLINE_SKIP_PG=1 skips postgres).
One daemon per backend serves most tests; tests that need their own instance (login
lock-out, shutdown) use the `make_daemon` factory.

Environment:
  HOTLINE_BIN      daemon binary (default build/asan/hotlined under the repo root)
  HOTLINE_SKIP_PG  1 to skip the postgres backend
"""
import os
import shutil
import tempfile

import pytest

from e2e_helpers import (ADMIN_PASSWORD, DEMO, OPERATOR_PASSWORD, SYSTEM, Backend, Daemon,
                         start_pg_cluster, stop_pg_cluster)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request, tmp_path_factory):
    if request.param == "sqlite":
        yield Backend("sqlite")
        return
    if os.environ.get("HOTLINE_SKIP_PG") == "1":
        pytest.skip("HOTLINE_SKIP_PG=1")
    # pytest's temp dirs are 0700; the cluster runs as the postgres user, so it lives
    # in a directory of its own that the postgres user can enter
    parent = tempfile.mkdtemp(prefix="hotline-e2e-pg-")
    os.chmod(parent, 0o711)
    directory = os.path.join(parent, "cluster")
    try:
        uri = start_pg_cluster(directory)
        yield Backend("postgres", uri, directory)
    finally:
        stop_pg_cluster(directory)
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="session")
def daemon(backend, tmp_path_factory):
    """The shared daemon of this backend."""
    d = Daemon(tmp_path_factory.mktemp(f"hotlined-{backend.name}"), backend.fresh_db(),
               name=f"hotlined[{backend.name}]")
    d.start()
    yield d
    if not d.stopped:  # normally test_shared_daemon_stops_cleanly has stopped it
        d.stop_and_check()


@pytest.fixture(scope="session")
def client(daemon):
    return daemon.client()


@pytest.fixture(scope="session")
def admin(client):
    """Session of the demo tenant's administrator (bearer token)."""
    return client.login(DEMO, "admin", ADMIN_PASSWORD)


@pytest.fixture(scope="session")
def operator(client):
    """Session of the platform operator (tenant `system`)."""
    return client.login(SYSTEM, "operator", OPERATOR_PASSWORD)


@pytest.fixture
def make_daemon(backend, tmp_path):
    """Factory for a private daemon (fresh data dir and database) of the current backend.

    Each is stopped at the end of the test, which fails if it does not stop cleanly.
    """
    made = []

    def factory(**kw):
        d = Daemon(tmp_path / f"d{len(made)}", backend.fresh_db(),
                   name=f"private hotlined[{backend.name}]", **kw)
        made.append(d)
        d.start()
        return d

    yield factory
    problems = []
    for d in made:
        if d.proc is not None and not d.stopped:
            for p in d.stop_problems():
                problems.append(p + f"\n--- stderr ---\n{d.stderr_tail()}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(autouse=True)
def _shared_daemon_still_alive(request):
    """Fail the test right away (with stderr) if it killed the shared daemon."""
    yield
    if "daemon" not in request.fixturenames:
        return
    d = request.getfixturevalue("daemon")
    if not d.alive() and not d.stopped:
        pytest.fail(f"{d.name} died during this test (exit {d.proc.poll()})\n"
                    f"--- stderr tail ---\n{d.stderr_tail()}", pytrace=False)


LAST = "test_shared_daemon_stops_cleanly"


# Call and media tests whose outcome does not depend on the store: they run on one backend
# only (their records and rows are the same SQL; the API and unit tests of those rows run
# on both backends). Keeps the suite well under its 20-minute budget on two cores:
# tests/run.sh runs the two backends side by side, so these are shared out between them —
# SQLite's, and PostgreSQL's (on SQLite when HOTLINE_SKIP_PG=1).
STORE_INDEPENDENT = {
    "test_attended_transfer", "test_keyed_transfer", "test_inband_dtmf", "test_conference",
    "test_media_play", "test_prompts", "test_voicemail_calls", "test_call_recording",
    "test_codecs", "test_session_timers", "test_linphone", "test_codec_lists",
    "test_acd_waiting", "test_acd_multicall", "test_click_to_call",
}
ON_POSTGRES = {
    "test_ivr_calls", "test_acd_monitor", "test_acd_agentcall", "test_acd_phones",
    "test_acd_erlang", "test_acd_consult",
}


def wrong_backend(module, backend):
    """A store-independent test on the backend it does not run on."""
    if module in ON_POSTGRES and os.environ.get("HOTLINE_SKIP_PG") != "1":
        return backend == "sqlite"
    if module in STORE_INDEPENDENT or module in ON_POSTGRES:
        return backend == "postgres"
    return False


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """Run test_shared_daemon_stops_cleanly[backend] right after the last other test of its
    backend, so a daemon that does not stop cleanly fails that test (and not the set-up of
    whatever test comes next). The store-independent modules run on one backend."""
    def backend_of(item):
        cs = getattr(item, "callspec", None)
        return cs.params.get("backend") if cs else None

    # HOTLINE_E2E_BACKEND=sqlite|postgres: only that backend's tests (the tests with no
    # backend go with sqlite), so tests/run.sh runs the two backends side by side.
    only = os.environ.get("HOTLINE_E2E_BACKEND")
    dropped = [i for i in items if wrong_backend(i.module.__name__, backend_of(i))
               or (only and (backend_of(i) or "sqlite") != only)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i not in dropped]

    finals = [i for i in items if i.originalname == LAST]
    if not finals:
        return
    rest = [i for i in items if i.originalname != LAST]
    for f in finals:
        be = backend_of(f)
        idx = max((n for n, i in enumerate(rest) if backend_of(i) == be), default=len(rest) - 1)
        rest.insert(idx + 1, f)
    items[:] = rest
