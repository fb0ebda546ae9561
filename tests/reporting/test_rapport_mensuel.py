"""The chargé(e) de mission's monthly activity report: figures on a hand-built month, the PDF,
the task on the 1st, the command, the pages and their permissions."""

import datetime
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from entreprises.factories import EntrepriseFactory, InteractionFactory
from entreprises.models import ActionCollective, Evenement, Inscription, Presence, StatutAction, TypeAction
from formation.factories import BesoinFormationFactory
from formation.models import DomaineFormation, StatutBesoin
from fse import services as agenda
from fse.models import CategorieActivite
from offres.enums import StatutOffre, StatutPositionnement
from offres.factories import OffreFactory
from offres.models import Diffusion, LienSource, Offre, Positionnement, Source
from participants.factories import ParticipantFactory
from plie.models import JournalAcces
from plie.roles import Role
from reporting import services
from reporting.models import RapportMensuel
from reporting.rapport_mensuel import activite_mensuelle, de_mois
from reporting.tasks import generer_rapport_mensuel, rapports_du_mois

D = datetime.date
OCTOBRE = D(2026, 10, 1)
NOMS_PARTICIPANTS = ["Wolfenberg", "Anatolie", "Quinteros", "Bérengère", "Lindqvist", "Hippolyte"]
COMMENTAIRE = "Mois marqué par le forum de Chenôve.\nDeux entreprises du BTP à relancer."


def _le(jour, heure=10, minute=0):
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time(heure, minute)))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def personnes(db, make_user):
    return {
        "moi": make_user(Role.CHARGE_MISSION, first_name="Maëlle", last_name="Prost"),
        "autre": make_user(Role.CHARGE_MISSION, first_name="Yanis", last_name="Roux"),
        "ref": make_user(Role.REFERENT),
        "ref2": make_user(Role.REFERENT),
        "coord": make_user(Role.COORDINATRICE),
    }


def _offre(source, cree_le, **champs):
    offre = OffreFactory(**{k: v for k, v in champs.items() if k == "cree_par"})
    LienSource.objects.create(
        offre=offre, source=source, identifiant_externe=f"T{offre.pk}", vue_le=cree_le, vue_derniere_fois_le=cree_le
    )
    Offre.objects.filter(pk=offre.pk).update(cree_le=cree_le, **{k: v for k, v in champs.items() if k != "cree_par"})
    return offre


def _diffuser(offre, par, le, *referents):
    Offre.objects.filter(pk=offre.pk).update(statut=StatutOffre.DIFFUSEE, diffusee_le=le)
    for referent in referents:
        Diffusion.objects.create(offre=offre, referent=referent, diffusee_le=le, diffusee_par=par)


def _action(animateur, jour, titre, statut, presences=()):
    action = ActionCollective.objects.create(
        type=TypeAction.ATELIER,
        titre=titre,
        date=jour,
        heure_debut=datetime.time(9),
        heure_fin=datetime.time(12),
        lieu="Maison de l'emploi",
        animateur=animateur,
        capacite=12,
        statut=statut,
        cree_par=animateur,
    )
    for participant, matin, apres_midi in presences:
        Inscription.objects.create(
            action=action,
            participant=participant,
            inscrit_par=animateur,
            presence_matin=matin,
            presence_apres_midi=apres_midi,
        )
    return action


