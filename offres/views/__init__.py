"""Offer pages, one module per job: the chargé(e) de mission's qualification work and lists
(``qualification``, ``liste``), the référents' positionnements and diffusion (``positionnements``)."""
