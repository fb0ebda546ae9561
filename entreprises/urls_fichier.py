"""URLs of the company file (list, export, company page and forms, exchanges, next steps) and of
the sector binômes."""

from django.urls import path

from .views import binomes, fichier

urlpatterns = [
    path("", fichier.EntrepriseListe.as_view(), name="liste"),
    path("export.xlsx", fichier.export_entreprises, name="export"),
    path("nouvelle/", fichier.EntrepriseCreer.as_view(), name="creer"),
    path("<int:pk>/", fichier.EntrepriseDetail.as_view(), name="detail"),
    path("<int:pk>/modifier/", fichier.EntrepriseModifier.as_view(), name="modifier"),
    path("<int:pk>/echanges/", fichier.EntrepriseEchanges.as_view(), name="echanges"),
    path("<int:pk>/echange/", fichier.InteractionAjouter.as_view(), name="interaction_ajouter"),
    path("<int:pk>/contacts/nouveau/", fichier.ContactAjouter.as_view(), name="contact_ajouter"),
    path("contacts/<int:pk>/modifier/", fichier.ContactModifier.as_view(), name="contact_modifier"),
    path("<int:pk>/besoins/nouveau/", fichier.BesoinAjouter.as_view(), name="besoin_ajouter"),
    path("besoins/<int:pk>/modifier/", fichier.BesoinModifier.as_view(), name="besoin_modifier"),
    path("besoins/<int:pk>/clore/", fichier.BesoinClore.as_view(), name="besoin_clore"),
    path("echange/", fichier.InteractionRapide.as_view(), name="interaction_rapide"),
    path("echange/contacts/", fichier.InteractionContacts.as_view(), name="interaction_contacts"),
    path("prochaines-etapes/", fichier.ProchainesEtapes.as_view(), name="prochaines_etapes"),
    path("prochaines-etapes/<int:pk>/fait/", fichier.ProchaineEtapeFaite.as_view(), name="prochaine_etape_faite"),
    path("binomes/", binomes.BinomeListe.as_view(), name="binomes"),
    path("binomes/nouveau/", binomes.BinomeCreer.as_view(), name="binome_creer"),
    path("binomes/<int:pk>/", binomes.BinomeDetail.as_view(), name="binome"),
    path("binomes/<int:pk>/modifier/", binomes.BinomeModifier.as_view(), name="binome_modifier"),
]
