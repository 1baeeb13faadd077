"""A posted chart request as a stored series is checked and drawn: the same point rules, rebases
with reasons, titles, notes, warnings for too few points, and JSON or SVG by content negotiation."""

import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import api
from tests.api import assert_problem
from tests.charts.test_charts import CHARTS, SVG_NS, team_series, weekly

__all__ = ["team_series"]  # test_charts' fixture, used here too

XMR_VALUES = [10.0, 11, 9, 10, 12, 10, 11, 9, 10, 11, 12, 10, 9, 11]


def locations(problem: dict[str, Any]) -> list[list[str | int]]:
    return [error["loc"] for error in problem["errors"]]


def messages(problem: dict[str, Any]) -> dict[str, str]:
    return {".".join(map(str, error["loc"])): error["message"] for error in problem["errors"]}


def svg_of(response: Any) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/svg+xml"
    return ET.fromstring(response.text)


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG_NS}text")]


class TestPointsAreCheckedAsStoredOnes:
    def test_a_p_point_with_a_value_is_refused_not_charted_as_nulls(
        self, client: TestClient
    ) -> None:
        body = {"chart": "p", "points": [{"date": "2024-01-01", "value": 0.5}]}
        problem = assert_problem(client.post(CHARTS, json=body), 422)
        assert messages(problem) == {
            "body.points.0.value": "a p chart takes numerator and denominator, not value"
        }

    def test_each_bad_field_is_named_by_its_index(self, client: TestClient) -> None:
        points = [
            {"date": "2024-01-01", "numerator": 3, "denominator": 10},
            {"date": "2024-01-08", "numerator": 4},
            {"date": "2024-01-15", "denominator": 10},
            {"date": "2024-01-22", "numerator": 11, "denominator": 10},
            {"date": "2024-01-29", "numerator": None, "denominator": None},  # missing: allowed
        ]
        problem = assert_problem(client.post(CHARTS, json={"chart": "p", "points": points}), 422)
        assert messages(problem) == {
            "body.points.1.denominator": "required when numerator is given",
            "body.points.2.numerator": "required when denominator is given",
            "body.points.3.numerator": "must not exceed the denominator on a p chart",
        }

    def test_value_charts_refuse_fractions_and_c_takes_whole_counts(
        self, client: TestClient
    ) -> None:
        xmr = [{"date": "2024-01-01", "value": 1, "numerator": 1, "denominator": 2}]
        problem = assert_problem(client.post(CHARTS, json={"points": xmr}), 422)
        assert messages(problem) == {
            "body.points.0.numerator": "not used by a xmr chart; send value",
            "body.points.0.denominator": "not used by a xmr chart; send value",
        }
        counts = weekly([1, 2.5, -1, None])
        problem = assert_problem(client.post(CHARTS, json={"chart": "c", "points": counts}), 422)
        assert locations(problem) == [
            ["body", "points", 1, "value"],
            ["body", "points", 2, "value"],
        ]
        assert "whole number of 0 or more" in problem["errors"][0]["message"]

    def test_the_stored_path_gives_the_same_message(
        self, client: TestClient, team_series: dict[str, Any]
    ) -> None:
        stored = client.put(
            f"{team_series['path']}/data",
            json={"points": [{"period_start": "2024-08-05", "value": 0.5}]},
        )
        posted = client.post(
            CHARTS, json={"chart": "p", "points": [{"date": "2024-08-05", "value": 0.5}]}
        )
        stored_messages = messages(assert_problem(stored, 422))
        assert (
            stored_messages["body.points.0.value"]
            == messages(assert_problem(posted, 422))["body.points.0.value"]
        )
        # A stored point must carry its numbers; a posted one may be missing (nulls).
        assert stored_messages["body.points.0.numerator"] == "required for a p chart"


