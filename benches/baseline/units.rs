//! `gen_units.py` (../shared/bench) in Rust, so that `cargo bench` needs neither Python nor
//! the shared folder: the same SplitMix64 draws, the same edge cases, the same bytes
//! (benches/e2e.sh checks the Python generator's files against WORKLOAD.md's SHA-256).

#[allow(dead_code)] // used by the e2e baseline binary, not by every bench that includes this file
pub const HEADER: &str = "单位名称,编制人数,实有人数,年初预算,实际收入,上年结转,支出合计,基本支出,人员支出,公用支出,项目支出,项目支出预算,重点支出,三公预算,上年三公预算,三公实际,上年三公实际,政府采购预算,政府采购实际,固定资产期初,固定资产新增,固定资产调入,固定资产处置,固定资产期末";
const SEED_ROW: &str = "岳阳市城市管理综合执法支队,174,138,3029.36,3641.42,55.41,3696.83,2324.41,1767.49,556.92,1372.42,1517.00,1429.00,45.06,44.00,13.17,14.50,0.00,0.00,687.72,106.98,8.17,55.47,747.40";

struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn u(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

fn money(c: u64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

/// The first `n` units' lines (without the header), as `gen_units.py n` writes them.
pub fn lines(n: usize) -> Vec<String> {
    let mut g = SplitMix64(0x5EED_2024);
    let mut out = Vec::with_capacity(n);
    if n >= 1 {
        out.push(SEED_ROW.to_owned());
    }
    for i in 2..=n as u64 {
        let mut quota = g.u(20, 600);
        let mut actual = quota * g.u(70, 105) / 100;
        let over = g.u(1, 20);
        if i % 50 == 0 {
            actual = quota + over;
        }
        if i % 40 == 0 {
            actual = quota;
        }
        if i % 45 == 0 {
            quota = 160;
            actual = 165;
        }
        let budget0 = g.u(50_000, 5_000_000);
        let revenue = budget0 * g.u(8500, 13000) / 10000;
        let carry = g.u(0, budget0 / 10);
        let mut spend = (revenue + carry) * g.u(8000, 10000) / 10000;
        if i % 30 == 0 {
            spend = revenue + carry;
        }
        let project = spend * g.u(2000, 6000) / 10000;
        let basic = spend - project;
        let personnel = basic * g.u(6000, 8500) / 10000;
        let mut public = basic - personnel;
        if i % 97 == 0 {
            public += 1;
        }
        let project_budget = (project * g.u(9000, 12000) / 10000).max(1);
        let key = project_budget * g.u(6000, 10000) / 10000;
        let sg_prev = g.u(500, 10_000);
        let mut sg_budget = sg_prev * g.u(8500, 11500) / 10000;
        if i % 35 == 0 {
            sg_budget = sg_prev;
        }
        let sg_actual_prev = (sg_prev * g.u(6000, 10500) / 10000).max(1);
        let sg_actual = sg_budget * g.u(6000, 10500) / 10000;
        let gp_budget = g.u(0, budget0 / 5);
        let gp_actual = gp_budget * g.u(7000, 10000) / 10000;
        let fa_open = g.u(10_000, 2_000_000);
        let fa_add = g.u(0, fa_open / 5);
        let fa_in = g.u(0, fa_open / 20);
        let fa_dispose = g.u(0, fa_open / 10);
        let mut fa_close = fa_open + fa_add + fa_in - fa_dispose;
        if i % 89 == 0 {
            fa_close -= 100;
        }
        let amounts = [
            budget0,
            revenue,
            carry,
            spend,
            basic,
            personnel,
            public,
            project,
            project_budget,
            key,
            sg_budget,
            sg_prev,
            sg_actual,
            sg_actual_prev,
            gp_budget,
            gp_actual,
            fa_open,
            fa_add,
            fa_in,
            fa_dispose,
            fa_close,
        ];
        let amounts: Vec<String> = amounts.iter().map(|&c| money(c)).collect();
        out.push(format!("测试单位{i:07},{quota},{actual},{}", amounts.join(",")));
    }
    out
}
