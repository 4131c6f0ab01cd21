#!/bin/sh
# The Fly machine's entry point. A new or replaced machine has an empty volume:
# restore this region's database from its latest backup first (nothing to do
# when the volume already has one, or when no backup exists yet). Then run the
# server under Litestream, which streams every committed write to the bucket
# and exits when the server exits, so the server's exit ends the container.
# The server is the release host: one process per release pinned in any slot
# (MCP_RELEASES), all on the one database (app/src/runtimes/release-host/).
set -eu

app_dir=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
: "${MCP_DATA_DIR:=/data}"
: "${LITESTREAM:=litestream}"
: "${LITESTREAM_CONFIG:=$app_dir/fly/litestream.yml}"
: "${NODE:=node}"

# Fly mounts the volume owned by root: hand it to the unprivileged user, then
# run everything (Litestream and the server) as that user.
if [ "$(id -u)" = 0 ] && [ -n "${MCP_RUN_AS:-}" ]; then
  mkdir -p "$MCP_DATA_DIR"
  chown -R "$(id -u "$MCP_RUN_AS"):$(id -g "$MCP_RUN_AS")" "$MCP_DATA_DIR"
  exec setpriv --reuid="$(id -u "$MCP_RUN_AS")" --regid="$(id -g "$MCP_RUN_AS")" --init-groups -- sh "$0" "$@"
fi

# Each region replicates to its own prefix: one writer per replica.
replica_of() {
  echo "s3://${LITESTREAM_BUCKET}/${LITESTREAM_PREFIX:-litestream/}$1/mcp.sqlite"
}

# This region's replica, unless overridden (the restore drill points it elsewhere).
if [ -z "${LITESTREAM_REPLICA_URL:-}" ]; then
  : "${FLY_REGION:?is not set: expected the machine's region (Fly sets it), or an explicit LITESTREAM_REPLICA_URL}"
  : "${LITESTREAM_BUCKET:?is not set: expected the backup bucket's name, or an explicit LITESTREAM_REPLICA_URL}"
  LITESTREAM_REPLICA_URL=$(replica_of "$FLY_REGION")
fi
# Outside the primary region, the server reads the knowledge base from a copy of the primary's replica.
if [ -z "${MCP_FOLLOW_REPLICA_URL:-}" ] && [ -n "${LITESTREAM_BUCKET:-}" ] && [ -n "${PRIMARY_REGION:-}" ] \
  && [ -n "${FLY_REGION:-}" ] && [ "$FLY_REGION" != "$PRIMARY_REGION" ]; then
  MCP_FOLLOW_REPLICA_URL=$(replica_of "$PRIMARY_REGION")
  export MCP_FOLLOW_REPLICA_URL
fi
export MCP_DATA_DIR LITESTREAM LITESTREAM_REPLICA_URL

database="$MCP_DATA_DIR/mcp.sqlite"
mkdir -p "$MCP_DATA_DIR"
echo "start: restoring $database from its backup unless the volume has it"
"$LITESTREAM" restore -config "$LITESTREAM_CONFIG" -if-db-not-exists -if-replica-exists "$database"
echo "start: serving under litestream replicate"
exec "$LITESTREAM" replicate -config "$LITESTREAM_CONFIG" -exec "'$NODE' '$app_dir/src/runtimes/release-host/main.ts'"
