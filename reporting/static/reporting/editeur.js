// Formatting toolbar of a bilan section: wraps the selection of the textarea in the allowed HTML
// tags (the server cleans everything else). Loaded as a file: the Content-Security-Policy forbids
// inline scripts. Without JavaScript the textarea still takes the tags as typed.
"use strict";

(() => {
  const ACTIONS = [
    { code: "strong", libelle: "Gras", texte: "G", raccourci: "b", classe: "fw-bold" },
    { code: "em", libelle: "Italique", texte: "I", raccourci: "i", classe: "fst-italic" },
    { code: "h3", libelle: "Intertitre", texte: "Titre", bloc: true },
    { code: "p", libelle: "Paragraphe", texte: "¶", bloc: true },
    { code: "ul", libelle: "Liste à puces", texte: "• Liste", liste: true },
    { code: "ol", libelle: "Liste numérotée", texte: "1. Liste", liste: true },
    { code: "blockquote", libelle: "Citation", texte: "« »", bloc: true },
    { code: "a", libelle: "Lien", texte: "Lien" },
  ];

  const echapper = (texte) => texte.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

  function envelopper(zone, action) {
    const debut = zone.selectionStart;
    const fin = zone.selectionEnd;
    const selection = zone.value.slice(debut, fin);
    let remplacement;
    if (action.liste) {
      const lignes = selection.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      const elements = (lignes.length ? lignes : [""]).map((l) => `  <li>${l}</li>`).join("\n");
      remplacement = `<${action.code}>\n${elements}\n</${action.code}>`;
    } else if (action.code === "a") {
      const adresse = window.prompt("Adresse du lien (https://…, http://… ou mailto:…)", "https://");
      if (!adresse || !/^(https?:\/\/|mailto:)/i.test(adresse.trim())) {
        return;
      }
      remplacement = `<a href="${echapper(adresse.trim())}">${selection || adresse.trim()}</a>`;
    } else {
      remplacement = `<${action.code}>${selection}</${action.code}>`;
      if (action.bloc) {
        remplacement = `${remplacement}\n`;
      }
    }
    zone.focus();
    zone.setRangeText(remplacement, debut, fin, selection ? "select" : "end");
    if (!selection && !action.liste && action.code !== "a") {
      // Nothing selected: put the caret between the tags, ready to type.
      const curseur = debut + action.code.length + 2;
      zone.setSelectionRange(curseur, curseur);
    }
    zone.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function installer(barre) {
    const zone = document.getElementById(barre.dataset.editeurBarre);
    if (!zone) {
      return;
    }
    barre.setAttribute("role", "toolbar");
    barre.setAttribute("aria-label", "Mise en forme du texte");
    barre.setAttribute("aria-controls", zone.id);
    barre.classList.add("btn-toolbar", "gap-1");
    for (const action of ACTIONS) {
      const bouton = document.createElement("button");
      bouton.type = "button";
      bouton.className = `btn btn-sm btn-outline-secondary ${action.classe || ""}`.trim();
      bouton.textContent = action.texte;
      bouton.title = action.raccourci ? `${action.libelle} (Ctrl+${action.raccourci.toUpperCase()})` : action.libelle;
      bouton.setAttribute("aria-label", action.libelle);
      bouton.addEventListener("click", () => envelopper(zone, action));
      barre.appendChild(bouton);
    }
    zone.addEventListener("keydown", (event) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) {
        return;
      }
      const action = ACTIONS.find((a) => a.raccourci === event.key.toLowerCase());
      if (action) {
        event.preventDefault();
        envelopper(zone, action);
      }
    });
    barre.hidden = false;
  }

  document.querySelectorAll("[data-editeur-barre]").forEach(installer);
})();
