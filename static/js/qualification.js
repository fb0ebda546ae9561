// Keyboard shortcuts of the offers qualification screen (offres/qualifier.html).
// Loaded as a file: the Content-Security-Policy forbids inline scripts. Every action stays a real
// <button> in a <form> or a link, so the page works without this script.
//
//   q        qualify (submits the checklist form)
//   e        focus the discard motif; Enter on it then discards
//   n / j    next offer of the queue          p / k    previous offer
//   1 2 3    on a focused Oui / Non / Non précisé group: choose that answer
//   u        undo the last discard (when the message offers it)
//
// Keys typed in text fields, text areas and selects are left alone.
"use strict";

(() => {
  const page = document.querySelector("[data-qualification]");
  if (!page) {
    return;
  }

  const raccourci = (nom) => document.querySelector(`[data-raccourci="${nom}"]`);

  const saisieEnCours = (element) => {
    if (!element || element === document.body) {
      return false;
    }
    if (element.isContentEditable || element.tagName === "TEXTAREA" || element.tagName === "SELECT") {
      return true;
    }
    if (element.tagName === "INPUT") {
      return !["radio", "checkbox", "button", "submit", "reset"].includes(element.type);
    }
    return false;
  };

  const soumettre = (bouton) => {
    if (bouton && bouton.form) {
      bouton.form.requestSubmit(bouton);
    }
  };

  const aller = (lien) => {
    if (lien && lien.href) {
      window.location.assign(lien.href);
    }
  };

  const choisirReponse = (cible, rang) => {
    const groupe = cible.closest("[data-oui-non]");
    if (!groupe) {
      return false;
    }
    const radios = groupe.querySelectorAll('input[type="radio"]');
    const radio = radios[rang];
    if (!radio) {
      return false;
    }
    radio.checked = true;
    radio.focus();
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) {
      return;
    }
    const cible = event.target;
    if (saisieEnCours(cible)) {
      return;
    }
    let traite = true;
    switch (event.key) {
      case "q":
        soumettre(raccourci("qualifier"));
        break;
      case "e": {
        const motif = raccourci("motif-ecart") || document.getElementById("id_motif_ecart");
        if (motif) {
          motif.focus();
        } else {
          traite = false;
        }
        break;
      }
      case "n":
      case "j":
        aller(raccourci("suivante"));
        break;
      case "p":
      case "k":
        aller(raccourci("precedente"));
        break;
      case "u":
        soumettre(raccourci("annuler-ecart"));
        break;
      case "1":
      case "2":
      case "3":
        traite = choisirReponse(cible, Number(event.key) - 1);
        break;
      default:
        traite = false;
    }
    if (traite) {
      event.preventDefault();
    }
  });

  // Enter on the discard motif (a select does not submit its form by itself) discards the offer.
  const motif = document.getElementById("id_motif_ecart");
  if (motif) {
    motif.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.isComposing && motif.value) {
        event.preventDefault();
        soumettre(raccourci("ecarter"));
      }
    });
  }
})();
