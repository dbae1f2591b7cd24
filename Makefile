# Portico: every command a developer or CI needs. `make help` lists the targets.
# The pinned CDK CLI and Node.js 24 live in node_modules/; putting node_modules/.bin first on
# PATH makes `cdk` and the jsii runtime (spawned by the Go CDK) both run on that Node.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME ?= 20s

.DEFAULT_GOAL := help
.PHONY: help setup synth test deploy diff destroy nag sizes run clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# npm ci whenever package.json or the lockfile is newer than the last install. node_modules gets
# a go.mod so that `./...` does not descend into the Go templates the CDK CLI ships.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	printf 'module ignore\n' > node_modules/go.mod
	touch $@

setup: node_modules/.installed ## install the pinned CDK CLI and Node.js, download Go modules
	go mod download

synth: setup ## build every function and synthesize the sample app into cdk.out/
	@TIMEFORMAT='synth wall time: %R s'; time cdk synth -q

test: setup ## gofmt, go vet, staticcheck, every test (the CORS one in Chromium), and short fuzzes of the JWT and SigV4 verifiers
	@unformatted=$$(gofmt -l $$(go list -f '{{.Dir}}' ./...)); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	go run $(STATICCHECK) ./...
	go test -timeout 15m ./...
	go test -run '^$$' -fuzz FuzzVerify -fuzztime $(FUZZTIME) ./authorizers/jwt
	go test -run '^$$' -fuzz FuzzVerify -fuzztime $(FUZZTIME) ./local/access/sigv4
	@command -v chromium >/dev/null || printf '\n%s\n%s\n\n' \
	  '*** SKIPPED: the real-browser CORS test (infra/browser_test.go) needs Chromium, which is not installed.' \
	  '*** Install it to run the test (Debian: apt-get install chromium); CI always runs it.'
	@command -v curl >/dev/null || printf '\n%s\n%s\n\n' \
	  '*** SKIPPED: the curl --aws-sigv4 tests (local/access/sigv4, local/serve) need curl, which is not installed.' \
	  '*** Install it to run them (Debian: apt-get install curl); CI always runs them.'

deploy: setup ## cdk deploy --all (needs AWS credentials)
	cdk deploy --all

diff: setup ## cdk diff --all (needs AWS credentials)
	cdk diff --all

destroy: setup ## cdk destroy --all (needs AWS credentials)
	cdk destroy --all

nag: synth ## synthesize and print the cdk-nag AwsSolutions report
	@for f in cdk.out/*-NagReport.csv; do echo "== $$f"; cat "$$f"; echo; done

sizes: synth ## each function's bootstrap and zip size beside a bare aws-lambda-go hello
	go run ./bench/sizes -assembly cdk.out

run: synth ## synthesize the sample app and serve it on 127.0.0.1:3000 (Ctrl-C stops it)
	go run ./cmd/portico serve --assembly cdk.out $(SERVE_FLAGS)

clean: ## remove cdk.out, node_modules and the tests' shared build cache
	rm -rf cdk.out node_modules $${TMPDIR:-/tmp}/portico-test-builds
