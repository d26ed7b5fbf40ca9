"""The joint confirmation workflow of scenario lists (9 a) and their publication (6.1, 6.3).

Rules enforced here, whatever the caller (admin, command, API):

- a region's administrator decides only for that region; a superuser without a region decides
  for none;
- a decision is bound to the revision it was given on; the database keeps one per region per
  revision; the list row is locked while deciding, so simultaneous confirmations publish exactly
  once;
- a round needs the regions recorded on the list when it opened (``open_round``: every party of
  ``ysj_protocol.regions`` at that moment); only those decide on it, and a list is published
  only from ``decide`` when all of them confirmed the current revision;
- a substantive edit (name, catalog entries, validity window) opens a new revision: the previous
  decisions stop counting and the log says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.errors import GovernanceError
from catalog.models import CatalogEntry, CatalogStatus, Publication, PublicationAction, PublicationKind
from catalog.outbox import record_publication
from trust.models import Region, TrustedApplication
from ysj_portal.history import save_with_history
from ysj_protocol import regions

from .models import (
    Decision,
    EventKind,
    RegionAdministrator,
    RoundState,
    ScenarioConfirmation,
    ScenarioEvent,
    ScenarioList,
    ScenarioStatus,
    current_parties,
)
from .payloads import scenario_publication_payload
from .signals import scenario_event_logged


@dataclass(slots=True)
class DecisionResult:
    confirmation: ScenarioConfirmation
    published: bool
    confirmed_regions: list[str]


def region_of(user: AbstractBaseUser | None) -> Region | None:
    """The region a user administers, or None."""
    if user is None or not getattr(user, "pk", None):
        return None
    admin = RegionAdministrator.objects.select_related("region").filter(user_id=user.pk).first()
    return admin.region if admin else None


def _actor_region(actor: AbstractBaseUser, region: Region | None = None) -> Region:
    own = region_of(actor)
    if own is None:
        raise GovernanceError("当前账号不是任何地区的管理员，不能代表地区办理用证清单")
    if region is not None and own.pk != region.pk:
        raise GovernanceError(f"当前账号是{own.name}的管理员，不能代表{region.name}作出决定")
    return own


def open_round(scenario: ScenarioList) -> None:
    """Put the next revision of ``scenario`` to confirmation by the parties of the table as it is now.

    Every path that opens a round comes here, so the set is recorded once, when the round opens.
    """
    scenario.open_round(current_parties())


def parties_label(scenario: ScenarioList) -> str:
    """How the messages say "all the regions this round needs" (``四地`` for the four)."""
    return regions.parties_label(len(scenario.needed_regions))


def after_rejection(scenario: ScenarioList) -> str:
    """What happens after a rejection, as the messages and notices say it."""
    proposer = scenario.proposed_by.name if scenario.proposed_by_id else "登记地区"
    return (
        f"本轮确认已结束，第 {scenario.revision} 版不会发布"
        f"{'（已发布的第 ' + str(scenario.published_revision) + ' 版继续有效）' if scenario.is_published else ''}；"
        f"需由{proposer}或其他地区管理员修改清单内容或重新提请确认，届时开启新一轮确认，由{parties_label(scenario)}重新作出决定。"
    )


def log_event(
    scenario: ScenarioList,
    kind: str,
    *,
    actor: AbstractBaseUser | None = None,
    region: Region | None = None,
    reason: str = "",
) -> ScenarioEvent:
    event = ScenarioEvent.objects.create(
        scenario_list=scenario,
        kind=kind,
        revision=scenario.revision,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        region=region,
        reason=reason,
    )
    scenario_event_logged.send(sender=ScenarioEvent, event=event)
    return event


def _check_entries(entries: Iterable[CatalogEntry], *, for_publication: bool) -> list[CatalogEntry]:
    entries = list(entries)
    if not entries:
        raise GovernanceError("用证清单至少应关联一个证照目录（6.3 b）")
    if for_publication:
        unpublished = [e for e in entries if e.status != CatalogStatus.PUBLISHED]
        if unpublished:
            names = "、".join(f"「{e.type_name}」" for e in unpublished)
            raise GovernanceError(f"关联的证照目录{names}未发布，不能确认或发布本清单")
    else:
        withdrawn = [e for e in entries if e.status == CatalogStatus.WITHDRAWN]
        if withdrawn:
            names = "、".join(f"「{e.type_name}」" for e in withdrawn)
            raise GovernanceError(f"关联的证照目录{names}已撤回，不能纳入用证清单")
    return entries


def _check_window(valid_start: datetime, valid_end: datetime | None) -> None:
    if valid_end is not None and valid_end <= valid_start:
        raise GovernanceError("失效结束时间应晚于有效开始时间")


# --------------------------------------------------------------------------- registration and edits


@transaction.atomic
def register_proposal(
    *,
    actor: AbstractBaseUser,
    code: str,
    name: str,
    entries: Iterable[CatalogEntry],
    valid_start: datetime | None = None,
    valid_end: datetime | None = None,
    description: str = "",
    based_on: ScenarioList | None = None,
    applications: Iterable[TrustedApplication] = (),
    reason: str = "",
    instance: ScenarioList | None = None,
) -> ScenarioList:
    """A region registers a proposal (9 a: separate registration, possibly from another list)."""
    region = _actor_region(actor)
    entries = _check_entries(entries, for_publication=False)
    valid_start = valid_start or timezone.now()
    _check_window(valid_start, valid_end)
    if ScenarioList.objects.filter(code=code).exists():
        raise GovernanceError(f"清单编码 {code} 已被使用")
    scenario = instance or ScenarioList()
    scenario.code = code
    scenario.name = name
    scenario.valid_start = valid_start
    scenario.valid_end = valid_end
    scenario.description = description
    scenario.based_on = based_on
    scenario.proposed_by = region
    open_round(scenario)
    scenario.status = ScenarioStatus.DRAFT
    try:
        with transaction.atomic():
            save_with_history(scenario, actor, reason or "登记")
    except IntegrityError as exc:  # registered by another region a moment ago
        raise GovernanceError(f"清单编码 {code} 已被使用") from exc
    scenario.entries.set(entries)
    scenario.applications.set(list(applications))
    note = reason or (f"参考{based_on}登记" if based_on else "登记")
    log_event(scenario, EventKind.PROPOSED, actor=actor, region=region, reason=note)
    return scenario


@dataclass(slots=True)
class EditResult:
    substantive: bool
    reset_regions: list[str]
    parties: str = regions.parties_label()

    @property
    def message(self) -> str:
        if not self.substantive:
            return "已保存；清单内容未变，各地区确认状态不变。"
        if self.reset_regions:
            return (
                f"清单内容已修改，修订版本提升；此前{'、'.join(self.reset_regions)}对上一版本的确认或驳回已失效，"
                f"需{self.parties}重新确认后才会发布。"
            )
        return f"清单内容已修改，修订版本提升，等待{self.parties}确认。"


@transaction.atomic
def edit_list(
    scenario: ScenarioList,
    *,
    actor: AbstractBaseUser,
    name: str,
    entries: Iterable[CatalogEntry],
    valid_start: datetime,
    valid_end: datetime | None,
    description: str = "",
    applications: Iterable[TrustedApplication] | None = None,
    reason: str = "",
) -> EditResult:
    """Edit the working copy; a substantive change opens a new revision and resets the round."""
    region = _actor_region(actor)
    current = ScenarioList.objects.select_for_update().get(pk=scenario.pk)
    entries = _check_entries(entries, for_publication=False)
    _check_window(valid_start, valid_end)
    old_ids = set(current.entries.values_list("pk", flat=True))
    substantive = (
        name != current.name
        or {e.pk for e in entries} != old_ids
        or valid_start != current.valid_start
        or valid_end != current.valid_end
    )
    current.description = description
    reset: list[str] = []
    if substantive:
        if not reason.strip():
            raise GovernanceError("修改清单内容须填写变更说明")
        reset = sorted(
            ScenarioConfirmation.objects.filter(scenario_list=current, revision=current.revision).values_list(
                "region__name", flat=True
            )
        )
        current.name = name
        current.valid_start = valid_start
        current.valid_end = valid_end
        open_round(current)
        save_with_history(current, actor, reason)
        current.entries.set(entries)
        log_event(current, EventKind.EDITED, actor=actor, region=region, reason=reason)
        if reset:
            log_event(
                current,
                EventKind.ROUND_RESET,
                actor=actor,
                region=region,
                reason=f"第 {current.revision - 1} 版上的决定（{'、'.join(reset)}）因修改失效，需{parties_label(current)}重新确认",
            )
    else:
        save_with_history(current, actor, reason or "修改说明或关联应用")
    if applications is not None:
        current.applications.set(list(applications))
    scenario.refresh_from_db()
    return EditResult(substantive=substantive, reset_regions=reset, parties=parties_label(current))


@transaction.atomic
def reopen(scenario: ScenarioList, *, actor: AbstractBaseUser, reason: str) -> ScenarioList:
    """Submit the working copy for a new round (after a rejection or a withdrawal)."""
    region = _actor_region(actor)
    if not reason.strip():
        raise GovernanceError("重新提请确认须填写说明")
    current = ScenarioList.objects.select_for_update().get(pk=scenario.pk)
    if current.round_state == RoundState.PENDING:
        raise GovernanceError(f"本清单已在等待{parties_label(current)}确认")
    if current.round_state == RoundState.CONFIRMED and current.is_published:
        raise GovernanceError(f"本清单当前版本已由{parties_label(current)}确认并发布，修改内容后才需要重新确认")
    _check_entries(current.entries.all(), for_publication=False)
    open_round(current)
    save_with_history(current, actor, reason)
    log_event(current, EventKind.REOPENED, actor=actor, region=region, reason=reason)
    return current


# --------------------------------------------------------------------------- decisions


@transaction.atomic
def decide(
    scenario: ScenarioList,
    *,
    actor: AbstractBaseUser,
    region: Region,
    revision: int,
    decision: str,
    reason: str = "",
) -> DecisionResult:
    """Record ``region``'s decision on ``revision``; publish when every region the round needs confirmed it."""
    _actor_region(actor, region)
    reason = (reason or "").strip()
    if decision not in Decision.values:
        raise GovernanceError("决定只能是确认或驳回")
    if decision == Decision.REJECTED and not reason:
        raise GovernanceError("驳回须填写理由")
    current = ScenarioList.objects.select_for_update().get(pk=scenario.pk)
    if current.round_state == RoundState.REJECTED:
        raise GovernanceError(f"第 {current.revision} 版已被驳回；修改或重新提请确认后再作决定")
    if current.round_state != RoundState.PENDING:
        raise GovernanceError("本清单没有等待确认的修订")
    if revision != current.revision:
        raise GovernanceError(
            f"清单已修改为第 {current.revision} 版（您审阅的是第 {revision} 版），请重新审阅后再作决定"
        )
    if region.code not in current.needed_regions:
        raise GovernanceError(f"第 {current.revision} 版的确认轮次开启时未包含{region.name}，无需其作出决定")
    if decision == Decision.CONFIRMED:
        _check_entries(current.entries.all(), for_publication=True)
    try:
        with transaction.atomic():
            confirmation = ScenarioConfirmation.objects.create(
                scenario_list=current, region=region, revision=revision, decision=decision, reason=reason, actor=actor
            )
    except IntegrityError as exc:
        raise GovernanceError(f"{region.name}已对第 {revision} 版作出决定，不能重复") from exc
    if decision == Decision.REJECTED:
        current.round_state = RoundState.REJECTED
        save_with_history(current, actor, f"{region.name}驳回")
        log_event(current, EventKind.REJECTED, actor=actor, region=region, reason=reason)
        return DecisionResult(confirmation, False, _confirmed_regions(current))
    log_event(current, EventKind.CONFIRMED, actor=actor, region=region, reason=reason)
    confirmed = _confirmed_regions(current)
    published = False
    if not _missing_regions(current, confirmed):
        _publish(current, actor)
        published = True
    scenario.refresh_from_db()
    return DecisionResult(confirmation, published, confirmed)


