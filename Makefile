# The two commands of the README: `make run` (install, then start the app) and `make test` (install, then test)
PORT ?= 8501

.PHONY: install run test lint bench

install:
	scripts/install.sh

run: install
	.venv/bin/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) \
		--browser.gatherUsageStats false --server.headless true

test:
	scripts/install.sh --test
	.venv/bin/ruff check rag tests app.py bench scripts
	.venv/bin/python -m pytest

lint:
	.venv/bin/ruff check rag tests app.py bench scripts
