#!/usr/bin/env bash
# Entrypoint of local/mysql (MariaDB behaving like the official mysql image).
# On first start (empty /var/lib/mysql): creates the datadir, starts a temporary server on a
# private socket with networking off, sets up root / database / user, runs
# /docker-entrypoint-initdb.d/*, stops it. Then execs the real server (PID 1), whose
# "ready for connections ... port: 3306" line is therefore the only one on stdout/stderr.
set -eo pipefail
shopt -s nullglob

mysql_log()   { printf '%s 0 [%s] [Entrypoint]: %s\n' "$(date -u +'%Y-%m-%dT%H:%M:%S.%6NZ')" "$1" "$2"; }
mysql_note()  { mysql_log Note "$@"; }
mysql_warn()  { mysql_log Warn "$@" >&2; }
mysql_error() { mysql_log ERROR "$@" >&2; exit 1; }

# file_env VAR [DEFAULT]: VAR or the contents of the file named by VAR_FILE.
file_env() {
  local var=$1 fileVar="${1}_FILE" def=${2:-}
  if [ -n "${!var:-}" ] && [ -n "${!fileVar:-}" ]; then
    mysql_error "Both $var and $fileVar are set (but are exclusive)"
  fi
  local val=$def
  if [ -n "${!var:-}" ]; then val=${!var}; elif [ -n "${!fileVar:-}" ]; then val=$(<"${!fileVar}"); fi
  export "$var"="$val"
  unset "$fileVar"
}

# "docker run local/mysql --some-option" -> mariadbd --some-option
if [ "${1:0:1}" = '-' ]; then
  set -- mariadbd "$@"
fi
# "mysqld" works too (the official image's command).
if [ "$1" = mysqld ]; then shift; set -- mariadbd "$@"; fi
if [ "$1" != mariadbd ]; then
  exec "$@"
fi

mysql_note "Entrypoint script for MySQL Server (MariaDB $(mariadbd --version | awk '{print $3}')) started."
DATADIR=/var/lib/mysql
INIT_SOCKET=/run/mysqld/mysqld-init.sock
mkdir -p /run/mysqld "$DATADIR"
chown mysql:mysql /run/mysqld
[ "$(stat -c %U "$DATADIR")" = mysql ] || chown -R mysql:mysql "$DATADIR"

for v in MYSQL_ROOT_PASSWORD MYSQL_DATABASE MYSQL_USER MYSQL_PASSWORD MYSQL_ROOT_HOST; do file_env "$v"; done
: "${MYSQL_ROOT_HOST:=%}"

