"""Production serving of static files: the manifest storage collects them with hashed
names plus gzip and brotli variants, and WhiteNoise (config.static) serves a hashed name
with a year of immutable caching (docs/deploy.md).

Each step runs in a process of its own with the production settings, as `bin/serve`
would, rather than with the test settings (which keep the plain storage so that tests
need no collectstatic)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STYLESHEET = "css/site.css"

# Fetch one static file through the whole middleware stack of the production settings.
FETCH = """
import json, sys
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="localhost")
out = {}
for url in sys.argv[1:]:
    for encoding in ("", "gzip", "br, gzip"):
        response = client.get(url, secure=True, HTTP_ACCEPT_ENCODING=encoding)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        out[url + " " + (encoding or "identity")] = {
            "status": response.status_code,
            "cache_control": response.get("Cache-Control", ""),
            "content_encoding": response.get("Content-Encoding", ""),
            "vary": response.get("Vary", ""),
            "length": len(body),
        }
print(json.dumps(out))
"""


def _production_env(static_root: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "PYTEST_XDIST_WORKER"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="serving-test-" + "k" * 50,
        STATIC_ROOT=str(static_root),
        ALLOWED_HOSTS="localhost",
        # Static files never touch the database; a file nobody opens keeps it that way.
        DATABASE_URL=f"sqlite:///{static_root.parent / 'unused.sqlite3'}",
    )
    return env


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    static_root = tmp_path_factory.mktemp("serving") / "static"
    env = _production_env(static_root)
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    return static_root, env, manifest["paths"]


def test_collectstatic_writes_hashed_names_with_gzip_and_brotli_variants(collected):
    static_root, _env, paths = collected
    hashed = paths[STYLESHEET]
    assert hashed != STYLESHEET and hashed.startswith("css/site.")
    original = (ROOT / "site" / "static" / STYLESHEET).read_bytes()
    assert (static_root / hashed).read_bytes() == original
    for suffix in (".gz", ".br"):
        variant = static_root / (hashed + suffix)
        assert variant.exists(), variant
        assert 0 < variant.stat().st_size < len(original)


@pytest.fixture(scope="module")
def served(collected):
    """Both names of the stylesheet fetched in each encoding, in one process."""
    _static_root, env, paths = collected
    urls = ["/static/" + paths[STYLESHEET], "/static/" + STYLESHEET]
    result = subprocess.run(  # noqa: S603 - this interpreter, a script of this test
        [sys.executable, "-c", FETCH, *urls],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    fetched = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        "hashed": {
            k.split(" ", 1)[1]: v
            for k, v in fetched.items()
            if k.startswith(urls[0] + " ")
        },
        "plain": {
            k.split(" ", 1)[1]: v
            for k, v in fetched.items()
            if k.startswith(urls[1] + " ")
        },
    }


def test_a_hashed_file_is_served_immutable_for_a_year_and_compressed(served):
    hashed = served["hashed"]
    size = len((ROOT / "site" / "static" / STYLESHEET).read_bytes())
    for encoding in ("identity", "gzip", "br, gzip"):
        assert hashed[encoding]["status"] == 200
        assert (
            hashed[encoding]["cache_control"] == "max-age=31536000, public, immutable"
        )
        assert "Accept-Encoding" in hashed[encoding]["vary"]
    assert hashed["identity"]["content_encoding"] == ""
    assert hashed["identity"]["length"] == size
    assert hashed["gzip"]["content_encoding"] == "gzip"
    assert hashed["br, gzip"]["content_encoding"] == "br"
    assert hashed["br, gzip"]["length"] < hashed["gzip"]["length"] < size


def test_an_unhashed_name_is_cached_briefly(served):
    """The original name stays reachable (an old page may still link it), but its
    content changes with each release, so browsers revalidate it after a minute."""
    plain = served["plain"]["identity"]
    assert plain["status"] == 200
    assert plain["cache_control"] == "max-age=60, public"
