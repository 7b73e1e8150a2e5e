// 基准测试工作负载的单位数据（../shared/bench/WORKLOAD.md 第 1 节，gen_units.py 的 JavaScript 版）：
// 第 1 行是种子单位，其余由 SplitMix64 生成，同样的 N 得到逐字节相同的 CSV。
// 浏览器测试用它生成一个城市规模（19,000 个单位）的上传文件；规则是 benches/workload/workload.jx。

export const HEADERS = [
  "单位名称", "编制人数", "实有人数", "年初预算", "实际收入", "上年结转", "支出合计", "基本支出",
  "人员支出", "公用支出", "项目支出", "项目支出预算", "重点支出", "三公预算", "上年三公预算", "三公实际",
  "上年三公实际", "政府采购预算", "政府采购实际", "固定资产期初", "固定资产新增", "固定资产调入",
  "固定资产处置", "固定资产期末",
];

const SEED_ROW =
  "岳阳市城市管理综合执法支队,174,138,3029.36,3641.42,55.41,3696.83,2324.41,1767.49,556.92," +
  "1372.42,1517.00,1429.00,45.06,44.00,13.17,14.50,0.00,0.00,687.72,106.98,8.17,55.47,747.40";

/** SHA-256 of the first 1,000 units (WORKLOAD.md: data/units-1000.csv). */
export const SHA256_1000 = "72909fe01d27a13366e1c5a82e6c781fe8b0ae7df8762be3abd0d264a531eee9";

const M64 = (1n << 64n) - 1n;

function splitMix64(seed) {
  let s = seed;
  const next = () => {
    s = (s + 0x9e3779b97f4a7c15n) & M64;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
    return z ^ (z >> 31n);
  };
  // Inclusive; the amounts stay far below 2^53, so plain numbers hold them exactly.
  return (lo, hi) => lo + Number(next() % BigInt(hi - lo + 1));
}

const div = (a, b) => Math.floor(a / b);
const money = (c) => `${div(c, 100)}.${String(c % 100).padStart(2, "0")}`;

/** The rows (header first) of the workload's first `n` units, each an array of cells. */
export function workloadRows(n) {
  const u = splitMix64(0x5eed2024n);
  const rows = [HEADERS.slice(), SEED_ROW.split(",")];
  for (let i = 2; i <= n; i++) {
    let quota = u(20, 600);
    let actual = div(quota * u(70, 105), 100);
    const over = u(1, 20);
    if (i % 50 === 0) actual = quota + over;
    if (i % 40 === 0) actual = quota;
    if (i % 45 === 0) [quota, actual] = [160, 165];
    const budget0 = u(50_000, 5_000_000);
    const revenue = div(budget0 * u(8500, 13000), 10000);
    const carry = u(0, div(budget0, 10));
    let spend = div((revenue + carry) * u(8000, 10000), 10000);
    if (i % 30 === 0) spend = revenue + carry;
    const project = div(spend * u(2000, 6000), 10000);
    const basic = spend - project;
    const personnel = div(basic * u(6000, 8500), 10000);
    let pub = basic - personnel;
    if (i % 97 === 0) pub += 1;
    const projectBudget = Math.max(1, div(project * u(9000, 12000), 10000));
    const key = div(projectBudget * u(6000, 10000), 10000);
    const sgPrev = u(500, 10_000);
    let sgBudget = div(sgPrev * u(8500, 11500), 10000);
    if (i % 35 === 0) sgBudget = sgPrev;
    const sgActualPrev = Math.max(1, div(sgPrev * u(6000, 10500), 10000));
    const sgActual = div(sgBudget * u(6000, 10500), 10000);
    const gpBudget = u(0, div(budget0, 5));
    const gpActual = div(gpBudget * u(7000, 10000), 10000);
    const faOpen = u(10_000, 2_000_000);
    const faAdd = u(0, div(faOpen, 5));
    const faIn = u(0, div(faOpen, 20));
    const faDispose = u(0, div(faOpen, 10));
    let faClose = faOpen + faAdd + faIn - faDispose;
    if (i % 89 === 0) faClose -= 100;
    const amounts = [
      budget0, revenue, carry, spend, basic, personnel, pub, project, projectBudget, key, sgBudget, sgPrev,
      sgActual, sgActualPrev, gpBudget, gpActual, faOpen, faAdd, faIn, faDispose, faClose,
    ];
    rows.push([`测试单位${String(i).padStart(7, "0")}`, String(quota), String(actual), ...amounts.map(money)]);
  }
  return rows;
}

/** Rows as CSV text (no cell needs quoting). */
export const csvText = (rows) => rows.map((r) => r.join(",") + "\n").join("");