def decision_refusal(scenario: ScenarioList, region: Region | None) -> str:
    """Why ``region`` cannot decide on the current revision now ("" if it can), as ``decide`` says it.

    For pages that show a decision instead of a form bound to be refused; ``decide`` still checks.
    """
    if region is None:
        return "当前账号不是任何地区的管理员，不能代表地区作出决定"
    if scenario.round_state == RoundState.REJECTED:
        return f"第 {scenario.revision} 版已被驳回；修改或重新提请确认后再作决定"
    if scenario.round_state != RoundState.PENDING:
        return "本清单没有等待确认的修订"
    if region.code not in scenario.needed_regions:
        return f"第 {scenario.revision} 版的确认轮次开启时未包含{region.name}，无需其作出决定"
    if ScenarioConfirmation.objects.filter(scenario_list=scenario, region=region, revision=scenario.revision).exists():
        return f"{region.name}已对第 {scenario.revision} 版作出决定，不能重复"
    return ""


def _confirmed_regions(scenario: ScenarioList) -> list[str]:
    return sorted(
        ScenarioConfirmation.objects.filter(
            scenario_list=scenario, revision=scenario.revision, decision=Decision.CONFIRMED
        ).values_list("region__code", flat=True)
    )


def _missing_regions(scenario: ScenarioList, confirmed: Iterable[str]) -> list[str]:
    """The regions the round needs that have not confirmed yet."""
    confirmed = set(confirmed)
    return [code for code in scenario.needed_regions if code not in confirmed]