@pytest.fixture
def mois(personnes):
    """October 2026 for « moi » (Maëlle Prost), with what belongs to others or to the months around:

    offers  o1 FT 02/10, qualified and diffused by her (to 2 référents) — o2 FT 05/10, qualified
            and diffused by « autre » — o3 partner 10/10 entered by her, qualified and diffused
            by her 31/10 at 23:30 — o4 partner 12/10, discarded by her — o5 FT 30/09 23:30,
            qualified by her 01/10 at 00:10, diffused 02/11 — o6 FT 01/11 at 00:05
    positionnements  o1: retenu, non retenu; o3: entretien; o5: proposé; o2 (autre's): retenu
    interactions  E1 05/10 visite, E1 31/10 appel, E2 15/10 rendez-vous; E3 01/11 (next month);
                  E2 20/10 by « autre »
    events  forum 08/10 (her), cancelled 09/10 (her), 10/10 (autre only)
    actions  atelier 14/10 held: 3 registered, 2 present; 20/10 cancelled; 21/10 by « autre »
    needs  3 in October (2 people), one on 30/09, one on 01/11
    agenda  week of 28/09 validated then corrected (01/10: 7 h → 5 h; 30/09 outside), 02/10 3.5 h
            of meetings; week of 26/10: 30/10 4 h of meetings; « autre »'s 6 h ignored
    """
    moi, autre, ref, ref2 = personnes["moi"], personnes["autre"], personnes["ref"], personnes["ref2"]
    ft, partenaire = Source.objects.order_by("id")[:2]
    o1 = _offre(ft, _le(D(2026, 10, 2)), qualifiee_par=moi, qualifiee_le=_le(D(2026, 10, 3)))
    _diffuser(o1, moi, _le(D(2026, 10, 3)), ref, ref2)
    o2 = _offre(ft, _le(D(2026, 10, 5)), qualifiee_par=autre, qualifiee_le=_le(D(2026, 10, 6)))
    _diffuser(o2, autre, _le(D(2026, 10, 6)), ref)
    o3 = _offre(
        partenaire, _le(D(2026, 10, 10)), cree_par=moi, qualifiee_par=moi, qualifiee_le=_le(D(2026, 10, 31), 23, 30)
    )
    _diffuser(o3, moi, _le(D(2026, 10, 31), 23, 30), ref)
    _offre(
        partenaire,
        _le(D(2026, 10, 12)),
        statut=StatutOffre.ECARTEE,
        motif_ecart="doublon",
        ecartee_par=moi,
        ecartee_le=_le(D(2026, 10, 13)),
    )
    o5 = _offre(ft, _le(D(2026, 9, 30), 23, 30), qualifiee_par=moi, qualifiee_le=_le(D(2026, 10, 1), 0, 10))
    _diffuser(o5, moi, _le(D(2026, 11, 2)), ref)
    _offre(ft, _le(D(2026, 11, 1), 0, 5))

    a = ParticipantFactory(entre=True, referent=ref, nom="Wolfenberg", prenom="Anatolie")
    b = ParticipantFactory(entre=True, referent=ref, nom="Quinteros", prenom="Bérengère")
    c = ParticipantFactory(entre=True, referent=ref, nom="Lindqvist", prenom="Hippolyte")
    for offre, participant, statut in [
        (o1, a, StatutPositionnement.RETENU),
        (o1, b, StatutPositionnement.NON_RETENU),
        (o3, a, StatutPositionnement.ENTRETIEN),
        (o5, c, StatutPositionnement.PROPOSE),
        (o2, a, StatutPositionnement.RETENU),
    ]:
        Positionnement.objects.create(
            offre=offre, participant=participant, statut=statut, derniere_etape_le=D(2026, 10, 20), cree_par=ref
        )

    e1 = EntrepriseFactory(nom="Boulangerie Lefort")
    e2 = EntrepriseFactory(nom="Garage des Lilas")
    InteractionFactory(auteur=moi, entreprise=e1, date=D(2026, 10, 5), type="visite")
    InteractionFactory(auteur=moi, entreprise=e1, date=D(2026, 10, 31), type="appel")
    InteractionFactory(auteur=moi, entreprise=e2, date=D(2026, 10, 15), type="rendez_vous")
    InteractionFactory(auteur=moi, entreprise=EntrepriseFactory(nom="Menuiserie Novembre"), date=D(2026, 11, 1))
    InteractionFactory(auteur=autre, entreprise=e2, date=D(2026, 10, 20))

    for titre, jour, annule, presents in [
        ("Forum de l'emploi de Chenôve", D(2026, 10, 8), False, [moi]),
        ("Job dating annulé", D(2026, 10, 9), True, [moi]),
        ("Club d'entreprises", D(2026, 10, 10), False, [autre]),
    ]:
        evenement = Evenement.objects.create(
            titre=titre,
            type="forum",
            debut=_le(jour, 9),
            fin=_le(jour, 17),
            lieu="Chenôve",
            annule=annule,
            cree_par=moi,
        )
        evenement.participants_plie.set(presents)

    P, A = Presence.PRESENT, Presence.ABSENT
    _action(moi, D(2026, 10, 14), "Atelier CV", StatutAction.REALISEE, [(a, P, ""), (b, A, ""), (c, "", P)])
    _action(moi, D(2026, 10, 20), "Atelier entretien d'embauche", StatutAction.ANNULEE, [(a, "", "")])
    _action(autre, D(2026, 10, 21), "Atelier numérique", StatutAction.REALISEE, [(b, P, "")])

    logistique, numerique = DomaineFormation.objects.order_by("libelle")[:2]
    for participant, domaine, jour, statut in [
        (a, logistique, D(2026, 10, 2), StatutBesoin.EXPRIME),
        (a, logistique, D(2026, 10, 31), StatutBesoin.ORIENTE),
        (b, numerique, D(2026, 10, 15), StatutBesoin.EXPRIME),
        (b, numerique, D(2026, 9, 30), StatutBesoin.EXPRIME),
        (c, numerique, D(2026, 11, 1), StatutBesoin.EXPRIME),
    ]:
        BesoinFormationFactory(participant=participant, domaine=domaine, exprime_le=jour, statut=statut, cree_par=ref)

    prospection, reunions = CategorieActivite.objects.filter(actif=True).order_by("ordre")[:2]
    semaine = agenda.semaine_obtenir(moi, D(2026, 9, 28))
    agenda.ligne_enregistrer(semaine, date=D(2026, 9, 30), categorie=prospection, heures=Decimal("7"))
    agenda.ligne_enregistrer(semaine, date=D(2026, 10, 1), categorie=prospection, heures=Decimal("7"))
    agenda.ligne_enregistrer(semaine, date=D(2026, 10, 2), categorie=reunions, heures=Decimal("3.5"))
    agenda.valider(agenda.soumettre(semaine), personnes["coord"])
    correction = agenda.corriger(semaine, moi, "Le 1er octobre : 5 heures seulement")
    agenda.ligne_enregistrer(correction, ligne=correction.lignes.get(date=D(2026, 10, 1)), heures=Decimal("5"))
    fin_du_mois = agenda.semaine_obtenir(moi, D(2026, 10, 26))
    agenda.ligne_enregistrer(fin_du_mois, date=D(2026, 10, 30), categorie=reunions, heures=Decimal("4"))
    ailleurs = agenda.semaine_obtenir(autre, D(2026, 10, 12))
    agenda.ligne_enregistrer(ailleurs, date=D(2026, 10, 12), categorie=prospection, heures=Decimal("6"))
    return {
        "sources": (ft, partenaire),
        "domaines": (logistique, numerique),
        "categories": (prospection, reunions),
        "participants": (a, b, c),
    }


