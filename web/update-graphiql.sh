#!/usr/bin/env bash
# Re-fetches the vendored GraphiQL files (web/graphiql/vendor/) from the npm
# registry at the pinned versions below and checks each against its sha256 in
# web/graphiql/vendor/SHA256SUMS.
#
#   web/update-graphiql.sh           fetch, check: fails if a file differs from its recorded sum
#   web/update-graphiql.sh --record  fetch and record the new sums (after changing a version)
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

# take PACKAGE VERSION FILE... : extract FILEs of PACKAGE's tarball into PACKAGE-VERSION/
take() {
  local pkg=$1 version=$2
  shift 2
  local dir="$tmp/$pkg-$version"
  mkdir -p "$dir"
  tar -xzf "$tmp/$pkg-$version.tgz" -C "$dir"
  rm -rf "$pkg-$version.new"
  mkdir -p "$pkg-$version.new"
  for f in "$@"; do
    cp "$dir/package/$f" "$pkg-$version.new/$(basename "$f")"
  done
}
take graphiql "$GRAPHIQL_VERSION" dist/index.umd.js dist/style.css LICENSE
take react "$REACT_VERSION" umd/react.production.min.js LICENSE
take react-dom "$REACT_VERSION" umd/react-dom.production.min.js LICENSE
# GraphiQL's UMD bundle and style sheet under plain names.
mv "graphiql-$GRAPHIQL_VERSION.new/index.umd.js" "graphiql-$GRAPHIQL_VERSION.new/graphiql.min.js"
mv "graphiql-$GRAPHIQL_VERSION.new/style.css" "graphiql-$GRAPHIQL_VERSION.new/graphiql.min.css"

# The new files replace every vendored directory (older versions go).
for d in *.new; do
  rm -rf "${d%.new}"
  mv "$d" "${d%.new}"
done
for d in */; do
  d=${d%/}
  case "$d" in
    "graphiql-$GRAPHIQL_VERSION" | "react-$REACT_VERSION" | "react-dom-$REACT_VERSION") ;;
    *) rm -rf "$d" ;;
  esac
done

sums=$(find . -type f ! -name SHA256SUMS ! -name NOTICE -print | LC_ALL=C sort | xargs sha256sum)
if $record; then
  printf '%s\n' "$sums" >SHA256SUMS
  echo "recorded in web/graphiql/vendor/SHA256SUMS:"
  cat SHA256SUMS
  echo "update the versions in web/graphiql/vendor/NOTICE and web/graphiql.go's page, then run go test ./web/"
  exit 0
fi
if ! diff <(printf '%s\n' "$sums") SHA256SUMS; then
  echo "the fetched files differ from web/graphiql/vendor/SHA256SUMS (lines < fetched, > recorded)" >&2
  exit 1
fi
echo "ok: every vendored file matches web/graphiql/vendor/SHA256SUMS"
