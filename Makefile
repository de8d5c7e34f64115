# Two commands for a newcomer on a fresh Debian machine with Python 3.11:
#   make demo   set everything up, then render every worksheet in worksheets/ to PDF and HTML in out/
#   make test   set everything up, then run the whole test suite
# Set-up: a virtual environment in .venv with symgrad and its extras (torch 2.13.0 CPU included),
# and TeX (Debian's texlive packages and latexmk, with poppler-utils and qpdf; LuaLaTeX and Noto/Symbola
# fonts for titles in other scripts; Graphviz for the graph diagrams; Chromium for the HTML worksheets' tests
# and screenshot) through apt-get when missing, and MathJax (npm's mathjax 3.2.2, its es5/tex-svg.js) in the
# venv's share/mathjax, inlined into every HTML worksheet.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
EXTRAS := torch,test,digits
APT_PACKAGES := latexmk texlive-latex-base texlive-latex-recommended texlive-fonts-recommended \
                lmodern poppler-utils qpdf texlive-luatex fontconfig fonts-noto-core fonts-noto-cjk fonts-symbola \
                graphviz chromium
MATHJAX := $(VENV)/share/mathjax/es5/tex-svg.js
MATHJAX_SHA256 := 1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# One thread per numeric library: on 2 cores torch's and NumPy's pools otherwise fight.
# (One variable per line: `export A=1 B=1` would give A the value "1 B=1".)
export OMP_NUM_THREADS = 1
export OPENBLAS_NUM_THREADS = 1
export MKL_NUM_THREADS = 1
export NUMEXPR_NUM_THREADS = 1
export VECLIB_MAXIMUM_THREADS = 1

.PHONY: demo test setup tex bench clean

demo: setup
	$(BIN)/symgrad render worksheets -o out --answers
	pdftoppm -png -r 80 -singlefile out/s3_backprop_by_hand-graph.pdf out/s3_backprop_by_hand-graph
	$(BIN)/symgrad render worksheets -o out --answers --format html
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1400 \
	  --virtual-time-budget=20000 --screenshot=$(CURDIR)/out/s3_backprop_by_hand.png \
	  file://$(CURDIR)/out/s3_backprop_by_hand.html 2>/dev/null
	@echo "The worksheets' PDFs, TeX sources and answer keys are in $(CURDIR)/out/"
	@echo "Their HTML pages (open out/NAME.html in a browser, offline) are there too;"
	@echo "a screenshot of S3's page is $(CURDIR)/out/s3_backprop_by_hand.png, and S3's graph $(CURDIR)/out/s3_backprop_by_hand-graph.png"

test: setup
	$(BIN)/python -m pytest

bench: setup
	for script in bench/[a-z]*.py; do [ "$$script" = bench/common.py ] || $(BIN)/python $$script || exit 1; done

setup: $(VENV)/.installed $(MATHJAX) tex

$(VENV)/.installed: setup.cfg pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed: installing python3-venv with apt-get"; rm -rf $(VENV); \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

# npm pack fetches the package's tarball from the npm registry; its checksum is checked before it is unpacked.
$(MATHJAX): $(VENV)/.installed
	@command -v npm >/dev/null || { echo "npm is missing: installing it with apt-get"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }
	rm -rf $(VENV)/share/mathjax.part && mkdir -p $(VENV)/share/mathjax.part
	cd $(VENV)/share/mathjax.part && npm pack --silent mathjax@3.2.2 >/dev/null \
	  && echo "$(MATHJAX_SHA256)  mathjax-3.2.2.tgz" | sha256sum --check --quiet \
	  && tar -xzf mathjax-3.2.2.tgz package/es5/tex-svg.js package/LICENSE
	mkdir -p $(dir $@) && mv $(VENV)/share/mathjax.part/package/LICENSE $(VENV)/share/mathjax/LICENSE
	mv $(VENV)/share/mathjax.part/package/es5/tex-svg.js $@ && rm -rf $(VENV)/share/mathjax.part && touch $@

tex:
	@if command -v latexmk >/dev/null && command -v pdflatex >/dev/null && command -v pdftotext >/dev/null \
	  && command -v qpdf >/dev/null && command -v dot >/dev/null && command -v lualatex >/dev/null && kpsewhich fontspec.sty >/dev/null \
	  && fc-list -q "Noto Serif CJK SC" && fc-list -q "Noto Naskh Arabic" && fc-list -q Symbola \
	  && command -v chromium >/dev/null; then :; else \
	  echo "TeX or Chromium is missing: installing $(APT_PACKAGES) with apt-get"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); \
	fi

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis out
