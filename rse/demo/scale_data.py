"""Word lists for the scale world: unit names, community topics, subjects and tags."""

from __future__ import annotations

SUBDIRECTORATES: tuple[str, ...] = (
    "Affaires juridiques", "Budget et performance", "Ressources humaines", "Systèmes d'information",
    "Affaires européennes", "Affaires internationales", "Études et prospective", "Pilotage",
    "Achats et logistique", "Communication", "Contrôle interne", "Synthèse", "Politiques publiques",
    "Relations avec les usagers", "Immobilier", "Statistiques", "Formation", "Réglementation",
    "Coordination territoriale", "Innovation", "Sécurité", "Partenariats",
)  # fmt: skip

OFFICES: tuple[str, ...] = (
    "Bureau des études", "Bureau de la synthèse", "Bureau du contentieux", "Bureau de la programmation",
    "Bureau des marchés", "Bureau de la paie", "Bureau du recrutement", "Bureau des partenariats",
    "Bureau de la réglementation", "Bureau de l'animation du réseau", "Bureau du pilotage",
    "Bureau des affaires générales", "Bureau de la qualité", "Bureau des projets", "Bureau de la formation",
    "Bureau des archives", "Bureau du budget", "Bureau de la prévention", "Bureau des données",
    "Bureau des relations extérieures", "Bureau de la coordination", "Bureau de l'expertise",
)  # fmt: skip

COMMUNITY_PREFIXES: tuple[str, ...] = (
    "Réseau",
    "Club",
    "Groupe de travail",
    "Communauté",
    "Cellule",
    "Observatoire",
    "Atelier",
    "Forum",
)
COMMUNITY_TOPICS: tuple[str, ...] = (
    "achats publics", "IA générative", "données ouvertes", "télétravail", "qualité de vie au travail",
    "marchés publics", "accessibilité numérique", "égalité professionnelle", "sobriété énergétique",
    "cybersécurité", "gestion de crise", "relations presse", "archives et mémoire", "formation continue",
    "management public", "simplification administrative", "contrôle de gestion", "veille juridique",
    "affaires européennes", "coopération internationale", "mobilité des agents", "logiciels libres",
    "design des services publics", "lutte contre la fraude", "protection des données", "immobilier de l'État",
    "handicap et inclusion", "réservistes", "jeunes diplômés", "laïcité et valeurs de la République",
    "prévention des risques", "statistique publique", "évaluation des politiques publiques", "chefs de projet",
    "secrétariats généraux", "réseau territorial", "outre-mer", "développement durable", "innovation",
    "relations avec les élus", "communication interne", "traduction et interprétariat", "protocole",
)  # fmt: skip

SUBJECTS: tuple[str, ...] = (
    "le schéma directeur du numérique", "la campagne budgétaire", "le rapport d'activité annuel",
    "le plan de formation", "la réorganisation des services", "la mise à jour des procédures",
    "le séminaire des cadres", "l'enquête de satisfaction des usagers", "la gestion des archives",
    "le déploiement de la visioconférence", "le plan de continuité d'activité", "la sécurité des locaux",
    "les indicateurs de performance", "le contrôle interne comptable", "la dématérialisation des procédures",
    "la préparation du comité technique", "la réforme des retraites", "les élections professionnelles",
    "la gestion prévisionnelle des emplois", "le télétravail", "les marchés de prestations intellectuelles",
    "le rapport de la Cour des comptes", "la stratégie ministérielle", "la revue des dépenses",
    "la protection des données personnelles", "l'accueil des nouveaux arrivants", "le plan d'égalité",
    "la refonte du site internet", "le projet de décret", "la circulaire d'application",
    "la coopération avec les collectivités", "la présidence française", "le projet de loi",
    "l'inventaire des applications", "la migration vers le cloud", "les retours d'expérience",
    "la gestion de crise", "la réponse à la question parlementaire", "la visite du ministre",
    "l'audit interne", "le tableau de bord mensuel", "la charte de déontologie",
)  # fmt: skip

TAGS: tuple[str, ...] = (
    "budget", "rh", "numerique", "juridique", "europe", "international", "crise", "securite", "achats",
    "formation", "donnees", "ia", "cyber", "communication", "immobilier", "archives", "qualite", "usagers",
    "simplification", "teletravail", "egalite", "climat", "innovation", "pilotage", "reglementation",
    "audit", "statistiques", "territoires", "outremer", "protocole", "presse", "reseau", "management",
    "accessibilite", "opensource", "cloud", "retraites", "recrutement", "deontologie", "prospective",
)  # fmt: skip

SCALE_FACTS: tuple[str, ...] = (
    "Les premiers retours des services sont positifs.",
    "Le calendrier prévisionnel est joint à ce message.",
    "Une réunion de suivi sera organisée prochainement.",
    "Les services déconcentrés ont été consultés.",
    "Le cabinet a validé les grandes orientations.",
    "Plusieurs points restent à arbitrer.",
    "Le budget nécessaire a été identifié.",
    "La phase pilote se termine à la fin du mois.",
    "Les partenaires sociaux seront informés.",
    "Un bilan intermédiaire sera présenté en comité.",
    "Les délais sont tenus à ce stade.",
    "Le dossier complet est disponible sur l'espace partagé.",
)
