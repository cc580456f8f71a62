# Fresh machine: `make setup`, then `make demo`, then `make test`.
VENV := .venv
BIN := $(VENV)/bin
OUT := results/demo

.PHONY: setup demo lint test

setup:
	bash scripts/setup.sh

demo:
	mkdir -p $(OUT)
	$(BIN)/mramcim tech show
	$(BIN)/mramcim gen-array --rows 784 -o $(OUT)/sop_784x2_half.cir
	$(BIN)/mramcim check $(OUT)/sop_784x2_half.cir
	$(BIN)/mramcim verify xnor
	$(BIN)/mramcim characterize array --rows 64 --cols 8 --out $(OUT)/char64
	$(BIN)/mramcim train --algo tgbnn --dataset digits --epochs 10 --seed 0 --out $(OUT)/tgbnn_digits
	$(BIN)/mramcim train --algo bnn --dataset digits --epochs 10 --seed 0 --out $(OUT)/bnn_digits
	$(BIN)/mramcim train --algo tgbnn --dataset digits --epochs 10 --seed 0 --hardware $(OUT)/char64/transfer.json --write-stats --out $(OUT)/tgbnn_digits_hw
	@echo "demo results in $(OUT)"

lint:
	$(BIN)/ruff check mramcim cli tests
	$(BIN)/ruff format --check mramcim cli tests
	$(BIN)/mypy mramcim

test:
	$(BIN)/python -m pytest -q
