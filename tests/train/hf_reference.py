#!/usr/bin/env python3
"""Independent PyTorch oracle for Hugging Face causal-LM checkpoints (run with /usr/bin/python3).

Only stdlib + torch: there is no `transformers` or `safetensors` package here, so the forward
passes below are written from the architectures' definitions, to match HF's eager attention
path in float32 (causal mask, position ids 0..L-1, no padding mask). Architectures:
Qwen2ForCausalLM, LlamaForCausalLM (incl. rope_scaling llama3 / linear), MistralForCausalLM
(incl. sliding_window), Qwen3ForCausalLM (q_norm/k_norm), GPT2LMHeadModel.

Subcommands:
  make --arch {qwen2,llama,llama3,mistral,qwen3,gpt2} --out DIR --seed N
       [--dtype float32|bfloat16|float16] [--shards K] [--size tiny|bench]
       [--sliding_window W] [--attention_bias] [--mlp_bias]
       -> DIR/config.json + DIR/model.safetensors (or HF-style shards + index)
  run --model DIR --ids 1,2,3 [--new N] [--full] --out FILE.json
       -> {"logits": [[vocab floats] x L], "greedy": [N ids]}  (greedy via KV cache;
          --full uses full recompute per step instead)
  selftest
       -> checks RoPE, GQA repeat, llama3 frequencies, KV cache vs full recompute, shards, bf16
"""
import argparse
import json
import math
import os
import struct
import sys
import tempfile

import torch
import torch.nn.functional as F

# ----------------------------------------------------------------------------- safetensors

ST_DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16,
             "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}
