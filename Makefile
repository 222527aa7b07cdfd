# hastack.redis - the one entry point for development, tests and the lab.
#   make test                 lint + sanity + unit + integration + every Molecule scenario
#   make molecule SCENARIO=x  one scenario (PLATFORMS="debian12 debian13" by default)
#   make demo / demo-down     the lab, end to end
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ifndef PYTHON
PYTHON := $(shell command -v python3.11 || command -v python3)
endif
VENV := .venv
VENV_STAMP := $(VENV)/.requirements-$(shell sha256sum requirements-dev.txt | cut -c1-12)
CACHE := $(CURDIR)/.cache
COLLECTIONS := $(CACHE)/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/hastack/redis
SANITY_ROOT := $(CACHE)/sanity/ansible_collections/hastack/redis

PLATFORMS ?= debian12 debian13
SCENARIOS := $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml))))
SCENARIO ?= $(SCENARIOS)

export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PYTHONPATH := $(COLLECTIONS)
export HASTACK_CACHE_DIR := $(CACHE)
export PY_COLORS := 0
export ANSIBLE_FORCE_COLOR := 0
export ANSIBLE_NOCOLOR := 1

.PHONY: help
help:
	@echo "make test        lint, sanity, unit, integration and every Molecule scenario"
	@echo "make lint        yamllint + ansible-lint (production profile), CI workflow schema, docs, EE metadata"
	@echo "make sanity      ansible-test sanity (offline, no ignore file)"
	@echo "make unit        Python unit tests"
	@echo "make integration tests against real redis-server / redis-sentinel processes"
	@echo "make molecule    Molecule scenarios: SCENARIO='$(SCENARIOS)' PLATFORMS='$(PLATFORMS)'"
	@echo "make image       build the lab images (Debian 12, 13)"
	@echo "make build       build the collection tarball"
	@echo "make docs        HTML reference of the modules, filters and roles (.cache/docs/build/html)"
	@echo "make demo        the whole stack in the lab (demo-down removes it)"
	@echo "make bench       the failover benchmark on the lab (docs/benchmarks.md)"
	@echo "make clean       remove the venv, caches, build output"

# --- bootstrap --------------------------------------------------------------
$(VENV_STAMP): requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is required (python3.11 or python3 on PATH)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required, found $$($(PYTHON) --version)"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check --upgrade pip
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Built once under a lock: `make test` runs the static checks beside the
# integration tests, and both need the venv.
.PHONY: venv
venv:
	@mkdir -p $(CACHE)
	@flock $(CACHE)/venv.lock $(MAKE) --no-print-directory $(VENV_STAMP) $(COLLECTION_LINK)

# Playbooks, Molecule and pytest find the checkout as hastack.redis through this link.
$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

.PHONY: docker
docker:
	@tools/ensure-docker.sh

# Real daemons the integration tests start on loopback (never as services),
# socat for HAProxy's admin socket as the roles read it, and promtool for the
# alert rules' tests.
HOST_PACKAGES := redis-server:redis-server redis-sentinel:redis-sentinel redis-cli:redis-tools openssl:openssl haproxy:haproxy socat:socat nginx:nginx chromium:chromium promtool:prometheus
.PHONY: host-packages
host-packages:
	@missing=""; for pair in $(HOST_PACKAGES); do command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; done; \
	  if [ -n "$$missing" ]; then tools/install-host-packages.sh $$missing; fi

# The demo only needs redis-cli on this machine, to try the VIP.
.PHONY: demo-packages
demo-packages:
	@$(MAKE) --no-print-directory host-packages HOST_PACKAGES=redis-cli:redis-tools

