//! Named setups for documented commands (`<!-- 测试 准备 名称 -->`): files the documents
//! describe in words, made the way the described people would make them.

use std::path::Path;

use jixiao_io::template::{self, FillValue};

use crate::template::{field_mut, seed_template};

pub fn make(name: &str, dir: &Path) {
    match name {
        "交回" => returned_forms(&dir.join("交回")),
        other => panic!("no documentation fixture `{other}`"),
    }
}

/// docs/clerk-guide.md 第四步: "`交回/` 有三个文件：种子单位填好的表；虚构的“市档案馆”，故意
/// 填错了三处，评审还有一项没打分；“市文化馆”误用了 2022 年度的空表。"
fn returned_forms(folder: &Path) {
    std::fs::create_dir_all(folder).unwrap();
    let rules_2021 = compile("rules/yueyang-2021.jx");
    let write = |name: &str, form: &template::Template| {
        std::fs::write(folder.join(name), template::xlsx::write(form).expect("template writes")).unwrap();
    };
    write("城管执法支队.xlsx", &seed_template(&rules_2021.model));

    let mut archive = seed_template(&rules_2021.model);
    field_mut(&mut archive, "单位名称").value = Some(FillValue::Text("市档案馆（虚构）".into()));
    field_mut(&mut archive, "编制人数").value = Some(FillValue::Text("174人".into()));
    field_mut(&mut archive, "收入合计").value = None;
    field_mut(&mut archive, "满意度").value = Some(FillValue::Text("95%以上".into()));
    field_mut(&mut archive, "评审.社会效益").value = None;
    write("市档案馆.xlsx", &archive);

    let rules_2022 = compile("rules/yueyang-2022.jx");
    let empty = template::describe(&rules_2022.model, template::Options::default());
    write("市文化馆.xlsx", &empty);
}

fn compile(path: &str) -> jixiao::Compiled {
    crate::compile(path, &crate::read(&crate::root().join(path)))
}
