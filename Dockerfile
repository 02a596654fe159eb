# The tempstream services (topology, simulator, alert consumer, API and dashboard) in one image; the
# command picks one:
#   docker run tempstream start | simulate --devices 20 --rate 50 | alerts | serve | schemas register | migrate
# `serve` serves the dashboard too: web/dist is built here and copied beside dist/.
# NODE_IMAGE: any Debian-based image with Node >= 20.18 and a user `node` (the public
# node:20-bookworm-slim by default; offline, local/node:latest from stack/build-images.sh).
# npm-ca.pem (optional, git-ignored, in the build context): a CA bundle npm trusts behind a
# TLS-intercepting proxy. Only the build stage sees it; the final image copies nothing but the app.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The glob lets npm-ca.pem be absent (the classic builder has no build secrets).
COPY package.json package-lock.json npm-ca.pem* ./
COPY patches patches
# Scripts off: the build below is explicit, and no dependency needs an install script. Our own
# postinstall (patch-package: KafkaJS's read_committed fix, patches/) runs explicitly.
RUN if [ -s npm-ca.pem ]; then export NODE_EXTRA_CA_CERTS=/app/npm-ca.pem; fi \
 && npm ci --no-audit --no-fund --ignore-scripts \
 && npx patch-package --error-on-fail
COPY tsconfig.json tsconfig.build.json ./
COPY topology topology
COPY schemas schemas
COPY sinks sinks
COPY app app
COPY api api
COPY cli cli
# cli/demo loads it on demand; compiled so that tsc resolves the import, unusable without testcontainers.
COPY stack/harness.ts stack/harness.ts
# The dashboard (Vite) before the prune: its toolchain is a dev dependency; only its output ships.
COPY web web
RUN npm run build && npm run build:web && npm prune --omit=dev --ignore-scripts

FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
# V8 lets garbage grow toward its heap limit (GBs by default) before a full collection; with 256 MB it
# collects early, and the topology stays under 200 MB RSS at full speed (docs/benchmarks.md, which
# runs the topology with these flags). Raise it together with MAX_IN_FLIGHT_PER_PARTITION.
ENV NODE_OPTIONS=--max-old-space-size=256
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# dist/api/server.js finds it two levels up (api/server.ts defaultWebRoot).
COPY --from=build /app/web/dist web/dist
USER node
EXPOSE 9464 9465 8080
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["start"]
