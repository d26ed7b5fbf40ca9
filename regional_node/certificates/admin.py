from django.contrib import admin

from .models import Certificate, CertificateFile, Disclosure, DownloadTicket, Holder


class CertificateInline(admin.TabularInline):
    model = Certificate
    fields = ("type_name", "number", "issue_dept", "issue_date", "valid_until", "status")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Holder)
class HolderAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "code_type", "created_at")
    list_filter = ("code_type",)
    search_fields = ("name", "code")
    inlines = [CertificateInline]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("type_name", "number", "holder", "issue_dept", "issue_date", "valid_until", "status")
    list_filter = ("status", "type_name")
    search_fields = ("number", "holder__name", "holder__code", "ref")
    list_select_related = ("holder",)
    readonly_fields = ("ref", "created_at", "updated_at")
    autocomplete_fields = ("holder",)


@admin.register(CertificateFile)
class CertificateFileAdmin(admin.ModelAdmin):
    list_display = ("certificate", "file_format", "size", "sm3", "created_at")
    list_filter = ("file_format",)
    list_select_related = ("certificate",)
    readonly_fields = (
        "certificate",
        "file_format",
        "path",
        "size",
        "sm3",
        "signer_fingerprint",
        "created_at",
    )

    def has_add_permission(self, request) -> bool:  # files are generated, never uploaded
        return False


@admin.register(DownloadTicket)
class DownloadTicketAdmin(admin.ModelAdmin):
    list_display = ("file", "biz_num", "created_at", "expires_at", "used_at")
    list_select_related = ("file__certificate",)
    readonly_fields = ("token_digest", "file", "biz_num", "created_at", "expires_at", "used_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Disclosure)
class DisclosureAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "certificate", "app_id", "item_code", "operator", "biz_num")
    list_filter = ("action",)
    search_fields = ("app_id", "item_code", "biz_num", "certificate__number")
    list_select_related = ("certificate",)
    readonly_fields = [f.name for f in Disclosure._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