# --- The figures --------------------------------------------------------------------------------


def test_each_figure_of_the_month_is_exact(personnes, mois):
    activite = activite_mensuelle(personnes["moi"], D(2026, 10, 17))
    ft, partenaire = mois["sources"]
    assert activite.mois == OCTOBRE and activite.libelle_mois == "octobre 2026"
    par_source = {
        ligne.source: (ligne.collectees, ligne.qualifiees, ligne.diffusees) for ligne in activite.offres_par_source
    }
    assert par_source == {ft.libelle: (2, 2, 2), partenaire.libelle: (2, 1, 1)}
    assert (activite.collectees, activite.saisies) == (4, 1)
    assert (activite.qualifiees, activite.qualifiees_par_d_autres, activite.ecartees) == (3, 1, 1)
    assert activite.taux_qualification == Decimal("75.0")
    assert (activite.diffusees, activite.referents_destinataires) == (2, 2)

    statuts = {code: n for code, _label, n in activite.positionnements_par_statut}
    assert statuts == {
        "propose": 1,
        "candidature_envoyee": 0,
        "entretien": 1,
        "retenu": 1,
        "non_retenu": 1,
        "abandonne": 0,
    }
    assert (activite.positionnements, activite.offres_positionnees, activite.retenus) == (4, 3, 1)
    assert activite.positionnements_en_cours == 2

    types = {code: n for code, _label, n in activite.interactions_par_type}
    assert types == {"rendez_vous": 1, "appel": 1, "visite": 1, "evenement": 0, "courriel": 0}
    assert (activite.interactions, activite.nb_entreprises) == (3, 2)
    assert [(e.nom, e.dates) for e in activite.entreprises_rencontrees] == [
        ("Boulangerie Lefort", [D(2026, 10, 5), D(2026, 10, 31)]),
        ("Garage des Lilas", [D(2026, 10, 15)]),
    ]

    assert [(e.date, e.titre) for e in activite.evenements] == [(D(2026, 10, 8), "Forum de l'emploi de Chenôve")]
    assert [(a.titre, a.inscrits, a.presents) for a in activite.actions] == [("Atelier CV", 3, 2)]
    assert (len(activite.actions_tenues), activite.actions_annulees) == (1, 1)
    assert (activite.inscrits_actions_tenues, activite.presents_actions_tenues) == (3, 2)

    logistique, numerique = mois["domaines"]
    assert activite.besoins_par_domaine == [(logistique.libelle, 2), (numerique.libelle, 1)]
    assert (activite.besoins, activite.besoins_personnes) == (3, 2)
    assert activite.besoins_statuts_non_nuls == [("Exprimé", 2), ("Orienté vers une formation", 1)]

    prospection, reunions = mois["categories"]
    assert activite.temps_par_activite == [
        (prospection.libelle, Decimal("5"), Decimal("40.0")),
        (reunions.libelle, Decimal("7.5"), Decimal("60.0")),
    ]
    assert activite.heures == Decimal("12.5")


