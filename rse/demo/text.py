"""French titles, Markdown bodies and comments, and the distributions both worlds share."""

from __future__ import annotations

import random
from itertools import accumulate

from feed.rendering import render_markdown

# Most traffic is routine; a flash message is an exception (and should stay one in a demo).
PRIORITIES = ("routine", "priority", "immediate", "flash")
PRIORITY_CUM_WEIGHTS = tuple(accumulate((70, 19, 8, 3)))
QUALIFICATIONS = (None, "information", "action")
# Weights of feed.comments.REACTIONS, in its order: thumbs up first, surprise last.
REACTION_CUM_WEIGHTS = tuple(accumulate((40, 15, 8, 8, 12, 8, 6, 3)))
QUALIFICATION_CUM_WEIGHTS = tuple(accumulate((45, 30, 25)))


def pick_priority(rng: random.Random) -> str:
    return rng.choices(PRIORITIES, cum_weights=PRIORITY_CUM_WEIGHTS)[0]


def pick_qualification(rng: random.Random) -> str | None:
    return rng.choices(QUALIFICATIONS, cum_weights=QUALIFICATION_CUM_WEIGHTS)[0]


TITLE_TEMPLATES: dict[str | None, tuple[str, ...]] = {
    "action": (
        "Demande de contribution : {s}",
        "Pour action – éléments de langage sur {s}",
        "Relecture demandée : note sur {s}",
        "Contribution attendue pour la réunion sur {s}",
        "Mise à jour de la fiche sur {s}",
        "Recensement des besoins concernant {s}",
        "Validation du calendrier : {s}",
    ),
    "information": (
        "Pour information : {s}",
        "Compte rendu de la réunion sur {s}",
        "Point de situation – {s}",
        "Note de synthèse : {s}",
        "Tableau de bord sur {s}",
        "Retour de mission : {s}",
    ),
    None: (
        "Question sur {s}",
        "Partage d'expérience : {s}",
        "Un article intéressant sur {s}",
        "Qui suit {s} ?",
        "Des idées pour {s} ?",
        "Webinaire à venir sur {s}",
    ),
}

GREETINGS = ("Bonjour à toutes et à tous,", "Chers collègues,", "Bonjour,")
ACTION_CONTEXTS = (
    "Dans la perspective du prochain comité de pilotage, nous devons consolider une position commune sur {s}.",
    "Le cabinet souhaite disposer d'une note de deux pages sur {s}.",
    "Suite à la réunion interservices de la semaine dernière, plusieurs points restent ouverts sur {s}.",
    "La direction prépare un point d'étape sur {s} et a besoin de vos éléments.",
    "Une question écrite parlementaire porte sur {s} : la réponse doit être préparée rapidement.",
)
ACTION_ASKS = (
    "les faits marquants des quinze derniers jours",
    "les points de vigilance identifiés par vos services",
    "vos propositions de messages clés",
    "les contacts utiles dans votre périmètre",
    "un état des lieux chiffré",
    "les risques et les mesures d'atténuation envisagées",
    "vos remarques sur le projet de note joint",
)
ACTION_CLOSINGS = (
    "Merci par avance pour votre réactivité.",
    "Les contributions seront consolidées par le bureau avant transmission au cabinet.",
    "Je reste disponible pour en parler, y compris par téléphone.",
    "Une réponse succincte suffit ; l'essentiel est de respecter l'échéance.",
)
INFO_INTROS = (
    "Pour votre information, voici les principaux éléments concernant {s}.",
    "Vous trouverez ci-dessous le relevé des échanges sur {s}.",
    "Quelques éléments de contexte sur {s}, à partager largement dans vos équipes.",
    "Le point hebdomadaire sur {s} est disponible.",
)
INFO_FACTS = (
    "la réunion s'est tenue en format restreint",
    "les partenaires ont confirmé leur engagement",
    "un nouveau point est prévu dans un mois",
    "aucune difficulté particulière n'a été signalée",
    "le calendrier initial est maintenu",
    "les échanges ont été francs et constructifs",
    "plusieurs pistes de simplification ont été retenues",
    "les services déconcentrés seront associés à la suite des travaux",
)
INFO_QUOTES = (
    "Nous devons avancer ensemble sur ce dossier.",
    "La priorité reste la sécurité de nos agents et de nos ressortissants.",
    "Les résultats obtenus sont encourageants, mais l'effort doit être poursuivi.",
)
INFO_CLOSINGS = (
    "Le compte rendu détaillé est disponible sur demande.",
    "N'hésitez pas à faire remonter vos observations.",
    "Ce point sera actualisé la semaine prochaine.",
)
DISCUSSION_BODIES = (
    "Je cherche des retours d'expérience sur {s}. Quelqu'un a-t-il déjà traité ce sujet dans son service ?",
    "Je partage un article qui fait un point clair sur {s}. Vos avis sont les bienvenus.",
    "Petite question pratique concernant {s} : quelle est la bonne procédure à suivre ?",
    "Nous organisons un temps d'échange informel sur {s}. Qui serait intéressé ?",
    "Bonne nouvelle : le groupe de travail sur {s} a rendu ses conclusions, qui sont *très* encourageantes.",
)
MENTION_LINES = (
    "Je mets en copie @{m}, qui suit ce dossier.",
    "Merci à @{m} pour sa relecture attentive.",
    "@{m}, pourrais-tu compléter avec les éléments de ton bureau ?",
    "cc @{m}",
)

