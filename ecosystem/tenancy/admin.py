from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecosystem.core.errors import ApplicationError

from . import services
from .models import Domain, Orchestrator


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Orchestrator)
class OrchestratorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "slug"]
    readonly_fields = ["schema_name", "slug", "status", "suspended_reason", "created_at"]
    fields = ["name", "schema_name", "slug", "status", "suspended_reason", "created_at"]
    inlines = [DomainInline]
    actions = ["suspend", "reactivate"]

    def has_add_permission(self, request):
        # Tenants are created by sign-up or `manage.py create_orchestrator`,
        # which provision schema, domain and first admin in one transaction.
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(schema_name="public")

    @admin.action(description=gettext_lazy("Suspend selected orchestrators"))
    def suspend(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if "apply" not in request.POST or not reason:
            if "apply" in request.POST:
                messages.error(request, _("Say why the ecosystem is suspended."))
            return TemplateResponse(
                request,
                "admin/tenancy/suspend.html",
                {**self.admin_site.each_context(request), "orchestrators": queryset,
                 "opts": self.model._meta, "title": _("Suspend orchestrators")},
            )  # fmt: skip
        self._apply(request, queryset, lambda o: services.orchestrator_suspend(
            orchestrator=o, reason=reason, operator_email=request.user.email))  # fmt: skip

    @admin.action(description=gettext_lazy("Reactivate selected orchestrators"))
    def reactivate(self, request, queryset):
        self._apply(request, queryset, lambda o: services.orchestrator_reactivate(
            orchestrator=o, operator_email=request.user.email))  # fmt: skip

    def _apply(self, request, queryset, change):
        for orchestrator in queryset:
            try:
                change(orchestrator)
            except ApplicationError as error:
                messages.error(request, f"{orchestrator}: {error.message}")
            else:
                messages.success(request, f"{orchestrator}: {orchestrator.get_status_display()}")
