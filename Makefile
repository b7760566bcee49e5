# The two commands a new machine needs: `make demo` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages: compilers for evdev, CJK fonts, espeak-ng for the voice clips, Debian's chromium for the
# browser tests, libusb for USB printers, PostgreSQL for the storage tests, systemd-analyze for the unit tests,
# nginx and openssl for the HTTPS test.
APT_PACKAGES := python3-venv python3-dev gcc linux-libc-dev fonts-noto-cjk fonts-wqy-microhei espeak-ng \
	sox chromium libusb-1.0-0 postgresql systemd nginx-light openssl

.PHONY: test demo system venv lint layers bench lock bundle bundle-check pi-check clean

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

# the versions tested here are the versions the lock names (requirements/dev.txt)
$(VENV)/.installed: pyproject.toml requirements/dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]' -c requirements/dev.txt
	# the plain lint-imports checks the installed package's shape (tools/layers.py says why)
	printf '#!/bin/sh\nexec "%s/$(BIN)/python" "%s/tools/layers.py" "$$@"\n' "$$PWD" "$$PWD" > $(BIN)/lint-imports
	chmod +x $(BIN)/lint-imports
	touch $@

# The locks: exact versions for Python 3.11 on Linux (a Pi's arm64 as a PC's x86_64), one file per role, used
# as constraints (pip -c) by the venv above, systemd/install.sh and CI. The core's lock includes PostgreSQL's
# driver. Each role's versions are the dev lock's, so the tests run what the Pis run. Refresh from PyPI with
# `make lock`, then run `make test`.
LOCK := $(BIN)/uv pip compile -q --annotation-style line --universal --python-version 3.11 --custom-compile-command "make lock" pyproject.toml
lock:
	test -x $(BIN)/uv || { test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); $(BIN)/python -m pip install -q uv; }
	$(LOCK) --upgrade --extra dev -o requirements/dev.txt
	$(LOCK) --extra postgres -c requirements/dev.txt -o requirements/core.txt
	for role in kiosk display caller; do $(LOCK) --extra $$role -c requirements/dev.txt -o requirements/$$role.txt || exit 1; done

# The offline bundles: dist/onewindow-VERSION-ROLE.tar.gz for the core, kiosk, display and caller, each with its
# locked wheels for a Pi (bookworm arm64, CPython 3.11) and for an x86_64 PC, the installer and the examples
# (docs/deployment.md). `make bundle-check` downloads every role's arm64 wheels to show the locks resolve for a Pi.
bundle: venv
	$(BIN)/python tools/bundle.py

bundle-check: venv
	ONEWINDOW_SLOW=1 $(BIN)/python -m pytest -q tests/test_bundle.py

# A Raspberry Pi without the Pi: the kiosk and display bundles installed into a Debian bookworm arm64 root
# (debootstrap) run under qemu-user, their check-config, kiosk and display run there against a core here; pictures
# in var/pi-check/pictures/. Long (docs/deployment.md says how long); not part of `make test`.
PI_CHECK_PACKAGES := debootstrap qemu-user-static binfmt-support
pi-check: venv
	$(MAKE) system APT_PACKAGES="$(PI_CHECK_PACKAGES)"
	tools/pi-check.sh

# --one-file-system: never into the /dev, /sys and /proc that an interrupted pi-check left mounted in var/pi-check
clean:
	rm -rf --one-file-system $(VENV) var build dist *.egg-info
