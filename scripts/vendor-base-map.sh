#!/bin/sh
# Makes simulations/geodata/europe.geojson, the base map behind every map, from the
# Natural Earth country outlines (1:50m, public domain) packaged as TopoJSON by the npm
# package world-atlas. Run once by a maintainer when the outline should change; the
# studio and the reports only read the file. Needs node and npm.
#   sh scripts/vendor-base-map.sh
set -eu
out="$(cd "$(dirname "$0")/.." && pwd)/simulations/geodata/europe.geojson"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent world-atlas@2.0.2 > /dev/null
tar xzf world-atlas-2.0.2.tgz
# Western and central Europe, simplified (40 % of the points kept, every country kept),
# coordinates to 0.01° (about 1 km): 58 KB.
npx --yes mapshaper@0.6.121 -i package/countries-50m.json -target countries \
  -clip bbox=-12,34,26,62 -simplify 40% keep-shapes \
  -o format=geojson precision=0.01 "$out"