# --- checks -----------------------------------------------------------------
.PHONY: lint
# ansible-lint installs the collection it checks into its cache, ~/.ansible
# unless ANSIBLE_HOME says otherwise: keep that copy out of the user's home,
# where it would shadow other installs.
# Then: the CI workflows against GitHub's workflow schema (bundled, offline),
# and ci.yml's Molecule matrix against the runs `make molecule` makes; the
# modules' syntax and standard library against Python 3.8 (tests/config.yml);
# the execution-environment metadata as ansible-builder reads it from the built
# tarball (it must list exactly requirements.txt and bindep.txt); the module,
# filter and role documentation as antsibull-docs reads it for `make docs`
# (a templated default of a type other than str is said in words: the docs
# schema would refuse the template text).
lint: venv
	yamllint -s .
	ANSIBLE_HOME=$(CACHE)/ansible-lint-home ansible-lint
	check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	@python -c 'import sys, yaml; runs = sorted("%s:%s" % (r["scenario"], r["platform"]) for r in yaml.safe_load(open(sys.argv[1]))["jobs"]["molecule"]["strategy"]["matrix"]["include"]); want = sorted(sys.argv[2:]); sys.exit(None if runs == want else "%s: Molecule matrix %s, but make molecule runs %s" % (sys.argv[1], runs, want))' \
	  .github/workflows/ci.yml $(filter-out $(SKIP_RUNS),$(foreach s,$(SCENARIOS),$(foreach p,$(PLATFORMS),$(s):$(p)))) \
	  && echo "ci.yml: the Molecule matrix is make molecule's runs"
	vermin -q --no-tips -t=3.8- --violations plugins/modules plugins/module_utils
	antsibull-docs lint-collection-docs --plugin-docs .
	rm -rf $(CACHE)/ee
	ansible-galaxy collection build --output-path $(CACHE)/ee . >/dev/null
	ANSIBLE_COLLECTIONS_PATH=$(CACHE)/ee/collections ansible-galaxy collection install --force --no-deps -p $(CACHE)/ee/collections $(CACHE)/ee/hastack-redis-*.tar.gz >/dev/null
	test -f $(CACHE)/ee/collections/ansible_collections/hastack/redis/meta/execution-environment.yml
	: >$(CACHE)/ee/pip.txt; : >$(CACHE)/ee/bindep.txt
	ansible-builder introspect --sanitize --write-pip $(CACHE)/ee/pip.txt --write-bindep $(CACHE)/ee/bindep.txt $(CACHE)/ee/collections
	diff <(sed -e 's/[[:space:]]*#.*//' -e '/^$$/d' requirements.txt) <(sed -e 's/[[:space:]]*#.*//' -e '/^$$/d' $(CACHE)/ee/pip.txt)
	diff <(sed -e 's/[[:space:]]*#.*//' -e '/^$$/d' bindep.txt) <(sed -e 's/[[:space:]]*#.*//' -e '/^$$/d' $(CACHE)/ee/bindep.txt)

.PHONY: sanity
sanity: venv
	@pip_version=$$(sed -n "s/.*pip='\([0-9.]*\)'.*/\1/p" $(VENV)/lib/python3.*/site-packages/ansible_test/_internal/python_requirements.py | head -n1); \
	  cache=~/.ansible/test/cache/get_pip_$${pip_version//./_}.py; \
	  if [ ! -f $$cache ] || grep -q "Offline stand-in" $$cache; then mkdir -p $$(dirname $$cache); cp tools/get_pip_standin.py $$cache; fi
	rm -rf $(SANITY_ROOT)
	mkdir -p $(SANITY_ROOT)
	git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -P -t $(SANITY_ROOT)/
	git -C $(SANITY_ROOT) init -q
	cd $(SANITY_ROOT) && ansible-test sanity --venv --python 3.11 --color no --requirements

.PHONY: unit
unit: venv
	python -m pytest -q --import-mode=importlib -p no:cacheprovider tests/unit

.PHONY: integration
integration: venv host-packages image
	python -m pytest -q --durations=10 --import-mode=importlib -p no:cacheprovider tests/integration

.PHONY: image
image: docker
	@command -v debootstrap >/dev/null || [ "$$(id -u)" != 0 ] || tools/install-host-packages.sh debootstrap
	@pids=(); for suite in bookworm trixie; do tools/build-image.sh $$suite & pids+=($$!); done; \
	  status=0; for pid in "$${pids[@]}"; do wait $$pid || status=1; done; exit $$status

# Runs (scenario:platform) on the lab's bare image, where the roles install
# every package themselves; the others start from the image with the stack's
# packages pre-installed (the Valkey variant below is bare too).
BARE_RUNS ?= day2:debian12
# Runs left out of SCENARIO x PLATFORMS, each covered elsewhere: the whole
# reference stack under faults (failover: the campaign, the stats pages, HAProxy's
# routing and reloads, keepalived's VRRP modes) on Debian 12 is the benchmark's
# smoke run (bench-smoke: the same faults, partitions included, once each on
# Debian 12, with --check), the integration tests (HAProxy 2.6, nginx 1.22, Redis
# and Sentinel 7.0 on this Debian 12 host) and the topology scenario's load
# balancers (HAProxy 2.6, keepalived 2.2.7 unicast, the loopback binding);
# multicast VRRP and the sysctl binding on Debian 12 run in `default` (inside `day2`), which
# installs every package on Debian 12's bare image.
# The topology scenario has its platforms fixed (Debian 12 and 13 mixed): it
# runs once, under PLATFORMS' debian13. site.yml on Debian 13 runs there too
# (Valkey, every role), and the whole stack on Debian 13's stack image in
# failover, so `default` runs once, on Debian 12's bare image, as the first
# part of `day2` (its prepare, converge and verify, then the day-2 operations
# on the same lab): `make demo` brings up that lab.
# lb_hosts is the benchmark's lab with load balancers of their own: the smoke run
# below is its test (Debian 12), the failover scenario's campaign the reference
# shape's (Debian 13).
SKIP_RUNS ?= default:debian12 default:debian13 day2:debian13 failover:debian12 vip_bind:debian12 topology:debian12 lb_hosts:debian12 lb_hosts:debian13 tls:debian12
.PHONY: molecule
molecule: venv image host-packages
	@for scenario in $(SCENARIO); do \
	  for platform in $(PLATFORMS); do \
	    case " $(SKIP_RUNS) " in *" $$scenario:$$platform "*) echo "=== skip $$scenario on $$platform (SKIP_RUNS)"; continue ;; esac; \
	    image=stack; case " $(BARE_RUNS) " in *" $$scenario:$$platform "*) image=bare ;; esac; \
	    echo "=== molecule test -s $$scenario on $$platform ($$image image)"; start=$$(date +%s); \
	    log=$(CACHE)/logs/molecule-$$scenario-$$platform.log; mkdir -p $(CACHE)/logs; \
	    LAB_PLATFORM=$$platform LAB_IMAGE=$$image molecule test -s $$scenario 2>&1 | tee $$log \
	      || { python lab/failures.py $$log; exit 1; }; \
	    echo "=== $$scenario on $$platform took $$(( $$(date +%s) - start )) s"; \
	  done; \
	done

