# Every target installs what it needs first, so each works on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE_DEPS := node_modules/.package-lock.json

.PHONY: help deps etcd prometheus build typecheck lint test unit e2e conformance demo run bench audit clean

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(NODE_DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: $(NODE_DEPS) ## Install npm packages from the lockfile (only when it changed)

etcd: ## Make sure an etcd binary is on PATH (Debian's etcd-server, installed when root)
	@scripts/ensure-etcd.sh

prometheus: ## Make sure prometheus and promtool are on PATH (Debian's prometheus, installed when root; no service started)
	@scripts/ensure-prometheus.sh

build: deps ## Compile TypeScript to dist/ (dist/main.js is the service)
	npm run --silent build

typecheck: deps ## Type-check everything, tests included
	npm run --silent typecheck

lint: deps ## ESLint with type-aware rules
	npm run --silent lint

test: deps etcd prometheus typecheck lint build ## Run every test (unit and e2e on real etcd); ends with "N passed, N failed"
	@node scripts/run-tests.js

unit: deps ## Unit tests only (no etcd)
	@node scripts/run-tests.js --selectProjects unit

e2e: deps etcd prometheus ## End-to-end tests only (real etcd, real HTTP, real Prometheus)
	@node scripts/run-tests.js --selectProjects e2e

conformance: deps build $(if $(CONTROL_PLANE_API_URL),,etcd) ## Contract §2 checks against CONTROL_PLANE_API_URL (else the development API); docs/conformance.md
	@node dist/dev/conformance/main.js

demo: build ## The embedded demo: in-memory etcd, development API and scheduler in one process
	node dist/dev/demo/main.js

run: build ## The service itself against ETCD_ENDPOINTS and CONTROL_PLANE_API_URL
	node dist/main.js

bench: build etcd ## Benchmarks; they print their figures
	node scripts/run-bench.js

audit: deps ## npm audit of production dependencies against config/audit-allowlist.json
	node scripts/audit.js

clean: ## Remove build output and installed packages
	rm -rf dist node_modules coverage .tmp