ST_NAMES = {v: k for k, v in ST_DTYPES.items()}
TORCH_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def tensor_bytes(t):
    """Raw little-endian bytes of a tensor (bf16 has no numpy dtype, so go through int16)."""
    t = t.detach().contiguous().cpu()
    if t.dtype in (torch.bfloat16, torch.float16):
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def write_safetensors(path, tensors):
    """8-byte LE header length, JSON header (space-padded to a multiple of 8), then the data."""
    header = {"__metadata__": {"format": "pt"}}
    blobs, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name]
        raw = tensor_bytes(t)
        header[name] = {"dtype": ST_NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for raw in blobs:
            f.write(raw)
    return offset


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        dt = ST_DTYPES[e["dtype"]]
        raw = bytearray(data[8 + n + b:8 + n + end])
        t = torch.frombuffer(raw, dtype=dt) if raw else torch.empty(0, dtype=dt)
        out[name] = t.reshape(e["shape"]).clone()
    return out


def shard_name(i, k):
    return "model-%05d-of-%05d.safetensors" % (i, k)


def save_weights(model_dir, tensors, shards=1):
    """One model.safetensors, or HF-style shards plus model.safetensors.index.json."""
    if shards <= 1:
        write_safetensors(os.path.join(model_dir, "model.safetensors"), tensors)
        return
    names = sorted(tensors)
    total = sum(tensors[n].numel() * tensors[n].element_size() for n in names)
    per = total / shards
    groups, acc = [[] for _ in range(shards)], 0
    for n in names:  # greedy split by bytes, keeping name order (as HF's splitter does)
        idx = min(int(acc // per) if per else 0, shards - 1)
        groups[idx].append(n)
        acc += tensors[n].numel() * tensors[n].element_size()
    for g in range(shards):  # never leave a shard empty: steal from a neighbour
        if not groups[g]:
            donor = max(range(shards), key=lambda j: len(groups[j]))
            groups[g].append(groups[donor].pop())
    weight_map = {}
    for g, group in enumerate(groups):
        fname = shard_name(g + 1, shards)
        write_safetensors(os.path.join(model_dir, fname), {n: tensors[n] for n in group})
        for n in group:
            weight_map[n] = fname
    index = {"metadata": {"total_size": total},
             "weight_map": {n: weight_map[n] for n in sorted(weight_map)}}
    with open(os.path.join(model_dir, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)


def load_weights(model_dir):
    """Reads model.safetensors or the sharded index; upcasts everything to float32."""
    index_path = os.path.join(model_dir, "model.safetensors.index.json")
    out = {}
    if os.path.exists(index_path):
        with open(index_path) as f:
            index = json.load(f)
        for fname in sorted(set(index["weight_map"].values())):
            out.update(read_safetensors(os.path.join(model_dir, fname)))
    else:
        out = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    return {k: v.float() for k, v in out.items()}


# ----------------------------------------------------------------------------- building blocks

def rms_norm(x, weight, eps):
    """HF RMSNorm: statistics in fp32, x * rsqrt(mean(x^2) + eps), then times weight."""
    x32 = x.float()
    var = x32.pow(2).mean(-1, keepdim=True)
    return weight * (x32 * torch.rsqrt(var + eps)).to(x.dtype)


def layer_norm(x, weight, bias, eps):
    return F.layer_norm(x, (x.shape[-1],), weight, bias, eps)


def gelu_new(x):
    """GPT-2's gelu_new: the tanh approximation."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


ACTIVATIONS = {
    "gelu_new": gelu_new,
    "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "gelu_fast": gelu_new,
    "gelu": F.gelu,  # exact erf
    "relu": F.relu,
    "silu": F.silu,
    "swish": F.silu,
}


def rope_inv_freq(head_dim, theta, rope_scaling=None):
    """inv_freq = 1/theta^(arange(0,d,2)/d) in fp32, then the rope_scaling adjustment."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    if not rope_scaling:
        return inv_freq
    kind = rope_scaling.get("rope_type", rope_scaling.get("type", "default"))
    if kind == "default":
        return inv_freq
    if kind == "linear":  # positions / factor == inv_freq / factor
        return inv_freq / rope_scaling["factor"]
    if kind == "llama3":
        return llama3_inv_freq(inv_freq, rope_scaling)
    raise ValueError("unsupported rope_scaling %r" % kind)


def llama3_inv_freq(inv_freq, rs):
    """Llama 3.1: keep high frequencies, divide low ones by factor, interpolate in between."""
    factor = rs["factor"]
    low_ff, high_ff = rs["low_freq_factor"], rs["high_freq_factor"]
    old_ctx = rs["original_max_position_embeddings"]
    low_freq_wavelen = old_ctx / low_ff
    high_freq_wavelen = old_ctx / high_ff
    wavelen = 2 * math.pi / inv_freq
    out = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth = (old_ctx / wavelen - low_ff) / (high_ff - low_ff)
    smoothed = (1 - smooth) * out / factor + smooth * out
    is_medium = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium, smoothed, out)


def rope_cos_sin(inv_freq, positions):
    """cos/sin of shape [T, head_dim]: freqs duplicated as cat(freqs, freqs) (HF layout)."""
    freqs = positions.float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    """Non-interleaved: (x1, x2) -> (-x2, x1) with x1/x2 the first/second half of head_dim."""
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def apply_rope(x, cos, sin):
    """x: [heads, T, head_dim]; cos/sin: [T, head_dim]."""
    return x * cos + rotate_half(x) * sin


def repeat_kv(x, n_rep):
    """GQA: [kv_heads, S, d] -> [kv_heads*n_rep, S, d]; query head h reads kv head h // n_rep."""
    if n_rep == 1:
        return x
    kvh, s, d = x.shape
    return x[:, None, :, :].expand(kvh, n_rep, s, d).reshape(kvh * n_rep, s, d)


def attention(q, k, v, q_start, window=None):
    """Eager attention. q: [H, T, d] at absolute positions q_start..; k, v: [H, S, d] at 0..S-1.

    Key j is visible to query i iff j <= i (causal) and, with a sliding window W, i - j < W.
    Masked scores get finfo.min added as HF does; softmax in fp32."""
    t, s, d = q.shape[1], k.shape[1], q.shape[2]
    scores = torch.matmul(q, k.transpose(1, 2)) * (d ** -0.5)
    qi = torch.arange(q_start, q_start + t)[:, None]
    kj = torch.arange(s)[None, :]
    masked = kj > qi
    if window is not None:
        masked = masked | (qi - kj >= window)
    scores = scores + torch.where(masked, torch.finfo(torch.float32).min, 0.0)
    probs = torch.softmax(scores.float(), dim=-1).to(q.dtype)
    out = torch.matmul(probs, v)  # [H, T, d]
    return out.transpose(0, 1).reshape(t, -1)


class KVCache:
    """Per-layer preallocated K/V buffers [kv_heads, capacity, head_dim]; grows by doubling."""

    def __init__(self, n_layers):
        self.k = [None] * n_layers
        self.v = [None] * n_layers
        self.length = 0  # tokens already stored (same for every layer after a full forward)

    def update(self, layer, k, v, start):
        end = start + k.shape[1]
        buf = self.k[layer]
        if buf is None or buf.shape[1] < end:
            cap = max(end, 2 * (buf.shape[1] if buf is not None else 0), 16)
            nk = k.new_zeros(k.shape[0], cap, k.shape[2])
            nv = v.new_zeros(v.shape[0], cap, v.shape[2])
            if buf is not None:
                nk[:, :start] = self.k[layer][:, :start]
                nv[:, :start] = self.v[layer][:, :start]
            self.k[layer], self.v[layer] = nk, nv
        self.k[layer][:, start:end] = k
        self.v[layer][:, start:end] = v
        return self.k[layer][:, :end], self.v[layer][:, :end]


# ----------------------------------------------------------------------------- models

class LlamaFamily:
    """Qwen2 / Llama / Mistral / Qwen3: pre-norm decoder, RoPE, GQA, SwiGLU MLP."""

    def __init__(self, cfg, w):
        self.cfg, self.w = cfg, w
        arch = cfg["architectures"][0]
        self.arch = arch
        self.h = cfg["hidden_size"]
        self.n_heads = cfg["num_attention_heads"]
        self.n_kv = cfg.get("num_key_value_heads") or self.n_heads
        self.head_dim = cfg.get("head_dim") or self.h // self.n_heads
        self.n_layers = cfg["num_hidden_layers"]
        self.eps = cfg["rms_norm_eps"]
        self.act = ACTIVATIONS[cfg.get("hidden_act", "silu")]
        self.inv_freq = rope_inv_freq(self.head_dim, cfg.get("rope_theta", 10000.0), cfg.get("rope_scaling"))
        self.qk_norm = arch == "Qwen3ForCausalLM"
        self.windows = [self.layer_window(i) for i in range(self.n_layers)]
        if cfg.get("tie_word_embeddings", False) or "lm_head.weight" not in w:
            self.lm_head = w["model.embed_tokens.weight"]
        else:
            self.lm_head = w["lm_head.weight"]

    def layer_window(self, i):
        """Sliding window per layer: Mistral applies it everywhere when non-null; Qwen2/Qwen3 only
        with use_sliding_window and from layer max_window_layers on."""
        sw = self.cfg.get("sliding_window")
        if sw is None:
            return None
        if self.arch == "MistralForCausalLM":
            return sw
        if self.cfg.get("use_sliding_window", False) and i >= self.cfg.get("max_window_layers", 0):
            return sw
        return None

    def linear(self, x, name):
        return F.linear(x, self.w[name + ".weight"], self.w.get(name + ".bias"))

    def attn(self, i, x, cos, sin, cache, start):
        p = "model.layers.%d.self_attn." % i
        t = x.shape[0]
        q = self.linear(x, p + "q_proj").view(t, self.n_heads, self.head_dim)
        k = self.linear(x, p + "k_proj").view(t, self.n_kv, self.head_dim)
        v = self.linear(x, p + "v_proj").view(t, self.n_kv, self.head_dim)
        if self.qk_norm:  # Qwen3: per-head RMSNorm over head_dim, before RoPE
            q = rms_norm(q, self.w[p + "q_norm.weight"], self.eps)
            k = rms_norm(k, self.w[p + "k_norm.weight"], self.eps)
        q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)  # [heads, T, d]
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if cache is not None:
            k, v = cache.update(i, k, v, start)
        rep = self.n_heads // self.n_kv
        o = attention(q, repeat_kv(k, rep), repeat_kv(v, rep), start, self.windows[i])
        return self.linear(o, p + "o_proj")

    def mlp(self, i, x):
        p = "model.layers.%d.mlp." % i
        return self.linear(self.act(self.linear(x, p + "gate_proj")) * self.linear(x, p + "up_proj"), p + "down_proj")

    def forward(self, ids, cache=None, start=0):
        """ids: LongTensor [T] at positions start..start+T-1 -> logits [T, vocab]."""
        x = self.w["model.embed_tokens.weight"][ids]
        cos, sin = rope_cos_sin(self.inv_freq, torch.arange(start, start + ids.shape[0]))
        for i in range(self.n_layers):
            p = "model.layers.%d." % i
            x = x + self.attn(i, rms_norm(x, self.w[p + "input_layernorm.weight"], self.eps), cos, sin, cache, start)
            x = x + self.mlp(i, rms_norm(x, self.w[p + "post_attention_layernorm.weight"], self.eps))
        if cache is not None:
            cache.length = start + ids.shape[0]
        x = rms_norm(x, self.w["model.norm.weight"], self.eps)
        return F.linear(x, self.lm_head)


class GPT2:
    """GPT2LMHeadModel: learned positions, pre-LayerNorm blocks, Conv1D (x @ W + b) projections."""

    def __init__(self, cfg, w):
        self.cfg = cfg
        # Accept checkpoints saved with or without the `transformer.` prefix; drop attn buffers.
        self.w = {}
        for k, v in w.items():
            if k.endswith(".attn.bias") and v.dim() == 4 or k.endswith(".attn.masked_bias"):
                continue
            self.w[k if k.startswith("transformer.") or k.startswith("lm_head") else "transformer." + k] = v
        self.h = cfg["n_embd"]
        self.n_heads = cfg["n_head"]
        self.head_dim = self.h // self.n_heads
        self.n_layers = cfg["n_layer"]
        self.eps = cfg["layer_norm_epsilon"]
        self.act = ACTIVATIONS[cfg.get("activation_function", "gelu_new")]
        tied = cfg.get("tie_word_embeddings", True) or "lm_head.weight" not in self.w
        self.lm_head = self.w["transformer.wte.weight"] if tied else self.w["lm_head.weight"]

    def conv1d(self, x, name):
        return torch.addmm(self.w[name + ".bias"], x, self.w[name + ".weight"])

    def ln(self, x, name):
        return layer_norm(x, self.w[name + ".weight"], self.w[name + ".bias"], self.eps)

    def attn(self, i, x, cache, start):
        p = "transformer.h.%d.attn." % i
        t = x.shape[0]
        q, k, v = self.conv1d(x, p + "c_attn").split(self.h, dim=-1)
        q, k, v = (z.view(t, self.n_heads, self.head_dim).transpose(0, 1) for z in (q, k, v))
        if cache is not None:
            k, v = cache.update(i, k, v, start)
        return self.conv1d(attention(q, k, v, start), p + "c_proj")

    def forward(self, ids, cache=None, start=0):
        pos = torch.arange(start, start + ids.shape[0])
        x = self.w["transformer.wte.weight"][ids] + self.w["transformer.wpe.weight"][pos]
        for i in range(self.n_layers):
            p = "transformer.h.%d." % i
            x = x + self.attn(i, self.ln(x, p + "ln_1"), cache, start)
            x = x + self.conv1d(self.act(self.conv1d(self.ln(x, p + "ln_2"), p + "mlp.c_fc")), p + "mlp.c_proj")
        if cache is not None:
            cache.length = start + ids.shape[0]
        return F.linear(self.ln(x, "transformer.ln_f"), self.lm_head)


def num_layers(model):
    return model.n_layers


def load_model(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    w = load_weights(model_dir)
    arch = cfg["architectures"][0]
    if arch == "GPT2LMHeadModel":
        return GPT2(cfg, w)
    if arch in ("Qwen2ForCausalLM", "LlamaForCausalLM", "MistralForCausalLM", "Qwen3ForCausalLM"):
        return LlamaFamily(cfg, w)
    raise ValueError("unsupported architecture " + arch)


# ----------------------------------------------------------------------------- generation

def greedy_kv(model, ids, new):
    """Prefill once, then one token per step through the KV cache. Returns (prefill logits, ids).
    No EOS stop: exactly `new` tokens."""
    cache = KVCache(num_layers(model))
    logits = model.forward(ids, cache, 0)
    out = [int(torch.argmax(logits[-1]))]
    while len(out) < new:
        step = model.forward(torch.tensor([out[-1]]), cache, cache.length)
        out.append(int(torch.argmax(step[-1])))
    return logits, out[:new]


def greedy_full(model, ids, new):
    """Same, but recomputing the whole sequence every step (no cache)."""
    seq = list(ids.tolist())
    out = []
    logits0 = None
    for _ in range(new):
        logits = model.forward(torch.tensor(seq))
        if logits0 is None:
            logits0 = logits
        out.append(int(torch.argmax(logits[-1])))
        seq.append(out[-1])
    if logits0 is None:
        logits0 = model.forward(ids)
    return logits0, out


# ----------------------------------------------------------------------------- random models

TINY = dict(hidden=64, inter=160, layers=2, heads=4, kv=2, vocab=320, max_pos=256)
BENCH = dict(hidden=512, inter=1408, layers=8, heads=8, kv=2, vocab=32000, max_pos=4096)


def make_config(arch, dtype, size, sliding_window=None, attention_bias=False, mlp_bias=False,
                vocab_size=None):
    s = dict(BENCH if size == "bench" else TINY)
    if vocab_size:
        s["vocab"] = vocab_size  # e.g. a real tokenizer's size, for end-to-end CLI tests
    if arch == "gpt2":
        return {
            "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
            "vocab_size": s["vocab"], "n_embd": s["hidden"], "n_layer": s["layers"], "n_head": s["heads"],
            "n_positions": s["max_pos"], "n_ctx": s["max_pos"], "n_inner": None,
            "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
            "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0,
            "scale_attn_weights": True, "scale_attn_by_inverse_layer_idx": False,
            "reorder_and_upcast_attn": False, "initializer_range": 0.02,
            "tie_word_embeddings": True, "bos_token_id": s["vocab"] - 1, "eos_token_id": s["vocab"] - 1,
            "torch_dtype": dtype, "transformers_version": "4.46.0", "use_cache": True,
        }
    cfg = {
        "hidden_size": s["hidden"], "intermediate_size": s["inter"], "num_hidden_layers": s["layers"],
        "num_attention_heads": s["heads"], "num_key_value_heads": s["kv"], "vocab_size": s["vocab"],
        "max_position_embeddings": s["max_pos"], "hidden_act": "silu", "initializer_range": 0.02,
        "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": dtype, "transformers_version": "4.46.0",
        "use_cache": True, "attention_dropout": 0.0,
    }
    if arch == "qwen2":
        cfg.update({"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "rms_norm_eps": 1e-6,
                    "rope_theta": 1000000.0, "tie_word_embeddings": True, "use_sliding_window": False,
                    "sliding_window": s["max_pos"], "max_window_layers": s["layers"], "rope_scaling": None})
    elif arch in ("llama", "llama3"):
        cfg.update({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "rms_norm_eps": 1e-5,
                    "rope_theta": 10000.0, "tie_word_embeddings": False, "attention_bias": attention_bias,
                    "mlp_bias": mlp_bias, "head_dim": s["hidden"] // s["heads"], "pretraining_tp": 1,
                    "rope_scaling": None})
        if arch == "llama3":
            # head_dim 16, theta 500000: wavelengths 6.3, 32, 167, ... vs old ctx 64 / high factor 4
            # = 16 and / low factor 1 = 64, so freq 0 is kept, freq 1 is smoothed, the rest / 8.
            cfg.update({"rope_theta": 500000.0, "bos_token_id": 1, "eos_token_id": [2, 3],
                        "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                         "high_freq_factor": 4.0, "original_max_position_embeddings": 64}})
            if size == "bench":
                cfg["rope_scaling"]["original_max_position_embeddings"] = 512
    elif arch == "mistral":
        cfg.update({"architectures": ["MistralForCausalLM"], "model_type": "mistral", "rms_norm_eps": 1e-5,
                    "rope_theta": 10000.0, "tie_word_embeddings": False, "sliding_window": sliding_window})
    elif arch == "qwen3":
        # head_dim decoupled from hidden/heads (64/4=16): q_proj is 64 -> 4*32, o_proj 128 -> 64.
        cfg.update({"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "rms_norm_eps": 1e-6,
                    "rope_theta": 1000000.0, "tie_word_embeddings": False, "attention_bias": attention_bias,
                    "head_dim": 2 * s["hidden"] // s["heads"], "use_sliding_window": False,
                    "sliding_window": None, "max_window_layers": s["layers"], "rope_scaling": None})
    else:
        raise ValueError("unknown arch " + arch)
    return cfg


def random_weights(cfg, seed):
    """Random normal weights, norm weights 1 +- 0.1, small nonzero biases (std 0.02), embeddings
    std 0.1. Projections use std 1.6/sqrt(hidden) (2.0/sqrt(hidden) for GPT-2), i.e. 0.2 / 0.25 at
    hidden 64: with ~0.05 the tied-embedding models (qwen2, gpt2) just repeat one token greedily,
    because the residual stream is dominated by the input embedding."""
    g = torch.Generator().manual_seed(seed)
    width = cfg.get("hidden_size") or cfg["n_embd"]
    proj_std = (2.0 if cfg["model_type"] == "gpt2" else 1.6) / math.sqrt(width)

    def normal(*shape, std=None, mean=0.0):
        std = proj_std if std is None else std
        return torch.randn(*shape, generator=g) * std + mean

    w = {}
    if cfg["model_type"] == "gpt2":
        h, v, n = cfg["n_embd"], cfg["vocab_size"], cfg["n_layer"]
        inner = cfg["n_inner"] or 4 * h
        w["transformer.wte.weight"] = normal(v, h, std=0.1)
        w["transformer.wpe.weight"] = normal(cfg["n_positions"], h, std=0.05)
        for i in range(n):
            p = "transformer.h.%d." % i
            for ln in ("ln_1", "ln_2"):
                w[p + ln + ".weight"] = normal(h, std=0.1, mean=1.0)
                w[p + ln + ".bias"] = normal(h, std=0.02)
            for name, (fin, fout) in (("attn.c_attn", (h, 3 * h)), ("attn.c_proj", (h, h)),
                                      ("mlp.c_fc", (h, inner)), ("mlp.c_proj", (inner, h))):
                w[p + name + ".weight"] = normal(fin, fout)  # Conv1D: [in, out]
                w[p + name + ".bias"] = normal(fout, std=0.02)
        w["transformer.ln_f.weight"] = normal(h, std=0.1, mean=1.0)
        w["transformer.ln_f.bias"] = normal(h, std=0.02)
        return w
    h, v, n = cfg["hidden_size"], cfg["vocab_size"], cfg["num_hidden_layers"]
    nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim") or h // nh
    inter = cfg["intermediate_size"]
    mt = cfg["model_type"]
    qkv_bias = mt == "qwen2" or cfg.get("attention_bias", False)
    o_bias = mt != "qwen2" and cfg.get("attention_bias", False)
    mlp_bias = cfg.get("mlp_bias", False)
    w["model.embed_tokens.weight"] = normal(v, h, std=0.1)
    for i in range(n):
        p = "model.layers.%d." % i
        w[p + "input_layernorm.weight"] = normal(h, std=0.1, mean=1.0)
        w[p + "post_attention_layernorm.weight"] = normal(h, std=0.1, mean=1.0)
        for name, (fout, fin), bias in (("q_proj", (nh * hd, h), qkv_bias), ("k_proj", (nkv * hd, h), qkv_bias),
                                        ("v_proj", (nkv * hd, h), qkv_bias), ("o_proj", (h, nh * hd), o_bias)):
            w[p + "self_attn." + name + ".weight"] = normal(fout, fin)  # nn.Linear: [out, in]
            if bias:
                w[p + "self_attn." + name + ".bias"] = normal(fout, std=0.02)
        if mt == "qwen3":
            w[p + "self_attn.q_norm.weight"] = normal(hd, std=0.1, mean=1.0)
            w[p + "self_attn.k_norm.weight"] = normal(hd, std=0.1, mean=1.0)
        for name, (fout, fin) in (("gate_proj", (inter, h)), ("up_proj", (inter, h)), ("down_proj", (h, inter))):
            w[p + "mlp." + name + ".weight"] = normal(fout, fin)
            if mlp_bias:
                w[p + "mlp." + name + ".bias"] = normal(fout, std=0.02)
    w["model.norm.weight"] = normal(h, std=0.1, mean=1.0)
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = normal(v, h, std=0.1)
    return w


def make_model(arch, out, seed, dtype="float32", shards=1, size="tiny", sliding_window=None,
               attention_bias=False, mlp_bias=False, vocab_size=None):
    os.makedirs(out, exist_ok=True)
    cfg = make_config(arch, dtype, size, sliding_window, attention_bias, mlp_bias, vocab_size)
    w = random_weights(cfg, seed)
    w = {k: t.to(TORCH_DTYPES[dtype]) for k, t in w.items()}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    for stale in os.listdir(out):  # a re-make must not leave shards of an earlier layout behind
        if stale.endswith(".safetensors") or stale == "model.safetensors.index.json":
            os.remove(os.path.join(out, stale))
    save_weights(out, w, shards)
    return cfg


# ----------------------------------------------------------------------------- self-test

def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        check.failed += 1


check.failed = 0


def selftest():
    torch.manual_seed(0)
    # rotate_half RoPE == rotating each pair (x_i, x_{i+d/2}) by angle pos * inv_freq_i
    d, t = 16, 7
    x = torch.randn(3, t, d)
    inv = rope_inv_freq(d, 10000.0)
    cos, sin = rope_cos_sin(inv, torch.arange(t))
    got = apply_rope(x, cos, sin)
    z = torch.complex(x[..., :d // 2], x[..., d // 2:]) * torch.polar(torch.ones(t, d // 2), torch.arange(t)[:, None] * inv)
    check(torch.allclose(got, torch.cat((z.real, z.imag), -1), atol=1e-5), "rope == complex rotation of (x_i, x_{i+d/2})")
    q, k = torch.randn(d), torch.randn(d)
    dots = []
    for m, n in ((5, 2), (13, 10)):
        c, s = rope_cos_sin(inv, torch.tensor([m, n]))
        dots.append(float(apply_rope(q[None, None], c[:1], s[:1]).flatten() @ apply_rope(k[None, None], c[1:], s[1:]).flatten()))
    check(abs(dots[0] - dots[1]) < 1e-4, "rope scores depend on relative position only")
    # GQA: expand/reshape == per-head h // n_rep
    kv = torch.randn(2, 5, 4)
    rep = repeat_kv(kv, 3)
    check(all(torch.equal(rep[h], kv[h // 3]) for h in range(6)), "repeat_kv maps query head h to kv head h // n_rep")
    # llama3 frequencies for the tiny config
    cfg = make_config("llama3", "float32", "tiny")
    base = rope_inv_freq(16, cfg["rope_theta"])
    adj = rope_inv_freq(16, cfg["rope_theta"], cfg["rope_scaling"])
    ratio = (base / adj).tolist()
    check(abs(ratio[0] - 1) < 1e-6 and 1 < ratio[1] < 8 and all(abs(r - 8) < 1e-4 for r in ratio[2:]),
          "llama3 inv_freq: kept / smoothed / divided by 8 -> ratios %s" % [round(r, 4) for r in ratio])
    # single query token attention == last row of full attention
    qh, kh, vh = torch.randn(4, 6, 8), torch.randn(4, 6, 8), torch.randn(4, 6, 8)
    full = attention(qh, kh, vh, 0)
    one = attention(qh[:, -1:], kh, vh, 5)
    check(torch.allclose(full[-1:], one, atol=1e-6), "single-token attention == last row of causal attention")

    ids = torch.tensor([3, 17, 42, 99, 5, 250, 7, 8, 11, 64, 1, 300])
    with tempfile.TemporaryDirectory() as tmp:
        for arch in ("qwen2", "llama", "llama3", "mistral", "qwen3", "gpt2"):
            d0 = os.path.join(tmp, arch)
            make_model(arch, d0, seed=1)
            m = load_model(d0)
            full = m.forward(ids)
            check(bool(torch.isfinite(full).all()) and float(full.std()) > 0.05,
                  "%s: logits finite, std %.3f" % (arch, float(full.std())))
            cache = KVCache(num_layers(m))
            inc = torch.cat([m.forward(ids[i:i + 1], cache, i) for i in range(len(ids))])
            check(torch.allclose(full, inc, atol=1e-5), "%s: token-by-token KV cache == full forward (max diff %.2e)"
                  % (arch, float((full - inc).abs().max())))
            cache = KVCache(num_layers(m))
            chunked = torch.cat([m.forward(ids[:5], cache, 0), m.forward(ids[5:], cache, 5)])
            check(torch.allclose(full, chunked, atol=1e-5), "%s: chunked prefill == full forward" % arch)
            lk, gk = greedy_kv(m, ids, 10)
            lf, gf = greedy_full(m, ids, 10)
            check(gk == gf and torch.allclose(lk, lf), "%s: greedy KV == greedy full recompute %s" % (arch, gk))
            make_model(arch, os.path.join(tmp, arch + "_s2"), seed=2)
            other = load_model(os.path.join(tmp, arch + "_s2")).forward(ids)
            check(not torch.allclose(full, other, atol=1e-3), "%s: seed changes logits" % arch)
            make_model(arch, os.path.join(tmp, arch + "_sh"), seed=1, shards=3)
            check(len([f for f in os.listdir(os.path.join(tmp, arch + "_sh")) if f.endswith(".safetensors")]) == 3
                  and torch.equal(load_model(os.path.join(tmp, arch + "_sh")).forward(ids), full),
                  "%s: 3 shards + index == single file" % arch)
            for dt in ("bfloat16", "float16"):
                make_model(arch, os.path.join(tmp, arch + dt), seed=1, dtype=dt)
                low = load_model(os.path.join(tmp, arch + dt)).forward(ids)
                err = float((low - full).abs().max())
                check(bool(torch.isfinite(low).all()) and err < 0.1, "%s: %s weights load, max |diff| vs fp32 %.3g"
                      % (arch, dt, err))
        # GPT-2 checkpoints saved without the `transformer.` prefix load the same
        raw = load_weights(os.path.join(tmp, "gpt2"))
        with open(os.path.join(tmp, "gpt2", "config.json")) as f:
            gcfg = json.load(f)
        bare = GPT2(gcfg, {k[len("transformer."):]: v for k, v in raw.items()})
        check(torch.equal(bare.forward(ids), load_model(os.path.join(tmp, "gpt2")).forward(ids)),
              "gpt2: names without `transformer.` prefix load identically")
        # llama3 smoothed frequency, by hand with python floats
        rs = make_config("llama3", "float32", "tiny")["rope_scaling"]
        f1 = 500000.0 ** (-2 / 16)
        sm = (64 / (2 * math.pi / f1) - 1) / (4 - 1)
        want = (1 - sm) * f1 / 8 + sm * f1
        got1 = float(rope_inv_freq(16, 500000.0, rs)[1])
        check(abs(got1 - want) < 1e-6 * want, "llama3 smoothed inv_freq[1] %.7g == hand %.7g" % (got1, want))
        # sliding window: differs from full attention beyond the window, cache path agrees
        dw = os.path.join(tmp, "mistral_w4")
        make_model("mistral", dw, seed=1, sliding_window=4)
        mw = load_model(dw)
        fw = mw.forward(ids)
        cache = KVCache(num_layers(mw))
        iw = torch.cat([mw.forward(ids[i:i + 1], cache, i) for i in range(len(ids))])
        plain = load_model(os.path.join(tmp, "mistral")).forward(ids)
        check(torch.allclose(fw[:4], plain[:4], atol=1e-6) and not torch.allclose(fw[4:], plain[4:], atol=1e-3)
              and torch.allclose(fw, iw, atol=1e-5), "mistral sliding_window=4: same within window, cache agrees")
        for arch, flag in (("llama", "attention_bias"), ("llama", "mlp_bias")):
            db = os.path.join(tmp, arch + flag)
            make_model(arch, db, seed=1, **{flag: True})
            mb = load_model(db)
            cache = KVCache(num_layers(mb))
            inc = torch.cat([mb.forward(ids[i:i + 1], cache, i) for i in range(len(ids))])
            check(torch.allclose(mb.forward(ids), inc, atol=1e-5), "llama %s=true runs, cache agrees" % flag)
    print("selftest: %s" % ("FAILED %d" % check.failed if check.failed else "all ok"))
    return 1 if check.failed else 0


# ----------------------------------------------------------------------------- CLI

def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    mk = sub.add_parser("make")
    mk.add_argument("--arch", required=True, choices=["qwen2", "llama", "llama3", "mistral", "qwen3", "gpt2"])
    mk.add_argument("--out", required=True)
    mk.add_argument("--seed", type=int, default=0)
    mk.add_argument("--dtype", default="float32", choices=sorted(TORCH_DTYPES))
    mk.add_argument("--shards", type=int, default=1)
    mk.add_argument("--size", default="tiny", choices=["tiny", "bench"])
    mk.add_argument("--sliding_window", type=int, default=None, help="mistral only")
    mk.add_argument("--attention_bias", action="store_true", help="llama/qwen3: bias on q,k,v,o")
    mk.add_argument("--mlp_bias", action="store_true", help="llama: bias on gate,up,down")
    mk.add_argument("--vocab_size", type=int, default=None, help="override the preset's vocabulary")
    rn = sub.add_parser("run")
    rn.add_argument("--model", required=True)
    rn.add_argument("--ids", required=True)
    rn.add_argument("--new", type=int, default=0)
    rn.add_argument("--full", action="store_true", help="greedy by full recompute instead of the KV cache")
    rn.add_argument("--out", required=True)
    sub.add_parser("selftest")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    if a.cmd == "make":
        make_model(a.arch, a.out, a.seed, a.dtype, a.shards, a.size, a.sliding_window, a.attention_bias,
                   a.mlp_bias, a.vocab_size)
        return 0
    if a.cmd == "run":
        ids = torch.tensor([int(s) for s in a.ids.split(",") if s.strip()], dtype=torch.long)
        with torch.inference_mode():
            m = load_model(a.model)
            logits, greedy = (greedy_full if a.full else greedy_kv)(m, ids, a.new) if a.new > 0 else (m.forward(ids), [])
        with open(a.out, "w") as f:
            json.dump({"logits": logits.tolist(), "greedy": greedy}, f)
        return 0
    with torch.inference_mode():
        return selftest()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