# Runs beyond SCENARIO x PLATFORMS, as scenario:platform:flavor (Valkey exists
# on Debian 13 only), e.g. VARIANTS=failover:debian13:valkey. None by default:
# the topology scenario runs Valkey on Debian 13 from the bare image.
VARIANTS ?=
.PHONY: molecule-variants
molecule-variants: venv image
	@for variant in $(VARIANTS); do \
	  IFS=: read -r scenario platform flavor <<<"$$variant"; \
	  echo "=== molecule test -s $$scenario on $$platform with $$flavor"; start=$$(date +%s); \
	  log=$(CACHE)/logs/molecule-$$scenario-$$platform-$$flavor.log; mkdir -p $(CACHE)/logs; \
	  LAB_PLATFORM=$$platform LAB_IMAGE=bare LAB_REDIS_FLAVOR=$$flavor molecule test -s $$scenario 2>&1 | tee $$log \
	    || { python lab/failures.py $$log; exit 1; }; \
	  echo "=== $$scenario on $$platform with $$flavor took $$(( $$(date +%s) - start )) s"; \
	done

# The static checks need only Python; the lab needs Docker, Debian's packages on
# this host and the images, mostly downloads, and then the integration tests
# start daemons on loopback: the two run side by side. Then the labs, one at a
# time.
# $(call timed,WHAT,COMMAND): runs COMMAND, then prints how long WHAT took.
timed = start=$$(date +%s); $(2); echo "=== $(1) took $$(( $$(date +%s) - start )) s"
.PHONY: test
test:
	@$(call timed,static checks beside the lab prerequisites and the integration tests,$(MAKE) --no-print-directory -j2 --output-sync=target static-checks integration-after-prerequisites)
	@$(MAKE) --no-print-directory -j1 molecule molecule-variants bench-smoke

.PHONY: static-checks
static-checks:
	@$(call timed,static checks,$(MAKE) --no-print-directory -j1 lint sanity unit)

.PHONY: integration-after-prerequisites
integration-after-prerequisites:
	@$(call timed,lab prerequisites,$(MAKE) --no-print-directory -j1 lab-prerequisites)
	@$(call timed,integration,$(MAKE) --no-print-directory -j1 integration)

# One after the other: the Docker engine and the host's packages both use apt.
.PHONY: lab-prerequisites
lab-prerequisites:
	@$(MAKE) --no-print-directory -j1 docker host-packages image

# The failover benchmark (bench/bench.py --help): for each settings profile
# (bench/profiles/; "name:N" gives it N trials) a fresh lab, every fault
# BENCH_TRIALS times, BENCH_STEADY seconds of steady load, redis-benchmark
# through the VIP and direct. Writes bench/results/ and docs/benchmarks.md.
BENCH_PROFILES ?= tutorial,defaults
BENCH_TRIALS ?= 10
BENCH_STEADY ?= 600
BENCH_PLATFORM ?= debian12
BENCH_ARGS ?=
.PHONY: bench
bench: venv image demo-packages
	HASTACK_BENCH_COMMAND="make bench BENCH_PROFILES=$(BENCH_PROFILES) BENCH_TRIALS=$(BENCH_TRIALS) BENCH_STEADY=$(BENCH_STEADY) BENCH_PLATFORM=$(BENCH_PLATFORM)$(if $(BENCH_ARGS), BENCH_ARGS='$(BENCH_ARGS)')" \
	  python bench/bench.py --profiles $(BENCH_PROFILES) --trials $(BENCH_TRIALS) --steady $(BENCH_STEADY) \
	  --platform $(BENCH_PLATFORM) --docs docs/benchmarks.md $(BENCH_ARGS)

