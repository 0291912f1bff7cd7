#!/bin/sh
# Entrypoint of the PgBouncer image built by tools/images.sh, as CloudNativePG's image has it:
# PgBouncer with the image's configuration. CloudNativePG replaces it (its manager runs PgBouncer).
exec /usr/bin/pgbouncer /etc/pgbouncer/pgbouncer.ini