def _publish(scenario: ScenarioList, actor: AbstractBaseUser | None) -> Publication:
    """Copy the confirmed revision to the live copy and publish it; only ``decide`` calls this."""
    missing = _missing_regions(scenario, _confirmed_regions(scenario))
    if missing:  # a second guard: nothing publishes without every region the round needs
        raise GovernanceError(f"尚有地区未确认第 {scenario.revision} 版：{'、'.join(sorted(missing))}")
    entries = _check_entries(scenario.entries.all(), for_publication=True)
    now = timezone.now()
    first = scenario.status != ScenarioStatus.PUBLISHED
    scenario.published_name = scenario.name
    scenario.published_valid_start = scenario.valid_start
    scenario.published_valid_end = scenario.valid_end
    scenario.published_revision = scenario.revision
    scenario.status = ScenarioStatus.PUBLISHED
    scenario.round_state = RoundState.CONFIRMED
    scenario.first_published_at = scenario.first_published_at or now
    scenario.updated_at = now
    parties = parties_label(scenario)
    save_with_history(scenario, actor, f"{parties}确认后发布")
    scenario.published_entries.set(entries)
    log_event(scenario, EventKind.PUBLISHED, actor=actor, reason=f"{parties}已确认第 {scenario.revision} 版")
    action = PublicationAction.PUBLISH if first else PublicationAction.UPDATE
    return record_list_publication(scenario, action, actor, f"{parties}确认")


