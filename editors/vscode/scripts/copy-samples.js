// Copies the repository's sample rule files into test/snap/ for the snapshot test
// (vscode-tmgrammar-snap writes each snapshot beside its source file, and rules/ is not the
// place for them). The copies are git-ignored; the .snap files are committed, so a change
// to a sample or to the grammar shows up as a snapshot difference to review.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const samples = ['yueyang-2021.jx', 'yueyang-2022.jx', 'yueyang-2021.test.jx'];
const rules = path.join(__dirname, '..', '..', '..', 'rules');
const dir = path.join(__dirname, '..', 'test', 'snap');
fs.mkdirSync(dir, { recursive: true });
for (const name of samples) fs.copyFileSync(path.join(rules, name), path.join(dir, name));

// Without --updateSnapshot a missing snapshot must fail the test, not be written silently.
if (!process.argv.includes('--update')) {
  const missing = samples.filter((name) => !fs.existsSync(path.join(dir, `${name}.snap`)));
  if (missing.length > 0) {
    console.error(`缺少快照 ${missing.join('、')}：运行 npm run test:snap:update，检查生成的 .snap 后提交`);
    process.exit(1);
  }
}
