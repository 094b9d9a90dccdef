# make demo: a real fault drill on local processes.  make test: the whole test suite.
# Both run `make setup` first, which installs everything and skips what is already there.
.PHONY: setup docker demo test test-serial unit lint bench clean

VENV := .venv/bin

setup:
	@bash scripts/setup.sh

# Only the Docker engine: install it where only a client is present, start dockerd, build the offline images.
docker:
	@bash scripts/setup.sh docker

demo: setup
	PATH="$$PATH:/usr/local/bin:$$HOME/.local/bin" $(VENV)/firedrill run scenarios/customerio/*.yaml \
		--stack processes --report out/demo

# Every test in one pytest session on three workers (README "What every push runs"): one runs the packed batch of
# drills, two run the tests that start their own programs, then the unit tests and docstring examples
# (harness/load/shape.py is Locust's, loaded only inside Locust). About 7 minutes here.
test: setup lint
	FIREDRILL_PULL=never $(VENV)/python -m pytest -q -rs -p no:cacheprovider --durations=15 \
		-n 3 --dist loadgroup --no-loadscope-reorder --doctest-modules --ignore=harness/load/shape.py \
		tests/unit harness tests/browser tests/live tests/reliability

# The same tests, the live ones one at a time after the units (about 12.5 minutes): for a machine busy with other
# work, or to read the live tests' output in order.
test-serial: setup lint
	FIREDRILL_PULL=never $(VENV)/python -m pytest -q -rs -p no:cacheprovider -n 2 tests/unit harness \
		--doctest-modules --ignore=harness/load/shape.py
	FIREDRILL_PULL=never $(VENV)/python -m pytest -q -rs -p no:cacheprovider --durations=15 tests/browser tests/live tests/reliability

unit: setup
	$(VENV)/python -m pytest -q tests/unit

TOOLS_PATH := PATH="$$PATH:/usr/local/bin:$$HOME/.local/bin"

# The *-seed.yaml drills run seed 003's rules as written: lint's findings on them are the point
# (tests/unit/test_escalation_calls_fixtures.py checks they are exactly the known bugs).
lint:
	$(VENV)/ruff check harness tests benchmarks
	$(VENV)/ruff format --check harness tests benchmarks
	$(VENV)/mypy harness benchmarks
	$(TOOLS_PATH) actionlint
	$(VENV)/firedrill lint scenarios/customerio/*.yaml scenarios/tokpulse/*.yaml scenarios/cs-fte/*.yaml --format github
	$(VENV)/firedrill lint $(filter-out %-seed.yaml,$(wildcard scenarios/escalation-calls/*.yaml)) --format github

bench: setup
	$(VENV)/python benchmarks/stack_startup.py
	$(VENV)/python benchmarks/shared_stack.py
	$(VENV)/python benchmarks/stub_throughput.py
	$(VENV)/python benchmarks/drill_overhead.py
	$(VENV)/python benchmarks/flap_rate.py
	$(VENV)/python benchmarks/suite_wall.py
	$(VENV)/python benchmarks/report_render.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