def test_another_chargee_sees_her_own_work_only(personnes, mois):
    activite = activite_mensuelle(personnes["autre"], OCTOBRE)
    assert (activite.collectees, activite.qualifiees, activite.qualifiees_par_d_autres) == (4, 1, 3)
    assert (activite.diffusees, activite.positionnements, activite.retenus) == (1, 1, 1)
    assert (activite.interactions, len(activite.evenements), len(activite.actions_tenues)) == (1, 1, 1)
    assert activite.besoins == 3  # the participants' needs are the PLIE's, not hers
    assert activite.heures == Decimal("6")


def test_an_empty_month_has_zeros_and_no_share(personnes):
    activite = activite_mensuelle(personnes["moi"], D(2026, 6, 1))
    assert (activite.collectees, activite.positionnements, activite.heures) == (0, 0, 0)
    assert activite.taux_qualification is None
    assert activite.temps_par_activite == [] and activite.offres_par_source == []


# --- Months -------------------------------------------------------------------------------------


def test_month_parsing_and_the_past_month_rule():
    assert services.mois_lire("2026-10") == OCTOBRE
    for texte in ["2026-13", "octobre", "2026/10", "", "26-10"]:
        with pytest.raises(services.ValidationError, match="AAAA-MM"):
            services.mois_lire(texte)
    assert services.mois_verifier(D(2026, 10, 31), aujourd_hui=D(2026, 11, 1)) == OCTOBRE
    for mois in [D(2026, 11, 1), D(2027, 1, 1)]:
        with pytest.raises(services.ValidationError, match="seul un mois terminé"):
            services.mois_verifier(mois, aujourd_hui=D(2026, 11, 1))
    assert services.mois_precedent(D(2026, 1, 1)) == D(2025, 12, 1)
    assert (de_mois(OCTOBRE), de_mois(D(2026, 8, 1)), de_mois(D(2026, 3, 1))) == (
        "d'octobre 2026",
        "d'août 2026",
        "de mars 2026",
    )


# --- The PDF ------------------------------------------------------------------------------------


def _texte_pdf(contenu):
    lecteur = PdfReader(io.BytesIO(contenu))
    return lecteur, "\n".join(page.extract_text() for page in lecteur.pages)


def _aplati(texte):
    return " ".join(texte.split())


def test_the_pdf_has_the_sections_in_order_the_figures_and_the_comment_but_no_participant(personnes, mois):
    moi = personnes["moi"]
    rapport = services.rapport_obtenir(salarie=moi, mois=OCTOBRE)
    services.commentaire_enregistrer(rapport=rapport, commentaire=COMMENTAIRE, par=moi)
    rapport = services.generer(rapport)
    assert rapport.statut == RapportMensuel.Statut.PRET and rapport.progression == 100
    assert rapport.genere_le and not services.pdf_perime(rapport)
    with rapport.fichier.open("rb") as fichier:
        lecteur, texte = _texte_pdf(fichier.read())
    plat = _aplati(texte)
    assert "Rapport mensuel d'activité — octobre 2026 — Maëlle Prost" in plat
    position = 0
    for titre in [
        "Synthèse",
        "Offres prospectées par source",
        "Qualification et diffusion",
        "Positionnements et leurs suites",
        "Entreprises rencontrées",
        "Événements",
        "Actions collectives",
        "Besoins de formation capitalisés",
        "Temps par activité",
        "Commentaire",
    ]:
        position = plat.index(titre, position) + len(titre)  # each section after the one before
    for attendu in [
        "Offres qualifiées par Maëlle Prost 3",
        "Offres écartées par Maëlle Prost 1",
        "Offres diffusées par Maëlle Prost 2",
        "75,0 %",
        "Boulangerie Lefort 05/10, 31/10",
        "Forum de l'emploi de Chenôve",
        "Atelier CV",
        "12,5 h",
        "40,0 %",
        "Mois marqué par le forum de Chenôve.",
        "Deux entreprises du BTP à relancer.",
        "PLIE du bassin dijonnais",
    ]:
        assert attendu in plat, attendu
    nb_pages = len(lecteur.pages)
    for numero in range(1, nb_pages + 1):
        page = _aplati(lecteur.pages[numero - 1].extract_text())
        assert f"page {numero} / {nb_pages}" in page
        assert "Cofinancé par l'Union européenne — Fonds social européen plus (FSE+)" in page
    for nom in NOMS_PARTICIPANTS:
        assert nom not in texte


def test_a_comment_changed_after_generation_outdates_the_pdf(personnes, mois):
    moi = personnes["moi"]
    rapport = services.generer(services.rapport_obtenir(salarie=moi, mois=OCTOBRE))
    services.commentaire_enregistrer(rapport=rapport, commentaire="Nouveau", par=moi)
    assert services.pdf_perime(rapport) and not services.envoi_possible(rapport)
    with pytest.raises(services.ValidationError, match="5000"):
        services.commentaire_enregistrer(rapport=rapport, commentaire="x" * 5001, par=moi)
    with pytest.raises(services.PermissionDenied):
        services.commentaire_enregistrer(rapport=rapport, commentaire="Pas le mien", par=personnes["autre"])


