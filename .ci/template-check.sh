#!/usr/bin/env bash
# The project template, as a newcomer would use it: install Kiln into a private local repository, copy template/ to a
# temporary folder, build and test the copy there against that repository with the copy's own Maven wrapper, run its
# main, and check the JSON line it prints (XOR learnt, the ONNX file written). Also checks that template/pom.xml holds
# the README's "Use Kiln in your project" block line for line. Exits non-zero on any failure.
#
# Nothing is written to ~/.m2/repository: Kiln's artifacts (and anything downloaded) go to the private repository;
# ~/.m2/repository is only read, as Maven's read-only tail repository. Usage: bash .ci/template-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS=${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}

work=$(mktemp -d "${TMPDIR:-/tmp}/kiln-template.XXXXXX")
trap 'rm -rf "$work"' EXIT
repo=(-Dmaven.repo.local="$work/m2")
[ -d "$HOME/.m2/repository" ] && repo+=(-Dmaven.repo.local.tail="$HOME/.m2/repository")
start=$SECONDS
step() { echo "== template-check ($((SECONDS - start)) s): $*"; }

step "template/pom.xml holds README.md's \"Use Kiln in your project\" block"
awk '/^## Use Kiln in your project/ {s = 1} s && /^```xml/ {b = 1; next} b && /^```/ {exit} b' README.md > "$work/block.xml"
[ -s "$work/block.xml" ] || { echo "no xml block under \"Use Kiln in your project\" in README.md" >&2; exit 1; }
# Every line of the block, in order, in the pom (indented two more spaces); the pom may add lines between them.
awk 'NR == FNR { want[++n] = ($0 == "" ? "" : "  " $0); next }
     i < n && $0 == want[i + 1] { i++; while (i < n && want[i + 1] == "") i++ }
     END { if (i < n) { printf "template/pom.xml lacks README line %d: %s\n", i + 1, want[i + 1] > "/dev/stderr"; exit 1 } }' \
    "$work/block.xml" template/pom.xml

step "installing Kiln's annotations, processor and runtime into $work/m2"
./mvnw -B -ntp -q -pl annotations,processor,runtime -am -Dmaven.test.skip=true "${repo[@]}" install

step "copying template/ to $work/app"
cp -R template "$work/app"
rm -rf "$work/app/target"
cd "$work/app"

step "building and testing the copy"
./mvnw -B -ntp "${repo[@]}" package 2>&1 | tee "$work/build.log" | grep -E 'Tests run:|BUILD|ERROR' || true
grep -q 'BUILD SUCCESS' "$work/build.log" || { echo "the template's build failed; its log:" >&2; cat "$work/build.log" >&2; exit 1; }
grep -Eq 'Tests run: [1-9][0-9]*, Failures: 0, Errors: 0' "$work/build.log" || { echo "the template ran no test" >&2; exit 1; }

step "running its main"
./mvnw -B -ntp -q "${repo[@]}" exec:exec | tee "$work/run.log"
json=$(grep -E '^\{"model":"Xor"' "$work/run.log" | tail -1)
[ -n "$json" ] || { echo "no JSON line from the template's main" >&2; exit 1; }
echo "$json" | grep -q '"accuracy":1.0000' || { echo "the template's model did not learn XOR: $json" >&2; exit 1; }
[ -s target/xor.onnx ] || { echo "the template's main wrote no target/xor.onnx" >&2; exit 1; }

step "passed"
