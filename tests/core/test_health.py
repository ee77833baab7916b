import pytest
from celery import Celery
from django.conf import settings

from ecosystem.core.health import check_redis, check_worker


@pytest.mark.worker
@pytest.mark.parametrize("host", ["localhost", "alpha.localhost", "unknown.localhost", "127.0.0.1"])
def test_healthz_answers_200_on_every_host_when_all_parts_are_up(client, db, tenants, worker, host):
    response = client.get("/healthz", HTTP_HOST=host)

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok", "worker": "ok"}


def test_healthz_answers_503_naming_redis_when_it_is_down(client, db, tenants, settings, tmp_path):
    settings.REDIS_URL = f"unix://{tmp_path}/nothing-here.sock"

    response = client.get("/healthz", HTTP_HOST="localhost")

    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["redis"].startswith("error: ConnectionError")
    assert body["worker"] == "error: broker unreachable"


def test_worker_check_fails_when_no_worker_listens():
    # A real broker (the test Redis, a database no worker uses), no worker on it.
    broker = settings.CELERY_BROKER_URL
    broker = broker.rsplit("=", 1)[0] + "=15" if "virtual_host=" in broker else broker.rsplit("/", 1)[0] + "/15"
    lonely = Celery("lonely", broker=broker, set_as_current=False)

    assert check_worker(app=lonely, timeout=0.3) == "error: no Celery worker answered"


def test_redis_check_reports_the_error(tmp_path):
    assert check_redis(f"unix://{tmp_path}/none.sock").startswith("error: ConnectionError")