def test_a_failed_rendering_ends_in_echec_with_the_reason(personnes, mois):
    rapport = services.rapport_obtenir(salarie=personnes["moi"], mois=OCTOBRE)
    with mock.patch("reporting.services.rendre_pdf", side_effect=RuntimeError("boom")):
        rapport = services.generer(rapport)
    assert rapport.statut == RapportMensuel.Statut.ECHEC
    assert "RuntimeError" in rapport.erreur and not rapport.fichier


# --- The tasks ----------------------------------------------------------------------------------


def test_the_task_records_its_progress_and_ends_ready(personnes, mois):
    rapport = services.rapport_obtenir(salarie=personnes["moi"], mois=OCTOBRE)
    vus = []

    def observer(original):
        def appel(*args, **kwargs):
            vus.append(RapportMensuel.objects.values_list("statut", "progression", "etape").get(pk=rapport.pk))
            return original(*args, **kwargs)

        return appel

    with (
        mock.patch("reporting.services.activite_mensuelle", observer(services.activite_mensuelle)),
        mock.patch("reporting.services.rendre_pdf", observer(services.rendre_pdf)),
    ):
        resultat = generer_rapport_mensuel.apply(args=[rapport.pk], task_id="tache-rapport-1")
    assert resultat.get() == "pret"
    assert vus == [("en_cours", 10, "Calcul des chiffres du mois"), ("en_cours", 40, "Mise en page du PDF")]
    rapport.refresh_from_db()
    assert (rapport.statut, rapport.progression, rapport.tache_id) == ("pret", 100, "tache-rapport-1")
    assert rapport.fichier.name.startswith("rapports/2026/10/")
    assert generer_rapport_mensuel.apply(args=[0]).get() is None


def test_the_beat_task_on_the_1st_sends_each_report_to_each_coordinatrice_once(
    personnes, mois, make_user, mailoutbox, settings
):
    coord2 = make_user(Role.COORDINATRICE)
    make_user(Role.COORDINATRICE, is_active=False)
    make_user(Role.CHARGE_MISSION, is_active=False)
    beat = settings.CELERY_BEAT_SCHEDULE["rapports-mensuels"]
    assert beat["task"] == "reporting.tasks.rapports_du_mois"
    assert (beat["schedule"].day_of_month, beat["schedule"].hour, beat["schedule"].minute) == ({1}, {6}, {0})

    assert rapports_du_mois("2026-11-01") == {"generes": 2, "envoyes": 4, "echecs": 0}
    assert len(mailoutbox) == 4
    destinataires = sorted((m.to[0], m.subject) for m in mailoutbox)
    assert destinataires == sorted(
        (coord.email, f"Rapport mensuel d'activité — octobre 2026 — {nom}")
        for coord in (personnes["coord"], coord2)
        for nom in ("Maëlle Prost", "Yanis Roux")
    )
    for message in mailoutbox:
        nom_fichier, contenu, type_mime = message.attachments[0]
        assert nom_fichier.startswith("rapport-activite-2026-10-") and nom_fichier.endswith(".pdf")
        assert type_mime == "application/pdf" and contenu.startswith(b"%PDF")
        assert "octobre 2026" in message.body
    rapports = RapportMensuel.objects.filter(mois=OCTOBRE)
    assert rapports.count() == 2 and all(r.envoye_le and r.statut == "pret" for r in rapports)

    mail.outbox.clear()
    assert rapports_du_mois(aujourd_hui=D(2026, 11, 1)) == {"generes": 0, "envoyes": 0, "echecs": 0}
    assert mailoutbox == []


def test_a_report_is_resent_only_in_a_new_version(personnes, mois, mailoutbox):
    moi = personnes["moi"]
    rapport = services.generer(services.rapport_obtenir(salarie=moi, mois=OCTOBRE))
    assert services.envoyer(rapport) == 1
    assert services.envoyer(rapport) == 0
    services.commentaire_enregistrer(rapport=rapport, commentaire="Ajout", par=moi)
    with pytest.raises(services.ValidationError, match="régénérez"):
        services.envoyer(rapport)
    services.envoyer(services.generer(rapport))
    assert len(mailoutbox) == 2


# --- The command --------------------------------------------------------------------------------


