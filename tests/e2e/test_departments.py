"""/api/v1/departments: CRUD, list convention, tree rules, permissions."""
from e2e_helpers import (assert_error, assert_list_shape, assert_recent_ms, assert_uuid7,
                         check_menu_permission, expect, ids, list_all, make_department, make_user,
                         uniq, uuid7)

DEPS = "/api/v1/departments"


def test_create_get_top_and_child(admin):
    name = uniq("Dep-")
    top = expect(admin.post(DEPS, json={"name": name}), 201)
    for k in ("id", "name", "parent_id", "created_at", "updated_at"):
        assert k in top, top
    assert_uuid7(top["id"])
    assert top["name"] == name and top["parent_id"] is None
    assert_recent_ms(top["created_at"])
    assert top["updated_at"] >= top["created_at"]

    child = expect(admin.post(DEPS, json={"name": uniq("Child-"), "parent_id": top["id"]}), 201)
    assert child["parent_id"] == top["id"]
    assert child["id"] != top["id"]
    assert expect(admin.get(f"{DEPS}/{child['id']}"), 200) == child
    explicit_null = expect(admin.post(DEPS, json={"name": uniq("Top-"), "parent_id": None}), 201)
    assert explicit_null["parent_id"] is None


def test_create_with_unknown_parent(admin):
    assert_error(admin.post(DEPS, json={"name": uniq("d"), "parent_id": uuid7()}), 400, "invalid_field",
                 mention="parent_id")


def test_list_convention(admin):
    tag = uniq("lst")
    parent = make_department(admin, f"{tag}-parent")
    names = [f"{tag}-c{i}" for i in range(5)]
    kids = [make_department(admin, n, parent["id"]) for n in names]

    # q: case-insensitive substring
    b = expect(admin.get(DEPS, params={"q": tag.upper()}), 200)
    assert_list_shape(b)
    assert b["total"] == 6 and len(b["items"]) == 6
    # filter parent_id
    b = expect(admin.get(DEPS, params={"parent_id": parent["id"]}), 200)
    assert b["total"] == 5 and set(ids(b["items"])) == set(ids(kids))
    # sort/order
    b = expect(admin.get(DEPS, params={"q": f"{tag}-c", "sort": "name", "order": "desc"}), 200)
    assert [i["name"] for i in b["items"]] == sorted(names, reverse=True)
    b = expect(admin.get(DEPS, params={"q": f"{tag}-c", "sort": "name", "order": "asc"}), 200)
    assert [i["name"] for i in b["items"]] == sorted(names)
    # paging
    p1 = expect(admin.get(DEPS, params={"q": f"{tag}-c", "sort": "name", "page_size": 2, "page": 1}), 200)
    p3 = expect(admin.get(DEPS, params={"q": f"{tag}-c", "sort": "name", "page_size": 2, "page": 3}), 200)
    assert_list_shape(p1, 1, 2)
    assert_list_shape(p3, 3, 2)
    assert p1["total"] == 5 and p3["total"] == 5
    assert [i["name"] for i in p1["items"]] == sorted(names)[:2]
    assert [i["name"] for i in p3["items"]] == sorted(names)[4:]
    # no match
    b = expect(admin.get(DEPS, params={"q": uniq("zz-nothing")}), 200)
    assert b["total"] == 0 and b["items"] == []


def test_rename_and_move(admin):
    a = make_department(admin)
    b = make_department(admin)
    c = make_department(admin, parent_id=a["id"])
    new_name = uniq("Renamed-")
    r = expect(admin.patch(f"{DEPS}/{c['id']}", json={"name": new_name}), 200)
    assert r["name"] == new_name and r["parent_id"] == a["id"]
    assert r["updated_at"] >= c["updated_at"] and r["created_at"] == c["created_at"]
    r = expect(admin.patch(f"{DEPS}/{c['id']}", json={"parent_id": b["id"]}), 200)
    assert r["parent_id"] == b["id"] and r["name"] == new_name
    r = expect(admin.patch(f"{DEPS}/{c['id']}", json={"parent_id": None}), 200)
    assert r["parent_id"] is None
    assert expect(admin.get(f"{DEPS}/{c['id']}"), 200) == r
    # empty patch is a no-op that answers the row
    assert expect(admin.patch(f"{DEPS}/{c['id']}", json={}), 200)["name"] == new_name


def test_move_creating_a_cycle(admin):
    a = make_department(admin)
    b = make_department(admin, parent_id=a["id"])
    c = make_department(admin, parent_id=b["id"])
    assert_error(admin.patch(f"{DEPS}/{a['id']}", json={"parent_id": c["id"]}), 400, "invalid_field")
    assert_error(admin.patch(f"{DEPS}/{a['id']}", json={"parent_id": b["id"]}), 400, "invalid_field")
    assert_error(admin.patch(f"{DEPS}/{a['id']}", json={"parent_id": a["id"]}), 400, "invalid_field")
    assert expect(admin.get(f"{DEPS}/{a['id']}"), 200)["parent_id"] is None


def test_patch_validation(admin):
    a = make_department(admin)
    assert_error(admin.patch(f"{DEPS}/{a['id']}", json={"name": ""}), 400, "invalid_field", mention="name")
    assert_error(admin.patch(f"{DEPS}/{a['id']}", json={"name": 1}), 400, "invalid_field", mention="name")
    assert_error(admin.patch(f"{DEPS}/{a['id']}", json={"id": uuid7()}), 400, "unknown_field", mention="id")
    assert_error(admin.patch(f"{DEPS}/{a['id']}", json={"parent_id": uuid7()}), 400, "invalid_field",
                 mention="parent_id")


def test_not_found(admin):
    missing = uuid7()
    assert_error(admin.get(f"{DEPS}/{missing}"), 404, "not_found")
    assert_error(admin.patch(f"{DEPS}/{missing}", json={"name": "x"}), 404, "not_found")
    assert_error(admin.delete(f"{DEPS}/{missing}"), 404, "not_found")


def test_delete_rules(admin):
    parent = make_department(admin)
    child = make_department(admin, parent_id=parent["id"])
    assert_error(admin.delete(f"{DEPS}/{parent['id']}"), 409, "conflict")
    with_user = make_department(admin)
    u = make_user(admin, department_id=with_user["id"])
    assert_error(admin.delete(f"{DEPS}/{with_user['id']}"), 409, "conflict")

    r = admin.delete(f"{DEPS}/{child['id']}")
    assert r.status_code == 204 and not r.content, r.text
    assert_error(admin.get(f"{DEPS}/{child['id']}"), 404, "not_found")
    assert_error(admin.delete(f"{DEPS}/{child['id']}"), 404, "not_found")
    assert child["id"] not in ids(list_all(admin, DEPS, {"parent_id": parent["id"]}))
    assert admin.delete(f"{DEPS}/{parent['id']}").status_code == 204

    # once the user moved away the department can go
    expect(admin.patch(f"/api/v1/users/{u['id']}", json={"department_id": None}), 200)
    assert admin.delete(f"{DEPS}/{with_user['id']}").status_code == 204


def test_permissions(client, admin):
    d = make_department(admin)
    check_menu_permission(client, admin, "departments", DEPS, d["id"],
                          lambda: {"name": uniq("perm-")}, {"name": uniq("nope-")})