def record_list_publication(scenario: ScenarioList, action: str, actor: AbstractBaseUser | None, reason: str) -> Publication:
    return record_publication(
        kind=PublicationKind.SCENARIO,
        action=action,
        code=scenario.code,
        object_id=scenario.pk,
        payload=scenario_publication_payload(scenario),
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def withdraw_list(scenario: ScenarioList, *, actor: AbstractBaseUser, reason: str) -> Publication:
    """Withdraw a published list at once (narrowing use needs no joint confirmation)."""
    if not (reason or "").strip():
        raise GovernanceError("撤回用证清单须填写原因")
    region = region_of(actor)
    if region is None and not getattr(actor, "is_superuser", False):
        raise GovernanceError("只有地区管理员或系统管理员可以撤回用证清单")
    current = ScenarioList.objects.select_for_update().get(pk=scenario.pk)
    if current.status != ScenarioStatus.PUBLISHED:
        raise GovernanceError("本清单未处于发布状态，无需撤回")
    current.status = ScenarioStatus.WITHDRAWN
    if current.round_state == RoundState.CONFIRMED:
        current.round_state = RoundState.CLOSED
    current.updated_at = timezone.now()
    save_with_history(current, actor, reason)
    log_event(current, EventKind.WITHDRAWN, actor=actor, region=region, reason=reason)
    publication = record_list_publication(current, PublicationAction.WITHDRAW, actor, reason)
    scenario.refresh_from_db()
    return publication
