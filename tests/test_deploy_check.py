"""`manage.py check --deploy` is clean with the production environment that docs/deploy.md documents."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "docs" / "deploy.md"


def production_env() -> dict[str, str]:
    """The KEY=value lines of the block after `<!-- production-env -->` in docs/deploy.md."""
    text = DEPLOY.read_text(encoding="utf-8")
    block = re.search(r"<!-- production-env -->\s*```sh\n(.*?)```", text, re.S)
    assert block, "docs/deploy.md lost its production environment block"
    return dict(line.split("=", 1) for line in block.group(1).splitlines() if "=" in line)


def check_deploy(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MARGIN_", "DJANGO_", "SECURE_", "DATABASE"))}
    # The check reads settings, it does not connect: a PostgreSQL URL is fine without a server.
    full = {**clean, **env, "DJANGO_SETTINGS_MODULE": "config.settings", "MEDIA_ROOT": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_documented_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    result = check_deploy(production_env(), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_check_would_catch_a_missing_setting(tmp_path: Path) -> None:
    env = production_env()
    del env["SECURE_HSTS_SECONDS"]
    result = check_deploy(env, tmp_path)
    assert result.returncode != 0 and "security.W004" in result.stdout + result.stderr
