"""templates/includes/form.html: a refused form's errors and help texts are
tied to their fields (what a screen reader reads with the field), and the
form opens with a summary whose links lead to those fields."""

from html.parser import HTMLParser

from django import forms
from django.template.loader import render_to_string

from tests.conftest import login


class _Markup(HTMLParser):
    """Ids, aria-describedby references and in-page links of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.fields: dict[str, dict] = {}
        self.anchors: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit"):
            self.fields[attrs.get("id") or attrs.get("name")] = attrs
        if tag == "a" and attrs.get("href", "").startswith("#"):
            self.anchors.append(attrs["href"][1:])


class _Example(forms.Form):
    name = forms.CharField(label="Name", help_text="As the partner writes it", max_length=5)
    code = forms.CharField(label="Code")

    def clean(self):
        raise forms.ValidationError("Something is off.")


def test_each_error_and_help_text_has_the_id_the_widget_names():
    form = _Example(data={"name": "far too long", "code": "ok"})

    page = _Markup(render_to_string("includes/form.html", {"form": form}))

    name = page.fields["id_name"]
    assert name["aria-describedby"] == "id_name_helptext id_name_error"
    assert name["aria-invalid"] == "true"
    assert {"id_name_helptext", "id_name_error"} <= page.ids
    assert "aria-invalid" not in page.fields["id_code"]
    assert "aria-describedby" not in page.fields["id_code"]
    assert page.anchors == ["id_name"]


def test_a_refused_form_opens_with_its_summary():
    form = _Example(data={"name": "far too long", "code": ""})

    html = render_to_string("includes/form.html", {"form": form})

    assert html.index('class="error-summary" role="alert" tabindex="-1"') < html.index('<div class="field')
    assert "<li>Something is off.</li>" in html
    assert '<a href="#id_code">Code: This field is required.</a>' in html
    assert '<p class="error" id="id_code_error">This field is required.</p>' in html
    assert _Markup(html).anchors == ["id_name", "id_code"]


def test_an_untouched_form_has_no_summary_and_no_invalid_field():
    html = render_to_string("includes/form.html", {"form": _Example()})

    assert "error-summary" not in html
    assert "aria-invalid" not in html
    assert 'id="id_name_helptext"' in html


def _check_ties(html: str) -> _Markup:
    page = _Markup(html)
    for field, attrs in page.fields.items():
        for target in attrs.get("aria-describedby", "").split():
            assert target in page.ids, f"{field} is described by #{target}, which is not on the page"
    for target in page.anchors:
        assert target in page.ids, f"a link leads to #{target}, which is not on the page"
    return page


def test_the_sign_up_page_refused_ties_every_error_to_its_field(public_client):
    response = public_client.post("/signup/", {"name": "Omega", "slug": "omega", "email": "not-an-email"})

    page = _check_ties(response.content.decode())
    assert response.status_code == 400
    invalid = {field for field, attrs in page.fields.items() if attrs.get("aria-invalid") == "true"}
    assert invalid == {"id_email", "id_password"}
    assert page.fields["id_email"]["aria-describedby"] == "id_email_error"
    assert page.fields["id_slug"]["aria-describedby"] == "id_slug_helptext"


def test_the_settings_page_refused_ties_every_error_to_its_field(alpha_client, alpha, alpha_admin):
    client = login(alpha_client, alpha, alpha_admin)

    response = client.post("/settings/", {"invitation_ttl_days": "0"})

    page = _check_ties(response.content.decode())
    assert response.status_code == 400
    assert page.fields["id_invitation_ttl_days"]["aria-invalid"] == "true"
