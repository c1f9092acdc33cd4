#!/usr/bin/env python3
"""Generation speed of a PyTorch eager loop with a KV cache, the reference for instill's generator.

Loads a Hugging Face model dir (config.json + safetensors, any of the architectures of
tests/train/hf_reference.py) in float32 and generates greedily, batch 1, under
torch.inference_mode with torch.set_num_threads(T), from a fixed random prompt (seeded).

Per run:
  ttft_ms           prefill of the P prompt tokens + argmax of the first new token
  decode tokens/s   (N - 1) / time of the N - 1 single-token steps that produce tokens 2..N
One untimed warm-up run first; the medians over R runs are reported as JSON on stdout.

Usage:
  /usr/bin/python3 bench/generate_reference.py --model DIR --prompt_len P --new N --threads T [--runs R]
      [--seed S]
  /usr/bin/python3 bench/generate_reference.py --make_bench_model DIR [--arch qwen2] [--seed S]
      (writes a Qwen2-like model: hidden 512, 8 layers, 8 heads, 2 kv heads, intermediate 1408,
       vocab 32000, float32, ~39M parameters; same as `hf_reference.py make --size bench`)
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "train"))
import hf_reference as hf  # noqa: E402  (the independent PyTorch models of the tests)


def vocab_size(model):
    return model.lm_head.shape[0]


def one_run(model, prompt, new):
    """Returns (ttft seconds, decode seconds, generated ids)."""
    cache = hf.KVCache(hf.num_layers(model))
    t0 = time.perf_counter()
    logits = model.forward(prompt, cache, 0)
    out = [int(torch.argmax(logits[-1]))]
    t1 = time.perf_counter()
    while len(out) < new:
        step = model.forward(torch.tensor([out[-1]]), cache, cache.length)
        out.append(int(torch.argmax(step[-1])))
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model")
    ap.add_argument("--prompt_len", type=int, default=128)
    ap.add_argument("--new", type=int, default=128)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0, help="prompt seed (and weights seed with --make_bench_model)")
    ap.add_argument("--make_bench_model", metavar="DIR")
    ap.add_argument("--arch", default="qwen2", help="architecture for --make_bench_model")
    a = ap.parse_args(argv)
    if a.make_bench_model:
        hf.make_model(a.arch, a.make_bench_model, a.seed, "float32", 1, "bench")
        print(json.dumps({"made": a.make_bench_model, "arch": a.arch, "size": "bench"}))
        return 0
    if not a.model:
        ap.error("--model or --make_bench_model is required")
    if a.new < 2:
        ap.error("--new must be at least 2 (one prefill token + decode steps)")
    torch.set_num_threads(a.threads)
    with torch.inference_mode():
        model = hf.load_model(a.model)
        g = torch.Generator().manual_seed(a.seed)
        prompt = torch.randint(0, vocab_size(model), (a.prompt_len,), generator=g)
        one_run(model, prompt, min(a.new, 4))  # warm-up: allocator, BLAS threads
        ttfts, rates, ids = [], [], None
        for _ in range(a.runs):
            ttft, dec, ids = one_run(model, prompt, a.new)
            ttfts.append(ttft * 1000.0)
            rates.append((a.new - 1) / dec)
    n_params = sum(t.numel() for k, t in model.w.items())
    print(json.dumps({
        "model": a.model, "arch": model.cfg["architectures"][0], "params": n_params,
        "prompt_len": a.prompt_len, "new": a.new, "threads": a.threads, "runs": a.runs,
        "decode_tokens_per_s": statistics.median(rates), "ttft_ms": statistics.median(ttfts),
        "decode_tokens_per_s_all": rates, "ttft_ms_all": ttfts,
        "greedy_first_8": ids[:8], "torch": torch.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