class TestRebasesTitleAndNotes:
    def test_the_old_rebase_field_is_refused_by_name(self, client: TestClient) -> None:
        body = {"points": weekly(XMR_VALUES), "rebase": ["2024-02-05"]}
        problem = assert_problem(client.post(CHARTS, json=body), 422)
        assert locations(problem) == [["body", "rebase"]]

    def test_rebases_take_the_stored_shape_and_come_back_with_their_reasons(
        self, client: TestClient
    ) -> None:
        body = {
            "points": weekly(XMR_VALUES),
            "rebases": [
                {"starts_on": "2024-03-04", "reason": "Self-rostering adopted"},
                {"starts_on": "2024-02-05"},
            ],
        }
        chart = client.post(CHARTS, json=body).json()
        assert [p["start"] for p in chart["periods"]] == ["2024-01-01", "2024-02-05", "2024-03-04"]
        assert chart["rebases"] == [
            {"starts_on": "2024-02-05", "reason": None},
            {"starts_on": "2024-03-04", "reason": "Self-rostering adopted"},
        ]

    def test_a_rebase_twice_or_off_the_series_is_named(self, client: TestClient) -> None:
        rebases = [
            {"starts_on": "2024-02-05"},
            {"starts_on": "2024-02-05"},
            {"starts_on": "2030-01-07"},
        ]
        problem = assert_problem(
            client.post(CHARTS, json={"points": weekly(XMR_VALUES), "rebases": rebases}), 422
        )
        assert messages(problem) == {
            "body.rebases.1.starts_on": "another rebase starts on this date",
            "body.rebases.2.starts_on": "is not the date of any point",
        }

    def test_notes_become_annotations_in_date_order(self, client: TestClient) -> None:
        points = weekly(XMR_VALUES)
        points[5]["note"] = "PDSA 2: huddle moved"
        points[2]["note"] = "PDSA 1: rota"
        chart = client.post(CHARTS, json={"points": list(reversed(points))}).json()
        assert chart["annotations"] == [
            {"date": "2024-01-15", "kind": "note", "text": "PDSA 1: rota", "pdsa_cycle_id": None},
            {
                "date": "2024-02-05",
                "kind": "note",
                "text": "PDSA 2: huddle moved",
                "pdsa_cycle_id": None,
            },
        ]

    def test_title_subtitle_and_unit_head_the_svg(self, client: TestClient) -> None:
        body = {
            "points": weekly(XMR_VALUES),
            "title": "Staff enjoying work <ED>",
            "subtitle": "Ward 4 & 5",
            "unit": "%",
        }
        root = svg_of(client.post(CHARTS, json=body, params={"format": "svg"}))
        assert root.find(f"{SVG_NS}title") is not None
        assert root.find(f"{SVG_NS}title").text == "Staff enjoying work <ED>"  # type: ignore[union-attr]
        assert {"Staff enjoying work <ED>", "Ward 4 & 5", "%"} <= set(texts(root))
        untitled = svg_of(
            client.post(CHARTS, json={"points": weekly(XMR_VALUES)}, params={"format": "svg"})
        )
        assert "XmR chart" in texts(untitled)
        assert "XMR chart" not in texts(untitled)


