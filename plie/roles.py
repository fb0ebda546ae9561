"""The five roles of the PLIE and the permissions each one holds.

A role is a Django group. This table is the single source of truth for what each group may
do; ``sync_role_groups`` (run after every ``migrate``) makes the groups match it, so that the
permissions of a model added by a later migration reach the right roles without hand work.
Least privilege: a role gets only what its daily work needs.
"""

from django.db import models


class Role(models.TextChoices):
    REFERENT = "referent", "Référent(e) de parcours"
    CHARGE_MISSION = "charge_mission", "Chargé(e) de mission emploi-formation"
    COORDINATRICE = "coordinatrice", "Coordinatrice"
    AUDITEUR_FSE = "auditeur_fse", "Auditeur FSE"
    ADMINISTRATEUR = "administrateur", "Administrateur"

    @property
    def group_name(self):
        return self.label

    @property
    def start_url_name(self):
        return f"espace_{self.value}"

    @property
    def start_permission(self):
        return f"plie.{START_PERMISSIONS[self]}"


START_PERMISSIONS = {
    Role.REFERENT: "espace_referent",
    Role.CHARGE_MISSION: "espace_charge_mission",
    Role.COORDINATRICE: "espace_coordination",
    Role.AUDITEUR_FSE: "espace_audit_fse",
    Role.ADMINISTRATEUR: "espace_administration",
}

_REFERENCE_MODELS = ["commune", "quartierprioritaire", "niveauformation", "typecontrat", "metierrome"]


def _crud(app_label, model, actions=("view", "add", "change", "delete")):
    return [f"{app_label}.{action}_{model}" for action in actions]


# The company file: who logs a meeting also records the contacts and needs learned there.
_FICHIER_ENTREPRISES = [
    perm
    for model in ("entreprise", "contact", "interaction", "besoinrecrutement")
    for perm in _crud("entreprises", model, ("view", "add", "change"))
]

# The weekly FSE agenda: each salarié fills in their own (enforced by the views).
_AGENDA_FSE = [
    perm for model in ("semaineagenda", "ligneagenda") for perm in _crud("fse", model, ("view", "add", "change"))
]

# The participants' FSE data: recorded by the référent (and the coordination), read for the funder.
_DONNEES_FSE = _crud("fse", "donneesfseparticipant", ("view", "add", "change"))
_CONTROLE_FSE = ["fse.exporter_donnees_fse", "fse.exporter_csf", "fse.view_packcsf", "fse.add_packcsf"]

ROLE_PERMISSIONS = {
    Role.REFERENT: [
        "plie.espace_referent",
        *_crud("participants", "participant", ("view", "add", "change")),
        "offres.view_offre",
        *_crud("offres", "positionnement", ("view", "add", "change")),
        *_FICHIER_ENTREPRISES,
        "entreprises.view_binome",
        "entreprises.view_evenement",
        "entreprises.view_actioncollective",
        *_crud("entreprises", "inscription", ("view", "add", "delete")),
        *_crud("formation", "besoinformation", ("view", "add", "change")),
        "formation.view_organismeformation",
        "formation.view_sessionformation",
        *_crud("formation", "positionnementformation", ("view", "add", "change")),
        *_AGENDA_FSE,
        *_DONNEES_FSE,
        "reporting.voir_tableau_de_bord",
    ],
    Role.CHARGE_MISSION: [
        "plie.espace_charge_mission",
        *_crud("offres", "offre"),
        "offres.view_positionnement",
        *_FICHIER_ENTREPRISES,
        "entreprises.view_binome",
        *_crud("entreprises", "evenement"),
        *_crud("entreprises", "tacheevenement"),
        *_crud("entreprises", "actioncollective"),
        "entreprises.emarger",
        *_crud("entreprises", "inscription"),
        # Training needs are read (the Région report, positioning on sessions), not written:
        # the participant's référent records them.
        "formation.view_besoinformation",
        "formation.voir_rapport_region",
        *_crud("formation", "organismeformation"),
        *_crud("formation", "sessionformation"),
        *_crud("formation", "positionnementformation", ("view", "add", "change")),
        *_AGENDA_FSE,
        # Her monthly activity report (her own only, enforced by the views).
        *_crud("reporting", "rapportmensuel", ("view", "add", "change")),
    ],
    Role.COORDINATRICE: [
        "plie.espace_coordination",
        *_crud("participants", "participant", ("view", "add", "change")),
        "participants.decider_commission",
        "participants.changer_referent",
        "offres.view_offre",
        *_crud("offres", "positionnement", ("view", "change")),
        *[f"entreprises.view_{model}" for model in ("entreprise", "contact", "interaction", "besoinrecrutement")],
        *_crud("entreprises", "binome"),
        "entreprises.change_secteuractivite",
        "entreprises.view_evenement",
        "entreprises.view_actioncollective",
        "entreprises.view_inscription",
        *[f"formation.view_{model}" for model in ("besoinformation", "organismeformation", "sessionformation")],
        "formation.voir_rapport_region",
        "formation.view_positionnementformation",
        # The weekly agendas: read, then validated or sent back.
        "fse.view_semaineagenda",
        "fse.view_ligneagenda",
        "fse.valider_agenda",
        *_DONNEES_FSE,
        *_CONTROLE_FSE,
        "reporting.voir_tableau_de_bord",
        *_crud("reporting", "budget"),
        "reporting.view_rapportmensuel",
        *_crud("reporting", "bilan", ("view", "add", "change")),
        *_crud("reporting", "sectionbilan", ("view", "add", "change")),
    ],
    Role.AUDITEUR_FSE: [
        "plie.espace_audit_fse",
        # The contrôle de service fait: the collective actions and their attendance sheets,
        "entreprises.view_actioncollective",
        "entreprises.view_inscription",
        # and the weekly agendas of the FSE-funded staff, read-only.
        "fse.view_semaineagenda",
        "fse.view_ligneagenda",
        # the participants' FSE data and the indicators, read-only, and the pack.
        "fse.view_donneesfseparticipant",
        *_CONTROLE_FSE,
    ],
    Role.ADMINISTRATEUR: [
        "plie.espace_administration",
        "participants.view_participant",
        *_crud("plie", "user"),
        "auth.view_group",
        *[perm for model in _REFERENCE_MODELS for perm in _crud("plie", model)],
        *_crud("entreprises", "secteuractivite"),
        *_crud("formation", "domaineformation"),
        *_crud("fse", "categorieactivite"),
    ],
}


def sync_role_groups(using="default", **kwargs):
    """Create the role groups and give each exactly the permissions of ``ROLE_PERMISSIONS``.

    Permissions whose model does not exist yet are skipped; they are granted by the
    ``migrate`` that creates them.
    """
    from django.contrib.auth.models import Group, Permission

    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role.group_name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.extend(Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
