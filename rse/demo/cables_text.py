"""What the day of diplomatic cables is made of: desks, posts abroad, events and the notes of each level."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    city: str
    country: str
    tag: str  # a hashtag, plain ASCII
    kind: str = "Ambassade de France"  # who sends from there


@dataclass(frozen=True)
class Desk:
    """A desk of the administration: the unit its cables are addressed to, where they come from."""

    key: str
    unit: str
    count: int  # cables of the day
    origins: tuple[Origin, ...]
    events: tuple[str, ...]
    relays: tuple[str, ...]  # units whose agents post the cables of posts without a demo account


WEST_AFRICA = (
    Origin("Dakar", "Sénégal", "senegal"),
    Origin("Abidjan", "Côte d'Ivoire", "cotedivoire"),
    Origin("Bamako", "Mali", "mali"),
    Origin("Niamey", "Niger", "niger"),
    Origin("Ouagadougou", "Burkina Faso", "burkinafaso"),
    Origin("Conakry", "Guinée", "guinee"),
    Origin("Lomé", "Togo", "togo"),
    Origin("Cotonou", "Bénin", "benin"),
    Origin("Accra", "Ghana", "ghana"),
    Origin("Abuja", "Nigeria", "nigeria"),
    Origin("Nouakchott", "Mauritanie", "mauritanie"),
)
CENTRAL_EAST_AFRICA = (
    Origin("Kinshasa", "RDC", "rdc"),
    Origin("Yaoundé", "Cameroun", "cameroun"),
    Origin("Libreville", "Gabon", "gabon"),
    Origin("N'Djamena", "Tchad", "tchad"),
    Origin("Bangui", "Centrafrique", "centrafrique"),
    Origin("Nairobi", "Kenya", "kenya"),
    Origin("Addis-Abeba", "Éthiopie", "ethiopie"),
    Origin("Kigali", "Rwanda", "rwanda"),
    Origin("Djibouti", "Djibouti", "djibouti"),
)
NORTH_AFRICA_MIDDLE_EAST = (
    Origin("Rabat", "Maroc", "maroc"),
    Origin("Alger", "Algérie", "algerie"),
    Origin("Tunis", "Tunisie", "tunisie"),
    Origin("Le Caire", "Égypte", "egypte"),
    Origin("Beyrouth", "Liban", "liban"),
    Origin("Amman", "Jordanie", "jordanie"),
    Origin("Riyad", "Arabie saoudite", "arabiesaoudite"),
    Origin("Bagdad", "Irak", "irak"),
    Origin("Abou Dhabi", "Émirats arabes unis", "eau"),
    Origin("Doha", "Qatar", "qatar"),
)
MULTILATERAL = (
    Origin("Bruxelles", "OTAN", "otan", "Représentation permanente de la France"),
    Origin("Vienne", "AIEA", "aiea", "Représentation permanente de la France"),
    Origin("Genève", "Conférence du désarmement", "desarmement", "Représentation permanente de la France"),
    Origin("New York", "Nations unies", "onu", "Représentation permanente de la France"),
)
CONSULATES = (
    Origin("Dakar", "Sénégal", "senegal"),
    Origin("Casablanca", "Maroc", "maroc", "Consulat général de France"),
    Origin("Alger", "Algérie", "algerie", "Consulat général de France"),
    Origin("Istanbul", "Turquie", "turquie", "Consulat général de France"),
    Origin("Shanghai", "Chine", "chine", "Consulat général de France"),
    Origin("Montréal", "Canada", "canada", "Consulat général de France"),
    Origin("Abidjan", "Côte d'Ivoire", "cotedivoire"),
)
DAKAR = Origin("Dakar", "Sénégal", "senegal")
TOKYO = Origin("Tokyo", "Japon", "japon")

POLITICAL_EVENTS = (
    "entretien de l'ambassadeur avec le ministre des Affaires étrangères",
    "remaniement ministériel",
    "adoption du budget de l'État",
    "manifestations dans la capitale",
    "visite d'une délégation d'entreprises françaises",
    "déclaration du gouvernement sur la coopération avec la France",
    "campagne de désinformation visant la France",
    "négociations avec le FMI",
    "préparation de la visite du ministre",
    "situation économique et inflation",
    "entretien avec le chef de l'opposition",
    "réunion des chefs de mission de l'Union européenne",
    "projet de loi sur les associations",
    "calendrier électoral",
    "grève dans les transports",
    "revue de la presse locale",
    "entretien avec le président de l'Assemblée nationale",
    "nomination d'un nouveau chef d'état-major",
)
WEST_AFRICA_EVENTS = (
    "sommet de la CEDEAO",
    "situation sécuritaire dans le nord du pays",
    "attaque contre un poste de l'armée",
    "transition politique",
    "flux migratoires vers l'Europe",
    "coopération sécuritaire régionale",
    "prix des denrées et sécurité alimentaire",
    "présence de sociétés militaires privées",
)
CENTRAL_EAST_AFRICA_EVENTS = (
    "processus de paix dans l'est du pays",
    "sommet de l'Union africaine",
    "déplacés internes et situation humanitaire",
    "renouvellement du mandat de la mission des Nations unies",
    "contrats miniers",
    "relations avec les pays voisins",
)
NORTH_AFRICA_MIDDLE_EAST_EVENTS = (
    "négociations sur un cessez-le-feu",
    "situation humanitaire",
    "prix de l'énergie",
    "réforme constitutionnelle",
    "coopération antiterroriste",
    "tensions régionales",
    "visite d'un émissaire américain",
    "reconstruction et bailleurs internationaux",
)
MULTILATERAL_EVENTS = (
    "réunion du Conseil de l'Atlantique Nord",
    "rapport trimestriel du directeur général",
    "négociation d'une résolution",
    "contrôle des exportations d'armement",
    "préparation du sommet des chefs d'État",
    "régime de non-prolifération",
    "consultations informelles des membres permanents",
    "budget de l'organisation",
)
JAPAN_EVENTS = (
    "entretien avec le vice-ministre des Affaires étrangères",
    "politique monétaire de la Banque du Japon",
    "sécurité en mer de Chine orientale",
    "préparation du dialogue stratégique franco-japonais",
    "coopération industrielle dans le nucléaire civil",
    "visite d'une délégation parlementaire",
)
CONSULAR_EVENTS = (
    "pic de demandes de visas étudiants",
    "délais de rendez-vous",
    "fraude documentaire détectée",
    "transcriptions d'état civil",
    "prestataire de services de visas",
    "tournée consulaire",
    "visite consulaire à un compatriote détenu",
    "inscriptions au registre des Français de l'étranger",
)
SECURITY_EVENTS = (
    "mise à jour des conseils aux voyageurs",
    "alerte sécurité : manifestations annoncées",
    "exercice du plan de sécurité de la communauté française",
    "intempéries : point sur les ressortissants",
    "compatriote hospitalisé",
    "réseau des chefs d'îlot",
    "menace visant les emprises occidentales",
)
DEVELOPMENT_EVENTS = (
    "programmation de l'Agence française de développement",
    "projet d'accès à l'eau potable",
    "fonds de solidarité pour les projets innovants",
    "financement de l'adaptation climatique",
    "campagne de vaccination",
    "coordination des bailleurs",
)
CULTURE_EVENTS = (
    "programmation de la saison culturelle",
    "réseau des Alliances françaises",
    "bourses du gouvernement français",
    "rentrée du lycée français",
    "mobilité étudiante et Campus France",
    "festival du film francophone",
)
FLASH_EVENTS = (
    "tirs entendus près de la présidence",
    "explosion dans le quartier des ambassades",
    "arrestation du chef de l'opposition",
    "fermeture des frontières annoncée",
    "coupure générale des réseaux de télécommunication",
    "mouvements de troupes dans la capitale",
)

BAO = "MEAE/DGM/Afrique/Bureau Afrique de l'Ouest"
BACO = "MEAE/DGM/Afrique/Bureau Afrique centrale et orientale"
SENEGAL = "MEAE/Postes/Ambassade de France au Sénégal"
SCAC = "MEAE/Postes/Ambassade de France au Sénégal/Service de coopération et d'action culturelle"
JAPAN = "MEAE/Postes/Ambassade de France au Japon"

DESKS: tuple[Desk, ...] = (
    Desk("afrique-ouest", BAO, 300, WEST_AFRICA, POLITICAL_EVENTS + WEST_AFRICA_EVENTS, (BAO,)),
    Desk("afrique-centrale", BACO, 140, CENTRAL_EAST_AFRICA, POLITICAL_EVENTS + CENTRAL_EAST_AFRICA_EVENTS,
         (BACO,)),
    Desk("anmo", "MEAE/DGP/ANMO", 160, NORTH_AFRICA_MIDDLE_EAST,
         POLITICAL_EVENTS + NORTH_AFRICA_MIDDLE_EAST_EVENTS, ("MEAE/DGP/ANMO",)),
    Desk("asd", "MEAE/DGP/ASD", 70, MULTILATERAL, MULTILATERAL_EVENTS, ("MEAE/DGP/ASD",)),
    Desk("asie", "MEAE/DGP/Asie-Océanie", 60, (TOKYO,), JAPAN_EVENTS, (JAPAN,)),
    Desk("consulaire", "MEAE/DFAE/Administration consulaire/Bureau des visas", 110, CONSULATES,
         CONSULAR_EVENTS, ("MEAE/DFAE/Administration consulaire/Bureau des visas",)),
    Desk("securite", "MEAE/SG/CDCS", 80, WEST_AFRICA + CENTRAL_EAST_AFRICA + NORTH_AFRICA_MIDDLE_EAST,
         SECURITY_EVENTS, ("MEAE/SG/CDCS",)),
    Desk("developpement", "MEAE/DGM/Développement durable", 50, WEST_AFRICA + CENTRAL_EAST_AFRICA,
         DEVELOPMENT_EVENTS, ("MEAE/DGM/Développement durable",)),
    Desk("culture", "MEAE/DGM/Culture et enseignement", 30, (DAKAR, TOKYO), CULTURE_EVENTS, (SCAC,)),
)  # fmt: skip

# Where a post abroad has demo accounts, they write its cables themselves.
POSTS_ABROAD = {"Dakar": (SENEGAL, SCAC), "Tokyo": (JAPAN,)}

FACTS = (
    "les autorités ont confirmé le calendrier annoncé",
    "la situation reste calme dans la capitale",
    "nos partenaires européens partagent cette analyse",
    "le gouvernement sollicite un soutien de la France",
    "la presse locale relaie largement l'information",
    "aucun ressortissant français n'est concerné à ce stade",
    "le poste reste en contact étroit avec les autorités",
    "une réunion de suivi est prévue la semaine prochaine",
    "les chiffres officiels sont contestés par l'opposition",
    "la délégation de l'Union européenne prépare une déclaration",
    "les bailleurs se coordonnent sur place",
    "le ministre a demandé à recevoir l'ambassadeur",
    "les réseaux sociaux amplifient les rumeurs",
    "nos interlocuteurs se montrent prudents",
)
COMMENTS = (
    "ce développement confirme la tendance observée depuis plusieurs semaines.",
    "il conviendra de suivre la réaction des partenaires régionaux.",
    "le poste recommande une communication prudente.",
    "pas d'incidence immédiate sur nos intérêts.",
    "un signal positif pour notre coopération bilatérale.",
    "le poste rendra compte de la suite.",
)
ASKS = (
    "le poste sollicite des instructions avant l'entretien de demain",
    "merci de transmettre des éléments de langage actualisés",
    "le poste soumet un projet de réponse à valider",
    "merci d'indiquer la position française avant la réunion",
    "le poste demande l'accord du département",
)
NOTE_KINDS = ("Compte rendu d'entretien", "Note de synthèse", "Fiche")

# What each level writes when it sends a cable up, by the depth of the level it reaches (from the
# ministry, 0) and when it keeps or closes one.
FORWARD_NOTES: dict[int, tuple[str, ...]] = {
    3: (
        "Pour information : élément nouveau par rapport à hier.",
        "À signaler : le poste demande des instructions.",
        "Mérite votre attention, sujet sensible.",
        "Je propose une remontée à la sous-direction.",
        "Confirme les informations de la presse locale.",
        "Premier signal d'une dégradation ; à suivre.",
        "Utile pour la préparation de la visite.",
        "Le poste signale un risque pour la communauté française.",
        "Pour votre réunion de cet après-midi.",
        "Éléments chiffrés inédits.",
    ),
    2: (
        "Remonté à la sous-direction : à évoquer en réunion de service.",
        "Sujet sensible ; je propose une note au directeur.",
        "Pour décision : le poste attend une réponse rapide.",
        "Signal confirmé par deux postes de la région.",
        "À intégrer aux éléments de langage.",
        "Pour votre information, rien à faire à ce stade.",
    ),
    1: (
        "Pour le directeur : à intégrer à la note hebdomadaire au cabinet.",
        "Point d'attention pour le comité de direction de demain.",
        "Mérite un arbitrage de votre part.",
        "À rapprocher des signaux de la semaine dernière.",
        "Urgent : le poste attend des instructions.",
    ),
    0: (
        "Pour la secrétaire générale : à porter à l'attention du cabinet.",
        "À évoquer au prochain comité exécutif.",
        "Pour information du cabinet : risque médiatique.",
        "Décision nécessaire avant demain midi.",
    ),
}
KEEP_NOTES = (
    "Conservé : suivi par le bureau.",
    "Gardé pour la fiche pays.",
    "À reprendre dans la note hebdomadaire.",
    "Je garde : à suivre avec le poste.",
    "Conservé pour la réunion de demain.",
)
CLOSE_NOTES = (
    "Classé.",
    "Classé : déjà connu.",
    "Classé, sans suite à donner.",
    "Pas d'élément nouveau ; classé.",
    "Traité par le bureau ; classé.",
    "Redondant avec le télégramme de ce matin.",
)
