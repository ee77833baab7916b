"""Mails to users, each rendered in the language they last used the site in (sent by Celery tasks)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import connection
from django.template.loader import render_to_string
from django.utils import translation


def mail_users(users: Iterable[Any], template: str, context: dict | Callable[[Any], dict]) -> int:
    """One message per user: `<template>_subject.txt` and `<template>.txt` rendered in the user's language,
    with `user` and `tenant` in the context (`context` may be a function of the user); how many were sent."""
    messages = []
    for user in users:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            own = context(user) if callable(context) else context
            ctx = {**own, "user": user, "tenant": connection.tenant}
            subject = render_to_string(f"{template}_subject.txt", ctx).strip()
            body = render_to_string(f"{template}.txt", ctx)
        messages.append((subject, body, None, [user.email]))
    return send_mass_mail(messages) if messages else 0
