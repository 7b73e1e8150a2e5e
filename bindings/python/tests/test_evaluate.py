import json
from decimal import Decimal
from fractions import Fraction

import jixiao
from conftest import RULES, SEED, convert_by_schema, without_data_provenance


def indicator(result, name):
    (found,) = [i for i in result["indicators"] if i["name"] == name]
    return found


def test_rules_metadata(rules):
    assert rules.title == "岳阳市部门整体支出绩效评价指标体系"
    assert rules.year == 2021
    assert rules.full_marks == Decimal(100)
    assert isinstance(rules.warnings, list)
    inputs = rules.inputs()
    staff = next(i for i in inputs if i["name"] == "编制人数")
    assert staff["aliases"] == ["人员编制"]
    assert staff["type"] == {"kind": "count", "unit": "人"}
    assert staff["required"] is True
    assert staff["ranges"] == [">= 0"]
    assert set(staff) == {"name", "aliases", "type", "ranges", "default", "required", "section", "description"}
    contact = next(i for i in inputs if i["name"] == "联系人")
    assert contact["required"] is False
    assert any(i["type"]["kind"] == "targets" for i in inputs)


def test_seed_same_as_cli(rules, seed, cli, schema):
    expected = json.loads(cli("eval", str(RULES), str(SEED), "--format", "json"))
    got = rules.evaluate(seed)
    # The comparison is not vacuous: the CLI writes exact numbers as text, the package does not.
    assert expected["total"] == "4149/44" and got != expected
    assert without_data_provenance(got) == without_data_provenance(convert_by_schema(schema, expected))
    assert got["provenance"]["rules_sha256"] == expected["provenance"]["rules_sha256"]


def test_seed_with_explanations_same_as_cli(rules, seed, cli, schema):
    expected = json.loads(cli("eval", str(RULES), str(SEED), "--format", "json", "--explain"))
    got = rules.evaluate(seed, explain=True)
    assert "explanation" in got["indicators"][0]
    assert without_data_provenance(got) == without_data_provenance(convert_by_schema(schema, expected))


def test_seed_figures(rules, seed):
    result = rules.evaluate(seed)
    assert result["version"] == jixiao.JSON_VERSION == 1
    control = indicator(result, "财政供养人员控制率")
    assert control["display"] == "79.31%"
    assert control["value"] == Fraction(23, 29)  # 138 / 174, exactly
    assert isinstance(control["value"], Fraction)
    assert control["score"] == 5 and isinstance(control["score"], Decimal)
    assert control["weight"] == Decimal(5)
    # As the CLI prints them (read from `jixiao eval … --format json` first).
    assert result["total_display"] == "94.30"
    assert result["grade"] == "优秀"
    assert result["complete"] is True
    assert result["total"] == Fraction(4149, 44)
    assert result["self_evaluation"] == {"total": Decimal("97"), "grade": "优秀"}
    sangong = indicator(result, "三公经费变动率")
    assert sangong["display"] == "2.41%"
    assert sangong["score_display"] == "3.80"


def test_exact_types_follow_the_schema(rules, seed, schema):
    """Every string the schema marks exact is a Decimal (terminating) or Fraction (not);
    nothing is a float."""
    result = rules.evaluate(seed, explain=True)
    exact_places = []

    def walk(value, node):
        node = node if "$ref" not in node or node["$ref"].startswith("#/$defs/exact") or node[
            "$ref"
        ] == "#/$defs/decimalOrNull" else schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
        assert not isinstance(value, float)
        ref = node.get("$ref")
        if ref in ("#/$defs/exact", "#/$defs/exactOrNull", "#/$defs/decimalOrNull"):
            if value is not None:
                exact_places.append(value)
                assert isinstance(value, (Decimal, Fraction)), value
                if isinstance(value, Fraction):
                    assert ref != "#/$defs/decimalOrNull"
                    assert value.denominator != 1
                    d = value.denominator
                    for p in (2, 5):
                        while d % p == 0:
                            d //= p
                    assert d != 1, "a terminating value must be a Decimal"
            return
        if "oneOf" in node:
            options = [o for o in node["oneOf"] if o.get("type") != "null"]
            if value is not None and options:
                walk(value, options[0])
            return
        if isinstance(value, dict):
            for k, v in value.items():
                child = node.get("properties", {}).get(k)
                if child is None:
                    extra = node.get("additionalProperties")
                    child = extra if isinstance(extra, dict) else {}
                    if not extra:
                        raise AssertionError(f"key {k!r} not in the schema")
                walk(v, child)
        elif isinstance(value, list):
            for v in value:
                walk(v, node.get("items", {}))
        else:
            assert not isinstance(value, (Decimal, Fraction)), (value, node)

    walk(result, schema)
    assert len(exact_places) > 50


