from django.conf import settings
from django.urls import reverse


def navigation(request):
    """The navigation of the signed-in person: the start page of each of their roles."""
    context = {"PLIE_NOM": settings.PLIE_NOM}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    items = [(role.label, reverse(role.start_url_name)) for role in user.roles]
    context["navigation"] = [{"label": label, "url": url, "active": request.path == url} for label, url in items]
    return context
