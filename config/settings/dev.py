"""Local development: `make run`. Never used in production."""

from .base import *  # noqa: F403
from .base import BASE_DIR, SECRET_KEY, env_list

DEBUG = True
# A development key kept outside the repository, made on first use, so no secret is committed.
if not SECRET_KEY:
    _key_file = BASE_DIR / "var" / "dev-secret-key"
    if not _key_file.exists():
        import secrets as _secrets

        _key_file.parent.mkdir(exist_ok=True)
        _key_file.write_text(_secrets.token_urlsafe(50))
    SECRET_KEY = _key_file.read_text().strip()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],0.0.0.0")
