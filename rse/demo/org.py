"""The demo organisation: ministries, their units and the people of the demo world.

Everything here is fixed (it does not depend on the seed) so that the showcase logins printed in
the README exist whatever seed is used, in the demo world and in the scale world alike.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Ministry:
    code: str  # the root unit's name
    title: str
    domain: str
    # Directorate names the scale world adds under the root, beyond those of DEMO_UNITS.
    directorates: tuple[str, ...] = ()


MINISTRIES: tuple[Ministry, ...] = (
    Ministry(
        "MEAE",
        "Ministère de l'Europe et des Affaires étrangères",
        "diplomatie.gouv.fr",
        ("DUE", "DAJ", "DDE", "Protocole", "CAPS"),
    ),
    Ministry(
        "MINARM",
        "Ministère des Armées",
        "intradef.gouv.fr",
        (
            "SCA",
            "SSA",
            "DRSD",
            "DICoD",
            "Armée de Terre",
            "Marine nationale",
            "Armée de l'Air et de l'Espace",
        ),
    ),
    Ministry(
        "MEF",
        "Ministère de l'Économie et des Finances",
        "finances.gouv.fr",
        ("DB", "DGCCRF", "DAJ", "INSEE", "AIFE", "DAE"),
    ),
    # The next ones appear only in the scale world, which needs a bigger state.
    Ministry(
        "MI", "Ministère de l'Intérieur", "interieur.gouv.fr", ("DGPN", "DGGN", "DGSCGC", "DGEF", "DGCL")
    ),
    Ministry(
        "MENJ",
        "Ministère de l'Éducation nationale",
        "education.gouv.fr",
        ("DGESCO", "DEPP", "DNE", "DGRH", "DAF"),
    ),
    Ministry(
        "MTE",
        "Ministère de la Transition écologique",
        "developpement-durable.gouv.fr",
        ("DGEC", "DGALN", "DGITM", "DGPR", "CGDD"),
    ),
    Ministry("MSS", "Ministère de la Santé", "sante.gouv.fr", ("DGS", "DGOS", "DSS", "DREES", "DGCS")),
    Ministry("MJ", "Ministère de la Justice", "justice.gouv.fr", ("DSJ", "DAP", "DACG", "DACS", "DPJJ")),
    Ministry("MC", "Ministère de la Culture", "culture.gouv.fr", ("DGPA", "DGCA", "DGMIC", "SG")),
    Ministry(
        "MASA",
        "Ministère de l'Agriculture et de la Souveraineté alimentaire",
        "agriculture.gouv.fr",
        ("DGAL", "DGPE", "DGER", "SG"),
    ),
)
MINISTRY_BY_CODE = {ministry.code: ministry for ministry in MINISTRIES}
DEMO_MINISTRIES = ("MEAE", "MINARM", "MEF")

# Parents come before children, so that creating them in order never skips a level.
DEMO_UNITS: tuple[str, ...] = (
    "MEAE",
    "MEAE/SG",
    "MEAE/SG/DNUM",
    "MEAE/SG/CDCS",
    "MEAE/SG/DCP",
    "MEAE/DGP",
    "MEAE/DGP/ANMO",
    "MEAE/DGP/ASD",
    "MEAE/DGP/Asie-Océanie",
    "MEAE/DGM",
    "MEAE/DGM/Afrique",
    "MEAE/DGM/Afrique/Bureau Afrique de l'Ouest",
    "MEAE/DGM/Afrique/Bureau Afrique centrale et orientale",
    "MEAE/DGM/Développement durable",
    "MEAE/DGM/Culture et enseignement",
    "MEAE/DFAE",
    "MEAE/DFAE/Administration consulaire",
    "MEAE/DFAE/Administration consulaire/Bureau des visas",
    "MEAE/DFAE/Sécurité des Français à l'étranger",
    "MEAE/Postes",
    "MEAE/Postes/Ambassade de France au Sénégal",
    "MEAE/Postes/Ambassade de France au Sénégal/Service de coopération et d'action culturelle",
    "MEAE/Postes/Ambassade de France en Côte d'Ivoire",
    "MEAE/Postes/Ambassade de France au Japon",
    "MEAE/Postes/Ambassade de France en Allemagne",
    "MINARM",
    "MINARM/EMA",
    "MINARM/EMA/CPCO",
    "MINARM/EMA/CPCO/Cellule Afrique",
    "MINARM/EMA/COMCYBER",
    "MINARM/EMA/Relations internationales",
    "MINARM/DGA",
    "MINARM/DGA/Direction technique",
    "MINARM/DGA/Direction technique/DGA Maîtrise de l'information",
    "MINARM/DGA/Direction internationale",
    "MINARM/SGA",
    "MINARM/SGA/DRH-MD",
    "MINARM/SGA/DAF",
    "MINARM/SGA/DPMA",
    "MINARM/DGRIS",
    "MINARM/DGRIS/Stratégie de défense",
    "MEF",
    "MEF/SG",
    "MEF/SG/SNUM",
    "MEF/DGFiP",
    "MEF/DGFiP/Gestion fiscale",
    "MEF/DGFiP/Gestion fiscale/Bureau des particuliers",
    "MEF/DGFiP/Contrôle fiscal",
    "MEF/DGFiP/DRFiP Île-de-France",
    "MEF/DG Trésor",
    "MEF/DG Trésor/Multifin",
    "MEF/DG Trésor/Politique économique",
    "MEF/DG Trésor/Réseau international",
    "MEF/DG Trésor/Réseau international/Service économique régional de Dakar",
    "MEF/DG Trésor/Réseau international/Service économique de Tokyo",
    "MEF/DGE",
    "MEF/DGE/Économie numérique",
    "MEF/DGE/Industrie",
    "MEF/DGDDI",
)


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    unit: str
    roles: tuple[str, ...] = ()
    manages: tuple[str, ...] = ()
    key: str | None = None  # how communities and showcase logins refer to this person
    description: str = ""  # who they are, for whoever reads or extends this cast


# The people every demo scenario leans on: the showcase logins and whole management chains
# (office -> sub-directorate -> directorate -> ministry) in each ministry.
KEY_PEOPLE: tuple[Person, ...] = (
    Person("Claire", "Lefèvre", "MEAE/SG/DNUM", ("admin",), key="admin",
           description="Administratrice de la plateforme (MEAE, direction du numérique)"),
    Person("Thomas", "Moreau", "MEAE/SG/DCP", ("curator",), key="curator",
           description="Curateur des contenus (MEAE, direction de la communication et de la presse)"),
    Person("Anne-Sophie", "Girard", "MEAE/SG", manages=("MEAE",), key="meae_head",
           description="Secrétaire générale : manager du ministère entier (MEAE)"),
    Person("Marc", "Rousseau", "MEAE/DGM", manages=("MEAE/DGM",), key="dgm_director",
           description="Directeur général de la mondialisation : manager d'une direction (MEAE/DGM)"),
    Person("Sophie", "Nguyen", "MEAE/DGM/Afrique", manages=("MEAE/DGM/Afrique",), key="afrique_head",
           description="Sous-directrice Afrique (MEAE/DGM/Afrique)"),
    Person("Olivier", "Diallo", "MEAE/DGM/Afrique/Bureau Afrique de l'Ouest",
           manages=("MEAE/DGM/Afrique/Bureau Afrique de l'Ouest",), key="bao_head",
           description="Chef du bureau Afrique de l'Ouest"),
    Person("Julie", "Bernard", "MEAE/DGM/Afrique/Bureau Afrique de l'Ouest", key="agent",
           description="Rédactrice au bureau Afrique de l'Ouest : agent sans rôle particulier"),
    Person("Karim", "Benali", "MINARM/EMA/CPCO/Cellule Afrique", key="agent_minarm",
           description="Officier traitant à la cellule Afrique du CPCO : agent d'un autre ministère"),
    Person("Hélène", "Marchand", "MEAE/DGP", manages=("MEAE/DGP",), key="dgp_director",
           description="Directrice générale des affaires politiques et de sécurité"),
    Person("François", "Lambert", "MEAE/DFAE", manages=("MEAE/DFAE",), key="dfae_director"),
    Person("Aminata", "Sow", "MEAE/Postes/Ambassade de France au Sénégal",
           manages=("MEAE/Postes/Ambassade de France au Sénégal",), key="ambassador_senegal"),
    Person("Philippe", "Garnier", "MINARM/SGA", manages=("MINARM",), key="minarm_head",
           description="Manager du ministère des Armées"),
    Person("Laurent", "Mercier", "MINARM/EMA", manages=("MINARM/EMA",), key="ema_head"),
    Person("Nadia", "Haddad", "MINARM/EMA/CPCO", manages=("MINARM/EMA/CPCO",), key="cpco_head"),
    Person("Julien", "Fabre", "MINARM/EMA/CPCO/Cellule Afrique",
           manages=("MINARM/EMA/CPCO/Cellule Afrique",), key="cellule_afrique_head"),
    Person("Isabelle", "Roux", "MINARM/DGA", manages=("MINARM/DGA",), key="dga_head"),
    Person("Yann", "Le Goff", "MINARM/EMA/COMCYBER", manages=("MINARM/EMA/COMCYBER",), key="comcyber_head"),
    Person("Catherine", "Blanc", "MEF/SG", manages=("MEF",), key="mef_head",
           description="Manager du ministère de l'Économie et des Finances"),
    Person("Nicolas", "Perrin", "MEF/DG Trésor", manages=("MEF/DG Trésor",), key="tresor_head"),
    Person("Élodie", "Faure", "MEF/DG Trésor/Réseau international",
           manages=("MEF/DG Trésor/Réseau international",), key="reseau_head"),
    Person("Moussa", "Konaté", "MEF/DG Trésor/Réseau international/Service économique régional de Dakar",
           manages=("MEF/DG Trésor/Réseau international/Service économique régional de Dakar",),
           key="ser_dakar_head"),
    Person("Stéphane", "Chevalier", "MEF/DGFiP", manages=("MEF/DGFiP",), key="dgfip_head"),
    Person("Camille", "Robin", "MEF/DGE", manages=("MEF/DGE",), key="dge_head"),
    Person("Mathilde", "Arnaud", "MEF/SG/SNUM", ("curator",), key="curator_mef"),
)  # fmt: skip

# Where the other demo agents sit, and how many: offices, posts and services in every ministry.
STAFF_SLOTS: tuple[tuple[str, int], ...] = (
    ("MEAE/DGM/Afrique/Bureau Afrique de l'Ouest", 3),
    ("MEAE/DGM/Afrique/Bureau Afrique centrale et orientale", 2),
    ("MEAE/DGM/Développement durable", 1),
    ("MEAE/DGP/ANMO", 2),
    ("MEAE/DGP/ASD", 1),
    ("MEAE/DFAE/Administration consulaire/Bureau des visas", 2),
    ("MEAE/SG/CDCS", 2),
    ("MEAE/Postes/Ambassade de France au Sénégal/Service de coopération et d'action culturelle", 2),
    ("MEAE/Postes/Ambassade de France au Japon", 1),
    ("MINARM/EMA/CPCO/Cellule Afrique", 2),
    ("MINARM/EMA/COMCYBER", 2),
    ("MINARM/EMA/Relations internationales", 1),
    ("MINARM/DGA/Direction technique/DGA Maîtrise de l'information", 2),
    ("MINARM/DGA/Direction internationale", 1),
    ("MINARM/SGA/DRH-MD", 1),
    ("MINARM/DGRIS/Stratégie de défense", 1),
    ("MEF/DGFiP/Gestion fiscale/Bureau des particuliers", 2),
    ("MEF/DGFiP/Contrôle fiscal", 1),
    ("MEF/DGFiP/DRFiP Île-de-France", 1),
    ("MEF/DG Trésor/Multifin", 1),
    ("MEF/DG Trésor/Réseau international/Service économique régional de Dakar", 2),
    ("MEF/DG Trésor/Politique économique", 1),
    ("MEF/DGE/Économie numérique", 1),
    ("MEF/DGDDI", 1),
)

FIRST_NAMES: tuple[str, ...] = (
    "Adrien", "Agathe", "Alexandre", "Alice", "Amandine", "Amélie", "Antoine", "Arnaud", "Audrey",
    "Aurélien", "Bastien", "Baptiste", "Benoît", "Bertrand", "Brigitte", "Caroline", "Cécile", "Céline",
    "Charlotte", "Chloé", "Christophe", "Clément", "Corinne", "Damien", "David", "Delphine", "Denis",
    "Didier", "Dominique", "Éric", "Emma", "Emmanuel", "Estelle", "Fabien", "Fatou", "Fatima", "Florence",
    "Florian", "Frédéric", "Gaëlle", "Guillaume", "Hugo", "Inès", "Jacques", "Jean", "Jean-Baptiste",
    "Jean-Michel", "Jérôme", "Joséphine", "Karine", "Kevin", "Laure", "Léa", "Léo", "Lina", "Louis",
    "Lucas", "Lucie", "Madeleine", "Malik", "Manon", "Margaux", "Marie", "Marine", "Martin", "Mathieu",
    "Maxime", "Mehdi", "Mélanie", "Michel", "Nathalie", "Noémie", "Omar", "Pascal", "Patricia", "Paul",
    "Pauline", "Pierre", "Quentin", "Rachid", "Raphaël", "Rémi", "Romain", "Salomé", "Samia", "Samuel",
    "Sandrine", "Sébastien", "Sylvie", "Thibault", "Valérie", "Victor", "Vincent", "Virginie", "Xavier",
    "Yasmine", "Yves", "Zoé",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand",
    "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin",
    "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin",
    "Masson", "Sanchez", "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Gautier",
    "Roger", "Roche", "Roy", "Noël", "Meyer", "Lucas", "Meunier", "Jean", "Perez", "Marchand", "Dufour",
    "Blanchard", "Marie", "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux", "Colin", "Fernandez",
    "Pierre", "Renard", "Arnaud", "Rolland", "Caron", "Aubert", "Giraud", "Leclerc", "Vidal", "Bourgeois",
    "Renaud", "Lemoine", "Picard", "Gaillard", "Philippe", "Leclercq", "Lacroix", "Fabre", "Dupuis",
    "Olivier", "Rodriguez", "Da Silva", "Hubert", "Louis", "Charles", "Guillot", "Rivière", "Le Gall",
    "Guillaume", "Adam", "Rey", "Moulin", "Gonzalez", "Berger", "Lecomte", "Ménard", "Fleury", "Deschamps",
    "Carpentier", "Julien", "Benoît", "Paris", "Maillard", "Marchal", "Aubry", "Vasseur", "Le Roux",
    "Renault", "Jacquet", "Collet", "Prévost", "Poirier", "Charpentier", "Royer", "Huet", "Baron",
    "Dupuy", "Pons", "Paul", "Laine", "Carré", "Breton", "Rémy", "Schneider", "Perrot", "Guyot",
    "Barre", "Marty", "Cousin", "Diallo", "Traoré", "Benali", "Haddad", "Mansouri", "Cissé", "Tran",
    "Kone", "Ben Ahmed", "Ndiaye", "Camara", "Bouzid", "Pham", "Sy", "Kaci", "Chaouch", "Le Goff",
)  # fmt: skip


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters, digits and hyphens: what an e-mail local part is made of here."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out, dash = [], False
    for char in plain.lower():
        if char.isalnum():
            out.append(char)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def ministry_of(path: str) -> Ministry:
    return MINISTRY_BY_CODE[path.split("/", 1)[0]]


class EmailBook:
    """Hands out ``prenom.nom@domain`` addresses, numbering homonyms (``prenom.nom2``).

    Local parts are unique across domains too: a ``@mention`` names a local part, and two
    ``jean.martin`` in different ministries would make every mention of one reach both.
    """

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def address(self, first: str, last: str, domain: str) -> str:
        base = f"{ascii_slug(first)}.{ascii_slug(last).replace('-', '')}"
        candidate, number = base, 1
        while candidate in self.taken:
            number += 1
            candidate = f"{base}{number}"
        self.taken.add(candidate)
        return f"{candidate}@{domain}"


@dataclass
class DemoPerson:
    """A person with its address resolved."""

    email: str
    name: str
    unit: str
    roles: tuple[str, ...] = ()
    manages: tuple[str, ...] = ()
    key: str | None = None


def demo_people() -> list[DemoPerson]:
    """The 60 people of the demo world, always the same ones whatever the seed."""
    book = EmailBook()
    people = [
        DemoPerson(
            email=book.address(p.first, p.last, ministry_of(p.unit).domain),
            name=f"{p.first} {p.last}",
            unit=p.unit,
            roles=p.roles,
            manages=p.manages,
            key=p.key,
        )
        for p in KEY_PEOPLE
    ]
    # A fixed generator, independent of --seed, so that the cast never changes.
    rng = random.Random("rse-demo-staff")
    for unit, count in STAFF_SLOTS:
        for _ in range(count):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = book.address(first, last, ministry_of(unit).domain)
            people.append(DemoPerson(email=email, name=f"{first} {last}", unit=unit))
    return people


def person_by_key(people: list[DemoPerson]) -> dict[str, DemoPerson]:
    return {person.key: person for person in people if person.key}
