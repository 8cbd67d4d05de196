# syntax=docker/dockerfile:1
# credential-marketplace: one image for the API (default), the Temporal worker
# and the one-shot database migration; docker-compose.yml picks the command.

############################ build ############################
FROM node:24-bookworm-slim AS build
WORKDIR /app

# Dependencies first, so source edits reuse this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

############################ runtime ############################
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app

# DATA_DIR holds uploads and certificate PDFs; compose mounts a named volume
# here, which takes this owner on first use, so the `node` user can write it.
RUN mkdir -p /data && chown node:node /data

# Application files stay owned by root: the app can read them, not change them.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The migration runner reads its SQL files from db/migrations under the project root.
COPY --from=build /app/db/migrations ./db/migrations
# The tutor widget is served as written, not compiled; so are the console's templates and stylesheet.
COPY --from=build /app/capabilities/tutor/widget ./capabilities/tutor/widget
COPY --from=build /app/console/views ./console/views
COPY --from=build /app/console/assets ./console/assets

USER node
EXPOSE 3000
CMD ["node", "dist/api/server.js"]
