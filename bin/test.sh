#!/bin/sh
# `npm test`: the type-check and jest side by side, so both cores stay busy while jest's global setup
# synthesizes the presets on one of them; fails when either fails. Without arguments jest runs every
# unit test in two shards (jest.shards.config.js; test/setup/suites.js says why); extra arguments go to
# jest with jest.config.js, which runs the named files one by one (`npm test -- test/service/index.test.ts`).
# Style (eslint, prettier) is `npm run lint`, which CI runs next to this; `npm run check` runs the
# type-check and lint together. tsc keeps its cache in node_modules/.cache.
npm run -s build &
build=$!
if [ $# -eq 0 ]; then
  npx jest -c jest.shards.config.js
else
  npx jest "$@"
fi
tests=$?
wait $build
build=$?
[ $build -eq 0 ] || echo "npm test: the type-check (npm run build) failed" >&2
[ $tests -eq 0 ] || echo "npm test: jest failed" >&2
[ $build -eq 0 ] && [ $tests -eq 0 ]
