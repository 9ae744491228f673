"""The API description moves with the code: docs/openapi.yaml parses, and
every route of src/api/routes.c is in it with its method."""
import pathlib
import re

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


def routes():
    text = (ROOT / "src/api/routes.c").read_text()
    return re.findall(r'\{"(GET|POST|PUT|PATCH|DELETE)", "(/api/v1/[^"]*|/metrics)"', text)


def test_openapi_parses_and_covers_every_route():
    doc = yaml.safe_load((ROOT / "docs/openapi.yaml").read_text())
    paths = doc["paths"]
    found = routes()
    assert len(found) > 50
    missing = []
    for method, path in found:
        rel = path[len("/api/v1"):] if path.startswith("/api/v1") else path
        entry = paths.get(rel) or paths.get(path)
        if not entry or method.lower() not in entry:
            missing.append(f"{method} {path}")
    assert not missing, missing