def test_the_command_writes_the_pdf_and_keeps_the_report(personnes, mois, tmp_path):
    sortie = tmp_path / "octobre.pdf"
    out = io.StringIO()
    call_command("monthly_report", "2026-10", str(sortie), salarie=personnes["moi"].email.upper(), stdout=out)
    assert sortie.read_bytes().startswith(b"%PDF")
    assert str(sortie) in out.getvalue() and "rendu en" in out.getvalue()
    rapport = RapportMensuel.objects.get(salarie=personnes["moi"], mois=OCTOBRE)
    assert rapport.statut == "pret" and rapport.fichier


def test_the_command_picks_the_only_active_chargee(db, make_user, tmp_path):
    seule = make_user(Role.CHARGE_MISSION)
    make_user(Role.CHARGE_MISSION, is_active=False)
    call_command("monthly_report", "2026-10", str(tmp_path / "r.pdf"), stdout=io.StringIO())
    assert RapportMensuel.objects.get().salarie == seule


@pytest.mark.parametrize(
    "args, options, message",
    [
        (["2026-13", "r.pdf"], {}, "Mois invalide « 2026-13 » : attendu au format AAAA-MM"),
        (["oct-2026", "r.pdf"], {}, "attendu au format AAAA-MM"),
        (["2999-01", "r.pdf"], {}, "ne peut pas encore être préparé"),
        (["2026-10", "r.txt"], {}, "extension .pdf"),
        (["2026-10", "r.pdf"], {"salarie": "inconnue@test.plie.fr"}, "Aucun compte actif avec l'adresse"),
        (["2026-10", "r.pdf"], {"salarie": "ref"}, "n'est pas chargé(e) de mission"),
        (["2026-10", "r.pdf"], {}, "Plusieurs chargé(e)s de mission actif(ve)s"),
    ],
)
def test_the_command_refuses_with_a_french_message(personnes, tmp_path, args, options, message):
    if options.get("salarie") == "ref":
        options["salarie"] = personnes["ref"].email
    args = [args[0], str(tmp_path / args[1])]
    with pytest.raises(CommandError) as erreur:
        call_command("monthly_report", *args, stdout=io.StringIO(), **options)
    assert message in str(erreur.value)
    assert not RapportMensuel.objects.exists()


def test_the_command_needs_a_chargee(db, tmp_path):
    with pytest.raises(CommandError, match="Aucun\\(e\\) chargé\\(e\\) de mission actif"):
        call_command("monthly_report", "2026-10", str(tmp_path / "r.pdf"), stdout=io.StringIO())


def test_the_current_month_is_refused_by_the_command(personnes, tmp_path):
    courant = timezone.localdate()
    with pytest.raises(CommandError, match="seul un mois terminé"):
        call_command(
            "monthly_report",
            f"{courant:%Y-%m}",
            str(tmp_path / "r.pdf"),
            salarie=personnes["moi"].email,
            stdout=io.StringIO(),
        )


# --- The pages ----------------------------------------------------------------------------------


@pytest.fixture
def rapport(personnes):
    return services.rapport_obtenir(salarie=personnes["moi"], mois=OCTOBRE)


def _urls(rapport):
    return {
        "liste": reverse("reporting:rapports"),
        "detail": reverse("reporting:rapport", args=[rapport.pk]),
        "etat": reverse("reporting:rapport_etat", args=[rapport.pk]),
        "pdf": reverse("reporting:rapport_pdf", args=[rapport.pk]),
    }


def test_anonymous_visitors_go_to_login(client, rapport):
    for url in _urls(rapport).values():
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("connexion"))


@pytest.mark.parametrize("role", [Role.REFERENT, Role.AUDITEUR_FSE, Role.ADMINISTRATEUR], ids=lambda r: r.value)
def test_other_roles_are_refused(client_as, rapport, role):
    client = client_as(role)
    for url in _urls(rapport).values():
        assert client.get(url).status_code == 403
    assert client.post(reverse("reporting:rapport_generer", args=[rapport.pk])).status_code == 403


def test_another_chargee_gets_404_on_a_report_not_hers(client, personnes, rapport):
    client.force_login(personnes["autre"])
    for nom, url in _urls(rapport).items():
        if nom != "liste":
            assert client.get(url).status_code == 404, nom
    for nom in ("rapport_commentaire", "rapport_generer", "rapport_envoyer"):
        assert client.post(reverse(f"reporting:{nom}", args=[rapport.pk]), {"commentaire": "x"}).status_code == 404
    assert rapport.pk not in [r.pk for r in client.get(reverse("reporting:rapports")).context["rapports"]]