COMMENTS = (
    "Merci pour ce point, très utile.",
    "Je transmets à mon bureau pour contribution.",
    "Pouvez-vous préciser le calendrier ?",
    "Contribution envoyée ce matin par courriel.",
    "D'accord avec cette analyse.",
    "Nous avons eu un retour du poste : la situation reste stable.",
    "Attention, le chiffre cité dans le deuxième paragraphe a été actualisé.",
    "Est-ce que la note sera diffusée aux postes ?",
    "Je peux prendre la partie juridique si besoin.",
    "Très bonne initiative, merci !",
    "Notre service a rencontré le même problème l'an dernier, je vous envoie notre fiche réflexe.",
    "Le sujet sera à l'ordre du jour du prochain comité.",
    "**Important :** la réunion est décalée à jeudi.",
    "Fait, la fiche est à jour.",
)
REPLIES = (
    "Merci, c'est noté.",
    "Oui, le calendrier sera diffusé jeudi.",
    "Bien reçu, merci.",
    "Je m'en occupe.",
    "Tout à fait d'accord.",
    "Je vous confirme que c'est bien le cas.",
    "Merci pour la précision !",
)


def title_for(rng: random.Random, qualification: str | None, subject: str) -> str:
    title = rng.choice(TITLE_TEMPLATES[qualification]).format(s=subject)
    return title[0].upper() + title[1:]


def demo_body(
    rng: random.Random, qualification: str | None, subject: str, tags: list[str], mention: str | None
) -> str:
    """A Markdown body in the tone of each kind of message; tags written as ``#tag``."""
    blocks: list[str] = []
    if qualification == "action":
        blocks.append(rng.choice(GREETINGS))
        blocks.append(rng.choice(ACTION_CONTEXTS).format(s=subject))
        asks = rng.sample(ACTION_ASKS, rng.randint(2, 3))
        blocks.append("**Demande :** merci de transmettre\n\n" + "\n".join(f"- {ask} ;" for ask in asks))
        blocks.append(rng.choice(ACTION_CLOSINGS))
    elif qualification == "information":
        blocks.append(rng.choice(INFO_INTROS).format(s=subject))
        facts = rng.sample(INFO_FACTS, rng.randint(2, 4))
        blocks.append("\n".join(f"{number}. {fact}" for number, fact in enumerate(facts, 1)))
        if rng.random() < 0.3:
            blocks.append(f"> « {rng.choice(INFO_QUOTES)} »")
        blocks.append(rng.choice(INFO_CLOSINGS))
    else:
        blocks.append(rng.choice(DISCUSSION_BODIES).format(s=subject))
    if mention:
        blocks.append(rng.choice(MENTION_LINES).format(m=mention))
    if tags:
        blocks.append(" ".join(f"#{tag}" for tag in tags))
    return "\n\n".join(blocks)


def comment_body(rng: random.Random, reply: bool) -> str:
    return rng.choice(REPLIES if reply else COMMENTS)


class Renderer:
    """HTML of each distinct paragraph, rendered once.

    A body is blocks separated by blank lines, none of them a list following another list, so
    its HTML is the concatenation of its blocks' HTML (the tests check this against render_markdown).
    """

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    def html(self, block: str) -> str:
        html = self.cache.get(block)
        if html is None:
            html = self.cache[block] = render_markdown(block)
        return html
