"""Every write about the bilans: creation with the funder's outline, the sections' text (cleaned
to the allowed HTML), the budget situation, and the trail of the PDF downloads."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from plie.models import JournalAcces

from .bilans import PLAN, nettoyer_html
from .models import Bilan, SectionBilan


def _periode(bilan):
    return f"du {bilan.debut:%d/%m/%Y} au {bilan.fin:%d/%m/%Y}"


def _verifier_creation(*, type, operation, debut, fin):
    if fin < debut:
        raise ValidationError({"fin": "La fin de la période ne peut pas précéder son début."})
    libelle = Bilan.Type(type).label.lower()
    if Bilan.objects.filter(type=type, debut=debut, fin=fin).exists():
        raise ValidationError(
            {"debut": f"Un {libelle} existe déjà pour la période du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}."}
        )
    autres = list(Bilan.objects.filter(operation__iexact=operation))
    for autre in autres:
        if autre.type == type:
            raise ValidationError(
                {"operation": f"L'opération « {autre.operation} » a déjà un {libelle} ({_periode(autre)})."}
            )
    # Both bilans cover the operation from its start: the final one goes further than the other.
    for autre in autres:
        if autre.debut != debut:
            raise ValidationError(
                {
                    "debut": f"Les bilans d'une opération partent de son début : le {autre.get_type_display().lower()} "
                    f"de « {autre.operation} » commence le {autre.debut:%d/%m/%Y}."
                }
            )
        if type == Bilan.Type.FINAL and fin <= autre.fin:
            raise ValidationError(
                {
                    "fin": f"Le bilan final doit aller au-delà du bilan à mi-parcours (qui va jusqu'au {autre.fin:%d/%m/%Y})."
                }
            )
        if type == Bilan.Type.MI_PARCOURS and fin >= autre.fin:
            raise ValidationError(
                {"fin": f"Le bilan à mi-parcours doit s'arrêter avant la fin du bilan final ({autre.fin:%d/%m/%Y})."}
            )


@transaction.atomic
def bilan_creer(*, type, operation, debut, fin, par):
    """A new bilan with one empty section per heading of the funder's outline, in its order."""
    operation = operation.strip()
    if not operation:
        raise ValidationError({"operation": "L'intitulé de l'opération est obligatoire."})
    _verifier_creation(type=type, operation=operation, debut=debut, fin=fin)
    bilan = Bilan(type=type, operation=operation, debut=debut, fin=fin, cree_par=par)
    bilan.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            bilan.save()
    except IntegrityError as erreur:  # created meanwhile by someone else
        raise ValidationError("Un bilan de ce type existe déjà pour cette période.") from erreur
    SectionBilan.objects.bulk_create(
        SectionBilan(bilan=bilan, code=rubrique.code, titre=rubrique.titre, ordre=ordre)
        for ordre, rubrique in enumerate(PLAN, start=1)
    )
    return bilan


def section_enregistrer(*, section, contenu, par):
    """Record the text of a section, cleaned to the allowed HTML (nothing else reaches the PDF)."""
    section.contenu = nettoyer_html(contenu)
    section.modifie_par = par
    section.save(update_fields=["contenu", "modifie_par", "modifie_le"])
    return section


def budget_enregistrer(*, bilan, budget_prevu, budget_realise, commentaire_budget=""):
    """Record the planned budget and the spending of the operation over the bilan's period."""
    erreurs = {}
    for champ, montant in (("budget_prevu", budget_prevu), ("budget_realise", budget_realise)):
        if montant is not None and montant < Decimal(0):
            erreurs[champ] = "Le montant ne peut pas être négatif."
    if erreurs:
        raise ValidationError(erreurs)
    bilan.budget_prevu = budget_prevu
    bilan.budget_realise = budget_realise
    bilan.commentaire_budget = (commentaire_budget or "").strip()
    bilan.full_clean(validate_constraints=False)  # amounts as Decimal, within the field's digits
    bilan.save(update_fields=["budget_prevu", "budget_realise", "commentaire_budget", "modifie_le"])
    return bilan


def bilan_export_journaliser(*, bilan, par):
    """Record the download of a bilan's PDF in the access log."""
    JournalAcces.objects.create(
        utilisateur=par,
        action=JournalAcces.Action.EXPORT,
        objet_type="bilan",
        objet_id=str(bilan.pk),
        detail=f"PDF du {bilan.get_type_display().lower()} « {bilan.operation} » {_periode(bilan)}"[:250],
    )
