"""Hand-written posts that every demo world has, whatever the seed.

Random posts cover the feeds; these make sure that the showcase logins find, within the last
hours, a flash action on their office, a whole-ministry notice, an overdue action, an exchange
between two ministries in a secret community and a mention.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    community: str  # slug
    author: str  # key person
    qualification: str | None
    priority: str
    title: str
    body: str
    hours_ago: int
    action: tuple[str, ...] = ()  # "unit:<path>" or "user:<key>"
    information: tuple[str, ...] = ()
    due_in_hours: int | None = None  # negative: already overdue
    comments: tuple[tuple[str, str], ...] = ()  # (author key, body), a few minutes apart


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "redacteurs-afrique", "afrique_head", "action", "flash",
        "Éléments de langage attendus avant 17 h : situation sécuritaire au Sahel",
        "Chers collègues,\n\nLe cabinet a besoin **avant 17 h** d'éléments de langage actualisés sur la "
        "situation sécuritaire au Sahel, en vue du point presse de demain.\n\n"
        "- rappel des faits des dernières 48 heures ;\n- position de la France ;\n- messages à éviter.\n\n"
        "Le bureau Afrique de l'Ouest centralise. Merci !\n\n#sahel #elementsdelangage",
        hours_ago=2, action=("unit:MEAE/DGM/Afrique/Bureau Afrique de l'Ouest",), due_in_hours=3,
        comments=(("bao_head", "Bien reçu, le bureau s'en charge."),),
    ),
    Scenario(
        "actualites-quai-d-orsay", "curator", "information", "routine",
        "Note de service : nouvelles modalités de télétravail",
        "Une nouvelle note de service précise les modalités de télétravail en administration centrale "
        "à compter du mois prochain.\n\n1. jusqu'à deux jours par semaine ;\n2. demande via le portail RH ;"
        "\n3. validation par le chef de service.\n\nLa foire aux questions est disponible sur l'intranet. "
        "#teletravail #rh",
        hours_ago=5, information=("unit:MEAE",),
    ),
    Scenario(
        "cellule-coordination-sahel", "agent", "action", "immediate",
        "Point de situation sécuritaire hebdomadaire",
        "Bonjour Karim,\n\nPourrais-tu nous transmettre l'appréciation de situation du CPCO pour la "
        "réunion de coordination de jeudi ?\n\nJe mets en copie @olivier.diallo.\n\n#sahel",
        hours_ago=20, action=("user:agent_minarm",), information=("user:bao_head",), due_in_hours=48,
        comments=(
            ("agent_minarm", "Je vous envoie cela demain matin."),
            ("bao_head", "Merci, c'est noté."),
        ),
    ),
    Scenario(
        "veille-afrique-de-l-ouest", "agent_minarm", "information", "priority",
        "Appréciation de situation : golfe de Guinée",
        "Pour information, voici la synthèse de la semaine sur la sûreté maritime dans le golfe de "
        "Guinée.\n\n> « La coopération régionale progresse, mais les incidents restent fréquents. »\n\n"
        "Merci à @julie.bernard pour sa relecture.\n\n#securite #golfedeguinee",
        hours_ago=26, information=("unit:MEAE/DGM/Afrique",),
    ),
    Scenario(
        "comite-direction-dgm", "dgm_director", "action", "priority",
        "Contributions au rapport d'activité de la DGM",
        "Merci de transmettre la contribution de votre sous-direction au rapport d'activité "
        "(deux pages maximum, chiffres clés compris).\n\n#rapportdactivite",
        hours_ago=24 * 9, action=("user:afrique_head",), due_in_hours=-24 * 3,
    ),
    Scenario(
        "reseau-attaches-economiques", "reseau_head", "action", "routine",
        "Recensement des visites ministérielles du prochain semestre",
        "Chers collègues du réseau,\n\nMerci d'indiquer les visites ministérielles envisagées dans votre "
        "pays de résidence au cours du prochain semestre.\n\n#export #reseau",
        hours_ago=30, action=("unit:MEF/DG Trésor/Réseau international",), due_in_hours=24 * 6,
    ),
)  # fmt: skip
