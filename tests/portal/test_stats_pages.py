"""The statistics pages: linked for those allowed, a chart with its title, description and table."""

from __future__ import annotations

import re

from tests.conftest import TEST_PASSWORD


def _logged_in(app, login, user_id):
    from rse.accounts.models import User
    from rse.extensions import db

    with app.app_context():
        email = db.session.get(User, user_id).email
        db.session.remove()
    client = app.test_client()
    assert login(client, email, TEST_PASSWORD).status_code == 302
    return client


def test_animators_follow_their_communitys_vitality_on_a_chart_with_its_table(
    app, login, api, browser_api, newsroom
):
    n = newsroom
    api(n["animator"]).post(f"/api/v1/posts/{n['open_post']}/comments", json={"body": "Merci"})
    browser_api(n["animator"]).post(f"/api/v1/posts/{n['open_post']}/view", json={"seconds": 75})
    animator = _logged_in(app, login, n["animator"])
    community = animator.get(f"/api/v1/communities/{n['open_community']}").get_json()

    page = animator.get(f"/c/{community['slug']}").get_data(as_text=True)
    assert f'href="/c/{community["slug"]}/stats"' in page
    stats = animator.get(f"/c/{community['slug']}/stats?weeks=4")
    assert stats.status_code == 200
    html = stats.get_data(as_text=True)
    assert "<h1>Statistiques de la communauté</h1>" in html
    assert re.search(
        r'<svg [^>]*role="img" aria-labelledby="vitality-chart-title" aria-describedby="vitality-chart-desc"',
        html,
    )
    assert (
        '<title id="vitality-chart-title">Publications, commentaires et membres actifs par semaine</title>'
        in html
    )
    assert "Histogramme des publications, commentaires et membres actifs" in html
    # Four weeks in the table, this week first: one post, one comment, two active people.
    rows = re.findall(r'<tr><th scope="row">[^<]+</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>', html)
    assert rows == [("1", "1", "2"), ("0", "0", "0"), ("0", "0", "0"), ("0", "0", "0")]
    assert "1 min 15 s" in html  # the reading time of the period
    assert f'href="/posts/{n["open_post"]}/stats"' in html  # the most read post

    member = _logged_in(app, login, n["member"])
    assert f'/c/{community["slug"]}/stats"' not in member.get(f"/c/{community['slug']}").get_data(
        as_text=True
    )
    assert member.get(f"/c/{community['slug']}/stats").status_code == 403


def test_the_post_page_links_its_figures_for_curators_and_animators_only(app, login, newsroom):
    n = newsroom
    link = f'href="/posts/{n["open_post"]}/stats"'
    curator = _logged_in(app, login, n["curator"])
    assert link in curator.get(f"/posts/{n['open_post']}").get_data(as_text=True)
    page = curator.get(f"/posts/{n['open_post']}/stats")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Statistiques de la publication</h1>" in html
    assert '<title id="post-days-chart-title">Vues et lecteurs par jour</title>' in html
    assert len(re.findall(r'<tr><th scope="row">', html)) == 30  # the chart's figures, day by day

    author = _logged_in(app, login, n["member"])
    assert link not in author.get(f"/posts/{n['open_post']}").get_data(as_text=True)
    assert author.get(f"/posts/{n['open_post']}/stats").status_code == 403
    outsider = _logged_in(app, login, n["outsider"])
    assert outsider.get(f"/posts/{n['open_post']}/stats").status_code == 404


def test_curators_reach_the_portals_figures_from_the_portal_and_its_items(
    app, login, api, browser_api, newsroom
):
    n = newsroom
    item = api(n["curator"]).post(
        "/api/v1/portal/items",
        json={"post_id": n["open_post"], "section_id": n["section"], "headline": "À la une"},
    )
    item = item.get_json()
    browser_api(n["outsider"]).post(f"/api/v1/portal/items/{item['id']}/view", json={"seconds": 3725})
    curator = _logged_in(app, login, n["curator"])
    assert 'href="/portal/stats"' in curator.get("/portal").get_data(as_text=True)
    item_page = curator.get(f"/portal/items/{item['id']}").get_data(as_text=True)
    assert f'href="/portal/stats#item-{item["id"]}"' in item_page
    assert f'data-view-url="/api/v1/portal/items/{item["id"]}/view"' in item_page
    html = curator.get("/portal/stats").get_data(as_text=True)
    assert "<h1>Statistiques du portail</h1>" in html
    assert re.search(
        rf'<tr id="item-{item["id"]}"><th scope="row"><a [^>]+>À la une</a></th>'
        r"<td>1</td><td>1</td><td>10 min</td><td>0</td><td>0</td></tr>",
        html,
    )

    reader = _logged_in(app, login, n["outsider"])
    assert "/portal/stats" not in reader.get("/portal").get_data(as_text=True)
    assert "/portal/stats" not in reader.get(f"/portal/items/{item['id']}").get_data(as_text=True)
    assert reader.get("/portal/stats").status_code == 403


def test_reading_time_reads_at_a_glance():
    from portal.stats_views import reading_time

    assert [reading_time(seconds) for seconds in (0, 45, 60, 750, 3600, 3900)] == [
        "0 s",
        "45 s",
        "1 min",
        "12 min 30 s",
        "1 h 00 min",
        "1 h 05 min",
    ]


def test_charts_scale_to_round_whole_ticks_and_label_the_latest_bar():
    from portal.charts import bar_chart

    rows = [{"views": views, "readers": 1} for views in (0, 3, 7)]
    chart = bar_chart(rows, [("views", "Vues"), ("readers", "Lecteurs")], ["a", "b", "c"], label_every=2)
    assert [tick["value"] for tick in chart["ticks"]] == [0, 2, 4, 6, 8, 10]
    assert [bar["title"] for bar in chart["bars"][:2]] == ["a, Vues: 0", "a, Lecteurs: 1"]
    tallest = max(chart["bars"], key=lambda bar: bar["height"])
    assert tallest["title"] == "c, Vues: 7" and tallest["y"] + tallest["height"] == chart["baseline"]
    assert [label["text"] for label in chart["x_labels"]] == ["a", "c"]
