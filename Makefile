# Chính Quyền Số — the commands of the README.
SHELL := /bin/bash
.DEFAULT_GOAL := help
HOST ?= 127.0.0.1
PORT ?= 8000
# The address printed in links and QR codes (e-mails, electronic results): where `make demo` serves.
PUBLIC_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))
export CQS_PUBLIC_URL ?= http://$(PUBLIC_HOST):$(PORT)
WEB_WORKERS ?= 2
# API operations of `make chaos` (docs/chaos.md).
OPS ?= 10000
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install demo serve worker test lint bench chaos seed-scale seed-documents-scale backup restore requirements messages db-stop clean

help:
	@echo "make demo   — cài đặt, khởi tạo CSDL, nạp dữ liệu mẫu, chạy http://$(HOST):$(PORT)"
	@echo "make worker — chạy thêm một tiến trình nền (gửi thư, SMS, liên thông edXML, việc định kỳ)"
	@echo "make test   — cài đặt và chạy toàn bộ bộ kiểm thử"
	@echo "make lint   — ruff, mypy, import-linter"
	@echo "make bench  — đo hiệu năng (BENCH_ARGS=\"--only documents\" để chọn kịch bản: procedures, dossiers, documents)"
	@echo "make chaos  — kill -9 máy chủ web và tiến trình nền giữa $(OPS) thao tác API, kiểm tra không mất gì (OPS=1000 để chạy ngắn)"
	@echo "make seed-scale — CSDL cqs_scale với 1.000.000 hồ sơ (SCALE_ARGS=\"--count 200000\")"
	@echo "make backup — sao lưu CSDL, tệp và mốc neo kiểm toán vào một tệp trong BACKUP_DIR (mặc định var/backups/)"
	@echo "make restore FILE=… — khôi phục một tệp sao lưu vào CSDL và thư mục tệp trống"
	@echo "make seed-documents-scale — thêm 2.000.000 văn bản đến, đi vào cqs_scale (DOCUMENTS_SCALE_ARGS=\"--count 500000\")"

$(VENV)/bin/python:
	@echo "==> [1/4] Tạo môi trường Python ($(VENV))"
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@uv venv --quiet --python python3.11 $(VENV) 2>/dev/null || uv venv --quiet $(VENV)

$(VENV)/.installed: $(VENV)/bin/python requirements/dev.txt
	@echo "==> [2/4] Cài đặt thư viện Python (requirements/dev.txt, có kiểm tra mã băm)"
	@uv pip sync --quiet --python $(PY) --require-hashes requirements/dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json .npmrc
	@echo "==> [3/4] Cài đặt giao diện từ npm (Pico CSS, htmx)"
	@npm ci --silent --no-audit --no-fund
	@touch $@

locale/.compiled: $(VENV)/.installed $(wildcard locale/*/LC_MESSAGES/django.po)
	@echo "==> [4/4] Biên dịch bản dịch"
	@bash scripts/ensure-system-packages.sh msgfmt:gettext
	@$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0
	@touch $@

install: $(VENV)/.installed node_modules/.installed locale/.compiled

demo: install
	@$(PY) manage.py demo_setup
	@$(MAKE) --no-print-directory serve

# The web server and one background worker together; Ctrl+C (or either one stopping) stops both.
serve:
	@DEBUG=false $(PY) manage.py collectstatic --noinput -v0
	@echo "==> Đang chạy tại http://$(HOST):$(PORT) cùng một tiến trình nền  (Ctrl+C để dừng cả hai)"
	@export DEBUG=false ALLOWED_HOSTS=$(HOST),127.0.0.1,localhost; \
	$(PY) manage.py procrastinate worker & worker=$$!; \
	$(VENV)/bin/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $(WEB_WORKERS) \
		--access-logfile - --log-level warning & web=$$!; \
	trap 'kill -TERM $$web $$worker 2>/dev/null' INT TERM; \
	wait -n $$web $$worker; status=$$?; \
	kill -TERM $$web $$worker 2>/dev/null; wait $$web $$worker; exit $$status

worker: install
	@echo "==> Tiến trình nền (Ctrl+C để dừng)"
	@DEBUG=false $(PY) manage.py procrastinate worker

test: install
	@bash scripts/ensure-system-packages.sh chromium:chromium pdftotext:poppler-utils
	@$(PY) -m pytest -n $${TEST_WORKERS:-auto} --create-db -q $(PYTEST_ARGS)

lint: install
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy
	@$(VENV)/bin/lint-imports

bench: install
	@$(PY) -m bench $(BENCH_ARGS)

chaos: install
	@$(PY) -m bench.chaos --ops $(OPS) $(CHAOS_ARGS)

seed-scale: install
	@$(PY) manage.py seed_scale $(SCALE_ARGS)

seed-documents-scale: install
	@$(PY) manage.py seed_documents_scale $(DOCUMENTS_SCALE_ARGS)

backup: install
	@$(PY) manage.py backup

restore: install
	@test -n "$(FILE)" || { echo "Cần FILE=đường/dẫn/tệp-sao-lưu.tar"; exit 2; }
	@$(PY) manage.py restore "$(FILE)"

requirements:
	uv pip compile --quiet --generate-hashes --python-version 3.11 requirements/base.in -o requirements/base.txt
	uv pip compile --quiet --generate-hashes --python-version 3.11 requirements/dev.in -o requirements/dev.txt

messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=node_modules --ignore=var

db-stop:
	@$(PY) -m config.embedded_db stop

clean: db-stop
	rm -rf var $(VENV) node_modules locale/.compiled
