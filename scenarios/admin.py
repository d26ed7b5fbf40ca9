"""Governance portal: scenario lists and their joint confirmation by the regions (9 a).

The admin only collects input and shows state; every rule is in ``scenarios.services``.
Lists show every party's state at a glance (one column per row of ``ysj_protocol.regions``)
through one correlated subquery per party in one query, so the list page costs the same number
of queries for 10 rows or 10,000. A party the current round does not need is shown as such.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from catalog.admin_refusal import RefusalAwareAdminMixin
from catalog.errors import GovernanceError
from trust.models import Region
from ysj_portal.admin_base import ReadOnlyTabularInline
from ysj_portal.history import RevertRefusedMixin
from ysj_protocol import regions

from . import revisions, services
from .models import (
    Decision,
    RegionAdministrator,
    RoundState,
    ScenarioConfirmation,
    ScenarioEvent,
    ScenarioList,
    ScenarioStatus,
)


def decision_subquery(code: str) -> Subquery:
    return Subquery(
        ScenarioConfirmation.objects.filter(
            scenario_list=OuterRef("pk"), revision=OuterRef("revision"), region__code=code
        ).values("decision")[:1]
    )


#: The "waiting for my region" link counts up to this many lists, then shows "99+": the list
#: page then costs the same however many lists wait (the filtered page itself counts exactly).
AWAITING_BADGE_LIMIT = 99


def request_region(request: HttpRequest) -> Region | None:
    """The region of the requesting administrator, looked up once per request."""
    if not hasattr(request, "_governance_region"):
        request._governance_region = services.region_of(request.user)
    return request._governance_region


def awaiting_badge(region: Region) -> str:
    found = awaiting_region(ScenarioList.objects.all(), region).values("pk")[: AWAITING_BADGE_LIMIT + 1].count()
    return f"{AWAITING_BADGE_LIMIT}+" if found > AWAITING_BADGE_LIMIT else str(found)


def awaiting_region(queryset: QuerySet, region: Region) -> QuerySet:
    """Lists in an open round that needs ``region`` and on which it has not decided yet."""
    decided = ScenarioConfirmation.objects.filter(scenario_list=OuterRef("pk"), revision=OuterRef("revision"), region=region)
    pending = queryset.filter(round_state=RoundState.PENDING, round_regions__has_key=region.code)
    return pending.exclude(Exists(decided))


class AwaitingMyRegionFilter(admin.SimpleListFilter):
    title = "待办"
    parameter_name = "awaiting"

    def lookups(self, request, model_admin):
        region = request_region(request)
        return [("mine", f"待{region.name}确认")] if region else []

    def queryset(self, request, queryset):
        if self.value() == "mine":
            region = request_region(request)
            if region is not None:
                return awaiting_region(queryset, region)
            return queryset.none()
        return queryset


class ScenarioListForm(forms.ModelForm):
    change_reason = forms.CharField(
        label="变更说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="修改名称、关联证照目录或有效期时必填；此类修改会使各地区此前的确认失效",
    )

    class Meta:
        model = ScenarioList
        fields = ("code", "name", "entries", "valid_start", "valid_end", "description", "based_on", "applications")

    def __init__(self, *args, **kwargs):
        self.user = kwargs.pop("user", None)
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.user is not None and services.region_of(self.user) is None:
            raise forms.ValidationError("当前账号不是任何地区的管理员，不能登记或修改用证清单")
        substantive = {"name", "entries", "valid_start", "valid_end"} & set(self.changed_data)
        if self.instance.pk and substantive and not (data.get("change_reason") or "").strip():
            self.add_error("change_reason", "修改清单内容须填写变更说明")
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="决定", choices=Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="驳回时必填")
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.REJECTED and not (data.get("reason") or "").strip():
            self.add_error("reason", "驳回须填写理由")
        return data


class ReasonForm(forms.Form):
    """Checked here as well as by the browser's ``required``: a blank reason never reaches the services."""

    reason = forms.CharField(
        label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写原因（不能为空或只含空格）"},
    )


