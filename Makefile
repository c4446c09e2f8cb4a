# The two commands of the README: `make run` (install, then start the app) and `make test` (install, then test)
PORT ?= 8501
# `make llm-server`: llama.cpp's llama-server for RAG_LLM_URL (scripts/llm_server.sh); LLM_PORT, not PORT, which is
# the app's. MODEL= serves another GGUF file than the installed default answerer.
LLM_PORT ?= 8080
SLOTS ?= 4

.PHONY: install run test lint bench llm-server

install:
	scripts/install.sh

run: install
	.venv/bin/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) \
		--browser.gatherUsageStats false --server.headless true

llm-server: install
	LLM_PORT=$(LLM_PORT) SLOTS=$(SLOTS) $(if $(MODEL),MODEL=$(MODEL)) scripts/llm_server.sh

test:
	scripts/install.sh --test
	.venv/bin/ruff check rag tests app.py bench scripts
	.venv/bin/python -m pytest

lint:
	.venv/bin/ruff check rag tests app.py bench scripts
