# Two commands do all the set-up: `make demo` and `make test`.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BANK_PORT ?= 8000
PORTAL_PORT ?= 8001

export MYNAPORTAL_ISSUER ?= http://127.0.0.1:$(PORTAL_PORT)
export MYNAPORTAL_SIM_ISSUER ?= http://127.0.0.1:$(PORTAL_PORT)
export MYNAPORTAL_REDIRECT_URI ?= http://127.0.0.1:$(BANK_PORT)/mynaportal/callback/
export BANK_PORT PORTAL_PORT

PORTAL := DJANGO_SETTINGS_MODULE=bankdemo.settings.portal
PUBLIC_JWKS := var/keys/bank-client.public.json
# Where makemessages looks for marked text: everywhere but these. The test of the
# catalog (tests/unit/test_translations.py) runs makemessages with the same options.
MESSAGES_OPTIONS := --locale en --add-location file --no-obsolete \
	--ignore '.venv/*' --ignore 'tests/*' --ignore 'staticfiles/*' --ignore 'var/*' \
	--ignore 'node_modules/*' --ignore 'examples/*' --ignore 'bench/*' --ignore 'docs/*'

.PHONY: demo simulator setup seed test check browser nginx axe lint typecheck deploy-check clean bench
.PHONY: gettext messages compilemessages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) compilemessages
	$(BIN)/python manage.py migrate --verbosity 0
	$(PORTAL) $(BIN)/python manage.py migrate --verbosity 0
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

seed: setup
	$(BIN)/python manage.py seed_bank --public-jwks-out $(PUBLIC_JWKS)
	$(PORTAL) $(BIN)/python manage.py seed_portal \
		--client-jwks $(PUBLIC_JWKS) --redirect-uri $(MYNAPORTAL_REDIRECT_URI) \
		--notification-url http://127.0.0.1:$(BANK_PORT)/mynaportal/notifications/

## Bank on :8000, simulator on :8001, a Celery worker and beat; Ctrl-C stops all.
demo: seed
	@echo "Bank:      http://127.0.0.1:$(BANK_PORT)/  (hanako@example.com / hanako-demo-2026)"
	@echo "Simulator: http://127.0.0.1:$(PORTAL_PORT)/"
	$(BIN)/honcho --procfile Procfile start

## The simulator alone, for providers who point their own apps at it.
simulator: $(STAMP) compilemessages
	$(PORTAL) $(BIN)/python manage.py migrate --verbosity 0
	$(PORTAL) $(BIN)/python manage.py seed_portal
	@echo "Simulator: http://127.0.0.1:$(PORTAL_PORT)/  (register a client at /control/clients/)"
	$(PORTAL) $(BIN)/gunicorn bankdemo.wsgi:application --bind 127.0.0.1:$(PORTAL_PORT) \
		--workers 2 --timeout 150 --access-logfile -

## The whole suite: lint, types, migrations, unit, integration and browser tests.
test: $(STAMP) browser nginx compilemessages axe lint typecheck deploy-check
	$(BIN)/python manage.py makemigrations --check --dry-run --verbosity 0
	$(PORTAL) $(BIN)/python manage.py makemigrations --check --dry-run --verbosity 0
	$(BIN)/python -m pytest

## Django's deployment checklist against the production settings (SECURITY R34).
deploy-check: $(STAMP)
	DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))') \
	DJANGO_ALLOWED_HOSTS=bank.example \
	DJANGO_SETTINGS_MODULE=bankdemo.settings.bank_production \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy .

## Debian's Chromium and a CJK font for the browser tests; installed if missing.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else \
			echo "Chromium and fonts-noto-cjk are needed for the browser tests:" >&2; \
			echo "  sudo apt-get install -y chromium fonts-noto-cjk" >&2; \
			exit 1; \
		fi; \
	fi

## Debian's nginx, for the mutual-TLS tests (tests/security/test_mutual_tls.py):
## it terminates TLS in front of the simulator as deployed.
nginx:
	@if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && apt-get install -y -qq nginx >/dev/null; \
		else \
			echo "nginx is needed for the mutual-TLS tests: sudo apt-get install -y nginx" >&2; \
			exit 1; \
		fi; \
	fi

## axe-core from the npm registry, pinned by package-lock.json, for the accessibility
## tests (tests/browser/test_accessibility.py); needs node and npm.
AXE := node_modules/axe-core/axe.min.js

axe: $(AXE)

$(AXE): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is needed for the accessibility tests" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

## GNU gettext (msgfmt, xgettext) for the translations; installed if missing.
gettext:
	@if ! command -v msgfmt >/dev/null 2>&1 || ! command -v xgettext >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && apt-get install -y -qq gettext >/dev/null; \
		else \
			echo "GNU gettext is needed for the translations:" >&2; \
			echo "  sudo apt-get install -y gettext" >&2; \
			exit 1; \
		fi; \
	fi

## After changing marked text: add its new msgids to locale/en/LC_MESSAGES/django.po.
messages: $(STAMP) gettext
	$(BIN)/python manage.py makemessages $(MESSAGES_OPTIONS)

## The English catalog compiled (.mo); any error in the .po fails the build.
compilemessages: $(STAMP) gettext
	$(BIN)/python manage.py compilemessages --verbosity 0 --ignore '.venv' --ignore 'node_modules'

## Writes BENCHMARKS.md: pages against a bare view, the whole flow, the drain after a
## planned stop against a no-op task, peak memory, and a py-spy profile. Needs Redis
## and PostgreSQL (it creates and drops bench_* databases on that server).
bench: $(STAMP)
	REDIS_URL="$${BENCH_REDIS_URL:-redis://127.0.0.1:6379/11}" \
	DATABASE_URL="$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}" \
	BENCH_PROFILE="$${BENCH_PROFILE:-1}" $(BIN)/python bench/run.py

clean:
	rm -rf var staticfiles .pytest_cache .mypy_cache .ruff_cache