class RegionActorInline(ReadOnlyTabularInline):
    """A list's governance rows show their region and actor: fetched with the rows, not one query each."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("region", "actor")


    # Names as text: a link to the region or the user would answer 403 to a region administrator.
    @admin.display(description="地区")
    def region_name(self, obj) -> str:
        return obj.region.name if obj.region_id else "—"

    @admin.display(description="操作人")
    def actor_name(self, obj) -> str:
        return obj.actor.get_username() if obj.actor_id else "系统"


class ConfirmationInline(RegionActorInline):
    model = ScenarioConfirmation
    fields = ("revision", "region_name", "decision", "reason", "actor_name", "decided_at")
    readonly_fields = fields
    ordering = ("-revision", "region__division_code")
    verbose_name_plural = "各地区决定（全部修订版本）"


class EventInline(RegionActorInline):
    model = ScenarioEvent
    fields = ("at", "kind", "revision", "region_name", "actor_name", "reason")
    readonly_fields = fields
    ordering = ("-at", "-id")
    verbose_name_plural = "流转记录"


@admin.register(ScenarioList)
class ScenarioListAdmin(RevertRefusedMixin, RefusalAwareAdminMixin, SimpleHistoryAdmin):
    form = ScenarioListForm
    change_list_template = "admin/scenarios/scenariolist/change_list.html"
    change_form_template = "admin/scenarios/scenariolist/change_form.html"
    object_history_list_template = "admin/catalog/object_history_list.html"
    object_history_form_template = "admin/catalog/object_history_form.html"
    list_display = ("code", "name", "status_badge", "round_badge", "revision", "regions_at_a_glance", "updated_at")
    list_display_links = ("code", "name")
    list_filter = (AwaitingMyRegionFilter, "status", "round_state", "proposed_by")
    search_fields = ("code", "name")
    list_select_related = ("proposed_by",)
    list_per_page = 50
    show_full_result_count = False
    ordering = ("-modified_at", "-id")
    autocomplete_fields = ("entries", "applications", "based_on")
    inlines = (ConfirmationInline, EventInline)
    readonly_fields = (
        "status", "round_state", "revision", "proposed_by_name", "published_revision", "published_name",
        "published_entry_list", "published_valid_start", "published_valid_end", "first_published_at", "updated_at",
    )
    fieldsets = (
        ("清单（工作版本）", {"fields": ("code", "name", "entries", "valid_start", "valid_end", "description", "based_on")}),
        ("应用系统（9 c）", {"fields": ("applications",)}),
        ("变更说明", {"fields": ("change_reason",)}),
        ("确认与发布", {"fields": ("status", "round_state", "revision", "proposed_by_name")}),
        (f"已发布版本（{regions.parties_label()}确认后生效）", {
            "classes": ("collapse",),
            "fields": ("published_revision", "published_name", "published_entry_list", "published_valid_start",
                       "published_valid_end", "first_published_at", "updated_at"),
        }),
    )

    # ------------------------------------------------------------------ list page
    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        return queryset.annotate(**{f"decision_{code.lower()}": decision_subquery(code) for code in regions.CODES})

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        region = request_region(request)
        extra = {"my_region": region, "parties_text": f"{regions.places_text()}{regions.parties_label()}"}
        if region is not None:
            extra["awaiting_count"] = awaiting_badge(region)
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    @admin.display(description="发布状态", ordering="status")
    def status_badge(self, obj: ScenarioList) -> str:
        colours = {ScenarioStatus.PUBLISHED: "#2e7d32", ScenarioStatus.DRAFT: "#6d6d6d", ScenarioStatus.WITHDRAWN: "#b71c1c"}
        return format_html('<b style="color:{}">{}</b>', colours[obj.status], obj.get_status_display())

    @admin.display(description="确认状态", ordering="round_state")
    def round_badge(self, obj: ScenarioList) -> str:
        return obj.get_round_state_display()

    @admin.display(description=f"{regions.parties_label()}确认（当前修订）")
    def regions_at_a_glance(self, obj: ScenarioList) -> str:
        symbols = {Decision.CONFIRMED: ("✔", "#2e7d32", "已确认"), Decision.REJECTED: ("✘", "#b71c1c", "已驳回"),
                   None: ("…", "#9e9e9e", "待确认")}
        needed = set(obj.needed_regions)
        # A closed round (after a withdrawal) has no current decisions: its old ones are shown as void.
        closed = obj.round_state == RoundState.CLOSED
        cells = []
        for info in regions.REGIONS:
            decision = getattr(obj, f"decision_{info.code.lower()}", None)
            mark, colour, label = symbols.get(decision, symbols[None])
            if info.code not in needed and decision is None:
                mark, colour, label = "—", "#bdbdbd", "本轮无需确认"
            elif closed:
                mark, colour = "○" if decision else "—", "#bdbdbd"
                label = f"第 {obj.revision} 版曾{label}，已不再生效" if decision else "无待确认修订"
            cells.append((colour, f"{info.name}：{label}", info.code.lower(), info.short_name, mark))
        html = format_html_join(" ", '<span style="color:{}" title="{}" data-region="{}">{}{}</span>', cells)
        if closed and obj.status == ScenarioStatus.WITHDRAWN:
            return format_html('{} <span style="color:#b71c1c">（已撤回）</span>', html)
        return html

    # ------------------------------------------------------------------ bulk confirmation
    actions = ["confirm_selected"]

    def has_confirm_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("scenarios.confirm_scenariolist") and request_region(request) is not None

    @admin.action(description="确认所选清单（本地区）", permissions=["confirm"])
    def confirm_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Confirm each selected list for the administrator's region, on the revision shown when selected.

        The intermediate page carries each list's revision; a list edited since is refused (by
        ``services.decide``), the others are confirmed, each in its own transaction.
        """
        region = request_region(request)
        lists = list(queryset.select_related(None).order_by("code"))
        if request.POST.get("confirmed") != "yes":
            rows = [(obj, services.decision_refusal(obj, region)) for obj in lists]
            context = {
                **self.admin_site.each_context(request),
                "title": f"代表{region.name}确认所选用证清单",
                "opts": self.model._meta,
                "eligible": [obj for obj, why in rows if not why],
                "refused": [(obj, why) for obj, why in rows if why],
                "my_region": region,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/scenarios/scenariolist/confirm_selected.html", context)
        confirmed, published, refused = [], [], []
        for obj in lists:
            shown = request.POST.get(f"revision_{obj.pk}", "")
            if not shown.isdigit():
                refused.append(f"{obj.code}：未收到审阅时的修订版本，未作决定")
                continue
            try:
                result = services.decide(obj, actor=request.user, region=region, revision=int(shown),
                                         decision=Decision.CONFIRMED)
            except GovernanceError as exc:
                refused.append(f"{obj.code}：{exc}")
                continue
            (published if result.published else confirmed).append(f"{obj.code}（第 {shown} 版）")
        if confirmed:
            self.message_user(request, f"已代表{region.name}确认：{'、'.join(confirmed)}。", messages.SUCCESS)
        if published:
            self.message_user(request, f"已代表{region.name}确认并因各地区均已确认而发布：{'、'.join(published)}。",
                              messages.SUCCESS)
        if refused:
            self.message_user(request, f"以下清单未确认：{'；'.join(refused)}。", messages.ERROR)
        return None

    # ------------------------------------------------------------------ form
    def get_form(self, request: HttpRequest, obj: ScenarioList | None = None, change: bool = False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class BoundForm(form_class):
            def __init__(self, *args, **kw):
                kw["user"] = user
                super().__init__(*args, **kw)

        return BoundForm

    def get_fieldsets(self, request: HttpRequest, obj: ScenarioList | None = None):
        # A reader (no change permission) has nothing to explain: no empty "变更说明" row.
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return [(name, opts) for name, opts in fieldsets if "change_reason" not in opts["fields"]]
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: ScenarioList | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "code"] if obj is not None else fields

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        """Mutual reference (9 a): ``?based_on=<id>`` starts from another region's list."""
        initial = super().get_changeform_initial_data(request)
        source_id = request.GET.get("based_on")
        if source_id and source_id.isdigit():
            source = ScenarioList.objects.filter(pk=source_id).first()
            if source is not None:
                initial.update(
                    based_on=source.pk, name=source.name, entries=list(source.entries.values_list("pk", flat=True)),
                    valid_start=source.valid_start, valid_end=source.valid_end, description=source.description,
                )
        return initial

    @admin.display(description="登记地区")
    def proposed_by_name(self, obj: ScenarioList) -> str:
        return obj.proposed_by.name if obj.proposed_by_id else "—"

    @admin.display(description="已发布的关联证照目录")
    def published_entry_list(self, obj: ScenarioList) -> str:
        return "、".join(str(e) for e in obj.published_entries.all()) or "—"

    def save_model(self, request: HttpRequest, obj: ScenarioList, form, change: bool) -> None:
        data = form.cleaned_data
        reason = (data.get("change_reason") or "").strip()
        try:
            if not change:
                services.register_proposal(
                    actor=request.user, code=data["code"], name=data["name"], entries=data["entries"],
                    valid_start=data["valid_start"], valid_end=data.get("valid_end"),
                    description=data.get("description", ""), based_on=data.get("based_on"),
                    applications=data.get("applications") or [], reason=reason, instance=obj,
                )
                self.message_user(request, f"已登记用证清单，等待{self.parties_text(obj)}分别确认。", messages.INFO)
                return
            result = services.edit_list(
                obj, actor=request.user, name=data["name"], entries=data["entries"], valid_start=data["valid_start"],
                valid_end=data.get("valid_end"), description=data.get("description", ""),
                applications=data.get("applications"), reason=reason,
            )
            self.message_user(request, result.message, messages.WARNING if result.reset_regions else messages.INFO)
        except GovernanceError as exc:  # a rule the form could not see (e.g. a concurrent change)
            self.refuse_save(exc)  # rolled back, the form is shown again with the refusal

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        """Entries and applications are set by the services, with the revision rules."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request: HttpRequest, obj: ScenarioList | None = None) -> bool:
        # Lists are withdrawn, never deleted: the regions and the evidence refer to them.
        return False

    # ------------------------------------------------------------------ workflow views
    def get_urls(self):
        urls = super().get_urls()
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/", view(self.decide_view), name="scenarios_scenariolist_decide"),
            path("<int:pk>/withdraw/", view(self.withdraw_view), name="scenarios_scenariolist_withdraw"),
            path("<int:pk>/reopen/", view(self.reopen_view), name="scenarios_scenariolist_reopen"),
            *urls,
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        region = services.region_of(request.user)
        context.update(my_region=region, region_states=self.region_states(obj) if obj else [],
                       parties_label=services.parties_label(obj) if obj else regions.parties_label())
        if obj is not None and region is not None and request.user.has_perm("scenarios.confirm_scenariolist"):
            context["can_decide"] = not services.decision_refusal(obj, region)
            context["decided"] = ScenarioConfirmation.objects.filter(
                scenario_list=obj, revision=obj.revision, region=region
            ).exists()
        if obj is not None:
            context["withdrawal"] = self.last_withdrawal(obj)
            context["decisions_stale"] = obj.round_state == RoundState.CLOSED
            context["can_withdraw"] = request.user.has_perm("scenarios.withdraw_scenariolist")
            context["can_reopen"] = request.user.has_perm("scenarios.change_scenariolist") and region is not None
            context["can_add"] = self.has_add_permission(request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @staticmethod
    def last_withdrawal(obj: ScenarioList) -> ScenarioEvent | None:
        """The withdrawal in force (the list is withdrawn), with who did it and why."""
        if obj.status != ScenarioStatus.WITHDRAWN:
            return None
        return obj.events.filter(kind="withdrawn").select_related("actor", "region").order_by("-at", "-id").first()

    def region_states(self, obj: ScenarioList) -> list[dict]:
        """The decisions on the current revision of every region its round needs."""
        decisions = {
            c.region.code: c
            for c in ScenarioConfirmation.objects.filter(scenario_list=obj, revision=obj.revision).select_related("region", "actor")
        }
        return [
            {"code": code, "name": regions.name_of(code), "decision": decisions.get(code)} for code in obj.needed_regions
        ]

    @staticmethod
    def parties_text(obj: ScenarioList) -> str:
        """``上海、江苏、浙江、安徽四地``: the regions the list's round needs, as the messages name them."""
        return f"{regions.places_text(obj.needed_regions)}{services.parties_label(obj)}"

    def _object(self, request: HttpRequest, pk: int) -> ScenarioList:
        obj = get_object_or_404(ScenarioList, pk=pk)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        return obj

    def _back(self, obj: ScenarioList) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:scenarios_scenariolist_change", args=[obj.pk]))

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self._object(request, pk)
        if not request.user.has_perm("scenarios.confirm_scenariolist"):
            raise PermissionDenied
        region = request_region(request)
        refusal = services.decision_refusal(obj, region)
        form = None if refusal else DecisionForm(request.POST or None, initial={"revision": obj.revision})
        if request.method == "POST" and form is None:
            # Decided meanwhile (another tab, a colleague of the region): show the decision, not a refusal.
            self.message_user(request, refusal, messages.WARNING)
            return HttpResponseRedirect(request.path)
        if request.method == "POST" and form.is_valid():
            # The region acted for is always the administrator's own: it is never taken from the form.
            try:
                result = services.decide(
                    obj, actor=request.user, region=region, revision=form.cleaned_data["revision"],
                    decision=form.cleaned_data["decision"], reason=form.cleaned_data.get("reason", ""),
                )
            except GovernanceError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return self._back(obj)
            obj.refresh_from_db()
            if result.published:
                message = f"{services.parties_label(obj)}均已确认，本清单已发布，并已写入向{regions.places_text()}{regions.parties_label()}发布的投递队列。"
            elif form.cleaned_data["decision"] == Decision.REJECTED:
                message = f"已代表{region.name}驳回第 {obj.revision} 版。{services.after_rejection(obj)}"
            else:
                names = "、".join(regions.name_of(code) for code in result.confirmed_regions)
                message = f"已代表{region.name}确认第 {obj.revision} 版（已确认：{names}）。"
            self.message_user(request, message, messages.SUCCESS)
            return self._back(obj)
        my_decision = None
        if region is not None:
            my_decision = (
                ScenarioConfirmation.objects.filter(scenario_list=obj, revision=obj.revision, region=region)
                .select_related("actor").first()
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"审阅并确认用证清单：{obj}",
            "object": obj,
            "opts": self.model._meta,
            "form": form,
            "refusal": refusal,
            "my_region": region,
            "my_decision": my_decision,
            "diff": revisions.diff_since(obj, region),
            "region_states": self.region_states(obj),
            "parties_label": services.parties_label(obj),
        }
        return TemplateResponse(request, "admin/scenarios/scenariolist/decide.html", context)

    def _reason_view(self, request: HttpRequest, pk: int, *, title: str, verb: str, apply, permission: str) -> HttpResponse:
        obj = self._object(request, pk)
        if not request.user.has_perm(permission):
            raise PermissionDenied
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                apply(obj, request.user, form.cleaned_data["reason"])
            except GovernanceError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"已{verb}：{obj}", messages.SUCCESS)
            return self._back(obj)
        context = {
            **self.admin_site.each_context(request),
            "title": title, "object": obj, "opts": self.model._meta, "form": form, "verb": verb,
            "parties_text": f"{regions.places_text()}{regions.parties_label()}",
        }
        return TemplateResponse(request, "admin/scenarios/scenariolist/reason.html", context)

    def withdraw_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._reason_view(
            request, pk, title="撤回用证清单", verb="撤回", permission="scenarios.withdraw_scenariolist",
            apply=lambda obj, user, reason: services.withdraw_list(obj, actor=user, reason=reason),
        )

    def reopen_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._reason_view(
            request, pk, title=f"重新提请{regions.parties_label()}确认", verb="重新提请确认",
            permission="scenarios.change_scenariolist",
            apply=lambda obj, user, reason: services.reopen(obj, actor=user, reason=reason),
        )


@admin.register(RegionAdministrator)
class RegionAdministratorAdmin(admin.ModelAdmin):
    list_display = ("user", "region", "created_at")
    list_filter = ("region",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    list_select_related = ("user", "region")
    autocomplete_fields = ("user",)

    def get_fields(self, request: HttpRequest, obj: RegionAdministrator | None = None):
        # Read-only viewers (region administrators) see names, not links to user and region pages
        # they may not open.
        if obj is not None and not self.has_change_permission(request, obj):
            return ("user_name", "region_name", "created_at")
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: RegionAdministrator | None = None):
        if obj is not None and not self.has_change_permission(request, obj):
            return ("user_name", "region_name", "created_at")
        return super().get_readonly_fields(request, obj)

    @admin.display(description="用户")
    def user_name(self, obj: RegionAdministrator) -> str:
        full = obj.user.get_full_name()
        return f"{obj.user.get_username()}（{full}）" if full else obj.user.get_username()

    @admin.display(description="所属地区")
    def region_name(self, obj: RegionAdministrator) -> str:
        return obj.region.name
