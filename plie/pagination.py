"""Pagination of the long lists: a count that stops at a ceiling.

Counting a region's 150 000 participants or a million offers on every page costs more than the
page itself, and past some thousands of rows nobody pages through a list any more: they narrow it
with its filters. The list then says « plus de 10 000 » (true) and pages up to the ceiling, so that
no page reads its way through the whole table either (no deep OFFSET).
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class PaginateurPlafonne(Paginator):
    """A paginator whose ``count`` reads at most ``plafond`` + 1 rows (no ordering, no annotation);
    ``plafonne`` tells that there are more."""

    plafond = 10_000

    @cached_property
    def _compte(self):
        return self.object_list.order_by().values("pk")[: self.plafond + 1].count()

    @property
    def plafonne(self):
        return self._compte > self.plafond

    @cached_property
    def count(self):
        return min(self._compte, self.plafond)


class PaginateurParIdentifiants(PaginateurPlafonne):
    """Reads a page in two steps: the ids of its rows, filtered and sorted on the table alone, then
    those rows with their joins and per-row subqueries. A common name matches thousands of people
    in a region; sorting them with every joined column cost three times the 25 rows shown."""

    def page(self, number):
        number = self.validate_number(number)
        debut = (number - 1) * self.per_page
        identifiants = list(self.object_list.values_list("pk", flat=True)[debut : debut + self.per_page])
        rang = {pk: n for n, pk in enumerate(identifiants)}
        lignes = sorted(self.object_list.filter(pk__in=identifiants), key=lambda ligne: rang[ligne.pk])
        return self._get_page(lignes, number, self)
