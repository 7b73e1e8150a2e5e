import pytest

import jixiao
from conftest import ROOT


def test_error_is_a_value_error():
    assert issubclass(jixiao.JixiaoError, ValueError)


def test_out_of_range(rules, seed):
    seed["基本概况"]["编制人数"] = -1
    with pytest.raises(jixiao.JixiaoError) as info:
        rules.evaluate(seed)
    e = info.value
    assert e.code == "jixiao::data::out_of_range"
    assert e.kind == "data"
    assert "单位 `岳阳市城市管理综合执法支队` 的数据有 1 处问题" in str(e)
    assert e.message == str(e)
    (problem,) = e.problems
    assert problem["field"] == "编制人数"
    assert problem["value"] == "-1"
    assert problem["code"] == "jixiao::data::out_of_range"
    assert problem["message"]
    assert e.diagnostics == []


def test_every_problem_is_listed(rules, seed):
    seed["基本概况"]["编制人数"] = "一百七十四"
    seed["基本概况"]["实有人数"] = 138.5
    with pytest.raises(jixiao.JixiaoError) as info:
        rules.evaluate(seed)
    e = info.value
    codes = {p["field"]: p["code"] for p in e.problems}
    assert codes == {"编制人数": "jixiao::data::invalid_value", "实有人数": "jixiao::data::not_integer"}
    assert e.code == e.problems[0]["code"]


def test_unknown_review(rules, seed):
    seed["评审"]["经济效益"] = 99
    with pytest.raises(jixiao.JixiaoError) as info:
        rules.evaluate(seed)
    assert info.value.code == "jixiao::data::out_of_range"


def test_syntax_error_has_line_and_column():
    text = '标题 "测试"\n年度 2021\n满分 100\n三级 控制率 分值 5 {\n  公式 1 +\n}\n'
    with pytest.raises(jixiao.JixiaoError) as info:
        jixiao.Rules.compile(text, name="坏.jx")
    e = info.value
    assert e.code == "jixiao::syntax"
    assert e.kind == "syntax"
    (d,) = e.diagnostics
    assert d["severity"] == "error"
    assert d["line"] >= 5 and d["column"] >= 1
    assert d["file"] == "坏.jx"
    assert "坏.jx" in e.rendered
    assert str(e)  # the Chinese message


def test_check_error():
    path = ROOT / "tests" / "errors" / "duplicate_name.jx"
    with pytest.raises(jixiao.JixiaoError) as info:
        jixiao.Rules.load(path)
    e = info.value
    assert e.kind == "check"
    assert e.code.startswith("jixiao::check::")
    assert e.diagnostics and all("line" in d for d in e.diagnostics)


def test_missing_rule_file():
    with pytest.raises(jixiao.JixiaoError) as info:
        jixiao.Rules.load("没有这个文件.jx")
    assert info.value.code == "jixiao::io"
    assert "文件不存在" in str(info.value)


def test_not_a_dict(rules):
    with pytest.raises(TypeError):
        rules.evaluate([1, 2, 3])
