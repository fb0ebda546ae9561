"""Reading a participant's record in the Django admin is a sensitive read like in the app."""

from django.urls import reverse

from participants.factories import ParticipantFactory
from plie.models import JournalAcces
from plie.roles import Role


def test_the_admin_change_page_logs_the_sensitive_read(client_as, db):
    participant = ParticipantFactory()
    client = client_as(Role.ADMINISTRATEUR)
    assert client.get(reverse("admin:participants_participant_changelist")).status_code == 200
    assert not JournalAcces.objects.exists()  # the list shows no sensitive fact

    response = client.get(reverse("admin:participants_participant_change", args=[participant.pk]))
    assert response.status_code == 200
    lecture = JournalAcces.objects.get()
    assert (lecture.action, lecture.objet_type, lecture.objet_id) == (
        JournalAcces.Action.LECTURE_SENSIBLE,
        "participant",
        str(participant.pk),
    )
    assert lecture.utilisateur.has_perm("participants.view_participant")
