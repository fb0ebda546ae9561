"""Training pages, one module per job: the participants' needs and their positioning on sessions
(``besoins``), the training bodies, sessions and positionnements (``sessions``); the Région report
lives in ``rapport``.

Object-level access: a need or a positionnement outside the user's caseload is a 404 (the page
neither confirms nor denies that it exists); a role without the permission gets a 403; anonymous
visitors go to the login page.
"""


def erreurs_dans_le_formulaire(error, form):
    """Show a service's ValidationError on the form, field by field when it names fields."""
    if hasattr(error, "error_dict"):
        for champ, erreurs in error.message_dict.items():
            form.add_error(champ if champ in form.fields else None, erreurs)
    else:
        form.add_error(None, error.messages)


def query_string_sans_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