sql_escape() { local s=${1//\\/\\\\}; printf '%s' "${s//\'/\\\'}"; }

temp_server_start() {
  mariadbd --user=mysql --datadir="$DATADIR" --skip-networking --socket="$INIT_SOCKET" \
    --skip-log-bin --innodb-buffer-pool-load-at-startup=0 --innodb-buffer-pool-dump-at-shutdown=0 \
    "$@" >"/tmp/mysql-init-server.log" 2>&1 &
  TEMP_PID=$!
  for _ in $(seq 1 120); do
    if mariadb-admin --socket="$INIT_SOCKET" -uroot ${ROOT_PW_ARG:+"$ROOT_PW_ARG"} ping --silent >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$TEMP_PID" 2>/dev/null || break
    sleep 0.25
  done
  cat /tmp/mysql-init-server.log >&2
  mysql_error "Unable to start the temporary server."
}
temp_server_stop() {
  kill -TERM "$TEMP_PID"
  wait "$TEMP_PID" || true
}
process_sql() { mariadb --protocol=socket --socket="$INIT_SOCKET" -uroot ${ROOT_PW_ARG:+"$ROOT_PW_ARG"} --comments "$@"; }

TEMPLATE=/usr/share/mysql-template/datadir.tar.gz
install_db() {
  mysql_note "Initializing database files"
  if ! mariadb-install-db --user=mysql --datadir="$DATADIR" --auth-root-authentication-method=normal \
      --skip-test-db --skip-name-resolve --skip-log-bin --expire-logs-days=0 \
      --default-time-zone=SYSTEM --loose-innodb_buffer_pool_load_at_startup=0 \
      --loose-innodb_buffer_pool_dump_at_shutdown=0 "$@" >/tmp/mysql-install-db.log 2>&1; then
    cat /tmp/mysql-install-db.log >&2
    mysql_error "mariadb-install-db failed"
  fi
  mysql_note "Database files initialized"
}
load_tzinfo() { # time zone tables, as the mysql image (CONVERT_TZ with named zones works)
  mariadb-tzinfo-to-sql /usr/share/zoneinfo 2>/dev/null \
    | sed 's/Local time zone must be set--see zic manual page/FCTY/' | process_sql mysql
}
# The template fits unless server options change the on-disk format.
use_template() {
  [ -f "$TEMPLATE" ] && [ "${MYSQL_INIT_FROM_TEMPLATE:-true}" = true ] || return 1
  local a
  for a in "$@"; do
    case "${a//_/-}" in
      *page-size*|*lower-case-table-names*|*innodb-data-file-path*|*innodb-undo*|*innodb-log-file-size*|*datadir*) return 1 ;;
    esac
  done
  return 0
}

# Image build only: make the template datadir.
if [ "${2:-}" = --make-template ]; then
  DATADIR=$(mktemp -d) ROOT_PW_ARG=
  chown mysql:mysql "$DATADIR"
  install_db
  temp_server_start
  load_tzinfo
  # Only root@localhost (and mariadb.sys) stay; the build host's name must not linger.
  process_sql --database=mysql <<-EOSQL
	DROP USER IF EXISTS root@'127.0.0.1', root@'::1', ''@'localhost';
	EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\'', @@hostname, '\'');
	EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS \'\'@\'', @@hostname, '\'');
	DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost', '%');
	DROP DATABASE IF EXISTS test;
	FLUSH PRIVILEGES;
	EOSQL
  temp_server_stop
  rm -f "$DATADIR"/*.pid "$DATADIR"/ibtmp1 "$DATADIR"/aria_log_control.lock
  mkdir -p "$(dirname "$TEMPLATE")"
  # The redo log and other files are mostly zeros: punch holes and keep them sparse, so a start
  # extracts ~15 MB instead of 140 MB.
  find "$DATADIR" -type f -size +1M -exec fallocate --dig-holes {} \;
  tar --sparse -C "$DATADIR" -czf "$TEMPLATE" .
  rm -rf "$DATADIR"
  ls -la "$TEMPLATE"
  exit 0
fi

if [ ! -d "$DATADIR/mysql" ]; then
  if [ -z "${MYSQL_ROOT_PASSWORD:-}" ] && [ -z "${MYSQL_ALLOW_EMPTY_PASSWORD:-}" ] && [ -z "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]; then
    mysql_error $'Database is uninitialized and password option is not specified\n\tYou need to specify one of the following as an environment variable:\n\t- MYSQL_ROOT_PASSWORD\n\t- MYSQL_ALLOW_EMPTY_PASSWORD\n\t- MYSQL_RANDOM_ROOT_PASSWORD'
  fi
  if [ "${MYSQL_USER:-}" = root ]; then
    mysql_error 'MYSQL_USER="root", MYSQL_USER and MYSQL_PASSWORD are for configuring a regular user and cannot be used for the root user'
  fi
  if [ -n "${MYSQL_USER:-}" ] && [ -z "${MYSQL_PASSWORD:-}" ]; then
    mysql_error "MYSQL_USER specified, but missing MYSQL_PASSWORD; MYSQL_USER will not be created"
  fi

  ROOT_PW_ARG=
  if use_template "${@:2}"; then
    # Fast path: the datadir made at image build time (mariadb-install-db + time zone tables).
    mysql_note "Initializing database files (from the image's template)"
    tar --sparse -xzf "$TEMPLATE" -C "$DATADIR"
    chown -R mysql:mysql "$DATADIR"
    mysql_note "Database files initialized"
    mysql_note "Starting temporary server"
    temp_server_start "${@:2}"
    mysql_note "Temporary server started."
  else
    install_db "${@:2}"
    mysql_note "Starting temporary server"
    temp_server_start "${@:2}"
    mysql_note "Temporary server started."
    if [ -z "${MYSQL_INITDB_SKIP_TZINFO:-}" ]; then
      load_tzinfo
    fi
  fi

  if [ -n "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]; then
    MYSQL_ROOT_PASSWORD=$(set +o pipefail; tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32)
    mysql_note "GENERATED ROOT PASSWORD: $MYSQL_ROOT_PASSWORD"
  fi
  rootpw=$(sql_escape "${MYSQL_ROOT_PASSWORD:-}")
  rootCreate=
  if [ "$MYSQL_ROOT_HOST" != localhost ]; then
    rootCreate="CREATE USER 'root'@'${MYSQL_ROOT_HOST}' IDENTIFIED BY '${rootpw}';
GRANT ALL ON *.* TO 'root'@'${MYSQL_ROOT_HOST}' WITH GRANT OPTION;
GRANT PROXY ON ''@'%' TO 'root'@'${MYSQL_ROOT_HOST}' WITH GRANT OPTION;"
  fi
  process_sql --database=mysql <<-EOSQL
	SET @@SESSION.SQL_LOG_BIN=0;
	SET @@SESSION.SQL_MODE=REPLACE(@@SESSION.SQL_MODE, 'NO_BACKSLASH_ESCAPES', '');
	DROP USER IF EXISTS root@'127.0.0.1', root@'::1', ''@'localhost';
	EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\'', @@hostname, '\'');
	EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS \'\'@\'', @@hostname, '\'');
	SET PASSWORD FOR 'root'@'localhost' = PASSWORD('${rootpw}');
	${rootCreate}
	DROP DATABASE IF EXISTS test;
	FLUSH PRIVILEGES;
	EOSQL
  [ -n "${MYSQL_ROOT_PASSWORD:-}" ] && ROOT_PW_ARG="-p${MYSQL_ROOT_PASSWORD}"

  if [ -n "${MYSQL_DATABASE:-}" ]; then
    mysql_note "Creating database ${MYSQL_DATABASE}"
    process_sql -e "CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE//\`/\`\`}\`;"
  fi
  if [ -n "${MYSQL_USER:-}" ] && [ -n "${MYSQL_PASSWORD:-}" ]; then
    mysql_note "Creating user ${MYSQL_USER}"
    user=$(sql_escape "$MYSQL_USER"); pw=$(sql_escape "$MYSQL_PASSWORD")
    process_sql -e "CREATE USER '${user}'@'%' IDENTIFIED BY '${pw}';"
    if [ -n "${MYSQL_DATABASE:-}" ]; then
      mysql_note "Giving user ${MYSQL_USER} access to schema ${MYSQL_DATABASE}"
      process_sql -e "GRANT ALL ON \`${MYSQL_DATABASE//\`/\`\`}\`.* TO '${user}'@'%';"
    fi
  fi

  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then mysql_note "$0: running $f"; "$f"; else mysql_note "$0: sourcing $f"; . "$f"; fi ;;
      *.sql)    mysql_note "$0: running $f"; process_sql ${MYSQL_DATABASE:+--database="$MYSQL_DATABASE"} <"$f" ;;
      *.sql.gz) mysql_note "$0: running $f"; gunzip -c "$f" | process_sql ${MYSQL_DATABASE:+--database="$MYSQL_DATABASE"} ;;
      *.sql.xz) mysql_note "$0: running $f"; xzcat "$f" | process_sql ${MYSQL_DATABASE:+--database="$MYSQL_DATABASE"} ;;
      *)        mysql_warn "$0: ignoring $f" ;;
    esac
  done

  mysql_note "Stopping temporary server"
  temp_server_stop
  mysql_note "Temporary server stopped"
  echo
  mysql_note "MySQL init process done. Ready for start up."
  echo
fi

# MariaDB writes "ready for connections." and "Version: ... port: 3306 ..." on two lines; join them
# so that one line matches /ready for connections.*port: 3306/ as with mysql.
exec "$@" --user=mysql 2> >(exec sed -u -e '/ready for connections\.$/{N;s/\n/ /}' >&2)