def test_float_decimal_and_text_inputs_agree(rules, seed):
    base = rules.evaluate(seed)
    income = seed["年度收入"]
    as_float = {**income, **{k: float(v) for k, v in income.items()}}
    as_decimal = {**income, **{k: Decimal(v) for k, v in income.items()}}
    for variant in (as_float, as_decimal):
        unit = dict(seed)
        unit["年度收入"] = variant
        assert rules.evaluate(unit)["checks"] == base["checks"]
    # A rate as a string with % or as a decimal fraction, in the group the seed has it in.
    (group,) = [k for k, v in seed.items() if isinstance(v, dict) and "满意度" in v]
    unit = dict(seed)
    unit[group] = dict(seed[group], 满意度="90%")
    a = rules.evaluate(unit)
    assert a["indicators"] != base["indicators"]
    unit[group] = dict(seed[group], 满意度=Decimal("0.90"))
    assert rules.evaluate(unit)["indicators"] == a["indicators"]
    unit[group] = dict(seed[group], 满意度=0.9)
    assert rules.evaluate(unit)["indicators"] == a["indicators"]


def test_groups_are_optional_and_dotted_keys_nest(rules, seed):
    base = rules.evaluate(seed)
    flat = {}
    for k, v in seed.items():
        if isinstance(v, dict) and k not in ("评审", "自评"):
            flat.update(v)
        else:
            flat[k] = v
    flat.pop("评审")
    for k, v in seed["评审"].items():
        flat[f"评审.{k}"] = v
    stated = flat.pop("自评")
    flat["自评.总分"] = stated["总分"]
    flat["自评.等级"] = stated["等级"]
    for k, v in stated.get("得分", {}).items():
        flat[f"自评.得分.{k}"] = v
    for k, v in stated.get("指标值", {}).items():
        flat[f"自评.指标值.{k}"] = v
    got = rules.evaluate(flat)
    assert got["indicators"] == base["indicators"]
    assert got["audit"] == base["audit"]
    assert got["total"] == base["total"]


def test_none_is_not_reported(rules, seed):
    # 其他交通工具购置费 has `缺失时 0`: None takes it, with a note in the 复核.
    unit = dict(seed)
    unit["其他交通工具购置费"] = None
    result = rules.evaluate(unit)
    assert result["total_display"] == "94.30"
    notes = [f["message"] for f in result["audit"]["findings"]]
    assert any("其他交通工具购置费" in m and "未填报" in m for m in notes), notes
    # 编制人数 has none: None is a missing figure …
    unit["基本概况"] = dict(seed["基本概况"], 编制人数=None)
    try:
        rules.evaluate(unit)
    except jixiao.JixiaoError as e:
        assert e.code == "jixiao::data::missing_input"
        assert "编制人数" in str(e)
    else:
        raise AssertionError("a missing required figure must raise")
    # … and NaN too; under partial=True what needs it cannot be computed.
    unit["基本概况"] = dict(seed["基本概况"], 编制人数=float("nan"))
    partial = rules.evaluate(unit, partial=True)
    assert partial["complete"] is False and partial["total"] is None
    assert indicator(partial, "财政供养人员控制率")["status"] == "无法计算"


def test_options(rules, seed):
    assert rules.evaluate(seed, audit=False)["audit"]["summary"] != rules.evaluate(seed)["audit"]["summary"]
    assert "explanation" not in rules.evaluate(seed)["indicators"][0]
