from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from ecosystem.accounts.models import User
from ecosystem.tenancy.tasks import clear_expired_sessions_everywhere


def test_the_beat_task_clears_expired_sessions_in_every_active_tenant(tenants, db):
    for slug in ("alpha", "beta"):
        with schema_context(slug):
            for key, age in (("old", -1), ("new", 1)):
                store = SessionStore(session_key=f"{slug}-{key}-session-key-0123456789")
                store.save(must_create=True)
                Session.objects.filter(session_key=store.session_key).update(
                    expire_date=timezone.now() + timedelta(days=age)
                )
    connection.set_schema_to_public()

    dispatched = clear_expired_sessions_everywhere.delay().get()

    assert dispatched == 2
    for slug in ("alpha", "beta"):
        with schema_context(slug):
            assert sorted(Session.objects.values_list("session_key", flat=True)) == [
                f"{slug}-new-session-key-0123456789"
            ]


def test_a_platform_operator_signs_in_to_the_admin_and_a_wrong_password_is_refused(public_client):
    connection.set_schema_to_public()
    User.objects.create_superuser("op@symbiose.test", "operator-pass-123")

    wrong = public_client.post("/admin/login/?next=/admin/", {"username": "op@symbiose.test", "password": "nope"})
    right = public_client.post(
        "/admin/login/?next=/admin/", {"username": "op@symbiose.test", "password": "operator-pass-123"}
    )
    listing = public_client.get("/admin/tenancy/orchestrator/")

    assert wrong.status_code == 200 and "correct email" in wrong.content.decode()
    assert right.status_code == 302
    assert listing.status_code == 200
