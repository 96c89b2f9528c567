"""The desk, manager, selection and notification pages, driven through forms as a browser would."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import csrf_token_from

OFFICE = "MEAE/DGM/Afrique"


def _text(response) -> str:
    return response.get_data(as_text=True).replace("<wbr>", "").replace("\u00a0", " ")  # wrap points, nbsp


def _form_post(client, url, data):
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def _titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="post-card-title"><a href="/posts/\d+">([^<]+)</a>', html)


@pytest.fixture
def world(app, api, login, make_user, make_unit):
    """An office (agent + its manager) below a directorate (its manager); an author elsewhere; two
    open communities and a secret one; action and information posts."""
    users = {
        "director": make_user("Directrice DGM", email="director@example.gouv.fr", unit="MEAE/DGM", manages=["MEAE/DGM"]),
        "chief": make_user("Chef Afrique", email="chief@example.gouv.fr", unit=OFFICE, manages=[OFFICE]),
        "agent": make_user("Agent Afrique", email="agent@example.gouv.fr", unit=OFFICE),
        "author": make_user("Auteur Cabinet", email="author@example.gouv.fr", unit="MEAE/Cabinet"),
    }  # fmt: skip
    office, cabinet = make_unit(OFFICE), make_unit("MEAE/Cabinet")
    author = api(users["author"])
    communities = {
        name: author.post("/api/v1/communities", json={"name": name, "visibility": visibility}).get_json()[
            "id"
        ]
        for name, visibility in (("Télégrammes", "open"), ("Réseau", "open"), ("Cellule", "secret"))
    }
    for user in ("director", "chief", "agent"):
        for name in ("Télégrammes", "Réseau"):
            api(users[user]).post(f"/api/v1/communities/{communities[name]}/join")
    for user in ("chief", "agent"):
        author.post(f"/api/v1/communities/{communities['Cellule']}/members", json={"user_id": users[user]})
    now = datetime.now(UTC)

    def write(title, community="Télégrammes", **fields):
        response = author.post(
            f"/api/v1/communities/{communities[community]}/posts",
            json={"title": title, "body": "Texte", **fields},
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def action(title, priority="routine", due=None, community="Télégrammes", tags=()):
        fields = {"qualification": "action", "priority": priority, "tags": list(tags),
                  "action_addressees": [{"type": "unit", "id": office}]}  # fmt: skip
        if due is not None:
            fields["due_at"] = due.isoformat()
        return write(title, community, **fields)

    posts = {
        "flash": action("Flash Niamey", "flash", now + timedelta(hours=6), tags=["sahel"]),
        "late": action("Retard évacuation", "immediate", now - timedelta(hours=2)),
        "routine": action("Tableau routine", "routine", now + timedelta(days=9), community="Réseau"),
        "secret": action("Action secrète", "flash", community="Cellule"),
        "info1": write("Info télégrammes", qualification="information", priority="priority"),
        "info2": write("Info réseau", community="Réseau", qualification="information"),
    }
    clients = {}
    for name in ("director", "chief", "agent"):
        clients[name] = app.test_client()
        login(clients[name], f"{name}@example.gouv.fr")
    return {
        "users": users,
        "posts": posts,
        "clients": clients,
        "communities": communities,
        "office": office,
        "cabinet": cabinet,
    }


# Desk ------------------------------------------------------------------------------------------


def test_the_desk_lists_todo_in_order_with_counts_and_overdue_marked(world):
    agent = world["clients"]["agent"]
    response = agent.get("/desk")
    assert response.status_code == 200
    html = _text(response)
    assert _titles(html) == ["Flash Niamey", "Action secrète", "Retard évacuation", "Tableau routine"]
    assert re.search(r'aria-current="page">\s*À faire <span class="tab-count">4</span>', html)
    assert 'À lire <span class="tab-count">2</span>' in html
    assert html.count('class="badge badge-overdue">En retard</span>') == 1
    # Overdue items stand out for everyone: a class for the eye, words for screen readers.
    late = html[html.index("Retard évacuation") - 400 : html.index("Retard évacuation")]
    assert "desk-item post-card overdue" in late
    # Each item shows its community, author, priority, qualification and due date.
    assert "Télégrammes</a>" in html and "Auteur Cabinet" in html and "Immédiat" in html
    assert 'badge-action">À faire</span>' in html and "échéance" in html
    # The main navigation starts with the desk and counts what there is to do.
    nav = html[html.index('class="site-nav"') :]
    assert nav.index("Accueil") < nav.index("Bureau") < nav.index("Communautés")
    assert re.search(r'Bureau <span class="nav-count">4<span class="visually-hidden"> à faire</span>', nav)
    assert "Pilotage" not in nav and "Sélection" not in nav  # not a manager


def test_the_desk_filters(world):
    agent, communities = world["clients"]["agent"], world["communities"]
    author_id = world["users"]["author"]
    today = datetime.now(UTC).date()

    def titles(query):
        response = agent.get(f"/desk{query}")
        assert response.status_code == 200
        return _titles(_text(response))

    assert titles("?priority=flash") == ["Flash Niamey", "Action secrète"]
    assert titles("?overdue=yes") == ["Retard évacuation"]
    assert titles("?overdue=no") == ["Flash Niamey", "Action secrète", "Tableau routine"]
    assert titles(f"?community_id={communities['Réseau']}") == ["Tableau routine"]
    assert titles("?tag=%23sahel") == ["Flash Niamey"]
    assert titles(f"?author_id={author_id}&priority=immediate") == ["Retard évacuation"]
    assert titles(f"?after={today + timedelta(days=2)}") == []
    assert titles(f"?before={today - timedelta(days=2)}") == []
    assert len(titles(f"?after={today}&before={today}")) == 4  # the last day is included
    assert titles("?unread=no") == []
    assert titles("?priority=bogus&community_id=abc&after=not-a-date") == titles("")  # ignored
    html = _text(agent.get("/desk?priority=flash&tag=sahel"))
    assert '<option value="flash" selected>' in html and 'value="sahel"' in html
    assert "(2 filtres)" in html
    assert titles("/toread") == ["Info télégrammes", "Info réseau"]
    assert titles(f"/toread?community_id={communities['Réseau']}") == ["Info réseau"]


def test_mark_done_and_not_done_come_back_to_the_desk(world):
    agent, posts = world["clients"]["agent"], world["posts"]
    done = _form_post(agent, f"/posts/{posts['flash']}/done", {"next": "/desk?priority=flash"})
    assert done.status_code == 302 and done.headers["Location"] == "/desk?priority=flash"
    assert _titles(_text(agent.get("/desk?priority=flash"))) == ["Action secrète"]
    html = _text(agent.get("/desk/done"))
    assert _titles(html) == ["Flash Niamey"] and "Fait le " in html
    assert f'action="/posts/{posts["flash"]}/undone"' in html
    # The return address is checked: another site falls back to the post page.
    undone = _form_post(agent, f"/posts/{posts['flash']}/undone", {"next": "//evil.example/desk"})
    assert undone.headers["Location"] == f"/posts/{posts['flash']}"
    assert _titles(_text(agent.get("/desk/done"))) == []
    # The buttons of the desk carry the page they come from.
    assert 'name="next" value="/desk?priority=flash"' in _text(agent.get("/desk?priority=flash"))


def test_mark_the_whole_filtered_list_read(world):
    agent, communities = world["clients"]["agent"], world["communities"]
    html = _text(agent.get(f"/desk/toread?community_id={communities['Réseau']}"))
    assert "Marquer comme lue toute la liste filtrée" in html
    assert f'<input type="hidden" name="community_id" value="{communities["Réseau"]}">' in html
    response = _form_post(agent, "/desk/toread/mark-read", {"community_id": str(communities["Réseau"])})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/desk/toread?community_id={communities['Réseau']}"
    after = _text(agent.get(response.headers["Location"]))
    assert "1 élément marqué comme lu." in after
    assert _titles(after) == []
    assert _titles(_text(agent.get("/desk/toread"))) == ["Info télégrammes"]
    assert _titles(_text(agent.get("/desk/toread?unread=no"))) == ["Info réseau"]
    _form_post(agent, "/desk/toread/mark-read", {})
    assert _titles(_text(agent.get("/desk/toread"))) == []


def test_the_desk_needs_a_login(client):
    for path in ("/desk", "/manager", "/selection", "/notifications"):
        response = client.get(path)
        assert response.status_code in (302, 401), path


# Manager ---------------------------------------------------------------------------------------


def test_non_managers_get_403_on_the_manager_and_selection_pages(world):
    agent = world["clients"]["agent"]
    for path in ("/manager", "/selection"):
        response = agent.get(path)
        assert response.status_code == 403, path
        assert "Accès refusé" in _text(response)
    assert _form_post(agent, "/selection/1/decide", {"decision": "keep"}).status_code == 404


def test_the_manager_dashboard_with_its_filters(world):
    chief = world["clients"]["chief"]
    html = _text(chief.get("/manager"))
    nav = html[html.index('class="site-nav"') :]
    assert "Pilotage" in nav and "Sélection" in nav
    # Totals by unit and priority: the office's two people hold each of the four actions.
    row = re.search(r'<th scope="row">Afrique</th>(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<span class="count-main">(\d+) en cours</span>', row)
    assert cells == ["4", "2", "0", "2", "8"]  # flash, immediate, priority, routine, total
    assert "dont 2 en retard" in row
    # The overdue list first, then the other actions, one card per post with its holders.
    assert html.index('id="overdue-title"') < html.index('id="items-title"')
    assert _titles(html) == ["Retard évacuation", "Flash Niamey", "Action secrète", "Tableau routine"]
    assert html.count('<th scope="row">Agent Afrique</th>') == 4
    flash = _text(chief.get("/manager?priority=flash"))
    assert _titles(flash) == ["Flash Niamey", "Action secrète"]
    assert _titles(_text(chief.get("/manager?status=overdue"))) == ["Retard évacuation"]
    assert _titles(_text(chief.get(f"/manager?community_id={world['communities']['Réseau']}"))) == [
        "Tableau routine"
    ]
    assert _titles(_text(chief.get("/manager?due=24h"))) == ["Retard évacuation", "Flash Niamey"]
    _form_post(world["clients"]["agent"], f"/posts/{world['posts']['routine']}/done", {})
    done = _text(chief.get("/manager?status=done"))
    assert _titles(done) == ["Tableau routine"] and "badge-status-done" in done
    assert chief.get(f"/manager?unit_id={world['office']}").status_code == 200
    assert chief.get(f"/manager?unit_id={world['cabinet']}").status_code == 403  # outside the scope


def test_forward_from_the_dashboard_and_from_a_post_page(world):
    chief, agent, director = (world["clients"][name] for name in ("chief", "agent", "director"))
    posts = world["posts"]
    html = _text(chief.get("/manager?priority=flash"))
    assert f'action="/posts/{posts["flash"]}/forward"' in html
    assert "Les responsables de MEAE/DGM la trouveront dans leur sélection" in html

    empty = _form_post(chief, f"/posts/{posts['flash']}/forward", {"note": "  ", "next": "/manager"})
    assert empty.headers["Location"] == "/manager"
    assert "Ajoutez une note" in _text(chief.get("/manager"))
    sent = _form_post(
        chief,
        f"/posts/{posts['flash']}/forward",
        {"note": "À arbitrer ce soir", "priority": "flash", "next": "/manager?priority=flash"},
    )
    assert sent.headers["Location"] == "/manager?priority=flash"
    assert "Transféré aux responsables de MEAE/DGM." in _text(chief.get("/manager"))
    selection = _text(director.get("/selection"))
    assert _titles(selection) == ["Flash Niamey"]
    assert "À arbitrer ce soir" in selection and "Chef Afrique" in selection

    # From the post page, an agent sends to their own chief.
    page = _text(agent.get(f"/posts/{posts['info1']}"))
    assert "Transférer au niveau supérieur" in page
    assert "Les responsables de MEAE/DGM/Afrique la trouveront" in page
    _form_post(agent, f"/posts/{posts['info1']}/forward", {"note": "Pour le chef"})
    assert _titles(_text(chief.get("/selection"))) == ["Info télégrammes"]

    # Refused: the directorate's manager cannot read the secret community; said in French.
    refused = _form_post(chief, f"/posts/{posts['secret']}/forward", {"note": "Important"})
    assert refused.headers["Location"] == f"/posts/{posts['secret']}"
    message = _text(chief.get(f"/posts/{posts['secret']}"))
    assert "La publication n’a pas été transférée : les responsables du niveau supérieur" in message
    assert _titles(_text(director.get("/selection"))) == ["Flash Niamey"]

    # Nobody above the directorate: no forward form on the post page.
    assert "Transférer au niveau supérieur" not in _text(director.get(f"/posts/{posts['info1']}"))


# Selection -------------------------------------------------------------------------------------


def test_selection_keep_close_forward_with_notes_and_the_funnel(world):
    chief, agent, director = (world["clients"][name] for name in ("chief", "agent", "director"))
    posts = world["posts"]
    for key in ("flash", "info1", "routine"):
        _form_post(agent, f"/posts/{posts[key]}/forward", {"note": f"Note agent {key}"})
    html = _text(chief.get("/selection"))
    assert _titles(html) == ["Flash Niamey", "Info télégrammes", "Tableau routine"]
    assert 'aria-current="page"' in html and 'Sélection <span class="nav-count">3' in html
    ids = dict(zip(_titles(html), (int(i) for i in re.findall(r'id="item-(\d+)"', html)), strict=True))

    kept = _form_post(chief, f"/selection/{ids['Info télégrammes']}/decide", {"decision": "keep", "note": ""})
    assert kept.headers["Location"] == "/selection"
    assert "Gardé dans votre sélection : Info télégrammes" in _text(chief.get("/selection"))
    _form_post(
        chief, f"/selection/{ids['Tableau routine']}/decide", {"decision": "close", "note": "Sans suite"}
    )
    no_note = _form_post(chief, f"/selection/{ids['Flash Niamey']}/decide", {"decision": "forward"})
    assert no_note.status_code == 302
    assert "Ajoutez une note" in _text(chief.get("/selection"))
    _form_post(
        chief,
        f"/selection/{ids['Flash Niamey']}/decide",
        {
            "decision": "forward",
            "note": "Pour la direction",
            "priority": "flash",
            "next": "/selection?status=all",
        },
    )
    assert _titles(_text(chief.get("/selection"))) == []  # nothing left to review
    assert _titles(_text(chief.get("/selection?status=kept"))) == ["Info télégrammes"]
    closed = _text(chief.get("/selection?status=closed"))
    assert _titles(closed) == ["Tableau routine"] and "Sans suite" in closed
    assert len(_titles(_text(chief.get("/selection?status=all")))) == 3
    assert (
        _form_post(chief, f"/selection/{ids['Flash Niamey']}/decide", {"decision": "bogus"}).status_code
        == 400
    )

    # The chain of notes, who and from which unit, at the level above.
    above = _text(director.get("/selection"))
    assert _titles(above) == ["Flash Niamey"]
    chain = above[above.index('class="note-chain"') :]
    assert chain.index("Agent Afrique") < chain.index("Note agent flash") < chain.index("Chef Afrique")
    assert "Pour la direction" in chain and "(DGM/Afrique)" in chain
    # Someone else's item is not found.
    assert (
        _form_post(director, f"/selection/{ids['Info télégrammes']}/decide", {"decision": "keep"}).status_code
        == 404
    )

    # The funnel of the director's unit: top level first, then the office.
    funnel = above[above.index('class="card funnel"') : above.index("</table>")]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>((?:<td>\d+</td>)+)</tr>', funnel)
    assert [(path, re.findall(r"\d+", cells)) for path, cells in rows] == [
        ("MEAE/DGM", ["1", "0", "0", "0", "1"]),  # arrived, forwarded, kept, closed, waiting
        (OFFICE, ["3", "1", "1", "1", "0"]),
    ]


# Notifications ---------------------------------------------------------------------------------


def test_notifications_list_mark_one_and_all_read(world):
    agent = world["clients"]["agent"]
    html = _text(agent.get("/notifications"))
    # The overdue and due-soon notices are computed when the page is shown.
    assert "Échéance dépassée : Retard évacuation" in html
    assert "Échéance dans moins de 24 heures : Flash Niamey" in html
    assert "Auteur Cabinet vous demande d’agir : Tableau routine" in html
    unread = html.count('class="notification unread"')
    assert unread == 6  # four actions, one overdue, one due soon
    assert re.search(rf'Notifications <span class="nav-count">{unread}<', html)
    first = int(re.search(r'id="notification-(\d+)"', html).group(1))
    _form_post(agent, "/notifications/read", {"id": str(first), "next": "/notifications"})
    html = _text(agent.get("/notifications"))
    assert html.count('class="notification unread"') == unread - 1
    assert f'<li class="notification" id="notification-{first}">' in html
    assert html.count('class="notification unread"') == len(
        re.findall(r'class="notification unread"', _text(agent.get("/notifications?unread=yes")))
    )
    response = _form_post(agent, "/notifications/read", {"all": "1"})
    assert response.headers["Location"] == "/notifications"
    html = _text(agent.get("/notifications"))
    assert "5 notifications marquées comme lues." in html
    assert 'class="notification unread"' not in html and "Tout marquer comme lu" not in html
    assert "Aucune notification non lue." in _text(agent.get("/notifications?unread=yes"))


def test_forward_notifications_link_to_the_selection(world):
    _form_post(world["clients"]["agent"], f"/posts/{world['posts']['info1']}/forward", {"note": "À voir"})
    html = _text(world["clients"]["chief"].get("/notifications"))
    assert "Agent Afrique a transmis à votre sélection : Info télégrammes" in html
    assert re.search(r'href="/selection\?status=all#item-\d+">Ouvrir ma sélection', html)


def test_the_pages_are_in_english_for_english_readers(app, world, login, make_user):
    make_user("Camille English", email="camille@example.gouv.fr", unit=OFFICE, locale="en")
    client = app.test_client()
    login(client, "camille@example.gouv.fr")
    html = _text(client.get("/desk"))
    assert "Desk" in html and "Filter the list" in html and "Bureau" not in html
    assert "Notifications" in _text(client.get("/notifications"))


def test_the_desk_and_the_dashboard_page_through_long_lists(world, api):
    author, office = api(world["users"]["author"]), world["office"]
    community = world["communities"]["Réseau"]
    for number in range(22):
        author.post(
            f"/api/v1/communities/{community}/posts",
            json={"title": f"Action {number:02d}", "body": "x", "qualification": "action",
                  "action_addressees": [{"type": "unit", "id": office}]},
        )  # fmt: skip
    agent, chief = world["clients"]["agent"], world["clients"]["chief"]
    seen, url = [], f"/desk?community_id={community}"
    while url:
        html = _text(agent.get(url))
        seen += _titles(html)
        found = re.search(r'<a class="button button-secondary" href="([^"]+)">Voir la suite</a>', html)
        url = found.group(1).replace("&amp;", "&") if found else None
        assert url is None or f"community_id={community}" in url  # the filters stay
    assert len(seen) == 23 and len(set(seen)) == 23  # 22 new actions and the routine one
    pages, url = [], f"/manager?community_id={community}"
    while url:
        html = _text(chief.get(url))
        pages.append(_titles(html))
        found = re.search(r'href="(/manager\?[^"]*cursor=[^"]+)">Voir la suite', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    # 46 items, 20 a page: ten posts a page, each held by the two people of the office.
    assert [len(titles) for titles in pages] == [10, 10, 3]
    assert sum(pages, []) == ["Tableau routine"] + [f"Action {number:02d}" for number in range(22)]
