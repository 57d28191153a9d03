#!/bin/sh
# `npm test`: type-check, lint and jest side by side, so the two cores stay busy while jest's global
# setup synthesizes the presets on one of them; fails when any of the three fails. Extra arguments go
# to jest (`npm test -- test/service.test.ts`). tsc, eslint and prettier keep caches in
# node_modules/.cache, so a second run only re-checks what changed.
npm run -s build &
build=$!
npm run -s lint &
lint=$!
npx jest "$@"
tests=$?
wait $build
build=$?
wait $lint
lint=$?
[ $build -eq 0 ] || echo "npm test: the type-check (npm run build) failed" >&2
[ $lint -eq 0 ] || echo "npm test: lint (npm run lint) failed" >&2
[ $tests -eq 0 ] || echo "npm test: jest failed" >&2
[ $build -eq 0 ] && [ $lint -eq 0 ] && [ $tests -eq 0 ]
