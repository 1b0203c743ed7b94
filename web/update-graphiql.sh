#!/usr/bin/env bash
# Re-fetches the vendored GraphiQL files (web/graphiql/vendor/) from the npm
# registry at the pinned versions below and checks each against its sha256 in
# web/graphiql/vendor/SHA256SUMS.
#
#   web/update-graphiql.sh           fetch and check, changing nothing: fails if a fetched
#                                    or a vendored file differs from its recorded sum
#   web/update-graphiql.sh --record  fetch, replace the vendored files and record their sums
#                                    (after changing a version below)
#
# Needs npm (any registry mirror npm is configured for) and sha256sum. The page
# and the bootstrap (web/graphiql/index.html, boot.js, boot.css) are ours, not
# fetched. See docs/web.md.
set -euo pipefail

GRAPHIQL_VERSION=4.1.2 # the last GraphiQL with a browser-ready UMD bundle (5.x is ES modules and Monaco)
REACT_VERSION=18.3.1   # the last React with UMD builds (19 has none); GraphiQL 4 takes 18 or 19

record=false
case "${1:-}" in
  "") ;;
  --record) record=true ;;
  *) echo "usage: $0 [--record]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/graphiql/vendor"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# npm pack checks each tarball against the registry's integrity hash.
(cd "$tmp" && npm pack --silent "graphiql@$GRAPHIQL_VERSION" "react@$REACT_VERSION" "react-dom@$REACT_VERSION" >/dev/null)

# take PACKAGE VERSION FILE... : copy FILEs of PACKAGE's tarball into $out/PACKAGE-VERSION/
out="$tmp/out"
take() {
  local pkg=$1 version=$2
  shift 2
  mkdir -p "$tmp/$pkg-$version" "$out/$pkg-$version"
  tar -xzf "$tmp/$pkg-$version.tgz" -C "$tmp/$pkg-$version"
  for f in "$@"; do
    cp "$tmp/$pkg-$version/package/$f" "$out/$pkg-$version/$(basename "$f")"
  done
}
take graphiql "$GRAPHIQL_VERSION" dist/index.umd.js dist/style.css LICENSE
take react "$REACT_VERSION" umd/react.production.min.js LICENSE
take react-dom "$REACT_VERSION" umd/react-dom.production.min.js LICENSE
# GraphiQL's UMD bundle and style sheet under plain names.
mv "$out/graphiql-$GRAPHIQL_VERSION/index.umd.js" "$out/graphiql-$GRAPHIQL_VERSION/graphiql.min.js"
mv "$out/graphiql-$GRAPHIQL_VERSION/style.css" "$out/graphiql-$GRAPHIQL_VERSION/graphiql.min.css"

sums=$(cd "$out" && find . -type f -print | LC_ALL=C sort | xargs sha256sum)
if ! $record; then
  # Check only: the vendored files stay as they are.
  if ! diff <(printf '%s\n' "$sums") SHA256SUMS; then
    echo "the registry's files differ from web/graphiql/vendor/SHA256SUMS (lines < fetched, > recorded)" >&2
    exit 1
  fi
  if ! sha256sum --quiet -c SHA256SUMS; then
    echo "the vendored files differ from web/graphiql/vendor/SHA256SUMS: run $0 --record, or git checkout web/graphiql/vendor" >&2
    exit 1
  fi
  echo "ok: the registry's files and the vendored ones match web/graphiql/vendor/SHA256SUMS"
  exit 0
fi
# --record: the fetched directories replace every vendored one (older versions go).
find . -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
cp -R "$out"/. .
printf '%s\n' "$sums" >SHA256SUMS
echo "recorded in web/graphiql/vendor/SHA256SUMS:"
cat SHA256SUMS
echo "update the versions in web/graphiql/vendor/NOTICE and web/graphiql/index.html, then run go test ./web/"
