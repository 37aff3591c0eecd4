#!/bin/sh
# How a real local contender would be served (the demo uses the simulated endpoint instead):
# one GPU box on the LAN, OpenAI-compatible API on port 8000.
vllm serve Qwen/Qwen3-Coder-30B-A3B-Instruct \
  --max-model-len 65536 \
  --enable-auto-tool-choice --tool-call-parser qwen3_coder \
  --port 8000
