"""Admin lists of record tables that only grow: pages by key, exact filters, CSV export, scoping.

Call records, retrievals and evidence entries reach millions of rows. Django's changelist counts
the filtered rows on every page view (COUNT(*)), lists DISTINCT values for field filters, pages
by OFFSET and searches with LIKE; each of those reads the whole table. ``RecordAdmin`` instead:

- pages by key: newest first, "下一页" continues below the last primary key shown (``after``);
  one query per page, whatever the page and the table size, and nothing is counted;
- filters by exact values typed in or chosen from fixed tables (regions, status codes), each
  backed by an index of the model;
- searches by exact values only; a full identity number or credit code is digested with the
  records' keyed digest (``sharing.holders``) and the page is reloaded with the digest, so the
  number reaches neither the database nor the page;
- scopes every list and page to what the user may see (``ysj_portal.audit.restrict``);
- exports the filtered list as CSV, UTF-8 with a BOM (Excel reads Chinese), streamed in chunks
  of keys so that a million rows never sit in memory;
- shows no add, change or delete to anyone, superusers included.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, SEARCH_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode

from sharing.holders import face_number_key, holder_key_of_number
from ysj_protocol import regions, status

from . import audit
from .admin_base import ReadOnlyAdminMixin

#: The query parameter of the key below which a page starts.
AFTER_VAR = "after"
#: The query parameter of the holder filter (a keyed digest, never a number).
HOLDER_VAR = "holder"
#: Rows read per query while exporting.
EXPORT_CHUNK = 2_000

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def status_text(code: str) -> str:
    """A status code with its meaning (``ysj_protocol.status``), as people read it."""
    if not code:
        return ""
    known = status.lookup(code)
    return f"{code} {known.message}" if known else f"{code}（未登记的状态码）"


# ---------------------------------------------------------------------------- changelist


class KeysetChangeList(ChangeList):
    """A changelist paged by primary key (newest first) that never counts rows."""

    def __init__(self, request: HttpRequest, *args, **kwargs) -> None:
        raw = request.GET.get(AFTER_VAR, "")
        # ASCII digits only: "²" and "٣" are digits to str.isdigit() but not to int().
        self.after = int(raw) if raw.isascii() and raw.isdigit() else None
        super().__init__(request, *args, **kwargs)

    def get_queryset(self, request: HttpRequest, exclude_parameters=None) -> QuerySet:
        # The cursor is not a filter: links to other filters and "clear all" start again at the top.
        self.params.pop(AFTER_VAR, None)
        self.filter_params.pop(AFTER_VAR, None)
        term = self.query.strip()
        digests = self.model_admin.number_digests(term) if term else ""
        if term and not digests and holder_key_of_number(term):
            # A list that names no holder: the number is not searched for, nor shown again.
            self.params.pop(SEARCH_VAR, None)
            self.filter_params.pop(SEARCH_VAR, None)
            self.query = ""
            messages.info(request, f"{self.opts.verbose_name_plural}不记录持证主体，请在存证条目或证照获取记录中按证件号码查找。")
            return super().get_queryset(request, exclude_parameters).none()
        if digests:
            # A full identity number searched for leaves the request here: it is matched by its
            # digests, never sent to the database, and neither the search box nor any link shows it.
            self.params.pop(SEARCH_VAR, None)
            self.filter_params.pop(SEARCH_VAR, None)
            self.params[HOLDER_VAR] = digests
            self.filter_params[HOLDER_VAR] = [digests]
            self.query = ""
        return super().get_queryset(request, exclude_parameters)

    def get_ordering(self, request: HttpRequest, queryset: QuerySet) -> list[str]:
        return ["-pk"]

    def get_results(self, request: HttpRequest) -> None:
        queryset = self.queryset if self.after is None else self.queryset.filter(pk__lt=self.after)
        rows = list(queryset[: self.list_per_page + 1])
        self.has_next = len(rows) > self.list_per_page
        self.result_list = rows[: self.list_per_page]
        self.result_count = len(self.result_list)
        self.full_result_count = None
        self.show_full_result_count = False
        self.show_admin_actions = False
        self.can_show_all = False
        self.multi_page = self.has_next or self.after is not None
        self.paginator = None
        self.next_page_query = (
            self.get_query_string({AFTER_VAR: self.result_list[-1].pk}) if self.has_next else None
        )
        self.first_page_query = self.get_query_string(remove=[AFTER_VAR]) if self.after is not None else None


# ---------------------------------------------------------------------------- filters


class InputFilter(admin.SimpleListFilter):
    """A filter by one exact value typed in (no list of values, which would read the whole table)."""

    template = "admin/records/input_filter.html"
    #: The lookup the value is matched with.
    lookup: str
    placeholder = ""

    def lookups(self, request, model_admin):
        return ()

    def has_output(self) -> bool:
        return True

    def clean(self, value: str) -> object:
        return value.strip()

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        cleaned = self.clean(value)
        return queryset.filter(**{self.lookup: cleaned}) if cleaned not in (None, "") else queryset.none()

    def choices(self, changelist):
        keep = [(k, v) for k, v in changelist.params.items() if k not in (self.parameter_name, AFTER_VAR)]
        yield {
            "parameter": self.parameter_name,
            "value": self.value() or "",
            "placeholder": self.placeholder,
            "hidden": keep,
            "clear_query_string": changelist.get_query_string(remove=[self.parameter_name]),
        }


def exact_filter(lookup: str, title: str, parameter: str | None = None, placeholder: str = "") -> type[InputFilter]:
    """An ``InputFilter`` of ``lookup`` (e.g. ``biz_num``) under ``title``."""
    return type(
        f"{lookup.title().replace('_', '')}Filter",
        (InputFilter,),
        {"lookup": lookup, "title": title, "parameter_name": parameter or lookup, "placeholder": placeholder},
    )


class DateRangeFilter(admin.SimpleListFilter):
    """Rows from a day to a day (local dates, both included) on one indexed time column."""

    template = "admin/records/date_range_filter.html"
    title = "时间"
    parameter_name = "since"
    until_parameter = "until"
    field: str

    def __init__(self, request, params, model, model_admin) -> None:
        self.until = params.pop(self.until_parameter, [""])
        self.until = self.until[-1] if isinstance(self.until, list) else self.until
        super().__init__(request, params, model, model_admin)
        if self.until:
            self.used_parameters[self.until_parameter] = self.until

    def lookups(self, request, model_admin):
        return ()

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str]:
        return [self.parameter_name, self.until_parameter]

    @staticmethod
    def _day(text: str | None) -> date | None:
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            return None

    def queryset(self, request, queryset):
        since, until = self._day(self.value()), self._day(self.until)
        # The first and last days a datetime can hold are no bound: "since 0001-01-01" and "until
        # 9999-12-31" mean every row, and their local midnights do not fit in UTC.
        since = since if since and since > date.min else None
        until = until if until and until < date.max else None
        zone = timezone.get_current_timezone()
        if since:
            queryset = queryset.filter(**{f"{self.field}__gte": datetime.combine(since, time.min, zone)})
        if until:
            queryset = queryset.filter(**{f"{self.field}__lt": datetime.combine(until + timedelta(days=1), time.min, zone)})
        return queryset

    def choices(self, changelist):
        names = (self.parameter_name, self.until_parameter, AFTER_VAR)
        yield {
            "since_parameter": self.parameter_name,
            "until_parameter": self.until_parameter,
            "since": self.value() or "",
            "until": self.until or "",
            "hidden": [(k, v) for k, v in changelist.params.items() if k not in names],
            "clear_query_string": changelist.get_query_string(remove=list(names)),
        }


def date_range_filter(field: str, title: str = "时间") -> type[DateRangeFilter]:
    return type("DateRangeFilter", (DateRangeFilter,), {"field": field, "title": title})


class RegionFilter(admin.SimpleListFilter):
    """A region's rows, by the same condition that scopes a region administrator's lists.

    A region administrator's lists hold their region's rows already: the filter offers that
    region only, and another region's rows are none without asking the database (a query whose
    rows cannot exist would read the whole table to find none).
    """

    title = "地区"
    parameter_name = "region"

    def lookups(self, request, model_admin):
        own = audit.user_region(request.user)
        return [(info.code, info.name) for info in regions.REGIONS if own is None or info.code == own.code]

    def queryset(self, request, queryset):
        code = self.value()
        if not code:
            return queryset
        own = audit.user_region(request.user)
        if own is not None:
            return queryset if code == own.code else queryset.none()
        from trust.models import Region

        region = Region.objects.filter(code=code).first()
        condition = audit.region_condition(queryset.model, region) if region is not None else None
        return queryset.none() if condition is None else queryset.filter(condition)


class StatusFilter(admin.SimpleListFilter):
    """Status codes listed with their meaning, from the one table (no DISTINCT over the records)."""

    title = "状态"
    parameter_name = "status"
    lookup = "status_code"

    def lookups(self, request, model_admin):
        return [(s.code, f"{s.code} {s.message}") for s in status.all_statuses()]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.lookup: self.value()}) if self.value() else queryset


class HolderFilter(admin.SimpleListFilter):
    """The holder a full number named, by its keyed digests (set by the search box, never typed)."""

    title = "持证主体"
    parameter_name = HOLDER_VAR
    template = "admin/records/holder_filter.html"

    def __init__(self, request, params, model, model_admin) -> None:
        self.record_admin = model_admin
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return ()

    def has_output(self) -> bool:
        return bool(self.value())

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        holder, _, face_number = value.partition(".")
        if not (_DIGEST.match(holder) and _DIGEST.match(face_number)):
            return queryset.none()
        return queryset.filter(self.record_admin.holder_condition(holder, face_number))

    def choices(self, changelist):
        yield {"clear_query_string": changelist.get_query_string(remove=[self.parameter_name])}


# ---------------------------------------------------------------------------- the admin


class RecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The base of record lists: read-only, scoped, paged by key, exact filters, CSV export."""

    change_list_template = "admin/records/change_list.html"
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    sortable_by = ()
    actions = None
    #: Fields matched exactly by the search box (indexed); no LIKE.
    exact_search_fields: tuple[str, ...] = ()
    #: The column of keyed holder digests, if the records name a holder.
    holder_field: str | None = None
    #: (header, value of a row) per CSV column.
    export_columns: tuple[tuple[str, Callable[[object], object]], ...] = ()
    export_name = "records"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return audit.restrict(super().get_queryset(request), request.user)

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return KeysetChangeList

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        # No stored text holds a NUL (PostgreSQL refuses it in a query, too): a parameter with one
        # is a bad address, answered as Django answers unknown filters (the list with ?e=1).
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            raise IncorrectLookupParameters("a parameter contains NUL")
        return super().get_changelist_instance(request)

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        return self.exact_search_fields

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        if not self.exact_search_fields:
            return queryset.none(), False
        condition = Q()
        for field in self.exact_search_fields:
            condition |= Q(**{field: term})
        return queryset.filter(condition), False

    def number_digests(self, term: str) -> str:
        """The holder filter's value for a full identity number or credit code; empty for anything else.

        The keyed digest of the holder (``sharing.holders``), then, after a dot, that of the same
        number as a face number (a person's identity number is their identity card's face number).
        """
        holder = holder_key_of_number(term) if self.holder_field else ""
        return f"{holder}.{face_number_key(term)}" if holder else ""

    def get_preserved_filters(self, request: HttpRequest) -> str:
        # The links to each record keep the list's filters: with the digests, not the number.
        term = request.GET.get(SEARCH_VAR, "").strip()
        digests = self.number_digests(term) if term else ""
        if not digests:
            return super().get_preserved_filters(request)
        params = request.GET.copy()
        params.pop(SEARCH_VAR, None)
        params[HOLDER_VAR] = digests
        return urlencode({"_changelist_filters": params.urlencode()})

    def holder_condition(self, holder: str, face_number: str) -> Q:
        """The rows naming the holder (digests only); a model may add rows listing the face number."""
        return Q(**{self.holder_field: holder})

    def get_list_filter(self, request: HttpRequest):
        filters = tuple(super().get_list_filter(request))
        return (*filters, HolderFilter) if self.holder_field else filters

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # The second parameter of a date range is the filter's own, as its first is.
        ranges = (f for f in self.get_list_filter(request) if isinstance(f, type) and issubclass(f, DateRangeFilter))
        return any(lookup == f.until_parameter for f in ranges) or super().lookup_allowed(lookup, value, request)

    # ------------------------------------------------------------------ CSV export
    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_export"
        export = path("export.csv", self.admin_site.admin_view(self.export_view), name=name)
        holder = path(
            "holder-search/", self.admin_site.admin_view(self.holder_search_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_holder_search",
        )
        return [export, holder, *super().get_urls()]

    def holder_search_view(self, request: HttpRequest) -> HttpResponseRedirect:
        """A full number posted, never put in an address: the list is opened on its keyed digests.

        The search box sends its text in the address (browser history, proxies' logs); this form
        posts it, and only the digests reach the address of the list it opens.
        """
        if not self.has_view_permission(request) or not self.holder_field:
            raise PermissionDenied
        listing = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        if request.method != "POST":
            return HttpResponseRedirect(listing)
        digests = self.number_digests(request.POST.get("number", "").strip())
        if not digests:
            messages.error(request, "请输入完整的公民身份号码或统一社会信用代码。")
            return HttpResponseRedirect(listing)
        return HttpResponseRedirect(f"{listing}?{urlencode({HOLDER_VAR: digests})}")

    def export_view(self, request: HttpRequest) -> StreamingHttpResponse | HttpResponseRedirect:
        """The filtered list as CSV, every page of it, streamed in chunks of keys."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            # A parameter no filter knows: to the list, which says so as Django's lists do.
            listing = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
            return HttpResponseRedirect(f"{listing}?{ERROR_FLAG}=1")
        response = StreamingHttpResponse(self._csv_lines(changelist.queryset), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="{self.export_name}-{stamp}.csv"'
        response["Cache-Control"] = "no-store"
        return response

    def _csv_lines(self, queryset: QuerySet) -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)

        def line(values) -> str:
            writer.writerow(values)
            text = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            return text

        yield "\ufeff" + line([header for header, _ in self.export_columns])
        after = None
        while True:
            chunk = queryset if after is None else queryset.filter(pk__lt=after)
            rows = list(chunk[:EXPORT_CHUNK])
            for row in rows:
                yield line(["" if (v := value(row)) is None else v for _, value in self.export_columns])
            if len(rows) < EXPORT_CHUNK:
                return
            after = rows[-1].pk


def admin_link(model_label: str, text: str, *, pk: object = None, query: str = "") -> str:
    """A link to a record's page (``pk``) or to a filtered list (``query``) in the admin."""
    app_label, model_name = model_label.lower().split(".")
    if pk is not None:
        url = reverse(f"admin:{app_label}_{model_name}_change", args=[pk])
    else:
        url = reverse(f"admin:{app_label}_{model_name}_changelist") + (f"?{query}" if query else "")
    return format_html('<a href="{}">{}</a>', url, text)
