# syntax=docker/dockerfile:1
# The Lablet scheduler's image: `node dist/main.js` as an unprivileged user, with production
# dependencies only and no development, test, benchmark or demo code (dev/, e2e/, bench/ and test
# files never reach the build context: .dockerignore is an allowlist). No Docker engine runs in CI:
# e2e/image.e2e.test.ts performs these steps in a temp folder and starts the result.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json main.ts ./
COPY pkg/ pkg/
COPY controllers/ controllers/
RUN npx tsc -p tsconfig.build.json

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/ dist/
# The node image's unprivileged user, by number, so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 8081
ENTRYPOINT ["node", "dist/main.js"]
