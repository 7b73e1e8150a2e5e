#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seed inputs from the repository (rules/, examples/,
# tests/errors/, docs/ code blocks) and with the saved regression inputs. Safe to re-run:
# libFuzzer names its own corpus files by content hash, these seeds are named `seed-*`.
set -euo pipefail
cd "$(dirname "$0")"
root=..
mkdir -p corpus/rules corpus/data corpus/eval corpus/csv corpus/xlsx

# rules: every rule file, every error case, and the jx blocks of the docs.
for f in "$root"/rules/*.jx "$root"/tests/errors/*.jx; do
  cp "$f" "corpus/rules/seed-$(basename "$f")"
done
python3 - "$root" corpus/rules <<'PY' || true
import pathlib, re, sys
root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for md in sorted((root / "docs").glob("*.md")) + [root / "README.md"]:
    for i, block in enumerate(re.findall(r"```jx\n(.*?)```", md.read_text(), re.S)):
        (out / f"seed-{md.stem}-{i}.jx").write_text(block)
PY

# data: first byte picks the reader — 0 TOML, 1 JSON (jixiao::load_data),
# 2 one document through the batch reader, 3 CSV (batch::input::open_csv).
prefix() { { printf "\\x$(printf %02x "$1")"; cat "$2"; } > "$3"; }
for f in "$root"/examples/*/*.toml "$root"/tests/errors/data/*.toml; do
  prefix 0 "$f" "corpus/data/seed-toml-$(basename "$f")"
  prefix 2 "$f" "corpus/data/seed-doc-$(basename "$f")"
done
for f in "$root"/examples/*/*.csv; do
  prefix 3 "$f" "corpus/data/seed-csv-$(basename "$f")"
done
python3 - "$root" corpus/data <<'PY' || true
import json, pathlib, sys, tomllib
root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for f in sorted(root.glob("examples/*/*.toml")):
    with f.open("rb") as fh:
        doc = tomllib.load(fh, parse_float=str)
    text = json.dumps(doc, ensure_ascii=False, default=str, indent=1)
    (out / f"seed-json-{f.stem}.json").write_bytes(b"\x01" + text.encode())
PY

# eval: an empty input is the seed unit itself; a few byte patterns change fields.
printf '' > corpus/eval/seed-empty
printf '\x01\x01\x01\x01' > corpus/eval/seed-missing
printf '\x05\x05\x05\x06\x05\x0b\x05\x0c' > corpus/eval/seed-special
head -c 512 /dev/zero | tr '\0' '\002' > corpus/eval/seed-numbers

# xlsx: first byte even — a sheet's XML, NUL, its shared strings' XML (put into a minimal
# workbook); odd — a whole workbook file (the examples, a template, one returned filled in).
python3 - "$root" corpus/xlsx <<'PY' || true
import pathlib, sys, zipfile
root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
books = sorted(root.glob("examples/*/*.xlsx")) + sorted(root.glob("tests/**/*.xlsx"))
for i, book in enumerate(books[:20]):
    (out / f"seed-file-{i}-{book.stem}.bin").write_bytes(b"\x01" + book.read_bytes())
    with zipfile.ZipFile(book) as z:
        names = z.namelist()
        strings = z.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in names else b""
        for name in names:
            if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
                sheet = z.read(name)[:200_000]
                (out / f"seed-sheet-{i}-{pathlib.Path(name).stem}.bin").write_bytes(b"\x00" + sheet + b"\x00" + strings)
PY
if [ -x "$root/target/debug/jixiao" ]; then
  "$root/target/debug/jixiao" template "$root/rules/yueyang-2021.jx" -o /tmp/jixiao-fuzz-template.xlsx >/dev/null \
    && { printf '\x01'; cat /tmp/jixiao-fuzz-template.xlsx; } > corpus/xlsx/seed-template.bin
fi

for f in "$root"/tests/hostile/*.xls; do
  { printf '\x05'; cat "$f"; } > "corpus/xlsx/seed-xls-$(basename "$f")"
done

# The saved regression inputs are seeds too.
for t in rules data eval xlsx; do
  if [ -d "$root/tests/fuzz_regressions/$t" ]; then
    for f in "$root/tests/fuzz_regressions/$t"/*; do
      [ -f "$f" ] && cp "$f" "corpus/$t/seed-regression-$(basename "$f")"
    done
  fi
done
echo "corpus: $(ls corpus/rules | wc -l) rules, $(ls corpus/data | wc -l) data, $(ls corpus/eval | wc -l) eval, $(ls corpus/xlsx | wc -l) xlsx"

# csv: the example and workload-shaped files, and the hostile inputs of the regression tests.
for f in "$root"/examples/*/*.csv "$root"/tests/fuzz_regressions/csv/*.csv; do
  if [ -f "$f" ]; then cp "$f" "corpus/csv/seed-$(basename "$f")"; fi
done
