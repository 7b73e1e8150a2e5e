"""jixiao（绩效）: 部门整体支出绩效评价的规则语言和评价引擎 — Python 接口。

    import jixiao
    rules = jixiao.Rules.load("rules/yueyang-2021.jx")
    result = rules.evaluate({"单位名称": "某单位", "编制人数": 174, ...})
    print(result["total_display"], result["grade"])

Exact numbers of the result are ``decimal.Decimal`` where they terminate ("2.015") and
``fractions.Fraction`` where they do not ("23/29"); never float. See README.md.
"""

from ._jixiao import JSON_VERSION, JixiaoError, Rules, __version__

__all__ = ["Rules", "JixiaoError", "JSON_VERSION", "__version__"]
