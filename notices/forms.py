from django import forms

from ysj_protocol.service_code import MAX_LENGTH


class ServiceCodeForm(forms.Form):
    """The text of the service code the holder's app shows (copied, or read from its QR code)."""

    code = forms.CharField(
        label="政务服务码",
        max_length=MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "请粘贴政务服务码", "max_length": "政务服务码过长，请确认粘贴的内容"},
    )
