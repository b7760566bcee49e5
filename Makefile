# The two commands a new machine needs: `make demo` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages: compilers for evdev, CJK fonts, espeak-ng for the voice clips, Debian's chromium for the
# browser tests, libusb for USB printers, PostgreSQL for the storage tests.
APT_PACKAGES := python3-venv python3-dev gcc linux-libc-dev fonts-noto-cjk fonts-wqy-microhei espeak-ng \
	sox chromium libusb-1.0-0 postgresql

.PHONY: test demo system venv lint layers bench clean

test: system venv
	$(BIN)/python -m pytest -q

demo: system venv
	$(BIN)/onewindow demo

lint: venv
	$(BIN)/ruff check .

# the import layering of docs/architecture.md (import-linter over a mirror of the installed package)
layers: venv
	$(BIN)/python -m pytest -q tests/test_layers.py

bench: system venv
	$(BIN)/python -m bench

system:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  else \
	    echo "missing Debian packages:$$missing"; echo "run: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

clean:
	rm -rf $(VENV) var build *.egg-info
