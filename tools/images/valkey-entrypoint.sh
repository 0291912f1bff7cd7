#!/bin/sh
# Entrypoint of the valkey image built by tools/images.sh, behaving like the official image's:
# options or a config file as the first argument run valkey-server with them, and valkey-server
# started as root drops to the valkey user after taking ownership of the working directory.
set -e
case "${1:-}" in
  '') set -- valkey-server ;;
  -*|*.conf) set -- valkey-server "$@" ;;
esac
if [ "$1" = valkey-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user valkey -exec chown valkey '{}' +
  exec setpriv --reuid=valkey --regid=valkey --clear-groups -- "$0" "$@"
fi
exec "$@"