# The benchmark itself, once per fault on a fresh lab with the defaults (part of
# make test): it runs end to end, and no trial fails, loses or misroutes a write.
# redis-benchmark runs a fortieth of make bench's requests and the steady load
# 10 s: the smoke run proves the throughput and steady-load paths work, make
# bench measures them.
# The lab with load balancers on hosts of their own (molecule/lb_hosts) and three
# Redis servers (the witness too): every fault and the rolling restart (with its
# switchover) run on a group with two replicas and load balancers that run
# nothing else, and every partition the load balancers must see through
# the network, while the failover scenario's campaign runs the reference shape
# (load balancers on the Redis hosts) on Debian 13. `make bench` measures the
# reference lab's two servers unless BENCH_ARGS says otherwise. The faults the
# campaign injects the same way (Redis stopped or hung, HAProxy or keepalived
# stopped, the VIP holder frozen) are left to it, and the frozen VIP holder on
# Debian 12 to `topology`'s load balancers; each of the benchmark's ways to
# break the lab still runs here but three that do not depend on where the load
# balancers run: the VRRP split (both load balancers claiming the VIP, then
# one), which the failover scenario's wrong VRRP password shows on the
# reference shape, the crash that systemd restarts at once (no failover), and
# the crash after a thaw (Sentinel's TILT: how fast, which `make bench`
# measures). Each trial runs every client flavour at once.
BENCH_SMOKE_FAULTS := master-crash,rolling-restart,master-partition,master-isolated,master-host-freeze,lb-partition,sentinel-minority,replica-partition
.PHONY: bench-smoke
bench-smoke: venv image demo-packages
	@echo "=== bench smoke run: $(BENCH_SMOKE_FAULTS)"
	$(call timed,bench smoke run,python bench/bench.py --profiles defaults --trials 1 --steady 10 --rounds 1 --requests 5000 --servers 3 --scenario lb_hosts --check \
	  --faults $(BENCH_SMOKE_FAULTS) --output $(CACHE)/bench-smoke --work $(CACHE)/bench-smoke/work)

.PHONY: build
build: venv
	ansible-galaxy collection build --force --output-path $(CACHE)/build .

# The HTML reference of the modules, filters and roles (their DOCUMENTATION and
# meta/argument_specs.yml), built offline with docs/site's Sphinx settings.
# A Sphinx warning fails the build.
.PHONY: docs
docs: venv
	rm -rf $(CACHE)/docs
	mkdir -p -m 0700 $(CACHE)/docs/rst
	antsibull-docs --config-file docs/site/antsibull-docs.cfg collection --use-current \
	  --dest-dir $(CACHE)/docs/rst hastack.redis
	cp docs/site/index.rst $(CACHE)/docs/rst/index.rst
	sphinx-build -M html $(CACHE)/docs/rst $(CACHE)/docs/build -c docs/site -W --keep-going -q
	@echo "The reference is in $(CACHE)/docs/build/html/index.html"

# The lab of the `default` scenario: the README's guide for real hosts (site.yml
# over SSH with inventory.example's values). A second run reuses the containers
# and only re-applies the guide (0 changed).
DEMO_PLATFORM ?= debian12
.PHONY: demo
demo: venv image demo-packages
	LAB_PLATFORM=$(DEMO_PLATFORM) LAB_IMAGE=bare molecule converge -s default
	rm -f $(CACHE)/demo.txt
	HASTACK_DEMO_SUMMARY=$(CACHE)/demo.txt LAB_PLATFORM=$(DEMO_PLATFORM) LAB_IMAGE=bare molecule verify -s default
	@echo; echo "The lab is up (Debian $(DEMO_PLATFORM:debian%=%))."; cat $(CACHE)/demo.txt

.PHONY: demo-down
demo-down: venv docker
	LAB_PLATFORM=$(DEMO_PLATFORM) LAB_IMAGE=bare molecule destroy -s default

.PHONY: clean
clean:
	-for platform in $(PLATFORMS); do for scenario in $(SCENARIOS); do LAB_PLATFORM=$$platform $(VENV)/bin/molecule destroy -s $$scenario >/dev/null 2>&1; done; done
	rm -rf $(VENV) $(CACHE) .ansible tests/output .pytest_cache .hypothesis