def test_the_coordinatrice_reads_every_report_but_writes_none(client, personnes, mois, rapport):
    services.commentaire_enregistrer(rapport=rapport, commentaire=COMMENTAIRE, par=personnes["moi"])
    services.rapport_obtenir(salarie=personnes["autre"], mois=OCTOBRE)
    client.force_login(personnes["coord"])
    liste = client.get(reverse("reporting:rapports"))
    assert len(liste.context["rapports"]) == 2 and "Préparer le rapport" not in liste.content.decode()
    page = client.get(reverse("reporting:rapport", args=[rapport.pk])).content.decode()
    assert "Mois marqué par le forum de Chenôve." in page and "<textarea" not in page
    assert "Générer le PDF" not in page
    for nom in ("rapport_commentaire", "rapport_generer", "rapport_envoyer"):
        assert client.post(reverse(f"reporting:{nom}", args=[rapport.pk])).status_code == 403


def test_the_chargee_prepares_a_past_month_only(client, personnes):
    client.force_login(personnes["moi"])
    page = client.get(reverse("reporting:rapports")).content.decode()
    precedent = services.mois_precedent(timezone.localdate())
    assert f"Préparer le rapport {de_mois(precedent)}".replace("'", "&#x27;") in page
    response = client.post(reverse("reporting:rapports"), {"mois": "2026-10"})
    rapport = RapportMensuel.objects.get(salarie=personnes["moi"], mois=OCTOBRE)
    assert response.status_code == 302 and response.url == reverse("reporting:rapport", args=[rapport.pk])
    courant = timezone.localdate()
    response = client.post(reverse("reporting:rapports"), {"mois": f"{courant:%Y-%m}"})
    assert (
        response.status_code == 200
        and "seul un mois terminé peut faire l&#x27;objet d&#x27;un rapport" in response.content.decode()
    )
    response = client.post(reverse("reporting:rapports"), {"mois": "demain"})
    assert "attendu au format AAAA-MM" in response.content.decode()
    assert RapportMensuel.objects.count() == 1


