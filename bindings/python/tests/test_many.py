import copy
import json
from decimal import Decimal
from fractions import Fraction

import pytest

import jixiao
from conftest import RULES, UNITS_CSV, convert_by_schema, without_data_provenance

pd = pytest.importorskip("pandas")


def test_list_with_a_bad_row_in_the_middle(rules, seed):
    bad = copy.deepcopy(seed)
    bad["单位名称"] = "坏单位"
    bad["基本概况"]["实有人数"] = -3
    other = copy.deepcopy(seed)
    other["单位名称"] = "另一个单位"
    other["基本概况"]["实有人数"] = 180
    results = rules.evaluate_many([seed, bad, other])
    assert [r["status"] for r in results] == ["正常", "错误", "正常"]
    assert [r["number"] for r in results] == [1, 2, 3]
    assert [r["unit"] for r in results] == ["岳阳市城市管理综合执法支队", "坏单位", "另一个单位"]
    assert results[0]["error"] is None
    assert without_data_provenance(results[0]["evaluation"]) == without_data_provenance(rules.evaluate(seed))
    assert without_data_provenance(results[2]["evaluation"]) == without_data_provenance(rules.evaluate(other))
    assert [r["source"] for r in results] == ["rows[0]", "rows[1]", "rows[2]"]
    assert results[2]["evaluation"]["provenance"]["data_file"] == "rows[2]"
    assert results[2]["evaluation"]["total"] != results[0]["evaluation"]["total"]
    error = results[1]["error"]
    assert results[1]["evaluation"] is None
    assert error["code"] == "jixiao::data::out_of_range"
    assert error["kind"] == "data"
    assert "坏单位" in error["message"] and "实有人数" in error["message"] and "rows[1]" in error["message"]
    assert error["problems"][0]["field"] == "实有人数"


def test_many_rows_in_order_across_chunks(rules, seed):
    rows = []
    for i in range(5000):
        row = copy.deepcopy(seed)
        row["单位名称"] = f"单位{i}"
        row["基本概况"]["实有人数"] = 100 + i % 90
        rows.append(row)
    results = rules.evaluate_many(iter(rows), evaluation=False, jobs=2)
    assert len(results) == 5000
    assert [r["unit"] for r in results] == [f"单位{i}" for i in range(5000)]
    for i in (0, 4095, 4096, 4999):
        assert results[i]["status"] == "正常"
    assert results[0]["evaluation"] is None


def test_incomplete_row(rules, seed):
    row = copy.deepcopy(seed)
    row["基本概况"]["编制人数"] = None
    (result,) = rules.evaluate_many([row], partial=True)
    assert result["status"] == "不完整"
    assert result["error"] is None
    assert result["evaluation"]["complete"] is False


def test_rows_must_be_dicts(rules, seed):
    with pytest.raises(TypeError):
        rules.evaluate_many([seed, 3])
    with pytest.raises(ValueError):
        rules.evaluate_many([seed], jobs=0)


def read_units():
    # As text, like the CLI reads a CSV: every cell's exact text, blanks as "".
    return pd.read_csv(UNITS_CSV, dtype=str, keep_default_na=False)


def test_data_frame_same_as_cli(rules, cli, schema):
    frame = read_units()
    # The CLI's batch JSON is the envelope {version, rules, units} (docs/schema/batch.schema.json).
    expected = json.loads(cli("eval", str(RULES), str(UNITS_CSV), "--format", "json"))["units"]
    out = rules.evaluate_many(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.index) == list(frame.index)
    assert len(expected) == len(out)
    for (_, row), unit in zip(out.iterrows(), expected):
        assert row["unit"] == unit["unit"]
        assert row["status"] == unit["status"]
        ev = unit["evaluation"]
        assert without_data_provenance(row["evaluation"]) == without_data_provenance(convert_by_schema(schema, ev))
        assert row["total_display"] == ev["total_display"]
        assert row["grade"] == ev["grade"]
        assert row["complete"] == ev["complete"]
        if ev["complete"]:
            assert row["total"] == Decimal(ev["total_display"])
            assert isinstance(row["total"], Decimal)
        for ind in ev["indicators"]:
            cell = row[f"得分.{ind['name']}"]
            if ind["score"] is None:
                assert cell is None
            else:
                assert cell == Decimal(ind["score_display"]) and isinstance(cell, Decimal)


def test_data_frame_columns_and_bad_row(rules):
    frame = read_units()
    frame.index = [f"r{i}" for i in range(len(frame))]
    frame.loc["r1", "编制人数"] = "-5"
    frame["备注"] = "多余的列"
    out = rules.evaluate_many(frame, evaluation=False)
    assert list(out.index) == list(frame.index)
    for column in ["unit", "status", "complete", "total", "total_exact", "total_display", "grade", "error", "error_code"]:
        assert column in out.columns
    assert "得分.财政供养人员控制率" in out.columns
    assert "evaluation" not in out.columns
    bad = out.loc["r1"]
    assert bad["status"] == "错误"
    assert bad["error_code"] == "jixiao::data::out_of_range"
    assert "编制人数" in bad["error"] and "df.loc['r1']" in bad["error"]
    assert bad["total"] is None and bad["grade"] is None
    good = out.loc["r0"]
    assert good["status"] == "正常" and good["error_code"] is None
    assert good["total"] == Decimal("94.30") and good["total_exact"] == Fraction(4149, 44)
    assert good["得分.财政供养人员控制率"] == Decimal("5.00")
    assert (out["status"] == "正常").sum() == len(out) - 1
    # The unit's own total (自评.总分) with or without the full evaluation column.
    full = rules.evaluate_many(frame)
    assert list(out["self_total"]) == list(full["self_total"])
    assert good["self_total"] == full.loc["r0", "evaluation"]["self_evaluation"]["total"]
    assert isinstance(good["self_total"], Decimal)


def test_data_frame_with_numbers_and_nan(rules):
    """A DataFrame as pandas reads it by default: floats, ints and NaN for blanks."""
    typed = pd.read_csv(UNITS_CSV)
    text = read_units()
    a = rules.evaluate_many(typed, evaluation=False)
    b = rules.evaluate_many(text, evaluation=False)
    pd.testing.assert_frame_equal(a, b)
