//! Grammar rules in the rule author's words, for "此处应为 …" messages.
//!
//! The match is exhaustive on purpose: a new grammar rule does not compile until it
//! is given wording here (or `None` for rules a user never needs to hear about).

use super::grammar::Rule;

pub(super) fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "文件结尾",
        Rule::file | Rule::base_only => return None,
        Rule::title | Rule::kw_title => "`标题`",
        Rule::year | Rule::kw_year => "`年度`",
        Rule::issuer | Rule::kw_issuer => "`发布单位`",
        Rule::full_marks | Rule::kw_full_marks => "`满分`",
        Rule::default_stepping => "`计步`",
        Rule::score_precision | Rule::kw_score_precision => "`得分精度`",
        Rule::stepping => "计步方式（`连续`、`整步` 或 `进位`）",
        Rule::section | Rule::kw_section => "`栏目`",
        Rule::input_decl | Rule::kw_input => "`输入`",
        Rule::kind => "输入的类型（如 `万元`、`人`、`百分比`、`是否`）",
        Rule::input_body | Rule::target_list_body | Rule::block_open => "`{`",
        Rule::block_close => "`}`",
        Rule::alias_clause | Rule::kw_alias => "`别名`",
        Rule::desc_clause | Rule::kw_desc => "`说明`",
        Rule::range_clause | Rule::kw_range => "`范围`",
        Rule::default_clause | Rule::kw_default => "`缺失时`",
        Rule::undefined_default | Rule::undefined_clause | Rule::kw_undefined => "`无法计算时`",
        Rule::full_marks_word => "`满分`",
        Rule::undefined_outcome => "`得 …` 或 `不适用`",
        Rule::kw_not_applicable => "`不适用`",
        Rule::undefined_cases => "`分情况`",
        Rule::undefined_arm => "`当`",
        Rule::undefined_other => "`其他`",
        Rule::na_rule | Rule::kw_na_rule => "`不适用时`",
        Rule::na_mode => "总分的计算方式（`按适用分值折算`、`按同级分值折算` 或 `按得分率定级`）",
        Rule::target_list | Rule::kw_target_list => "`目标清单`",
        Rule::categories_clause | Rule::kw_categories => "`类别`",
        Rule::let_decl | Rule::kw_let => "`计算`",
        Rule::display_clause | Rule::kw_display => "`显示`",
        Rule::percent_format => "`百分比`",
        Rule::node | Rule::level => "指标（`一级`、`二级` 或 `三级`）",
        Rule::weight | Rule::kw_weight => "`分值`",
        Rule::formula | Rule::kw_formula => "`公式`",
        Rule::standard_text | Rule::kw_standard => "`标准`",
        Rule::scoring | Rule::kw_scoring => "`评分`",
        Rule::crit_deduct | Rule::kw_deduct => "`扣分`",
        Rule::subject | Rule::kw_on => "`依据`",
        Rule::baseline | Rule::kw_baseline => "`基准`",
        Rule::per_step | Rule::step_direction => "`每超过`、`每低于` 或 `每偏离`",
        Rule::step_size => "步长（如 `1`）",
        Rule::step_unit => "计量单位（如 `百分点`、`个`）",
        Rule::step_clause | Rule::kw_stepping => "`计步`",
        Rule::crit_ratio | Rule::kw_ratio => "`比例`",
        Rule::ratio_target | Rule::kw_target => "`目标`",
        Rule::crit_bands | Rule::kw_bands => "`分档`",
        Rule::band => "分档行（如 `>= 90% 得 5`）",
        Rule::crit_pass | Rule::kw_pass => "`达标`",
        Rule::pass_condition | Rule::kw_when => "`条件`",
        Rule::otherwise | Rule::kw_else => "`否则`",
        Rule::crit_cases | Rule::kw_cases => "`分情况`",
        Rule::case_arm | Rule::kw_case => "`当`",
        Rule::case_other | Rule::kw_other => "`其他`",
        Rule::crit_review | Rule::kw_review => "`评审`",
        Rule::crit_checklist | Rule::kw_checklist => "`清单`",
        Rule::checklist_item | Rule::kw_item => "`项`",
        Rule::crit_formula => "`公式`",
        Rule::grades | Rule::kw_grades => "`等级`",
        Rule::grade_band => "等级名称和区间（如 `优秀 >= 90`）",
        Rule::check | Rule::kw_check => "`勾稽`",
        Rule::tolerance | Rule::kw_tolerance => "`容差`",
        Rule::severity | Rule::kw_severity => "`级别`",
        Rule::severity_word => "`错误` 或 `警告`",
        Rule::interval | Rule::interval_cmp | Rule::interval_pair => "区间（如 `>= 90%` 或 `[80%, 90%)`）",
        Rule::open_bracket => "`[` 或 `(`",
        Rule::close_bracket => "`]` 或 `)`",
        Rule::signed_number | Rule::literal => "数值",
        Rule::minus_sign => "`-`",
        Rule::expr | Rule::paren => "表达式",
        Rule::if_expr | Rule::kw_if => "`如果`",
        Rule::kw_then => "`则`",
        Rule::filter | Rule::kw_where => "`其中`",
        Rule::op_add
        | Rule::op_sub
        | Rule::op_mul
        | Rule::op_div
        | Rule::op_le
        | Rule::op_ge
        | Rule::op_ne
        | Rule::op_eq
        | Rule::op_lt
        | Rule::op_gt
        | Rule::op_and
        | Rule::op_or => "运算符",
        Rule::op_neg | Rule::op_not => "表达式",
        Rule::cmp_op => "比较符（如 `>=`、`<`、`=`）",
        Rule::ident => "名称",
        Rule::number | Rule::integer | Rule::number_text | Rule::digit_run | Rule::digit | Rule::point => "数字",
        Rule::exponent => "指数",
        Rule::percent => "百分数（如 `100%`）",
        Rule::string | Rule::string_text | Rule::cn_string_text => "带引号的文字（如 `\"…\"`）",
        Rule::boolean => "`是` 或 `否`",
        Rule::colon => "`:`",
        Rule::assign => "`=`",
        Rule::rparen => "`)`",
        Rule::kw_minus => "`扣`",
        Rule::kw_gets => "`得`",
        Rule::comma => "`,`",
        Rule::compare | Rule::kw_compare => "`对照`",
        Rule::base | Rule::kw_base => "`基于`",
        Rule::replace_node | Rule::kw_replace => "`替换`",
        Rule::delete_item | Rule::kw_delete => "`删除`",
        Rule::delete_kind => "要删除的种类（`三级`、`输入`、`计算`、`勾稽` …）",
        Rule::add_node | Rule::kw_add => "`新增`",
        Rule::kw_under => "`于`",
        Rule::adjust_weight | Rule::kw_adjust => "`调整`",
        Rule::test_case | Rule::kw_test => "`测试`",
        Rule::test_data | Rule::kw_data => "`数据`",
        Rule::test_set | Rule::kw_set => "`设`",
        Rule::data_path => "数据字段名（如 `实有人数` 或 `评审.经济效益`）",
        Rule::test_expect | Rule::kw_expect => "`期望`",
        Rule::expect_subject => "指标名称、`总分` 或 `等级`",
        Rule::grade_word => "`等级`",
        Rule::score_word => "`得分`",
        Rule::expect_value => "期望的值",
        Rule::kw_versus => "`与`",
        Rule::difference | Rule::kw_difference => "`差额`",
        Rule::audit_tolerance | Rule::kw_audit_tolerance => "`复核容差`",
        // Arguments after a name: the operators already listed say what may follow it.
        Rule::call => return None,
        // Silent helpers: never reported by pest.
        Rule::reserved
        | Rule::WHITESPACE
        | Rule::COMMENT
        | Rule::line_comment_text
        | Rule::item
        | Rule::node_item
        | Rule::criterion
        | Rule::prefix
        | Rule::infix
        | Rule::primary
        | Rule::ident_start
        | Rule::ident_char
        | Rule::lparen => return None,
    })
}