class TestTooFewPoints:
    def test_an_empty_series_is_an_empty_chart_with_a_warning(self, client: TestClient) -> None:
        chart = client.post(CHARTS, json={"points": []})
        assert chart.status_code == 200, chart.text
        assert chart.json() | {"warnings": None} == {
            "chart": "xmr",
            "points": [],
            "periods": [],
            "variation_icon": None,
            "assurance": None,
            "warnings": None,
            "annotations": [],
            "rebases": [],
        }
        assert chart.json()["warnings"] == ["no points: the chart is empty"]
        root = svg_of(client.post(CHARTS, json={"points": []}, params={"format": "svg"}))
        assert "No points to chart" in texts(root)

    def test_one_or_two_points_say_the_limits_are_missing_or_unreliable(
        self, client: TestClient
    ) -> None:
        one = client.post(CHARTS, json={"points": weekly([10])}).json()
        assert one["points"][0]["upper_limit"] is None
        assert one["warnings"] == [
            "period 0 (from 2024-01-01): only 1 value, so no limits (they need at least 2 values"
            " in a row)"
        ]
        two = client.post(CHARTS, json={"points": weekly([10, 12])}).json()
        assert two["points"][0]["upper_limit"] is not None
        assert two["warnings"] == [
            "period 0 (from 2024-01-01): only 2 values: the limits are unreliable until there"
            " are more points"
        ]
        assert client.post(CHARTS, json={"points": weekly([10, 12, 11])}).json()["warnings"] == []

    def test_a_short_period_after_a_rebase_is_warned_about(self, client: TestClient) -> None:
        body = {"points": weekly(XMR_VALUES), "rebases": [{"starts_on": "2024-03-25"}]}
        chart = client.post(CHARTS, json=body).json()
        assert chart["periods"][1]["n_points"] == 2
        assert chart["warnings"] == [
            "period 1 (from 2024-03-25): only 2 values: the limits are unreliable until there"
            " are more points"
        ]

    def test_the_stored_path_warns_the_same_way(
        self, client: TestClient, team_series: dict[str, Any]
    ) -> None:
        path = team_series["path"]
        last = team_series["points"][-1]["period_start"]
        assert (
            api.replace_list(
                client, f"{path}/rebases", {"rebases": [{"starts_on": last}]}
            ).status_code
            == 200
        )
        chart = client.get(f"{path}/chart").json()
        assert chart["warnings"] == [
            f"period 1 (from {last}): only 1 value: the limits are unreliable until there are"
            " more points"
        ]


