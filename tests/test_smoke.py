def test_login_page_is_served_in_french_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "<form" in response.get_data(as_text=True)


def test_me_answers_the_caller(api, make_user):
    user_id = make_user("Alice Martin", email="Alice.Martin@diplomatie.gouv.fr")
    response = api(user_id).get("/api/v1/me")
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == "alice.martin@diplomatie.gouv.fr"
    assert body["roles"] == ["agent"]
    assert body["unit"]["path"] == "MEAE/DGM/Afrique"