def test_the_report_page_shows_the_figures_and_the_pdf_flow(
    client, personnes, mois, rapport, django_capture_on_commit_callbacks
):
    client.force_login(personnes["moi"])
    url = reverse("reporting:rapport", args=[rapport.pk])
    page = client.get(url).content.decode()
    assert "Rapport mensuel d&#x27;activité — octobre 2026 — Maëlle Prost" in page
    assert "Boulangerie Lefort" in page and "Générer le PDF" in page and "<textarea" in page

    with (
        mock.patch("reporting.tasks.generer_rapport_mensuel.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        fragment = client.post(reverse("reporting:rapport_generer", args=[rapport.pk]), headers={"HX-Request": "true"})
    delay.assert_called_once_with(rapport.pk)
    rapport.refresh_from_db()
    assert rapport.statut == "en_cours"
    contenu = fragment.content.decode()
    assert 'hx-trigger="every 1s"' in contenu and "<progress" in contenu
    progression = client.get(reverse("reporting:rapport_etat", args=[rapport.pk]), headers={"HX-Request": "true"})
    assert 'id="rapport-progression"' in progression.content.decode() and "Relancer" not in progression.content.decode()
    with mock.patch("reporting.tasks.generer_rapport_mensuel.delay") as delay:
        assert client.post(reverse("reporting:rapport_generer", args=[rapport.pk])).status_code == 302
        page = client.get(url).content.decode()
        assert "déjà en cours" in page and "Relancer la génération" in page
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("reporting:rapport_generer", args=[rapport.pk]), {"relancer": "1"})
    delay.assert_called_once_with(rapport.pk)

    services.generer(rapport)
    etat = client.get(reverse("reporting:rapport_etat", args=[rapport.pk]), headers={"HX-Request": "true"})
    assert (etat["HX-Retarget"], etat["HX-Reswap"]) == ("#rapport-pdf", "outerHTML")
    contenu = etat.content.decode()
    assert "hx-trigger" not in contenu and reverse("reporting:rapport_pdf", args=[rapport.pk]) in contenu

    response = client.post(reverse("reporting:rapport_commentaire", args=[rapport.pk]), {"commentaire": "Ajouté après"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Le commentaire a changé depuis la génération" in page and "Régénérer le PDF" in page
    response = client.post(reverse("reporting:rapport_commentaire", args=[rapport.pk]), {"commentaire": "x" * 5001})
    assert response.status_code == 200 and "dépasse 5000 caractères" in response.content.decode()


def test_the_pdf_download_is_logged_and_not_cached(client, personnes, mois, rapport):
    services.generer(rapport)
    for qui in ("moi", "coord"):
        client.force_login(personnes[qui])
        response = client.get(reverse("reporting:rapport_pdf", args=[rapport.pk]))
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        assert response["Cache-Control"] == "private, no-store"
        assert "attachment" in response["Content-Disposition"]
    journal = JournalAcces.objects.filter(objet_type="rapport_mensuel", objet_id=str(rapport.pk))
    assert journal.count() == 2 and set(journal.values_list("action", flat=True)) == {JournalAcces.Action.EXPORT}


def test_no_pdf_yet_is_a_404(client, personnes, rapport):
    client.force_login(personnes["moi"])
    assert client.get(reverse("reporting:rapport_pdf", args=[rapport.pk])).status_code == 404


def test_the_author_sends_her_report_from_the_page(client, personnes, mois, rapport, mailoutbox):
    services.generer(rapport)
    client.force_login(personnes["moi"])
    assert "Envoyer à la coordination" in client.get(reverse("reporting:rapport", args=[rapport.pk])).content.decode()
    client.post(reverse("reporting:rapport_envoyer", args=[rapport.pk]))
    assert [m.to for m in mailoutbox] == [[personnes["coord"].email]]


def test_the_start_page_links_to_her_latest_report(client, personnes, rapport):
    client.force_login(personnes["moi"])
    page = client.get(reverse("espace_charge_mission")).content.decode()
    assert reverse("reporting:rapport_dernier") in page and "Rapport mensuel" in page
    services.rapport_obtenir(salarie=personnes["moi"], mois=D(2026, 9, 1))
    response = client.get(reverse("reporting:rapport_dernier"))
    assert response.url == reverse("reporting:rapport", args=[rapport.pk])
    client.force_login(personnes["autre"])
    assert client.get(reverse("reporting:rapport_dernier")).url == reverse("reporting:rapports")


# --- Query counts -------------------------------------------------------------------------------


def _volume(personnes, mois, n):
    """``n`` more of everything in October 2026."""
    moi, ref = personnes["moi"], personnes["ref"]
    ft, _partenaire = mois["sources"]
    domaine, _ = mois["domaines"]
    prospection, _ = mois["categories"]
    for i in range(n):
        offre = _offre(ft, _le(D(2026, 10, 3 + i)), qualifiee_par=moi, qualifiee_le=_le(D(2026, 10, 4 + i)))
        _diffuser(offre, moi, _le(D(2026, 10, 4 + i)), ref)
        participant = ParticipantFactory(entre=True, referent=ref)
        Positionnement.objects.create(
            offre=offre, participant=participant, derniere_etape_le=D(2026, 10, 20), cree_par=ref
        )
        InteractionFactory(auteur=moi, date=D(2026, 10, 3 + i), type="courriel")
        evenement = Evenement.objects.create(
            titre=f"Salon {i}",
            type="salon",
            debut=_le(D(2026, 10, 3 + i)),
            fin=_le(D(2026, 10, 3 + i), 18),
            lieu="Dijon",
            cree_par=moi,
        )
        evenement.participants_plie.add(moi)
        _action(moi, D(2026, 10, 3 + i), f"Atelier {i}", StatutAction.REALISEE, [(participant, Presence.PRESENT, "")])
        BesoinFormationFactory(participant=participant, domaine=domaine, exprime_le=D(2026, 10, 3 + i), cree_par=ref)
    semaine = agenda.semaine_obtenir(moi, D(2026, 10, 12))
    for i in range(n):
        agenda.ligne_enregistrer(semaine, date=D(2026, 10, 12 + i % 5), categorie=prospection, heures=Decimal("1"))


def _requetes(fonction):
    with CaptureQueriesContext(connection) as requetes:
        fonction()
    return len(requetes)


def test_activite_mensuelle_reads_in_a_constant_number_of_queries(personnes, mois):
    moi = personnes["moi"]
    petit = _requetes(lambda: activite_mensuelle(moi, OCTOBRE))
    _volume(personnes, mois, 6)
    grand = _requetes(lambda: activite_mensuelle(moi, OCTOBRE))
    assert petit == grand == 12
    assert activite_mensuelle(moi, OCTOBRE).qualifiees == 3 + 6


def test_the_report_page_reads_in_a_constant_number_of_queries(client, personnes, mois, rapport):
    client.force_login(personnes["moi"])
    url = reverse("reporting:rapport", args=[rapport.pk])
    client.get(url)
    petit = _requetes(lambda: client.get(url))
    _volume(personnes, mois, 6)
    grand = _requetes(lambda: client.get(url))
    assert petit == grand


def test_the_list_page_reads_in_a_constant_number_of_queries(client, personnes, make_user):
    client.force_login(personnes["coord"])
    url = reverse("reporting:rapports")
    services.rapport_obtenir(salarie=personnes["moi"], mois=OCTOBRE)
    petit = _requetes(lambda: client.get(url))
    for i in range(5):
        chargee = make_user(Role.CHARGE_MISSION)
        services.rapport_obtenir(salarie=chargee, mois=D(2026, 1 + i, 1))
    grand = _requetes(lambda: client.get(url))
    assert petit == grand
