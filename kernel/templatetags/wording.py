"""``{{ title|elide }}``: French elision in the back office's titles.

Django's admin builds its titles from a model's name — "Ajout de %s", "Modification de %s",
"Affichage de %s" — which reads "Ajout de offre" or "Affichage de import de CDR" before a
vowel. French writes "d'offre", "d'import de CDR", "d'heure de qualité". The filter elides
that "de" before a vowel or a mute h, in French only; other languages are left as they are.
"""

import re

from django import template
from django.utils.translation import get_language

register = template.Library()

# Words of the back office that start with a mute h (an aspirated h, "hors", keeps "de").
MUTE_H = ("habilitation", "hébergement", "heure", "historique", "horaire", "hôte")
# Only the "de" after the title's first word ("Modification de …"): the rest of a title may hold
# an object's name, which is the user's text and left as it is.
_DE_VOWEL = re.compile(
    r"^(\w+) de (?=[aeiouàâäéèêëîïôöùûüœæ]|(?:" + "|".join(MUTE_H) + r")\b)",
    re.IGNORECASE,
)


@register.filter(is_safe=True)
def elide(value):
    if not value or not (get_language() or "").startswith("fr"):
        return value
    return _DE_VOWEL.sub(r"\1 d'", str(value))