class TestContentNegotiation:
    BODY = {"points": weekly(XMR_VALUES)}

    @pytest.mark.parametrize(
        "accept", [None, "*/*", "application/*", "application/json", "text/html, */*;q=0.8"]
    )
    def test_json_unless_svg_is_preferred(self, client: TestClient, accept: str | None) -> None:
        headers = {"accept": accept} if accept else {}
        if accept is None:
            client.headers.pop("accept", None)
        response = client.post(CHARTS, json=self.BODY, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.json()["chart"] == "xmr"

    @pytest.mark.parametrize(
        "accept",
        [
            "image/svg+xml",
            "image/*",
            "application/json;q=0.5, image/svg+xml",
            "application/json;q=0, */*",
        ],
    )
    def test_svg_when_preferred(self, client: TestClient, accept: str) -> None:
        root = svg_of(client.post(CHARTS, json=self.BODY, headers={"accept": accept}))
        assert root.tag == f"{SVG_NS}svg"

    @pytest.mark.parametrize(
        "accept", ["image/png", "text/html", "application/json;q=0, image/svg+xml;q=0"]
    )
    def test_a_type_neither_json_nor_svg_is_406(self, client: TestClient, accept: str) -> None:
        # A 406 comes before the body is read: a bad body is not worth a 422 nobody can read.
        for body in (self.BODY, {"points": "nonsense"}):
            response = client.post(CHARTS, json=body, headers={"accept": accept})
            problem = assert_problem(response, 406)
            assert response.headers["content-type"] == "application/problem+json"
            assert "application/json or image/svg+xml" in problem["detail"]

    def test_format_svg_wins_over_the_accept_header(self, client: TestClient) -> None:
        response = client.post(
            CHARTS, json=self.BODY, params={"format": "svg"}, headers={"accept": "application/json"}
        )
        assert svg_of(response).tag == f"{SVG_NS}svg"

    def test_the_stored_chart_negotiates_the_same_way(
        self, client: TestClient, team_series: dict[str, Any]
    ) -> None:
        path = f"{team_series['path']}/chart"
        problem = assert_problem(client.get(path, headers={"accept": "image/png"}), 406)
        assert "Accept" in problem["detail"]
        assert client.get(path, headers={"accept": "application/*"}).json()["measure_name"]
        assert svg_of(client.get(path, headers={"accept": "image/svg+xml"})).tag == f"{SVG_NS}svg"

    def test_both_operations_declare_406(self, client: TestClient) -> None:
        spec = client.get("/openapi.json").json()
        posted = spec["paths"]["/api/v1/spc/charts"]["post"]["responses"]
        stored = spec["paths"]["/api/v1/teams/{team_id}/measures/{measure_id}/chart"]["get"]
        for responses in (posted, stored["responses"]):
            assert "application/problem+json" in responses["406"]["content"]
            assert set(responses["200"]["content"]) == {"application/json", "image/svg+xml"}


class TestSvgAnnotations:
    LONG = "PDSA 3: " + "a long account of what the team tried and what they learnt, " * 8

    def body(self) -> dict[str, Any]:
        points = weekly(XMR_VALUES)
        points[3]["note"] = "PDSA 1: rota <protected> & agreed"
        points[4]["note"] = "PDSA 2: huddles"
        points[9]["note"] = self.LONG
        rebases = [{"starts_on": points[8]["date"], "reason": "Self-rostering adopted"}]
        return {"points": points, "rebases": rebases, "title": "Breaks taken"}

    def test_numbered_markers_and_a_legend_below_the_chart(self, client: TestClient) -> None:
        root = svg_of(client.post(CHARTS, json=self.body(), params={"format": "svg"}))
        height = float(root.get("height", "0"))
        assert height > 440  # grown to hold the legend
        assert root.get("viewBox") == f"0 0 860 {root.get('height')}"
        words = texts(root)
        markers = [t.text for t in root.iter(f"{SVG_NS}text") if t.get("fill") == "#ffffff"]
        assert markers == ["1", "2", "3", "1", "2", "3"]  # on the points, then in the legend
        assert "PDSA 1: rota <protected> & agreed" in words  # escaped in the file, read back whole
        assert "&amp;" in client.post(CHARTS, json=self.body(), params={"format": "svg"}).text
        legend = [t for t in root.iter(f"{SVG_NS}text") if float(t.get("y", "0")) > 440]
        legend_words = [t.text or "" for t in legend]
        assert legend_words[0] == "Notes"
        # The long note is wrapped over three lines and cut with an ellipsis.
        long_lines = [w for w in legend_words if "long account" in w or "learnt" in w]
        assert 2 <= len(long_lines) <= 3
        assert legend_words[-1].endswith("\u2026")
        assert all(float(t.get("y", "0")) < height for t in legend)

    def test_the_break_is_labelled_with_its_reason(self, client: TestClient) -> None:
        root = svg_of(client.post(CHARTS, json=self.body(), params={"format": "svg"}))
        assert "From 26 Feb 24: Self-rostering adopted" in texts(root)

    def test_a_reason_too_long_for_its_break_is_written_whole_in_the_legend(
        self, client: TestClient
    ) -> None:
        reason = "Self-rostering adopted across the department after a long consultation " * 2
        body = self.body() | {
            "rebases": [
                {"starts_on": "2024-03-04", "reason": "First"},
                {"starts_on": "2024-03-11", "reason": reason.strip()},
            ]
        }
        root = svg_of(client.post(CHARTS, json=body, params={"format": "svg"}))
        at_breaks = [t.text or "" for t in root.iter(f"{SVG_NS}text") if t.get("y") == "68"]
        assert at_breaks[0] == ""  # a week apart: no room for a word at the first break
        assert at_breaks[1].startswith("From 11 Mar 24: Self-roster")
        assert at_breaks[1].endswith("\u2026")
        legend = " ".join(
            t.text or "" for t in root.iter(f"{SVG_NS}text") if float(t.get("y", "0")) > 440
        )
        assert "From 4 Mar 24: First" in legend
        assert "after a long consultation Self-rostering" in legend

    def test_the_stored_chart_draws_its_notes_and_rebase_reasons(
        self, client: TestClient, team_series: dict[str, Any]
    ) -> None:
        path = team_series["path"]
        rebase = team_series["points"][10]["period_start"]
        reasons = {"rebases": [{"starts_on": rebase, "reason": "Protected breaks embedded"}]}
        assert api.replace_list(client, f"{path}/rebases", reasons).status_code == 200
        root = svg_of(client.get(f"{path}/chart", params={"format": "svg"}))
        words = texts(root)
        assert "Protected breaks started" in words
        label = f"From {date.fromisoformat(rebase).strftime('%d %b %y').lstrip('0')}: Protected"
        assert any(w.startswith(label) for w in words), words
