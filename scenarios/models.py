"""Scenario lists (用证清单, 6.3, 9) and their joint confirmation by the regions (9 a).

A list carries two layers in one row:

- the *working copy* (``name``, ``entries``, ``valid_start``/``valid_end``) that regions register
  and edit; every substantive edit raises ``revision`` and opens a new confirmation round;
- the *live copy* (``published_*``), which is what the regions confirmed and what the hub
  serves (12.1.4, 7.3 checks) and publishes. It changes only when every region the round needs
  confirmed the same revision, or narrows when a linked catalog entry is withdrawn (9 b).

A confirmation counts for the revision it was given on; the database allows one decision per
region per revision, so concurrent confirmations cannot produce a wrong state. The regions a
round needs are recorded on the list when the round opens (``round_regions``), from the parties'
table (``ysj_protocol.regions``): a party added later changes the rounds opened after it only.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.models import CODE_VALIDATOR
from ysj_protocol import regions


class ScenarioStatus(models.TextChoices):
    DRAFT = "draft", "未发布"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"


class RoundState(models.TextChoices):
    PENDING = "pending", "待确认"
    REJECTED = "rejected", "已驳回"
    CONFIRMED = "confirmed", "已共同确认"
    CLOSED = "closed", "无待确认修订"


class Decision(models.TextChoices):
    CONFIRMED = "confirmed", "确认"
    REJECTED = "rejected", "驳回"


def current_parties() -> dict[str, str]:
    """The regions a round opened now needs: every party of the table, code to name, in its order."""
    return {info.code: info.name for info in regions.REGIONS}


class ScenarioListQuerySet(models.QuerySet):
    def published(self) -> ScenarioListQuerySet:
        return self.filter(status=ScenarioStatus.PUBLISHED)

    def valid_at(self, at: datetime | None = None) -> ScenarioListQuerySet:
        """Published and inside the confirmed validity window (6.3 d: an empty end is indefinite)."""
        at = at or timezone.now()
        return (
            self.published()
            .filter(published_valid_start__lte=at)
            .filter(Q(published_valid_end__isnull=True) | Q(published_valid_end__gt=at))
        )


class ScenarioList(models.Model):
    """A scenario list (用证清单): the certificate types a service scenario may use."""

    code = models.CharField(
        "清单编码 itemCode", max_length=64, unique=True, validators=[CODE_VALIDATOR],
        help_text="由三省一市共同拟定（6.3 a）；登记后不可修改",
    )
    name = models.CharField("清单名称 itemName", max_length=200, db_index=True)
    entries = models.ManyToManyField(
        "catalog.CatalogEntry", verbose_name="关联证照目录", related_name="scenario_lists",
        help_text="至少关联一个证照目录（6.3 b）",
    )
    valid_start = models.DateTimeField("有效开始时间", default=timezone.now)
    valid_end = models.DateTimeField("失效结束时间", null=True, blank=True, help_text="留空表示长期有效（6.3 d）")
    description = models.TextField("说明", blank=True)

    revision = models.PositiveIntegerField("修订版本", default=1, editable=False)
    round_state = models.CharField(
        "确认状态", max_length=16, choices=RoundState.choices, default=RoundState.PENDING, editable=False
    )
    # A JSON object (code -> name) rather than a list, so that "rounds needing region X" is a
    # has_key lookup on every database.
    round_regions = models.JSONField(
        "本轮需确认的地区", default=current_parties, editable=False,
        help_text="本轮确认开启时记录的地区（代码：名称）；此后新增的地区不改变已开启的确认轮次",
    )
    proposed_by = models.ForeignKey(
        "trust.Region", verbose_name="登记地区", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        editable=False,
    )
    based_on = models.ForeignKey(
        "self", verbose_name="参考清单", null=True, blank=True, on_delete=models.SET_NULL, related_name="derived",
        help_text="互相参考（9 a）：以其他地区已有清单为基础登记",
    )

    status = models.CharField(
        "发布状态", max_length=16, choices=ScenarioStatus.choices, default=ScenarioStatus.DRAFT, editable=False
    )
    published_revision = models.PositiveIntegerField("已发布修订版本", null=True, blank=True, editable=False)
    published_name = models.CharField("已发布名称", max_length=200, blank=True, editable=False)
    published_entries = models.ManyToManyField(
        "catalog.CatalogEntry", verbose_name="已发布的关联证照目录", related_name="published_scenario_lists",
        blank=True, editable=False,
    )
    published_valid_start = models.DateTimeField("已发布有效开始时间", null=True, blank=True, editable=False)
    published_valid_end = models.DateTimeField("已发布失效结束时间", null=True, blank=True, editable=False)
    first_published_at = models.DateTimeField("首次发布时间", null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(
        "最后更新时间", null=True, blank=True, editable=False, help_text="即 12.1.4 的 updateTime"
    )

    applications = models.ManyToManyField(
        "trust.TrustedApplication", verbose_name="关联应用系统", related_name="scenario_lists", blank=True,
        help_text="仅关联的电子证照应用系统可使用本清单（9 c）",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    modified_at = models.DateTimeField("修改时间", auto_now=True)

    history = HistoricalRecords(verbose_name="用证清单历史", m2m_fields=[entries], excluded_fields=["modified_at"])
    objects = ScenarioListQuerySet.as_manager()

    class Meta:
        verbose_name = "用证清单"
        verbose_name_plural = "用证清单"
        ordering = ["code"]
        indexes = [
            models.Index(fields=["status", "published_valid_start", "published_valid_end"], name="scenario_live_window"),
            models.Index(fields=["round_state", "revision"], name="scenario_round"),
            # The admin's list order (most recently changed first), whole and "waiting for my region".
            models.Index(fields=["-modified_at", "-id"], name="scenario_recent"),
            models.Index(fields=["round_state", "-modified_at", "-id"], name="scenario_round_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_end__isnull=True) | Q(valid_end__gt=models.F("valid_start")),
                name="scenario_valid_end_after_start",
                violation_error_message="失效结束时间应晚于有效开始时间",
            ),
        ]
        permissions = [
            ("confirm_scenariolist", "代表本地区确认或驳回用证清单"),
            ("withdraw_scenariolist", "撤回用证清单"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def clean(self) -> None:
        if self.valid_end and self.valid_start and self.valid_end <= self.valid_start:
            raise ValidationError({"valid_end": "失效结束时间应晚于有效开始时间"})

    @property
    def is_published(self) -> bool:
        return self.status == ScenarioStatus.PUBLISHED

    @property
    def needed_regions(self) -> list[str]:
        """Codes of the regions whose confirmation the current round needs, in the table's order.

        A row that recorded none (written around the services) needs every party of the table.
        """
        return regions.ordered(self.round_regions) if self.round_regions else list(regions.CODES)

    def open_round(self, parties: dict[str, str]) -> None:
        """Put the next revision to confirmation by ``parties`` (code -> name), recorded now."""
        self.revision = self.revision + 1 if self.pk else 1
        self.round_state = RoundState.PENDING
        self.round_regions = dict(parties)

    def is_valid_at(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return (
            self.is_published
            and self.published_valid_start is not None
            and self.published_valid_start <= at
            and (self.published_valid_end is None or self.published_valid_end > at)
        )


class ScenarioConfirmation(models.Model):
    """One region's decision on one revision of a list; one per region per revision (database-enforced)."""

    scenario_list = models.ForeignKey(ScenarioList, verbose_name="用证清单", on_delete=models.CASCADE, related_name="confirmations")
    region = models.ForeignKey("trust.Region", verbose_name="地区", on_delete=models.PROTECT, related_name="+")
    revision = models.PositiveIntegerField("修订版本")
    decision = models.CharField("决定", max_length=16, choices=Decision.choices)
    reason = models.TextField("理由", blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "地区确认"
        verbose_name_plural = "地区确认"
        ordering = ["scenario_list", "revision", "region"]
        constraints = [
            models.UniqueConstraint(fields=["scenario_list", "region", "revision"], name="scenario_one_decision_per_round"),
            models.CheckConstraint(
                condition=~Q(decision="rejected") | ~Q(reason=""),
                name="scenario_rejection_has_reason",
                violation_error_message="驳回须填写理由",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region.name}对第 {self.revision} 版的决定：{self.get_decision_display()}"


class EventKind(models.TextChoices):
    PROPOSED = "proposed", "登记"
    EDITED = "edited", "修改"
    ROUND_RESET = "round_reset", "确认重置"
    CONFIRMED = "confirmed", "地区确认"
    REJECTED = "rejected", "地区驳回"
    PUBLISHED = "published", "发布"
    UPDATED = "updated", "随证照目录更新（9 b）"
    WITHDRAWN = "withdrawn", "撤回"
    REOPENED = "reopened", "重新提请确认"


class ScenarioEvent(models.Model):
    """The governance log of a list: every step with actor, region, time and reason."""

    scenario_list = models.ForeignKey(ScenarioList, verbose_name="用证清单", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事件", max_length=16, choices=EventKind.choices)
    revision = models.PositiveIntegerField("修订版本")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    region = models.ForeignKey("trust.Region", verbose_name="地区", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("说明", blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "清单流转记录"
        verbose_name_plural = "清单流转记录"
        ordering = ["scenario_list", "at", "id"]
        indexes = [models.Index(fields=["scenario_list", "at"], name="scenario_event_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（第 {self.revision} 版）"


class RegionAdministrator(models.Model):
    """A staff user who acts for one region in the governance workflow."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="region_admin")
    region = models.ForeignKey("trust.Region", verbose_name="所属地区", on_delete=models.PROTECT, related_name="administrators")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "地区管理员"
        verbose_name_plural = "地区管理员"
        ordering = ["region", "user"]

    def __str__(self) -> str:
        return f"{self.user.get_username()}（{self.region.name}地区管理员）"
